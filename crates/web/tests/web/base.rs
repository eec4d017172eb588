//! The base pages as an officer uses them: find an address from what a caller said,
//! open it, see what is there (masked), reveal one number with a reason, import a file
//! and watch it finish, and read the freshness figure on the grid's page.

use axum::http::StatusCode;

use crate::support::TestApp;

pub(crate) fn multipart(name: &str, body: &[u8]) -> (String, Vec<u8>) {
    let boundary = "fengqiao-base-boundary";
    let mut bytes = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    bytes.extend_from_slice(body);
    bytes.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), bytes)
}

#[tokio::test]
async fn an_officer_finds_an_address_from_what_a_caller_said_and_sees_what_is_there() {
    let t = TestApp::new().await;
    let base = t.place("G1").base.clone().unwrap();
    let mut officer = t.login("community_officer").await;
    // Said without the province, city and county, with a landmark word after the door.
    let said = base
        .address_text
        .replace("浙江省绍兴市诸暨市", "")
        .replace("号", "号门口");
    let page = officer
        .get(&format!("/base/addresses?q={}", urlencode(&said)))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("id=\"best\"")
            && page
                .body
                .contains(&format!("/base/addresses/{}\"", base.address)),
        "{}",
        page.body
    );
    let address = officer
        .get(&format!("/base/addresses/{}", base.address))
        .await;
    assert_eq!(address.status, StatusCode::OK);
    assert!(address.body.contains("G1居民") && address.body.contains("G1便利店"));
    assert!(
        address.body.contains("138****"),
        "phones are masked in the list"
    );
    assert!(!address.body.contains("13812345"), "no whole phone number");

    // Revealing the resident's phone needs a reason and shows the number once.
    let person = format!("/base/people/{}", base.person);
    let shown = officer.get(&person).await;
    assert!(shown.body.contains("330681********"), "{}", shown.body);
    let refused = officer
        .post_form(
            &format!("{person}/reveal"),
            &[("field", "phone"), ("reason", "")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let revealed = officer
        .post_form(
            &format!("{person}/reveal"),
            &[("field", "phone"), ("reason", "核实报警人身份")],
        )
        .await;
    assert!(revealed.body.contains("13812345"), "{}", revealed.body);
    let reveals = t.events_of("personal_data_revealed").await;
    assert!(
        reveals
            .iter()
            .any(|e| e.payload.contains(&base.person.to_string()))
    );
}

#[tokio::test]
async fn an_import_runs_in_the_background_and_reports_every_bad_row() {
    let t = TestApp::new().await;
    let mut admin = t.login("admin").await;
    let good = "code,address,grid,lng,lat\nW-1,浙江省绍兴市诸暨市枫桥镇新村1组1号,G2,120.01,29.01\nW-2,浙江省绍兴市诸暨市枫桥镇新村1组2号,G2,,\n";
    let (kind, body) = multipart("新地址.csv", good.as_bytes());
    let started = admin
        .send(
            axum::http::Method::POST,
            "/base/addresses/import",
            Some(&kind),
            body.clone(),
            true,
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.body);
    let job = started.location().to_owned();
    assert!(job.starts_with("/imports/"), "{job}");
    let done = poll(&mut admin, &job, "import-done").await;
    assert!(done.contains("2") && done.contains("新地址.csv"), "{done}");
    // The same file again changes nothing.
    let again = admin
        .send(
            axum::http::Method::POST,
            "/base/addresses/import",
            Some(&kind),
            body,
            true,
        )
        .await;
    let report = poll(&mut admin, again.location(), "import-done").await;
    assert!(report.contains("未变化 2"), "{report}");

    let bad = "code,address,grid\nX-1,浙江省某地1号,NOPE\nX-2,,G2\n";
    let (kind, body) = multipart("bad.csv", bad.as_bytes());
    let failed = admin
        .send(
            axum::http::Method::POST,
            "/base/addresses/import",
            Some(&kind),
            body,
            true,
        )
        .await;
    let report = poll(&mut admin, failed.location(), "import-failed").await;
    assert!(report.contains("bad.csv, row 2, column grid"), "{report}");
    assert!(
        report.contains("bad.csv, row 3, column address"),
        "{report}"
    );

    // Another user cannot read the job.
    let mut other = t.login("station_chief").await;
    assert_eq!(other.get(&job).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_grid_page_shows_its_freshness_and_a_visit_raises_it() {
    let t = TestApp::new().await;
    let g1 = t.place("G1").clone();
    let base = g1.base.clone().unwrap();
    let mut worker = t.login("grid_worker").await;
    let before = worker.get(&format!("/admin/org/nodes/{}", g1.node)).await;
    assert!(before.body.contains("id=\"freshness\""), "{}", before.body);
    assert!(
        before.body.contains("0.0%") && before.body.contains("(0/4)"),
        "{}",
        before.body
    );
    let visited = worker
        .post_form(
            "/base/verify",
            &[
                ("kind", "person"),
                ("id", &base.person.to_string()),
                ("note", "本人在家"),
            ],
        )
        .await;
    assert_eq!(visited.status, StatusCode::SEE_OTHER, "{}", visited.body);
    let after = worker.get(&format!("/admin/org/nodes/{}", g1.node)).await;
    assert!(
        after.body.contains("25.0%") && after.body.contains("(1/4)"),
        "{}",
        after.body
    );
    let api = worker.get("/api/v1/base/freshness").await;
    let figures: serde_json::Value = serde_json::from_str(&api.body).unwrap();
    let mine = figures
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == g1.node.to_string())
        .unwrap();
    assert_eq!(
        (mine["fresh"].as_i64(), mine["total"].as_i64()),
        (Some(1), Some(4))
    );
}

pub(crate) async fn poll(client: &mut crate::support::Client, path: &str, marker: &str) -> String {
    for _ in 0..200 {
        let page = client.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        if page.body.contains(marker) {
            return page.body;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{path} never showed {marker}");
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
