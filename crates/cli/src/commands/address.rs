//! `fengqiao address …`: parse free-text addresses and match them against a registry of
//! standard addresses, one query per line on standard input, one JSON object per line
//! on standard output. These commands never open the database.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use fengqiao_address::{Components, Registry, parse};
use serde::Serialize;

/// `address` subcommands.
#[derive(Debug, Subcommand)]
pub enum AddressCommand {
    /// Read one address per line and print its components as JSON lines.
    Parse,
    /// Read one query per line and print the registry entry it denotes (or null) as
    /// JSON lines: query, id, score, reason, components.
    Match {
        /// CSV file of standard addresses with the header `id,address` or
        /// `id,address,lng,lat`. A bad row stops the command before any output.
        #[arg(long, value_name = "FILE.csv")]
        registry: PathBuf,
    },
}

/// Runs an `address` subcommand over standard input.
pub(crate) fn run(command: &AddressCommand) -> anyhow::Result<ExitCode> {
    let registry = match command {
        AddressCommand::Parse => None,
        AddressCommand::Match { registry } => Some(Registry::load(registry)?),
    };
    let stdin = std::io::stdin().lock();
    let mut out = BufWriter::new(std::io::stdout().lock());
    for_each_line(stdin, |number, line| {
        match line {
            Err(lossy) => serde_json::to_writer(
                &mut out,
                &ErrorLine {
                    line: number,
                    query: &lossy,
                    id: None,
                    error: "the line is not valid UTF-8",
                },
            )?,
            Ok(query) => match &registry {
                None => serde_json::to_writer(
                    &mut out,
                    &ParseLine {
                        query,
                        components: parse(query),
                    },
                )?,
                Some(registry) => serde_json::to_writer(&mut out, &match_line(registry, query))?,
            },
        }
        out.write_all(b"\n")?;
        Ok(())
    })?;
    out.flush().context("writing to standard output")?;
    Ok(ExitCode::SUCCESS)
}

/// One line of `address match` output.
#[derive(Serialize)]
struct MatchLine<'a> {
    query: &'a str,
    id: Option<String>,
    score: f64,
    reason: String,
    components: Components,
}

/// One line of `address parse` output.
#[derive(Serialize)]
struct ParseLine<'a> {
    query: &'a str,
    components: Components,
}

/// The output for a line that could not be read as text.
#[derive(Serialize)]
struct ErrorLine<'a> {
    line: u64,
    query: &'a str,
    id: Option<&'a str>,
    error: &'a str,
}

fn match_line<'a>(registry: &Registry, query: &'a str) -> MatchLine<'a> {
    if query.trim().is_empty() {
        return MatchLine {
            query,
            id: None,
            score: 0.0,
            reason: "empty query".to_string(),
            components: Components::default(),
        };
    }
    let found = registry.match_query(query);
    MatchLine {
        query,
        id: found.id,
        score: found.score,
        reason: found.reason,
        components: found.components,
    }
}

/// Calls `each` with every line of `input` (numbered from 1, without its line ending):
/// `Ok` with the text, or `Err` with a lossy copy when the bytes are not UTF-8. Bytes
/// are read as they come, so binary input is reported line by line, never a panic.
fn for_each_line(
    mut input: impl BufRead,
    mut each: impl FnMut(u64, Result<&str, String>) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let mut buffer = Vec::new();
    let mut number = 0;
    loop {
        buffer.clear();
        let read = input
            .read_until(b'\n', &mut buffer)
            .context("reading standard input")?;
        if read == 0 {
            return Ok(());
        }
        number += 1;
        let line = buffer.strip_suffix(b"\n").unwrap_or(&buffer);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        match std::str::from_utf8(line) {
            Ok(text) => each(number, Ok(text))?,
            Err(_) => each(number, Err(String::from_utf8_lossy(line).into_owned()))?,
        }
    }
}
