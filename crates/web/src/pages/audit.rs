//! The auditor's and administrator's pages: the access trail and the chain check, a
//! record's timeline (全流程回溯), the role → permission table, settings, API tokens.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum_extra::extract::Form;
use fengqiao_app::settings::{SETTINGS, SettingKind, parse_setting_input};
use fengqiao_domain::StreamRef;
use fengqiao_domain::org::Role;
use fengqiao_domain::policy::Permission;
use fengqiao_store::{StoredEvent, TokenRow, UserRow};
use serde::Deserialize;

use super::home::{TrailLine, trail_lines};
use super::{Flash, after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::session::Viewer;
use crate::view::Shell;

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    shell: Shell,
    trail: Vec<TrailLine>,
    verify: Option<String>,
    intact: bool,
}

#[derive(Template)]
#[template(path = "timeline.html")]
struct TimelinePage {
    shell: Shell,
    stream: String,
    events: Vec<StoredEvent>,
}

/// One row of the role table: role code, its name, and each permission with whether
/// the role holds it.
type RoleRow = (String, String, Vec<(String, bool)>);

#[derive(Template)]
#[template(path = "roles.html")]
struct RolesPage {
    shell: Shell,
    permissions: Vec<(String, String)>,
    rows: Vec<RoleRow>,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    shell: Shell,
    settings: Vec<(String, String, String, String)>,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    shell: Shell,
    tokens: Vec<(TokenRow, String)>,
    services: Vec<UserRow>,
}

/// `?verify=1` runs the chain check.
#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    verify: Option<String>,
}

/// `GET /admin/audit`.
pub async fn audit_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let trail = trail_lines(state.app.access_trail(&principal, 100).await?);
    let shell = Shell::new(&ctx, Some(&principal), "audit.title", "/admin/audit");
    let (verify, intact) = if query.verify.is_some() {
        let report = state
            .app
            .store()
            .verify_log(&[])
            .await
            .map_err(fengqiao_app::AppError::from)?;
        let text = match &report.first_break {
            None => shell
                .t
                .f("audit.intact", &[&report.events_checked, &report.head_hash]),
            Some(problem) => shell.t.f("audit.broken", &[problem]),
        };
        (Some(text), report.is_intact())
    } else {
        (None, true)
    };
    Ok(render(&AuditPage {
        shell,
        trail,
        verify,
        intact,
    }))
}

/// `GET /admin/timeline/{kind}/{id}`: every event of one record, oldest first.
pub async fn timeline_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path((kind, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let events = timeline_for(&state, &principal, &kind, &id)
        .await?
        .into_iter()
        .map(|mut e| {
            e.payload = crate::view::masked_payload(&e.payload).to_string();
            e
        })
        .collect();
    let shell = Shell::new(&ctx, Some(&principal), "timeline.title", "/admin/audit");
    Ok(render(&TimelinePage {
        shell,
        stream: format!("{kind}/{id}"),
        events,
    }))
}

/// A record's timeline if the principal may audit it: the record must lie in their
/// jurisdiction (nodes, staff, users, partners, units) or be platform-wide (code
/// tables, roles, settings) and then needs a bureau-wide auditor.
pub async fn timeline_for(
    state: &AppState,
    principal: &fengqiao_app::policy::Principal,
    kind: &str,
    id: &str,
) -> Result<Vec<StoredEvent>, WebError> {
    let app = &state.app;
    app.require(principal, Permission::AuditView, "view timeline")
        .await?;
    let in_scope = match kind {
        "jurisdiction_node" => app.in_scope(principal, id).await?,
        "staff" => app.staff_for(principal).await?.iter().any(|s| s.id == id),
        "unit" => app.units_for(principal).await?.iter().any(|u| u.id == id),
        "partner_agency" => app
            .partners_for(principal)
            .await?
            .iter()
            .any(|p| p.id == id),
        "user" | "access_log" => app.user(principal, id).await.is_ok(),
        "std_address" | "house" | "person" | "establishment" => match kind.parse() {
            Ok(base_kind) => app
                .base_record_as(principal, Permission::BaseView, base_kind, id)
                .await
                .is_ok(),
            Err(_) => false,
        },
        // Platform-wide records: only auditors whose jurisdiction includes a bureau.
        "code_table" | "role" | "settings" => app
            .nodes_for(principal)
            .await?
            .iter()
            .any(|n| n.level == "bureau"),
        _ => false,
    };
    if !in_scope {
        app.record_denial(principal, &format!("view timeline {kind}"), "scope")
            .await?;
        return Err(WebError::NotFound);
    }
    let events = app
        .store()
        .timeline(&StreamRef::new(kind, id))
        .await
        .map_err(fengqiao_app::AppError::from)?;
    if events.is_empty() {
        return Err(WebError::NotFound);
    }
    Ok(events)
}

/// `GET /admin/roles`.
pub async fn roles_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let table = state.app.role_table(&principal).await?;
    let shell = Shell::new(&ctx, Some(&principal), "roles.title", "/admin/roles");
    let permissions = Permission::ALL
        .iter()
        .map(|p| {
            (
                p.as_str().to_owned(),
                shell.t.s(&format!("perm.{p}")).to_owned(),
            )
        })
        .collect();
    let rows = table
        .into_iter()
        .map(|(role, granted)| {
            (
                role.as_str().to_owned(),
                shell.t.role(role.as_str()),
                Permission::ALL
                    .iter()
                    .map(|p| (p.as_str().to_owned(), granted.contains(p)))
                    .collect(),
            )
        })
        .collect();
    Ok(render(&RolesPage {
        shell,
        permissions,
        rows,
        can_edit: principal.has(Permission::SettingsManage),
    }))
}

