//! Appending to the event log and reading it back.
//!
//! [`Store::commit`] is the only way anything changes: it appends the events, chains
//! them, applies them to the read models and performs the few side writes that must
//! not be events (secrets), all in one transaction (shared with concurrent callers,
//! each in its own savepoint: `group.rs`).

use fengqiao_domain::{Actor, DomainEvent, StreamRef, Timestamp};
use sqlx::{Any, Row, Transaction};

use crate::chain::ChainedFields;
use crate::group::Request;
use crate::{Store, StoreError, project};

/// What a writer believes the stream's version to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExpectedVersion {
    /// No check: for streams with a single natural writer (code tables, the probe).
    Any,
    /// The stream must not exist yet.
    NoStream,
    /// The stream must be at exactly this version.
    Exact(i64),
}

/// Events for one stream, with the version the writer read before deciding them.
#[derive(Debug, Clone)]
pub struct Commit {
    /// The stream all events belong to.
    pub stream: StreamRef,
    /// Optimistic-concurrency check.
    pub expected: ExpectedVersion,
    /// The events, in order.
    pub events: Vec<DomainEvent>,
    /// When the events happened in the world (a call's time may precede its entry).
    pub occurred_at: Timestamp,
}

impl Commit {
    /// A commit of events that happen now.
    pub fn now(stream: StreamRef, expected: ExpectedVersion, events: Vec<DomainEvent>) -> Self {
        Self {
            stream,
            expected,
            events,
            occurred_at: Timestamp::now(),
        }
    }
}

/// Writes that belong with a commit but are not events: secrets that the log, which is
/// exported for audit, must never contain, and blobs too large for it (photos), which
/// the commit's events name by their hash.
#[derive(Debug, Clone)]
pub enum SideWrite {
    /// Store a feedback photo of an incident; its `IncidentHandled` event names it.
    StorePhoto {
        /// The photo's id.
        id: String,
        /// The incident.
        incident_id: String,
        /// Checked content type.
        content_type: String,
        /// SHA-256, lowercase hex.
        sha256: String,
        /// The bytes.
        data: Vec<u8>,
    },
    /// Store a user's password hash (PHC string).
    SetPasswordHash {
        /// The account.
        user_id: String,
        /// argon2id PHC string.
        hash: String,
    },
    /// Store a user's TOTP secret (base32).
    SetTotpSecret {
        /// The account.
        user_id: String,
        /// The shared secret.
        secret: String,
    },
    /// Store the hash of a newly issued API token.
    SetApiTokenHash {
        /// The token's id.
        token_id: String,
        /// SM3 hash of the token (see [`crate::token_hash`]).
        hash: String,
    },
}

/// An event as the log holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredEvent {
    /// Position in the log, from 1 without gaps.
    pub seq: i64,
    /// The record.
    pub stream_kind: String,
    /// The record's id.
    pub stream_id: String,
    /// The record's version after this event.
    pub stream_version: i64,
    /// Event kind.
    pub kind: String,
    /// Canonical JSON payload.
    pub payload: String,
    /// Who did it.
    pub actor: String,
    /// When it happened.
    pub occurred_at: String,
    /// When it was written.
    pub recorded_at: String,
    /// Hash of the previous event.
    pub prev_hash: String,
    /// SM3 hash of this event.
    pub hash: String,
}

impl StoredEvent {
    pub(crate) fn chained(&self) -> ChainedFields<'_> {
        ChainedFields {
            seq: self.seq,
            stream_kind: &self.stream_kind,
            stream_id: &self.stream_id,
            stream_version: self.stream_version,
            kind: &self.kind,
            payload: &self.payload,
            actor: &self.actor,
            occurred_at: &self.occurred_at,
            recorded_at: &self.recorded_at,
            prev_hash: &self.prev_hash,
        }
    }

    pub(crate) fn from_row(row: &sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
        Ok(Self {
            seq: row.try_get("seq")?,
            stream_kind: row.try_get("stream_kind")?,
            stream_id: row.try_get("stream_id")?,
            stream_version: row.try_get("stream_version")?,
            kind: row.try_get("kind")?,
            payload: row.try_get("payload")?,
            actor: row.try_get("actor")?,
            occurred_at: row.try_get("occurred_at")?,
            recorded_at: row.try_get("recorded_at")?,
            prev_hash: row.try_get("prev_hash")?,
            hash: row.try_get("hash")?,
        })
    }
}

