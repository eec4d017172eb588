//! A test application: a fresh SQLite database with a small fixture organisation, one
//! account per role, and a client that keeps its session cookie and CSRF token like a
//! browser would, driving the real router in process.

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use fengqiao_app::App;
use fengqiao_app::org::{NewNode, NewPartner, NewStaff};
use fengqiao_app::users::{NewUser, hash_password};
use fengqiao_domain::org::{NodeLevel, RecordId, Residency, Role};
use fengqiao_domain::{Actor, DomainEvent};
use fengqiao_store::{DatabaseTarget, Store, StoreOptions};
use fengqiao_web::{AppState, router};
use http_body_util::BodyExt;
use tower::ServiceExt;

/// The password of every fixture account.
pub const PASSWORD: &str = "Qingxi-Test-2026!";

/// A node of the fixture and the records attached to it.
#[derive(Debug, Clone)]
pub struct Place {
    /// Node id.
    pub node: RecordId,
    /// Node code.
    pub code: String,
    /// A member of staff whose home is this node.
    pub staff: RecordId,
    /// A user account working in this node.
    pub user: RecordId,
    /// A service account working in this node.
    pub service: RecordId,
    /// The base records at a community or grid (none at stations and bureaus).
    pub base: Option<BaseRecords>,
    /// A station's 司法所.
    pub agency: Option<RecordId>,
}

/// One of each base record at a place.
#[derive(Debug, Clone)]
pub struct BaseRecords {
    /// A standard address.
    pub address: RecordId,
    /// Its code.
    pub address_code: String,
    /// Its text.
    pub address_text: String,
    /// A rental at it.
    pub house: RecordId,
    /// A resident of the house, with ID and phone numbers.
    pub person: RecordId,
    /// A unit at it.
    pub establishment: RecordId,
    /// A campaign listing the address.
    pub campaign: RecordId,
    /// An incident received at the address.
    pub incident: RecordId,
    /// A non-police incident at the address, transferred to the station's 司法所.
    pub transfer: RecordId,
}

