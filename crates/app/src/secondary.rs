//! Secondary handling (二次处置) as the command room and the community officer work it:
//! opened for a repeat-flagged dispute with its first result (or by the dispatcher for a
//! difficult or major one), analysed and instructed to the officer of the place, worked
//! until settled; its success rate for a period.

use fengqiao_domain::incident::Branch;
use fengqiao_domain::org::RecordId;
use fengqiao_domain::policy::Permission;
use fengqiao_domain::secondary::{
    SecondaryCommand, SecondaryReason, SecondaryState, SecondaryStatus, decide_secondary,
};
use fengqiao_domain::{DomainError, DomainEvent, StreamRef, Timestamp};
use fengqiao_store::{Commit, ExpectedVersion, IncidentRow, SecondaryCounts, SecondaryRow};

use crate::policy::Principal;
use crate::{App, AppError};

/// A step on a secondary handling after it is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondaryStep {
    /// 分析研判 → 指令派单 (the command room).
    Instruct {
        /// The officer.
        staff_id: RecordId,
        /// The analysis.
        analysis: String,
        /// The instruction.
        instruction: String,
    },
    /// A visit or step (the officer).
    Progress(String),
    /// Settled or not (the officer, or the command room).
    Conclude {
        /// Settled.
        settled: bool,
        /// How.
        note: String,
    },
}

impl App {
    /// The secondary handling that a step's events open, if any: the incident is a
    /// dispute flagged as a repeat, has none yet, and the events give its first result
    /// (the officer's feedback) or hand it to the dispute file.
    pub(crate) async fn secondary_on_result(
        &self,
        row: &IncidentRow,
        events: &[DomainEvent],
    ) -> Result<Option<DomainEvent>, AppError> {
        let result = events.iter().any(|e| {
            matches!(
                e,
                DomainEvent::IncidentHandled { .. }
                    | DomainEvent::IncidentTriaged {
                        branch: Branch::Dispute,
                        ..
                    }
            )
        });
        if !result {
            return Ok(None);
        }
        let category = events
            .iter()
            .find_map(|e| match e {
                DomainEvent::IncidentTriaged { category, .. } => Some(category.clone()),
                _ => None,
            })
            .or_else(|| row.category.clone())
            .or_else(|| row.category_initial.clone())
            .unwrap_or_default();
        if self.top_category(&category).await? != "dispute" {
            return Ok(None);
        }
        let reasons = repeat_reasons(row);
        if reasons.is_empty() || self.store.secondary(&row.id).await?.is_some() {
            return Ok(None);
        }
        let id: RecordId = row
            .id
            .parse()
            .map_err(|_| AppError::Refused(format!("corrupt incident id {}", row.id)))?;
        let status = SecondaryStatus {
            state: None,
            officer: None,
        };
        Ok(
            decide_secondary(id, &status, SecondaryCommand::Open(reasons))?
                .into_iter()
                .next(),
        )
    }

    /// Opens a secondary handling for a dispute incident the dispatcher judges
    /// difficult or major (疑难/重大).
    pub async fn open_secondary_as(
        &self,
        principal: &Principal,
        id: RecordId,
        reason: SecondaryReason,
    ) -> Result<(), AppError> {
        self.require(
            principal,
            Permission::IncidentDispatch,
            "open secondary handling",
        )
        .await?;
        let row = self.incident_in_scope(principal, id).await?;
        let category = row
            .category
            .clone()
            .or(row.category_initial.clone())
            .unwrap_or_default();
        if self.top_category(&category).await? != "dispute" {
            return Err(DomainError::invalid(
                "category",
                "secondary handling is for dispute incidents; triage it as a dispute first",
            )
            .into());
        }
        let mut reasons = vec![reason];
        reasons.extend(repeat_reasons(&row));
        self.secondary_commit(principal, id, SecondaryCommand::Open(reasons))
            .await
    }

    /// A step on an open secondary handling: the command room instructs (and may
    /// conclude); the officer it was instructed to records progress and concludes.
    pub async fn secondary_step_as(
        &self,
        principal: &Principal,
        id: RecordId,
        step: SecondaryStep,
    ) -> Result<(), AppError> {
        let officer: Option<RecordId> = principal.staff_id.as_deref().and_then(|s| s.parse().ok());
        let command = match step {
            SecondaryStep::Instruct {
                staff_id,
                analysis,
                instruction,
            } => {
                self.require(
                    principal,
                    Permission::IncidentDispatch,
                    "instruct secondary handling",
                )
                .await?;
                self.incident_in_scope(principal, id).await?;
                let staff = self.store.staff(&principal.scope()).await?;
                let in_station = staff.iter().any(|s| s.id == staff_id.to_string());
                if !in_station {
                    return Err(DomainError::invalid(
                        "staff_id",
                        "not an officer of the jurisdiction",
                    )
                    .into());
                }
                SecondaryCommand::Instruct {
                    staff_id,
                    analysis,
                    instruction,
                }
            }
            SecondaryStep::Progress(note) => {
                self.require(
                    principal,
                    Permission::IncidentHandle,
                    "work secondary handling",
                )
                .await?;
                self.secondary_reach(principal, id).await?;
                SecondaryCommand::Progress {
                    staff_id: officer.ok_or_else(|| {
                        AppError::Refused("the account is not linked to a staff record".into())
                    })?,
                    note,
                }
            }
            SecondaryStep::Conclude { settled, note } => {
                let task = self.secondary_reach(principal, id).await?;
                let mine = task.staff_id.is_some() && task.staff_id == principal.staff_id;
                if mine {
                    self.require(
                        principal,
                        Permission::IncidentHandle,
                        "conclude secondary handling",
                    )
                    .await?;
                    SecondaryCommand::Conclude {
                        staff_id: officer,
                        settled,
                        note,
                    }
                } else {
                    self.require(
                        principal,
                        Permission::IncidentDispatch,
                        "conclude secondary handling",
                    )
                    .await?;
                    SecondaryCommand::Conclude {
                        staff_id: None,
                        settled,
                        note,
                    }
                }
            }
        };
        self.secondary_commit(principal, id, command).await
    }

