//! Checking the event log (`fengqiao audit verify`) and signing off its head
//! (`fengqiao audit head`).
//!
//! The chain proves that no event was edited, removed or moved; it cannot by itself
//! prove that the newest events were not cut off. Checkpoints do: a signed-off copy of
//! the head (seq and hash) kept off the machine must still be found in the log.

use fengqiao_domain::Timestamp;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use crate::chain::GENESIS_HASH;
use crate::log::{EVENT_COLUMNS, StoredEvent};
use crate::{Store, StoreError};

/// A signed-off record of the log's head at one moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last event's position.
    pub seq: i64,
    /// The last event's hash.
    pub hash: String,
    /// Who signed it off.
    pub signed_by: String,
    /// When.
    pub created_at: String,
}

/// The outcome of verifying the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// How many events were read.
    pub events_checked: i64,
    /// The last event's position (0 for an empty log).
    pub head_seq: i64,
    /// The last event's hash.
    pub head_hash: String,
    /// How many checkpoints were compared with the log.
    pub checkpoints_checked: usize,
    /// The first problem found, if any: where and what.
    pub first_break: Option<String>,
}

impl VerifyReport {
    /// Whether the log is intact.
    pub fn is_intact(&self) -> bool {
        self.first_break.is_none()
    }
}

const PAGE: i64 = 5_000;

impl Store {
    /// Recomputes the whole chain and compares it with the stored checkpoints and with
    /// `external` ones (exported earlier with [`Store::sign_off_head`]).
    pub async fn verify_log(&self, external: &[Checkpoint]) -> Result<VerifyReport, StoreError> {
        let mut report = VerifyReport {
            events_checked: 0,
            head_seq: 0,
            head_hash: GENESIS_HASH.to_owned(),
            checkpoints_checked: 0,
            first_break: None,
        };
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2");
        'pages: loop {
            let rows = sqlx::query(&sql)
                .bind(report.head_seq)
                .bind(PAGE)
                .fetch_all(&self.pool)
                .await?;
            if rows.is_empty() {
                break;
            }
            for row in &rows {
                let event = StoredEvent::from_row(row)?;
                if let Some(problem) = check_link(&report, &event) {
                    report.first_break = Some(problem);
                    break 'pages;
                }
                report.events_checked += 1;
                report.head_seq = event.seq;
                report.head_hash = event.hash;
            }
        }
        if report.first_break.is_none() {
            report.first_break = self.check_head_row(&report).await?;
        }
        let mut checkpoints = self.checkpoints().await?;
        checkpoints.extend_from_slice(external);
        for checkpoint in &checkpoints {
            if report.first_break.is_some() {
                break;
            }
            report.checkpoints_checked += 1;
            report.first_break = self.check_checkpoint(checkpoint, report.head_seq).await?;
        }
        Ok(report)
    }

    /// Records a checkpoint of the current head, signed off by `signed_by`, and returns
    /// it for export off the machine.
    pub async fn sign_off_head(&self, signed_by: &str) -> Result<Checkpoint, StoreError> {
        let mut tx = self.pool.begin().await?;
        let head = sqlx::query("UPDATE log_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await?;
        let checkpoint = Checkpoint {
            seq: head.try_get(0)?,
            hash: head.try_get(1)?,
            signed_by: signed_by.to_owned(),
            created_at: Timestamp::now().to_string(),
        };
        sqlx::query("INSERT INTO audit_checkpoints (seq, hash, signed_by, created_at) VALUES ($1, $2, $3, $4)")
            .bind(checkpoint.seq)
            .bind(&checkpoint.hash)
            .bind(&checkpoint.signed_by)
            .bind(&checkpoint.created_at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(checkpoint)
    }

    /// The checkpoints recorded in the database, oldest first.
    pub async fn checkpoints(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let rows = sqlx::query(
            "SELECT seq, hash, signed_by, created_at FROM audit_checkpoints ORDER BY id",
        )
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Checkpoint {
                    seq: r.try_get(0)?,
                    hash: r.try_get(1)?,
                    signed_by: r.try_get(2)?,
                    created_at: r.try_get(3)?,
                })
            })
            .collect()
    }

    async fn check_head_row(&self, report: &VerifyReport) -> Result<Option<String>, StoreError> {
        let head = sqlx::query("SELECT seq, hash FROM log_head WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        let (seq, hash): (i64, String) = (head.try_get(0)?, head.try_get(1)?);
        Ok((seq != report.head_seq || hash != report.head_hash).then(|| {
            format!(
                "the log ends at event {} but its head record names event {seq}: events after {} were removed (truncated log)",
                report.head_seq, report.head_seq
            )
        }))
    }

    async fn check_checkpoint(
        &self,
        checkpoint: &Checkpoint,
        head_seq: i64,
    ) -> Result<Option<String>, StoreError> {
        if checkpoint.seq == 0 {
            return Ok(None);
        }
        if checkpoint.seq > head_seq {
            return Ok(Some(format!(
                "checkpoint signed off by {} at {} names event {}, but the log ends at event {head_seq}: the log was truncated",
                checkpoint.signed_by, checkpoint.created_at, checkpoint.seq
            )));
        }
        let row = sqlx::query("SELECT hash FROM events WHERE seq = $1")
            .bind(checkpoint.seq)
            .fetch_optional(&self.pool)
            .await?;
        let stored: Option<String> = row.map(|r| r.try_get(0)).transpose()?;
        Ok((stored.as_deref() != Some(checkpoint.hash.as_str())).then(|| {
            format!(
                "event {} does not have the hash of the checkpoint signed off by {} at {}: the log was rewritten",
                checkpoint.seq, checkpoint.signed_by, checkpoint.created_at
            )
        }))
    }
}

/// The first problem with `event` as the successor of what the report has read so far.
fn check_link(report: &VerifyReport, event: &StoredEvent) -> Option<String> {
    let expected_seq = report.head_seq + 1;
    let place = format!(
        "event {} ({}/{} v{})",
        event.seq, event.stream_kind, event.stream_id, event.stream_version
    );
    if event.seq != expected_seq {
        return Some(format!(
            "{place}: expected event {expected_seq} next; events {expected_seq}..{} are missing (deleted)",
            event.seq - 1
        ));
    }
    if event.prev_hash != report.head_hash {
        return Some(format!(
            "{place}: its previous-hash does not match event {}'s hash (an event was removed, replaced or reordered)",
            report.head_seq
        ));
    }
    if event.chained().hash() != event.hash {
        return Some(format!(
            "{place}: its contents do not match its hash (the event was edited)"
        ));
    }
    None
}
