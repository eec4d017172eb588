//! Transferred non-police matters (非警务分流转办): the partner agency's inbox and the
//! station's list with the loop's figures, one matter with its six steps, deadlines,
//! the actions of whoever owns the current step and its timeline, and the transfer
//! list (分流转办清单) an administrator edits.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use fengqiao_app::transfer::TransferAction;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::org::RecordId;
use fengqiao_domain::policy::Permission;
use fengqiao_domain::transfer::{Satisfaction, TransferRule, TransferState, TransferStep};
use fengqiao_domain::{StreamRef, Timestamp};
use fengqiao_store::{TransferCounts, TransferRow, TransferRuleRow, TransferView};
use serde::Deserialize;

use super::admin::{Choice, code_choices};
use super::base::actor_name;
use super::incidents::{local_time, local_time_seconds};
use super::{after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::i18n::Tr;
use crate::session::Viewer;
use crate::view::{Shell, masked_phone, masked_text};

fn record_id(field: &str, text: &str) -> Result<RecordId, PageError> {
    text.trim().parse().map_err(|_| {
        PageError(WebError::Invalid {
            field: Some(field.into()),
            message: format!("not a record id: {text:?}"),
            rows: Vec::new(),
        })
    })
}

fn label(categories: &[Choice], code: Option<&str>) -> String {
    match code {
        None => String::new(),
        Some(code) => categories
            .iter()
            .find(|c| c.value == code)
            .map_or_else(|| code.to_owned(), |c| c.label.clone()),
    }
}

/// A matter as a list or its page shows it.
#[derive(Debug)]
pub struct TransferLine {
    /// The record, with free text and the caller's phone masked.
    pub row: TransferRow,
    /// Category name.
    pub category: String,
    /// State in words.
    pub state: String,
    /// Current step in words.
    pub step: String,
    /// Its deadline, local.
    pub due: String,
    /// Past its deadline.
    pub overdue: bool,
    /// Escalated for the current step.
    pub escalated: bool,
    /// Call time, local.
    pub called: String,
}

fn transfer_line(t: &Tr, categories: &[Choice], mut row: TransferRow, now: &str) -> TransferLine {
    row.narrative = masked_text(&row.narrative);
    row.caller_phone = Some(masked_phone(row.caller_phone.as_deref()));
    row.caller_name = row
        .caller_name
        .as_deref()
        .map(fengqiao_domain::identity::mask_name);
    for text in [
        &mut row.verify_note,
        &mut row.handle_note,
        &mut row.feedback,
        &mut row.decline_reason,
        &mut row.evaluation_note,
        &mut row.review_note,
        &mut row.supervision_note,
    ] {
        *text = text.as_deref().map(masked_text);
    }
    let overdue = row
        .due_at
        .as_deref()
        .is_some_and(|d| row.state != "reviewed" && d < now);
    TransferLine {
        category: label(categories, row.category.as_deref()),
        state: t.s(&format!("transfer.state.{}", row.state)).to_owned(),
        step: row
            .step
            .as_deref()
            .map(|s| t.s(&format!("transfer.step.{s}")).to_owned())
            .unwrap_or_default(),
        due: row.due_at.as_deref().map(local_time).unwrap_or_default(),
        overdue,
        escalated: row.state != "reviewed"
            && row.escalated_step.is_some()
            && row.escalated_step == row.step,
        called: local_time(&row.called_at),
        row,
    }
}

#[derive(Template)]
#[template(path = "transfers.html")]
struct ListPage {
    shell: Shell,
    lines: Vec<TransferLine>,
    counts: TransferCounts,
    completion: String,
    satisfaction: String,
    view: String,
    tabs: Vec<(String, String)>,
    inbox: bool,
}

/// The list's query.
#[derive(Debug, Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    view: Option<String>,
}

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