    /// The secondary handlings of the jurisdiction, open ones first.
    pub async fn secondaries_as(
        &self,
        principal: &Principal,
        open_only: bool,
    ) -> Result<Vec<SecondaryRow>, AppError> {
        self.require(
            principal,
            Permission::IncidentView,
            "view secondary handlings",
        )
        .await?;
        Ok(self
            .store
            .secondaries(&principal.scope(), None, open_only, 500)
            .await?)
    }

    /// The open secondary handlings instructed to the principal's own staff record.
    pub async fn my_secondaries(
        &self,
        principal: &Principal,
    ) -> Result<Vec<SecondaryRow>, AppError> {
        self.require(principal, Permission::IncidentHandle, "view own tasks")
            .await?;
        let Some(staff) = &principal.staff_id else {
            return Ok(Vec::new());
        };
        Ok(self
            .store
            .secondaries(&fengqiao_store::Scope::All, Some(staff), true, 500)
            .await?)
    }

    /// 二次处置成功率: of the handlings opened in `[from, to)` in the jurisdiction, how
    /// many were settled.
    pub async fn secondary_figures_as(
        &self,
        principal: &Principal,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<SecondaryCounts, AppError> {
        self.require(
            principal,
            Permission::IncidentView,
            "view secondary figures",
        )
        .await?;
        Ok(self
            .store
            .secondary_counts(&principal.scope(), &from.to_string(), &to.to_string())
            .await?)
    }

    /// The incident, if it lies in the principal's jurisdiction (else "not found").
    async fn incident_in_scope(
        &self,
        principal: &Principal,
        id: RecordId,
    ) -> Result<IncidentRow, AppError> {
        let row = self
            .store
            .incident(&id.to_string())
            .await?
            .ok_or_else(|| AppError::NotFound("incident".into()))?;
        if !self.in_scope(principal, &row.node_id).await? {
            self.record_denial(principal, "act on incident", "scope")
                .await?;
            return Err(AppError::NotFound("incident".into()));
        }
        Ok(row)
    }

    /// The handling, if the principal may reach it: instructed to them, or in scope.
    async fn secondary_reach(
        &self,
        principal: &Principal,
        id: RecordId,
    ) -> Result<SecondaryRow, AppError> {
        let task = self
            .store
            .secondary(&id.to_string())
            .await?
            .ok_or_else(|| AppError::NotFound("secondary handling".into()))?;
        let mine = task.staff_id.is_some() && task.staff_id == principal.staff_id;
        if !mine && !self.in_scope(principal, &task.node_id).await? {
            self.record_denial(principal, "act on secondary handling", "scope")
                .await?;
            return Err(AppError::NotFound("secondary handling".into()));
        }
        Ok(task)
    }

    async fn secondary_commit(
        &self,
        principal: &Principal,
        id: RecordId,
        command: SecondaryCommand,
    ) -> Result<(), AppError> {
        let task = self.store.secondary(&id.to_string()).await?;
        let status = SecondaryStatus {
            state: task
                .as_ref()
                .map(|t| t.state.parse::<SecondaryState>())
                .transpose()?,
            officer: task
                .as_ref()
                .and_then(|t| t.staff_id.as_deref())
                .and_then(|s| s.parse().ok()),
        };
        let events = decide_secondary(id, &status, command)?;
        let stream = StreamRef::new("incident", id);
        let version = self.store.stream_version(&stream).await?;
        self.store
            .commit(
                &principal.actor(),
                &[Commit::now(stream, ExpectedVersion::Exact(version), events)],
                &[],
            )
            .await?;
        Ok(())
    }
}

/// The repeat flags of an incident as reasons for a secondary handling.
fn repeat_reasons(row: &IncidentRow) -> Vec<SecondaryReason> {
    [
        (row.repeat_person, SecondaryReason::RepeatPerson),
        (row.repeat_place, SecondaryReason::RepeatPlace),
        (row.repeat_category, SecondaryReason::RepeatCategory),
    ]
    .into_iter()
    .filter_map(|(flag, reason)| flag.then_some(reason))
    .collect()
}
