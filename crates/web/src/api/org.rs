//! `/api/v1/nodes`, `/units`, `/staff`, `/partners`: the organisation in the caller's
//! jurisdiction.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fengqiao_app::org::{NewNode, NewPartner};
use fengqiao_store::{NodeRow, PartnerRow, StaffRow, UnitRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope, WebError};
use crate::session::Viewer;
use crate::view::masked_phone;

/// A jurisdiction node.
#[derive(Debug, Serialize, ToSchema)]
pub struct NodeOut {
    /// Id.
    pub id: String,
    /// Parent id; none for a bureau.
    pub parent_id: Option<String>,
    /// `bureau`, `station`, `community` or `grid`.
    pub level: String,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// GeoJSON boundary, if set.
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<serde_json::Value>,
}

impl From<NodeRow> for NodeOut {
    fn from(n: NodeRow) -> Self {
        Self {
            boundary: n
                .boundary
                .as_deref()
                .and_then(|b| serde_json::from_str(b).ok()),
            id: n.id,
            parent_id: n.parent_id,
            level: n.level,
            code: n.code,
            name: n.name,
        }
    }
}

/// A node to create under a parent in the caller's jurisdiction.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NodeIn {
    /// Parent id.
    pub parent_id: String,
    /// `station`, `community` or `grid`.
    pub level: String,
    /// Unique code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Optional GeoJSON Polygon/MultiPolygon.
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<serde_json::Value>,
}

/// Changes to a node: a new name, and/or a boundary (`null` clears it).
#[derive(Debug, Deserialize, ToSchema)]
pub struct NodePatch {
    /// New name.
    pub name: Option<String>,
    /// New boundary; an explicit `null` clears it.
    #[serde(default, with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub boundary: Option<Option<serde_json::Value>>,
}

mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<serde_json::Value>>, D::Error> {
        Option::<serde_json::Value>::deserialize(d).map(Some)
    }
}

/// A unit of a station.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnitOut {
    /// Id.
    pub id: String,
    /// Station (or bureau).
    pub node_id: String,
    /// Code from `unit_kind`.
    pub kind: String,
    /// Name.
    pub name: String,
}

impl From<UnitRow> for UnitOut {
    fn from(u: UnitRow) -> Self {
        Self {
            id: u.id,
            node_id: u.node_id,
            kind: u.kind,
            name: u.name,
        }
    }
}

/// A unit to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UnitIn {
    /// Station (or bureau) id.
    pub node_id: String,
    /// Code from `unit_kind`.
    pub kind: String,
    /// Name.
    pub name: String,
}

/// A member of staff; the phone is masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct StaffOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// 警号 / staff number.
    pub badge_number: String,
    /// Unit id.
    pub unit_id: Option<String>,
    /// Home node id.
    pub node_id: Option<String>,
    /// Masked phone (`138****5678`).
    pub phone: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Category codes.
    pub specialties: Vec<String>,
    /// Pairings: node id and duty.
    pub assignments: Vec<(String, String)>,
}

impl From<StaffRow> for StaffOut {
    fn from(s: StaffRow) -> Self {
        Self {
            phone: masked_phone(s.phone.as_deref()),
            id: s.id,
            name: s.name,
            badge_number: s.badge_number,
            unit_id: s.unit_id,
            node_id: s.node_id,
            roles: s.roles,
            specialties: s.specialties,
            assignments: s.assignments,
        }
    }
}

/// Why the whole number is needed (查询留痕).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RevealIn {
    /// The reason, 4–200 characters.
    pub reason: String,
}

/// A revealed phone number.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevealOut {
    /// The whole number.
    pub phone: String,
}

/// A partner agency; the contact phone is masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct PartnerOut {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Department code.
    pub department: Option<String>,
    /// `standing` or `rotating`.
    pub residency: String,
    /// Station or bureau id.
    pub node_id: String,
    /// Masked contact phone.
    pub contact_phone: String,
}

impl From<PartnerRow> for PartnerOut {
    fn from(p: PartnerRow) -> Self {
        Self {
            contact_phone: masked_phone(p.contact_phone.as_deref()),
            id: p.id,
            name: p.name,
            department: p.department,
            residency: p.residency,
            node_id: p.node_id,
        }
    }
}

/// A partner agency to create.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PartnerIn {
    /// Name.
    pub name: String,
    /// Department code.
    pub department: Option<String>,
    /// `standing` or `rotating`.
    pub residency: String,
    /// Station or bureau id.
    pub node_id: String,
    /// Contact phone.
    pub contact_phone: Option<String>,
}

fn id(text: &str) -> Result<fengqiao_domain::org::RecordId, ApiError> {
    text.parse().map_err(|_| ApiError(WebError::NotFound))
}

/// The jurisdiction nodes in scope.
#[utoipa::path(get, path = "/api/v1/nodes", tag = "organisation", responses((status = 200, body = Vec<NodeOut>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_nodes(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<NodeOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .nodes_for(&p)
            .await?
            .into_iter()
            .map(NodeOut::from)
            .collect(),
    ))
}

/// One node.
#[utoipa::path(get, path = "/api/v1/nodes/{id}", tag = "organisation", params(("id" = String, Path)), responses((status = 200, body = NodeOut), (status = 404, body = ErrorEnvelope)))]
pub async fn get_node(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(node): Path<String>,
) -> Result<Json<NodeOut>, ApiError> {
    Ok(Json(state.app.node_for(&p, &node).await?.into()))
}