/// `GET /transfers`: an agency's inbox, or the station's transferred matters, with
/// the loop's figures (办结率, 满意率, 督办).
pub async fn list(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(query): Query<ListQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let categories = code_choices(&state, CodeTable::IncidentCategory, en).await?;
    let view = query.view.unwrap_or_else(|| "open".into());
    let which: TransferView = view.parse()?;
    let (rows, counts) = state.app.transfers_as(&principal, which).await?;
    let now = Timestamp::now().to_string();
    let inbox = !principal.has(Permission::IncidentView);
    let (title, section) = if inbox {
        ("transfer.inbox", "/transfers")
    } else {
        ("transfer.title", "/transfers")
    };
    Ok(render(&ListPage {
        shell: Shell::new(&ctx, Some(&principal), title, section),
        lines: rows
            .into_iter()
            .map(|r| transfer_line(&t, &categories, r, &now))
            .collect(),
        completion: percent(counts.closed, counts.total),
        satisfaction: percent(counts.satisfied, counts.rated),
        counts,
        tabs: ["open", "escalated", "closed", "all"]
            .iter()
            .map(|v| {
                (
                    (*v).to_owned(),
                    t.s(&format!("transfer.view.{v}")).to_owned(),
                )
            })
            .collect(),
        view,
        inbox,
    }))
}

/// One of the six steps as the page lists them.
#[derive(Debug)]
pub struct StepLine {
    /// Its name.
    pub name: String,
    /// When it was done, local.
    pub done: Option<String>,
    /// Whether it is the one under way.
    pub current: bool,
}

#[derive(Template)]
#[template(path = "transfer.html")]
struct MatterPage {
    shell: Shell,
    line: TransferLine,
    steps: Vec<StepLine>,
    satisfaction: String,
    timeline: Vec<(String, String, String, String)>,
    is_agency: bool,
    can_station: bool,
    can_supervise: bool,
    agencies: Vec<Choice>,
    satisfactions: Vec<Choice>,
}

/// `GET /transfers/{id}`: the matter, its loop and its timeline.
pub async fn matter(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let categories = code_choices(&state, CodeTable::IncidentCategory, en).await?;
    let row = state.app.transfer_as(&principal, &id).await?;
    let is_agency = principal.partner_id.as_deref() == Some(row.partner_id.as_str())
        && principal.has(Permission::TransferAnswer);
    let can_station = principal.has(Permission::IncidentDispatch);
    let can_supervise = principal.has(Permission::TransferSupervise);
    let agencies = if can_station && row.state == TransferState::Declined.as_str() {
        state
            .app
            .transfer_agencies_as(&principal)
            .await?
            .into_iter()
            .filter(|p| p.id != row.partner_id)
            .map(|p| Choice {
                value: p.id,
                label: p.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    // The step's time is when it ended: 交办 ends with the signature, 核查 with the
    // findings and so on; 交办's own start is the assignment.
    let ended = [
        row.signed_at.clone(),
        row.verified_at.clone(),
        row.handled_at.clone(),
        row.fed_back_at.clone(),
        row.evaluated_at.clone(),
        row.reviewed_at.clone(),
    ];
    let steps = TransferStep::ALL
        .iter()
        .zip(ended)
        .map(|(step, at)| StepLine {
            name: t.s(&format!("transfer.step.{step}")).to_owned(),
            done: at.as_deref().map(local_time_seconds),
            current: row.step.as_deref() == Some(step.as_str()),
        })
        .collect();
    let events = state
        .app
        .store()
        .timeline(&StreamRef::new("incident", &id))
        .await
        .map_err(fengqiao_app::AppError::from)?;
    let timeline = events
        .iter()
        .map(|e| {
            let detail = serde_json::from_str::<serde_json::Value>(&e.payload)
                .ok()
                .and_then(|v| {
                    ["note", "narrative", "reason"]
                        .iter()
                        .find_map(|k| v.get(*k).and_then(|x| x.as_str()).map(masked_text))
                })
                .unwrap_or_default();
            (
                t.s(&format!("event.{}", e.kind)).to_owned(),
                local_time_seconds(&e.occurred_at),
                actor_name(&e.actor),
                detail,
            )
        })
        .collect();
    let satisfaction = row
        .satisfaction
        .as_deref()
        .map(|s| t.s(&format!("transfer.satisfaction.{s}")).to_owned())
        .unwrap_or_default();
    let now = Timestamp::now().to_string();
    Ok(render(&MatterPage {
        shell: Shell::new(&ctx, Some(&principal), "transfer.matter", "/transfers"),
        line: transfer_line(&t, &categories, row, &now),
        steps,
        satisfaction,
        timeline,
        is_agency,
        can_station,
        can_supervise,
        agencies,
        satisfactions: Satisfaction::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: t.s(&format!("transfer.satisfaction.{s}")).to_owned(),
            })
            .collect(),
    }))
}

/// A step's form.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    partner_id: Option<String>,
    #[serde(default)]
    satisfaction: Option<String>,
}