/// Writes one of each base record at a community or grid.
async fn base_records(
    app: &App,
    code: &str,
    node: RecordId,
    serial: usize,
    agency: RecordId,
) -> BaseRecords {
    use fengqiao_domain::base::*;
    use fengqiao_domain::org::new_id;
    let (address, house, person, establishment, campaign, incident, transfer) = (
        new_id(),
        new_id(),
        new_id(),
        new_id(),
        new_id(),
        new_id(),
        new_id(),
    );
    let address_code = format!("ADDR-{code}");
    let address_text = format!(
        "浙江省绍兴市诸暨市枫桥镇{code}村{}组{}号",
        serial + 1,
        serial + 10
    );
    let body = format!("33068119800101{serial:03}");
    let id_number = format!(
        "{body}{}",
        fengqiao_domain::identity::IdCardNumber::check_character(&body).unwrap()
    );
    let events = vec![
        DomainEvent::AddressSaved {
            id: address,
            address: AddressFields {
                code: address_code.clone(),
                text: address_text.clone(),
                node_id: node,
                lng: Some(120.05),
                lat: Some(29.05),
            },
        },
        DomainEvent::HouseSaved {
            id: house,
            house: HouseFields {
                address_id: address,
                room: None,
                usage: HouseUsage::Rental,
                landlord_id: None,
                note: None,
            },
        },
        DomainEvent::PersonSaved {
            id: person,
            person: PersonFields {
                name: format!("{code}居民"),
                id_number: Some(id_number),
                phone: Some(format!("1381234{:04}", 5000 + serial)),
                registration: Registration::Floating,
                address_id: address,
                house_id: Some(house),
            },
        },
        DomainEvent::EstablishmentSaved {
            id: establishment,
            establishment: EstablishmentFields {
                name: format!("{code}便利店"),
                kind: "small_store".into(),
                address_id: address,
                contact_name: None,
                contact_phone: None,
                licence: None,
            },
        },
        DomainEvent::CampaignCreated {
            id: campaign,
            node_id: node,
            name: format!("{code}采集"),
            due_date: None,
            items: vec![CampaignItem {
                kind: BaseKind::Address,
                id: address,
            }],
        },
        DomainEvent::IncidentReceived {
            id: incident,
            number: format!("J20261201-{serial:04}"),
            intake: Box::new(fengqiao_domain::incident::IntakeFields {
                external_number: None,
                source: fengqiao_domain::incident::IncidentSource::Call110,
                called_at: fengqiao_domain::Timestamp::now().to_string(),
                caller_name: None,
                caller_phone: Some(format!("1371234{:04}", 6000 + serial)),
                caller_id_number: None,
                address_text: address_text.clone(),
                narrative: format!("{code}邻里纠纷"),
                category: Some("dispute".into()),
            }),
            address_id: Some(address),
            node_id: node,
            match_score: Some(1.0),
            lng: None,
            lat: None,
            repeats: Default::default(),
            suggestion: None,
        },
        DomainEvent::IncidentReceived {
            id: transfer,
            number: format!("J20261201-{:04}", 5000 + serial),
            intake: Box::new(fengqiao_domain::incident::IntakeFields {
                external_number: None,
                source: fengqiao_domain::incident::IncidentSource::Online,
                called_at: fengqiao_domain::Timestamp::now().to_string(),
                caller_name: None,
                caller_phone: None,
                caller_id_number: None,
                address_text: address_text.clone(),
                narrative: format!("{code}路灯损坏"),
                category: Some("non_police".into()),
            }),
            address_id: Some(address),
            node_id: node,
            match_score: Some(1.0),
            lng: None,
            lat: None,
            repeats: Default::default(),
            suggestion: None,
        },
    ];
    let hours = fengqiao_domain::transfer::StepHours::default();
    let transferred = [
        DomainEvent::IncidentTriaged {
            id: transfer,
            category: "non_police".into(),
            branch: fengqiao_domain::incident::Branch::NonPolice,
            note: None,
        },
        fengqiao_domain::transfer::Assignment {
            partner_id: agency,
            rule_id: None,
            overridden: false,
            handle_hours: None,
        }
        .event(transfer, &hours, fengqiao_domain::Timestamp::now()),
    ];
    let commits: Vec<_> = events
        .into_iter()
        .map(|e| {
            fengqiao_store::Commit::now(e.stream(), fengqiao_store::ExpectedVersion::Any, vec![e])
        })
        .collect();
    app.store().commit(&actor(), &commits, &[]).await.unwrap();
    for event in transferred {
        let commit = fengqiao_store::Commit::now(
            event.stream(),
            fengqiao_store::ExpectedVersion::Any,
            vec![event],
        );
        app.store().commit(&actor(), &[commit], &[]).await.unwrap();
    }
    BaseRecords {
        address,
        address_code,
        address_text,
        house,
        person,
        establishment,
        campaign,
        incident,
        transfer,
    }
}

/// The fixture: two bureaus; B1 has stations S1 and S2; S1 has communities C1 and C2;
/// C1 has grids G1 and G2; S2 has C4 with G4; B2 has S3, C3 and G3.
pub struct TestApp {
    pub state: AppState,
    pub dir: tempfile::TempDir,
    pub places: HashMap<&'static str, Place>,
}