/// Creates a node.
#[utoipa::path(post, path = "/api/v1/nodes", tag = "organisation", request_body = NodeIn, responses((status = 201, body = NodeOut), (status = 422, body = ErrorEnvelope)))]
pub async fn create_node(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Json(body): Json<NodeIn>,
) -> Result<(StatusCode, Json<NodeOut>), ApiError> {
    let new = NewNode {
        parent_id: Some(id(&body.parent_id)?),
        level: body.level.parse()?,
        code: body.code,
        name: body.name,
        boundary: body.boundary,
    };
    let created = state.app.create_node_as(&p, new).await?;
    Ok((
        StatusCode::CREATED,
        Json(state.app.node_for(&p, &created.to_string()).await?.into()),
    ))
}

/// Renames a node and/or sets its boundary.
#[utoipa::path(patch, path = "/api/v1/nodes/{id}", tag = "organisation", params(("id" = String, Path)), request_body = NodePatch, responses((status = 200, body = NodeOut), (status = 404, body = ErrorEnvelope)))]
pub async fn update_node(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(node): Path<String>,
    Json(body): Json<NodePatch>,
) -> Result<Json<NodeOut>, ApiError> {
    let node_id = id(&node)?;
    if let Some(name) = &body.name {
        state.app.rename_node_as(&p, node_id, name).await?;
    }
    if let Some(boundary) = body.boundary {
        state.app.set_boundary_as(&p, node_id, boundary).await?;
    }
    Ok(Json(state.app.node_for(&p, &node).await?.into()))
}

/// The units in scope.
#[utoipa::path(get, path = "/api/v1/units", tag = "organisation", responses((status = 200, body = Vec<UnitOut>)))]
pub async fn list_units(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<UnitOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .units_for(&p)
            .await?
            .into_iter()
            .map(UnitOut::from)
            .collect(),
    ))
}

/// Creates a unit.
#[utoipa::path(post, path = "/api/v1/units", tag = "organisation", request_body = UnitIn, responses((status = 201, body = UnitOut), (status = 422, body = ErrorEnvelope)))]
pub async fn create_unit(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Json(body): Json<UnitIn>,
) -> Result<(StatusCode, Json<UnitOut>), ApiError> {
    let created = state
        .app
        .create_unit_as(&p, id(&body.node_id)?, &body.kind, &body.name)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(UnitOut {
            id: created.to_string(),
            node_id: body.node_id,
            kind: body.kind,
            name: body.name,
        }),
    ))
}

/// The staff in scope (phones masked).
#[utoipa::path(get, path = "/api/v1/staff", tag = "organisation", responses((status = 200, body = Vec<StaffOut>)))]
pub async fn list_staff(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<StaffOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .staff_for(&p)
            .await?
            .into_iter()
            .map(StaffOut::from)
            .collect(),
    ))
}

/// One member of staff; opening the record is recorded.
#[utoipa::path(get, path = "/api/v1/staff/{id}", tag = "organisation", params(("id" = String, Path)), responses((status = 200, body = StaffOut), (status = 404, body = ErrorEnvelope)))]
pub async fn get_staff(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(staff): Path<String>,
) -> Result<Json<StaffOut>, ApiError> {
    Ok(Json(state.app.staff_member_for(&p, &staff).await?.into()))
}

/// Reveals one member's phone number, with a reason (recorded).
#[utoipa::path(post, path = "/api/v1/staff/{id}/reveal", tag = "organisation", params(("id" = String, Path)), request_body = RevealIn, responses((status = 200, body = RevealOut), (status = 403, body = ErrorEnvelope)))]
pub async fn reveal_staff_phone(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(staff): Path<String>,
    Json(body): Json<RevealIn>,
) -> Result<Json<RevealOut>, ApiError> {
    let member = state.app.staff_member_for(&p, &staff).await?;
    state
        .app
        .record_reveal(&p, ("staff", &staff), "phone", &body.reason)
        .await?;
    Ok(Json(RevealOut {
        phone: member.phone.unwrap_or_default(),
    }))
}

/// The partner agencies in scope.
#[utoipa::path(get, path = "/api/v1/partners", tag = "organisation", responses((status = 200, body = Vec<PartnerOut>)))]
pub async fn list_partners(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<PartnerOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .partners_for(&p)
            .await?
            .into_iter()
            .map(PartnerOut::from)
            .collect(),
    ))
}

/// Creates a partner agency.
#[utoipa::path(post, path = "/api/v1/partners", tag = "organisation", request_body = PartnerIn, responses((status = 201, body = PartnerOut), (status = 422, body = ErrorEnvelope)))]
pub async fn create_partner(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Json(body): Json<PartnerIn>,
) -> Result<(StatusCode, Json<PartnerOut>), ApiError> {
    let new = NewPartner {
        name: body.name,
        department: body.department,
        residency: body.residency.parse()?,
        node_id: id(&body.node_id)?,
        contact_phone: body.contact_phone,
    };
    let created = state.app.create_partner_as(&p, new).await?.to_string();
    let partner = state
        .app
        .partners_for(&p)
        .await?
        .into_iter()
        .find(|x| x.id == created)
        .ok_or(ApiError(WebError::NotFound))?;
    Ok((StatusCode::CREATED, Json(partner.into())))
}
