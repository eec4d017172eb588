//! `/api/v1/transfers`: transferred non-police matters (非警务分流转办) for a partner
//! agency's own system (its inbox and its answers) and for the station's integrations.
//! The caller's phone and free text leave masked.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fengqiao_app::transfer::TransferAction;
use fengqiao_domain::org::RecordId;
use fengqiao_store::{TransferRow, TransferView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope, WebError};
use crate::session::Viewer;
use crate::view::{masked_phone, masked_text};

/// A transferred matter.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferOut {
    /// The incident's id.
    pub incident_id: String,
    /// Its number.
    pub number: String,
    /// Call time.
    pub called_at: String,
    /// Address as said (numbers masked).
    pub address_text: String,
    /// What the caller said (numbers masked).
    pub narrative: String,
    /// Masked caller phone.
    pub caller_phone: String,
    /// Category code.
    pub category: Option<String>,
    /// The agency's id.
    pub partner_id: String,
    /// Its name.
    pub partner_name: String,
    /// `assigned`, `signed`, `verified`, `handled`, `fed_back`, `evaluated`, `declined`
    /// or `reviewed`.
    pub state: String,
    /// The step under way (`assign` … `review`), none once reviewed.
    pub step: Option<String>,
    /// Its deadline (RFC 3339).
    pub due_at: Option<String>,
    /// Escalated (督办) for the current step.
    pub escalated: bool,
    /// The station chief's instruction.
    pub supervision_note: Option<String>,
    /// The caller's rating, once evaluated.
    pub satisfaction: Option<String>,
}

impl From<TransferRow> for TransferOut {
    fn from(r: TransferRow) -> Self {
        Self {
            escalated: r.state != "reviewed"
                && r.escalated_step.is_some()
                && r.escalated_step == r.step,
            caller_phone: masked_phone(r.caller_phone.as_deref()),
            narrative: masked_text(&r.narrative),
            address_text: masked_text(&r.address_text),
            supervision_note: r.supervision_note.as_deref().map(masked_text),
            incident_id: r.incident_id,
            number: r.number,
            called_at: r.called_at,
            category: r.category,
            partner_id: r.partner_id,
            partner_name: r.partner_name,
            state: r.state,
            step: r.step,
            due_at: r.due_at,
            satisfaction: r.satisfaction,
        }
    }
}

/// Which matters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TransferParams {
    /// `open` (default), `escalated`, `closed` or `all`.
    pub view: Option<String>,
}

/// The agency's inbox (for a partner agency's account) or the jurisdiction's
/// transferred matters (for station staff), the nearest deadline first.
#[utoipa::path(get, path = "/api/v1/transfers", tag = "transfers", params(TransferParams), responses((status = 200, body = Vec<TransferOut>), (status = 403, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn list_transfers(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Query(params): Query<TransferParams>,
) -> Result<Json<Vec<TransferOut>>, ApiError> {
    let view: TransferView = params
        .view
        .as_deref()
        .unwrap_or("open")
        .parse()
        .map_err(WebError::from)?;
    let (rows, _) = state.app.transfers_as(&p, view).await?;
    Ok(Json(rows.into_iter().map(TransferOut::from).collect()))
}

/// A step of the loop.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TransferStepIn {
    /// The agency's `sign`, `verify`, `handle`, `feedback`, `decline`; the station's
    /// `reassign`, `evaluate`, `accept`, `return`; the chief's `supervise`.
    pub step: String,
    /// The step's text (findings, what was done, the report, the reason …).
    pub note: Option<String>,
    /// For `reassign`: the other agency.
    pub partner_id: Option<String>,
    /// For `evaluate`: `satisfied`, `basic`, `unsatisfied` or `unreachable`.
    pub satisfaction: Option<String>,
}

/// Takes a step on a transferred matter; the answer is the matter as it now stands.
#[utoipa::path(post, path = "/api/v1/transfers/{id}/steps", tag = "transfers", params(("id" = String, Path)), request_body = TransferStepIn, responses((status = 200, body = TransferOut), (status = 403, body = ErrorEnvelope), (status = 404, body = ErrorEnvelope), (status = 409, body = ErrorEnvelope), (status = 422, body = ErrorEnvelope)))]
pub async fn transfer_step(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
    Json(body): Json<TransferStepIn>,
) -> Result<(StatusCode, Json<TransferOut>), ApiError> {
    let incident: RecordId = id.trim().parse().map_err(|_| WebError::NotFound)?;
    let action = TransferAction::named(
        &body.step,
        body.note,
        body.partner_id.as_deref(),
        body.satisfaction.as_deref(),
    )
    .map_err(WebError::from)?;
    state.app.transfer_step_as(&p, incident, action).await?;
    let row = state.app.transfer_as(&p, &id).await?;
    Ok((StatusCode::OK, Json(row.into())))
}
