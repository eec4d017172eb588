//! The authorization matrix: every route × every role × a record in the role's own
//! jurisdiction, a sibling's, the parent's and another bureau's. The expected answer is
//! derived from two tables written here, independently of the code under test: the
//! permission each route needs, and the permissions each role holds by default
//! (DOMAIN.md). A meta-test fails when a route is served without a row here.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::http::{Method, StatusCode};
use fengqiao_domain::org::Role;

use crate::support::{PASSWORD, TestApp, role_home};

/// What a route acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// Reachable by anyone: the answer is never 401/403.
    Public,
    /// Platform-wide: allowed exactly when the role has the permission.
    Global,
    /// A list that must show the place's record exactly when it is in scope.
    List(Record),
    /// One record (read or change): allowed when permitted and in scope, else 403/404.
    One(Record),
    /// Creates something at (or for) the place: allowed when permitted and in scope.
    Create(Record),
    /// An event stream for what is in scope: opened when permitted, else 403. What it
    /// tells, and to whom, is tested in `incidents.rs`.
    Stream,
    /// One's own background job: with the permission an unknown job is not found,
    /// without it the answer is 403.
    Job,
    /// A step on a record whose state or owner may refuse it (409/422) even when
    /// permitted and in scope; outside the scope it is not found.
    Step(Record),
}

/// Which record of a place a route is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Record {
    Node,
    Staff,
    User,
    Service,
    Token,
    /// Units and partner agencies live at the place's station.
    StationThing,
    /// Base records live at a community or grid: the place's own, or one beneath it.
    Address,
    House,
    Person,
    Establishment,
    Campaign,
    Incident,
    /// A non-police incident transferred to the place's station's 司法所.
    Transfer,
}

impl Record {
    fn is_base(self) -> bool {
        matches!(
            self,
            Record::Address
                | Record::House
                | Record::Person
                | Record::Establishment
                | Record::Campaign
        )
    }
}

/// The community or grid whose base records stand for a place. Stations and bureaus
/// hold none, so a descendant outside the places it is "parent" or "sibling" of stands
/// in: every relation keeps its meaning.
fn leaf_of(code: &str) -> &'static str {
    match code {
        "B1" => "C4",
        "S1" => "C2",
        "S2" => "G4",
        "B2" => "G3",
        "S3" => "C3",
        "C1" => "C1",
        "C2" => "C2",
        "C3" => "C3",
        "C4" => "C4",
        "G1" => "G1",
        "G2" => "G2",
        "G3" => "G3",
        _ => "G4",
    }
}

