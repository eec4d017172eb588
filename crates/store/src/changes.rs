//! Announcing committed changes: which incidents a commit touched, told to whoever
//! listens in this process and, on PostgreSQL, to every other server on the database.
//!
//! The group commit's writer announces a batch on a [`tokio::sync::broadcast`] channel
//! after its COMMIT has succeeded, never before, so a listener that reads the incident
//! then sees what was announced. On PostgreSQL the writer also runs `pg_notify` inside
//! the batch's transaction, just before the COMMIT: PostgreSQL delivers a notification
//! only when its transaction commits, so a rolled-back batch announces nothing anywhere.
//! Every store on PostgreSQL that has a subscriber LISTENs (one `PgListener` per store,
//! started by the first [`Store::subscribe`]) and forwards what other servers
//! committed into its own channel; its own notifications it has already announced.
//! When announcements may have been lost (a subscriber fell behind, the listener's
//! connection dropped and came back), subscribers get [`Change::Resync`] and re-read.

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgListener, PgPoolOptions};
use sqlx::{Any, Transaction};
use tokio::sync::{broadcast, watch};

use crate::log::StoredEvent;
use crate::{Store, StoreError};

/// The PostgreSQL channel every fengqiao server notifies and listens on. Stores in
/// other schemas of the same database (tests) share it; the payload names the schema.
pub(crate) const CHANNEL: &str = "fengqiao_changes";

/// The stream kinds whose commits are announced.
const ANNOUNCED: &[&str] = &["incident"];

/// How many announcements a slow subscriber may fall behind before it gets a resync.
const CAPACITY: usize = 1024;

/// PostgreSQL limits a payload to 8,000 bytes; stay well below.
const MAX_PAYLOAD: usize = 7000;

/// Something a subscriber should know about the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// A stream's events up to `seq` are committed.
    Committed {
        /// The stream kind (`incident`).
        stream_kind: String,
        /// The record's id.
        stream_id: String,
        /// The last event of the commit in the log.
        seq: i64,
    },
    /// Announcements may have been lost: re-read whatever is shown.
    Resync,
}

/// The feed of one store, shared by its clones.
pub(crate) struct Changes {
    sender: broadcast::Sender<Change>,
    /// Identifies this store's own notifications, which it has announced already.
    instance: String,
    postgres: Option<Postgres>,
}

/// What listening and notifying on PostgreSQL need.
struct Postgres {
    url: String,
    /// The store's schema (`current_schema()`), so stores in other schemas ignore us.
    schema: String,
    /// Whether the listener has been started.
    started: tokio::sync::OnceCell<()>,
    /// Dropped (or set) when the store goes away: the listener then stops.
    stop: Mutex<Option<watch::Sender<bool>>>,
}

impl std::fmt::Debug for Changes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Changes")
            .field("instance", &self.instance)
            .field("postgres", &self.postgres.is_some())
            .finish_non_exhaustive()
    }
}

impl Changes {
    /// The feed of a SQLite store: in process only.
    pub(crate) fn in_process() -> Arc<Self> {
        Arc::new(Self {
            sender: broadcast::channel(CAPACITY).0,
            instance: uuid::Uuid::now_v7().simple().to_string(),
            postgres: None,
        })
    }

    /// The feed of a PostgreSQL store in `schema`.
    pub(crate) fn postgres(url: &str, schema: String) -> Arc<Self> {
        Arc::new(Self {
            sender: broadcast::channel(CAPACITY).0,
            instance: uuid::Uuid::now_v7().simple().to_string(),
            postgres: Some(Postgres {
                url: url.to_owned(),
                schema,
                started: tokio::sync::OnceCell::new(),
                stop: Mutex::new(None),
            }),
        })
    }

