//! Incidents (警情): the life of one matter from the call to its closure, as a state
//! machine that takes a command and answers with the events it causes, or refuses.
//!
//! `received → triaged → dispatched → accepted → departed → arrived → handled → closed`; a triaged
//! incident that is not a police matter leaves the dispatch path (transferred to a
//! department, opened as a dispute, handed to the case team) and is closed from there.
//! Every step is an event with its actor and time, so each segment can be timed (the
//! 1/3/5-minute figures) and the whole history replayed.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::base::optional_text;
use crate::event::DomainEvent;
use crate::identity::{IdCardNumber, PhoneNumber};
use crate::org::{RecordId, check_name, text_enum};
use crate::transfer::{Assignment, StepHours, TransferState};

text_enum! {
    /// Where an incident came from (警情来源).
    IncidentSource {
        /// 110 报警
        Call110 = "call_110",
        /// 来所报警
        WalkIn = "walk_in",
        /// 网格上报
        GridReport = "grid_report",
        /// 群众诉求 (online, group message)
        Online = "online",
        /// 巡逻发现
        Patrol = "patrol",
        /// 外所转来
        Transfer = "transfer",
    }
}

text_enum! {
    /// Where an incident stands.
    IncidentState {
        /// 接报: entered, not yet triaged.
        Received = "received",
        /// 研判: category confirmed, a police matter waiting for dispatch.
        Triaged = "triaged",
        /// 派警: sent to an officer who has not yet signed for it.
        Dispatched = "dispatched",
        /// 签收: the officer has it.
        Accepted = "accepted",
        /// 出发: the officer is on the way.
        Departed = "departed",
        /// 到场
        Arrived = "arrived",
        /// 处置反馈: handled, feedback given, waiting to be closed.
        Handled = "handled",
        /// 移交: left the dispatch path (transfer, dispute file, case team).
        HandedOver = "handed_over",
        /// 办结
        Closed = "closed",
    }
}

text_enum! {
    /// What triage decided the incident is (分流).
    Branch {
        /// A police matter: dispatch.
        Police = "police",
        /// 非警务: transfer to the responsible department.
        NonPolice = "non_police",
        /// 纠纷: a dispute incident, for a dispute file.
        Dispute = "dispute",
        /// 案件: handed to the case team.
        Case = "case",
    }
}

/// What the command room enters at intake.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IntakeFields {
    /// The external number (接警单编号, JJDBH), when the incident came from a 110 system;
    /// the key of idempotent imports.
    pub external_number: Option<String>,
    /// Where it came from.
    pub source: IncidentSource,
    /// When the call came in (报警时间), canonical text.
    pub called_at: String,
    /// Caller's name, if given.
    pub caller_name: Option<String>,
    /// Caller's phone, stored whole, shown masked.
    pub caller_phone: Option<String>,
    /// Caller's ID number, when known.
    pub caller_id_number: Option<String>,
    /// The address as said (警情地址).
    pub address_text: String,
    /// What happened (报警内容).
    pub narrative: String,
    /// The category entered or suggested at intake (`incident_category` code).
    pub category: Option<String>,
}

impl IntakeFields {
    /// Trims and checks every field, normalising the phone and ID numbers.
    pub fn checked(self) -> Result<Self, DomainError> {
        let caller_phone = match self.caller_phone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(PhoneNumber::parse(text)?.reveal().to_owned()),
        };
        let caller_id_number = match self.caller_id_number.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(IdCardNumber::parse(text)?.reveal().to_owned()),
        };
        crate::Timestamp::parse(&self.called_at)
            .map_err(|_| DomainError::invalid("called_at", "not a time"))?;
        Ok(Self {
            external_number: optional_text("external_number", self.external_number.as_deref(), 40)?,
            source: self.source,
            called_at: self.called_at,
            caller_name: optional_text("caller_name", self.caller_name.as_deref(), 40)?,
            caller_phone,
            caller_id_number,
            address_text: check_name("address_text", &self.address_text, 200)?,
            narrative: check_text("narrative", &self.narrative, 2000)?,
            category: optional_text("category", self.category.as_deref(), 40)?,
        })
    }
}

/// Free text that may span lines: trimmed, non-empty, bounded, without control
/// characters other than line breaks and tabs.
pub fn check_text(field: &'static str, text: &str, max: usize) -> Result<String, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(DomainError::invalid(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\n' | '\r' | '\t'))
    {
        return Err(DomainError::invalid(
            field,
            "must not contain control characters",
        ));
    }
    Ok(text.to_owned())
}

