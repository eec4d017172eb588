//! Incidents over HTTP: a 110 export uploaded on the board is received in the background
//! and reported; the API receives one incident and lists it with its phone masked.

use axum::http::{Method, StatusCode};

use crate::base::{multipart, poll};
use crate::support::TestApp;

#[tokio::test]
async fn a_110_export_uploaded_on_the_board_is_received_and_a_second_upload_changes_nothing() {
    let t = TestApp::new().await;
    let g1 = t.place("G1").base.clone().unwrap();
    let mut chief = t.login("station_chief").await;
    let csv = format!(
        "JJDBH,BJSJ,BJDH,BJNR,JQDZ,JQLBDM\nE-1,2026-11-30 08:00:00,13900001111,邻居吵架,{a},neighbour_dispute\nE-2,2026-11-30 09:00:00,13900001111,又吵起来了,{a},XX99\n",
        a = g1.address_text
    );
    let (kind, body) = multipart("110.csv", csv.as_bytes());
    let started = chief
        .send(
            Method::POST,
            "/incidents/import",
            Some(&kind),
            body.clone(),
            true,
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let report = poll(&mut chief, started.location(), "import-done").await;
    assert!(
        report.contains("import-remark") && report.contains(" 1 "),
        "{report}"
    );
    let board = chief.get("/incidents").await;
    assert!(board.body.contains("邻里纠纷"), "{}", board.body);
    let again = chief
        .send(Method::POST, "/incidents/import", Some(&kind), body, true)
        .await;
    let report = poll(&mut chief, again.location(), "import-done").await;
    assert!(report.contains("未变化 2"), "{report}");

    // The API sees both, matched to the address, the phone masked.
    let listed = chief.get("/api/v1/incidents").await;
    let incidents: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
    let ours: Vec<&serde_json::Value> = incidents
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| {
            i["external_number"]
                .as_str()
                .is_some_and(|n| n.starts_with("E-"))
        })
        .collect();
    assert_eq!(ours.len(), 2);
    assert!(
        ours.iter()
            .all(|i| i["address_id"] == g1.address.to_string())
    );
    assert!(ours.iter().all(|i| i["caller_phone"] == "139****1111"));
    assert!(!listed.body.contains("13900001111"));
}

#[tokio::test]
async fn the_api_receives_an_incident_and_refuses_one_without_a_narrative() {
    let t = TestApp::new().await;
    let g1 = t.place("G1").base.clone().unwrap();
    let mut dispatcher = t.login("dispatcher").await;
    let made = dispatcher
        .json(
            Method::POST,
            "/api/v1/incidents",
            serde_json::json!({"source": "call_110", "address_text": g1.address_text, "narrative": "有人打架", "caller_phone": "13800002222"}),
        )
        .await;
    assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
    let incident: serde_json::Value = serde_json::from_str(&made.body).unwrap();
    assert_eq!(incident["state"], "received");
    assert_eq!(incident["address_id"], g1.address.to_string());
    // No category was entered: the narrative suggested one, with the word behind it.
    assert!(incident["category_initial"].is_string(), "{incident}");
    assert!(
        incident["suggested_confidence"]
            .as_f64()
            .is_some_and(|c| c > 0.0)
    );
    assert!(
        incident["suggested_evidence"]
            .as_array()
            .is_some_and(|words| words.iter().any(|w| w == "打架")),
        "{incident}"
    );
    let refused = dispatcher
        .json(
            Method::POST,
            "/api/v1/incidents",
            serde_json::json!({"source": "call_110", "address_text": "某地", "narrative": "  "}),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("narrative"), "{}", refused.body);
}

#[tokio::test]
async fn the_arrival_rates_page_shows_the_period_and_refuses_a_bad_date() {
    let t = TestApp::new().await;
    let mut dispatcher = t.login("dispatcher").await;
    let page = dispatcher.get("/incidents/figures").await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    for id in [
        "figures-total",
        "figures-unit",
        "figures-community",
        "figures-month",
    ] {
        assert!(page.body.contains(id), "{id}");
    }
    let bad = dispatcher.get("/incidents/figures?from=2026-13-01").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(
        bad.body.contains("2026-13-01") && bad.body.contains("YYYY-MM-DD"),
        "{}",
        bad.body
    );
    let reversed = dispatcher
        .get("/incidents/figures?from=2026-12-01&to=2026-11-01")
        .await;
    assert_eq!(reversed.status, StatusCode::UNPROCESSABLE_ENTITY);
}

