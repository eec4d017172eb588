//! Non-police matters transferred to a department (非警务分流转办): the closed loop
//! 交办 assign → 核查 verify → 处置 handle → 反馈 feedback → 评价 evaluate → 问效 review,
//! each step with a deadline, as a state machine over the incident's own stream.
//!
//! The station assigns the matter to a partner agency (by the rule list, or the
//! dispatcher's choice); the agency signs for it, verifies, handles and reports back,
//! or declines it as not theirs; the station asks the caller how satisfied they are
//! and reviews the result, which closes the incident or sends it back for handling.
//! A step past its deadline is escalated (督办) to the station chief once per step.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::event::DomainEvent;
use crate::incident::check_text;
use crate::org::{RecordId, text_enum};
use crate::{DomainError, Timestamp};

text_enum! {
    /// Where a transferred matter stands.
    TransferState {
        /// 已交办: sent to the agency, not yet signed for.
        Assigned = "assigned",
        /// 已签收: the agency has it and is verifying.
        Signed = "signed",
        /// 已核查: verified, being handled.
        Verified = "verified",
        /// 已处置: handled, the agency is to report back.
        Handled = "handled",
        /// 已反馈: reported back; the station asks the caller.
        FedBack = "fed_back",
        /// 已评价: the caller's satisfaction is recorded; waiting for review.
        Evaluated = "evaluated",
        /// 已退回: the agency says it is not theirs; the station reassigns it.
        Declined = "declined",
        /// 已问效: reviewed and closed.
        Reviewed = "reviewed",
    }
}

text_enum! {
    /// The steps of the loop, each with its own deadline.
    TransferStep {
        /// 交办: until the agency signs for it.
        Assign = "assign",
        /// 核查
        Verify = "verify",
        /// 处置
        Handle = "handle",
        /// 反馈
        Feedback = "feedback",
        /// 评价: the station's return call to the caller.
        Evaluate = "evaluate",
        /// 问效
        Review = "review",
    }
}

text_enum! {
    /// The caller's satisfaction (群众评价).
    Satisfaction {
        /// 满意
        Satisfied = "satisfied",
        /// 基本满意
        Basic = "basic",
        /// 不满意
        Unsatisfied = "unsatisfied",
        /// 联系不上
        Unreachable = "unreachable",
    }
}

impl TransferState {
    /// The step under way in this state, whose deadline runs (none once reviewed).
    pub fn step(self) -> Option<TransferStep> {
        match self {
            Self::Assigned | Self::Declined => Some(TransferStep::Assign),
            Self::Signed => Some(TransferStep::Verify),
            Self::Verified => Some(TransferStep::Handle),
            Self::Handled => Some(TransferStep::Feedback),
            Self::FedBack => Some(TransferStep::Evaluate),
            Self::Evaluated => Some(TransferStep::Review),
            Self::Reviewed => None,
        }
    }

    /// Whether the partner agency acts in this state (rather than the station).
    pub fn with_agency(self) -> bool {
        matches!(
            self,
            Self::Assigned | Self::Signed | Self::Verified | Self::Handled
        )
    }

    /// The state after an event of the incident (unchanged by other events).
    pub fn after(self, event: &DomainEvent) -> Self {
        match event {
            DomainEvent::TransferAssigned { .. } => Self::Assigned,
            DomainEvent::TransferSigned { .. } => Self::Signed,
            DomainEvent::TransferVerified { .. } => Self::Verified,
            DomainEvent::TransferHandled { .. } => Self::Handled,
            DomainEvent::TransferFedBack { .. } => Self::FedBack,
            DomainEvent::TransferDeclined { .. } => Self::Declined,
            DomainEvent::TransferEvaluated { .. } => Self::Evaluated,
            DomainEvent::TransferReviewed { accepted: true, .. } => Self::Reviewed,
            DomainEvent::TransferReviewed {
                accepted: false, ..
            } => Self::Verified,
            _ => self,
        }
    }
}

/// How long each step may take, in hours (settings, and a rule's own handling time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepHours {
    /// Hours per step, in the order of [`TransferStep::ALL`].
    pub hours: [i64; 6],
}

impl StepHours {
    /// The hours allowed for a step; `handle` overrides the handling step's.
    pub fn of(&self, step: TransferStep, handle: Option<i64>) -> i64 {
        let index = TransferStep::ALL
            .iter()
            .position(|s| *s == step)
            .unwrap_or(0);
        match (step, handle) {
            (TransferStep::Handle, Some(hours)) if hours > 0 => hours,
            _ => self.hours[index],
        }
    }

