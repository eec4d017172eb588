//! The server's basic endpoints, through the router as a client would use them.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use fengqiao_app::App;
use fengqiao_store::{DatabaseTarget, Store, StoreOptions};
use fengqiao_web::{AppState, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

async fn get(state: &AppState, path: &str) -> (StatusCode, String) {
    let response = router(state.clone())
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8(body.to_vec()).unwrap())
}

async fn state(dir: &tempfile::TempDir) -> AppState {
    let store = Store::open(&StoreOptions::new(DatabaseTarget::Sqlite(
        dir.path().join("w.db"),
    )))
    .await
    .unwrap();
    AppState::new(App::new(store))
}

#[tokio::test]
async fn health_and_readiness_answer_when_the_database_is_current() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    assert_eq!(
        get(&state, "/healthz").await,
        (StatusCode::OK, "ok".to_owned())
    );
    let (status, body) = get(&state, "/readyz").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("\"ready\":true"), "{body}");
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    state.app.store().close().await;
    let (status, body) = get(&state, "/readyz").await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(body.contains("unreachable"), "{body}");
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(&dir).await;
    get(&state, "/healthz").await;
    get(&state, "/no/such/page/13812345678").await;
    let (status, text) = get(&state, "/metrics").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("fengqiao_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""), "{text}");
    assert!(
        !text.contains("13812345678"),
        "raw paths must not become labels"
    );
}