/// Route → (permission needed or none, shape). Independent of `routes.rs`.
fn rows() -> Vec<(&'static str, &'static str, Option<&'static str>, Shape)> {
    use Record::*;
    use Shape::*;
    vec![
        ("GET", "/healthz", None, Public),
        ("GET", "/readyz", None, Public),
        ("GET", "/metrics", None, Public),
        ("GET", "/static/{*path}", None, Public),
        ("GET", "/login", None, Public),
        ("POST", "/login", None, Public),
        ("GET", "/login/totp", None, Public),
        ("POST", "/login/totp", None, Public),
        ("GET", "/login/enrol", None, Public),
        ("POST", "/login/enrol", None, Public),
        ("POST", "/lang", None, Public),
        ("POST", "/logout", None, Public),
        ("GET", "/api/v1/openapi.json", None, Public),
        ("GET", "/api/v1/docs", None, Public),
        ("GET", "/", None, Global),
        ("GET", "/account/password", None, Global),
        ("POST", "/account/password", None, Global),
        ("GET", "/incidents", Some("incident.view"), List(Incident)),
        ("GET", "/incidents/events", Some("incident.view"), Stream),
        ("POST", "/incidents", Some("incident.dispatch"), Global),
        ("GET", "/incidents/mine", Some("incident.handle"), Global),
        ("GET", "/incidents/figures", Some("incident.view"), Global),
        (
            "GET",
            "/incidents/{id}",
            Some("incident.view"),
            One(Incident),
        ),
        (
            "POST",
            "/incidents/{id}/triage",
            Some("incident.dispatch"),
            One(Incident),
        ),
        (
            "POST",
            "/incidents/{id}/dispatch",
            Some("incident.dispatch"),
            One(Incident),
        ),
        (
            "POST",
            "/incidents/{id}/step",
            Some("incident.handle"),
            Step(Incident),
        ),
        (
            "POST",
            "/incidents/{id}/close",
            Some("incident.dispatch"),
            Step(Incident),
        ),
        // The fixture's incidents have no photos: with the permission an unknown photo
        // is not found, without it 403. Who may see a real one is tested in incidents.rs.
        (
            "GET",
            "/incidents/{id}/photos/{photo_id}",
            Some("incident.view"),
            Job,
        ),
        ("GET", "/duty", Some("org.view"), List(Staff)),
        ("POST", "/duty/shifts", Some("duty.manage"), Create(Staff)),
        ("POST", "/duty/shifts/{id}/remove", Some("duty.manage"), Job),
        (
            "GET",
            "/api/v1/incidents",
            Some("incident.view"),
            List(Incident),
        ),
        (
            "POST",
            "/api/v1/incidents",
            Some("incident.dispatch"),
            Global,
        ),
        (
            "GET",
            "/api/v1/incidents/{id}",
            Some("incident.view"),
            One(Incident),
        ),
        ("GET", "/secondary", Some("incident.view"), Global),
        (
            "GET",
            "/api/v1/transfers",
            Some("incident.view|transfer.answer"),
            List(Transfer),
        ),
        (
            "POST",
            "/api/v1/transfers/{id}/steps",
            Some("transfer.answer"),
            Step(Transfer),
        ),
        (
            "POST",
            "/incidents/{id}/secondary",
            Some("incident.dispatch"),
            Step(Incident),
        ),
        (
            "GET",
            "/transfers",
            Some("incident.view|transfer.answer"),
            List(Transfer),
        ),
        (
            "GET",
            "/transfers/{id}",
            Some("incident.view|transfer.answer"),
            One(Transfer),
        ),
        (
            "POST",
            "/transfers/{id}/step",
            Some("transfer.answer"),
            Step(Transfer),
        ),
        ("GET", "/admin/transfer-rules", Some("org.view"), Global),
        ("POST", "/admin/transfer-rules", Some("org.manage"), Global),
        (
            "POST",
            "/admin/transfer-rules/{id}/remove",
            Some("org.manage"),
            Job,
        ),
        ("GET", "/base", Some("base.view"), List(Node)),
        ("POST", "/base/campaigns", Some("base.manage"), Create(Node)),
        (
            "GET",
            "/base/campaigns/{id}",
            Some("base.view"),
            One(Campaign),
        ),
        ("POST", "/base/verify", Some("base.manage"), One(Address)),
        ("GET", "/base/addresses", Some("base.view"), List(Address)),
        (
            "POST",
            "/base/addresses",
            Some("base.manage"),
            Create(Address),
        ),
        (
            "POST",
            "/base/addresses/import",
            Some("base.manage"),
            Global,
        ),
        ("GET", "/imports/{id}", None, Job),
        (
            "POST",
            "/incidents/import",
            Some("incident.dispatch"),
            Global,
        ),
        (
            "GET",
            "/base/addresses/{id}",
            Some("base.view"),
            One(Address),
        ),
        (
            "POST",
            "/base/addresses/{id}",
            Some("base.manage"),
            One(Address),
        ),
        (
            "POST",
            "/base/addresses/{id}/houses",
            Some("base.manage"),
            One(Address),
        ),
        (
            "POST",
            "/base/addresses/{id}/people",
            Some("base.manage"),
            One(Address),
        ),
        (
            "POST",
            "/base/addresses/{id}/establishments",
            Some("base.manage"),
            One(Address),
        ),
        ("GET", "/base/houses/{id}", Some("base.view"), One(House)),
        ("GET", "/base/people", Some("base.view"), List(Person)),
        ("GET", "/base/people/{id}", Some("base.view"), One(Person)),
        (
            "POST",
            "/base/people/{id}/key",
            Some("base.manage"),
            One(Person),
        ),
        (
            "POST",
            "/base/people/{id}/reveal",
            Some("personal.reveal"),
            One(Person),
        ),
        (
            "GET",
            "/base/establishments",
            Some("base.view"),
            List(Establishment),
        ),
        ("GET", "/api/v1/addresses", Some("base.view"), List(Address)),
        (
            "POST",
            "/api/v1/addresses",
            Some("base.manage"),
            Create(Address),
        ),
        (
            "GET",
            "/api/v1/addresses/{id}",
            Some("base.view"),
            One(Address),
        ),
        (
            "PUT",
            "/api/v1/addresses/{id}",
            Some("base.manage"),
            One(Address),
        ),
        (
            "GET",
            "/api/v1/base/freshness",
            Some("base.view"),
            List(Node),
        ),
        ("GET", "/admin/org", Some("org.view"), List(Node)),
        (
            "GET",
            "/admin/org/map.geojson",
            Some("org.view"),
            List(Node),
        ),
        ("POST", "/admin/org/nodes", Some("org.manage"), Create(Node)),
        ("GET", "/admin/org/nodes/{id}", Some("org.view"), One(Node)),
        (
            "POST",
            "/admin/org/nodes/{id}/rename",
            Some("org.manage"),
            One(Node),
        ),
        (
            "POST",
            "/admin/org/nodes/{id}/boundary",
            Some("org.manage"),
            One(Node),
        ),
        ("GET", "/admin/units", Some("org.view"), List(StationThing)),
        (
            "POST",
            "/admin/units",
            Some("org.manage"),
            Create(StationThing),
        ),
        ("GET", "/admin/staff", Some("org.view"), List(Staff)),
        ("GET", "/admin/staff/{id}", Some("org.view"), One(Staff)),
        (
            "POST",
            "/admin/staff/{id}/reveal",
            Some("personal.reveal"),
            One(Staff),
        ),
        (
            "GET",
            "/admin/partners",
            Some("org.view"),
            List(StationThing),
        ),
        (
            "POST",
            "/admin/partners",
            Some("org.manage"),
            Create(StationThing),
        ),
        ("GET", "/admin/users", Some("users.view"), List(User)),
        ("POST", "/admin/users", Some("users.manage"), Create(User)),
        ("GET", "/admin/users/{id}", Some("users.view"), One(User)),
        (
            "POST",
            "/admin/users/{id}/roles",
            Some("users.manage"),
            One(User),
        ),
        (
            "POST",
            "/admin/users/{id}/active",
            Some("users.manage"),
            One(User),
        ),
        (
            "POST",
            "/admin/users/{id}/password",
            Some("users.manage"),
            One(User),
        ),
        (
            "POST",
            "/admin/users/{id}/unlock",
            Some("users.manage"),
            One(User),
        ),
        (
            "POST",
            "/admin/users/{id}/totp-reset",
            Some("users.manage"),
            One(User),
        ),
        ("GET", "/admin/codes", Some("codes.view"), Global),
        ("GET", "/admin/codes/export", Some("codes.manage"), Global),
        ("POST", "/admin/codes/import", Some("codes.manage"), Global),
        ("GET", "/admin/codes/{table}", Some("codes.view"), Global),
        ("POST", "/admin/codes/{table}", Some("codes.manage"), Global),
        ("GET", "/admin/roles", Some("roles.view"), Global),
        (
            "POST",
            "/admin/roles/{role}",
            Some("settings.manage"),
            Global,
        ),
        ("GET", "/admin/settings", Some("settings.manage"), Global),
        ("POST", "/admin/settings", Some("settings.manage"), Global),
        ("GET", "/admin/tokens", Some("tokens.manage"), List(Service)),
        (
            "POST",
            "/admin/tokens",
            Some("tokens.manage"),
            Create(Service),
        ),
        (
            "POST",
            "/admin/tokens/{id}/revoke",
            Some("tokens.manage"),
            One(Token),
        ),
        ("GET", "/admin/audit", Some("audit.view"), Global),
        (
            "GET",
            "/admin/timeline/{kind}/{id}",
            Some("audit.view"),
            One(Node),
        ),
        ("GET", "/api/v1/me", None, Global),
        ("GET", "/api/v1/nodes", Some("org.view"), List(Node)),
        ("POST", "/api/v1/nodes", Some("org.manage"), Create(Node)),
        ("GET", "/api/v1/nodes/{id}", Some("org.view"), One(Node)),
        ("PATCH", "/api/v1/nodes/{id}", Some("org.manage"), One(Node)),
        ("GET", "/api/v1/units", Some("org.view"), List(StationThing)),
        (
            "POST",
            "/api/v1/units",
            Some("org.manage"),
            Create(StationThing),
        ),
        ("GET", "/api/v1/staff", Some("org.view"), List(Staff)),
        ("GET", "/api/v1/staff/{id}", Some("org.view"), One(Staff)),
        (
            "POST",
            "/api/v1/staff/{id}/reveal",
            Some("personal.reveal"),
            One(Staff),
        ),
        (
            "GET",
            "/api/v1/partners",
            Some("org.view"),
            List(StationThing),
        ),
        (
            "POST",
            "/api/v1/partners",
            Some("org.manage"),
            Create(StationThing),
        ),
        ("GET", "/api/v1/users", Some("users.view"), List(User)),
        ("POST", "/api/v1/users", Some("users.manage"), Create(User)),
        ("GET", "/api/v1/users/{id}", Some("users.view"), One(User)),
        (
            "PUT",
            "/api/v1/users/{id}/roles",
            Some("users.manage"),
            One(User),
        ),
        (
            "PUT",
            "/api/v1/users/{id}/active",
            Some("users.manage"),
            One(User),
        ),
        ("GET", "/api/v1/codes/{table}", Some("codes.view"), Global),
        (
            "PUT",
            "/api/v1/codes/{table}/{code}",
            Some("codes.manage"),
            Global,
        ),
        ("GET", "/api/v1/roles", Some("roles.view"), Global),
        (
            "GET",
            "/api/v1/tokens",
            Some("tokens.manage"),
            List(Service),
        ),
        (
            "POST",
            "/api/v1/tokens",
            Some("tokens.manage"),
            Create(Service),
        ),
        (
            "DELETE",
            "/api/v1/tokens/{id}",
            Some("tokens.manage"),
            One(Token),
        ),
        (
            "GET",
            "/api/v1/records/{kind}/{id}/timeline",
            Some("audit.view"),
            One(Node),
        ),
        ("GET", "/api/v1/settings", Some("settings.manage"), Global),
        (
            "PUT",
            "/api/v1/settings/{key}",
            Some("settings.manage"),
            Global,
        ),
    ]
}

