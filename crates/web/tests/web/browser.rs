//! Real headless Chromium, driven through chromedriver (WebDriver) with fantoccini,
//! against the server on a local port with the demo bureau: several roles sign in and
//! see what their role allows, the administrator passes the second factor, edits a code
//! table and opens the jurisdiction map. Screenshots go to `artifacts/screenshots/`.
//!
//! Locally the tests skip, saying why, when Chromium or chromedriver is missing; under
//! `CI=true` they are required (`.ci/run` installs `chromium`, `chromium-driver` and
//! `fonts-noto-cjk`).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use fengqiao_app::App;
use fengqiao_domain::Actor;
use fengqiao_store::{DatabaseTarget, Store, StoreOptions};
use fengqiao_web::AppState;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

struct Browser {
    client: Client,
    driver: Child,
    base: String,
    _profile: tempfile::TempDir,
    _data: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// Whether the browser tests can run here; under CI they must.
fn available() -> bool {
    let present = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if !present {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "Chromium and chromedriver are required when CI=true (.ci/run installs them)"
        );
        eprintln!("skipping the browser test: {CHROMIUM} or {CHROMEDRIVER} is not installed");
    }
    present
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../artifacts/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Starts the server with the demo bureau, chromedriver and a headless Chromium.
async fn start() -> (Browser, App) {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreOptions::new(DatabaseTarget::Sqlite(
        data.path().join("b.db"),
    )))
    .await
    .unwrap();
    let app = App::new(store);
    app.seed_defaults(&Actor::system("test")).await.unwrap();
    app.seed_demo(&Actor::system("demo"), 2026, &|_, _| {})
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let state = AppState::new(app.clone());
    tokio::spawn(fengqiao_web::serve(listener, state, std::future::pending()));

    let port = free_port();
    let driver = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let capabilities: serde_json::Map<String, serde_json::Value> = serde_json::from_value(serde_json::json!({
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1366,900", "--lang=zh-CN", format!("--user-data-dir={}", profile.path().display())
            ]
        }
    }))
    .unwrap();
    let mut client = None;
    for _ in 0..100 {
        match ClientBuilder::native()
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    let client = client.expect("chromedriver answers");
    (
        Browser {
            client,
            driver,
            base,
            _profile: profile,
            _data: data,
        },
        app,
    )
}

