//! The duty roster's read model (值班表) and what the dispatch recommendation reads
//! beside it: each officer's last known position and their posts' locations.

use fengqiao_domain::DomainEvent;
use fengqiao_domain::duty::{ShiftDays, ShiftFields};
use serde::Serialize;
use sqlx::{Any, Row, Transaction};

use crate::{Scope, Store, StoreError};

type Tx = Transaction<'static, Any>;

/// Applies one roster event. Returns `false` for events that are not the roster's.
pub(crate) async fn apply(tx: &mut Tx, event: &DomainEvent, at: &str) -> Result<bool, StoreError> {
    match event {
        DomainEvent::ShiftSaved {
            id,
            staff_id,
            shift,
        } => {
            let (date, weekday) = match &shift.days {
                ShiftDays::Date(d) => (Some(d.clone()), None),
                ShiftDays::Weekday(w) => (None, Some(i64::from(*w))),
            };
            sqlx::query(
                "INSERT INTO staff_shifts (id, staff_id, shift_date, weekday, start_time, end_time, kind, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (id) DO UPDATE SET shift_date = excluded.shift_date, weekday = excluded.weekday, \
                 start_time = excluded.start_time, end_time = excluded.end_time, kind = excluded.kind, \
                 updated_at = excluded.updated_at",
            )
            .bind(id.to_string())
            .bind(staff_id.to_string())
            .bind(date)
            .bind(weekday)
            .bind(&shift.start)
            .bind(&shift.end)
            .bind(shift.kind.as_str())
            .bind(at)
            .execute(&mut **tx)
            .await?;
        }
        DomainEvent::ShiftRemoved { id, .. } => {
            sqlx::query("DELETE FROM staff_shifts WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut **tx)
                .await?;
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// One shift of the roster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShiftRow {
    /// Shift id.
    pub id: String,
    /// Whose.
    pub staff_id: String,
    /// The shift.
    pub shift: ShiftFields,
}

/// Where an officer was last known to be, and from what.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Position {
    /// Staff id.
    pub staff_id: String,
    /// Longitude.
    pub lng: f64,
    /// Latitude.
    pub lat: f64,
    /// When (the arrival), canonical text.
    pub at: String,
}

impl Store {
    /// The shifts of the staff in scope (by their home node or a pairing), by person:
    /// the weekly ones by weekday, then the dated ones by date, each by start.
    pub async fn shifts(&self, scope: &Scope) -> Result<Vec<ShiftRow>, StoreError> {
        let (home, params) = scope.condition("s.node_id", 1);
        let (paired, _) = scope.condition("a.node_id", 1);
        let sql = format!(
            "SELECT h.id, h.staff_id, h.shift_date, h.weekday, h.start_time, h.end_time, h.kind \
             FROM staff_shifts h JOIN staff s ON s.id = h.staff_id WHERE ({home} \
             OR EXISTS (SELECT 1 FROM staff_assignments a WHERE a.staff_id = s.id AND {paired})) \
             ORDER BY h.staff_id, COALESCE(h.shift_date, ''), COALESCE(h.weekday, 0), h.start_time, h.id"
        );
        let mut query = sqlx::query(&sql);
        for p in &params {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| {
                let date: Option<String> = r.try_get("shift_date")?;
                let weekday: Option<i64> = r.try_get("weekday")?;
                let days = match (date, weekday) {
                    (Some(d), _) => ShiftDays::Date(d),
                    (None, w) => {
                        ShiftDays::Weekday(w.and_then(|w| u8::try_from(w).ok()).unwrap_or_default())
                    }
                };
                let kind: String = r.try_get("kind")?;
                Ok(ShiftRow {
                    id: r.try_get("id")?,
                    staff_id: r.try_get("staff_id")?,
                    shift: ShiftFields {
                        days,
                        start: r.try_get("start_time")?,
                        end: r.try_get("end_time")?,
                        kind: kind.parse().map_err(|e: fengqiao_domain::DomainError| {
                            StoreError::Constraint(e.to_string())
                        })?,
                    },
                })
            })
            .collect()
    }

    /// The staff member a shift belongs to, if the shift exists.
    pub async fn shift_owner(&self, id: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT staff_id FROM staff_shifts WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Each officer's last known position: the point of the last incident they arrived
    /// at, when it had one.
    pub async fn last_positions(&self) -> Result<Vec<Position>, StoreError> {
        let rows = sqlx::query(
            "SELECT i.assignee_id, i.lng, i.lat, i.arrived_at FROM incidents i \
             WHERE i.assignee_id IS NOT NULL AND i.arrived_at IS NOT NULL AND i.lng IS NOT NULL \
             AND i.lat IS NOT NULL AND NOT EXISTS (SELECT 1 FROM incidents j \
             WHERE j.assignee_id = i.assignee_id AND j.arrived_at IS NOT NULL AND j.lng IS NOT NULL \
             AND j.lat IS NOT NULL AND (j.arrived_at > i.arrived_at OR (j.arrived_at = i.arrived_at AND j.id > i.id)))",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Position {
                    staff_id: r.try_get(0)?,
                    lng: r.try_get(1)?,
                    lat: r.try_get(2)?,
                    at: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// The posts with a location: (node id, post kind, longitude, latitude), police
    /// offices (警务室) first.
    pub async fn post_locations(&self) -> Result<Vec<(String, String, f64, f64)>, StoreError> {
        let rows = sqlx::query(
            "SELECT node_id, kind, lng, lat FROM posts WHERE lng IS NOT NULL AND lat IS NOT NULL \
             ORDER BY CASE WHEN kind = 'police_office' THEN 0 ELSE 1 END, created_at, id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?, r.try_get(3)?)))
            .collect()
    }
}
