//! Non-police matters (非警务分流转办) as the station and its partner agencies work
//! them: the transfer list (category × area → agency), the assignment at triage, each
//! step of the loop by whoever owns it, and the escalation (督办) of overdue steps.

use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::org::{RecordId, new_id};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::transfer::{
    Assignment, Satisfaction, TransferCommand, TransferRule, TransferState, TransferStatus,
    decide_transfer, pick_rule,
};
use fengqiao_domain::{Actor, DomainError, DomainEvent, StreamRef, Timestamp};
use fengqiao_store::{
    Commit, ExpectedVersion, IncidentRow, Scope, TransferCounts, TransferRow, TransferRuleRow,
    TransferView,
};

use crate::policy::Principal;
use crate::{App, AppError};

/// A step of the loop, as a user asks for it.
#[derive(Debug, Clone, PartialEq)]
pub enum TransferAction {
    /// The agency signs for it.
    Sign,
    /// The agency's findings.
    Verify(String),
    /// What the agency did.
    Handle(String),
    /// The agency's report.
    Feedback(String),
    /// The agency says it is not theirs.
    Decline(String),
    /// The station sends a declined matter to another agency.
    Reassign(RecordId),
    /// The caller's satisfaction.
    Evaluate(Satisfaction, Option<String>),
    /// 问效: accepted (closes the incident) or sent back.
    Review(bool, String),
    /// The station chief's instruction.
    Supervise(String),
}

impl TransferAction {
    /// The action a form or an API call names: the agency's `sign`, `verify`, `handle`,
    /// `feedback`, `decline`; the station's `reassign` (with `partner_id`), `evaluate`
    /// (with `satisfaction`), `accept`, `return`; the chief's `supervise`.
    pub fn named(
        step: &str,
        note: Option<String>,
        partner_id: Option<&str>,
        satisfaction: Option<&str>,
    ) -> Result<Self, DomainError> {
        let note = note.unwrap_or_default();
        Ok(match step {
            "sign" => Self::Sign,
            "verify" => Self::Verify(note),
            "handle" => Self::Handle(note),
            "feedback" => Self::Feedback(note),
            "decline" => Self::Decline(note),
            "reassign" => {
                Self::Reassign(
                    partner_id.unwrap_or_default().trim().parse().map_err(|_| {
                        DomainError::invalid("partner_id", "not a partner agency id")
                    })?,
                )
            }
            "evaluate" => Self::Evaluate(
                satisfaction.unwrap_or_default().parse()?,
                Some(note).filter(|n| !n.trim().is_empty()),
            ),
            "accept" => Self::Review(true, note),
            "return" => Self::Review(false, note),
            "supervise" => Self::Supervise(note),
            other => {
                return Err(DomainError::invalid(
                    "step",
                    format!(
                        "unknown step {other:?}; expected sign, verify, handle, feedback, decline, \
                         reassign, evaluate, accept, return or supervise"
                    ),
                ));
            }
        })
    }

    fn by_agency(&self) -> bool {
        matches!(
            self,
            Self::Sign | Self::Verify(_) | Self::Handle(_) | Self::Feedback(_) | Self::Decline(_)
        )
    }
}

/// The agency the list proposes for an incident, with the rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    /// The rule's id.
    pub rule_id: RecordId,
    /// The rule.
    pub rule: TransferRule,
}

impl App {
    /// The transfer list (分流转办清单), in entry order.
    pub async fn transfer_rules_as(
        &self,
        principal: &Principal,
    ) -> Result<Vec<TransferRuleRow>, AppError> {
        self.require(principal, Permission::OrgView, "view transfer list")
            .await?;
        Ok(self.store.transfer_rules().await?)
    }