fn actor() -> Actor {
    Actor::system("web-test")
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with_secure_cookies(false).await
    }

    pub async fn with_secure_cookies(secure: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&StoreOptions::new(DatabaseTarget::Sqlite(
            dir.path().join("web.db"),
        )))
        .await
        .unwrap();
        let app = App::new(store);
        app.seed_defaults(&actor()).await.unwrap();
        // The second factor is tested on its own; elsewhere the admin signs in with a password.
        let admin = Self::system_principal();
        app.change_setting(
            &admin,
            "security.totp_required_roles",
            serde_json::json!([]),
        )
        .await
        .unwrap();
        let hash = hash_password(PASSWORD).unwrap();
        let mut places = HashMap::new();
        let tree: [(&'static str, Option<&'static str>, NodeLevel); 11] = [
            ("B1", None, NodeLevel::Bureau),
            ("S1", Some("B1"), NodeLevel::Station),
            ("S2", Some("B1"), NodeLevel::Station),
            ("C1", Some("S1"), NodeLevel::Community),
            ("C2", Some("S1"), NodeLevel::Community),
            ("G1", Some("C1"), NodeLevel::Grid),
            ("G2", Some("C1"), NodeLevel::Grid),
            ("C4", Some("S2"), NodeLevel::Community),
            ("B2", None, NodeLevel::Bureau),
            ("S3", Some("B2"), NodeLevel::Station),
            ("C3", Some("S3"), NodeLevel::Community),
        ];
        let mut ids: HashMap<&str, RecordId> = HashMap::new();
        // Each station's 司法所, which the transfers of its places go to.
        let mut agencies: HashMap<&str, RecordId> = HashMap::new();
        for (code, parent, level) in tree.into_iter().chain([
            ("G3", Some("C3"), NodeLevel::Grid),
            ("G4", Some("C4"), NodeLevel::Grid),
        ]) {
            let boundary = serde_json::json!({"type": "Polygon", "coordinates": [[[120.0, 29.0], [120.1, 29.0], [120.1, 29.1], [120.0, 29.0]]]});
            let id = app
                .create_node(
                    &actor(),
                    NewNode {
                        parent_id: parent.map(|p| ids[p]),
                        level,
                        code: code.into(),
                        name: format!("{code}节点"),
                        boundary: Some(boundary),
                    },
                )
                .await
                .unwrap();
            ids.insert(code, id);
            let staff = app
                .create_staff(
                    &actor(),
                    fengqiao_domain::org::new_id(),
                    NewStaff {
                        name: format!("{code}民警"),
                        badge_number: format!("T-{code}"),
                        unit_id: None,
                        roles: vec![Role::CommunityOfficer],
                        specialties: vec![],
                        phone: Some(format!("1391234{:04}", 1000 + places.len())),
                        node_id: Some(id),
                    },
                )
                .await
                .unwrap();
            let user = Self::account(
                &app,
                &format!("user-{}", code.to_lowercase()),
                Role::Auxiliary,
                code,
                Some(hash.clone()),
            )
            .await;
            let service = Self::account(
                &app,
                &format!("svc-{}", code.to_lowercase()),
                Role::Dispatcher,
                code,
                None,
            )
            .await;
            if level == NodeLevel::Station {
                app.create_unit(
                    &actor(),
                    fengqiao_domain::org::new_id(),
                    id,
                    "command_room",
                    &format!("{code}指挥室"),
                )
                .await
                .unwrap();
                let agency = fengqiao_domain::org::new_id();
                agencies.insert(code, agency);
                app.create_partner(
                    &actor(),
                    agency,
                    NewPartner {
                        name: format!("{code}司法所"),
                        department: Some("justice_office".into()),
                        residency: Residency::Standing,
                        node_id: id,
                        contact_phone: Some(format!("1371234{:04}", 1000 + places.len())),
                    },
                )
                .await
                .unwrap();
            }
            let base = if matches!(level, NodeLevel::Community | NodeLevel::Grid) {
                let mut station = parent;
                while let Some(up) = station.filter(|s| !agencies.contains_key(s)) {
                    station = tree
                        .iter()
                        .find(|(c, _, _)| *c == up)
                        .and_then(|(_, p, _)| *p);
                }
                let agency = agencies[station.expect("a leaf lies under a station")];
                Some(base_records(&app, code, id, places.len(), agency).await)
            } else {
                None
            };
            places.insert(
                code,
                Place {
                    node: id,
                    code: code.to_owned(),
                    staff,
                    user,
                    service,
                    base,
                    agency: agencies.get(code).copied(),
                },
            );
        }
        for role in Role::ALL {
            // The partner's account belongs to its home station's 司法所.
            let agency = (*role == Role::Partner).then(|| agencies[role_home(*role)]);
            Self::account_of(
                &app,
                role.as_str(),
                *role,
                role_home(*role),
                Some(hash.clone()),
                agency,
            )
            .await;
        }
        Self {
            state: AppState::new(app).with_secure_cookies(secure),
            dir,
            places,
        }
    }

    /// A principal with every permission, for fixture setup.
    fn system_principal() -> fengqiao_app::policy::Principal {
        fengqiao_app::policy::Principal {
            user_id: fengqiao_domain::org::new_id(),
            username: "fixture".into(),
            display_name: "fixture".into(),
            roles: vec![Role::Admin],
            jurisdiction: vec![],
            permissions: fengqiao_domain::policy::Permission::ALL
                .iter()
                .copied()
                .collect(),
            staff_id: None,
            partner_id: None,
            must_change_password: false,
        }
    }

    async fn account(
        app: &App,
        username: &str,
        role: Role,
        code: &str,
        hash: Option<String>,
    ) -> RecordId {
        Self::account_of(app, username, role, code, hash, None).await
    }

    async fn account_of(
        app: &App,
        username: &str,
        role: Role,
        code: &str,
        hash: Option<String>,
        partner_id: Option<RecordId>,
    ) -> RecordId {
        let new = NewUser {
            username: username.into(),
            display_name: format!("{username}用户"),
            staff_id: None,
            partner_id,
            roles: vec![role],
            jurisdiction_codes: vec![code.into()],
            must_change_password: false,
        };
        let service = hash.is_none();
        app.add_user_with_hash(&actor(), fengqiao_domain::org::new_id(), new, hash, service)
            .await
            .unwrap()
    }

    pub fn app(&self) -> &App {
        &self.state.app
    }

    pub fn place(&self, code: &str) -> &Place {
        &self.places[code]
    }

    /// A client without a session.
    pub fn anonymous(&self) -> Client {
        Client {
            state: self.state.clone(),
            cookie: None,
            csrf: String::new(),
            bearer: None,
        }
    }

    /// A client signed in as `username` with the fixture password.
    pub async fn login(&self, username: &str) -> Client {
        let mut client = self.anonymous();
        let response = client.sign_in(username, PASSWORD).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "sign-in of {username}: {}",
            response.body
        );
        client.refresh_csrf().await;
        client
    }

    /// A raw connection to the database, for moving time in tests.
    pub async fn raw(&self, sql: &str) {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", self.dir.path().join("web.db").display());
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::query(sql).execute(&pool).await.unwrap();
        pool.close().await;
    }

    /// Events of a kind in the whole log.
    pub async fn events_of(&self, kind: &str) -> Vec<fengqiao_store::StoredEvent> {
        let all = self.app().store().events_after(0, i64::MAX).await.unwrap();
        all.into_iter().filter(|e| e.kind == kind).collect()
    }
}

