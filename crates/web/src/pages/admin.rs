//! Units, staff and partner agencies. Phone numbers are masked in every list; one
//! record's number is revealed only with a reason, and the reveal is recorded.

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use fengqiao_app::org::NewPartner;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::policy::Permission;
use fengqiao_store::{NodeRow, PartnerRow, StaffRow, UnitRow};
use serde::Deserialize;

use super::{Flash, after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::session::Viewer;
use crate::view::{Shell, masked_phone, shown_name};

/// A code and its display name.
#[derive(Debug)]
pub struct Choice {
    /// Stable code or id.
    pub value: String,
    /// Name shown.
    pub label: String,
}

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    shell: Shell,
    units: Vec<(UnitRow, String, String)>,
    stations: Vec<Choice>,
    kinds: Vec<Choice>,
    can_manage: bool,
}

#[derive(Template)]
#[template(path = "staff.html")]
struct StaffPage {
    shell: Shell,
    staff: Vec<(StaffRow, String, String)>,
}

#[derive(Template)]
#[template(path = "staff_detail.html")]
struct StaffDetail {
    shell: Shell,
    member: StaffRow,
    phone: String,
    roles: String,
    place: String,
    can_reveal: bool,
    can_audit: bool,
}

#[derive(Template)]
#[template(path = "partners.html")]
struct PartnersPage {
    shell: Shell,
    partners: Vec<(PartnerRow, String, String)>,
    places: Vec<Choice>,
    departments: Vec<Choice>,
    can_manage: bool,
}

fn node_name(nodes: &[NodeRow], id: &str) -> String {
    nodes
        .iter()
        .find(|n| n.id == id)
        .map(|n| n.name.clone())
        .unwrap_or_default()
}

/// The stations and bureaus among the nodes: where units and partner agencies belong.
fn station_choices(nodes: &[NodeRow]) -> Vec<Choice> {
    nodes
        .iter()
        .filter(|n| n.level == "station" || n.level == "bureau")
        .map(|n| Choice {
            value: n.id.clone(),
            label: n.name.clone(),
        })
        .collect()
}

pub(crate) async fn code_choices(
    state: &AppState,
    table: CodeTable,
    en: bool,
) -> Result<Vec<Choice>, PageError> {
    let entries = state
        .app
        .store()
        .code_entries(table)
        .await
        .map_err(fengqiao_app::AppError::from)?;
    Ok(entries
        .into_iter()
        .filter(|e| e.active)
        .map(|e| Choice {
            label: if en && !e.name_en.is_empty() {
                e.name_en
            } else {
                e.name
            },
            value: e.code,
        })
        .collect())
}

/// `GET /admin/units`.
pub async fn units_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let nodes = state.app.nodes_for(&principal).await?;
    let en = ctx.lang == crate::i18n::Lang::En;
    let kinds = code_choices(&state, CodeTable::UnitKind, en).await?;
    let units = state
        .app
        .units_for(&principal)
        .await?
        .into_iter()
        .map(|u| {
            let station = node_name(&nodes, &u.node_id);
            let kind = kinds
                .iter()
                .find(|k| k.value == u.kind)
                .map_or(u.kind.clone(), |k| k.label.clone());
            (u, station, kind)
        })
        .collect();
    let stations = station_choices(&nodes);
    let page = UnitsPage {
        shell: Shell::new(&ctx, Some(&principal), "units.title", "/admin/units"),
        units,
        stations,
        kinds,
        can_manage: principal.has(Permission::OrgManage),
    };
    Ok(render(&page))
}

/// The new-unit form.
#[derive(Debug, Deserialize)]
pub struct UnitForm {
    node_id: String,
    kind: String,
    name: String,
}

/// `POST /admin/units`.
pub async fn create_unit(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<UnitForm>,
) -> Result<Response, PageError> {
    let node_id = form
        .node_id
        .parse()
        .map_err(|_| WebError::BadRequest("node_id".into()))?;
    state
        .app
        .create_unit_as(&principal, node_id, &form.kind, &form.name)
        .await?;
    Ok(after_post(&ctx, "/admin/units"))
}