    /// Adds (or, with `id`, changes) a rule of the transfer list: the category must be
    /// an active code, the area a node and the agency a partner agency.
    pub async fn save_transfer_rule_as(
        &self,
        principal: &Principal,
        id: Option<RecordId>,
        rule: TransferRule,
    ) -> Result<RecordId, AppError> {
        self.require(principal, Permission::OrgManage, "change transfer list")
            .await?;
        let rule = rule.checked()?;
        self.check_code(CodeTable::IncidentCategory, &rule.category)
            .await
            .map_err(|_| {
                DomainError::invalid(
                    "category",
                    format!("{:?} is not an active incident category", rule.category),
                )
            })?;
        if let Some(node) = rule.node_id
            && self.store.node(&node.to_string()).await?.is_none()
        {
            return Err(DomainError::invalid("node_id", "no such jurisdiction node").into());
        }
        let partners = self.store.partners(&Scope::All).await?;
        if !partners.iter().any(|p| p.id == rule.partner_id.to_string()) {
            return Err(DomainError::invalid("partner_id", "no such partner agency").into());
        }
        let rules = self.store.transfer_rules().await?;
        let expected = match id {
            Some(existing) => {
                if !rules.iter().any(|r| r.id == existing.to_string()) {
                    return Err(AppError::NotFound("transfer rule".into()));
                }
                ExpectedVersion::Any
            }
            None => ExpectedVersion::NoStream,
        };
        if rules.iter().any(|r| {
            Some(r.id.clone()) != id.map(|i| i.to_string())
                && r.category == rule.category
                && r.node_id == rule.node_id.map(|n| n.to_string())
        }) {
            return Err(DomainError::Conflict(
                "the list already has a rule for this category and area; change that one".into(),
            )
            .into());
        }
        let id = id.unwrap_or_else(new_id);
        let event = DomainEvent::TransferRuleSaved { id, rule };
        self.store
            .commit(
                &principal.actor(),
                &[Commit::now(event.stream(), expected, vec![event])],
                &[],
            )
            .await?;
        Ok(id)
    }

