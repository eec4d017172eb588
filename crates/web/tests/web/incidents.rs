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