/// A role's new permissions.
#[derive(Debug, Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    permissions: Vec<String>,
}

/// `POST /admin/roles/{role}`.
pub async fn set_role(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(role): Path<String>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    let role: Role = role.parse().map_err(|_| PageError(WebError::NotFound))?;
    let permissions = form
        .permissions
        .iter()
        .map(|p| p.parse())
        .collect::<Result<Vec<Permission>, _>>()?;
    state
        .app
        .set_role_permissions(&principal, role, permissions)
        .await?;
    Ok(after_post(&ctx, "/admin/roles"))
}

/// `GET /admin/settings`.
pub async fn settings_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    state
        .app
        .require(&principal, Permission::SettingsManage, "view settings")
        .await?;
    let current = state.app.settings().await?;
    let shell = Shell::new(&ctx, Some(&principal), "settings.title", "/admin/settings");
    let settings = SETTINGS
        .iter()
        .map(|spec| {
            let value = current
                .raw
                .iter()
                .find(|(k, _)| *k == spec.key)
                .map(|(_, v)| v.clone())
                .unwrap_or_default();
            let text = match spec.kind {
                SettingKind::Number { .. } => value.to_string(),
                SettingKind::Roles => value
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|r| r.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                SettingKind::Text => value.as_str().unwrap_or_default().to_owned(),
                SettingKind::Fits => value
                    .as_object()
                    .map(|fits| {
                        fits.iter()
                            .map(|(category, kinds)| {
                                let kinds: Vec<&str> = kinds
                                    .as_array()
                                    .map(|a| a.iter().filter_map(|k| k.as_str()).collect())
                                    .unwrap_or_default();
                                format!("{category}={}", kinds.join(","))
                            })
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .unwrap_or_default(),
            };
            let hint = match spec.kind {
                SettingKind::Number { min, max } => format!("{min}–{max}"),
                SettingKind::Roles => Role::ALL
                    .iter()
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
                SettingKind::Text => String::new(),
                SettingKind::Fits => "criminal=case_team; traffic=rural_traffic".to_owned(),
            };
            (
                spec.key.to_owned(),
                shell.t.s(&format!("setting.{}", spec.key)).to_owned(),
                text,
                hint,
            )
        })
        .collect();
    Ok(render(&SettingsPage { shell, settings }))
}

/// One setting's new value as typed.
#[derive(Debug, Deserialize)]
pub struct SettingForm {
    key: String,
    value: String,
}

/// `POST /admin/settings`.
pub async fn change_setting(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<SettingForm>,
) -> Result<Response, PageError> {
    let value = parse_setting_input(&form.key, &form.value)?;
    state
        .app
        .change_setting(&principal, &form.key, value)
        .await?;
    Ok(after_post(&ctx, "/admin/settings"))
}

/// `GET /admin/tokens`.
pub async fn tokens_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    state
        .app
        .require(&principal, Permission::TokensManage, "view API tokens")
        .await?;
    let users = state.app.users_in_scope(&principal).await?;
    let tokens = state
        .app
        .store()
        .api_tokens(&principal.scope())
        .await
        .map_err(fengqiao_app::AppError::from)?
        .into_iter()
        .map(|t| {
            let owner = users
                .iter()
                .find(|u| u.id == t.user_id)
                .map(|u| u.username.clone())
                .unwrap_or_default();
            (t, owner)
        })
        .collect();
    let services = users.into_iter().filter(|u| u.service_account).collect();
    Ok(render(&TokensPage {
        shell: Shell::new(&ctx, Some(&principal), "tokens.title", "/admin/tokens"),
        tokens,
        services,
    }))
}

/// A token to issue.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    user_id: String,
    name: String,
    #[serde(default)]
    valid_days: String,
}

/// `POST /admin/tokens`: the secret is shown once.
pub async fn issue_token(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let days = match form.valid_days.trim() {
        "" => None,
        text => Some(text.parse::<i64>().map_err(|_| WebError::Invalid {
            field: Some("valid_days".into()),
            message: "a whole number of days".into(),
            rows: Vec::new(),
        })?),
    };
    let (_, secret) = state
        .app
        .issue_api_token(&principal, &form.user_id, &form.name, days)
        .await?;
    let t = crate::i18n::Tr::new(ctx.lang);
    Ok(render(&Flash {
        message: t.f("tokens.issued", &[&secret]),
    }))
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state.app.revoke_api_token(&principal, &id).await?;
    Ok(after_post(&ctx, "/admin/tokens"))
}
