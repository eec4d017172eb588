//! `/api/v1/me`, code tables, the role table, API tokens, timelines and settings.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fengqiao_domain::codes::{CodeEntry, CodeTable};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope, WebError};
use crate::session::Viewer;

/// The caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeOut {
    /// Account id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Jurisdiction node ids.
    pub jurisdiction: Vec<String>,
    /// Permission codes.
    pub permissions: Vec<String>,
}

/// A code-table entry.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct CodeEntryDto {
    /// Stable code.
    pub code: String,
    /// Chinese name.
    pub name: String,
    /// English name.
    #[serde(default)]
    pub name_en: String,
    /// Parent code.
    pub parent: Option<String>,
    /// Position among siblings.
    #[serde(default)]
    pub sort_order: i64,
    /// Offered for new records.
    pub active: bool,
}

impl From<CodeEntry> for CodeEntryDto {
    fn from(e: CodeEntry) -> Self {
        Self {
            code: e.code,
            name: e.name,
            name_en: e.name_en,
            parent: e.parent,
            sort_order: e.sort_order,
            active: e.active,
        }
    }
}

/// One role's permissions.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleOut {
    /// Role code.
    pub role: String,
    /// Permission codes.
    pub permissions: Vec<String>,
}

/// An API token (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenOut {
    /// Id.
    pub id: String,
    /// Service account id.
    pub user_id: String,
    /// What it is for.
    pub name: String,
    /// Issued.
    pub created_at: String,
    /// Expires.
    pub expires_at: Option<String>,
    /// Revoked.
    pub revoked_at: Option<String>,
    /// Last used.
    pub last_used_at: Option<String>,
}

/// A token to issue.
#[derive(Debug, Deserialize, ToSchema)]
pub struct TokenIn {
    /// Service account id.
    pub user_id: String,
    /// What it is for.
    pub name: String,
    /// Days of validity; none for no expiry.
    pub valid_days: Option<i64>,
}

/// A freshly issued token: the secret is shown this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenIssued {
    /// Token id.
    pub id: String,
    /// The bearer secret.
    pub token: String,
}

/// One event of a record's history.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventOut {
    /// Position in the log.
    pub seq: i64,
    /// The record's version after it.
    pub stream_version: i64,
    /// Event kind.
    pub kind: String,
    /// Payload.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// Who.
    pub actor: String,
    /// When it happened.
    pub occurred_at: String,
    /// When it was written.
    pub recorded_at: String,
    /// SM3 hash.
    pub hash: String,
}

/// A setting.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct SettingOut {
    /// Key.
    pub key: String,
    /// Value.
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// A setting's new value.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SettingIn {
    /// Value (number, list of role codes, or text, by setting).
    #[schema(value_type = Object)]
    pub value: serde_json::Value,
}

/// Who the caller is.
#[utoipa::path(get, path = "/api/v1/me", tag = "session", responses((status = 200, body = MeOut), (status = 401, body = ErrorEnvelope)))]
pub async fn me(Viewer(p, _): Viewer) -> Json<MeOut> {
    Json(MeOut {
        id: p.user_id.to_string(),
        username: p.username.clone(),
        display_name: p.display_name.clone(),
        roles: p.roles.iter().map(|r| r.as_str().to_owned()).collect(),
        jurisdiction: p.jurisdiction.clone(),
        permissions: p
            .permissions
            .iter()
            .map(|x| x.as_str().to_owned())
            .collect(),
    })
}

fn table(text: &str) -> Result<CodeTable, ApiError> {
    text.parse().map_err(|_| ApiError(WebError::NotFound))
}

/// The entries of a code table.
#[utoipa::path(get, path = "/api/v1/codes/{table}", tag = "code tables", params(("table" = String, Path)), responses((status = 200, body = Vec<CodeEntryDto>), (status = 404, body = ErrorEnvelope)))]
pub async fn get_code_table(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(name): Path<String>,
) -> Result<Json<Vec<CodeEntryDto>>, ApiError> {
    Ok(Json(
        state
            .app
            .code_table_for(&p, table(&name)?)
            .await?
            .into_iter()
            .map(CodeEntryDto::from)
            .collect(),
    ))
}