/// The default permissions of each role, as DOMAIN.md assigns them.
fn grants(role: Role) -> &'static [&'static str] {
    match role {
        Role::Dispatcher => &[
            "org.view",
            "codes.view",
            "personal.reveal",
            "base.view",
            "incident.view",
            "incident.dispatch",
            "duty.manage",
        ],
        Role::CaseOfficer => &[
            "org.view",
            "codes.view",
            "personal.reveal",
            "base.view",
            "incident.view",
            "incident.handle",
        ],
        Role::CommunityOfficer => &[
            "org.view",
            "codes.view",
            "personal.reveal",
            "base.view",
            "base.manage",
            "incident.view",
            "incident.handle",
        ],
        Role::Auxiliary => &[
            "org.view",
            "codes.view",
            "base.view",
            "base.manage",
            "incident.view",
            "incident.handle",
        ],
        Role::GridWorker => &[
            "org.view",
            "codes.view",
            "base.view",
            "base.manage",
            "incident.view",
        ],
        Role::Volunteer => &["codes.view"],
        Role::Partner => &["codes.view", "transfer.answer"],
        Role::StationChief => &[
            "org.view",
            "users.view",
            "codes.view",
            "roles.view",
            "audit.view",
            "personal.reveal",
            "base.view",
            "base.manage",
            "incident.view",
            "incident.dispatch",
            "transfer.supervise",
            "duty.manage",
        ],
        Role::BureauViewer => &[
            "org.view",
            "codes.view",
            "roles.view",
            "audit.view",
            "base.view",
            "incident.view",
        ],
        Role::Admin => &[
            "org.view",
            "org.manage",
            "users.view",
            "users.manage",
            "codes.view",
            "codes.manage",
            "roles.view",
            "settings.manage",
            "tokens.manage",
            "audit.view",
            "base.view",
            "base.manage",
        ],
    }
}

