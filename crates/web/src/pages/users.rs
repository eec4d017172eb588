//! User accounts: the list in the administrator's jurisdiction, creating people and
//! service accounts, and one account's roles, switch, password reset, unlock and
//! second-factor reset.

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum_extra::extract::Form;
use fengqiao_app::users::NewUser;
use fengqiao_domain::org::Role;
use fengqiao_domain::policy::Permission;
use fengqiao_store::{AccountRow, NodeRow, UserRow};
use serde::Deserialize;

use super::{after_post, render};
use crate::AppState;
use crate::error::PageError;
use crate::session::Viewer;
use crate::view::Shell;

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    shell: Shell,
    users: Vec<(UserRow, String, bool)>,
    roles: Vec<(String, String)>,
    can_manage: bool,
}

#[derive(Template)]
#[template(path = "user.html")]
struct UserPage {
    shell: Shell,
    account: AccountRow,
    role_names: String,
    places: String,
    codes: String,
    roles: Vec<(String, String, bool)>,
    locked: bool,
    can_manage: bool,
    can_audit: bool,
}

fn role_choices(t: crate::i18n::Tr) -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_owned(), t.role(r.as_str())))
        .collect()
}

fn codes_of(nodes: &[NodeRow], ids: &[String]) -> (String, String) {
    let found: Vec<&NodeRow> = ids
        .iter()
        .filter_map(|id| nodes.iter().find(|n| &n.id == id))
        .collect();
    (
        found
            .iter()
            .map(|n| n.name.as_str())
            .collect::<Vec<_>>()
            .join("、"),
        found
            .iter()
            .map(|n| n.code.as_str())
            .collect::<Vec<_>>()
            .join(", "),
    )
}

/// `GET /admin/users`.
pub async fn users_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let t = crate::i18n::Tr::new(ctx.lang);
    let now = fengqiao_domain::Timestamp::now().to_string();
    let users = state
        .app
        .users_in_scope(&principal)
        .await?
        .into_iter()
        .map(|u| {
            let roles = u
                .roles
                .iter()
                .map(|r| t.role(r))
                .collect::<Vec<_>>()
                .join("、");
            let locked = u.locked_until.as_deref().is_some_and(|l| l > now.as_str());
            (u, roles, locked)
        })
        .collect();
    let page = UsersPage {
        shell: Shell::new(&ctx, Some(&principal), "users.title", "/admin/users"),
        users,
        roles: role_choices(t),
        can_manage: principal.has(Permission::UsersManage),
    };
    Ok(render(&page))
}

/// The new-account form. Without a password the account is a service account.
#[derive(Debug, Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    #[serde(default)]
    roles: Vec<String>,
    jurisdiction: String,
    #[serde(default)]
    password: String,
}

fn parse_roles(roles: &[String]) -> Result<Vec<Role>, PageError> {
    Ok(roles
        .iter()
        .map(|r| r.parse::<Role>())
        .collect::<Result<Vec<_>, _>>()?)
}

fn parse_codes(text: &str) -> Vec<String> {
    text.split([',', ' ', '，', '、'])
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `POST /admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<NewUserForm>,
) -> Result<Response, PageError> {
    let new = NewUser {
        username: form.username,
        display_name: form.display_name,
        staff_id: None,
        partner_id: None,
        roles: parse_roles(&form.roles)?,
        jurisdiction_codes: parse_codes(&form.jurisdiction),
        must_change_password: true,
    };
    let password = Some(form.password.as_str()).filter(|p| !p.is_empty());
    let id = state.app.create_user(&principal, new, password).await?;
    Ok(after_post(&ctx, &format!("/admin/users/{id}")))
}

/// `GET /admin/users/{id}`.
pub async fn user_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let account = state.app.user(&principal, &id).await?;
    let nodes = state
        .app
        .store()
        .nodes(&fengqiao_store::Scope::All)
        .await
        .map_err(fengqiao_app::AppError::from)?;
    let (places, codes) = codes_of(&nodes, &account.jurisdiction);
    let t = crate::i18n::Tr::new(ctx.lang);
    let now = fengqiao_domain::Timestamp::now().to_string();
    let page = UserPage {
        shell: Shell::new(&ctx, Some(&principal), "user.title", "/admin/users"),
        role_names: account
            .roles
            .iter()
            .map(|r| t.role(r))
            .collect::<Vec<_>>()
            .join("、"),
        roles: role_choices(t)
            .into_iter()
            .map(|(code, name)| (code.clone(), name, account.roles.contains(&code)))
            .collect(),
        locked: account
            .locked_until
            .as_deref()
            .is_some_and(|l| l > now.as_str()),
        places,
        codes,
        can_manage: principal.has(Permission::UsersManage),
        can_audit: principal.has(Permission::AuditView),
        account,
    };
    Ok(render(&page))
}

/// Roles and jurisdiction of an account.
#[derive(Debug, Deserialize)]
pub struct RolesForm {
    #[serde(default)]
    roles: Vec<String>,
    jurisdiction: String,
}

/// `POST /admin/users/{id}/roles`.
pub async fn set_roles(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<RolesForm>,
) -> Result<Response, PageError> {
    state
        .app
        .set_user_roles(
            &principal,
            &id,
            parse_roles(&form.roles)?,
            &parse_codes(&form.jurisdiction),
        )
        .await?;
    Ok(after_post(&ctx, &format!("/admin/users/{id}")))
}

/// Switch an account on or off.
#[derive(Debug, Deserialize)]
pub struct ActiveForm {
    active: String,
}

/// `POST /admin/users/{id}/active`.
pub async fn set_active(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<ActiveForm>,
) -> Result<Response, PageError> {
    state
        .app
        .set_user_active(&principal, &id, form.active == "1")
        .await?;
    Ok(after_post(&ctx, &format!("/admin/users/{id}")))
}

/// A new initial password.
#[derive(Debug, Deserialize)]
pub struct ResetForm {
    password: String,
}

/// `POST /admin/users/{id}/password`.
pub async fn reset_password(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<ResetForm>,
) -> Result<Response, PageError> {
    state
        .app
        .reset_password(&principal, &id, &form.password)
        .await?;
    Ok(after_post(&ctx, &format!("/admin/users/{id}")))
}

/// `POST /admin/users/{id}/unlock`.
pub async fn unlock(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state.app.unlock_user(&principal, &id).await?;
    Ok(after_post(&ctx, &format!("/admin/users/{id}")))
}

/// `POST /admin/users/{id}/totp-reset`.
pub async fn reset_totp(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state.app.reset_second_factor(&principal, &id).await?;
    Ok(after_post(&ctx, &format!("/admin/users/{id}")))
}
