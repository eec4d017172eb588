//! The incidents' read model (警情): what each incident event does to it, and the
//! queries of the board, the officer's list and the repeat engine.

use fengqiao_domain::DomainEvent;
use fengqiao_domain::incident::{Branch, IncidentState};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

use crate::base::{Sql, like};
use crate::{Scope, Store, StoreError};

type Tx = Transaction<'static, Any>;

/// Applies one incident event; `occurred_at` times the step. Returns `false` for
/// events that are not an incident's.
pub(crate) async fn apply(
    tx: &mut Tx,
    event: &DomainEvent,
    at: &str,
    occurred_at: &str,
) -> Result<bool, StoreError> {
    match event {
        DomainEvent::IncidentReceived {
            id,
            number,
            intake,
            address_id,
            node_id,
            match_score,
            lng,
            lat,
            repeats,
            suggestion,
        } => {
            let id = id.to_string();
            sqlx::query(
                "INSERT INTO incidents (id, number, external_number, source, called_at, received_at, caller_name, \
                 caller_phone, caller_id_number, address_text, narrative, category_initial, address_id, node_id, \
                 match_score, lng, lat, state, repeat_person, repeat_place, repeat_category, updated_at, \
                 suggested_confidence, suggested_evidence) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, 'received', $18, $19, $20, $6, $21, $22)",
            )
            .bind(&id)
            .bind(number)
            .bind(&intake.external_number)
            .bind(intake.source.as_str())
            .bind(&intake.called_at)
            .bind(at)
            .bind(&intake.caller_name)
            .bind(&intake.caller_phone)
            .bind(&intake.caller_id_number)
            .bind(&intake.address_text)
            .bind(&intake.narrative)
            .bind(
                intake
                    .category
                    .as_ref()
                    .or(suggestion.as_ref().map(|s| &s.code)),
            )
            .bind(address_id.map(|a| a.to_string()))
            .bind(node_id.to_string())
            .bind(*match_score)
            .bind(*lng)
            .bind(*lat)
            .bind(i64::from(!repeats.person.is_empty()))
            .bind(i64::from(!repeats.place.is_empty()))
            .bind(i64::from(!repeats.category.is_empty()))
            .bind(suggestion.as_ref().map(|s| s.confidence))
            .bind(
                suggestion
                    .as_ref()
                    .map(|s| serde_json::Value::from(s.evidence.clone()).to_string()),
            )
            .execute(&mut **tx)
            .await?;
            for (rule, earlier) in [
                ("person", &repeats.person),
                ("place", &repeats.place),
                ("category", &repeats.category),
            ] {
                for e in earlier {
                    sqlx::query(
                        "INSERT INTO incident_repeats (incident_id, rule, earlier_id) VALUES ($1, $2, $3)",
                    )
                    .bind(&id)
                    .bind(rule)
                    .bind(e.to_string())
                    .execute(&mut **tx)
                    .await?;
                }
            }
        }
        DomainEvent::IncidentTriaged {
            id,
            category,
            branch,
            note,
        } => {
            let state = match branch {
                Branch::Police => IncidentState::Triaged,
                _ => IncidentState::HandedOver,
            };
            sqlx::query(
                "UPDATE incidents SET category = $1, branch = $2, branch_note = $3, state = $4, \
                 triaged_at = COALESCE(triaged_at, $5), updated_at = $6 WHERE id = $7",
            )
            .bind(category)
            .bind(branch.as_str())
            .bind(note)
            .bind(state.as_str())
            .bind(occurred_at)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::IncidentDispatched { id, staff_id, .. } => {
            // The first dispatch times the response; a reassignment starts signing anew.
            sqlx::query(
                "UPDATE incidents SET state = 'dispatched', assignee_id = $1, \
                 dispatched_at = COALESCE(dispatched_at, $2), accepted_at = NULL, departed_at = NULL, \
                 updated_at = $3 WHERE id = $4",
            )
            .bind(staff_id.to_string())
            .bind(occurred_at)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::IncidentAccepted { id, .. } => {
            step(tx, id, "accepted", "accepted_at", occurred_at, at).await?;
        }
        DomainEvent::IncidentDeparted { id, .. } => {
            step(tx, id, "departed", "departed_at", occurred_at, at).await?;
        }
        DomainEvent::IncidentArrived { id, .. } => {
            step(tx, id, "arrived", "arrived_at", occurred_at, at).await?;
        }
        DomainEvent::IncidentHandled {
            id,
            result_code,
            narrative,
            ..
        } => {
            sqlx::query(
                "UPDATE incidents SET state = 'handled', handled_at = $1, result_code = $2, feedback = $3, \
                 updated_at = $4 WHERE id = $5",
            )
            .bind(occurred_at)
            .bind(result_code)
            .bind(narrative)
            .bind(at)
            .bind(id.to_string())
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::IncidentClosed { id } => {
            step(tx, id, "closed", "closed_at", occurred_at, at).await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

async fn step(
    tx: &mut Tx,
    id: &uuid::Uuid,
    state: &str,
    column: &str,
    occurred_at: &str,
    at: &str,
) -> Result<(), StoreError> {
    sqlx::query(&format!(
        "UPDATE incidents SET state = $1, {column} = $2, updated_at = $3 WHERE id = $4"
    ))
    .bind(state)
    .bind(occurred_at)
    .bind(at)
    .bind(id.to_string())
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An incident as the pages read it, with whole personal data: callers mask it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentRow {
    /// Id.
    pub id: String,
    /// Platform number.
    pub number: String,
    /// External number.
    pub external_number: Option<String>,
    /// Source code.
    pub source: String,
    /// When the call came in.
    pub called_at: String,
    /// When it was entered.
    pub received_at: String,
    /// Caller's name.
    pub caller_name: Option<String>,
    /// Caller's phone.
    pub caller_phone: Option<String>,
    /// Caller's ID number.
    pub caller_id_number: Option<String>,
    /// Address as said.
    pub address_text: String,
    /// Narrative.
    pub narrative: String,
    /// Category at intake: entered, or suggested from the narrative.
    pub category_initial: Option<String>,
    /// The suggestion's confidence, when the initial category was suggested.
    pub suggested_confidence: Option<f64>,
    /// The words that decided the suggestion.
    pub suggested_evidence: Vec<String>,
    /// Final category.
    pub category: Option<String>,
    /// Branch.
    pub branch: Option<String>,
    /// Where a non-police matter went.
    pub branch_note: Option<String>,
    /// Matched standard address.
    pub address_id: Option<String>,
    /// Its text.
    pub address_std: Option<String>,
    /// The node.
    pub node_id: String,
    /// Its name.
    pub node_name: String,
    /// Matcher's confidence.
    pub match_score: Option<f64>,
    /// Longitude.
    pub lng: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// State code.
    pub state: String,
    /// The officer it is with.
    pub assignee_id: Option<String>,
    /// Their name.
    pub assignee_name: Option<String>,
    /// Step times.
    pub triaged_at: Option<String>,
    /// First dispatch.
    pub dispatched_at: Option<String>,
    /// Signed for.
    pub accepted_at: Option<String>,
    /// Set out (出发).
    pub departed_at: Option<String>,
    /// On the spot.
    pub arrived_at: Option<String>,
    /// Feedback given.
    pub handled_at: Option<String>,
    /// Closed.
    pub closed_at: Option<String>,
    /// Result code.
    pub result_code: Option<String>,
    /// Feedback narrative.
    pub feedback: Option<String>,
    /// Flags.
    pub repeat_person: bool,
    /// 一地多起.
    pub repeat_place: bool,
    /// 一类多发.
    pub repeat_category: bool,
}

const COLUMNS: &str = "i.id, i.number, i.external_number, i.source, i.called_at, i.received_at, i.caller_name, \
     i.caller_phone, i.caller_id_number, i.address_text, i.narrative, i.category_initial, i.suggested_confidence, i.suggested_evidence, i.category, i.branch, \
     i.branch_note, i.address_id, a.text AS address_std, i.node_id, n.name AS node_name, i.match_score, i.lng, i.lat, \
     i.state, i.assignee_id, s.name AS assignee_name, i.triaged_at, i.dispatched_at, i.accepted_at, i.departed_at, i.arrived_at, \
     i.handled_at, i.closed_at, i.result_code, i.feedback, i.repeat_person, i.repeat_place, i.repeat_category";
const FROM: &str = "incidents i JOIN jurisdiction_nodes n ON n.id = i.node_id \
     LEFT JOIN std_addresses a ON a.id = i.address_id LEFT JOIN staff s ON s.id = i.assignee_id";

fn row(r: &AnyRow) -> Result<IncidentRow, sqlx::Error> {
    Ok(IncidentRow {
        id: r.try_get("id")?,
        number: r.try_get("number")?,
        external_number: r.try_get("external_number")?,
        source: r.try_get("source")?,
        called_at: r.try_get("called_at")?,
        received_at: r.try_get("received_at")?,
        caller_name: r.try_get("caller_name")?,
        caller_phone: r.try_get("caller_phone")?,
        caller_id_number: r.try_get("caller_id_number")?,
        address_text: r.try_get("address_text")?,
        narrative: r.try_get("narrative")?,
        category_initial: r.try_get("category_initial")?,
        suggested_confidence: r.try_get("suggested_confidence")?,
        suggested_evidence: r
            .try_get::<Option<String>, _>("suggested_evidence")?
            .and_then(|text| serde_json::from_str(&text).ok())
            .unwrap_or_default(),
        category: r.try_get("category")?,
        branch: r.try_get("branch")?,
        branch_note: r.try_get("branch_note")?,
        address_id: r.try_get("address_id")?,
        address_std: r.try_get("address_std")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        match_score: r.try_get("match_score")?,
        lng: r.try_get("lng")?,
        lat: r.try_get("lat")?,
        state: r.try_get("state")?,
        assignee_id: r.try_get("assignee_id")?,
        assignee_name: r.try_get("assignee_name")?,
        triaged_at: r.try_get("triaged_at")?,
        dispatched_at: r.try_get("dispatched_at")?,
        accepted_at: r.try_get("accepted_at")?,
        departed_at: r.try_get("departed_at")?,
        arrived_at: r.try_get("arrived_at")?,
        handled_at: r.try_get("handled_at")?,
        closed_at: r.try_get("closed_at")?,
        result_code: r.try_get("result_code")?,
        feedback: r.try_get("feedback")?,
        repeat_person: r.try_get::<i64, _>("repeat_person")? != 0,
        repeat_place: r.try_get::<i64, _>("repeat_place")? != 0,
        repeat_category: r.try_get::<i64, _>("repeat_category")? != 0,
    })
}

/// A stored feedback photo, without its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PhotoMeta {
    /// Photo id.
    pub id: String,
    /// Content type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// Which incidents a list shows (the board's search): every field narrows the list,
/// an empty one does not. Times are canonical text.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentFilter {
    /// Words in the number (or external number), the address as said or matched, or
    /// the narrative; its digits (three or more, when it is nothing but a number) also
    /// in the caller's phone.
    pub text: Option<String>,
    /// State codes, any of them (all when empty).
    pub states: Vec<String>,
    /// Category codes, any of them: the final category, or else the initial one.
    pub categories: Vec<String>,
    /// Source code.
    pub source: Option<String>,
    /// Called at or after.
    pub called_from: Option<String>,
    /// Called before.
    pub called_before: Option<String>,
    /// Only incidents flagged as repeats (any rule).
    pub repeat: bool,
    /// Only incidents with this officer.
    pub assignee: Option<String>,
    /// Rows skipped.
    pub offset: i64,
    /// Rows returned at most.
    pub limit: i64,
}

impl Default for IncidentFilter {
    fn default() -> Self {
        Self {
            text: None,
            states: Vec::new(),
            categories: Vec::new(),
            source: None,
            called_from: None,
            called_before: None,
            repeat: false,
            assignee: None,
            offset: 0,
            limit: 50,
        }
    }
}

impl IncidentFilter {
    fn conditions(&self, sql: &mut Sql) {
        if let Some(text) = self
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let p = sql.param(like(text));
            let upper = sql.param(like(&text.to_uppercase()));
            let mut alternatives = vec![
                format!("UPPER(i.number) LIKE {upper} ESCAPE '\\'"),
                format!("UPPER(i.external_number) LIKE {upper} ESCAPE '\\'"),
                format!("i.address_text LIKE {p} ESCAPE '\\'"),
                format!("a.text LIKE {p} ESCAPE '\\'"),
                format!("i.narrative LIKE {p} ESCAPE '\\'"),
            ];
            // A number as a caller gives it (138 0013 8000, 138-0013-8000) is digits.
            let digits: String = text.chars().filter(char::is_ascii_digit).collect();
            let only_number = text
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '-' | '+'));
            if only_number && digits.len() >= 3 {
                let d = sql.param(like(&digits));
                alternatives.push(format!("i.caller_phone LIKE {d} ESCAPE '\\'"));
            }
            sql.text
                .push_str(&format!(" AND ({})", alternatives.join(" OR ")));
        }
        let any_of = |sql: &mut Sql, column: &str, values: &[String]| {
            if values.is_empty() {
                return;
            }
            let list: Vec<String> = values.iter().map(|v| sql.param(v.as_str())).collect();
            sql.text
                .push_str(&format!(" AND {column} IN ({})", list.join(", ")));
        };
        any_of(sql, "i.state", &self.states);
        any_of(
            sql,
            "COALESCE(i.category, i.category_initial)",
            &self.categories,
        );
        if let Some(source) = &self.source {
            let p = sql.param(source.as_str());
            sql.text.push_str(&format!(" AND i.source = {p}"));
        }
        if let Some(from) = &self.called_from {
            let p = sql.param(from.as_str());
            sql.text.push_str(&format!(" AND i.called_at >= {p}"));
        }
        if let Some(before) = &self.called_before {
            let p = sql.param(before.as_str());
            sql.text.push_str(&format!(" AND i.called_at < {p}"));
        }
        if self.repeat {
            sql.text.push_str(
                " AND (i.repeat_person <> 0 OR i.repeat_place <> 0 OR i.repeat_category <> 0)",
            );
        }
        if let Some(staff) = &self.assignee {
            let p = sql.param(staff.as_str());
            sql.text.push_str(&format!(" AND i.assignee_id = {p}"));
        }
    }
}

/// A dispatched incident's response as the 1/3/5-minute figures read it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseTime {
    /// Id.
    pub id: String,
    /// Platform number.
    pub number: String,
    /// Its node.
    pub node_id: String,
    /// The unit of the officer who has it.
    pub unit_id: Option<String>,
    /// When the call came in.
    pub called_at: String,
    /// When the officer was on the spot, if yet.
    pub arrived_at: Option<String>,
}

/// What the repeat engine needs of one past incident.
#[derive(Debug, Clone, PartialEq)]
pub struct RepeatInput {
    /// Id.
    pub id: String,
    /// Call time.
    pub called_at: String,
    /// Caller's phone.
    pub caller_phone: Option<String>,
    /// Caller's ID number.
    pub caller_id_number: Option<String>,
    /// Matched address.
    pub address_id: Option<String>,
    /// Point.
    pub lng: Option<f64>,
    /// Point.
    pub lat: Option<f64>,
    /// Category at intake (final when triaged).
    pub category: Option<String>,
    /// Node.
    pub node_id: String,
}

impl Store {
    /// One incident.
    pub async fn incident(&self, id: &str) -> Result<Option<IncidentRow>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {COLUMNS} FROM {FROM} WHERE i.id = $1"))
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.first().map(row).transpose().map_err(StoreError::from)
    }

    /// The incident with an external number, if any.
    pub async fn incident_by_external_number(
        &self,
        number: &str,
    ) -> Result<Option<IncidentRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE i.external_number = $1"
        ))
        .bind(number)
        .fetch_all(&self.pool)
        .await?;
        rows.first().map(row).transpose().map_err(StoreError::from)
    }

    /// Incidents in scope in the given states (all when empty), or with one officer,
    /// newest call first, at most `limit`.
    pub async fn incidents(
        &self,
        scope: &Scope,
        states: &[&str],
        assignee: Option<&str>,
        limit: i64,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        let filter = IncidentFilter {
            states: states.iter().map(|s| (*s).to_owned()).collect(),
            assignee: assignee.map(str::to_owned),
            limit: limit.clamp(1, 5000),
            ..IncidentFilter::default()
        };
        Ok(self.incident_list(scope, &filter, false).await?.0)
    }

    /// One page of the incidents in scope that pass the filter, newest call first, and
    /// how many pass it in all (`counted`; otherwise the total is the page's length).
    /// Everything is decided in SQL, so the total and the page never see another
    /// jurisdiction and nothing is capped before it is filtered.
    pub async fn incident_list(
        &self,
        scope: &Scope,
        filter: &IncidentFilter,
        counted: bool,
    ) -> Result<(Vec<IncidentRow>, i64), StoreError> {
        let mut sql = Sql::new(format!("FROM {FROM} WHERE 1 = 1"));
        sql.scope("i.node_id", scope);
        filter.conditions(&mut sql);
        let page = Sql {
            text: format!(
                "SELECT {COLUMNS} {} ORDER BY i.called_at DESC, i.number DESC LIMIT {} OFFSET {}",
                sql.text,
                filter.limit.clamp(1, 5000),
                filter.offset.max(0)
            ),
            params: sql.params.clone(),
        };
        let rows = page.fetch(self, row).await?;
        if !counted {
            let n = i64::try_from(rows.len()).unwrap_or(i64::MAX);
            return Ok((rows, n));
        }
        let count = Sql {
            text: format!("SELECT COUNT(*) AS n {}", sql.text),
            params: sql.params,
        };
        let total = count
            .fetch(self, |r| r.try_get::<i64, _>("n"))
            .await?
            .first()
            .copied()
            .unwrap_or(0);
        Ok((rows, total))
    }

    /// The node an incident belongs to, if the incident exists.
    pub async fn incident_node(&self, id: &str) -> Result<Option<String>, StoreError> {
        let rows = sqlx::query("SELECT node_id FROM incidents WHERE id = $1")
            .bind(id)
            .fetch_all(&self.pool)
            .await?;
        rows.first()
            .map(|r| r.try_get("node_id"))
            .transpose()
            .map_err(StoreError::from)
    }

    /// The incidents at a standard address, newest first (一地多起 at a glance).
    pub async fn incidents_at(
        &self,
        address_id: &str,
        limit: i64,
    ) -> Result<Vec<IncidentRow>, StoreError> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM {FROM} WHERE i.address_id = $1 ORDER BY i.called_at DESC LIMIT {}",
            limit.clamp(1, 1000)
        ))
        .bind(address_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| row(r).map_err(StoreError::from))
            .collect()
    }

    /// The earlier incidents behind an incident's repeat flags: (rule, id, number).
    pub async fn incident_repeats(
        &self,
        id: &str,
    ) -> Result<Vec<(String, String, String)>, StoreError> {
        let rows = sqlx::query(
            "SELECT r.rule, r.earlier_id, COALESCE(e.number, r.earlier_id) FROM incident_repeats r \
             LEFT JOIN incidents e ON e.id = r.earlier_id WHERE r.incident_id = $1 ORDER BY r.rule, e.called_at",
        )
        .bind(id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// The dispatched incidents in scope called in `[from, to)`, with the times the
    /// 1/3/5-minute figures are computed from and the unit of the officer who has it.
    pub async fn response_times(
        &self,
        scope: &Scope,
        from: &str,
        to: &str,
    ) -> Result<Vec<ResponseTime>, StoreError> {
        let (condition, mut params) = scope.condition("i.node_id", 1);
        params.push(from.to_owned());
        params.push(to.to_owned());
        let sql = format!(
            "SELECT i.id, i.number, i.node_id, s.unit_id, i.called_at, i.arrived_at FROM incidents i \
             LEFT JOIN staff s ON s.id = i.assignee_id WHERE {condition} AND i.dispatched_at IS NOT NULL \
             AND i.called_at >= ${} AND i.called_at < ${} ORDER BY i.called_at",
            params.len() - 1,
            params.len()
        );
        let mut query = sqlx::query(&sql);
        for p in &params {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                Ok(ResponseTime {
                    id: r.try_get("id")?,
                    number: r.try_get("number")?,
                    node_id: r.try_get("node_id")?,
                    unit_id: r.try_get("unit_id")?,
                    called_at: r.try_get("called_at")?,
                    arrived_at: r.try_get("arrived_at")?,
                })
            })
            .collect()
    }

    /// How many incident numbers start with `prefix` (the day's serial).
    pub async fn incident_numbers_with(&self, prefix: &str) -> Result<i64, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM incidents WHERE number LIKE $1")
            .bind(format!("{prefix}%"))
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Every incident called at or after `since`, in call order, as the repeat
    /// engine reads them.
    pub async fn repeat_inputs(&self, since: &str) -> Result<Vec<RepeatInput>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, called_at, caller_phone, caller_id_number, address_id, lng, lat, \
             COALESCE(category, category_initial) AS category, node_id FROM incidents \
             WHERE called_at >= $1 ORDER BY called_at, received_at, id",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(RepeatInput {
                    id: r.try_get("id")?,
                    called_at: r.try_get("called_at")?,
                    caller_phone: r.try_get("caller_phone")?,
                    caller_id_number: r.try_get("caller_id_number")?,
                    address_id: r.try_get("address_id")?,
                    lng: r.try_get("lng")?,
                    lat: r.try_get("lat")?,
                    category: r.try_get("category")?,
                    node_id: r.try_get("node_id")?,
                })
            })
            .collect()
    }

    /// Open incidents per officer (派警未办结), for the dispatch recommendation's load.
    pub async fn open_load(&self) -> Result<Vec<(String, i64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT assignee_id, COUNT(*) FROM incidents WHERE assignee_id IS NOT NULL \
             AND state IN ('dispatched', 'accepted', 'departed', 'arrived') GROUP BY assignee_id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The feedback photos of an incident, oldest first, without their bytes.
    pub async fn incident_photos(&self, incident_id: &str) -> Result<Vec<PhotoMeta>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, content_type, size, sha256 FROM incident_photos WHERE incident_id = $1 \
             ORDER BY created_at, id",
        )
        .bind(incident_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PhotoMeta {
                    id: r.try_get(0)?,
                    content_type: r.try_get(1)?,
                    size: r.try_get(2)?,
                    sha256: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// One photo of an incident, with its bytes: (content type, bytes).
    pub async fn incident_photo(
        &self,
        incident_id: &str,
        photo_id: &str,
    ) -> Result<Option<(String, Vec<u8>)>, StoreError> {
        let row = sqlx::query(
            "SELECT content_type, data FROM incident_photos WHERE incident_id = $1 AND id = $2",
        )
        .bind(incident_id)
        .bind(photo_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row
            .map(|r| Ok::<_, sqlx::Error>((r.try_get(0)?, r.try_get(1)?)))
            .transpose()?)
    }
}