/// A feedback form as a browser sends it with files: text fields, then `photos` parts.
fn feedback_form(photos: &[(&str, &str, &[u8])]) -> (String, Vec<u8>) {
    let boundary = "fengqiao-photo-boundary";
    let mut body = Vec::new();
    for (name, value) in [
        ("step", "feedback"),
        ("result_code", "mediated"),
        ("narrative", "现场调解，双方和解"),
    ] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    for (file, kind, bytes) in photos {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"photos\"; filename=\"{file}\"\r\nContent-Type: {kind}\r\n\r\n")
                .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// G1's incident triaged and dispatched to G1's officer, who signs in with an account
/// linked to their staff record and has arrived.
async fn arrived_at_g1(t: &TestApp) -> (crate::support::Client, String) {
    use fengqiao_app::users::{NewUser, hash_password};
    let g1 = t.place("G1").clone();
    let incident = g1.base.clone().unwrap().incident.to_string();
    let mut dispatcher = t.login("dispatcher").await;
    let triaged = dispatcher
        .post_form(
            &format!("/incidents/{incident}/triage"),
            &[("category", "public_order"), ("branch", "police")],
        )
        .await;
    assert_eq!(triaged.status, StatusCode::SEE_OTHER, "{}", triaged.body);
    let sent = dispatcher
        .post_form(
            &format!("/incidents/{incident}/dispatch"),
            &[("staff_id", &g1.staff.to_string())],
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.body);
    t.app()
        .add_user_with_hash(
            &fengqiao_domain::Actor::system("web-test"),
            fengqiao_domain::org::new_id(),
            NewUser {
                username: "g1-officer".into(),
                display_name: "G1民警".into(),
                staff_id: Some(g1.staff),
                partner_id: None,
                roles: vec![fengqiao_domain::org::Role::CommunityOfficer],
                jurisdiction_codes: vec!["C1".into()],
                must_change_password: false,
            },
            Some(hash_password(crate::support::PASSWORD).unwrap()),
            false,
        )
        .await
        .unwrap();
    let mut officer = t.login("g1-officer").await;
    // Setting out before signing for it is refused; then each step in order.
    let early = officer
        .post_form(
            &format!("/incidents/{incident}/step"),
            &[("step", "depart")],
        )
        .await;
    assert_eq!(early.status, StatusCode::CONFLICT, "{}", early.body);
    for step in ["accept", "depart", "arrive"] {
        let done = officer
            .post_form(&format!("/incidents/{incident}/step"), &[("step", step)])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{step}: {}", done.body);
    }
    (officer, incident)
}

#[tokio::test]
async fn a_feedback_photo_round_trips_and_a_non_image_or_an_oversized_file_is_refused_naming_the_field()
 {
    let t = TestApp::new().await;
    let (mut officer, incident) = arrived_at_g1(&t).await;
    let step = format!("/incidents/{incident}/step");
    // Not an image, whatever it is called.
    let (kind, body) = feedback_form(&[("现场.jpg", "image/jpeg", b"just some text")]);
    let refused = officer
        .send(Method::POST, &step, Some(&kind), body, true)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("photos") && refused.body.contains("not a JPEG, PNG or WebP"),
        "{}",
        refused.body
    );
    // Too large.
    let mut big = vec![0xFF, 0xD8, 0xFF, 0xE0];
    big.resize(fengqiao_domain::photo::MAX_PHOTO_BYTES + 1, 0);
    let (kind, body) = feedback_form(&[("大图.jpg", "image/jpeg", &big)]);
    let refused = officer
        .send(Method::POST, &step, Some(&kind), body, true)
        .await;
    assert_eq!(
        refused.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains("photos") && refused.body.contains("limit"),
        "{}",
        refused.body
    );
    assert!(
        t.app()
            .store()
            .incident_photos(&incident)
            .await
            .unwrap()
            .is_empty(),
        "a refused feedback stores nothing"
    );

    // A PNG goes through with the feedback.
    let png: Vec<u8> = [
        &b"\x89PNG\r\n\x1a\n"[..],
        &[0, 0, 0, 13, 73, 72, 68, 82, 1, 2, 3, 255],
    ]
    .concat();
    let (kind, body) = feedback_form(&[("现场.png", "image/png", &png)]);
    let done = officer
        .send(Method::POST, &step, Some(&kind), body, true)
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let photos = t.app().store().incident_photos(&incident).await.unwrap();
    assert_eq!(photos.len(), 1);
    let photo = &photos[0];
    assert_eq!(
        (photo.content_type.as_str(), photo.size),
        ("image/png", png.len() as i64)
    );
    // The feedback's event names the photo by id and SHA-256: the chain vouches for it.
    let handled = t.events_of("incident_handled").await;
    let payload = &handled.last().unwrap().payload;
    assert!(
        payload.contains(&photo.id) && payload.contains(&photo.sha256),
        "{payload}"
    );
    assert_eq!(photo.sha256.len(), 64);

    let page = officer.get(&format!("/incidents/{incident}")).await;
    let src = format!("/incidents/{incident}/photos/{}", photo.id);
    assert!(
        page.body.contains(&format!("src=\"{src}\"")),
        "{}",
        page.body
    );
    assert!(page.body.contains("id=\"departed-at\""), "{}", page.body);
    let mut chief = t.login("station_chief").await;
    let served = chief.get(&src).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(
        served
            .headers
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap(),
        "image/png"
    );
    let timeline = chief.get(&format!("/incidents/{incident}")).await;
    assert!(timeline.body.contains("出发"), "{}", timeline.body);
}

