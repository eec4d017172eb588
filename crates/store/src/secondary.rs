//! The secondary handlings' read model (二次处置): what each event does to it, and the
//! queries of the command room's list, the officer's tasks and the success rate.

use fengqiao_domain::DomainEvent;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::{Scope, Store, StoreError};

type Tx = Transaction<'static, Any>;

/// Applies one secondary-handling event. Returns `false` for other events.
pub(crate) async fn apply(
    tx: &mut Tx,
    event: &DomainEvent,
    at: &str,
    occurred_at: &str,
) -> Result<bool, StoreError> {
    match event {
        DomainEvent::SecondaryOpened { id, reasons } => {
            let reasons: Vec<&str> = reasons.iter().map(|r| r.as_str()).collect();
            sqlx::query(
                "INSERT INTO secondary_tasks (incident_id, node_id, reasons, state, progress, opened_at, updated_at) \
                 SELECT $1, i.node_id, $2, 'analysing', 0, $3, $4 FROM incidents i WHERE i.id = $1",
            )
            .bind(id.to_string())
            .bind(reasons.join(","))
            .bind(occurred_at)
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::SecondaryInstructed {
            id,
            staff_id,
            analysis,
            instruction,
        } => {
            sqlx::query(
                "UPDATE secondary_tasks SET state = 'assigned', staff_id = $1, analysis = $2, instruction = $3, \
                 instructed_at = $4, updated_at = $5 WHERE incident_id = $6",
            )
            .bind(staff_id.to_string())
            .bind(analysis)
            .bind(instruction)
            .bind(occurred_at)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::SecondaryProgressed { id, note, .. } => {
            sqlx::query(
                "UPDATE secondary_tasks SET progress = progress + 1, last_note = $1, progressed_at = $2, \
                 updated_at = $3 WHERE incident_id = $4",
            )
            .bind(note)
            .bind(occurred_at)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::SecondaryConcluded { id, settled, note } => {
            sqlx::query(
                "UPDATE secondary_tasks SET state = $1, outcome_note = $2, concluded_at = $3, updated_at = $4 \
                 WHERE incident_id = $5",
            )
            .bind(if *settled { "settled" } else { "unsettled" })
            .bind(note)
            .bind(occurred_at)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// A secondary handling with its incident, as lists show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecondaryRow {
    /// The incident.
    pub incident_id: String,
    /// Its number.
    pub number: String,
    /// When the call came in.
    pub called_at: String,
    /// The address as said.
    pub address_text: String,
    /// The narrative.
    pub narrative: String,
    /// The incident's category.
    pub category: Option<String>,
    /// The incident's node.
    pub node_id: String,
    /// Its name.
    pub node_name: String,
    /// Reason codes.
    pub reasons: Vec<String>,
    /// State code.
    pub state: String,
    /// The officer.
    pub staff_id: Option<String>,
    /// Their name.
    pub staff_name: Option<String>,
    /// The analysis.
    pub analysis: Option<String>,
    /// The instruction.
    pub instruction: Option<String>,
    /// Progress notes so far.
    pub progress: i64,
    /// The last one.
    pub last_note: Option<String>,
    /// How it ended.
    pub outcome_note: Option<String>,
    /// Opened.
    pub opened_at: String,
    /// Instructed.
    pub instructed_at: Option<String>,
    /// Last progress.
    pub progressed_at: Option<String>,
    /// Concluded.
    pub concluded_at: Option<String>,
}

const COLUMNS: &str = "s.incident_id, i.number, i.called_at, i.address_text, i.narrative, i.category, s.node_id, \
     n.name AS node_name, s.reasons, s.state, s.staff_id, f.name AS staff_name, s.analysis, s.instruction, s.progress, \
     s.last_note, s.outcome_note, s.opened_at, s.instructed_at, s.progressed_at, s.concluded_at";
const FROM: &str = "secondary_tasks s JOIN incidents i ON i.id = s.incident_id \
     JOIN jurisdiction_nodes n ON n.id = s.node_id LEFT JOIN staff f ON f.id = s.staff_id";

fn row(r: &AnyRow) -> Result<SecondaryRow, sqlx::Error> {
    Ok(SecondaryRow {
        incident_id: r.try_get("incident_id")?,
        number: r.try_get("number")?,
        called_at: r.try_get("called_at")?,
        address_text: r.try_get("address_text")?,
        narrative: r.try_get("narrative")?,
        category: r.try_get("category")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        reasons: r
            .try_get::<String, _>("reasons")?
            .split(',')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect(),
        state: r.try_get("state")?,
        staff_id: r.try_get("staff_id")?,
        staff_name: r.try_get("staff_name")?,
        analysis: r.try_get("analysis")?,
        instruction: r.try_get("instruction")?,
        progress: r.try_get("progress")?,
        last_note: r.try_get("last_note")?,
        outcome_note: r.try_get("outcome_note")?,
        opened_at: r.try_get("opened_at")?,
        instructed_at: r.try_get("instructed_at")?,
        progressed_at: r.try_get("progressed_at")?,
        concluded_at: r.try_get("concluded_at")?,
    })
}

/// 二次处置成功率 for a period: of the handlings opened in it, how many were settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct SecondaryCounts {
    /// Opened in the period.
    pub opened: i64,
    /// Of which settled.
    pub settled: i64,
    /// Of which concluded unsettled.
    pub unsettled: i64,
    /// Of which still open.
    pub open: i64,
}

impl Store {
    /// The secondary handling of an incident, if it has one.
    pub async fn secondary(&self, incident_id: &str) -> Result<Option<SecondaryRow>, StoreError> {
        let found = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE s.incident_id = $1"
        ))
        .bind(incident_id)
        .fetch_optional(&self.pool)
        .await?;
        found.as_ref().map(row).transpose().map_err(Into::into)
    }

    /// Secondary handlings in scope (or instructed to one officer), open ones first,
    /// then the newest.
    pub async fn secondaries(
        &self,
        scope: &Scope,
        staff: Option<&str>,
        open_only: bool,
        limit: i64,
    ) -> Result<Vec<SecondaryRow>, StoreError> {
        let (condition, mut params) = match staff {
            Some(s) => ("s.staff_id = $1".to_owned(), vec![s.to_owned()]),
            None => scope.condition("s.node_id", 1),
        };
        let open = if open_only {
            " AND s.state IN ('analysing', 'assigned')"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE {condition}{open} ORDER BY \
             CASE WHEN s.state IN ('analysing', 'assigned') THEN 0 ELSE 1 END, s.opened_at DESC LIMIT {}",
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

    /// The success rate's counts of the handlings opened in `[from, to)` in scope.
    pub async fn secondary_counts(
        &self,
        scope: &Scope,
        from: &str,
        to: &str,
    ) -> Result<SecondaryCounts, StoreError> {
        let (condition, params) = scope.condition("node_id", 3);
        let sql = format!(
            "SELECT COUNT(*) AS opened, \
             COALESCE(SUM(CASE WHEN state = 'settled' THEN 1 ELSE 0 END), 0) AS settled, \
             COALESCE(SUM(CASE WHEN state = 'unsettled' THEN 1 ELSE 0 END), 0) AS unsettled, \
             COALESCE(SUM(CASE WHEN state IN ('analysing', 'assigned') THEN 1 ELSE 0 END), 0) AS open \
             FROM secondary_tasks WHERE opened_at >= $1 AND opened_at < $2 AND {condition}"
        );
        let mut query = sqlx::query(&sql).bind(from).bind(to);
        for p in &params {
            query = query.bind(p.as_str());
        }
        let r = query.fetch_one(&self.pool).await?;
        Ok(SecondaryCounts {
            opened: r.try_get("opened")?,
            settled: r.try_get("settled")?,
            unsettled: r.try_get("unsettled")?,
            open: r.try_get("open")?,
        })
    }
}