/// The category the platform suggested from the narrative at intake (警情分类建议),
/// kept beside the dispatcher's final choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategorySuggestion {
    /// The deepest suggested `incident_category` code (a dispute's subclass).
    pub code: String,
    /// From 0 (a guess) to 1.
    pub confidence: f64,
    /// The words of the narrative that decided it.
    pub evidence: Vec<String>,
}

/// The repeats found at intake: the earlier incidents behind each flag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepeatMarks {
    /// 一人多次: the same caller's earlier incidents in the window.
    pub person: Vec<RecordId>,
    /// 一地多起: earlier incidents at the same place.
    pub place: Vec<RecordId>,
    /// 一类多发: earlier incidents of the surging category this week.
    pub category: Vec<RecordId>,
}

impl RepeatMarks {
    /// Whether any rule flagged the incident.
    pub fn any(&self) -> bool {
        !(self.person.is_empty() && self.place.is_empty() && self.category.is_empty())
    }
}

/// Something a user asks of an incident after intake.
#[derive(Debug, Clone, PartialEq)]
pub enum IncidentCommand {
    /// Confirm (or change) the category and choose the branch.
    Triage {
        /// Final category code.
        category: String,
        /// What to do with it.
        branch: Branch,
        /// For a branch other than police: where it went (department, file, team).
        note: Option<String>,
        /// For a non-police matter: the agency it goes to (交办), required then.
        transfer: Option<TransferStart>,
    },
    /// Send it to an officer (first time or again).
    Dispatch {
        /// The officer.
        staff_id: RecordId,
        /// Why this officer (the recommendation's reasons, or the dispatcher's).
        reasons: Vec<String>,
        /// Whether the dispatcher chose someone other than the top recommendation.
        overridden: bool,
    },
    /// The officer signs for it (签收).
    Accept {
        /// Who.
        staff_id: RecordId,
    },
    /// The officer sets out (出发), after signing for it.
    Depart {
        /// Who.
        staff_id: RecordId,
    },
    /// The officer is on the spot.
    Arrive {
        /// Who.
        staff_id: RecordId,
    },
    /// The officer reports what was done.
    Feedback {
        /// Who.
        staff_id: RecordId,
        /// `result_code` code.
        result_code: String,
        /// What was done.
        narrative: String,
        /// The photos, already stored and checked.
        photos: Vec<crate::photo::PhotoRef>,
    },
    /// The command room closes it.
    Close,
}

/// A non-police matter's assignment at triage, with the deadlines in force and the
/// time they count from.
#[derive(Debug, Clone, PartialEq)]
pub struct TransferStart {
    /// The agency and why.
    pub assignment: Assignment,
    /// Hours per step.
    pub hours: StepHours,
    /// Now.
    pub now: crate::Timestamp,
}

/// The current state of an incident and who has it, as the decision needs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentStatus {
    /// Where it stands.
    pub state: IncidentState,
    /// The officer it is with, once dispatched.
    pub assignee: Option<RecordId>,
    /// Where its transferred matter stands, if it was transferred.
    pub transfer: Option<TransferState>,
}

