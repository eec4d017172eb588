//! Authentication and session security: lockout, timeouts, replay, CSRF, cookie flags,
//! the second factor, forced password change, rehashing and API tokens.

use axum::http::{Method, StatusCode};

use crate::support::{PASSWORD, TestApp};

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_and_the_refusal_never_says_why() {
    let t = TestApp::new().await;
    let mut client = t.anonymous();
    let unknown = client.sign_in("nobody-here", PASSWORD).await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let refusal = |body: &str| {
        body.split("id=\"login-error\">")
            .nth(1)
            .unwrap_or_default()
            .split('<')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let unknown_text = refusal(&unknown.body);
    assert!(!unknown_text.is_empty());
    for _ in 0..5 {
        let wrong = client.sign_in("dispatcher", "Wrong-Password-1").await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert_eq!(
            refusal(&wrong.body),
            unknown_text,
            "a wrong password reads like an unknown user"
        );
    }
    let right_but_locked = client.sign_in("dispatcher", PASSWORD).await;
    assert_eq!(
        right_but_locked.status,
        StatusCode::UNAUTHORIZED,
        "locked accounts refuse the right password"
    );
    assert_eq!(refusal(&right_but_locked.body), unknown_text);
    let locks = t.events_of("account_locked").await;
    assert_eq!(locks.len(), 1);
    assert!(
        locks[0].payload.contains("\"failures\":5"),
        "{}",
        locks[0].payload
    );
    let failures = t.events_of("login_failed").await;
    assert!(failures.iter().any(|e| e.payload.contains("unknown_user")));
    assert!(
        failures
            .iter()
            .any(|e| e.payload.contains("\"reason\":\"locked\""))
    );

    // An administrator unlocks; the right password works again.
    let mut admin = t.login("admin").await;
    let dispatcher = t
        .app()
        .store()
        .account_by_username("dispatcher")
        .await
        .unwrap()
        .unwrap();
    let unlocked = admin
        .post_form(&format!("/admin/users/{}/unlock", dispatcher.id), &[])
        .await;
    assert_eq!(unlocked.status, StatusCode::SEE_OTHER, "{}", unlocked.body);
    assert_eq!(
        client.sign_in("dispatcher", PASSWORD).await.status,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn an_idle_session_expires_and_the_timeout_is_recorded() {
    let t = TestApp::new().await;
    let mut client = t.login("station_chief").await;
    assert_eq!(client.get("/").await.status, StatusCode::OK);
    t.raw("UPDATE sessions SET last_seen_at = '2000-01-01T00:00:00.000000Z'")
        .await;
    let after = client.get("/").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location(), "/login");
    let ends = t.events_of("logged_out").await;
    assert!(
        ends.iter().any(|e| e.payload.contains("idle_timeout")),
        "{ends:?}"
    );
}

#[tokio::test]
async fn a_session_older_than_the_absolute_limit_expires_even_when_busy() {
    let t = TestApp::new().await;
    let mut client = t.login("station_chief").await;
    t.raw("UPDATE sessions SET created_at = '2000-01-01T00:00:00.000000Z'")
        .await;
    assert_eq!(
        client.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert!(
        t.events_of("logged_out")
            .await
            .iter()
            .any(|e| e.payload.contains("absolute_timeout"))
    );
}

#[tokio::test]
async fn a_session_cannot_be_replayed_after_sign_out() {
    let t = TestApp::new().await;
    let mut client = t.login("dispatcher").await;
    let stolen = client.cookie.clone();
    let out = client.post_form("/logout", &[]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(
        out.set_cookies()
            .iter()
            .any(|c| c.contains("Max-Age=0") || c.contains("Expires=")),
        "the cookie is cleared"
    );
    let mut replay = t.anonymous();
    replay.cookie = stolen;
    assert_eq!(
        replay.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(replay.get("/").await.location(), "/login");
    assert!(
        t.events_of("logged_out")
            .await
            .iter()
            .any(|e| e.payload.contains("\"reason\":\"logout\""))
    );
}

#[tokio::test]
async fn signing_in_issues_a_new_session_id_and_the_old_one_dies() {
    let t = TestApp::new().await;
    let mut client = t.anonymous();
    client.get("/login").await;
    let before = client.cookie.clone().unwrap();
    let page = client.get("/login").await;
    client.csrf = crate::support::extract_csrf(&page.body);
    client
        .post_form(
            "/login",
            &[("username", "dispatcher"), ("password", PASSWORD)],
        )
        .await;
    let after = client.cookie.clone().unwrap();
    assert_ne!(before, after);
    let mut old = t.anonymous();
    old.cookie = Some(before);
    assert_eq!(old.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(client.get("/api/v1/me").await.status, StatusCode::OK);
}

#[tokio::test]
async fn state_changing_requests_need_the_csrf_token_and_a_same_site_origin() {
    let t = TestApp::new().await;
    let mut admin = t.login("admin").await;
    let good = admin.csrf.clone();
    let path = "/admin/settings";
    let fields = [("key", "security.lockout_threshold"), ("value", "6")];
    admin.csrf = String::new();
    assert_eq!(
        admin.post_form(path, &fields).await.status,
        StatusCode::FORBIDDEN,
        "missing token"
    );
    admin.csrf = "0".repeat(64);
    assert_eq!(
        admin.post_form(path, &fields).await.status,
        StatusCode::FORBIDDEN,
        "wrong token"
    );
    admin.csrf = good.clone();
    let json = admin
        .json(
            Method::PUT,
            "/api/v1/settings/security.lockout_threshold",
            serde_json::json!({"value": 7}),
        )
        .await;
    assert_eq!(
        json.status,
        StatusCode::OK,
        "the header carries the token for scripts: {}",
        json.body
    );
    // A cross-site origin is refused even with the right token.
    let body = serde_urlencoded::to_string([
        ("_csrf", good.as_str()),
        ("key", "security.lockout_threshold"),
        ("value", "8"),
    ])
    .unwrap();
    let cross = admin
        .clone()
        .send_with(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            false,
            &[("origin", "https://evil.example")],
        )
        .await;
    assert_eq!(cross.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.post_form(path, &fields).await.status,
        StatusCode::SEE_OTHER,
        "the right token from this site works"
    );
    assert_eq!(t.app().settings().await.unwrap().lockout_threshold, 6);
    let denials = t.events_of("access_denied").await;
    assert!(
        denials
            .iter()
            .filter(|e| e.payload.contains("\"missing\":\"csrf\""))
            .count()
            >= 3,
        "{denials:?}"
    );
}

#[tokio::test]
async fn session_cookies_are_http_only_same_site_and_secure_with_the_host_prefix_over_tls() {
    let plain = TestApp::new().await;
    let mut client = plain.anonymous();
    let cookie = client.get("/login").await.set_cookies().join("\n");
    assert!(cookie.starts_with("fq_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "plain HTTP cannot carry Secure cookies: {cookie}"
    );

    let tls = TestApp::with_secure_cookies(true).await;
    let mut client = tls.anonymous();
    let cookie = client.get("/login").await.set_cookies().join("\n");
    assert!(cookie.starts_with("__Host-fq_session="), "{cookie}");
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    let signed_in = tls.login("dispatcher").await;
    assert!(signed_in.cookie.is_some());
}

#[tokio::test]
async fn the_administrator_enrols_and_then_must_use_a_one_time_code_once() {
    let t = TestApp::new().await;
    let mut admin = t.login("admin").await;
    let on = admin
        .json(
            Method::PUT,
            "/api/v1/settings/security.totp_required_roles",
            serde_json::json!({"value": ["admin"]}),
        )
        .await;
    assert_eq!(on.status, StatusCode::OK, "{}", on.body);

    let mut client = t.anonymous();
    let first = client.sign_in("admin", PASSWORD).await;
    assert_eq!(first.location(), "/login/enrol");
    assert_eq!(
        client.get("/").await.location(),
        "/login",
        "no access before the second factor"
    );
    let page = client.get("/login/enrol").await;
    let secret = page
        .body
        .split("id=\"totp-secret\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_owned();
    client.csrf = crate::support::extract_csrf(&page.body);
    let code = fengqiao_app::auth::totp(&secret, "admin")
        .unwrap()
        .generate_current()
        .to_string();
    let enrolled = client
        .post_form("/login/enrol", &[("secret", &secret), ("code", &code)])
        .await;
    assert_eq!(enrolled.location(), "/", "{}", enrolled.body);
    assert_eq!(client.get("/api/v1/me").await.status, StatusCode::OK);

    let mut again = t.anonymous();
    assert_eq!(
        again.sign_in("admin", PASSWORD).await.location(),
        "/login/totp"
    );
    let page = again.get("/login/totp").await;
    again.csrf = crate::support::extract_csrf(&page.body);
    let wrong = again.post_form("/login/totp", &[("code", "000000")]).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    // The code used for enrolment was accepted once and is not accepted again.
    let replay = again.post_form("/login/totp", &[("code", &code)]).await;
    assert_eq!(
        replay.status,
        StatusCode::UNAUTHORIZED,
        "a one-time code works once"
    );
    assert!(
        t.events_of("totp_set")
            .await
            .iter()
            .any(|e| e.payload.contains("\"enrolled\":true"))
    );
}

#[tokio::test]
async fn a_new_account_must_change_its_password_before_anything_else() {
    let t = TestApp::new().await;
    let mut admin = t.login("admin").await;
    let created = admin
        .post_form(
            "/admin/users",
            &[
                ("username", "zhao.lei"),
                ("display_name", "赵磊"),
                ("roles", "dispatcher"),
                ("jurisdiction", "S1"),
                ("password", "Initial-Pass-2026"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
    let mut zhao = t.anonymous();
    assert_eq!(
        zhao.sign_in("zhao.lei", "Initial-Pass-2026").await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(zhao.get("/").await.location(), "/account/password");
    assert_eq!(zhao.get("/api/v1/me").await.status, StatusCode::FORBIDDEN);
    let page = zhao.get("/account/password").await;
    zhao.csrf = crate::support::extract_csrf(&page.body);
    let common = zhao
        .post_form(
            "/account/password",
            &[
                ("current", "Initial-Pass-2026"),
                ("new", "Qwerty123456"),
                ("repeat", "Qwerty123456"),
            ],
        )
        .await;
    assert_eq!(common.status, StatusCode::UNPROCESSABLE_ENTITY);
    let changed = zhao
        .post_form(
            "/account/password",
            &[
                ("current", "Initial-Pass-2026"),
                ("new", "Fengqiao-Zhao-77"),
                ("repeat", "Fengqiao-Zhao-77"),
            ],
        )
        .await;
    assert_eq!(changed.location(), "/", "{}", changed.body);
    assert_eq!(zhao.get("/").await.status, StatusCode::OK);
    assert!(
        t.events_of("password_changed")
            .await
            .iter()
            .any(|e| e.payload.contains("\"by_administrator\":false"))
    );
}

#[tokio::test]
async fn a_hash_with_weaker_parameters_is_upgraded_at_sign_in() {
    use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
    let t = TestApp::new().await;
    let weak = argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(8 * 1024, 1, 1, None).unwrap(),
    )
    .hash_password(PASSWORD.as_bytes(), &SaltString::generate(&mut OsRng))
    .unwrap()
    .to_string();
    let new = fengqiao_app::users::NewUser {
        username: "old.hash".into(),
        display_name: "旧哈希".into(),
        staff_id: None,
        partner_id: None,
        roles: vec![fengqiao_domain::org::Role::Dispatcher],
        jurisdiction_codes: vec!["S1".into()],
        must_change_password: false,
    };
    t.app()
        .add_user_with_hash(
            &fengqiao_domain::Actor::system("test"),
            fengqiao_domain::org::new_id(),
            new,
            Some(weak),
            false,
        )
        .await
        .unwrap();
    t.login("old.hash").await;
    let stored = t
        .app()
        .store()
        .password_hash("old.hash")
        .await
        .unwrap()
        .unwrap();
    assert!(stored.contains("m=19456,t=2,p=1"), "{stored}");
}

#[tokio::test]
async fn a_service_account_token_works_without_cookies_until_revoked() {
    let t = TestApp::new().await;
    let mut admin = t.login("admin").await;
    let service = t.place("S1").service.to_string();
    let issued = admin
        .json(
            Method::POST,
            "/api/v1/tokens",
            serde_json::json!({"user_id": service, "name": "110 对接"}),
        )
        .await;
    assert_eq!(issued.status, StatusCode::CREATED, "{}", issued.body);
    let body: serde_json::Value = serde_json::from_str(&issued.body).unwrap();
    let token = body["token"].as_str().unwrap().to_owned();
    let mut integration = t.anonymous();
    integration.bearer = Some(token.clone());
    let me = integration.get("/api/v1/me").await;
    assert_eq!(me.status, StatusCode::OK);
    assert!(me.body.contains("svc-s1"), "{}", me.body);
    let revoked = admin
        .json(
            Method::DELETE,
            &format!("/api/v1/tokens/{}", body["id"].as_str().unwrap()),
            serde_json::json!({}),
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert_eq!(
        integration.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Only a hash is stored.
    let stored = t
        .app()
        .store()
        .api_tokens(&fengqiao_store::Scope::All)
        .await
        .unwrap();
    assert!(!format!("{stored:?}").contains(&token));
}
