//! The live board over HTTP: its event stream tells a board of the jurisdiction about an
//! intake within a second and tells a board elsewhere nothing; search, filters and
//! paging are read in the jurisdiction, and a link reproduces the view.

use std::time::{Duration, Instant};

use axum::http::{Method, StatusCode};
use fengqiao_domain::incident::{IncidentSource, IntakeFields};

use crate::support::{TestApp, read_stream};

fn intake(address: &str, narrative: &str) -> IntakeFields {
    IntakeFields {
        external_number: None,
        source: IncidentSource::Call110,
        called_at: fengqiao_domain::Timestamp::now().to_string(),
        caller_name: None,
        caller_phone: Some("13912340000".into()),
        caller_id_number: None,
        address_text: address.into(),
        narrative: narrative.into(),
        category: Some("assistance".into()),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_board_hears_an_intake_of_its_jurisdiction_within_a_second_and_a_foreign_board_hears_nothing()
 {
    // Arrange: a dispatcher of S1 and an auxiliary of G3 (another bureau) watch.
    let t = TestApp::new().await;
    let mut dispatcher = t.login("dispatcher").await;
    let mut foreign = t.login("user-g3").await;
    let (opened, mut ours) = dispatcher.open_stream("/incidents/events").await;
    assert_eq!(opened.status, StatusCode::OK);
    let (opened, mut theirs) = foreign.open_stream("/incidents/events").await;
    assert_eq!(opened.status, StatusCode::OK);

    // Act: the dispatcher takes a call at G1 on the board's form.
    let g1 = t.place("G1").base.clone().unwrap();
    let made = dispatcher
        .post_form(
            "/incidents",
            &[
                ("source", "call_110"),
                ("address_text", &g1.address_text),
                ("narrative", "群众求助"),
                ("category", "assistance"),
            ],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
    let id = made.location().trim_start_matches("/incidents/").to_owned();
    let committed = Instant::now();

    // Assert: our board hears it at once, the foreign one hears nothing of it.
    let heard = read_stream(&mut ours, Duration::from_millis(1000), Some(&id)).await;
    assert!(
        heard.contains("event: incident") && heard.contains(&id),
        "{heard}"
    );
    assert!(committed.elapsed() < Duration::from_millis(1000));
    let elsewhere = read_stream(&mut theirs, Duration::from_millis(500), None).await;
    assert!(!elsewhere.contains(&id), "{elsewhere}");
    assert!(!elsewhere.contains("event: incident"), "{elsewhere}");

    // And the other way round: S3's dispatcher takes a call at G3.
    let s3 = t
        .app()
        .principal(&t.place("S3").service.to_string())
        .await
        .unwrap()
        .unwrap();
    let g3 = t.place("G3").base.clone().unwrap();
    let theirs_id = t
        .app()
        .receive_incident_as(&s3, intake(&g3.address_text, "群众求助"))
        .await
        .unwrap()
        .to_string();
    let heard = read_stream(&mut theirs, Duration::from_millis(1000), Some(&theirs_id)).await;
    assert!(heard.contains(&theirs_id), "{heard}");
    let ours_now = read_stream(&mut ours, Duration::from_millis(500), None).await;
    assert!(!ours_now.contains(&theirs_id), "{ours_now}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_needs_a_session_and_the_permission_to_view_incidents() {
    let t = TestApp::new().await;
    let (anonymous, _) = t.anonymous().open_stream("/incidents/events").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    let mut partner = t.login("partner").await;
    let (refused, _) = partner.open_stream("/incidents/events").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_board_searches_filters_and_pages_within_the_jurisdiction_and_a_link_reproduces_the_view()
 {
    let t = TestApp::new().await;
    let mut dispatcher = t.login("dispatcher").await;
    let link = |code: &str| {
        format!(
            "/incidents/{}\"",
            t.place(code).base.as_ref().unwrap().incident
        )
    };

    // Words of the narrative: the one incident, in its column and in the register.
    let page = dispatcher.get("/incidents?q=G1%E9%82%BB").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches(&link("G1")).count(), 2, "{}", page.body);
    assert!(!page.body.contains(&link("G2")));
    assert!(page.body.contains("共 1 条"), "{}", page.body);
    // The filter form shows what was asked.
    assert!(page.body.contains("value=\"G1邻\""), "{}", page.body);
    // Another bureau's incident is not found even by its own words.
    let page = dispatcher.get("/incidents?q=G3").await;
    assert!(!page.body.contains(&link("G3")));
    assert!(page.body.contains("共 0 条"));
    // Phone digits, a state, a category beneath a top level, a source, a date range.
    // Every fixture caller's phone starts 137 1234; as the caller says it, with spaces.
    let phones = dispatcher.get("/incidents?q=137+1234").await;
    assert!(phones.body.contains("共 4 条"), "{}", phones.body);
    let received = dispatcher.get("/incidents?state=received").await;
    assert!(received.body.contains("共 4 条"), "{}", received.body);
    let closed = dispatcher.get("/incidents?state=closed").await;
    assert!(closed.body.contains("共 0 条"));
    let criminal = dispatcher.get("/incidents?category=criminal").await;
    assert!(criminal.body.contains("共 0 条"));
    let disputes = dispatcher
        .get("/incidents?category=dispute&source=call_110")
        .await;
    assert!(disputes.body.contains("共 4 条"), "{}", disputes.body);
    let repeats = dispatcher.get("/incidents?repeat=1").await;
    assert!(repeats.body.contains("共 0 条"));
    let long_ago = dispatcher
        .get("/incidents?from=2020-01-01&to=2020-01-31")
        .await;
    assert!(long_ago.body.contains("共 0 条"));
    // A bad value is refused with the field named, not widened to "any".
    let bad = dispatcher.get("/incidents?state=lost").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let bad = dispatcher.get("/incidents?page=0").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);

    // Paging: 24 more calls at G1 make 32 in the jurisdiction (each leaf also holds a
    // transferred matter), two pages of 25.
    let g1_address = t.place("G1").base.clone().unwrap().address_text;
    for _ in 0..24 {
        let made = dispatcher
            .json(
                Method::POST,
                "/api/v1/incidents",
                serde_json::json!({"source": "walk_in", "address_text": g1_address, "narrative": "来所求助", "category": "assistance"}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    }
    let first = dispatcher.get("/incidents?source=walk_in").await;
    assert!(first.body.contains("共 24 条") && first.body.contains("第 1/1 页"));
    let first = dispatcher.get("/incidents").await;
    assert!(first.body.contains("共 32 条") && first.body.contains("第 1/2 页"));
    let rows = |html: &str| html.matches("<tr data-incident=").count();
    assert_eq!(rows(&first.body), 25);
    assert!(
        first.body.contains("href=\"/incidents?page=2\""),
        "{}",
        first.body
    );
    let second = dispatcher.get("/incidents?page=2").await;
    assert_eq!(rows(&second.body), 7);
    assert!(second.body.contains("第 2/2 页"));
    // The link keeps the filters.
    let filtered = dispatcher
        .get("/incidents?q=%E6%B1%82%E5%8A%A9&page=1")
        .await;
    assert!(filtered.body.contains("共 24 条"), "{}", filtered.body);
    let kept = dispatcher
        .get("/incidents?q=%E6%B1%82%E5%8A%A9&state=received")
        .await;
    assert!(kept.body.contains("共 24 条"));
    // The register is the jurisdiction's: the foreign bureau's user sees none of these.
    let mut foreign = t.login("user-g3").await;
    let theirs = foreign.get("/incidents").await;
    assert!(theirs.body.contains("共 2 条"), "{}", theirs.body);
    assert!(theirs.body.contains(&link("G3")));
}