    /// The deadline of `step` when it starts at `from`.
    pub fn due(&self, step: TransferStep, handle: Option<i64>, from: Timestamp) -> String {
        let due = from.datetime() + time::Duration::hours(self.of(step, handle));
        Timestamp::from_datetime(due).to_string()
    }
}

impl Default for StepHours {
    /// 2 h to sign, 24 h to verify, 72 h to handle, 24 h to report, 48 h for the
    /// return call, 72 h for the review.
    fn default() -> Self {
        Self {
            hours: [2, 24, 72, 24, 48, 72],
        }
    }
}

/// Who the matter goes to and why (the rule that chose the agency, or the
/// dispatcher's own choice).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The partner agency.
    pub partner_id: RecordId,
    /// The rule of the list that proposed it, if one did.
    pub rule_id: Option<RecordId>,
    /// Whether the dispatcher chose another agency than the rule's.
    pub overridden: bool,
    /// The rule's own handling time, hours.
    pub handle_hours: Option<i64>,
}

impl Assignment {
    /// The event that assigns the incident `id` at `now`.
    pub fn event(&self, id: RecordId, hours: &StepHours, now: Timestamp) -> DomainEvent {
        DomainEvent::TransferAssigned {
            id,
            partner_id: self.partner_id,
            rule_id: self.rule_id,
            overridden: self.overridden,
            handle_hours: self.handle_hours,
            due_at: hours.due(TransferStep::Assign, None, now),
        }
    }
}

/// A transferred matter's state as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferStatus {
    /// Where it stands.
    pub state: TransferState,
    /// The agency it is with.
    pub partner_id: RecordId,
    /// The rule's handling time, hours.
    pub handle_hours: Option<i64>,
    /// Deadline of the current step.
    pub due_at: Option<Timestamp>,
    /// The step last escalated, if it is the current one it is not escalated again.
    pub escalated_step: Option<TransferStep>,
}

/// Something done to a transferred matter.
#[derive(Debug, Clone, PartialEq)]
pub enum TransferCommand {
    /// The agency signs for it (签收), by one of its users.
    Sign {
        /// The user's agency.
        partner_id: RecordId,
    },
    /// 核查: what the agency found.
    Verify {
        /// The user's agency.
        partner_id: RecordId,
        /// Findings.
        note: String,
    },
    /// 处置: what the agency did.
    Handle {
        /// The user's agency.
        partner_id: RecordId,
        /// What was done.
        note: String,
    },
    /// 反馈: the agency's report to the station.
    Feedback {
        /// The user's agency.
        partner_id: RecordId,
        /// The report.
        narrative: String,
    },
    /// The agency says the matter is not theirs.
    Decline {
        /// The user's agency.
        partner_id: RecordId,
        /// Why.
        reason: String,
    },
    /// The station sends a declined matter to another agency.
    Reassign(Assignment),
    /// 评价: the caller's satisfaction, from the station's return call.
    Evaluate {
        /// How satisfied.
        satisfaction: Satisfaction,
        /// What the caller said.
        note: Option<String>,
    },
    /// 问效: the station accepts the result (closing the incident) or sends it back.
    Review {
        /// Accepted.
        accepted: bool,
        /// The reviewer's words.
        note: String,
    },
    /// 督办 by the platform: the current step is past its deadline.
    Escalate,
    /// 督办 by the station chief: an instruction the agency sees.
    Supervise {
        /// The instruction.
        note: String,
    },
}

