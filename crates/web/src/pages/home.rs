//! The home page, different for each role: what the user is responsible for, in
//! figures that are real (the 1+2+3 pairing and 一村一警 coverage of their
//! jurisdiction), plus the administrator's system status, the auditor's latest access
//! trail, the partner's agency and the volunteer's own record.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use fengqiao_app::summary::OrgSummary;
use fengqiao_domain::policy::Permission;
use fengqiao_store::Scope;

use super::render;
use crate::AppState;
use crate::error::PageError;
use crate::session::Viewer;
use crate::view::Shell;

/// One line of the access trail as shown.
#[derive(Debug)]
pub struct TrailLine {
    /// When.
    pub at: String,
    /// Who.
    pub actor: String,
    /// What kind of entry.
    pub kind: String,
    /// Details.
    pub detail: String,
}

struct SystemStatus {
    events: i64,
    users: usize,
    locked: Vec<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    shell: Shell,
    places: Vec<String>,
    org: Option<OrgSummary>,
    coverage: String,
    system: Option<SystemStatus>,
    trail: Vec<TrailLine>,
    agency: Option<String>,
    own_badge: Option<String>,
}

/// Turns access-trail events into lines.
pub fn trail_lines(events: Vec<fengqiao_store::StoredEvent>) -> Vec<TrailLine> {
    events
        .into_iter()
        .map(|e| {
            let payload: serde_json::Value = serde_json::from_str(&e.payload).unwrap_or_default();
            let pick = |k: &str| {
                payload
                    .get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let detail = match e.kind.as_str() {
                "access_denied" => format!("{} ({})", pick("action"), pick("missing")),
                "personal_data_revealed" => format!(
                    "{}/{} {} — {}",
                    pick("subject_kind"),
                    pick("subject_id"),
                    pick("field"),
                    pick("reason")
                ),
                "person_record_viewed" => {
                    format!("{}/{}", pick("subject_kind"), pick("subject_id"))
                }
                _ => String::new(),
            };
            TrailLine {
                at: e
                    .occurred_at
                    .chars()
                    .take(19)
                    .collect::<String>()
                    .replace('T', " "),
                actor: e.actor.split(':').nth(2).unwrap_or(&e.actor).to_owned(),
                kind: e.kind,
                detail,
            }
        })
        .collect()
}

/// `GET /`.
pub async fn home(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let app = &state.app;
    let mut places = Vec::new();
    for id in &principal.jurisdiction {
        if let Some(node) = app
            .store()
            .node(id)
            .await
            .map_err(fengqiao_app::AppError::from)?
        {
            places.push(node.name);
        }
    }
    let org = app.org_summary(&principal).await?;
    let coverage = org
        .as_ref()
        .map(|o| format!("{:.1}%", o.coverage_percent()))
        .unwrap_or_default();
    let system = if principal.has(Permission::UsersManage) {
        let users = app.users_in_scope(&principal).await?;
        let now = fengqiao_domain::Timestamp::now().to_string();
        Some(SystemStatus {
            events: app
                .store()
                .event_count()
                .await
                .map_err(fengqiao_app::AppError::from)?,
            locked: users
                .iter()
                .filter(|u| u.locked_until.as_deref().is_some_and(|t| t > now.as_str()))
                .map(|u| u.username.clone())
                .collect(),
            users: users.len(),
        })
    } else {
        None
    };
    let trail = if principal.has(Permission::AuditView) {
        trail_lines(app.access_trail(&principal, 5).await?)
    } else {
        Vec::new()
    };
    let agency = match &principal.partner_id {
        Some(id) => app
            .store()
            .partners(&Scope::All)
            .await
            .map_err(fengqiao_app::AppError::from)?
            .into_iter()
            .find(|p| &p.id == id)
            .map(|p| p.name),
        None => None,
    };
    let own_badge = match &principal.staff_id {
        Some(id) => app
            .store()
            .staff(&Scope::All)
            .await
            .map_err(fengqiao_app::AppError::from)?
            .into_iter()
            .find(|s| &s.id == id)
            .map(|s| s.badge_number),
        None => None,
    };
    let shell = Shell::new(&ctx, Some(&principal), "home.title", "/");
    Ok(render(&HomePage {
        shell,
        places,
        org,
        coverage,
        system,
        trail,
        agency,
        own_badge,
    }))
}