/// Decides a command against an incident's current state: the events it causes, or
/// why it cannot be done now.
pub fn decide(
    id: RecordId,
    status: &IncidentStatus,
    command: IncidentCommand,
) -> Result<Vec<DomainEvent>, DomainError> {
    use IncidentState as S;
    let refuse = |what: &str| {
        Err(DomainError::Conflict(format!(
            "cannot {what} an incident that is {}",
            status.state
        )))
    };
    let is_assignee = |staff_id: RecordId| -> Result<(), DomainError> {
        if status.assignee == Some(staff_id) {
            Ok(())
        } else {
            Err(DomainError::Conflict(
                "only the officer the incident is dispatched to can do this".into(),
            ))
        }
    };
    match command {
        IncidentCommand::Triage {
            category,
            branch,
            note,
            transfer,
        } => {
            if !matches!(status.state, S::Received | S::Triaged) {
                return refuse("triage");
            }
            let triaged = DomainEvent::IncidentTriaged {
                id,
                category: check_name("category", &category, 40)?,
                branch,
                note: optional_text("note", note.as_deref(), 500)?,
            };
            match (branch, transfer) {
                (Branch::NonPolice, Some(start)) => Ok(vec![
                    triaged,
                    start.assignment.event(id, &start.hours, start.now),
                ]),
                (Branch::NonPolice, None) => Err(DomainError::invalid(
                    "partner_id",
                    "a non-police matter needs the agency it is transferred to, and no rule of the transfer list applies",
                )),
                (_, Some(_)) => Err(DomainError::invalid(
                    "partner_id",
                    "only a non-police matter is transferred to an agency",
                )),
                (_, None) => Ok(vec![triaged]),
            }
        }
        IncidentCommand::Dispatch {
            staff_id,
            reasons,
            overridden,
        } => {
            // Reassignment is a new dispatch while the first officer has not arrived.
            if !matches!(
                status.state,
                S::Triaged | S::Dispatched | S::Accepted | S::Departed
            ) {
                return refuse("dispatch");
            }
            if status.assignee == Some(staff_id) {
                return Err(DomainError::Conflict(
                    "the incident is already with this officer".into(),
                ));
            }
            Ok(vec![DomainEvent::IncidentDispatched {
                id,
                staff_id,
                reasons,
                overridden,
            }])
        }
        IncidentCommand::Accept { staff_id } => {
            if status.state != S::Dispatched {
                return refuse("sign for");
            }
            is_assignee(staff_id)?;
            Ok(vec![DomainEvent::IncidentAccepted { id, staff_id }])
        }
        IncidentCommand::Depart { staff_id } => {
            // Setting out is timed from the signature: it is refused before it.
            if status.state != S::Accepted {
                return refuse("set out for");
            }
            is_assignee(staff_id)?;
            Ok(vec![DomainEvent::IncidentDeparted { id, staff_id }])
        }
        IncidentCommand::Arrive { staff_id } => {
            // An officer already nearby may arrive without signing or setting out first.
            if !matches!(status.state, S::Dispatched | S::Accepted | S::Departed) {
                return refuse("arrive at");
            }
            is_assignee(staff_id)?;
            Ok(vec![DomainEvent::IncidentArrived { id, staff_id }])
        }
        IncidentCommand::Feedback {
            staff_id,
            result_code,
            narrative,
            photos,
        } => {
            if !matches!(status.state, S::Arrived | S::Handled) {
                return refuse("give feedback on");
            }
            is_assignee(staff_id)?;
            Ok(vec![DomainEvent::IncidentHandled {
                id,
                staff_id,
                result_code: check_name("result_code", &result_code, 40)?,
                narrative: check_text("narrative", &narrative, 2000)?,
                photos,
            }])
        }
        IncidentCommand::Close => {
            if !matches!(status.state, S::Handled | S::HandedOver) {
                return refuse("close");
            }
            if status
                .transfer
                .is_some_and(|t| t != TransferState::Reviewed)
            {
                return Err(DomainError::Conflict(
                    "the transferred matter is still open: it closes with its review (问效)".into(),
                ));
            }
            Ok(vec![DomainEvent::IncidentClosed { id }])
        }
    }
}

impl IncidentState {
    /// The state after an event of this incident.
    pub fn after(self, event: &DomainEvent) -> Self {
        match event {
            DomainEvent::IncidentReceived { .. } => Self::Received,
            DomainEvent::IncidentTriaged { branch, .. } => match branch {
                Branch::Police => Self::Triaged,
                _ => Self::HandedOver,
            },
            DomainEvent::IncidentDispatched { .. } => Self::Dispatched,
            DomainEvent::IncidentAccepted { .. } => Self::Accepted,
            DomainEvent::IncidentDeparted { .. } => Self::Departed,
            DomainEvent::IncidentArrived { .. } => Self::Arrived,
            DomainEvent::IncidentHandled { .. } => Self::Handled,
            DomainEvent::IncidentClosed { .. } => Self::Closed,
            _ => self,
        }
    }
}

/// A platform incident number: `J` and the call's local date and a serial
/// (`J20261202-0042`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct IncidentNumber(String);

impl IncidentNumber {
    /// The number for the `serial`-th incident of a day (`YYYYMMDD`).
    pub fn new(day: &str, serial: u32) -> Self {
        Self(format!("J{day}-{serial:04}"))
    }
}

