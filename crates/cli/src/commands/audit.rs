//! `fengqiao audit …` and the durability probe.

use std::io::{BufRead, Write};
use std::process::ExitCode;

use anyhow::{Context, bail};
use fengqiao_domain::{Actor, DomainEvent};
use fengqiao_store::{Checkpoint, Commit, ExpectedVersion, Store, StoreOptions};

use crate::options::{AuditCommand, DebugCommand};

pub(super) async fn run(options: &StoreOptions, command: AuditCommand) -> anyhow::Result<ExitCode> {
    let store = Store::open(options).await?;
    let code = match command {
        AuditCommand::Verify { checkpoints } => {
            let external = read_checkpoints(&checkpoints)?;
            let report = store.verify_log(&external).await?;
            match &report.first_break {
                None => {
                    println!(
                        "event log intact: {} events, head {} at event {}, {} checkpoint(s) matched",
                        report.events_checked,
                        report.head_hash,
                        report.head_seq,
                        report.checkpoints_checked
                    );
                    ExitCode::SUCCESS
                }
                Some(problem) => {
                    eprintln!(
                        "event log BROKEN after {} good events: {problem}",
                        report.events_checked
                    );
                    ExitCode::from(2)
                }
            }
        }
        AuditCommand::Head { signed_by } => {
            let checkpoint = store.sign_off_head(&signed_by).await?;
            println!("{}", serde_json::to_string(&checkpoint)?);
            ExitCode::SUCCESS
        }
    };
    store.close().await;
    Ok(code)
}

/// Reads checkpoint files: one JSON object per line, blank lines ignored.
fn read_checkpoints(paths: &[std::path::PathBuf]) -> anyhow::Result<Vec<Checkpoint>> {
    let mut checkpoints = Vec::new();
    for path in paths {
        let file =
            std::fs::File::open(path).with_context(|| format!("cannot read {}", path.display()))?;
        for (i, line) in std::io::BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("{}, line {}", path.display(), i + 1))?;
            if line.trim().is_empty() {
                continue;
            }
            let checkpoint = serde_json::from_str(&line).with_context(|| {
                format!(
                    "{}, line {}: not a checkpoint from `fengqiao audit head`",
                    path.display(),
                    i + 1
                )
            })?;
            checkpoints.push(checkpoint);
        }
    }
    Ok(checkpoints)
}

pub(super) async fn debug(
    options: &StoreOptions,
    command: DebugCommand,
) -> anyhow::Result<ExitCode> {
    let DebugCommand::AppendLoad { count } = command;
    let store = Store::open(options).await?;
    if store.has_events_other_than("probe").await? {
        bail!(
            "{} holds real data; the durability probe only writes into a database of its own",
            store.description()
        );
    }
    let actor = Actor::system("durability-probe");
    let start = u64::try_from(store.event_count().await?).unwrap_or(0);
    let mut out = std::io::stdout().lock();
    for n in start..start + count {
        let event = DomainEvent::ProbeAppended { n };
        let written = store
            .commit(
                &actor,
                &[Commit::now(
                    event.stream(),
                    ExpectedVersion::Any,
                    vec![event],
                )],
                &[],
            )
            .await?;
        // The acknowledgement goes out only after the commit returned: anything printed
        // here must survive a kill -9 of this process.
        for stored in &written {
            writeln!(out, "ack {} {}", stored.seq, stored.hash)?;
        }
        out.flush()?;
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
