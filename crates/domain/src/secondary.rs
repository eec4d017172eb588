//! Secondary handling (二次处置): a dispute incident that keeps coming back (flagged as a
//! repeat) or is difficult or major does not end with the first officer's feedback. It
//! goes "结果反馈 → 分析研判 → 指令派单": opened on the first result, analysed by the
//! command room, which instructs the community officer of the place, who works it (each
//! visit a progress note) until it is settled — or concluded unsettled. Its success rate
//! (settled / opened) is one of the station's figures.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::event::DomainEvent;
use crate::incident::check_text;
use crate::org::{RecordId, text_enum};

text_enum! {
    /// Why a secondary handling was opened.
    SecondaryReason {
        /// 一人多次.
        RepeatPerson = "repeat_person",
        /// 一地多起.
        RepeatPlace = "repeat_place",
        /// 一类多发.
        RepeatCategory = "repeat_category",
        /// 疑难: the dispatcher judged it difficult.
        Difficult = "difficult",
        /// 重大: major.
        Major = "major",
    }
}

text_enum! {
    /// Where a secondary handling stands.
    SecondaryState {
        /// 待研判: opened, waiting for the command room's analysis and instruction.
        Analysing = "analysing",
        /// 处置中: instructed to an officer, being worked.
        Assigned = "assigned",
        /// 已化解: settled (a success).
        Settled = "settled",
        /// 未化解: concluded without settling (sent to litigation, a file …).
        Unsettled = "unsettled",
    }
}

impl SecondaryState {
    /// Whether it is still open.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Analysing | Self::Assigned)
    }

    /// The state after an event of the incident (unchanged by other events).
    pub fn after(self, event: &DomainEvent) -> Self {
        match event {
            DomainEvent::SecondaryOpened { .. } => Self::Analysing,
            DomainEvent::SecondaryInstructed { .. } => Self::Assigned,
            DomainEvent::SecondaryConcluded { settled: true, .. } => Self::Settled,
            DomainEvent::SecondaryConcluded { settled: false, .. } => Self::Unsettled,
            _ => self,
        }
    }
}

/// A secondary handling's state as the decision needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SecondaryStatus {
    /// Where it stands; `None` when the incident has none.
    pub state: Option<SecondaryState>,
    /// The officer it was instructed to.
    pub officer: Option<RecordId>,
}

/// Something done about a secondary handling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondaryCommand {
    /// Open it, for these reasons (at least one).
    Open(Vec<SecondaryReason>),
    /// 分析研判 → 指令派单: the command room's analysis and its instruction to an officer
    /// (again, to send it to another officer).
    Instruct {
        /// The officer.
        staff_id: RecordId,
        /// The analysis (研判意见).
        analysis: String,
        /// What the officer is to do (指令).
        instruction: String,
    },
    /// A visit or step by the officer it is with.
    Progress {
        /// Who.
        staff_id: RecordId,
        /// What was done.
        note: String,
    },
    /// Concluded: settled or not. By the officer it is with, or (`staff_id` none) the
    /// command room.
    Conclude {
        /// The officer, when it is them.
        staff_id: Option<RecordId>,
        /// Settled (化解).
        settled: bool,
        /// How.
        note: String,
    },
}

