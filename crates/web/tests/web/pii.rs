//! Personal data stays masked: no ID or mobile number appears whole in any page, API
//! answer, export or log line for roles without the reveal permission, and revealing
//! one number is recorded with its reason.

use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use fengqiao_domain::org::Role;
use regex::Regex;

use crate::support::{TestApp, role_home};

/// Removes identifiers that are not personal data but could contain digit runs by
/// chance (UUIDs, SM3 hashes, session and CSRF tokens, decimal fractions such as
/// latencies), then applies the two patterns.
fn personal_data_in(text: &str) -> Vec<String> {
    let identifiers = Regex::new(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,}|\d+\.\d+(e-?\d+)?").unwrap();
    let cleaned = identifiers.replace_all(text, "_");
    let id_number = Regex::new(r"\d{17}[\dXx]").unwrap();
    let mobile = Regex::new(r"1[3-9]\d{9}").unwrap();
    id_number
        .find_iter(&cleaned)
        .chain(mobile.find_iter(&cleaned))
        .map(|m| m.as_str().to_owned())
        .collect()
}

/// Every GET route with its parameters filled from the actor's own place.
fn own_paths(t: &TestApp, role: Role) -> Vec<String> {
    let place = t.place(role_home(role));
    let mut paths: Vec<String> = fengqiao_web::routes::specs()
        .iter()
        .filter(|s| s.method == "GET" && !s.path.starts_with("/static/"))
        .map(|s| {
            let id = if s.path.contains("staff") {
                place.staff.to_string()
            } else if s.path.contains("users") {
                place.user.to_string()
            } else {
                place.node.to_string()
            };
            s.path
                .replace("{table}", "severity")
                .replace("{kind}", "jurisdiction_node")
                .replace("{id}", &id)
        })
        .collect();
    for kind in ["staff", "user"] {
        let id = if kind == "staff" {
            place.staff
        } else {
            place.user
        };
        paths.push(format!("/admin/timeline/{kind}/{id}"));
        paths.push(format!("/api/v1/records/{kind}/{id}/timeline"));
    }
    paths.push("/admin/audit?verify=1".into());
    paths.push("/admin/codes/export?format=csv".into());
    paths
}

#[tokio::test]
async fn no_whole_id_or_mobile_number_reaches_any_role_that_may_not_reveal() {
    let t = TestApp::new().await;
    // Seed the data the scan must not find whole: phones on staff and partners (the
    // fixture), an ID number and a phone inside a reveal reason.
    let mut chief = t.login("station_chief").await;
    let staff = t.place("C1").staff;
    let revealed = chief
        .json(
            Method::POST,
            &format!("/api/v1/staff/{staff}/reveal"),
            serde_json::json!({"reason": "回访核实 11010519491231002X 13912341234"}),
        )
        .await;
    assert_eq!(revealed.status, StatusCode::OK);
    assert!(
        !personal_data_in(&revealed.body).is_empty(),
        "the reveal itself shows the number: {}",
        revealed.body
    );
    for role in Role::ALL {
        let mut client = t.login(role.as_str()).await;
        for path in own_paths(&t, *role) {
            let response = if path == "/incidents/events" {
                // The event stream never ends: scan what it says in a moment.
                let (mut response, mut body) = client.open_stream(&path).await;
                response.body = crate::support::read_stream(
                    &mut body,
                    std::time::Duration::from_millis(200),
                    None,
                )
                .await;
                response
            } else {
                client.get(&path).await
            };
            let found = personal_data_in(&response.body);
            assert!(
                found.is_empty(),
                "{role} GET {path} ({}) shows {found:?}",
                response.status
            );
        }
    }
    // Every trace of the reveal is in the log, with who, what and why.
    let reveals = t.events_of("personal_data_revealed").await;
    assert_eq!(reveals.len(), 1);
    assert!(
        reveals[0].payload.contains("\"field\":\"phone\"")
            && reveals[0].actor.contains("station_chief")
    );
    assert!(
        !t.events_of("person_record_viewed").await.is_empty(),
        "opening a person's record is recorded too"
    );
}

#[tokio::test]
async fn a_reveal_without_a_reason_or_permission_is_refused() {
    let t = TestApp::new().await;
    let staff = t.place("G1").staff;
    let mut grid = t.login("grid_worker").await;
    let refused = grid
        .json(
            Method::POST,
            &format!("/api/v1/staff/{staff}/reveal"),
            serde_json::json!({"reason": "想看看号码"}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let mut dispatcher = t.login("dispatcher").await;
    let staff = t.place("C1").staff;
    let no_reason = dispatcher
        .json(
            Method::POST,
            &format!("/api/v1/staff/{staff}/reveal"),
            serde_json::json!({"reason": "看"}),
        )
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(t.events_of("personal_data_revealed").await.is_empty());
}

#[tokio::test]
async fn lists_and_counts_leak_nothing_from_other_jurisdictions() {
    let t = TestApp::new().await;
    let mut chief = t.login("station_chief").await;
    let home = chief.get("/").await.body;
    // S1 holds C1 and C2 and the grids G1 and G2 under C1; nothing of S2 or B2.
    let figure = |label: &str| -> String {
        let i = home
            .find(label)
            .unwrap_or_else(|| panic!("{label} in {home}"));
        let before = &home[..i];
        before
            .rsplit("<b>")
            .next()
            .unwrap_or_default()
            .split('<')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    assert_eq!(figure("<span>社区/村</span>"), "2");
    assert_eq!(figure("<span>网格</span>"), "2");
    for foreign in ["C4节点", "C3节点", "S2节点", "B2节点"] {
        assert!(
            !home.contains(foreign),
            "{foreign} leaked into the home page"
        );
    }
    let staff: Vec<serde_json::Value> =
        serde_json::from_str(&chief.get("/api/v1/staff").await.body).unwrap();
    assert!(
        staff
            .iter()
            .all(|s| ["T-S1", "T-C1", "T-C2", "T-G1", "T-G2"]
                .contains(&s["badge_number"].as_str().unwrap())),
        "{staff:?}"
    );
}

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn the_server_log_carries_no_personal_data_even_at_trace_level() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let t = TestApp::new().await;
    let mut chief = t.login("station_chief").await;
    let staff = t.place("C1").staff;
    chief
        .json(
            Method::POST,
            &format!("/api/v1/staff/{staff}/reveal"),
            serde_json::json!({"reason": "核实身份"}),
        )
        .await;
    chief.get("/admin/staff").await;
    let mut stranger = t.anonymous();
    stranger.sign_in("13812345678", "whatever-password").await;
    let log = String::from_utf8_lossy(&captured.0.lock().unwrap()).into_owned();
    assert!(
        log.contains("sign-in refused"),
        "the log was captured: {}",
        &log[..log.len().min(500)]
    );
    assert!(
        personal_data_in(&log).is_empty(),
        "{:?}",
        personal_data_in(&log)
    );
}