/// The fixture tree: child → parent.
fn parent_of(code: &str) -> Option<&'static str> {
    Some(match code {
        "S1" | "S2" => "B1",
        "C1" | "C2" => "S1",
        "G1" | "G2" => "C1",
        "C4" => "S2",
        "G4" => "C4",
        "S3" => "B2",
        "C3" => "S3",
        "G3" => "C3",
        _ => return None,
    })
}

fn within(code: &str, root: &str) -> bool {
    let mut cursor = Some(code);
    while let Some(c) = cursor {
        if c == root {
            return true;
        }
        cursor = parent_of(c);
    }
    false
}

fn station_of(code: &str) -> &'static str {
    match code {
        "B1" | "S1" | "C1" | "C2" | "G1" | "G2" => "S1",
        "S2" | "C4" | "G4" => "S2",
        _ => "S3",
    }
}

/// Own, sibling, parent and foreign places for an actor at `home`.
fn relations(home: &str) -> [(&'static str, &'static str); 4] {
    match home {
        "B1" => [
            ("own", "C1"),
            ("sibling", "S3"),
            ("parent", "B2"),
            ("none", "C3"),
        ],
        "S1" => [
            ("own", "C1"),
            ("sibling", "C4"),
            ("parent", "B1"),
            ("none", "C3"),
        ],
        "C1" => [
            ("own", "G1"),
            ("sibling", "C2"),
            ("parent", "S1"),
            ("none", "C3"),
        ],
        _ => [
            ("own", "G1"),
            ("sibling", "G2"),
            ("parent", "C1"),
            ("none", "G3"),
        ],
    }
}

static COUNTER: AtomicUsize = AtomicUsize::new(0);

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", COUNTER.fetch_add(1, Ordering::Relaxed))
}

struct Probe {
    method: Method,
    path: String,
    form: Option<Vec<(String, String)>>,
    json: Option<serde_json::Value>,
    multipart: Option<(String, Vec<u8>)>,
    /// Text the answer contains when the record is visible (lists).
    marker: String,
}