impl Browser {
    async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap();
    }

    /// The text of an element; retried while the page is being replaced (an htmx
    /// redirect makes a found element stale before its text is read).
    async fn text(&self, css: &str) -> String {
        let mut last_error = String::new();
        for _ in 0..100 {
            match self.client.find(Locator::Css(css)).await {
                Ok(element) => match element.text().await {
                    Ok(text) => return text,
                    Err(error) => last_error = error.to_string(),
                },
                Err(error) => last_error = error.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no text for {css} within 10 s: {last_error}");
    }

    /// Waits until an element's text contains `needle` (an htmx redirect replaces the
    /// page a moment after the click) and returns the text.
    async fn wait_text(&self, css: &str, needle: &str) -> String {
        let mut text = String::new();
        for _ in 0..100 {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(found) = element.text().await
            {
                text = found;
                if text.contains(needle) {
                    return text;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{css} never showed {needle:?} within 10 s; last: {text}");
    }

    async fn select(&self, css: &str, value: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .select_by_value(value)
            .await
            .unwrap();
    }

    async fn fill(&self, css: &str, value: &str) {
        let field = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap();
        field.clear().await.unwrap();
        field.send_keys(value).await.unwrap();
    }

    async fn click(&self, css: &str) {
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
    }

    async fn sign_in(&self, username: &str) {
        self.client.delete_all_cookies().await.unwrap();
        self.open("/login").await;
        self.fill("#username", username).await;
        self.fill("#password", fengqiao_app::demo::DEMO_PASSWORD)
            .await;
        self.click("#login-submit").await;
        // Wait for the sign-in to finish (home, or the second-factor page) before the
        // next navigation, which would otherwise race the session cookie.
        for _ in 0..100 {
            let url = self.client.current_url().await.unwrap();
            if url.path() != "/login" {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("signing in as {username} did not leave the sign-in page within 10 s");
    }

    async fn nav(&self) -> String {
        self.text("header .nav").await
    }

    async fn shot(&self, name: &str) {
        let png = self.client.screenshot().await.unwrap();
        assert!(png.len() > 10_000, "a real screenshot");
        std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_signs_in_and_sees_what_its_role_allows() {
    if !available() {
        return;
    }
    let (browser, _app) = start().await;

    browser.sign_in("station_chief").await;
    assert!(browser.text("#home-title").await.contains("您好"));
    assert!(browser.text("#coverage").await.contains('%'));
    let nav = browser.nav().await;
    assert!(
        nav.contains("组织辖区") && nav.contains("用户") && nav.contains("审计留痕"),
        "{nav}"
    );
    assert!(
        !nav.contains("系统设置") && !nav.contains("接口令牌"),
        "{nav}"
    );
    browser.shot("home-station-chief").await;

    browser.sign_in("community_officer").await;
    let nav = browser.nav().await;
    assert!(nav.contains("组织辖区") && !nav.contains("用户"), "{nav}");
    let table = browser.text("table.grid").await;
    assert!(table.contains("枫源村"), "{table}");
    browser.shot("home-community-officer").await;

    browser.sign_in("partner").await;
    assert!(browser.text("#home-agency").await.contains("司法所"));
    let nav = browser.nav().await;
    assert!(!nav.contains("组织辖区") && !nav.contains("人员"), "{nav}");
    // A page outside the role answers as not allowed.
    browser.open("/admin/users").await;
    assert!(browser.text("section.error").await.contains("无权访问"));
    browser.shot("partner-refused").await;

    browser.sign_in("volunteer").await;
    assert!(browser.text("#home-title").await.contains("您好"));
    browser.shot("home-volunteer").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_administrator_passes_the_second_factor_edits_a_code_table_and_sees_the_map() {
    if !available() {
        return;
    }
    let (browser, app) = start().await;
    browser.sign_in("admin").await;
    // The role requires TOTP; the demo enrolled one.
    browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#totp-code"))
        .await
        .unwrap();
    let code = app.demo_totp_code("admin").await.unwrap();
    browser.fill("#totp-code", &code).await;
    browser.click("#totp-submit").await;
    assert!(
        browser
            .text("#system-status")
            .await
            .contains("事件日志条数")
    );
    browser.shot("home-admin").await;

    browser.open("/admin/codes/severity").await;
    browser.fill("#entry-code", "minor").await;
    browser.fill("#entry-name", "轻微").await;
    browser.click("#entry-save").await;
    let mut table = String::new();
    for _ in 0..50 {
        table = browser.text("#entries").await;
        if table.contains("轻微") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(table.contains("minor") && table.contains("轻微"), "{table}");
    browser.shot("code-table-edited").await;

    browser.open("/admin/org").await;
    let map = browser
        .client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#map[data-features]"))
        .await
        .unwrap();
    let features: usize = map
        .attr("data-features")
        .await
        .unwrap()
        .unwrap_or_default()
        .parse()
        .unwrap();
    assert!(
        features >= 40,
        "the map draws the bureau, stations, communities and grids: {features}"
    );
    let shapes = browser
        .client
        .find_all(Locator::Css("#map path.leaflet-interactive"))
        .await
        .unwrap();
    assert!(shapes.len() >= 40, "{} polygons on the map", shapes.len());
    browser.shot("jurisdiction-map").await;

    // The English switch.
    browser.click("#lang-switch").await;
    let nav = browser.nav().await;
    assert!(nav.contains("Jurisdiction"), "{nav}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_newcomer_finds_an_address_from_a_callers_words_and_sees_who_lives_there() {
    if !available() {
        return;
    }
    use rand::SeedableRng;
    let (browser, app) = start().await;
    browser.sign_in("community_officer").await;
    let officer = app
        .principal(
            &app.store()
                .account_by_username("community_officer")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .unwrap();
    let mine = app
        .addresses_as(
            &officer,
            fengqiao_app::base::AddressQuery {
                limit: 200,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let target = mine
        .rows
        .iter()
        .find(|a| a.text.contains('组'))
        .unwrap_or(&mine.rows[0])
        .clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let said = fengqiao_app::demo_base::messy_variant(&target.text, &mut rng);

    browser.open("/base/addresses").await;
    browser.fill("input[name=q]", &said).await;
    browser
        .click("form[action='/base/addresses'] button[type=submit]")
        .await;
    assert!(browser.text("#best").await.contains(&target.text), "{said}");
    browser.shot("address-search").await;
    browser.click("#best a").await;
    assert_eq!(browser.text("#address-text").await, target.text);
    let houses = browser.text("#houses").await;
    assert!(houses.lines().count() >= 2, "{houses}");
    let people = browser.text("#people").await;
    assert!(people.contains("****"), "numbers are masked: {people}");
    assert!(browser.text("#components").await.contains("门牌号"));
    let responsible = browser.text("#responsible").await;
    assert!(
        responsible.contains("社区民警") && responsible.contains("网格员"),
        "{responsible}"
    );
    browser.shot("address-detail").await;

    browser.sign_in("grid_worker").await;
    browser.open("/base").await;
    let freshness = browser.text("#freshness").await;
    assert!(freshness.contains('%'), "{freshness}");
    browser.shot("base-freshness").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_incident_goes_from_the_call_to_closure_through_the_dispatcher_and_the_officer() {
    if !available() {
        return;
    }
    use rand::SeedableRng;
    let (browser, app) = start().await;
    let officer = app
        .principal(
            &app.store()
                .account_by_username("community_officer")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .unwrap();
    let mine = app
        .addresses_as(
            &officer,
            fengqiao_app::base::AddressQuery {
                limit: 20,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let target = mine.rows[5].clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(11);
    let said = fengqiao_app::demo_base::messy_variant(&target.text, &mut rng);

    // The command room takes the call with the keyboard.
    browser.sign_in("dispatcher").await;
    browser.open("/incidents").await;
    browser.fill("#caller_phone", "13912345678").await;
    browser.fill("#address_text", &said).await;
    browser
        .fill("#narrative", "报警人称楼上邻居深夜噪音扰民，双方发生争吵")
        .await;
    browser.click("#intake-submit").await;
    let number = browser.wait_text("#incident-number", "J").await;
    assert!(number.starts_with('J'), "{number}");
    assert_eq!(browser.text("#matched").await, target.text, "{said}");
    browser
        .select("#triage-category", "neighbour_dispute")
        .await;
    browser.click("#triage-submit").await;
    browser.wait_text("#candidates", "社区民警").await;
    browser.shot("incident-candidates").await;
    browser.click("#candidates button.dispatch").await;
    browser.wait_text("#incident-state", "已派警").await;

    // The officer works it from their own list.
    browser.sign_in("community_officer").await;
    browser.open("/incidents/mine").await;
    browser.click("#mine a").await;
    browser.click("#step-accept").await;
    browser.wait_text("#incident-state", "已签收").await;
    browser.click("#step-arrive").await;
    browser.wait_text("#incident-state", "已到场").await;
    browser
        .fill("#feedback", "到场劝解，双方表示以后注意")
        .await;
    browser.click("#step-feedback").await;
    browser.wait_text("#incident-state", "已反馈").await;

    // The command room closes it; the timeline has every step with who did it.
    browser.sign_in("dispatcher").await;
    browser.open("/incidents").await;
    browser.click("#board .ticket a").await;
    browser.click("#close").await;
    browser.wait_text("#incident-state", "已办结").await;
    let timeline = browser.wait_text("#incident-timeline", "办结").await;
    for step in [
        "接报警情",
        "研判分流",
        "派警",
        "签收",
        "到场",
        "处置反馈",
        "办结",
    ] {
        assert!(timeline.contains(step), "{step} missing: {timeline}");
    }
    assert!(
        timeline.contains("dispatcher") && timeline.contains("community_officer"),
        "{timeline}"
    );
    browser.shot("incident-closed").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_non_police_matter_goes_to_the_agency_and_back_and_the_timeline_has_every_step() {
    if !available() {
        return;
    }
    let (browser, _app) = start().await;

    // The command room takes an online request and sends it to people's mediation:
    // the transfer list names the justice office for disputes.
    browser.sign_in("dispatcher").await;
    browser.open("/incidents").await;
    browser.select("#source", "online").await;
    browser.fill("#caller_phone", "13712345678").await;
    browser.fill("#address_text", "枫溪镇政府东侧").await;
    browser
        .fill(
            "#narrative",
            "楼上住户家中漏水渗到楼下，双方为赔偿争执不下，要求调解",
        )
        .await;
    browser.click("#intake-submit").await;
    let number = browser.wait_text("#incident-number", "J").await;
    let number = number.split_whitespace().next().unwrap().to_owned();
    let url = browser.client.current_url().await.unwrap();
    let id = url.path().trim_start_matches("/incidents/").to_owned();
    browser
        .select("#triage-category", "neighbour_dispute")
        .await;
    browser.select("#triage-branch", "non_police").await;
    browser.click("#triage-submit").await;
    browser.wait_text("#incident-transfer", "司法所").await;

    // The agency's user finds it in the inbox and works it step by step.
    browser.sign_in("partner").await;
    browser.open("/transfers").await;
    browser.wait_text("#transfers", &number).await;
    browser.shot("transfer-inbox").await;
    browser.open(&format!("/transfers/{id}")).await;
    browser.click("#transfer-sign").await;
    browser.wait_text("#transfer-state", "已签收").await;
    for (field, button, state, words) in [
        (
            "#verify-note",
            "#transfer-verify",
            "已核查",
            "两户均在家，漏水属实",
        ),
        (
            "#handle-note",
            "#transfer-handle",
            "已处置",
            "调解员上门，楼上修复管道并赔偿",
        ),
        (
            "#feedback-note",
            "#transfer-feedback",
            "已反馈",
            "已调解成功，签订调解协议",
        ),
    ] {
        browser.fill(field, words).await;
        browser.click(button).await;
        browser.wait_text("#transfer-state", state).await;
    }

    // The command room calls the caller back, records the rating and reviews it.
    browser.sign_in("dispatcher").await;
    browser.open("/transfers").await;
    browser.wait_text("#transfers", &number).await;
    browser.open(&format!("/transfers/{id}")).await;
    browser.wait_text("#feedback-text", "调解协议").await;
    browser.select("#satisfaction", "satisfied").await;
    browser.fill("#evaluation-note", "群众表示满意").await;
    browser.click("#transfer-evaluate").await;
    browser.wait_text("#transfer-state", "已评价").await;
    browser.fill("#review-note", "按期办结，群众满意").await;
    browser.click("#transfer-accept").await;
    browser.wait_text("#transfer-state", "已问效办结").await;
    let steps = browser.text("#transfer-steps").await;
    let stamped = regex::Regex::new(r"\d\d-\d\d \d\d:\d\d:\d\d").unwrap();
    assert_eq!(
        stamped.find_iter(&steps).count(),
        6,
        "each of the six steps shows when it was done: {steps}"
    );
    browser.shot("transfer-reviewed").await;

    browser.open(&format!("/incidents/{id}")).await;
    browser.wait_text("#incident-state", "已办结").await;
    let timeline = browser.text("#incident-timeline").await;
    let order = [
        "接报警情",
        "研判分流",
        "交办",
        "承办单位签收",
        "核查",
        "处置",
        "反馈",
        "群众评价",
        "问效",
        "办结",
    ];
    let mut from = 0;
    for step in order {
        let at = timeline[from..]
            .find(step)
            .unwrap_or_else(|| panic!("{step} missing after byte {from}: {timeline}"));
        from += at + step.len();
    }
    for who in ["dispatcher", "partner"] {
        assert!(timeline.contains(who), "{who} missing: {timeline}");
    }
    assert!(
        stamped.find_iter(&timeline).count() >= order.len(),
        "every step has its time: {timeline}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_board_shows_an_incident_taken_elsewhere_without_a_reload_and_keeps_the_typing() {
    if !available() {
        return;
    }
    let (browser, app) = start().await;
    browser.sign_in("dispatcher").await;
    browser.open("/incidents").await;
    browser.wait_text("#live", "实时").await;
    // What the dispatcher is typing must survive the board's refresh.
    browser.fill("#narrative", "正在录入的警情").await;

    // Another dispatcher (another server, or the API) receives a call in the station.
    let dispatcher = app
        .principal(
            &app.store()
                .account_by_username("dispatcher")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .unwrap();
    let id = app
        .receive_incident_as(
            &dispatcher,
            fengqiao_domain::incident::IntakeFields {
                external_number: None,
                source: fengqiao_domain::incident::IncidentSource::Online,
                called_at: fengqiao_domain::Timestamp::now().to_string(),
                caller_name: None,
                caller_phone: None,
                caller_id_number: None,
                address_text: "某村某组".into(),
                narrative: "群众在线求助，家中老人走失".into(),
                category: Some("assistance".into()),
            },
        )
        .await
        .unwrap();
    let number = app
        .store()
        .incident(&id.to_string())
        .await
        .unwrap()
        .unwrap()
        .number;

    // The board shows it, marked as changed, without a reload; the form kept its text.
    browser.wait_text("#board", &number).await;
    browser.wait_text("#incident-list", &number).await;
    let changed = browser
        .text(&format!("[data-incident='{id}'].changed"))
        .await;
    assert!(changed.contains(&number), "{changed}");
    let typed = browser
        .client
        .find(Locator::Css("#narrative"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(typed.as_deref(), Some("正在录入的警情"));
    browser.shot("incident-board-live").await;
}
