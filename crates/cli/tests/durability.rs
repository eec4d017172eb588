//! Durability under `kill -9`: a writer process appends events one transaction at a
//! time and prints `ack <seq> <hash>` after each commit returns; the test kills it with
//! SIGKILL at a random moment, again and again, and checks after every kill that each
//! acknowledged event is in the log with the acknowledged hash and that the whole chain
//! still verifies.
//!
//! The suite runs 50 cycles; set `FENGQIAO_DURABILITY_CYCLES` for a longer run
//! (`FENGQIAO_DURABILITY_CYCLES=1000 cargo nextest run -p fengqiao --test durability`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fengqiao_store::{DatabaseTarget, Store, StoreOptions};
use rand::{Rng, SeedableRng};

const BINARY: &str = env!("CARGO_BIN_EXE_fengqiao");

/// Starts a writer, lets it acknowledge `acks_before_kill` events, kills it with SIGKILL
/// and returns every acknowledgement it printed.
fn write_then_kill(db: &Path, acks_before_kill: usize) -> Vec<(i64, String)> {
    let mut child = Command::new(BINARY)
        .args(["--db", db.to_str().unwrap(), "debug", "append-load"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fengqiao binary starts");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let mut acks = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    while acks.len() < acks_before_kill {
        assert!(
            Instant::now() < deadline,
            "the writer acknowledged too slowly"
        );
        match lines.next() {
            Some(Ok(line)) => acks.push(parse_ack(&line)),
            other => {
                let output = child.wait_with_output().unwrap();
                panic!(
                    "the writer stopped early ({other:?}): {}",
                    String::from_utf8_lossy(&output.stderr)
                );
            }
        }
    }
    // SIGKILL: no destructor, no flush, no checkpoint runs in the writer.
    child.kill().unwrap();
    // Acknowledgements already in the pipe when the kill landed count too: the writer
    // printed them only after their commit returned.
    for line in lines.map_while(Result::ok) {
        acks.push(parse_ack(&line));
    }
    child.wait().unwrap();
    acks
}

fn parse_ack(line: &str) -> (i64, String) {
    let mut parts = line.split_whitespace();
    assert_eq!(parts.next(), Some("ack"), "unexpected line {line:?}");
    let seq = parts.next().unwrap().parse().unwrap();
    let hash = parts.next().unwrap().to_owned();
    (seq, hash)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_acknowledged_event_is_lost_when_the_writer_is_killed_repeatedly() {
    let cycles: usize = std::env::var("FENGQIAO_DURABILITY_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("durability.db");
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0x4651_5053);
    let mut acknowledged = Vec::new();
    for cycle in 0..cycles {
        let acks = write_then_kill(&db, rng.random_range(1..40));
        acknowledged.extend(acks);

        let store = Store::open(&StoreOptions::new(DatabaseTarget::Sqlite(db.clone())))
            .await
            .unwrap_or_else(|e| panic!("cycle {cycle}: the database does not reopen: {e}"));
        let report = store.verify_log(&[]).await.unwrap();
        assert!(report.is_intact(), "cycle {cycle}: {report:?}");
        let last_ack = acknowledged.last().map_or(0, |a| a.0);
        assert!(
            report.head_seq >= last_ack,
            "cycle {cycle}: event {last_ack} was acknowledged but the log ends at {}",
            report.head_seq
        );
        // Every acknowledged event is there, with the very hash that was acknowledged.
        let stored = store.events_after(0, i64::MAX).await.unwrap();
        for (seq, hash) in &acknowledged {
            let event = &stored[usize::try_from(*seq - 1).unwrap()];
            assert_eq!((&event.seq, &event.hash), (seq, hash), "cycle {cycle}");
        }
        store.close().await;
    }
    assert!(
        acknowledged.len() >= cycles,
        "each cycle acknowledged at least one event"
    );
}