    /// Inside the batch's transaction, just before its COMMIT: tells the other servers
    /// on PostgreSQL what the batch changed (delivered only if the COMMIT succeeds).
    pub(crate) async fn notify_in(
        &self,
        tx: &mut Transaction<'static, Any>,
        written: &[&StoredEvent],
    ) -> Result<(), StoreError> {
        let Some(pg) = &self.postgres else {
            return Ok(());
        };
        let changes = announced(written);
        if changes.is_empty() {
            return Ok(());
        }
        let head = format!("{}\n{}", pg.schema, self.instance);
        let mut payload = head.clone();
        for change in &changes {
            let Change::Committed {
                stream_kind,
                stream_id,
                seq,
            } = change
            else {
                continue;
            };
            let line = format!("\n{seq} {stream_kind} {stream_id}");
            if payload.len() + line.len() > MAX_PAYLOAD {
                pg_notify(tx, &payload).await?;
                payload.clone_from(&head);
            }
            payload.push_str(&line);
        }
        pg_notify(tx, &payload).await
    }

    /// After the batch's COMMIT: tells this process's subscribers.
    pub(crate) fn announce(&self, written: &[&StoredEvent]) {
        for change in announced(written) {
            // No subscriber is not an error: nobody is watching.
            let _ = self.sender.send(change);
        }
    }

    /// Stops the listener, if any.
    pub(crate) fn stop(&self) {
        if let Some(pg) = &self.postgres
            && let Some(stop) = pg.stop.lock().unwrap_or_else(|p| p.into_inner()).take()
        {
            let _ = stop.send(true);
        }
    }
}

/// The announced streams of a batch, each once, with its last seq, in log order.
fn announced(written: &[&StoredEvent]) -> Vec<Change> {
    let mut last: Vec<(&str, &str, i64)> = Vec::new();
    for event in written
        .iter()
        .filter(|e| ANNOUNCED.contains(&e.stream_kind.as_str()))
    {
        match last
            .iter_mut()
            .find(|(k, id, _)| *k == event.stream_kind && *id == event.stream_id)
        {
            Some(entry) => entry.2 = entry.2.max(event.seq),
            None => last.push((&event.stream_kind, &event.stream_id, event.seq)),
        }
    }
    last.sort_by_key(|(_, _, seq)| *seq);
    last.into_iter()
        .map(|(kind, id, seq)| Change::Committed {
            stream_kind: kind.to_owned(),
            stream_id: id.to_owned(),
            seq,
        })
        .collect()
}