pub(crate) const EVENT_COLUMNS: &str = "seq, stream_kind, stream_id, stream_version, kind, payload, actor, occurred_at, recorded_at, prev_hash, hash";

impl Store {
    /// Appends the commits' events and applies them, atomically: either everything is
    /// written or nothing is. A version conflict on any stream aborts the whole call.
    ///
    /// Concurrent calls are grouped into one database transaction (see `group.rs`),
    /// each inside its own savepoint, so a failing call writes nothing and costs the
    /// others nothing; Ok is returned only once the transaction has committed.
    pub async fn commit(
        &self,
        actor: &Actor,
        commits: &[Commit],
        side_writes: &[SideWrite],
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.group.submit(
            &self.pool,
            &self.changes,
            Request {
                actor: actor.to_string(),
                commits: commits.to_vec(),
                side_writes: side_writes.to_vec(),
                reply,
            },
        );
        let answer = answer.await.unwrap_or_else(|_| {
            Err(StoreError::Database(sqlx::Error::Protocol(
                "the commit's writer stopped before answering; the commit may not have been written".into(),
            )))
        });
        // After the COMMIT: copies of code tables, settings and the address index's key
        // read before it are stale, unless only incidents changed.
        if commits.iter().any(|c| c.stream.kind != "incident") || !side_writes.is_empty() {
            self.cache.bump();
        }
        answer
    }

    /// The whole history of one record, oldest first.
    pub async fn timeline(&self, stream: &StreamRef) -> Result<Vec<StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {EVENT_COLUMNS} FROM events WHERE stream_kind = $1 AND stream_id = $2 ORDER BY stream_version"
        );
        let rows = sqlx::query(&sql)
            .bind(&stream.kind)
            .bind(&stream.id)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| StoredEvent::from_row(r).map_err(StoreError::from))
            .collect()
    }

    /// The current version of a stream (0 when it has no events).
    pub async fn stream_version(&self, stream: &StreamRef) -> Result<i64, StoreError> {
        let row = sqlx::query(
            "SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream_kind = $1 AND stream_id = $2",
        )
        .bind(&stream.kind)
        .bind(&stream.id)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// Events with `seq` greater than `after`, at most `limit`, in log order.
    pub async fn events_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StoreError> {
        let sql =
            format!("SELECT {EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2");
        let rows = sqlx::query(&sql)
            .bind(after)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| StoredEvent::from_row(r).map_err(StoreError::from))
            .collect()
    }

    /// The number of events in the log and the count per stream kind (for the probe's
    /// guard and for metrics).
    pub async fn event_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query("SELECT COUNT(*) FROM events")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?)
    }

    /// Whether the log holds any event outside the given stream kind.
    pub async fn has_events_other_than(&self, stream_kind: &str) -> Result<bool, StoreError> {
        let row = sqlx::query("SELECT COUNT(*) FROM events WHERE stream_kind <> $1")
            .bind(stream_kind)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }
}

/// Appends one caller's commits and side writes inside the batch's transaction,
/// advancing `seq` and `prev_hash`. On error the caller rolls back what it wrote.
pub(crate) async fn append_one(
    tx: &mut Transaction<'static, Any>,
    request: &Request,
    seq: &mut i64,
    prev_hash: &mut String,
) -> Result<Vec<StoredEvent>, StoreError> {
    let actor = &request.actor;
    let recorded_at = Timestamp::now().to_string();
    let mut written = Vec::new();
    for commit in &request.commits {
        let mut version = check_version(tx, commit).await?;
        let occurred_at = commit.occurred_at.to_string();
        for event in &commit.events {
            if event.stream() != commit.stream {
                return Err(StoreError::Constraint(format!(
                    "event {:?} belongs to {}, not to {}",
                    event.to_parts().0,
                    event.stream(),
                    commit.stream
                )));
            }
            *seq += 1;
            version += 1;
            let (kind, payload) = event.to_parts();
            let mut stored = StoredEvent {
                seq: *seq,
                stream_kind: commit.stream.kind.clone(),
                stream_id: commit.stream.id.clone(),
                stream_version: version,
                kind,
                payload,
                actor: actor.clone(),
                occurred_at: occurred_at.clone(),
                recorded_at: recorded_at.clone(),
                prev_hash: prev_hash.clone(),
                hash: String::new(),
            };
            stored.hash = stored.chained().hash();
            insert_event(tx, &stored).await?;
            project::apply(tx, event, &stored.recorded_at, (&occurred_at, actor)).await?;
            prev_hash.clone_from(&stored.hash);
            written.push(stored);
        }
    }
    for write in &request.side_writes {
        apply_side_write(tx, write).await?;
    }
    Ok(written)
}

