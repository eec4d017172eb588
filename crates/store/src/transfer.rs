//! The transferred matters' read model (非警务分流转办) and the transfer list: what each
//! transfer event does to them, and the queries of the agency's inbox, the station's
//! list, the escalation sweep and the list's rules.

use fengqiao_domain::DomainEvent;
use fengqiao_domain::transfer::TransferState;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{Scope, Store, StoreError};

type Tx = Transaction<'static, Any>;

/// Applies one transfer event; `occurred_at` times the step. Returns `false` for
/// events that are not a transfer's.
pub(crate) async fn apply(
    tx: &mut Tx,
    event: &DomainEvent,
    at: &str,
    occurred_at: &str,
) -> Result<bool, StoreError> {
    match event {
        DomainEvent::TransferAssigned {
            id,
            partner_id,
            rule_id,
            overridden,
            handle_hours,
            due_at,
        } => {
            // A reassignment after a decline starts the loop again with the new agency.
            sqlx::query(
                "INSERT INTO transfers (incident_id, partner_id, rule_id, overridden, handle_hours, node_id, state, step, \
                 due_at, assigned_at, returned, escalations, updated_at) \
                 SELECT $1, $2, $3, $4, $5, i.node_id, 'assigned', 'assign', $6, $7, 0, 0, $8 FROM incidents i WHERE i.id = $1 \
                 ON CONFLICT (incident_id) DO UPDATE SET partner_id = excluded.partner_id, rule_id = excluded.rule_id, \
                 overridden = excluded.overridden, handle_hours = excluded.handle_hours, state = 'assigned', step = 'assign', \
                 due_at = excluded.due_at, assigned_at = excluded.assigned_at, signed_at = NULL, escalated_step = NULL, updated_at = excluded.updated_at",
            )
            .bind(id.to_string())
            .bind(partner_id.to_string())
            .bind(rule_id.map(|r| r.to_string()))
            .bind(i64::from(*overridden))
            .bind(*handle_hours)
            .bind(due_at)
            .bind(occurred_at)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::TransferSigned { id, due_at, .. } => {
            let sql = "UPDATE transfers SET state = $1, step = $2, due_at = $3, signed_at = $4, escalated_step = NULL, updated_at = $5 \
                       WHERE incident_id = $6";
            let times = (due_at.as_str(), occurred_at, at);
            update_with(tx, sql, TransferState::Signed, times, id, None).await?;
        }
        DomainEvent::TransferVerified { id, note, due_at } => {
            let sql = "UPDATE transfers SET state = $1, step = $2, due_at = $3, verified_at = $4, escalated_step = NULL, updated_at = $5, \
                       verify_note = $7 WHERE incident_id = $6";
            update_with(
                tx,
                sql,
                TransferState::Verified,
                (due_at, occurred_at, at),
                id,
                Some(note),
            )
            .await?;
        }
        DomainEvent::TransferHandled { id, note, due_at } => {
            let sql = "UPDATE transfers SET state = $1, step = $2, due_at = $3, handled_at = $4, escalated_step = NULL, updated_at = $5, \
                       handle_note = $7 WHERE incident_id = $6";
            update_with(
                tx,
                sql,
                TransferState::Handled,
                (due_at, occurred_at, at),
                id,
                Some(note),
            )
            .await?;
        }
        DomainEvent::TransferFedBack {
            id,
            narrative,
            due_at,
        } => {
            let sql = "UPDATE transfers SET state = $1, step = $2, due_at = $3, fed_back_at = $4, escalated_step = NULL, updated_at = $5, \
                       feedback = $7 WHERE incident_id = $6";
            update_with(
                tx,
                sql,
                TransferState::FedBack,
                (due_at, occurred_at, at),
                id,
                Some(narrative),
            )
            .await?;
        }
        DomainEvent::TransferDeclined {
            id, reason, due_at, ..
        } => {
            sqlx::query(
                "UPDATE transfers SET state = 'declined', step = 'assign', due_at = $1, signed_at = NULL, \
                 decline_reason = $2, escalated_step = NULL, updated_at = $3 WHERE incident_id = $4",
            )
            .bind(due_at)
            .bind(reason)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::TransferEvaluated {
            id,
            satisfaction,
            note,
            due_at,
        } => {
            sqlx::query(
                "UPDATE transfers SET state = 'evaluated', step = 'review', due_at = $1, evaluated_at = $2, \
                 satisfaction = $3, evaluation_note = $4, escalated_step = NULL, updated_at = $5 WHERE incident_id = $6",
            )
            .bind(due_at)
            .bind(occurred_at)
            .bind(satisfaction.as_str())
            .bind(note)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::TransferReviewed {
            id,
            accepted,
            note,
            due_at,
        } => {
            let query = if *accepted {
                sqlx::query(
                    "UPDATE transfers SET state = 'reviewed', step = NULL, due_at = NULL, reviewed_at = $1, \
                     review_note = $2, escalated_step = NULL, updated_at = $3 WHERE incident_id = $4",
                )
                .bind(occurred_at)
            } else {
                // Sent back: handled again, reported again, asked again.
                sqlx::query(
                    "UPDATE transfers SET state = 'verified', step = 'handle', due_at = $1, review_note = $2, \
                     returned = returned + 1, escalated_step = NULL, handled_at = NULL, fed_back_at = NULL, evaluated_at = NULL, \
                     updated_at = $3 WHERE incident_id = $4",
                )
                .bind(due_at.clone().unwrap_or_default())
            };
            query
                .bind(note)
                .bind(at)
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
        }
        DomainEvent::TransferEscalated { id, step, .. } => {
            sqlx::query(
                "UPDATE transfers SET escalated_step = $1, escalated_at = $2, escalations = escalations + 1, \
                 updated_at = $3 WHERE incident_id = $4",
            )
            .bind(step.as_str())
            .bind(occurred_at)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::TransferSupervised { id, note } => {
            sqlx::query(
                "UPDATE transfers SET supervision_note = $1, updated_at = $2 WHERE incident_id = $3",
            )
            .bind(note)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::TransferRuleSaved { id, rule } => {
            sqlx::query(
                "INSERT INTO transfer_rules (id, category, node_id, partner_id, handle_hours, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (id) DO UPDATE SET category = excluded.category, \
                 node_id = excluded.node_id, partner_id = excluded.partner_id, handle_hours = excluded.handle_hours, \
                 updated_at = excluded.updated_at",
            )
            .bind(id.to_string())
            .bind(&rule.category)
            .bind(rule.node_id.map(|n| n.to_string()))
            .bind(rule.partner_id.to_string())
            .bind(rule.handle_hours)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::TransferRuleRemoved { id } => {
            sqlx::query("DELETE FROM transfer_rules WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A step of the agency's: the state and its step (`$1`, `$2`), the next deadline, the
/// step's time, the update time, the incident (`$3`–`$6`) and the step's text (`$7`),
/// when it has one.
async fn update_with(
    tx: &mut Tx,
    sql: &str,
    state: TransferState,
    (due_at, occurred_at, at): (&str, &str, &str),
    id: &uuid::Uuid,
    text: Option<&str>,
) -> Result<(), StoreError> {
    let mut query = sqlx::query(sql)
        .bind(state.as_str())
        .bind(state.step().map(|s| s.as_str()))
        .bind(due_at)
        .bind(occurred_at)
        .bind(at)
        .bind(id.to_string());
    if let Some(text) = text {
        query = query.bind(text);
    }
    query.execute(&mut **tx).await?;
    Ok(())
}

/// A transferred matter with its incident, as the inbox and the lists read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TransferRow {
    /// The incident.
    pub incident_id: String,
    /// Its number.
    pub number: String,
    /// When the call came in.
    pub called_at: String,
    /// The address as said.
    pub address_text: String,
    /// What the caller said.
    pub narrative: String,
    /// The incident's final category.
    pub category: Option<String>,
    /// Caller's name (callers mask it).
    pub caller_name: Option<String>,
    /// Caller's phone (callers mask it).
    pub caller_phone: Option<String>,
    /// The incident's node.
    pub node_id: String,
    /// Its name.
    pub node_name: String,
    /// The agency.
    pub partner_id: String,
    /// Its name.
    pub partner_name: String,
    /// The rule that chose the agency.
    pub rule_id: Option<String>,
    /// The dispatcher chose another agency than the rule's.
    pub overridden: bool,
    /// The rule's own handling time, hours.
    pub handle_hours: Option<i64>,
    /// State code.
    pub state: String,
    /// The current step's code.
    pub step: Option<String>,
    /// Its deadline.
    pub due_at: Option<String>,
    /// Step times.
    pub assigned_at: String,
    /// 签收.
    pub signed_at: Option<String>,
    /// 核查.
    pub verified_at: Option<String>,
    /// 处置.
    pub handled_at: Option<String>,
    /// 反馈.
    pub fed_back_at: Option<String>,
    /// 评价.
    pub evaluated_at: Option<String>,
    /// 问效.
    pub reviewed_at: Option<String>,
    /// Findings.
    pub verify_note: Option<String>,
    /// What was done.
    pub handle_note: Option<String>,
    /// The agency's report.
    pub feedback: Option<String>,
    /// Why it was declined last.
    pub decline_reason: Option<String>,
    /// Satisfaction code.
    pub satisfaction: Option<String>,
    /// What the caller said.
    pub evaluation_note: Option<String>,
    /// The reviewer's words.
    pub review_note: Option<String>,
    /// Times sent back by a review.
    pub returned: i64,
    /// The step last escalated.
    pub escalated_step: Option<String>,
    /// When.
    pub escalated_at: Option<String>,
    /// Escalations in all.
    pub escalations: i64,
    /// The station chief's instruction.
    pub supervision_note: Option<String>,
}

const COLUMNS: &str = "t.incident_id, i.number, i.called_at, i.address_text, i.narrative, i.category, i.caller_name, \
     i.caller_phone, t.node_id, n.name AS node_name, t.partner_id, p.name AS partner_name, t.rule_id, t.overridden, \
     t.handle_hours, t.state, t.step, t.due_at, t.assigned_at, t.signed_at, t.verified_at, t.handled_at, t.fed_back_at, t.evaluated_at, \
     t.reviewed_at, t.verify_note, t.handle_note, t.feedback, t.decline_reason, t.satisfaction, t.evaluation_note, \
     t.review_note, t.returned, t.escalated_step, t.escalated_at, t.escalations, t.supervision_note";
const FROM: &str = "transfers t JOIN incidents i ON i.id = t.incident_id \
     JOIN jurisdiction_nodes n ON n.id = t.node_id JOIN partner_agencies p ON p.id = t.partner_id";

fn row(r: &AnyRow) -> Result<TransferRow, sqlx::Error> {
    Ok(TransferRow {
        incident_id: r.try_get("incident_id")?,
        number: r.try_get("number")?,
        called_at: r.try_get("called_at")?,
        address_text: r.try_get("address_text")?,
        narrative: r.try_get("narrative")?,
        category: r.try_get("category")?,
        caller_name: r.try_get("caller_name")?,
        caller_phone: r.try_get("caller_phone")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        partner_id: r.try_get("partner_id")?,
        partner_name: r.try_get("partner_name")?,
        rule_id: r.try_get("rule_id")?,
        overridden: r.try_get::<i64, _>("overridden")? != 0,
        handle_hours: r.try_get("handle_hours")?,
        state: r.try_get("state")?,
        step: r.try_get("step")?,
        due_at: r.try_get("due_at")?,
        assigned_at: r.try_get("assigned_at")?,
        signed_at: r.try_get("signed_at")?,
        verified_at: r.try_get("verified_at")?,
        handled_at: r.try_get("handled_at")?,
        fed_back_at: r.try_get("fed_back_at")?,
        evaluated_at: r.try_get("evaluated_at")?,
        reviewed_at: r.try_get("reviewed_at")?,
        verify_note: r.try_get("verify_note")?,
        handle_note: r.try_get("handle_note")?,
        feedback: r.try_get("feedback")?,
        decline_reason: r.try_get("decline_reason")?,
        satisfaction: r.try_get("satisfaction")?,
        evaluation_note: r.try_get("evaluation_note")?,
        review_note: r.try_get("review_note")?,
        returned: r.try_get("returned")?,
        escalated_step: r.try_get("escalated_step")?,
        escalated_at: r.try_get("escalated_at")?,
        escalations: r.try_get("escalations")?,
        supervision_note: r.try_get("supervision_note")?,
    })
}

/// Which transferred matters a list shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TransferView {
    /// Not yet reviewed.
    #[default]
    Open,
    /// Open and escalated for the current step (督办).
    Escalated,
    /// Reviewed.
    Closed,
    /// All.
    All,
}

impl std::str::FromStr for TransferView {
    type Err = fengqiao_domain::DomainError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "open" => Ok(Self::Open),
            "escalated" => Ok(Self::Escalated),
            "closed" => Ok(Self::Closed),
            "all" => Ok(Self::All),
            other => Err(fengqiao_domain::DomainError::invalid(
                "view",
                format!("unknown view {other:?}; expected open, escalated, closed or all"),
            )),
        }
    }
}

/// A rule of the transfer list with its names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransferRuleRow {
    /// Rule id.
    pub id: String,
    /// Category code.
    pub category: String,
    /// The area, when not everywhere.
    pub node_id: Option<String>,
    /// Its name.
    pub node_name: Option<String>,
    /// The agency.
    pub partner_id: String,
    /// Its name.
    pub partner_name: String,
    /// Its own handling time.
    pub handle_hours: Option<i64>,
    /// When entered (the tie-break of equally near rules).
    pub created_at: String,
}

/// The loop's figures for a list: how many, done, on time, satisfied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct TransferCounts {
    /// Matters transferred.
    pub total: i64,
    /// Reviewed and closed (办结).
    pub closed: i64,
    /// Open and escalated for the current step.
    pub escalated: i64,
    /// Ratings given (excluding callers who could not be reached).
    pub rated: i64,
    /// Of which 满意 or 基本满意.
    pub satisfied: i64,
}

impl Store {
    /// The transferred matter of an incident, if it was transferred.
    pub async fn transfer(&self, incident_id: &str) -> Result<Option<TransferRow>, StoreError> {
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE t.incident_id = $1"
        ))
        .bind(incident_id)
        .fetch_optional(&self.pool)
        .await?;
        found.as_ref().map(row).transpose().map_err(Into::into)
    }

    /// Transferred matters in the scope's nodes, or (with `partner`) sent to one agency
    /// wherever they are, most urgent first (the nearest deadline, then the oldest).
    pub async fn transfers(
        &self,
        scope: &Scope,
        partner: Option<&str>,
        view: TransferView,
        limit: i64,
    ) -> Result<Vec<TransferRow>, StoreError> {
        let (condition, mut params) = match partner {
            Some(p) => ("t.partner_id = $1".to_owned(), vec![p.to_owned()]),
            None => scope.condition("t.node_id", 1),
        };
        let filter = match view {
            TransferView::Open => " AND t.state <> 'reviewed'",
            TransferView::Escalated => {
                " AND t.state <> 'reviewed' AND t.escalated_step IS NOT NULL AND t.escalated_step = t.step"
            }
            TransferView::Closed => " AND t.state = 'reviewed'",
            TransferView::All => "",
        };
        let order = match view {
            TransferView::Closed => "t.reviewed_at DESC",
            _ => "CASE WHEN t.due_at IS NULL THEN 1 ELSE 0 END, t.due_at, t.assigned_at",
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {condition}{filter} ORDER BY {order} LIMIT {}",
            limit.clamp(1, 2000)
        );
        let mut query = sqlx::query(&sql);
        for p in params.drain(..) {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| row(r).map_err(StoreError::from))
            .collect()
    }

    /// Counts for the same lists as [`Store::transfers`].
    pub async fn transfer_counts(
        &self,
        scope: &Scope,
        partner: Option<&str>,
    ) -> Result<TransferCounts, StoreError> {
        let (condition, params) = match partner {
            Some(p) => ("t.partner_id = $1".to_owned(), vec![p.to_owned()]),
            None => scope.condition("t.node_id", 1),
        };
        let sql = format!(
            "SELECT COUNT(*) AS total, \
             COALESCE(SUM(CASE WHEN t.state = 'reviewed' THEN 1 ELSE 0 END), 0) AS closed, \
             COALESCE(SUM(CASE WHEN t.state <> 'reviewed' AND t.escalated_step = t.step THEN 1 ELSE 0 END), 0) AS escalated, \
             COALESCE(SUM(CASE WHEN t.satisfaction IN ('satisfied', 'basic', 'unsatisfied') THEN 1 ELSE 0 END), 0) AS rated, \
             COALESCE(SUM(CASE WHEN t.satisfaction IN ('satisfied', 'basic') THEN 1 ELSE 0 END), 0) AS satisfied \
             FROM transfers t WHERE {condition}"
        );
        let mut query = sqlx::query(&sql);
        for p in &params {
            query = query.bind(p.as_str());
        }
        let r = query.fetch_one(&self.pool).await?;
        Ok(TransferCounts {
            total: r.try_get("total")?,
            closed: r.try_get("closed")?,
            escalated: r.try_get("escalated")?,
            rated: r.try_get("rated")?,
            satisfied: r.try_get("satisfied")?,
        })
    }

    /// Open matters whose current step is past its deadline and not yet escalated for
    /// that step: the escalation sweep's work.
    pub async fn overdue_transfers(&self, now: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT incident_id FROM transfers WHERE state <> 'reviewed' AND due_at < $1 \
             AND (escalated_step IS NULL OR escalated_step <> step) ORDER BY due_at",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }

    /// The transfer list, in entry order.
    pub async fn transfer_rules(&self) -> Result<Vec<TransferRuleRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.id, r.category, r.node_id, n.name AS node_name, r.partner_id, p.name AS partner_name, \
             r.handle_hours, r.created_at FROM transfer_rules r JOIN partner_agencies p ON p.id = r.partner_id \
             LEFT JOIN jurisdiction_nodes n ON n.id = r.node_id ORDER BY r.created_at, r.id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(TransferRuleRow {
                    id: r.try_get("id")?,
                    category: r.try_get("category")?,
                    node_id: r.try_get("node_id")?,
                    node_name: r.try_get("node_name")?,
                    partner_id: r.try_get("partner_id")?,
                    partner_name: r.try_get("partner_name")?,
                    handle_hours: r.try_get("handle_hours")?,
                    created_at: r.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(Into::into)
    }
}