impl fmt::Display for IncidentNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for IncidentNumber {
    type Err = DomainError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Ok(Self(check_name("number", text, 40)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(state: IncidentState, assignee: Option<RecordId>) -> IncidentStatus {
        IncidentStatus {
            state,
            assignee,
            transfer: None,
        }
    }

    #[test]
    fn an_incident_walks_from_triage_to_closure_and_each_step_changes_its_state() {
        let (id, officer) = (crate::org::new_id(), crate::org::new_id());
        let mut state = IncidentState::Received;
        let mut assignee = None;
        let steps = [
            IncidentCommand::Triage {
                category: "public_order".into(),
                branch: Branch::Police,
                note: None,
                transfer: None,
            },
            IncidentCommand::Dispatch {
                staff_id: officer,
                reasons: vec!["值班".into()],
                overridden: false,
            },
            IncidentCommand::Accept { staff_id: officer },
            IncidentCommand::Depart { staff_id: officer },
            IncidentCommand::Arrive { staff_id: officer },
            IncidentCommand::Feedback {
                staff_id: officer,
                result_code: "mediated".into(),
                narrative: "现场调解，双方和解".into(),
                photos: vec![],
            },
            IncidentCommand::Close,
        ];
        let expected = [
            IncidentState::Triaged,
            IncidentState::Dispatched,
            IncidentState::Accepted,
            IncidentState::Departed,
            IncidentState::Arrived,
            IncidentState::Handled,
            IncidentState::Closed,
        ];
        for (command, want) in steps.into_iter().zip(expected) {
            let events = decide(id, &status(state, assignee), command).unwrap();
            for event in &events {
                if let DomainEvent::IncidentDispatched { staff_id, .. } = event {
                    assignee = Some(*staff_id);
                }
                state = state.after(event);
            }
            assert_eq!(state, want);
        }
    }

    #[test]
    fn steps_out_of_order_or_by_someone_else_are_refused() {
        let (id, officer, other) = (
            crate::org::new_id(),
            crate::org::new_id(),
            crate::org::new_id(),
        );
        let received = status(IncidentState::Received, None);
        assert!(decide(id, &received, IncidentCommand::Close).is_err());
        let dispatched = status(IncidentState::Dispatched, Some(officer));
        let err = decide(id, &dispatched, IncidentCommand::Accept { staff_id: other }).unwrap_err();
        assert!(err.to_string().contains("only the officer"), "{err}");
        // Setting out comes after signing for it.
        let err = decide(
            id,
            &dispatched,
            IncidentCommand::Depart { staff_id: officer },
        )
        .unwrap_err();
        assert!(err.to_string().contains("cannot set out"), "{err}");
        let arrived = status(IncidentState::Arrived, Some(officer));
        assert!(
            decide(
                id,
                &arrived,
                IncidentCommand::Dispatch {
                    staff_id: other,
                    reasons: vec![],
                    overridden: true
                }
            )
            .is_err(),
            "no reassignment once on the spot"
        );
        // A non-police matter leaves the dispatch path and can be closed from there.
        let event = DomainEvent::IncidentTriaged {
            id,
            category: "non_police".into(),
            branch: Branch::NonPolice,
            note: Some("转城管".into()),
        };
        let handed = IncidentState::Received.after(&event);
        assert_eq!(handed, IncidentState::HandedOver);
        assert!(decide(id, &status(handed, None), IncidentCommand::Close).is_ok());
        // A transferred matter closes with its review, not before.
        let open = IncidentStatus {
            transfer: Some(TransferState::FedBack),
            ..status(handed, None)
        };
        let err = decide(id, &open, IncidentCommand::Close).unwrap_err();
        assert!(err.to_string().contains("问效"), "{err}");
        // Non-police needs an agency; a police matter takes none.
        let triage = |branch, transfer| IncidentCommand::Triage {
            category: "non_police".into(),
            branch,
            note: None,
            transfer,
        };
        let received = status(IncidentState::Received, None);
        assert!(decide(id, &received, triage(Branch::NonPolice, None)).is_err());
        let start = TransferStart {
            assignment: Assignment {
                partner_id: other,
                rule_id: None,
                overridden: false,
                handle_hours: None,
            },
            hours: StepHours::default(),
            now: crate::Timestamp::now(),
        };
        let events = decide(
            id,
            &received,
            triage(Branch::NonPolice, Some(start.clone())),
        )
        .unwrap();
        assert!(matches!(
            events.as_slice(),
            [
                DomainEvent::IncidentTriaged { .. },
                DomainEvent::TransferAssigned { .. }
            ]
        ));
        assert!(decide(id, &received, triage(Branch::Police, Some(start))).is_err());
    }

    #[test]
    fn intake_checks_the_phone_and_the_call_time() {
        let fields = IntakeFields {
            external_number: None,
            source: IncidentSource::Call110,
            called_at: "2026-12-02T08:00:00.000000Z".into(),
            caller_name: None,
            caller_phone: Some("138-0013-8000".into()),
            caller_id_number: None,
            address_text: "枫源村2组15号".into(),
            narrative: "邻居吵架".into(),
            category: None,
        };
        assert_eq!(
            fields.clone().checked().unwrap().caller_phone.as_deref(),
            Some("13800138000")
        );
        let bad = IntakeFields {
            called_at: "yesterday".into(),
            ..fields
        };
        assert!(
            bad.checked()
                .unwrap_err()
                .to_string()
                .starts_with("called_at")
        );
    }
}
