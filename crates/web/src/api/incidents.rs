//! `/api/v1/incidents`: intake and the incidents in the caller's jurisdiction, for 110
//! systems and other integrations. Caller phones are masked.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use fengqiao_domain::incident::{IncidentState, IntakeFields};
use fengqiao_store::IncidentRow;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope, WebError};
use crate::session::Viewer;
use crate::view::{masked_phone, masked_text};

/// An incident.
#[derive(Debug, Serialize, ToSchema)]
pub struct IncidentOut {
    /// Id.
    pub id: String,
    /// Platform number.
    pub number: String,
    /// External (110) number.
    pub external_number: Option<String>,
    /// Source code.
    pub source: String,
    /// Call time.
    pub called_at: String,
    /// Masked caller phone.
    pub caller_phone: String,
    /// Address as said.
    pub address_text: String,
    /// Matched standard address id.
    pub address_id: Option<String>,
    /// Grid (or station) id.
    pub node_id: String,
    /// What happened (numbers masked).
    pub narrative: String,
    /// Category at intake: entered, or suggested from the narrative.
    pub category_initial: Option<String>,
    /// The suggestion's confidence (0–1), when the initial category was suggested.
    pub suggested_confidence: Option<f64>,
    /// The words of the narrative that decided the suggestion.
    pub suggested_evidence: Vec<String>,
    /// Final category.
    pub category: Option<String>,
    /// State code.
    pub state: String,
    /// The officer's staff id.
    pub assignee_id: Option<String>,
    /// 一人多次 / 一地多起 / 一类多发.
    pub repeats: Vec<String>,
}

impl From<IncidentRow> for IncidentOut {
    fn from(i: IncidentRow) -> Self {
        let repeats = [
            (i.repeat_person, "person"),
            (i.repeat_place, "place"),
            (i.repeat_category, "category"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, rule)| rule.to_owned())
        .collect();
        Self {
            caller_phone: masked_phone(i.caller_phone.as_deref()),
            narrative: masked_text(&i.narrative),
            address_text: masked_text(&i.address_text),
            id: i.id,
            number: i.number,
            external_number: i.external_number,
            source: i.source,
            called_at: i.called_at,
            address_id: i.address_id,
            node_id: i.node_id,
            category_initial: i.category_initial,
            suggested_confidence: i.suggested_confidence,
            suggested_evidence: i.suggested_evidence,
            category: i.category,
            state: i.state,
            assignee_id: i.assignee_id,
            repeats,
        }
    }
}

/// An incident to receive.
#[derive(Debug, Deserialize, ToSchema)]
pub struct IncidentIn {
    /// External (110) number; a number already received is refused.
    pub external_number: Option<String>,
    /// `call_110`, `walk_in`, `grid_report`, `online`, `patrol` or `transfer`.
    pub source: String,
    /// Call time (RFC 3339); now when absent.
    pub called_at: Option<String>,
    /// Caller's name.
    pub caller_name: Option<String>,
    /// Caller's phone.
    pub caller_phone: Option<String>,
    /// Caller's ID number.
    pub caller_id_number: Option<String>,
    /// The address as said.
    pub address_text: String,
    /// What happened.
    pub narrative: String,
    /// `incident_category` code.
    pub category: Option<String>,
}

/// Which incidents.
#[derive(Debug, Deserialize, IntoParams)]
pub struct IncidentParams {
    /// State code (`received`, `triaged`, `dispatched` …); all when absent.
    pub state: Option<String>,
    /// At most this many (default 100).
    pub limit: Option<i64>,
}

/// Incidents in scope, newest call first.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(IncidentParams), responses((status = 200, body = Vec<IncidentOut>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_incidents(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Query(params): Query<IncidentParams>,
) -> Result<Json<Vec<IncidentOut>>, ApiError> {
    let states: Vec<IncidentState> = match params.state.as_deref() {
        Some(s) if !s.is_empty() => vec![s.parse().map_err(WebError::from)?],
        _ => Vec::new(),
    };
    let rows = state
        .app
        .incidents_as(&p, &states, params.limit.unwrap_or(100))
        .await?;
    Ok(Json(rows.into_iter().map(IncidentOut::from).collect()))
}

/// One incident.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path)), responses((status = 200, body = IncidentOut), (status = 404, body = ErrorEnvelope)))]
pub async fn get_incident(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
) -> Result<Json<IncidentOut>, ApiError> {
    Ok(Json(state.app.incident_as(&p, &id).await?.incident.into()))
}

/// Receives an incident: the address is matched and repeats are flagged.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = IncidentIn, responses((status = 201, body = IncidentOut), (status = 422, body = ErrorEnvelope)))]
pub async fn receive_incident(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Json(body): Json<IncidentIn>,
) -> Result<(StatusCode, Json<IncidentOut>), ApiError> {
    let called_at = match body.called_at.as_deref() {
        Some(text) => fengqiao_domain::Timestamp::parse(text)
            .map_err(WebError::from)?
            .to_string(),
        None => fengqiao_domain::Timestamp::now().to_string(),
    };
    let intake = IntakeFields {
        external_number: body.external_number,
        source: body.source.parse().map_err(WebError::from)?,
        called_at,
        caller_name: body.caller_name,
        caller_phone: body.caller_phone,
        caller_id_number: body.caller_id_number,
        address_text: body.address_text,
        narrative: body.narrative,
        category: body.category,
    };
    let id = state.app.receive_incident_as(&p, intake).await?;
    let row = state.app.incident_as(&p, &id.to_string()).await?.incident;
    Ok((StatusCode::CREATED, Json(row.into())))
}