/// Moves the head row to the last event written.
pub(crate) async fn write_head(
    tx: &mut Transaction<'static, Any>,
    seq: i64,
    hash: &str,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE log_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn check_version(
    tx: &mut Transaction<'static, Any>,
    commit: &Commit,
) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "SELECT COALESCE(MAX(stream_version), 0) FROM events WHERE stream_kind = $1 AND stream_id = $2",
    )
    .bind(&commit.stream.kind)
    .bind(&commit.stream.id)
    .fetch_one(&mut **tx)
    .await?;
    let actual: i64 = row.try_get(0)?;
    let conflict = |expected: String| StoreError::VersionConflict {
        stream: commit.stream.clone(),
        expected,
        actual,
    };
    match commit.expected {
        ExpectedVersion::Any => Ok(actual),
        ExpectedVersion::NoStream if actual == 0 => Ok(0),
        ExpectedVersion::NoStream => Err(conflict("none (a new record)".into())),
        ExpectedVersion::Exact(v) if v == actual => Ok(actual),
        ExpectedVersion::Exact(v) => Err(conflict(v.to_string())),
    }
}

async fn insert_event(
    tx: &mut Transaction<'static, Any>,
    e: &StoredEvent,
) -> Result<(), StoreError> {
    let sql = format!(
        "INSERT INTO events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    sqlx::query(&sql)
        .bind(e.seq)
        .bind(&e.stream_kind)
        .bind(&e.stream_id)
        .bind(e.stream_version)
        .bind(&e.kind)
        .bind(&e.payload)
        .bind(&e.actor)
        .bind(&e.occurred_at)
        .bind(&e.recorded_at)
        .bind(&e.prev_hash)
        .bind(&e.hash)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn apply_side_write(
    tx: &mut Transaction<'static, Any>,
    write: &SideWrite,
) -> Result<(), StoreError> {
    match write {
        SideWrite::StorePhoto {
            id,
            incident_id,
            content_type,
            sha256,
            data,
        } => {
            sqlx::query(
                "INSERT INTO incident_photos (id, incident_id, content_type, size, sha256, data, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(incident_id)
            .bind(content_type)
            .bind(i64::try_from(data.len()).unwrap_or(i64::MAX))
            .bind(sha256)
            .bind(data.clone())
            .bind(fengqiao_domain::Timestamp::now().to_string())
            .execute(&mut **tx)
            .await?;
        }
        SideWrite::SetPasswordHash { user_id, hash } => {
            let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Constraint(format!("no user with id {user_id}")));
            }
        }
        SideWrite::SetTotpSecret { user_id, secret } => {
            let done = sqlx::query("UPDATE users SET totp_secret = $1 WHERE id = $2")
                .bind(secret)
                .bind(user_id)
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Constraint(format!("no user with id {user_id}")));
            }
        }
        SideWrite::SetApiTokenHash { token_id, hash } => {
            let done = sqlx::query("UPDATE api_tokens SET token_hash = $1 WHERE id = $2")
                .bind(hash)
                .bind(token_id)
                .execute(&mut **tx)
                .await?;
            if done.rows_affected() != 1 {
                return Err(StoreError::Constraint(format!(
                    "no API token with id {token_id}"
                )));
            }
        }
    }
    Ok(())
}
