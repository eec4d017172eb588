//! The HTTP face of fengqiao: the only crate that knows HTTP.
//!
//! For now: liveness (`/healthz`), readiness (`/readyz`: database reachable and schema
//! current) and Prometheus metrics (`/metrics`), with request logging and counting.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use fengqiao_app::App;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    metrics: PrometheusHandle,
}

impl AppState {
    /// State over an application, with the process-wide metrics recorder.
    pub fn new(app: App) -> Self {
        Self {
            app,
            metrics: metrics_handle(),
        }
    }
}

/// Installs the Prometheus recorder once per process and returns its handle.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // Another recorder can only be present if an embedding program installed
            // one first; our handle then renders nothing, which /metrics makes visible.
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            handle
        })
        .clone()
}

/// All routes.
pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics_text))
        .layer(middleware::from_fn(count_requests))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Liveness: the process answers.
async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and its schema is exactly what this binary expects.
async fn readyz(State(state): State<AppState>) -> Response {
    let store = state.app.store();
    let (database, migrations) = match store.ping().await {
        Ok(()) => match store.migrations_current().await {
            Ok(true) => ("ok", "current"),
            Ok(false) => ("ok", "not current"),
            Err(_) => ("ok", "unknown"),
        },
        Err(error) => {
            tracing::warn!(%error, "readiness: database unreachable");
            ("unreachable", "unknown")
        }
    };
    let ready = database == "ok" && migrations == "current";
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body =
        serde_json::json!({ "ready": ready, "database": database, "migrations": migrations });
    (status, Json(body)).into_response()
}

async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// Counts requests and their latency by route pattern (never by raw path, which could
/// carry identifiers) and status.
async fn count_requests(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!("fengqiao_http_requests_total", &labels).increment(1);
    metrics::histogram!("fengqiao_http_request_duration_seconds", &labels)
        .record(started.elapsed().as_secs_f64());
    response
}