    /// Removes a rule of the transfer list.
    pub async fn remove_transfer_rule_as(
        &self,
        principal: &Principal,
        id: RecordId,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::OrgManage, "change transfer list")
            .await?;
        if !self
            .store
            .transfer_rules()
            .await?
            .iter()
            .any(|r| r.id == id.to_string())
        {
            return Err(AppError::NotFound("transfer rule".into()));
        }
        self.append(
            &principal.actor(),
            DomainEvent::TransferRuleRemoved { id },
            &[],
        )
        .await
    }

    /// The rule of the list for an incident of `category` at `node`: the nearest
    /// category (the code, then its parents), then the nearest area.
    pub async fn proposed_transfer(
        &self,
        category: &str,
        node: &str,
    ) -> Result<Option<Proposal>, AppError> {
        let entries = self.store.code_entries(CodeTable::IncidentCategory).await?;
        let mut categories = vec![category.to_owned()];
        while let Some(parent) = entries
            .iter()
            .find(|e| Some(&e.code) == categories.last())
            .and_then(|e| e.parent.clone())
        {
            if categories.contains(&parent) || categories.len() > 8 {
                break;
            }
            categories.push(parent);
        }
        let all = self.store.nodes(&Scope::All).await?;
        let mut nodes: Vec<RecordId> = Vec::new();
        let mut current = Some(node.to_owned());
        while let Some(id) = current {
            let Some(found) = all.iter().find(|n| n.id == id) else {
                break;
            };
            nodes.extend(found.id.parse::<RecordId>().ok());
            current = found.parent_id.clone();
            if nodes.len() > 8 {
                break;
            }
        }
        let rules: Vec<(RecordId, TransferRule)> = self
            .store
            .transfer_rules()
            .await?
            .into_iter()
            .filter_map(|r| {
                Some((
                    r.id.parse().ok()?,
                    TransferRule {
                        category: r.category,
                        node_id: r.node_id.and_then(|n| n.parse().ok()),
                        partner_id: r.partner_id.parse().ok()?,
                        handle_hours: r.handle_hours,
                    },
                ))
            })
            .collect();
        Ok(
            pick_rule(&rules, &categories, &nodes).map(|(rule_id, rule)| Proposal {
                rule_id: *rule_id,
                rule: rule.clone(),
            }),
        )
    }

    /// The assignment of a non-police incident: the dispatcher's agency when given
    /// (an override when the list proposes another), otherwise the list's.
    pub(crate) async fn assignment_for(
        &self,
        incident: &IncidentRow,
        category: &str,
        chosen: Option<RecordId>,
    ) -> Result<Option<Assignment>, AppError> {
        let proposal = self.proposed_transfer(category, &incident.node_id).await?;
        if let Some(partner) = chosen {
            let partners = self.store.partners(&Scope::All).await?;
            if !partners.iter().any(|p| p.id == partner.to_string()) {
                return Err(DomainError::invalid("partner_id", "no such partner agency").into());
            }
            let same = proposal.as_ref().filter(|p| p.rule.partner_id == partner);
            return Ok(Some(Assignment {
                partner_id: partner,
                rule_id: same.map(|p| p.rule_id),
                overridden: proposal.is_some() && same.is_none(),
                handle_hours: same.and_then(|p| p.rule.handle_hours),
            }));
        }
        Ok(proposal.map(|p| Assignment {
            partner_id: p.rule.partner_id,
            rule_id: Some(p.rule_id),
            overridden: false,
            handle_hours: p.rule.handle_hours,
        }))
    }

    /// The transferred matters a principal works: an agency's user sees what was sent
    /// to the agency; station staff see those of their jurisdiction.
    pub async fn transfers_as(
        &self,
        principal: &Principal,
        view: TransferView,
    ) -> Result<(Vec<TransferRow>, TransferCounts), AppError> {
        let partner = self.agency_of(principal).await?;
        let scope = principal.scope();
        let rows = self
            .store
            .transfers(&scope, partner.as_deref(), view, 500)
            .await?;
        let counts = self
            .store
            .transfer_counts(&scope, partner.as_deref())
            .await?;
        Ok((rows, counts))
    }

    /// One transferred matter, for its agency or for station staff in scope.
    pub async fn transfer_as(
        &self,
        principal: &Principal,
        incident_id: &str,
    ) -> Result<TransferRow, AppError> {
        let partner = self.agency_of(principal).await?;
        let row = self
            .store
            .transfer(incident_id)
            .await?
            .ok_or_else(|| AppError::NotFound("transferred matter".into()))?;
        let allowed = match &partner {
            Some(agency) => *agency == row.partner_id,
            None => self.in_scope(principal, &row.node_id).await?,
        };
        if !allowed {
            self.record_denial(principal, "view transferred matter", "scope")
                .await?;
            return Err(AppError::NotFound("transferred matter".into()));
        }
        Ok(row)
    }

    /// The agency whose inbox the principal reads, or none for station staff; someone
    /// with neither permission is refused.
    async fn agency_of(&self, principal: &Principal) -> Result<Option<String>, AppError> {
        if principal.has(Permission::IncidentView) {
            return Ok(None);
        }
        self.require(
            principal,
            Permission::TransferAnswer,
            "view transferred matters",
        )
        .await?;
        principal
            .partner_id
            .clone()
            .map(Some)
            .ok_or_else(|| AppError::Refused("the account belongs to no partner agency".into()))
    }

    /// Takes a step of the loop: the agency's steps by a user of that agency, the
    /// station's (reassign, evaluate, review) by the command room of the jurisdiction,
    /// supervision by the station chief.
    pub async fn transfer_step_as(
        &self,
        principal: &Principal,
        incident_id: RecordId,
        action: TransferAction,
    ) -> Result<(), AppError> {
        let (permission, what) = match &action {
            a if a.by_agency() => (Permission::TransferAnswer, "answer transferred matter"),
            TransferAction::Supervise(_) => (
                Permission::TransferSupervise,
                "supervise transferred matter",
            ),
            _ => (Permission::IncidentDispatch, "review transferred matter"),
        };
        self.require(principal, permission, what).await?;
        let id = incident_id.to_string();
        let row = self
            .store
            .transfer(&id)
            .await?
            .ok_or_else(|| AppError::NotFound("transferred matter".into()))?;
        let agency: Option<RecordId> = principal.partner_id.as_deref().and_then(|p| p.parse().ok());
        let allowed = if action.by_agency() {
            agency.is_some_and(|a| a.to_string() == row.partner_id)
        } else {
            self.in_scope(principal, &row.node_id).await?
        };
        if !allowed {
            self.record_denial(principal, what, "scope").await?;
            return Err(AppError::NotFound("transferred matter".into()));
        }
        let partner_id = agency.unwrap_or_default();
        let command = match action {
            TransferAction::Sign => TransferCommand::Sign { partner_id },
            TransferAction::Verify(note) => TransferCommand::Verify { partner_id, note },
            TransferAction::Handle(note) => TransferCommand::Handle { partner_id, note },
            TransferAction::Feedback(narrative) => TransferCommand::Feedback {
                partner_id,
                narrative,
            },
            TransferAction::Decline(reason) => TransferCommand::Decline { partner_id, reason },
            TransferAction::Reassign(partner) => {
                let incident = self
                    .store
                    .incident(&id)
                    .await?
                    .ok_or_else(|| AppError::NotFound("incident".into()))?;
                let category = incident.category.clone().unwrap_or_default();
                let assignment = self
                    .assignment_for(&incident, &category, Some(partner))
                    .await?
                    .ok_or_else(|| DomainError::invalid("partner_id", "choose an agency"))?;
                TransferCommand::Reassign(assignment)
            }
            TransferAction::Evaluate(satisfaction, note) => {
                TransferCommand::Evaluate { satisfaction, note }
            }
            TransferAction::Review(accepted, note) => TransferCommand::Review { accepted, note },
            TransferAction::Supervise(note) => TransferCommand::Supervise { note },
        };
        self.transfer_commit(&principal.actor(), &row, command, Timestamp::now())
            .await
            .map(|_| ())
    }

    /// The escalation sweep (督办): every open matter whose current step is past its
    /// deadline at `now` is escalated to the station chief, once per step. Returns how
    /// many were escalated. The server runs it every minute.
    pub async fn escalate_overdue_transfers(&self, now: Timestamp) -> Result<usize, AppError> {
        let actor = Actor::system("escalation");
        let mut escalated = 0;
        for id in self.store.overdue_transfers(&now.to_string()).await? {
            let Some(row) = self.store.transfer(&id).await? else {
                continue;
            };
            match self
                .transfer_commit(&actor, &row, TransferCommand::Escalate, now)
                .await
            {
                Ok(true) => escalated += 1,
                Ok(false) => {}
                // Someone acted on it meanwhile: the next sweep sees the new state.
                Err(AppError::Store(fengqiao_store::StoreError::VersionConflict { .. })) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(escalated)
    }

    /// Decides a command against the stored matter and commits its events at the
    /// version read; `false` when there was nothing to do.
    async fn transfer_commit(
        &self,
        actor: &Actor,
        row: &TransferRow,
        command: TransferCommand,
        now: Timestamp,
    ) -> Result<bool, AppError> {
        let id: RecordId = row
            .incident_id
            .parse()
            .map_err(|_| AppError::Refused(format!("corrupt incident id {}", row.incident_id)))?;
        let status = TransferStatus {
            state: row.state.parse::<TransferState>()?,
            partner_id: row
                .partner_id
                .parse()
                .map_err(|_| AppError::Refused(format!("corrupt partner id {}", row.partner_id)))?,
            handle_hours: row.handle_hours,
            due_at: row.due_at.as_deref().map(Timestamp::parse).transpose()?,
            escalated_step: row.escalated_step.as_deref().map(str::parse).transpose()?,
        };
        let hours = self.settings().await?.transfer_hours;
        let events = decide_transfer(id, &status, command, &hours, now)?;
        if events.is_empty() {
            return Ok(false);
        }
        let stream = StreamRef::new("incident", id);
        let version = self.store.stream_version(&stream).await?;
        self.store
            .commit(
                actor,
                &[Commit::now(stream, ExpectedVersion::Exact(version), events)],
                &[],
            )
            .await?;
        Ok(true)
    }
}

impl App {
    /// The agencies a dispatcher may transfer to: those of the jurisdiction and those
    /// of the nodes above it (a county's 妇联 serves every station), by name.
    pub async fn transfer_agencies_as(
        &self,
        principal: &Principal,
    ) -> Result<Vec<fengqiao_store::PartnerRow>, AppError> {
        self.require(principal, Permission::IncidentView, "list agencies")
            .await?;
        let nodes = self.store.nodes(&Scope::All).await?;
        let mut above: Vec<String> = Vec::new();
        for root in &principal.jurisdiction {
            let mut current = nodes
                .iter()
                .find(|n| &n.id == root)
                .and_then(|n| n.parent_id.clone());
            while let Some(id) = current {
                if above.contains(&id) {
                    break;
                }
                current = nodes
                    .iter()
                    .find(|n| n.id == id)
                    .and_then(|n| n.parent_id.clone());
                above.push(id);
            }
        }
        // One read of the jurisdiction's nodes, not one scope check per agency.
        let within = self.store.nodes(&principal.scope()).await?;
        let mut agencies: Vec<_> = self
            .store
            .partners(&Scope::All)
            .await?
            .into_iter()
            .filter(|p| above.contains(&p.node_id) || within.iter().any(|n| n.id == p.node_id))
            .collect();
        agencies.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(agencies)
    }
}