async fn probe(
    t: &TestApp,
    method: &str,
    pattern: &str,
    record: Option<Record>,
    place: &str,
    tokens: &HashMap<String, String>,
) -> Probe {
    let p = t.place(place);
    let station = t.place(station_of(place));
    let leaf = t.place(leaf_of(place));
    let base = leaf.base.clone().expect("leaf places hold base records");
    let record_id = match record {
        Some(Record::Address) => base.address.to_string(),
        Some(Record::House) => base.house.to_string(),
        Some(Record::Person) => base.person.to_string(),
        Some(Record::Establishment) => base.establishment.to_string(),
        Some(Record::Campaign) => base.campaign.to_string(),
        Some(Record::Incident) => base.incident.to_string(),
        Some(Record::Transfer) => base.transfer.to_string(),
        Some(Record::Node) | None => p.node.to_string(),
        Some(Record::Staff) => p.staff.to_string(),
        Some(Record::User) => p.user.to_string(),
        Some(Record::Service) => p.service.to_string(),
        Some(Record::Token) => tokens[place].clone(),
        Some(Record::StationThing) => station.node.to_string(),
    };
    // What a list shows when the record is in it: its id as a JSON field or a link,
    // never merely a mention (a child's parent_id is not the parent being listed).
    let api = pattern.starts_with("/api/") || pattern.ends_with(".geojson");
    let marker = match record {
        Some(Record::StationThing) if pattern.contains("partners") => {
            format!("{}司法所", station.code)
        }
        Some(Record::StationThing) => format!("{}指挥室", station.code),
        Some(Record::Service) if api => format!("\"user_id\":\"{}\"", p.service),
        Some(Record::Service) => format!("svc-{}", place.to_lowercase()),
        Some(Record::Staff) if !api => format!("/admin/staff/{record_id}\""),
        Some(Record::User) if !api => format!("/admin/users/{record_id}\""),
        Some(Record::Node) if !api => format!("/admin/org/nodes/{record_id}\""),
        Some(Record::Address) if !api => format!("/base/addresses/{record_id}\""),
        Some(Record::Incident) if !api => format!("/incidents/{record_id}\""),
        Some(Record::Transfer) if api => format!("\"incident_id\":\"{record_id}\""),
        Some(Record::Transfer) => format!("/transfers/{record_id}\""),
        Some(Record::Person) if !api => format!("/base/people/{record_id}\""),
        Some(Record::Establishment) if !api => format!("id=\"e-{record_id}\""),
        _ => format!("\"id\":\"{record_id}\""),
    };
    let path = pattern
        .replace("{*path}", "vendor/htmx.min.js")
        .replace("{table}", "severity")
        .replace("{code}", "ordinary")
        .replace("{role}", "volunteer")
        .replace("{key}", "security.lockout_threshold")
        .replace("{kind}", "jurisdiction_node")
        .replace("{photo_id}", &record_id)
        .replace("{id}", &record_id);
    let child_level = match place {
        c if c.starts_with('B') => "station",
        c if c.starts_with('S') => "community",
        _ => "grid",
    };
    let s = |v: &str| v.to_owned();
    let form: Option<Vec<(String, String)>> = match (method, pattern) {
        ("POST", "/login") => Some(vec![
            (s("username"), s("dispatcher")),
            (s("password"), s("wrong")),
        ]),
        ("POST", "/login/totp") | ("POST", "/login/enrol") => {
            Some(vec![(s("code"), s("000000")), (s("secret"), s("AAAA"))])
        }
        ("POST", "/lang") => Some(vec![(s("lang"), s("zh")), (s("back"), s("/"))]),
        ("POST", "/account/password") => Some(vec![
            (s("current"), s("not-my-password")),
            (s("new"), s("Fengqiao-New-2026")),
            (s("repeat"), s("Fengqiao-New-2026")),
        ]),
        ("POST", "/admin/org/nodes") => Some(vec![
            (s("parent_id"), p.node.to_string()),
            (s("level"), s(child_level)),
            (s("code"), unique("N")),
            (s("name"), s("新节点")),
        ]),
        ("POST", "/admin/org/nodes/{id}/rename") => Some(vec![(s("name"), format!("{place}节点"))]),
        ("POST", "/admin/org/nodes/{id}/boundary") => Some(vec![(s("geojson"), s(""))]),
        ("POST", "/admin/units") => Some(vec![
            (s("node_id"), station.node.to_string()),
            (s("kind"), s("case_team")),
            (s("name"), unique("队")),
        ]),
        ("POST", "/admin/staff/{id}/reveal") => Some(vec![(s("reason"), s("核实联系人身份"))]),
        ("POST", "/transfers/{id}/step") => Some(vec![(s("step"), s("sign"))]),
        ("POST", "/incidents/{id}/secondary") => {
            Some(vec![(s("step"), s("open")), (s("reason"), s("difficult"))])
        }
        ("POST", "/admin/transfer-rules") => Some(vec![
            (s("category"), s("non_police")),
            (s("node_id"), p.node.to_string()),
            (
                s("partner_id"),
                station.agency.expect("stations have a 司法所").to_string(),
            ),
        ]),
        ("POST", "/incidents") => Some(vec![
            (s("source"), s("call_110")),
            (s("address_text"), base.address_text.clone()),
            (s("narrative"), s("邻居吵架")),
            (s("category"), s("dispute")),
        ]),
        ("POST", "/incidents/{id}/triage") => Some(vec![
            (s("category"), s("public_order")),
            (s("branch"), s("police")),
        ]),
        ("POST", "/incidents/{id}/dispatch") => Some(vec![(s("staff_id"), leaf.staff.to_string())]),
        ("POST", "/incidents/{id}/step") => Some(vec![(s("step"), s("accept"))]),
        ("POST", "/duty/shifts") => Some(vec![
            (s("staff_id"), p.staff.to_string()),
            (s("weekday"), s("1")),
            (s("start"), s("08:00")),
            (s("end"), s("20:00")),
            (s("kind"), s("on_duty")),
        ]),
        ("POST", "/base/campaigns") => Some(vec![
            (s("node_id"), p.node.to_string()),
            (s("name"), unique("采集")),
            (s("kinds"), s("std_address")),
        ]),
        ("POST", "/base/verify") => Some(vec![
            (s("kind"), s("std_address")),
            (s("id"), base.address.to_string()),
            (s("note"), s("已核实")),
        ]),
        ("POST", "/base/addresses") => Some(vec![
            (s("code"), unique("NEW-")),
            (
                s("text"),
                format!("浙江省绍兴市诸暨市枫桥镇{}村新1号", leaf.code),
            ),
            (s("node_id"), leaf.node.to_string()),
        ]),
        ("POST", "/base/addresses/{id}") => Some(vec![
            (s("code"), base.address_code.clone()),
            (s("text"), base.address_text.clone()),
            (s("node_id"), leaf.node.to_string()),
            (s("lng"), s("120.05")),
            (s("lat"), s("29.05")),
        ]),
        ("POST", "/base/addresses/{id}/houses") => Some(vec![(s("usage"), s("vacant"))]),
        ("POST", "/base/addresses/{id}/people") => Some(vec![
            (s("name"), s("新居民")),
            (s("registration"), s("floating")),
        ]),
        ("POST", "/base/addresses/{id}/establishments") => Some(vec![
            (s("name"), unique("小店")),
            (s("kind"), s("small_store")),
        ]),
        ("POST", "/base/people/{id}/key") => Some(vec![
            (s("reason"), s("社区矫正对象")),
            (s("visit_every_days"), s("30")),
        ]),
        ("POST", "/base/people/{id}/reveal") => Some(vec![
            (s("field"), s("phone")),
            (s("reason"), s("核实联系人身份")),
        ]),
        ("POST", "/admin/partners") => Some(vec![
            (s("name"), unique("调委会")),
            (s("department"), s("justice_office")),
            (s("residency"), s("standing")),
            (s("node_id"), station.node.to_string()),
        ]),
        ("POST", "/admin/users") => Some(vec![
            (s("username"), unique("u")),
            (s("display_name"), s("新用户")),
            (s("roles"), s("auxiliary")),
            (s("jurisdiction"), s(place)),
            (s("password"), s(PASSWORD)),
        ]),
        ("POST", "/admin/users/{id}/roles") => Some(vec![
            (s("roles"), s("auxiliary")),
            (s("jurisdiction"), s(place)),
        ]),
        ("POST", "/admin/users/{id}/active") => Some(vec![(s("active"), s("1"))]),
        ("POST", "/admin/users/{id}/password") => Some(vec![(s("password"), s(PASSWORD))]),
        ("POST", "/admin/codes/{table}") => Some(vec![
            (s("code"), s("ordinary")),
            (s("name"), s("一般")),
            (s("name_en"), s("Ordinary")),
            (s("sort_order"), s("30")),
            (s("active"), s("1")),
        ]),
        ("POST", "/admin/roles/{role}") => Some(vec![(s("permissions"), s("codes.view"))]),
        ("POST", "/admin/settings") => Some(vec![
            (s("key"), s("security.lockout_threshold")),
            (s("value"), s("5")),
        ]),
        ("POST", "/admin/tokens") => Some(vec![
            (s("user_id"), p.service.to_string()),
            (s("name"), unique("令牌")),
        ]),
        ("POST", _) => Some(Vec::new()),
        _ => None,
    };
    let json = match (method, pattern) {
        ("POST", "/api/v1/nodes") => Some(
            serde_json::json!({"parent_id": p.node.to_string(), "level": child_level, "code": unique("A"), "name": "接口节点"}),
        ),
        ("PATCH", "/api/v1/nodes/{id}") => {
            Some(serde_json::json!({"name": format!("{place}节点")}))
        }
        ("POST", "/api/v1/transfers/{id}/steps") => Some(serde_json::json!({"step": "sign"})),
        ("POST", "/api/v1/incidents") => Some(
            serde_json::json!({"source": "online", "address_text": base.address_text, "narrative": "群众求助", "category": "assistance"}),
        ),
        ("POST", "/api/v1/addresses") => Some(
            serde_json::json!({"code": unique("API-"), "text": format!("浙江省绍兴市诸暨市枫桥镇{}村接口1号", leaf.code), "node_id": leaf.node.to_string()}),
        ),
        ("PUT", "/api/v1/addresses/{id}") => Some(
            serde_json::json!({"code": base.address_code, "text": base.address_text, "node_id": leaf.node.to_string(), "lng": 120.05, "lat": 29.05}),
        ),
        ("POST", "/api/v1/units") => Some(
            serde_json::json!({"node_id": station.node.to_string(), "kind": "case_team", "name": unique("接口队")}),
        ),
        ("POST", "/api/v1/staff/{id}/reveal") => {
            Some(serde_json::json!({"reason": "核实联系人身份"}))
        }
        ("POST", "/api/v1/partners") => Some(
            serde_json::json!({"name": unique("接口调委会"), "residency": "rotating", "node_id": station.node.to_string()}),
        ),
        ("POST", "/api/v1/users") => Some(
            serde_json::json!({"username": unique("api"), "display_name": "接口用户", "roles": ["auxiliary"], "jurisdiction": [place], "password": PASSWORD}),
        ),
        ("PUT", "/api/v1/users/{id}/roles") => {
            Some(serde_json::json!({"roles": ["auxiliary"], "jurisdiction": [place]}))
        }
        ("PUT", "/api/v1/users/{id}/active") => Some(serde_json::json!({"active": true})),
        ("PUT", "/api/v1/codes/{table}/{code}") => Some(
            serde_json::json!({"code": "ordinary", "name": "一般", "name_en": "Ordinary", "parent": null, "sort_order": 30, "active": true}),
        ),
        ("POST", "/api/v1/tokens") => {
            Some(serde_json::json!({"user_id": p.service.to_string(), "name": unique("接口令牌")}))
        }
        ("DELETE", _) => Some(serde_json::json!({})),
        ("PUT", "/api/v1/settings/{key}") => Some(serde_json::json!({"value": 5})),
        _ => None,
    };
    let multipart = matches!(pattern, "/admin/codes/import" | "/base/addresses/import" | "/incidents/import").then(|| {
        let boundary = "fengqiao-test-boundary";
        let csv = if pattern == "/incidents/import" {
            format!("JJDBH,BJSJ,BJDH,BJNR,JQDZ\n{},2026-11-30 08:00:00,13900000000,邻居吵架,{}\n", unique("M"), base.address_text)
        } else if pattern == "/base/addresses/import" {
            format!("code,address,grid\n{},{},{}\n", base.address_code, base.address_text, leaf.code)
        } else {
            "table,code,name,name_en,parent,sort_order,active\nseverity,ordinary,一般,Ordinary,,30,1\n".to_owned()
        };
        let body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"codes.csv\"\r\nContent-Type: text/csv\r\n\r\n{csv}\r\n--{boundary}--\r\n"
        );
        (format!("multipart/form-data; boundary={boundary}"), body.into_bytes())
    });
    let form = if json.is_some() || multipart.is_some() {
        None
    } else {
        form
    };
    Probe {
        method: method.parse().unwrap(),
        path,
        form,
        json,
        multipart,
        marker,
    }
}

