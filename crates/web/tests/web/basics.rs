//! Health, readiness, metrics, static assets and the error pages.

use axum::http::StatusCode;

use crate::support::TestApp;

#[tokio::test]
async fn health_and_readiness_answer_when_the_database_is_current() {
    let t = TestApp::new().await;
    let mut client = t.anonymous();
    let health = client.get("/healthz").await;
    assert_eq!(
        (health.status, health.body.as_str()),
        (StatusCode::OK, "ok")
    );
    let ready = client.get("/readyz").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert!(ready.body.contains("\"ready\":true"));
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let t = TestApp::new().await;
    t.app().store().close().await;
    let ready = t.anonymous().get("/readyz").await;
    assert_eq!(ready.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(ready.body.contains("unreachable"), "{}", ready.body);
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern_never_by_raw_path() {
    let t = TestApp::new().await;
    let mut client = t.anonymous();
    client.get("/healthz").await;
    client.get("/no/such/page/13812345678").await;
    let text = client.get("/metrics").await.body;
    assert!(text.contains("fengqiao_http_requests_total"), "{text}");
    assert!(text.contains("route=\"/healthz\""), "{text}");
    assert!(
        !text.contains("13812345678"),
        "raw paths must not become labels"
    );
}

#[tokio::test]
async fn vendored_assets_are_served_from_the_binary_with_security_headers() {
    let t = TestApp::new().await;
    let mut client = t.anonymous();
    for path in [
        "/static/vendor/htmx.min.js",
        "/static/vendor/echarts.min.js",
        "/static/vendor/leaflet/leaflet.js",
        "/static/app/app.css",
    ] {
        let asset = client.get(path).await;
        assert_eq!(asset.status, StatusCode::OK, "{path}");
        assert!(asset.body.len() > 1000, "{path}");
    }
    let page = client.get("/login").await;
    let csp = page
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert_eq!(page.headers.get("x-frame-options").unwrap(), "DENY");
    assert_eq!(page.headers.get("cache-control").unwrap(), "no-store");
    // No page refers to anything outside this server.
    assert!(
        !page.body.contains("http://") && !page.body.contains("https://"),
        "{}",
        page.body
    );
}

#[tokio::test]
async fn an_unknown_page_is_a_localised_404_and_an_unknown_api_path_a_json_one() {
    let t = TestApp::new().await;
    let mut client = t.login("dispatcher").await;
    let page = client.get("/no-such-page").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(page.body.contains("未找到"), "{}", page.body);
    let api = client.get("/api/v1/no-such-thing").await;
    assert_eq!(api.status, StatusCode::NOT_FOUND);
    assert!(api.body.contains("\"code\":\"not_found\""), "{}", api.body);
}

#[tokio::test]
async fn htmx_requests_get_the_fragment_and_normal_requests_the_whole_page() {
    let t = TestApp::new().await;
    let mut client = t.login("station_chief").await;
    let full = client.get("/admin/units").await;
    assert!(
        full.body.starts_with("<!doctype html>"),
        "{}",
        &full.body[..80]
    );
    let fragment = client
        .send_with(
            axum::http::Method::GET,
            "/admin/units",
            None,
            Vec::new(),
            false,
            &[("hx-request", "true")],
        )
        .await;
    assert!(!fragment.body.contains("<html"), "{}", fragment.body);
    assert!(fragment.body.contains("id=\"units\""), "{}", fragment.body);
}

#[tokio::test]
async fn the_english_switch_changes_the_interface_language() {
    let t = TestApp::new().await;
    let mut client = t.login("station_chief").await;
    assert!(client.get("/").await.body.contains("辖区概况"));
    let switched = client
        .post_form("/lang", &[("lang", "en"), ("back", "/admin/units")])
        .await;
    assert_eq!(switched.location(), "/admin/units");
    let cookie = switched.set_cookies().join(";");
    assert!(cookie.contains("fq_lang=en"), "{cookie}");
    let english = client
        .send_with(
            axum::http::Method::GET,
            "/",
            None,
            Vec::new(),
            false,
            &[("cookie", "fq_lang=en")],
        )
        .await;
    assert!(
        english.body.contains("Your jurisdiction"),
        "{}",
        english.body
    );
    let off_site = client
        .post_form("/lang", &[("lang", "zh"), ("back", "//evil.example/")])
        .await;
    assert_eq!(off_site.location(), "/", "never an open redirect");
}
