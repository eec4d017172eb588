//! What each command does. Errors bubble up as `anyhow` chains and are printed once,
//! on one line, by `main`.

pub(crate) mod address;
mod admin;
pub(crate) mod analyze;
mod audit;
pub(crate) mod classify;
mod serve;

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use fengqiao_app::App;
use fengqiao_domain::Actor;
use fengqiao_store::{DatabaseTarget, Store, StoreOptions};
use indicatif::{ProgressBar, ProgressStyle};

use crate::options::{Cli, Command, DemoAction, DemoArgs};

/// Runs the chosen command.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let target = match &cli.database_url {
        Some(url) if !url.trim().is_empty() => DatabaseTarget::Postgres {
            url: url.clone(),
            schema: None,
        },
        _ => DatabaseTarget::Sqlite(cli.db.clone()),
    };
    let options = StoreOptions::new(target);
    match cli.command {
        Command::Serve(args) => serve::serve(&options, &args).await,
        Command::Migrate(args) => {
            let store = Store::connect(&options).await?;
            let applied = store.migrate().await?;
            let app = App::new(store.clone());
            let seeded = app.seed_code_tables(&Actor::cli()).await?;
            app.seed_role_permissions(&Actor::cli()).await?;
            println!(
                "{}: {applied} migration(s) applied, schema current; {seeded} default code entries seeded",
                store.description()
            );
            if let Some(role) = &args.grant_app_role {
                store.grant_app_role(role).await?;
                println!(
                    "role {role} may now run the server (the event log is append-only for it)"
                );
            }
            store.close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(DemoArgs {
            action: Some(DemoAction::Totp { user }),
            ..
        }) => {
            let app = open(&options).await?;
            println!("{}", app.demo_totp_code(&user).await?);
            app.store().close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo(args) => {
            let app = open(&options).await?;
            let summary = seed_demo(&app, args.seed, args.incidents_per_day).await?;
            print_demo_summary(&app, &summary);
            print_demo_accounts(&summary.bureau.accounts);
            app.store().close().await;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit(command) => audit::run(&options, command).await,
        Command::User(command) => admin::user(&options, command).await,
        Command::Codes(command) => admin::codes(&options, command).await,
        Command::Addresses(command) => admin::addresses(&options, command).await,
        Command::Incidents(command) => admin::incidents(&options, command).await,
        Command::Analyze(command) => analyze::run(command),
        Command::Debug(command) => audit::debug(&options, command).await,
        Command::Address(command) => address::run(&command),
        Command::Classify(args) => classify::run(&args),
    }
}

/// Opens and migrates the store and makes sure the code tables have their defaults.
pub(crate) async fn open(options: &StoreOptions) -> anyhow::Result<App> {
    let store = Store::open(options).await?;
    let app = App::new(store);
    app.seed_defaults(&Actor::system("startup"))
        .await
        .context("seeding the default code tables and role permissions")?;
    Ok(app)
}

/// What `demo` and `serve --demo` seeded.
pub(crate) struct Seeded {
    bureau: fengqiao_app::demo::DemoSummary,
    incidents: Option<fengqiao_app::demo_incidents::DemoIncidentSummary>,
}

/// Seeds the demo, then its year of incidents (`per_day` ordinary calls a day; none
/// for 0), with a progress bar on the terminal.
pub(crate) async fn seed_demo(app: &App, seed: u64, per_day: u32) -> anyhow::Result<Seeded> {
    let bar = ProgressBar::new(1);
    bar.set_style(
        ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("seeding the demo bureau");
    bar.enable_steady_tick(Duration::from_millis(200));
    let actor = Actor::system("demo");
    let progress = |done, total| {
        bar.set_length(total);
        bar.set_position(done);
    };
    let bureau = app.seed_demo(&actor, seed, &progress).await;
    let bureau = match bureau {
        Ok(bureau) => bureau,
        Err(error) => {
            bar.finish_and_clear();
            return Err(error.into());
        }
    };
    let incidents = if per_day > 0 {
        bar.set_message("seeding a year of incidents");
        let plan = fengqiao_app::demo_incidents::DemoIncidentPlan {
            per_day,
            ..fengqiao_app::demo_incidents::DemoIncidentPlan::year(fengqiao_domain::Timestamp::now())
        };
        let year = app.seed_demo_incidents(&actor, seed, plan, &progress).await;
        bar.finish_and_clear();
        Some(year?)
    } else {
        bar.finish_and_clear();
        None
    };
    Ok(Seeded { bureau, incidents })
}

/// Prints what the demo holds.
pub(crate) fn print_demo_summary(app: &App, seeded: &Seeded) {
    let summary = &seeded.bureau;
    let base = &summary.base;
    println!(
        "demo bureau seeded into {}: {} stations, {} communities, {} grids, {} staff, {} partner agencies; \
         {} standard addresses, {} houses, {} residents ({} key people), {} units",
        app.store().description(),
        summary.stations,
        summary.communities,
        summary.grids,
        summary.staff,
        summary.partners,
        base.addresses,
        base.houses,
        base.people,
        base.key_people,
        base.establishments
    );
    if let Some(year) = &seeded.incidents {
        println!(
            "demo incidents: {} over the last year ({} events, {} addresses matched, {} repeat-flagged, \
             {} transferred, {} still open) seeded in {:.1} s",
            year.incidents,
            year.events,
            year.matched,
            year.repeat_flagged,
            year.transfers,
            year.open,
            year.seconds
        );
    }
}

/// Prints the demo sign-ins, one per role.
pub(crate) fn print_demo_accounts(accounts: &[fengqiao_app::demo::DemoAccount]) {
    println!(
        "demo sign-ins (password for all: {}; demo accounts need not change it):",
        fengqiao_app::demo::DEMO_PASSWORD
    );
    for account in accounts {
        println!(
            "  {:<18} {:<12} {}",
            account.username, account.display_name, account.jurisdiction
        );
    }
    for account in accounts.iter().filter(|a| a.totp_secret.is_some()) {
        println!(
            "{} also needs a TOTP code (second factor): add the secret {} to an authenticator app, \
             or print the current code with `fengqiao demo totp --user {}`",
            account.username,
            account.totp_secret.as_deref().unwrap_or_default(),
            account.username
        );
    }
}