/// `GET /admin/staff`.
pub async fn staff_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let nodes = state.app.nodes_for(&principal).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    let staff = state
        .app
        .staff_for(&principal)
        .await?
        .into_iter()
        .map(|s| {
            let place = s
                .node_id
                .as_deref()
                .map(|n| node_name(&nodes, n))
                .unwrap_or_default();
            let roles = s
                .roles
                .iter()
                .map(|r| t.role(r))
                .collect::<Vec<_>>()
                .join("、");
            let mut masked = s.clone();
            masked.phone = Some(masked_phone(s.phone.as_deref()));
            masked.name = shown_name(&principal, &s.name);
            (masked, roles, place)
        })
        .collect();
    Ok(render(&StaffPage {
        shell: Shell::new(&ctx, Some(&principal), "staff.title", "/admin/staff"),
        staff,
    }))
}

/// `GET /admin/staff/{id}`: opening the record is recorded (查询留痕).
pub async fn staff_detail(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let mut member = state.app.staff_member_for(&principal, &id).await?;
    member.name = shown_name(&principal, &member.name);
    let nodes = state.app.nodes_for(&principal).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    let page = StaffDetail {
        shell: Shell::new(&ctx, Some(&principal), "staff.detail", "/admin/staff"),
        phone: masked_phone(member.phone.as_deref()),
        roles: member
            .roles
            .iter()
            .map(|r| t.role(r))
            .collect::<Vec<_>>()
            .join("、"),
        place: member
            .node_id
            .as_deref()
            .map(|n| node_name(&nodes, n))
            .unwrap_or_default(),
        can_reveal: principal.has(Permission::PersonalReveal) && member.phone.is_some(),
        can_audit: principal.has(Permission::AuditView),
        member,
    };
    Ok(render(&page))
}

/// The reveal form: why the whole number is needed.
#[derive(Debug, Deserialize)]
pub struct RevealForm {
    reason: String,
}

/// `POST /admin/staff/{id}/reveal`: the whole phone number, once, recorded with the reason.
pub async fn reveal_staff_phone(
    State(state): State<AppState>,
    Viewer(principal, _ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<RevealForm>,
) -> Result<Response, PageError> {
    let member = state.app.staff_member_for(&principal, &id).await?;
    state
        .app
        .record_reveal(&principal, ("staff", &id), "phone", &form.reason)
        .await?;
    Ok(render(&Flash {
        message: member.phone.unwrap_or_default(),
    }))
}

/// `GET /admin/partners`.
pub async fn partners_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let nodes = state.app.nodes_for(&principal).await?;
    let en = ctx.lang == crate::i18n::Lang::En;
    let departments = code_choices(&state, CodeTable::Department, en).await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    let partners = state
        .app
        .partners_for(&principal)
        .await?
        .into_iter()
        .map(|mut p| {
            let place = node_name(&nodes, &p.node_id);
            let residency = t.s(&format!("residency.{}", p.residency)).to_owned();
            p.contact_phone = Some(masked_phone(p.contact_phone.as_deref()));
            (p, place, residency)
        })
        .collect();
    let places = station_choices(&nodes);
    let page = PartnersPage {
        shell: Shell::new(&ctx, Some(&principal), "partners.title", "/admin/partners"),
        partners,
        places,
        departments,
        can_manage: principal.has(Permission::OrgManage),
    };
    Ok(render(&page))
}

/// The new-partner form.
#[derive(Debug, Deserialize)]
pub struct PartnerForm {
    name: String,
    department: String,
    residency: String,
    node_id: String,
    #[serde(default)]
    contact_phone: String,
}

/// `POST /admin/partners`.
pub async fn create_partner(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<PartnerForm>,
) -> Result<Response, PageError> {
    let new = NewPartner {
        name: form.name,
        department: Some(form.department).filter(|d| !d.is_empty()),
        residency: form.residency.parse()?,
        node_id: form
            .node_id
            .parse()
            .map_err(|_| WebError::BadRequest("node_id".into()))?,
        contact_phone: Some(form.contact_phone).filter(|p| !p.trim().is_empty()),
    };
    state.app.create_partner_as(&principal, new).await?;
    Ok(after_post(&ctx, "/admin/partners"))
}