/// Decides a command against the matter's state at `now`: the events, or why not.
pub fn decide_transfer(
    id: RecordId,
    status: &TransferStatus,
    command: TransferCommand,
    hours: &StepHours,
    now: Timestamp,
) -> Result<Vec<DomainEvent>, DomainError> {
    use TransferState as S;
    let refuse = |what: &str| {
        Err(DomainError::Conflict(format!(
            "cannot {what} a transferred matter that is {}",
            status.state
        )))
    };
    let ours = |partner_id: RecordId| -> Result<(), DomainError> {
        if partner_id == status.partner_id {
            Ok(())
        } else {
            Err(DomainError::Conflict(
                "only the agency the matter was sent to can do this".into(),
            ))
        }
    };
    let due = |step: TransferStep| hours.due(step, status.handle_hours, now);
    let note = |field: &'static str, text: &str| check_text(field, text, 2000);
    let event = match command {
        TransferCommand::Sign { partner_id } => {
            if status.state != S::Assigned {
                return refuse("sign for");
            }
            ours(partner_id)?;
            DomainEvent::TransferSigned {
                id,
                partner_id,
                due_at: due(TransferStep::Verify),
            }
        }
        TransferCommand::Verify {
            partner_id,
            note: text,
        } => {
            if status.state != S::Signed {
                return refuse("verify");
            }
            ours(partner_id)?;
            DomainEvent::TransferVerified {
                id,
                note: note("note", &text)?,
                due_at: due(TransferStep::Handle),
            }
        }
        TransferCommand::Handle {
            partner_id,
            note: text,
        } => {
            if status.state != S::Verified {
                return refuse("handle");
            }
            ours(partner_id)?;
            DomainEvent::TransferHandled {
                id,
                note: note("note", &text)?,
                due_at: due(TransferStep::Feedback),
            }
        }
        TransferCommand::Feedback {
            partner_id,
            narrative,
        } => {
            if status.state != S::Handled {
                return refuse("report back on");
            }
            ours(partner_id)?;
            DomainEvent::TransferFedBack {
                id,
                narrative: note("narrative", &narrative)?,
                due_at: due(TransferStep::Evaluate),
            }
        }
        TransferCommand::Decline { partner_id, reason } => {
            if !matches!(status.state, S::Assigned | S::Signed) {
                return refuse("decline");
            }
            ours(partner_id)?;
            DomainEvent::TransferDeclined {
                id,
                partner_id,
                reason: note("reason", &reason)?,
                due_at: due(TransferStep::Assign),
            }
        }
        TransferCommand::Reassign(assignment) => {
            if status.state != S::Declined {
                return refuse("reassign");
            }
            if assignment.partner_id == status.partner_id {
                return Err(DomainError::Conflict(
                    "the agency has declined this matter; choose another".into(),
                ));
            }
            assignment.event(id, hours, now)
        }
        TransferCommand::Evaluate {
            satisfaction,
            note: words,
        } => {
            if status.state != S::FedBack {
                return refuse("evaluate");
            }
            DomainEvent::TransferEvaluated {
                id,
                satisfaction,
                note: match words.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(text) => Some(note("note", text)?),
                },
                due_at: due(TransferStep::Review),
            }
        }
        TransferCommand::Review {
            accepted,
            note: text,
        } => {
            if status.state != S::Evaluated {
                return refuse("review");
            }
            let review = DomainEvent::TransferReviewed {
                id,
                accepted,
                note: note("note", &text)?,
                due_at: (!accepted).then(|| due(TransferStep::Handle)),
            };
            return Ok(if accepted {
                vec![review, DomainEvent::IncidentClosed { id }]
            } else {
                vec![review]
            });
        }
        TransferCommand::Escalate => {
            let Some(step) = status.state.step() else {
                return refuse("escalate");
            };
            let overdue = status.due_at.is_some_and(|d| d < now);
            if !overdue || status.escalated_step == Some(step) {
                return Ok(Vec::new());
            }
            DomainEvent::TransferEscalated {
                id,
                step,
                due_at: status.due_at.map(|d| d.to_string()).unwrap_or_default(),
            }
        }
        TransferCommand::Supervise { note: text } => {
            if status.state == S::Reviewed {
                return refuse("supervise");
            }
            DomainEvent::TransferSupervised {
                id,
                note: note("note", &text)?,
            }
        }
    };
    Ok(vec![event])
}

/// A rule of the transfer list (分流转办清单): matters of `category` (or any of its
/// subcategories) in `node` (or beneath it; anywhere when none) go to `partner_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRule {
    /// `incident_category` code.
    pub category: String,
    /// The area, when the rule is not for everywhere.
    pub node_id: Option<RecordId>,
    /// The agency.
    pub partner_id: RecordId,
    /// Its own handling time, hours (otherwise the setting's).
    pub handle_hours: Option<i64>,
}

impl TransferRule {
    /// Checks the fields.
    pub fn checked(self) -> Result<Self, DomainError> {
        let category = crate::org::check_name("category", &self.category, 40)?;
        if let Some(hours) = self.handle_hours
            && !(1..=24 * 90).contains(&hours)
        {
            return Err(DomainError::invalid(
                "handle_hours",
                "must be between 1 and 2160 hours",
            ));
        }
        Ok(Self { category, ..self })
    }
}