/// `POST /transfers/{id}/step`: sign, verify, handle, feedback, decline (the agency);
/// reassign, evaluate, accept, return (the station); supervise (the chief).
pub async fn step(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    let incident = record_id("id", &id).map_err(|_| PageError(WebError::NotFound))?;
    let action = TransferAction::named(
        &form.step,
        form.note,
        form.partner_id.as_deref(),
        form.satisfaction.as_deref(),
    )?;
    state
        .app
        .transfer_step_as(&principal, incident, action)
        .await?;
    Ok(after_post(&ctx, &format!("/transfers/{id}")))
}

#[derive(Template)]
#[template(path = "transfer_rules.html")]
struct RulesPage {
    shell: Shell,
    rules: Vec<(TransferRuleRow, String, String)>,
    categories: Vec<Choice>,
    places: Vec<Choice>,
    agencies: Vec<Choice>,
    can_manage: bool,
}

/// `GET /admin/transfer-rules`: the transfer list.
pub async fn rules(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let categories = code_choices(&state, CodeTable::IncidentCategory, en).await?;
    let departments = code_choices(&state, CodeTable::Department, en).await?;
    let list = state.app.transfer_rules_as(&principal).await?;
    let nodes = state.app.nodes_for(&principal).await?;
    let partners = state
        .app
        .store()
        .partners(&fengqiao_store::Scope::All)
        .await
        .map_err(fengqiao_app::AppError::from)?;
    let rules = list
        .into_iter()
        .map(|r| {
            let category = label(&categories, Some(&r.category));
            let department = partners
                .iter()
                .find(|p| p.id == r.partner_id)
                .and_then(|p| p.department.as_deref())
                .map(|d| label(&departments, Some(d)))
                .unwrap_or_default();
            (r, category, department)
        })
        .collect();
    Ok(render(&RulesPage {
        shell: Shell::new(
            &ctx,
            Some(&principal),
            "transfer.rules",
            "/admin/transfer-rules",
        ),
        rules,
        categories,
        places: nodes
            .iter()
            .filter(|n| n.level != "grid")
            .map(|n| Choice {
                value: n.id.clone(),
                label: format!("{} · {}", n.name, t.s(&format!("level.{}", n.level))),
            })
            .collect(),
        agencies: partners
            .into_iter()
            .map(|p| Choice {
                value: p.id,
                label: p.name,
            })
            .collect(),
        can_manage: principal.has(Permission::OrgManage),
    }))
}

/// The rule form.
#[derive(Debug, Deserialize)]
pub struct RuleForm {
    category: String,
    #[serde(default)]
    node_id: Option<String>,
    partner_id: String,
    #[serde(default)]
    handle_hours: Option<String>,
}

/// `POST /admin/transfer-rules`: adds a rule.
pub async fn add_rule(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<RuleForm>,
) -> Result<Response, PageError> {
    let node_id = match form.node_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(record_id("node_id", text)?),
    };
    let handle_hours = match form.handle_hours.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<i64>().map_err(|_| {
            PageError(WebError::Invalid {
                field: Some("handle_hours".into()),
                message: format!("not a whole number of hours: {text:?}"),
                rows: Vec::new(),
            })
        })?),
    };
    let rule = TransferRule {
        category: form.category,
        node_id,
        partner_id: record_id("partner_id", &form.partner_id)?,
        handle_hours,
    };
    state
        .app
        .save_transfer_rule_as(&principal, None, rule)
        .await?;
    Ok(after_post(&ctx, "/admin/transfer-rules"))
}

/// `POST /admin/transfer-rules/{id}/remove`.
pub async fn remove_rule(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let rule = record_id("id", &id).map_err(|_| PageError(WebError::NotFound))?;
    state.app.remove_transfer_rule_as(&principal, rule).await?;
    Ok(after_post(&ctx, "/admin/transfer-rules"))
}
