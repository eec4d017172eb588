//! `fengqiao user …` and `fengqiao codes …`.

use std::io::{BufRead, IsTerminal};
use std::process::ExitCode;

use anyhow::Context;
use fengqiao_app::AppError;
use fengqiao_app::users::NewUser;
use fengqiao_domain::Actor;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::org::Role;
use fengqiao_store::StoreOptions;

use crate::options::{AddressesCommand, CodesCommand, IncidentsCommand, UserCommand};

pub(super) async fn user(options: &StoreOptions, command: UserCommand) -> anyhow::Result<ExitCode> {
    let app = super::open(options).await?;
    match command {
        UserCommand::Add {
            username,
            display_name,
            roles,
            jurisdiction,
        } => {
            let roles = roles
                .iter()
                .map(|r| r.parse::<Role>())
                .collect::<Result<Vec<_>, _>>()?;
            let password = read_password()?;
            let new = NewUser {
                username: username.clone(),
                display_name,
                staff_id: None,
                partner_id: None,
                roles,
                jurisdiction_codes: jurisdiction,
                must_change_password: true,
            };
            let id = app.add_user(&Actor::cli(), new, &password).await?;
            println!(
                "user {username} created (id {id}); the password must be changed at first sign-in"
            );
        }
        UserCommand::List => {
            for user in app.store().users(&fengqiao_store::Scope::All).await? {
                println!(
                    "{:<20} {:<12} {}",
                    user.username,
                    user.display_name,
                    user.roles.join(",")
                );
            }
        }
    }
    app.store().close().await;
    Ok(ExitCode::SUCCESS)
}

/// Asks twice on a terminal; reads one line from standard input otherwise (scripts).
fn read_password() -> anyhow::Result<String> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("password: ")?;
        let second = rpassword::prompt_password("again: ")?;
        anyhow::ensure!(first == second, "the two passwords differ");
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}

pub(super) async fn codes(
    options: &StoreOptions,
    command: CodesCommand,
) -> anyhow::Result<ExitCode> {
    let app = super::open(options).await?;
    let code = match command {
        CodesCommand::Export { out, tables } => {
            let tables = tables
                .iter()
                .map(|t| t.parse::<CodeTable>())
                .collect::<Result<Vec<_>, _>>()?;
            let count = app.export_code_tables(&out, &tables).await?;
            println!("{count} entries written to {}", out.display());
            ExitCode::SUCCESS
        }
        CodesCommand::Import { file } => match app.import_code_tables(&Actor::cli(), &file).await {
            Ok(summary) => {
                println!(
                    "{}: {} rows read, {} entries new or changed, {} unchanged",
                    file.display(),
                    summary.rows,
                    summary.changed,
                    summary.unchanged
                );
                ExitCode::SUCCESS
            }
            Err(AppError::Import(problems)) => {
                report_problems(&problems, &file.display().to_string())
            }
            Err(other) => return Err(other.into()),
        },
    };
    app.store().close().await;
    Ok(code)
}

/// A progress bar for an import: phase, bar, done/total.
fn import_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len} {per_sec}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar
}

/// Shows an import's progress on the bar.
fn show(bar: &indicatif::ProgressBar, progress: fengqiao_app::base_import::ImportProgress) {
    bar.set_message(progress.phase);
    bar.set_length(progress.total as u64);
    bar.set_position(progress.done as u64);
}

/// Prints an import's problems, one line each, and the verdict; the exit code.
fn report_problems(problems: &[fengqiao_app::RowError], name: &str) -> ExitCode {
    for problem in problems {
        eprintln!("error: {problem}");
    }
    eprintln!(
        "error: {} problem(s) in {name}; nothing was imported",
        problems.len()
    );
    ExitCode::FAILURE
}

/// `fengqiao addresses …`.
pub(crate) async fn addresses(
    options: &StoreOptions,
    command: AddressesCommand,
) -> anyhow::Result<ExitCode> {
    let app = super::open(options).await?;
    let AddressesCommand::Import { file } = command;
    let bar = import_bar();
    let name = file.display().to_string();
    let result = app
        .import_addresses(
            &Actor::cli(),
            &fengqiao_store::Scope::All,
            &file,
            &name,
            &|progress| show(&bar, progress),
        )
        .await;
    bar.finish_and_clear();
    let code = match result {
        Ok(summary) => {
            println!(
                "{name}: {} rows read, {} addresses new or changed, {} unchanged",
                summary.rows, summary.changed, summary.unchanged
            );
            ExitCode::SUCCESS
        }
        Err(AppError::Import(problems)) => report_problems(&problems, &name),
        Err(other) => return Err(other.into()),
    };
    app.store().close().await;
    Ok(code)
}

/// `fengqiao incidents …`.
pub(crate) async fn incidents(
    options: &StoreOptions,
    command: IncidentsCommand,
) -> anyhow::Result<ExitCode> {
    let app = super::open(options).await?;
    let IncidentsCommand::Import { file, user } = command;
    let account = app
        .store()
        .account_by_username(&user)
        .await?
        .with_context(|| format!("no user {user:?}"))?;
    let principal = app
        .principal(&account.id)
        .await?
        .with_context(|| format!("the user {user:?} is switched off"))?;
    let bar = import_bar();
    let name = file.display().to_string();
    let started = std::time::Instant::now();
    let result = app
        .import_incidents_as(&principal, &file, &name, &|progress| show(&bar, progress))
        .await;
    bar.finish_and_clear();
    let code = match result {
        Ok(done) => {
            println!(
                "{name}: {} rows read, {} incidents received, {} already received, {} without a known category ({:.1} s)",
                done.summary.rows,
                done.summary.changed,
                done.summary.unchanged,
                done.uncategorised,
                started.elapsed().as_secs_f64()
            );
            ExitCode::SUCCESS
        }
        Err(AppError::Import(problems)) => report_problems(&problems, &name),
        Err(other) => return Err(other.into()),
    };
    app.store().close().await;
    Ok(code)
}