async fn run_role(role: Role) {
    let t = TestApp::new().await;
    // One live token per place, to revoke.
    let admin = t
        .app()
        .principal(
            &t.app()
                .store()
                .account_by_username("admin")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .unwrap();
    let mut wide = admin.clone();
    wide.jurisdiction = vec![
        t.place("B1").node.to_string(),
        t.place("B2").node.to_string(),
    ];
    let mut tokens = HashMap::new();
    for code in t.places.keys() {
        let (id, _) = t
            .app()
            .issue_api_token(&wide, &t.place(code).service.to_string(), "matrix", None)
            .await
            .unwrap();
        tokens.insert((*code).to_owned(), id.to_string());
    }
    let home = role_home(role);
    let mut client = t.login(role.as_str()).await;
    let mut failures = Vec::new();
    let mut rows = rows();
    // Signing out last, so the session serves every other probe.
    rows.sort_by_key(|(m, p, _, _)| (*m == "POST" && *p == "/logout") as u8);
    for (method, pattern, permission, shape) in rows {
        // `a|b`: either permission opens the route (the agency's inbox and the
        // station's list are one page).
        let permitted = permission.is_none_or(|p| p.split('|').any(|q| grants(role).contains(&q)));
        let record = match shape {
            Shape::List(r) | Shape::One(r) | Shape::Create(r) | Shape::Step(r) => Some(r),
            _ => None,
        };
        for (relation, place) in relations(home) {
            if pattern == "/logout" && client.cookie.is_none() {
                client = t.login(role.as_str()).await;
            }
            let probe = probe(&t, method, pattern, record, place, &tokens).await;
            let record_node = match record {
                Some(Record::StationThing) => station_of(place),
                Some(r) if r.is_base() => leaf_of(place),
                _ => place,
            };
            let in_scope = within(record_node, home);
            let response = if shape == Shape::Stream {
                client.open_stream(&probe.path).await.0
            } else if let Some(fields) = &probe.form {
                let pairs: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                client.post_form(&probe.path, &pairs).await
            } else if let Some(body) = &probe.json {
                client
                    .json(probe.method.clone(), &probe.path, body.clone())
                    .await
            } else if let Some((kind, body)) = &probe.multipart {
                client
                    .send(
                        probe.method.clone(),
                        &probe.path,
                        Some(kind),
                        body.clone(),
                        true,
                    )
                    .await
            } else {
                client
                    .send(probe.method.clone(), &probe.path, None, Vec::new(), false)
                    .await
            };
            let status = response.status;
            let success = matches!(
                status,
                StatusCode::OK | StatusCode::CREATED | StatusCode::NO_CONTENT
            ) || (status == StatusCode::SEE_OTHER && response.location() != "/login");
            let verdict = match shape {
                Shape::Step(_) => {
                    let refused_by_state = matches!(
                        status,
                        StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY
                    );
                    let ok = match (permitted, in_scope) {
                        (true, true) => success || refused_by_state,
                        (true, false) => status == StatusCode::NOT_FOUND,
                        (false, true) => status == StatusCode::FORBIDDEN,
                        (false, false) => {
                            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                        }
                    };
                    (ok, "step")
                }
                Shape::Stream => {
                    let stream = response
                        .headers
                        .get("content-type")
                        .and_then(|v| v.to_str().ok())
                        .is_some_and(|v| v.starts_with("text/event-stream"));
                    (
                        if permitted {
                            status == StatusCode::OK && stream
                        } else {
                            status == StatusCode::FORBIDDEN
                        },
                        "stream",
                    )
                }
                Shape::Job => (
                    if permitted {
                        status == StatusCode::NOT_FOUND
                    } else {
                        status == StatusCode::FORBIDDEN
                    },
                    "job",
                ),
                Shape::Public => (
                    status != StatusCode::FORBIDDEN && status.as_u16() != 500,
                    "reachable",
                ),
                Shape::Global => {
                    // The password form answers 422 for a wrong current password: reached.
                    let reached = success
                        || (pattern == "/account/password"
                            && status == StatusCode::UNPROCESSABLE_ENTITY);
                    (
                        if permitted {
                            reached
                        } else {
                            status == StatusCode::FORBIDDEN
                        },
                        "global",
                    )
                }
                Shape::List(_) => {
                    let visible = status == StatusCode::OK && response.body.contains(&probe.marker);
                    let expected_visible = permitted && in_scope;
                    let ok = if permitted {
                        status == StatusCode::OK && visible == expected_visible
                    } else {
                        status == StatusCode::FORBIDDEN
                    };
                    (ok, "list")
                }
                Shape::One(_) | Shape::Create(_) => {
                    let ok = match (permitted, in_scope) {
                        (true, true) => success,
                        (true, false) => matches!(
                            status,
                            StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
                        ),
                        // Without the permission: 403, or 404 where the record is also
                        // out of scope and the scope check answers first.
                        (false, true) => status == StatusCode::FORBIDDEN,
                        (false, false) => {
                            matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                        }
                    };
                    (ok, "record")
                }
            };
            if !verdict.0 {
                failures.push(format!(
                    "{role} {method} {pattern} [{relation} {place}] permitted={permitted} in_scope={in_scope}: got {status} ({}) {}",
                    verdict.1,
                    response.body.chars().take(160).collect::<String>()
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} matrix cells wrong:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

macro_rules! matrix {
    ($($name:ident => $role:expr),+ $(,)?) => {
        $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() { run_role($role).await })+
    };
}

matrix!(
    the_matrix_holds_for_the_dispatcher => Role::Dispatcher,
    the_matrix_holds_for_the_case_officer => Role::CaseOfficer,
    the_matrix_holds_for_the_community_officer => Role::CommunityOfficer,
    the_matrix_holds_for_the_auxiliary => Role::Auxiliary,
    the_matrix_holds_for_the_grid_worker => Role::GridWorker,
    the_matrix_holds_for_the_volunteer => Role::Volunteer,
    the_matrix_holds_for_the_partner => Role::Partner,
    the_matrix_holds_for_the_station_chief => Role::StationChief,
    the_matrix_holds_for_the_bureau_viewer => Role::BureauViewer,
    the_matrix_holds_for_the_administrator => Role::Admin,
);

#[test]
fn every_served_route_has_a_row_in_the_matrix_and_no_row_is_stale() {
    let served: HashSet<(String, String)> = fengqiao_web::routes::specs()
        .iter()
        .map(|s| (s.method.to_owned(), s.path.to_owned()))
        .collect();
    let tested: HashSet<(String, String)> = rows()
        .iter()
        .map(|(m, p, _, _)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    let missing: Vec<_> = served.difference(&tested).collect();
    let stale: Vec<_> = tested.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes without a matrix row: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that are not served: {stale:?}"
    );
}

#[test]
fn the_role_table_under_test_is_the_seeded_default() {
    for role in Role::ALL {
        let seeded: Vec<&str> = fengqiao_domain::policy::default_permissions(*role)
            .iter()
            .map(|p| p.as_str())
            .collect();
        assert_eq!(seeded, grants(*role), "{role}");
    }
}