#[tokio::test]
async fn a_user_outside_the_jurisdiction_gets_not_found_for_the_photo() {
    let t = TestApp::new().await;
    let (mut officer, incident) = arrived_at_g1(&t).await;
    let jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0, 16, b'J', b'F', b'I', b'F'];
    let (kind, body) = feedback_form(&[("a.jpg", "image/jpeg", &jpeg)]);
    let done = officer
        .send(
            Method::POST,
            &format!("/incidents/{incident}/step"),
            Some(&kind),
            body,
            true,
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    let photo = t.app().store().incident_photos(&incident).await.unwrap()[0]
        .id
        .clone();
    let src = format!("/incidents/{incident}/photos/{photo}");
    // The officer's own sees it; an officer of another bureau with the same role and
    // permission does not, and a photo asked for through another incident is not found.
    assert_eq!(officer.get(&src).await.status, StatusCode::OK);
    let mut foreign = t.login("user-s3").await;
    assert_eq!(foreign.get(&src).await.status, StatusCode::NOT_FOUND);
    let other = t.place("G2").base.clone().unwrap().incident;
    assert_eq!(
        officer
            .get(&format!("/incidents/{other}/photos/{photo}"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    assert!(
        t.events_of("access_denied")
            .await
            .iter()
            .any(|e| e.payload.contains("scope")),
        "the refusal is recorded"
    );
}

#[tokio::test]
async fn the_roster_page_shows_a_shift_entered_in_its_form_and_refuses_a_bad_time() {
    let t = TestApp::new().await;
    let g1 = t.place("G1").clone();
    let mut chief = t.login("station_chief").await;
    let saved = chief
        .post_form(
            "/duty/shifts",
            &[
                ("staff_id", &g1.staff.to_string()),
                ("date", "2026-12-02"),
                ("start", "20:00"),
                ("end", "08:00"),
                ("kind", "standby"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let page = chief.get("/duty?week=2026-12-03").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("2026-11-30") && page.body.contains("2026-12-06"),
        "Monday to Sunday"
    );
    assert!(
        page.body.contains("20:00–08:00") && page.body.contains("备勤"),
        "{}",
        page.body
    );
    let bad = chief
        .post_form(
            "/duty/shifts",
            &[
                ("staff_id", &g1.staff.to_string()),
                ("weekday", "1"),
                ("start", "25:00"),
                ("end", "08:00"),
                ("kind", "on_duty"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    assert!(bad.body.contains("start"), "{}", bad.body);
    // A grid worker sees the roster but cannot change it.
    let mut grid = t.login("grid_worker").await;
    assert_eq!(grid.get("/duty").await.status, StatusCode::OK);
    let refused = grid
        .post_form(
            "/duty/shifts",
            &[
                ("staff_id", &g1.staff.to_string()),
                ("weekday", "1"),
                ("start", "08:00"),
                ("end", "20:00"),
                ("kind", "on_duty"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_partner_agency_works_its_inbox_through_the_api() {
    let t = TestApp::new().await;
    let transfer = t.place("C1").base.as_ref().unwrap().transfer;
    let foreign = t.place("C3").base.as_ref().unwrap().transfer;
    let mut partner = t.login("partner").await;
    let inbox = partner.get("/api/v1/transfers").await;
    assert_eq!(inbox.status, StatusCode::OK, "{}", inbox.body);
    let items: serde_json::Value = serde_json::from_str(&inbox.body).unwrap();
    let ids: Vec<&str> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["incident_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&transfer.to_string().as_str()), "{ids:?}");
    assert!(
        !ids.contains(&foreign.to_string().as_str()),
        "another station's agency"
    );
    assert!(items[0]["due_at"].is_string() && items[0]["step"] == "assign");

    let path = format!("/api/v1/transfers/{transfer}/steps");
    let signed = partner
        .json(Method::POST, &path, serde_json::json!({"step": "sign"}))
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert!(
        signed.body.contains("\"state\":\"signed\""),
        "{}",
        signed.body
    );
    let empty = partner
        .json(
            Method::POST,
            &path,
            serde_json::json!({"step": "verify", "note": "  "}),
        )
        .await;
    assert_eq!(
        empty.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        empty.body
    );
    assert!(empty.body.contains("note"), "{}", empty.body);
    let twice = partner
        .json(Method::POST, &path, serde_json::json!({"step": "sign"}))
        .await;
    assert_eq!(twice.status, StatusCode::CONFLICT, "{}", twice.body);
    let elsewhere = partner
        .json(
            Method::POST,
            &format!("/api/v1/transfers/{foreign}/steps"),
            serde_json::json!({"step": "sign"}),
        )
        .await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    let bad = partner.get("/api/v1/transfers?view=later").await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(bad.body.contains("view"), "{}", bad.body);
}
