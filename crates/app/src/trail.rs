//! The access trail (查询留痕): who looked at whose personal data, when and why.
//!
//! Personal data is masked everywhere by default. Revealing one field of one record
//! needs the `personal.reveal` permission, the record in the user's jurisdiction and a
//! typed reason; the reveal is an event. Opening a person's record is an event too.

use fengqiao_domain::DomainEvent;
use fengqiao_domain::policy::Permission;
use fengqiao_store::StoredEvent;

use crate::policy::Principal;
use crate::{App, AppError};

/// The shortest reason accepted for a reveal: enough for "调解回访核实身份", not "x".
const MIN_REASON_CHARS: usize = 4;

impl App {
    /// Records that the principal revealed `field` of a record, with a reason.
    /// The caller has checked that the record is in scope.
    pub async fn record_reveal(
        &self,
        principal: &Principal,
        (subject_kind, subject_id): (&str, &str),
        field: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        self.require(
            principal,
            Permission::PersonalReveal,
            "reveal personal data",
        )
        .await?;
        let reason = reason.trim();
        if reason.chars().count() < MIN_REASON_CHARS || reason.chars().count() > 200 {
            return Err(fengqiao_domain::DomainError::invalid(
                "reason",
                format!("say why, in {MIN_REASON_CHARS} to 200 characters"),
            )
            .into());
        }
        let event = DomainEvent::PersonalDataRevealed {
            user_id: principal.user_id,
            subject_kind: subject_kind.to_owned(),
            subject_id: subject_id.to_owned(),
            field: field.to_owned(),
            reason: reason.to_owned(),
        };
        self.append(&principal.actor(), event, &[]).await
    }

    /// Records that the principal opened a person's record.
    pub async fn record_person_view(
        &self,
        principal: &Principal,
        subject_kind: &str,
        subject_id: &str,
    ) -> Result<(), AppError> {
        let event = DomainEvent::PersonRecordViewed {
            user_id: principal.user_id,
            subject_kind: subject_kind.to_owned(),
            subject_id: subject_id.to_owned(),
        };
        self.append(&principal.actor(), event, &[]).await
    }

    /// The newest entries of the access trail of users the principal may see (all of
    /// them for a bureau's auditors), newest first.
    pub async fn access_trail(
        &self,
        principal: &Principal,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, AppError> {
        self.require(principal, Permission::AuditView, "view access trail")
            .await?;
        let visible: std::collections::HashSet<String> = self
            .store
            .users(&principal.scope())
            .await?
            .into_iter()
            .map(|u| u.id)
            .collect();
        let events = self
            .store
            .recent_events("access_log", None, limit.clamp(1, 1000) * 4)
            .await?;
        Ok(events
            .into_iter()
            .filter(|e| visible.contains(&e.stream_id))
            .take(usize::try_from(limit).unwrap_or(100))
            .collect())
    }
}
