//! `/api/v1/users`: accounts in the caller's jurisdiction.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use fengqiao_app::users::NewUser;
use fengqiao_domain::org::Role;
use fengqiao_store::{AccountRow, UserRow};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::AppState;
use crate::error::{ApiError, ErrorEnvelope};
use crate::session::Viewer;

/// An account (never its password hash or second-factor secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct UserOut {
    /// Id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Jurisdiction node ids.
    pub jurisdiction: Vec<String>,
    /// May sign in.
    pub active: bool,
    /// Locked until, if locked.
    pub locked_until: Option<String>,
    /// Service account (tokens only).
    pub service_account: bool,
    /// Must change the password at next sign-in.
    pub must_change_password: bool,
}

impl From<UserRow> for UserOut {
    fn from(u: UserRow) -> Self {
        Self {
            id: u.id,
            username: u.username,
            display_name: u.display_name,
            roles: u.roles,
            jurisdiction: u.jurisdiction,
            active: u.active,
            locked_until: u.locked_until,
            service_account: u.service_account,
            must_change_password: u.must_change_password,
        }
    }
}

impl From<AccountRow> for UserOut {
    fn from(a: AccountRow) -> Self {
        Self {
            id: a.id,
            username: a.username,
            display_name: a.display_name,
            roles: a.roles,
            jurisdiction: a.jurisdiction,
            active: a.active,
            locked_until: a.locked_until,
            service_account: a.service_account,
            must_change_password: a.must_change_password,
        }
    }
}

/// An account to create; without a password it is a service account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct UserIn {
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Jurisdiction node codes.
    pub jurisdiction: Vec<String>,
    /// Initial password (to be changed at first sign-in); omit for a service account.
    pub password: Option<String>,
}

/// New roles and jurisdiction.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RolesIn {
    /// Role codes.
    pub roles: Vec<String>,
    /// Jurisdiction node codes.
    pub jurisdiction: Vec<String>,
}

/// Switch an account on or off.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ActiveIn {
    /// Whether it may sign in.
    pub active: bool,
}

fn roles(codes: &[String]) -> Result<Vec<Role>, ApiError> {
    Ok(codes
        .iter()
        .map(|r| r.parse::<Role>())
        .collect::<Result<Vec<_>, _>>()?)
}

/// The accounts in scope.
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = Vec<UserOut>), (status = 403, body = ErrorEnvelope)))]
pub async fn list_users(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
) -> Result<Json<Vec<UserOut>>, ApiError> {
    Ok(Json(
        state
            .app
            .users_in_scope(&p)
            .await?
            .into_iter()
            .map(UserOut::from)
            .collect(),
    ))
}

/// One account.
#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "users", params(("id" = String, Path)), responses((status = 200, body = UserOut), (status = 404, body = ErrorEnvelope)))]
pub async fn get_user(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
) -> Result<Json<UserOut>, ApiError> {
    Ok(Json(state.app.user(&p, &id).await?.into()))
}

/// Creates an account or a service account.
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = UserIn, responses((status = 201, body = UserOut), (status = 422, body = ErrorEnvelope)))]
pub async fn create_user(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Json(body): Json<UserIn>,
) -> Result<(StatusCode, Json<UserOut>), ApiError> {
    let new = NewUser {
        username: body.username,
        display_name: body.display_name,
        staff_id: None,
        partner_id: None,
        roles: roles(&body.roles)?,
        jurisdiction_codes: body.jurisdiction,
        must_change_password: true,
    };
    let id = state
        .app
        .create_user(&p, new, body.password.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(state.app.user(&p, &id.to_string()).await?.into()),
    ))
}

/// Replaces an account's roles and jurisdiction.
#[utoipa::path(put, path = "/api/v1/users/{id}/roles", tag = "users", params(("id" = String, Path)), request_body = RolesIn, responses((status = 200, body = UserOut), (status = 404, body = ErrorEnvelope)))]
pub async fn set_roles(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
    Json(body): Json<RolesIn>,
) -> Result<Json<UserOut>, ApiError> {
    state
        .app
        .set_user_roles(&p, &id, roles(&body.roles)?, &body.jurisdiction)
        .await?;
    Ok(Json(state.app.user(&p, &id).await?.into()))
}

/// Switches an account on or off.
#[utoipa::path(put, path = "/api/v1/users/{id}/active", tag = "users", params(("id" = String, Path)), request_body = ActiveIn, responses((status = 200, body = UserOut), (status = 404, body = ErrorEnvelope)))]
pub async fn set_active(
    State(state): State<AppState>,
    Viewer(p, _): Viewer,
    Path(id): Path<String>,
    Json(body): Json<ActiveIn>,
) -> Result<Json<UserOut>, ApiError> {
    state.app.set_user_active(&p, &id, body.active).await?;
    Ok(Json(state.app.user(&p, &id).await?.into()))
}
