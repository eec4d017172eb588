//! Liveness, readiness and metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Liveness: the process answers.
pub async fn healthz() -> &'static str {
    "ok"
}

/// Readiness: the database answers and its schema is exactly what this binary expects.
pub async fn readyz(State(state): State<AppState>) -> Response {
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

/// Prometheus text format.
pub async fn metrics_text(State(state): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.render_metrics(),
    )
        .into_response()
}
