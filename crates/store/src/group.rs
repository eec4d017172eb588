//! Group commit: concurrent callers of [`Store::commit`](crate::Store::commit) share one
//! database transaction, and so one fsync.
//!
//! A caller puts its request in the queue. When no writer task is running it starts one;
//! the writer takes everything waiting (up to [`MAX_BATCH`]), runs each request inside
//! its own SAVEPOINT of one transaction, commits, answers every caller and repeats while
//! requests are waiting. A lone caller is taken at once: there is no timer, so no latency
//! is added at low load. A request that fails (a version conflict, a broken constraint)
//! is rolled back to its savepoint and only that caller gets the error; seq and the
//! chain's previous hash go back to their values before it, so seq stays gapless. A
//! caller's Ok means the batch's COMMIT has succeeded; if the COMMIT fails, every caller
//! of the batch gets an error. The writer is a spawned task, so a caller that stops
//! waiting (a dropped request) neither stalls the queue nor cuts a batch in half.

use std::sync::{Arc, Mutex};

use sqlx::AnyPool;
use tokio::sync::oneshot;

use crate::StoreError;
use crate::changes::Changes;
use crate::log::{Commit, SideWrite, StoredEvent, append_one, write_head};

/// The most requests run in one transaction.
pub(crate) const MAX_BATCH: usize = 256;

pub(crate) type Reply = oneshot::Sender<Result<Vec<StoredEvent>, StoreError>>;

/// One caller's commit, waiting for the writer.
pub(crate) struct Request {
    pub(crate) actor: String,
    pub(crate) commits: Vec<Commit>,
    pub(crate) side_writes: Vec<SideWrite>,
    pub(crate) reply: Reply,
}

#[derive(Default)]
struct Queue {
    pending: Vec<Request>,
    writing: bool,
}

/// The queue of commits shared by every clone of a store.
#[derive(Default)]
pub(crate) struct GroupCommit {
    queue: Mutex<Queue>,
}

impl std::fmt::Debug for GroupCommit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GroupCommit").finish_non_exhaustive()
    }
}

impl GroupCommit {
    /// Queues a request, starting the writer when none is running.
    pub(crate) fn submit(
        self: &Arc<Self>,
        pool: &AnyPool,
        changes: &Arc<Changes>,
        request: Request,
    ) {
        let start = {
            let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
            queue.pending.push(request);
            !std::mem::replace(&mut queue.writing, true)
        };
        if start {
            let this = Arc::clone(self);
            let (pool, changes) = (pool.clone(), Arc::clone(changes));
            tokio::spawn(async move { this.write_loop(pool, changes).await });
        }
    }

    fn take(&self) -> Vec<Request> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if queue.pending.is_empty() {
            queue.writing = false;
            return Vec::new();
        }
        let n = queue.pending.len().min(MAX_BATCH);
        queue.pending.drain(..n).collect()
    }

    async fn write_loop(self: Arc<Self>, pool: AnyPool, changes: Arc<Changes>) {
        // Should a batch panic or the runtime drop this task, the next caller starts a
        // new writer instead of waiting for one that is gone (the lost batch's callers
        // see their reply dropped). After a normal end `take` has already reset it.
        struct Reset<'a>(&'a GroupCommit, bool);
        impl Drop for Reset<'_> {
            fn drop(&mut self) {
                if self.1 {
                    let mut queue = self.0.queue.lock().unwrap_or_else(|p| p.into_inner());
                    queue.writing = false;
                }
            }
        }
        let mut reset = Reset(&self, true);
        loop {
            let batch = self.take();
            if batch.is_empty() {
                reset.1 = false;
                return;
            }
            run_batch(&pool, &changes, batch).await;
        }
    }
}

/// Runs one batch in one transaction, announces what it committed and answers its
/// callers.
async fn run_batch(pool: &AnyPool, changes: &Changes, batch: Vec<Request>) {
    metrics::histogram!("fengqiao_group_commit_batch_size").record(batch.len() as f64);
    let mut answers: Vec<(Reply, Result<Vec<StoredEvent>, StoreError>)> =
        Vec::with_capacity(batch.len());
    match write_batch(pool, changes, batch, &mut answers).await {
        Ok(()) => {
            // Committed: now, and only now, subscribers may hear of it.
            changes.announce(&committed(&answers));
            let appended: usize = answers
                .iter()
                .filter_map(|(_, r)| r.as_ref().ok())
                .map(Vec::len)
                .sum();
            metrics::counter!("fengqiao_events_appended_total").increment(appended as u64);
        }
        Err(error) => {
            // Nothing of the batch was written: whoever thought it had succeeded gets
            // the batch's error; a caller with its own error keeps that one.
            for (_, result) in &mut answers {
                if result.is_ok() {
                    *result = Err(replicate(&error));
                }
            }
        }
    }
    for (reply, result) in answers {
        // A caller that stopped waiting has dropped its receiver; nothing to do.
        let _ = reply.send(result);
    }
}