/// Where each role's fixture account works.
pub fn role_home(role: Role) -> &'static str {
    match role {
        Role::Admin | Role::BureauViewer => "B1",
        Role::CommunityOfficer | Role::Auxiliary => "C1",
        Role::GridWorker => "G1",
        _ => "S1",
    }
}

/// An answer.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Resp {
    pub fn location(&self) -> &str {
        self.headers
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn set_cookies(&self) -> Vec<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .map(str::to_owned)
            .collect()
    }
}

/// A browser-like client.
#[derive(Clone)]
pub struct Client {
    state: AppState,
    pub cookie: Option<String>,
    pub csrf: String,
    pub bearer: Option<String>,
}

impl Client {
    fn cookie_name(&self) -> &'static str {
        fengqiao_web::session::cookie_name(self.state.secure_cookies)
    }

    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        csrf_header: bool,
    ) -> Resp {
        self.send_with(method, path, content_type, body, csrf_header, &[])
            .await
    }

    /// As [`Client::send`], with extra headers (`Cookie` extras are appended to the session cookie).
    pub async fn send_with(
        &mut self,
        method: Method,
        path: &str,
        content_type: Option<&str>,
        body: Vec<u8>,
        csrf_header: bool,
        extra: &[(&str, &str)],
    ) -> Resp {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, "fengqiao.test");
        let extra_cookie = extra.iter().find(|(k, _)| *k == "cookie").map(|(_, v)| *v);
        let session_cookie = self
            .cookie
            .as_ref()
            .map(|c| format!("{}={c}", self.cookie_name()));
        let cookie = [session_cookie.as_deref(), extra_cookie]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join("; ");
        if !cookie.is_empty() {
            request = request.header(header::COOKIE, cookie);
        }
        for (name, value) in extra.iter().filter(|(k, _)| *k != "cookie") {
            request = request.header(*name, *value);
        }
        if let Some(token) = &self.bearer {
            request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
        }
        if let Some(kind) = content_type {
            request = request.header(header::CONTENT_TYPE, kind);
        }
        if csrf_header && !self.csrf.is_empty() {
            request = request.header("x-csrf-token", self.csrf.clone());
        }
        let response = router(self.state.clone())
            .oneshot(request.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let resp = Resp {
            status,
            headers,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        };
        for cookie in resp.set_cookies() {
            let prefix = format!("{}=", self.cookie_name());
            if let Some(rest) = cookie.strip_prefix(&prefix) {
                let value = rest.split(';').next().unwrap_or_default().to_owned();
                self.cookie = if value.is_empty() { None } else { Some(value) };
            }
        }
        resp
    }

    /// Opens a never-ending answer (server-sent events): its status and headers at once,
    /// and the body to read from as it arrives.
    pub async fn open_stream(&mut self, path: &str) -> (Resp, Body) {
        let mut request = Request::builder()
            .method(Method::GET)
            .uri(path)
            .header(header::HOST, "fengqiao.test")
            .header(header::ACCEPT, "text/event-stream");
        if let Some(cookie) = &self.cookie {
            request = request.header(header::COOKIE, format!("{}={cookie}", self.cookie_name()));
        }
        let response = router(self.state.clone())
            .oneshot(request.body(Body::empty()).unwrap())
            .await
            .unwrap();
        let (parts, body) = response.into_parts();
        let resp = Resp {
            status: parts.status,
            headers: parts.headers,
            body: String::new(),
        };
        (resp, body)
    }

    pub async fn get(&mut self, path: &str) -> Resp {
        self.send(Method::GET, path, None, Vec::new(), false).await
    }

    /// A form post with the CSRF token in the form, as a plain HTML form sends it.
    pub async fn post_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Resp {
        let csrf = self.csrf.clone();
        let mut pairs: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        pairs.extend_from_slice(fields);
        let body = serde_urlencoded::to_string(&pairs).unwrap();
        self.send(
            Method::POST,
            path,
            Some("application/x-www-form-urlencoded"),
            body.into_bytes(),
            false,
        )
        .await
    }

    /// A JSON call with the CSRF header (as the docs page or a script would send it).
    pub async fn json(&mut self, method: Method, path: &str, body: serde_json::Value) -> Resp {
        self.send(
            method,
            path,
            Some("application/json"),
            body.to_string().into_bytes(),
            true,
        )
        .await
    }

    /// Opens the sign-in page (for its CSRF token) and posts the form.
    pub async fn sign_in(&mut self, username: &str, password: &str) -> Resp {
        let page = self.get("/login").await;
        self.csrf = extract_csrf(&page.body);
        self.post_form("/login", &[("username", username), ("password", password)])
            .await
    }

    /// Reads the CSRF token of the current session from a page.
    pub async fn refresh_csrf(&mut self) {
        let page = self.get("/account/password").await;
        self.csrf = extract_csrf(&page.body);
    }
}

/// What a server-sent event stream says within `wait`, or until it has said `until`:
/// the text of its events (keep-alive comments included), as far as it got.
pub async fn read_stream(
    body: &mut Body,
    wait: std::time::Duration,
    until: Option<&str>,
) -> String {
    let deadline = tokio::time::Instant::now() + wait;
    let mut text = String::new();
    while let Ok(Some(Ok(frame))) = tokio::time::timeout_at(deadline, body.frame()).await {
        if let Ok(data) = frame.into_data() {
            text.push_str(&String::from_utf8_lossy(&data));
        }
        if until.is_some_and(|needle| text.contains(needle)) {
            break;
        }
    }
    text
}

/// The CSRF token embedded in a page.
pub fn extract_csrf(html: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    html.find(marker)
        .map(|i| {
            html[i + marker.len()..]
                .split('"')
                .next()
                .unwrap_or_default()
                .to_owned()
        })
        .unwrap_or_default()
}
