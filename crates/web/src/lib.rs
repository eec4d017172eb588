//! The HTTP face of fengqiao: the only crate that knows HTTP, HTML and JSON.
//!
//! Every route is listed once in [`routes::table`], with what it needs (public, a
//! signed-in user, or the API); the router is built from that table, so the
//! authorization-matrix test sees exactly the routes that are served. Requests pass
//! through [`session::context_layer`] (language, session or token, CSRF) and the
//! security headers; handlers call the `app` use cases, which decide what is allowed.

pub mod api;
pub mod assets;
pub mod error;
pub mod i18n;
pub mod jobs;
pub mod pages;
pub mod routes;
pub mod session;
pub mod view;

use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use fengqiao_app::App;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The use cases.
    pub app: App,
    /// Whether the server is reached over TLS (directly or through a proxy): session
    /// cookies are then `__Host-` prefixed and Secure.
    pub secure_cookies: bool,
    /// Imports running in the background.
    pub jobs: jobs::Jobs,
    metrics: PrometheusHandle,
}

impl AppState {
    /// State over an application, with the process-wide metrics recorder.
    pub fn new(app: App) -> Self {
        Self {
            app,
            secure_cookies: false,
            jobs: jobs::Jobs::default(),
            metrics: metrics_handle(),
        }
    }

    /// The same state with Secure, `__Host-` session cookies (served over TLS).
    pub fn with_secure_cookies(mut self, secure: bool) -> Self {
        self.secure_cookies = secure;
        self
    }

    /// The rendered Prometheus metrics.
    pub fn render_metrics(&self) -> String {
        self.metrics.render()
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

/// All routes, with the context, security-header, metrics and tracing layers.
pub fn router(state: AppState) -> Router {
    let mut router = Router::new();
    for (path, method_router) in routes::merged() {
        router = router.route(path, method_router);
    }
    router
        .fallback(pages::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            session::context_layer,
        ))
        .layer(middleware::from_fn(security_headers))
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
    let sweep = tokio::spawn(escalation_sweep(state.app.clone()));
    let served = axum::serve(listener, router(state))
        .with_graceful_shutdown(shutdown)
        .await;
    sweep.abort();
    served
}

/// Every minute, escalates the transferred matters whose current step is overdue
/// (督办) to the station chief. Several servers on one database may all run it: the
/// commit's version check lets only one escalation per step through.
async fn escalation_sweep(app: fengqiao_app::App) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(60));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match app
            .escalate_overdue_transfers(fengqiao_domain::Timestamp::now())
            .await
        {
            Ok(0) => {}
            Ok(n) => tracing::info!(escalated = n, "overdue transferred matters escalated"),
            Err(error) => tracing::warn!(%error, "escalation sweep failed"),
        }
    }
}

/// Headers every answer carries: no framing, no sniffing, no referrer, scripts and
/// styles only from this server, and no caching of pages with personal data.
async fn security_headers(request: Request, next: Next) -> Response {
    let is_static = request.uri().path().starts_with("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    let fixed = [
        ("x-frame-options", "DENY"),
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        (
            "content-security-policy",
            "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
             img-src 'self' data: http: https:; connect-src 'self'; frame-ancestors 'none'; \
             form-action 'self'; base-uri 'none'; object-src 'none'",
        ),
    ];
    for (name, value) in fixed {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if !is_static {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
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