/// Writes the batch. On Ok, `answers` holds every caller's own result and the
/// transaction has committed; on Err nothing was written (callers still in `batch` when
/// the error struck are answered with it too).
async fn write_batch(
    pool: &AnyPool,
    changes: &Changes,
    batch: Vec<Request>,
    answers: &mut Vec<(Reply, Result<Vec<StoredEvent>, StoreError>)>,
) -> Result<(), StoreError> {
    let lone = batch.len() == 1;
    let mut requests = batch.into_iter();
    let result: Result<(), StoreError> = async {
        let mut tx = pool.begin().await?;
        // Taking the head row first locks out other appenders (other processes, other
        // servers on PostgreSQL) for the whole transaction, so seq and prev_hash are ours.
        let head = sqlx::query("UPDATE log_head SET seq = seq WHERE id = 1 RETURNING seq, hash")
            .fetch_one(&mut *tx)
            .await?;
        let mut seq: i64 = sqlx::Row::try_get(&head, 0)?;
        let mut prev_hash: String = sqlx::Row::try_get(&head, 1)?;
        for request in requests.by_ref() {
            if lone {
                // One caller: its error is the transaction's, as without batching.
                match append_one(&mut tx, &request, &mut seq, &mut prev_hash).await {
                    Ok(written) => answers.push((request.reply, Ok(written))),
                    Err(e) => {
                        answers.push((request.reply, Err(e)));
                        return Ok(());
                    }
                }
                continue;
            }
            sqlx::query("SAVEPOINT fq_commit").execute(&mut *tx).await?;
            let (seq_before, hash_before) = (seq, prev_hash.clone());
            match append_one(&mut tx, &request, &mut seq, &mut prev_hash).await {
                Ok(written) => {
                    sqlx::query("RELEASE SAVEPOINT fq_commit")
                        .execute(&mut *tx)
                        .await?;
                    answers.push((request.reply, Ok(written)));
                }
                Err(e) => {
                    // Only this caller's part goes; if even that fails the transaction
                    // is gone and the whole batch with it.
                    answers.push((request.reply, Err(e)));
                    sqlx::query("ROLLBACK TO SAVEPOINT fq_commit")
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("RELEASE SAVEPOINT fq_commit")
                        .execute(&mut *tx)
                        .await?;
                    seq = seq_before;
                    prev_hash = hash_before;
                }
            }
        }
        if answers.iter().any(|(_, r)| r.is_ok()) {
            write_head(&mut tx, seq, &prev_hash).await?;
            // PostgreSQL delivers these only if the COMMIT below succeeds.
            changes.notify_in(&mut tx, &committed(answers)).await?;
            tx.commit().await?;
        } else {
            tx.rollback().await?;
        }
        Ok(())
    }
    .await;
    if let Err(error) = &result {
        for request in requests {
            answers.push((request.reply, Err(replicate(error))));
        }
    }
    result
}

/// The events of the callers whose part of the batch was written.
fn committed(answers: &[(Reply, Result<Vec<StoredEvent>, StoreError>)]) -> Vec<&StoredEvent> {
    answers
        .iter()
        .filter_map(|(_, r)| r.as_ref().ok())
        .flatten()
        .collect()
}

/// A copy of an error for every caller of a failed batch (driver errors cannot be
/// cloned; their text is kept).
fn replicate(error: &StoreError) -> StoreError {
    match error {
        StoreError::Constraint(m) => StoreError::Constraint(m.clone()),
        StoreError::VersionConflict {
            stream,
            expected,
            actual,
        } => StoreError::VersionConflict {
            stream: stream.clone(),
            expected: expected.clone(),
            actual: *actual,
        },
        other => batch_failed(&other.to_string()),
    }
}

fn batch_failed(message: &str) -> StoreError {
    StoreError::Database(sqlx::Error::Protocol(format!(
        "the group commit failed, nothing of it was written: {message}"
    )))
}