/// Decides a command against the incident's secondary handling.
pub fn decide_secondary(
    id: RecordId,
    status: &SecondaryStatus,
    command: SecondaryCommand,
) -> Result<Vec<DomainEvent>, DomainError> {
    use SecondaryState as S;
    let refuse = |what: &str| {
        Err(DomainError::Conflict(match status.state {
            None => format!("cannot {what}: the incident has no secondary handling"),
            Some(state) => format!("cannot {what} a secondary handling that is {state}"),
        }))
    };
    let theirs = |staff_id: RecordId| {
        if status.officer == Some(staff_id) {
            Ok(())
        } else {
            Err(DomainError::Conflict(
                "only the officer the secondary handling was instructed to can do this".into(),
            ))
        }
    };
    let event = match command {
        SecondaryCommand::Open(mut reasons) => {
            if status.state.is_some_and(S::is_open) {
                return Err(DomainError::Conflict(
                    "the incident already has an open secondary handling".into(),
                ));
            }
            if status.state.is_some() {
                return refuse("reopen");
            }
            reasons.sort();
            reasons.dedup();
            if reasons.is_empty() {
                return Err(DomainError::invalid(
                    "reason",
                    "a secondary handling needs a reason: a repeat, difficult or major",
                ));
            }
            DomainEvent::SecondaryOpened { id, reasons }
        }
        SecondaryCommand::Instruct {
            staff_id,
            analysis,
            instruction,
        } => {
            if !status.state.is_some_and(S::is_open) {
                return refuse("instruct");
            }
            DomainEvent::SecondaryInstructed {
                id,
                staff_id,
                analysis: check_text("analysis", &analysis, 2000)?,
                instruction: check_text("instruction", &instruction, 2000)?,
            }
        }
        SecondaryCommand::Progress { staff_id, note } => {
            if status.state != Some(S::Assigned) {
                return refuse("record progress on");
            }
            theirs(staff_id)?;
            DomainEvent::SecondaryProgressed {
                id,
                staff_id,
                note: check_text("note", &note, 2000)?,
            }
        }
        SecondaryCommand::Conclude {
            staff_id,
            settled,
            note,
        } => {
            match (status.state, staff_id) {
                (Some(S::Assigned), Some(officer)) => theirs(officer)?,
                (Some(S::Analysing | S::Assigned), None) => {}
                (Some(S::Analysing), Some(_)) => {
                    return Err(DomainError::Conflict(
                        "the secondary handling has not been instructed to an officer yet".into(),
                    ));
                }
                _ => return refuse("conclude"),
            }
            DomainEvent::SecondaryConcluded {
                id,
                settled,
                note: check_text("note", &note, 2000)?,
            }
        }
    };
    Ok(vec![event])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::new_id;

    fn fold(status: &mut SecondaryStatus, events: &[DomainEvent]) {
        for event in events {
            status.state = Some(
                status
                    .state
                    .unwrap_or(SecondaryState::Analysing)
                    .after(event),
            );
            if let DomainEvent::SecondaryInstructed { staff_id, .. } = event {
                status.officer = Some(*staff_id);
            }
        }
    }

    #[test]
    fn result_analysis_instruction_and_the_officers_work_until_settled() {
        let (id, officer, other) = (new_id(), new_id(), new_id());
        let mut status = SecondaryStatus {
            state: None,
            officer: None,
        };
        let open = decide_secondary(
            id,
            &status,
            SecondaryCommand::Open(vec![
                SecondaryReason::RepeatPlace,
                SecondaryReason::RepeatPlace,
            ]),
        )
        .unwrap();
        assert!(matches!(
            open.as_slice(),
            [DomainEvent::SecondaryOpened { reasons, .. }] if reasons.len() == 1
        ));
        fold(&mut status, &open);
        assert!(
            decide_secondary(
                id,
                &status,
                SecondaryCommand::Open(vec![SecondaryReason::Major])
            )
            .is_err(),
            "one open handling per incident"
        );
        let not_yet = decide_secondary(
            id,
            &status,
            SecondaryCommand::Conclude {
                staff_id: Some(officer),
                settled: true,
                note: "x".into(),
            },
        )
        .unwrap_err();
        assert!(
            not_yet.to_string().contains("not been instructed"),
            "{not_yet}"
        );
        let instructed = decide_secondary(
            id,
            &status,
            SecondaryCommand::Instruct {
                staff_id: officer,
                analysis: "同一地址一月内三次报警，系宅基地边界纠纷".into(),
                instruction: "会同村调委会上门调解，一周内反馈".into(),
            },
        )
        .unwrap();
        fold(&mut status, &instructed);
        let stranger = decide_secondary(
            id,
            &status,
            SecondaryCommand::Progress {
                staff_id: other,
                note: "上门".into(),
            },
        )
        .unwrap_err();
        assert!(
            stranger.to_string().contains("only the officer"),
            "{stranger}"
        );
        let settled = decide_secondary(
            id,
            &status,
            SecondaryCommand::Conclude {
                staff_id: Some(officer),
                settled: true,
                note: "双方签订协议，重新确界".into(),
            },
        )
        .unwrap();
        fold(&mut status, &settled);
        assert_eq!(status.state, Some(SecondaryState::Settled));
        assert!(
            decide_secondary(
                id,
                &status,
                SecondaryCommand::Progress {
                    staff_id: officer,
                    note: "回访".into()
                }
            )
            .is_err()
        );
    }

    #[test]
    fn a_handling_needs_a_reason_and_the_command_room_may_conclude_it() {
        let id = new_id();
        let none = SecondaryStatus {
            state: None,
            officer: None,
        };
        let err = decide_secondary(id, &none, SecondaryCommand::Open(vec![])).unwrap_err();
        assert!(err.to_string().starts_with("reason"), "{err}");
        let analysing = SecondaryStatus {
            state: Some(SecondaryState::Analysing),
            officer: None,
        };
        let events = decide_secondary(
            id,
            &analysing,
            SecondaryCommand::Conclude {
                staff_id: None,
                settled: false,
                note: "当事人已起诉，转诉讼".into(),
            },
        )
        .unwrap();
        assert_eq!(
            SecondaryState::Analysing.after(&events[0]),
            SecondaryState::Unsettled
        );
    }
}
