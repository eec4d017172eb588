//! `fengqiao`: the platform of a Fengqiao-style police station, in one binary.

mod commands;
mod options;

use std::process::ExitCode;

use clap::Parser;

use crate::options::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    options::init_logging(cli.log_format, matches!(cli.command, Command::Serve(_)));
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(error) => {
            // One line naming what is wrong and where; the causes follow on the same line.
            let causes: Vec<String> = error.chain().map(ToString::to_string).collect();
            eprintln!("error: {}", dedupe(&causes).join(": "));
            ExitCode::FAILURE
        }
    }
}

/// Drops causes already contained in the message before them, which some error types
/// repeat (`a: b` followed by `b`).
fn dedupe(causes: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for cause in causes {
        if !out.last().is_some_and(|last| last.contains(cause.as_str())) {
            out.push(cause.clone());
        }
    }
    out
}