/// Picks the rule for an incident: the one whose category is nearest to the
/// incident's (its own code before its parent's), then whose area is nearest (a
/// grid before its community, any node before none), then the first entered.
/// `categories` and `nodes` list the incident's code and node first, then their
/// ancestors in order.
pub fn pick_rule<'a, K>(
    rules: &'a [(K, TransferRule)],
    categories: &[String],
    nodes: &[RecordId],
) -> Option<&'a (K, TransferRule)> {
    rules
        .iter()
        .filter_map(|entry| {
            let rule = &entry.1;
            let c = categories.iter().position(|c| *c == rule.category)?;
            let n = match rule.node_id {
                None => nodes.len(),
                Some(node) => nodes.iter().position(|n| *n == node)?,
            };
            Some(((c, n), entry))
        })
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, entry)| entry)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::new_id;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn fold(status: &mut TransferStatus, events: &[DomainEvent]) {
        for event in events {
            status.state = status.state.after(event);
            if let DomainEvent::TransferAssigned { partner_id, .. } = event {
                status.partner_id = *partner_id;
            }
        }
    }

    #[test]
    fn a_matter_walks_the_whole_loop_and_the_review_closes_the_incident() {
        let (id, agency) = (new_id(), new_id());
        let hours = StepHours::default();
        let now = at("2026-12-02T08:00:00Z");
        let assigned = Assignment {
            partner_id: agency,
            rule_id: None,
            overridden: false,
            handle_hours: Some(48),
        }
        .event(id, &hours, now);
        let DomainEvent::TransferAssigned { due_at, .. } = &assigned else {
            panic!("{assigned:?}")
        };
        assert_eq!(due_at, "2026-12-02T10:00:00.000000Z");
        let mut status = TransferStatus {
            state: TransferState::Assigned,
            partner_id: agency,
            handle_hours: Some(48),
            due_at: None,
            escalated_step: None,
        };
        let steps = [
            TransferCommand::Sign { partner_id: agency },
            TransferCommand::Verify {
                partner_id: agency,
                note: "属实".into(),
            },
            TransferCommand::Handle {
                partner_id: agency,
                note: "已修复路灯".into(),
            },
            TransferCommand::Feedback {
                partner_id: agency,
                narrative: "路灯已于当日修复".into(),
            },
            TransferCommand::Evaluate {
                satisfaction: Satisfaction::Satisfied,
                note: None,
            },
            TransferCommand::Review {
                accepted: true,
                note: "按时办结".into(),
            },
        ];
        let mut last = Vec::new();
        let mut handle_due = None;
        for command in steps {
            last = decide_transfer(id, &status, command, &hours, now).unwrap();
            if let Some(DomainEvent::TransferVerified { due_at, .. }) = last.first() {
                handle_due = Some(due_at.clone());
            }
            fold(&mut status, &last);
        }
        assert_eq!(
            handle_due.as_deref(),
            Some("2026-12-04T08:00:00.000000Z"),
            "the rule's 48 h to handle"
        );
        assert_eq!(status.state, TransferState::Reviewed);
        assert!(matches!(
            last.last(),
            Some(DomainEvent::IncidentClosed { .. })
        ));
    }

    #[test]
    fn another_agency_cannot_act_and_a_declined_matter_goes_elsewhere() {
        let (id, agency, other) = (new_id(), new_id(), new_id());
        let hours = StepHours::default();
        let now = Timestamp::now();
        let mut status = TransferStatus {
            state: TransferState::Assigned,
            partner_id: agency,
            handle_hours: None,
            due_at: None,
            escalated_step: None,
        };
        let err = decide_transfer(
            id,
            &status,
            TransferCommand::Sign { partner_id: other },
            &hours,
            now,
        )
        .unwrap_err();
        assert!(err.to_string().contains("only the agency"), "{err}");
        let declined = decide_transfer(
            id,
            &status,
            TransferCommand::Decline {
                partner_id: agency,
                reason: "不属本单位职责".into(),
            },
            &hours,
            now,
        )
        .unwrap();
        fold(&mut status, &declined);
        assert_eq!(status.state, TransferState::Declined);
        let back_to_same = Assignment {
            partner_id: agency,
            rule_id: None,
            overridden: true,
            handle_hours: None,
        };
        assert!(
            decide_transfer(
                id,
                &status,
                TransferCommand::Reassign(back_to_same),
                &hours,
                now
            )
            .is_err()
        );
        let elsewhere = Assignment {
            partner_id: other,
            ..Assignment {
                partner_id: agency,
                rule_id: None,
                overridden: true,
                handle_hours: None,
            }
        };
        let events = decide_transfer(
            id,
            &status,
            TransferCommand::Reassign(elsewhere),
            &hours,
            now,
        )
        .unwrap();
        fold(&mut status, &events);
        assert_eq!(
            (status.state, status.partner_id),
            (TransferState::Assigned, other)
        );
        // Review before feedback is out of order.
        assert!(
            decide_transfer(
                id,
                &status,
                TransferCommand::Review {
                    accepted: true,
                    note: "x".into()
                },
                &hours,
                now
            )
            .is_err()
        );
    }

    #[test]
    fn an_overdue_step_is_escalated_once_and_a_returned_review_reopens_handling() {
        let (id, agency) = (new_id(), new_id());
        let hours = StepHours::default();
        let mut status = TransferStatus {
            state: TransferState::Signed,
            partner_id: agency,
            handle_hours: None,
            due_at: Some(at("2026-12-02T08:00:00Z")),
            escalated_step: None,
        };
        let early = decide_transfer(
            id,
            &status,
            TransferCommand::Escalate,
            &hours,
            at("2026-12-02T07:59:00Z"),
        )
        .unwrap();
        assert!(early.is_empty(), "not yet overdue");
        let late = decide_transfer(
            id,
            &status,
            TransferCommand::Escalate,
            &hours,
            at("2026-12-02T08:01:00Z"),
        )
        .unwrap();
        assert!(matches!(
            late.as_slice(),
            [DomainEvent::TransferEscalated {
                step: TransferStep::Verify,
                ..
            }]
        ));
        status.escalated_step = Some(TransferStep::Verify);
        let again = decide_transfer(
            id,
            &status,
            TransferCommand::Escalate,
            &hours,
            at("2026-12-03T08:01:00Z"),
        )
        .unwrap();
        assert!(again.is_empty(), "once per step");
        status.state = TransferState::Evaluated;
        let back = decide_transfer(
            id,
            &status,
            TransferCommand::Review {
                accepted: false,
                note: "群众不满意，重新处置".into(),
            },
            &hours,
            at("2026-12-03T08:00:00Z"),
        )
        .unwrap();
        assert_eq!(back.len(), 1, "a returned review does not close: {back:?}");
        assert_eq!(
            TransferState::Evaluated.after(&back[0]),
            TransferState::Verified
        );
    }

    #[test]
    fn the_nearest_category_then_the_nearest_area_decides_the_rule() {
        let (grid, community, station) = (new_id(), new_id(), new_id());
        let (a, b, c, d) = (new_id(), new_id(), new_id(), new_id());
        let rule = |category: &str, node_id, partner_id| TransferRule {
            category: category.into(),
            node_id,
            partner_id,
            handle_hours: None,
        };
        let rules = vec![
            (1, rule("non_police", None, a)),
            (2, rule("non_police", Some(station), b)),
            (3, rule("non_police", Some(community), c)),
            (4, rule("marriage", None, d)),
        ];
        let nodes = [grid, community, station];
        let pick = |categories: &[&str]| {
            let categories: Vec<String> = categories.iter().map(|c| (*c).to_owned()).collect();
            pick_rule(&rules, &categories, &nodes).map(|(k, _)| *k)
        };
        assert_eq!(pick(&["non_police"]), Some(3), "the community's rule");
        assert_eq!(pick(&["marriage", "family", "dispute"]), Some(4));
        assert_eq!(pick(&["traffic"]), None);
        let elsewhere = [new_id()];
        let categories = vec!["non_police".to_owned()];
        assert_eq!(
            pick_rule(&rules, &categories, &elsewhere).map(|(k, _)| *k),
            Some(1),
            "the rule for everywhere"
        );
        assert!(rule("non_police", None, a).checked().is_ok());
        let slow = TransferRule {
            handle_hours: Some(0),
            ..rule("non_police", None, a)
        };
        assert!(
            slow.checked()
                .unwrap_err()
                .to_string()
                .contains("handle_hours")
        );
    }
}