/// Adds or changes one entry.
#[utoipa::path(put, path = "/api/v1/codes/{table}/{code}", tag = "code tables", params(("table" = String, Path), ("code" = String, Path)), request_body = CodeEntryDto, responses((status = 200, body = CodeEntryDto), (status = 422, body = ErrorEnvelope)))]
pub async fn put_code_entry(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path((name, code)): Path<(String, String)>,
    Json(body): Json<CodeEntryDto>,
) -> Result<Json<CodeEntryDto>, ApiError> {
    if body.code != code {
        return Err(ApiError(WebError::BadRequest(
            "the code in the path and the body differ".into(),
        )));
    }
    let entry = CodeEntry {
        code: body.code,
        name: body.name,
        name_en: body.name_en,
        parent: body.parent,
        sort_order: body.sort_order,
        active: body.active,
    };
    state
        .app
        .save_code_entry_as(&p, table(&name)?, entry.clone())
        .await?;
    Ok(Json(entry.into()))
}

/// The role → permission table.
#[utoipa::path(get, path = "/api/v1/roles", tag = "access", responses((status = 200, body = Vec<RoleOut>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_roles(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<RoleOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .role_table(&p)
            .await?
            .into_iter()
            .map(|(role, permissions)| RoleOut {
                role: role.as_str().to_owned(),
                permissions: permissions.iter().map(|x| x.as_str().to_owned()).collect(),
            })
            .collect(),
    ))
}

/// API tokens of service accounts in scope.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access", responses((status = 200, body = Vec<TokenOut>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<TokenOut>>, ApiError> {
    state
        .app
        .require(
            &p,
            fengqiao_domain::policy::Permission::TokensManage,
            "list API tokens",
        )
        .await?;
    let tokens = state
        .app
        .store()
        .api_tokens(&p.scope())
        .await
        .map_err(fengqiao_app::AppError::from)?;
    Ok(Json(
        tokens
            .into_iter()
            .map(|t| TokenOut {
                id: t.id,
                user_id: t.user_id,
                name: t.name,
                created_at: t.created_at,
                expires_at: t.expires_at,
                revoked_at: t.revoked_at,
                last_used_at: t.last_used_at,
            })
            .collect(),
    ))
}

/// Issues a token to a service account.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = TokenIn, responses((status = 201, body = TokenIssued), (status = 422, body = ErrorEnvelope)))]
pub async fn issue_token(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Json(body): Json<TokenIn>,
) -> Result<(StatusCode, Json<TokenIssued>), ApiError> {
    let (id, token) = state
        .app
        .issue_api_token(&p, &body.user_id, &body.name, body.valid_days)
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(TokenIssued {
            id: id.to_string(),
            token,
        }),
    ))
}

/// Revokes a token.
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access", params(("id" = String, Path)), responses((status = 204), (status = 404, body = ErrorEnvelope)))]
pub async fn revoke_token(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    state.app.revoke_api_token(&p, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The full history of one record (全流程回溯).
#[utoipa::path(get, path = "/api/v1/records/{kind}/{id}/timeline", tag = "audit", params(("kind" = String, Path), ("id" = String, Path)), responses((status = 200, body = Vec<EventOut>), (status = 404, body = ErrorEnvelope)))]
pub async fn timeline(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Json<Vec<EventOut>>, ApiError> {
    let events = crate::pages::audit::timeline_for(&state, &p, &kind, &id).await?;
    Ok(Json(
        events
            .into_iter()
            .map(|e| EventOut {
                payload: crate::view::masked_payload(&e.payload),
                seq: e.seq,
                stream_version: e.stream_version,
                kind: e.kind,
                actor: e.actor,
                occurred_at: e.occurred_at,
                recorded_at: e.recorded_at,
                hash: e.hash,
            })
            .collect(),
    ))
}

/// The settings in force.
#[utoipa::path(get, path = "/api/v1/settings", tag = "access", responses((status = 200, body = Vec<SettingOut>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_settings(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<SettingOut>>, ApiError> {
    state
        .app
        .require(
            &p,
            fengqiao_domain::policy::Permission::SettingsManage,
            "view settings",
        )
        .await?;
    let settings = state.app.settings().await?;
    Ok(Json(
        settings
            .raw
            .into_iter()
            .map(|(key, value)| SettingOut {
                key: key.to_owned(),
                value,
            })
            .collect(),
    ))
}

/// Changes one setting.
#[utoipa::path(put, path = "/api/v1/settings/{key}", tag = "access", params(("key" = String, Path)), request_body = SettingIn, responses((status = 200, body = SettingOut), (status = 422, body = ErrorEnvelope)))]
pub async fn put_setting(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(key): Path<String>,
    Json(body): Json<SettingIn>,
) -> Result<Json<SettingOut>, ApiError> {
    state
        .app
        .change_setting(&p, &key, body.value.clone())
        .await?;
    Ok(Json(SettingOut {
        key,
        value: body.value,
    }))
}
