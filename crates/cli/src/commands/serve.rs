//! `fengqiao serve`: the web server, with graceful shutdown.

use std::process::ExitCode;

use anyhow::Context;
use fengqiao_web::AppState;

use crate::options::ServeArgs;

pub(super) async fn serve(
    options: &fengqiao_store::StoreOptions,
    args: &ServeArgs,
) -> anyhow::Result<ExitCode> {
    let mut app = super::open(options).await?;
    if let Some(rules) = &args.classify_rules {
        app = app.with_classifier(super::classify::load(Some(rules))?);
    }
    if args.demo {
        if app
            .store()
            .nodes(&fengqiao_store::Scope::All)
            .await?
            .is_empty()
        {
            let summary = super::seed_demo(&app, args.seed, args.incidents_per_day).await?;
            super::print_demo_summary(&app, &summary);
            super::print_demo_accounts(&summary.bureau.accounts);
        } else {
            println!(
                "the database already holds an organisation; serving it as it is (demo not re-seeded)"
            );
        }
    }
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("cannot listen on {}", args.listen))?;
    // The bound address, not the requested one: `--listen 127.0.0.1:0` picks a free port.
    let listen = listener.local_addr().context("reading the bound address")?;
    println!(
        "fengqiao is serving http://{listen} (database: {})",
        app.store().description()
    );
    println!(
        "  health: http://{listen}/healthz  readiness: http://{listen}/readyz  metrics: http://{listen}/metrics"
    );
    if !args.behind_tls && !listen.ip().is_loopback() {
        tracing::warn!(
            "serving plain HTTP on a network address: session cookies cannot be Secure; \
             put a TLS-terminating proxy in front and pass --behind-tls"
        );
    }
    tracing::info!(%listen, "serving");
    let store = app.store().clone();
    fengqiao_web::serve(
        listener,
        AppState::new(app).with_secure_cookies(args.behind_tls),
        shutdown_signal(),
    )
    .await
    .context("the server stopped")?;
    // In-flight requests have finished; fold the WAL into the database file.
    store
        .checkpoint_wal()
        .await
        .context("checkpointing the write-ahead log at shutdown")?;
    store.close().await;
    tracing::info!("stopped cleanly");
    Ok(ExitCode::SUCCESS)
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let interrupt = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
