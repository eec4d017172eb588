//! The duty roster (值班表): the station's dispatcher or chief keeps each officer's
//! shifts; every change is an event on the officer's staff stream. The roster is read
//! by everyone who sees the staff, and by the dispatch recommendation.

use fengqiao_domain::DomainEvent;
use fengqiao_domain::duty::ShiftFields;
use fengqiao_domain::org::{RecordId, new_id};
use fengqiao_domain::policy::Permission;
use fengqiao_store::{ShiftRow, StaffRow};

use crate::policy::Principal;
use crate::{App, AppError};

impl App {
    /// The staff in scope and their shifts, for the roster page.
    pub async fn roster_as(
        &self,
        principal: &Principal,
    ) -> Result<(Vec<StaffRow>, Vec<ShiftRow>), AppError> {
        self.require(principal, Permission::OrgView, "view the duty roster")
            .await?;
        let scope = principal.scope();
        Ok((
            self.store.staff(&scope).await?,
            self.store.shifts(&scope).await?,
        ))
    }

    /// Adds a shift to an officer's roster (or changes one, given its id). The officer
    /// must be in the principal's jurisdiction; outside it they are "not found".
    pub async fn save_shift_as(
        &self,
        principal: &Principal,
        staff_id: RecordId,
        shift_id: Option<RecordId>,
        shift: ShiftFields,
    ) -> Result<RecordId, AppError> {
        self.require(principal, Permission::DutyManage, "keep the duty roster")
            .await?;
        let shift = shift.checked()?;
        self.staff_in_scope(principal, &staff_id.to_string())
            .await?;
        if let Some(id) = shift_id
            && self.store.shift_owner(&id.to_string()).await?.as_deref()
                != Some(staff_id.to_string().as_str())
        {
            return Err(AppError::NotFound("shift".into()));
        }
        let id = shift_id.unwrap_or_else(new_id);
        let event = DomainEvent::ShiftSaved {
            id,
            staff_id,
            shift,
        };
        self.append(&principal.actor(), event, &[]).await?;
        Ok(id)
    }

    /// Takes a shift off the roster.
    pub async fn remove_shift_as(
        &self,
        principal: &Principal,
        shift_id: &str,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::DutyManage, "keep the duty roster")
            .await?;
        let owner = self
            .store
            .shift_owner(shift_id)
            .await?
            .ok_or_else(|| AppError::NotFound("shift".into()))?;
        self.staff_in_scope(principal, &owner).await?;
        let parse = |text: &str| {
            text.parse::<RecordId>()
                .map_err(|_| AppError::NotFound("shift".into()))
        };
        let event = DomainEvent::ShiftRemoved {
            id: parse(shift_id)?,
            staff_id: parse(&owner)?,
        };
        self.append(&principal.actor(), event, &[]).await?;
        Ok(())
    }

    /// A member of staff in the principal's scope, or "not found" (and the refusal
    /// recorded when they exist elsewhere).
    async fn staff_in_scope(
        &self,
        principal: &Principal,
        staff_id: &str,
    ) -> Result<StaffRow, AppError> {
        if let Some(member) = self
            .store
            .staff(&principal.scope())
            .await?
            .into_iter()
            .find(|s| s.id == staff_id)
        {
            return Ok(member);
        }
        if self
            .store
            .staff(&fengqiao_store::Scope::All)
            .await?
            .iter()
            .any(|s| s.id == staff_id)
        {
            self.record_denial(principal, "keep the duty roster", "scope")
                .await?;
        }
        Err(AppError::NotFound("staff".into()))
    }
}
