//! `/api/v1/addresses` and `/api/v1/base/freshness`: standard addresses in the caller's
//! jurisdiction, found by free text through the matcher, and the freshness figure.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fengqiao_app::base::AddressQuery;
use fengqiao_domain::base::AddressFields;
use fengqiao_store::AddressRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope, WebError};
use crate::session::Viewer;

/// A standard address.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressOut {
    /// Id.
    pub id: String,
    /// Unique code.
    pub code: String,
    /// Full standard text.
    pub text: String,
    /// Grid (or community) id.
    pub node_id: String,
    /// Its name.
    pub node_name: String,
    /// Longitude (WGS-84).
    pub lng: Option<f64>,
    /// Latitude (WGS-84).
    pub lat: Option<f64>,
    /// Last check on the spot.
    pub verified_at: Option<String>,
}

impl From<AddressRow> for AddressOut {
    fn from(a: AddressRow) -> Self {
        Self {
            id: a.id,
            code: a.code,
            text: a.text,
            node_id: a.node_id,
            node_name: a.node_name,
            lng: a.lng,
            lat: a.lat,
            verified_at: a.verified_at,
        }
    }
}

/// What the matcher made of the search text.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressMatchOut {
    /// The address the text denotes.
    pub address: AddressOut,
    /// Confidence in [0, 1].
    pub score: f64,
    /// Which components agreed.
    pub reason: String,
}

/// A page of addresses.
#[derive(Debug, Serialize, ToSchema)]
pub struct AddressPageOut {
    /// The standard address the text denotes, if any (in the caller's jurisdiction).
    pub best: Option<AddressMatchOut>,
    /// Addresses containing the text (or all), in code order.
    pub rows: Vec<AddressOut>,
    /// How many there are in all.
    pub total: i64,
}

/// Search parameters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AddressParams {
    /// Free text: an address as anyone writes it, part of one, or a code.
    pub q: Option<String>,
    /// Only under this node.
    pub under: Option<String>,
    /// Page size (1–1000, default 50).
    pub limit: Option<i64>,
    /// Rows to skip.
    pub offset: Option<i64>,
}

/// A standard address to create or replace.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AddressIn {
    /// Unique code.
    pub code: String,
    /// Full standard text.
    pub text: String,
    /// Grid (or community) id.
    pub node_id: String,
    /// Longitude.
    pub lng: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
}

impl AddressIn {
    fn fields(self) -> Result<AddressFields, ApiError> {
        Ok(AddressFields {
            node_id: self.node_id.parse().map_err(|_| {
                ApiError(WebError::Invalid {
                    field: Some("node_id".into()),
                    message: "not a record id".into(),
                    rows: Vec::new(),
                })
            })?,
            code: self.code,
            text: self.text,
            lng: self.lng,
            lat: self.lat,
        })
    }
}

/// The freshness of one node (信息鲜活度).
#[derive(Debug, Serialize, ToSchema)]
pub struct FreshnessOut {
    /// Node id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Level.
    pub level: String,
    /// Base records under it.
    pub total: i64,
    /// Of which verified in the last 90 days.
    pub fresh: i64,
    /// fresh / total in percent; none without records.
    pub percent: Option<f64>,
}

/// Addresses in scope, with the matcher's answer for the text.
#[utoipa::path(get, path = "/api/v1/addresses", tag = "base", params(AddressParams), responses((status = 200, body = AddressPageOut), (status = 403, body = ErrorEnvelope)))]
pub async fn list_addresses(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Query(params): Query<AddressParams>,
) -> Result<Json<AddressPageOut>, ApiError> {
    let page = state
        .app
        .addresses_as(
            &p,
            AddressQuery {
                text: params.q,
                under: params.under,
                limit: params.limit.unwrap_or(50),
                offset: params.offset.unwrap_or(0),
            },
        )
        .await?;
    Ok(Json(AddressPageOut {
        best: page.best.map(|b| AddressMatchOut {
            address: b.address.into(),
            score: b.score,
            reason: b.reason,
        }),
        rows: page.rows.into_iter().map(AddressOut::from).collect(),
        total: page.total,
    }))
}

/// One address.
#[utoipa::path(get, path = "/api/v1/addresses/{id}", tag = "base", params(("id" = String, Path)), responses((status = 200, body = AddressOut), (status = 404, body = ErrorEnvelope)))]
pub async fn get_address(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
) -> Result<Json<AddressOut>, ApiError> {
    Ok(Json(state.app.address_as(&p, &id).await?.address.into()))
}

/// Creates a standard address in a grid of the caller's jurisdiction.
#[utoipa::path(post, path = "/api/v1/addresses", tag = "base", request_body = AddressIn, responses((status = 201, body = AddressOut), (status = 422, body = ErrorEnvelope)))]
pub async fn create_address(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Json(body): Json<AddressIn>,
) -> Result<(StatusCode, Json<AddressOut>), ApiError> {
    let id = state.app.save_address_as(&p, None, body.fields()?).await?;
    let row = state.app.address_as(&p, &id.to_string()).await?.address;
    Ok((StatusCode::CREATED, Json(row.into())))
}

/// Replaces a standard address.
#[utoipa::path(put, path = "/api/v1/addresses/{id}", tag = "base", params(("id" = String, Path)), request_body = AddressIn, responses((status = 200, body = AddressOut), (status = 404, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn put_address(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
    Json(body): Json<AddressIn>,
) -> Result<Json<AddressOut>, ApiError> {
    let record = id.parse().map_err(|_| ApiError(WebError::NotFound))?;
    state
        .app
        .save_address_as(&p, Some(record), body.fields()?)
        .await?;
    Ok(Json(state.app.address_as(&p, &id).await?.address.into()))
}

/// The freshness figure of every node in scope, parents first.
#[utoipa::path(get, path = "/api/v1/base/freshness", tag = "base", responses((status = 200, body = Vec<FreshnessOut>), (status = 403, body = ErrorEnvelope)))]
pub async fn freshness(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<FreshnessOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .freshness_as(&p)
            .await?
            .into_iter()
            .map(|f| FreshnessOut {
                percent: f.percent(),
                id: f.node_id,
                name: f.name,
                level: f.level,
                total: f.total,
                fresh: f.fresh,
            })
            .collect(),
    ))
}