async fn pg_notify(tx: &mut Transaction<'static, Any>, payload: &str) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(payload)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The changes of a notification from another server on the same schema; `None` for
/// our own notifications, other schemas' and anything unreadable.
fn parse_payload(payload: &str, schema: &str, instance: &str) -> Option<Vec<Change>> {
    let mut lines = payload.split('\n');
    if lines.next()? != schema || lines.next()? == instance {
        return None;
    }
    Some(
        lines
            .filter_map(|line| {
                let mut parts = line.splitn(3, ' ');
                let seq = parts.next()?.parse().ok()?;
                Some(Change::Committed {
                    stream_kind: parts.next()?.to_owned(),
                    stream_id: parts.next()?.to_owned(),
                    seq,
                })
            })
            .collect(),
    )
}

impl Store {
    /// Subscribes to the changes committed from now on: by this process and, on
    /// PostgreSQL, by every other server on the database. On PostgreSQL the first call
    /// starts listening and returns once the LISTEN is in place (or, when the server
    /// cannot be reached, once the first attempt has failed; the listener keeps trying).
    pub async fn subscribe(&self) -> broadcast::Receiver<Change> {
        let receiver = self.changes.sender.subscribe();
        if let Some(pg) = &self.changes.postgres {
            pg.started
                .get_or_init(|| async {
                    let (stop, stopped) = watch::channel(false);
                    *pg.stop.lock().unwrap_or_else(|p| p.into_inner()) = Some(stop);
                    let listener = Listener {
                        url: pg.url.clone(),
                        schema: pg.schema.clone(),
                        instance: self.changes.instance.clone(),
                        sender: self.changes.sender.clone(),
                        stopped,
                    };
                    let first = listener.connect().await;
                    if let Err(error) = &first {
                        tracing::warn!(%error, "cannot listen for other servers' changes yet; retrying");
                    }
                    tokio::spawn(listener.run(first.ok()));
                })
                .await;
        }
        receiver
    }
}

impl Store {
    /// On PostgreSQL, the `application_name` of this store's listening connection (as
    /// `pg_stat_activity` shows it), so an operator can tell it apart.
    pub fn listener_name(&self) -> Option<String> {
        self.changes
            .postgres
            .as_ref()
            .map(|_| listener_name(&self.changes.instance))
    }
}

fn listener_name(instance: &str) -> String {
    format!("fengqiao-listener-{instance}")
}

/// The task that forwards other servers' notifications into the store's channel.
struct Listener {
    url: String,
    schema: String,
    instance: String,
    sender: broadcast::Sender<Change>,
    stopped: watch::Receiver<bool>,
}

impl Listener {
    async fn connect(&self) -> Result<PgListener, sqlx::Error> {
        // Named, so an operator (or a test) can tell the listener's connection apart.
        let options =
            PgConnectOptions::from_str(&self.url)?.application_name(&listener_name(&self.instance));
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await?;
        let mut listener = PgListener::connect_with(&pool).await?;
        listener.listen(CHANNEL).await?;
        Ok(listener)
    }

    async fn run(mut self, mut listener: Option<PgListener>) {
        let mut backoff = Duration::from_millis(250);
        loop {
            let Some(active) = listener.as_mut() else {
                // Wait before trying again, unless the store goes away meanwhile.
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {}
                    _ = self.stopped.changed() => return,
                }
                backoff = (backoff * 2).min(Duration::from_secs(30));
                match self.connect().await {
                    Ok(fresh) => {
                        tracing::info!("listening for other servers' changes again");
                        listener = Some(fresh);
                        backoff = Duration::from_millis(250);
                        // Whatever was committed while we were away was not heard.
                        let _ = self.sender.send(Change::Resync);
                    }
                    Err(error) => {
                        tracing::warn!(%error, "cannot listen for other servers' changes; retrying");
                    }
                }
                continue;
            };
            let received = tokio::select! {
                received = active.try_recv() => received,
                _ = self.stopped.changed() => return,
            };
            match received {
                Ok(Some(notification)) => {
                    let changes =
                        parse_payload(notification.payload(), &self.schema, &self.instance);
                    for change in changes.into_iter().flatten() {
                        let _ = self.sender.send(change);
                    }
                }
                // The connection was lost; the next `try_recv` reconnects and listens
                // again, but what was notified in between is gone.
                Ok(None) => {
                    tracing::warn!("the listener's connection was lost; reconnecting");
                    let _ = self.sender.send(Change::Resync);
                }
                Err(error) => {
                    tracing::warn!(%error, "the listener failed; reconnecting");
                    listener = None;
                    let _ = self.sender.send(Change::Resync);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, kind: &str, id: &str) -> StoredEvent {
        StoredEvent {
            seq,
            stream_kind: kind.into(),
            stream_id: id.into(),
            stream_version: 1,
            kind: "k".into(),
            payload: "{}".into(),
            actor: "a".into(),
            occurred_at: String::new(),
            recorded_at: String::new(),
            prev_hash: String::new(),
            hash: String::new(),
        }
    }

    #[test]
    fn a_batch_announces_each_incident_once_with_its_last_seq_and_nothing_else() {
        let events = [
            event(1, "incident", "a"),
            event(2, "jurisdiction_node", "n"),
            event(3, "incident", "b"),
            event(4, "incident", "a"),
        ];
        let refs: Vec<&StoredEvent> = events.iter().collect();
        let changes = announced(&refs);
        let seen: Vec<(String, i64)> = changes
            .iter()
            .map(|c| match c {
                Change::Committed { stream_id, seq, .. } => (stream_id.clone(), *seq),
                Change::Resync => (String::new(), 0),
            })
            .collect();
        assert_eq!(seen, vec![("b".into(), 3), ("a".into(), 4)]);
    }

    #[test]
    fn a_payload_is_read_only_from_another_server_on_the_same_schema() {
        let payload = "s1\nother\n7 incident abc\n9 incident def";
        let read = parse_payload(payload, "s1", "me").unwrap();
        assert_eq!(read.len(), 2);
        assert_eq!(
            read[1],
            Change::Committed {
                stream_kind: "incident".into(),
                stream_id: "def".into(),
                seq: 9
            }
        );
        assert!(parse_payload(payload, "s2", "me").is_none());
        assert!(parse_payload(payload, "s1", "other").is_none());
        assert!(parse_payload("", "s1", "me").is_none());
    }
}
