//! Secondary handling (二次处置): the command room's list with the success rate of a
//! period, and the steps posted from the incident page (open, instruct, progress,
//! conclude).

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use fengqiao_app::secondary::SecondaryStep;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::org::RecordId;
use fengqiao_domain::secondary::SecondaryReason;
use fengqiao_store::{SecondaryCounts, SecondaryRow};
use serde::Deserialize;

use super::admin::{Choice, code_choices};
use super::incidents::{Period, local_time, period_bounds};
use super::{after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::i18n::Tr;
use crate::session::Viewer;
use crate::view::{Shell, masked_text};

/// A secondary handling as the list and the incident page show it.
#[derive(Debug)]
pub struct SecondaryLine {
    /// The record, free text masked.
    pub row: SecondaryRow,
    /// State in words.
    pub state: String,
    /// Reasons in words.
    pub reasons: String,
    /// Category name.
    pub category: String,
    /// Opened, local.
    pub opened: String,
    /// Still open.
    pub open: bool,
}

/// The line for a handling.
pub fn secondary_line(t: &Tr, categories: &[Choice], mut row: SecondaryRow) -> SecondaryLine {
    row.narrative = masked_text(&row.narrative);
    for text in [
        &mut row.analysis,
        &mut row.instruction,
        &mut row.last_note,
        &mut row.outcome_note,
    ] {
        *text = text.as_deref().map(masked_text);
    }
    SecondaryLine {
        state: t.s(&format!("secondary.state.{}", row.state)).to_owned(),
        reasons: row
            .reasons
            .iter()
            .map(|r| t.s(&format!("secondary.reason.{r}")).to_owned())
            .collect::<Vec<_>>()
            .join("、"),
        category: row
            .category
            .as_deref()
            .map(|c| {
                categories
                    .iter()
                    .find(|x| x.value == c)
                    .map_or_else(|| c.to_owned(), |x| x.label.clone())
            })
            .unwrap_or_default(),
        opened: local_time(&row.opened_at),
        open: matches!(row.state.as_str(), "analysing" | "assigned"),
        row,
    }
}

#[derive(Template)]
#[template(path = "secondary.html")]
struct ListPage {
    shell: Shell,
    lines: Vec<SecondaryLine>,
    counts: SecondaryCounts,
    rate: String,
    from: String,
    to: String,
}

/// `GET /secondary`: the jurisdiction's secondary handlings, open ones first, and the
/// success rate (二次处置成功率) of those opened in the period.
pub async fn list(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(period): Query<Period>,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let (from_text, to_text, from, to) = period_bounds(period, 365)?;
    let categories = code_choices(&state, CodeTable::IncidentCategory, en).await?;
    let counts = state.app.secondary_figures_as(&principal, from, to).await?;
    let rows = state.app.secondaries_as(&principal, false).await?;
    let rate = if counts.opened == 0 {
        "—".to_owned()
    } else {
        format!(
            "{:.1}%",
            100.0 * counts.settled as f64 / counts.opened as f64
        )
    };
    Ok(render(&ListPage {
        shell: Shell::new(&ctx, Some(&principal), "secondary.title", "/secondary"),
        lines: rows
            .into_iter()
            .map(|r| secondary_line(&t, &categories, r))
            .collect(),
        counts,
        rate,
        from: from_text,
        to: to_text,
    }))
}

/// A step's form.
#[derive(Debug, Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    staff_id: Option<String>,
    #[serde(default)]
    analysis: Option<String>,
    #[serde(default)]
    instruction: Option<String>,
    #[serde(default)]
    note: Option<String>,
}

/// `POST /incidents/{id}/secondary`: open (difficult or major), instruct, progress,
/// settle, unsettle.
pub async fn step(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<StepForm>,
) -> Result<Response, PageError> {
    let incident: RecordId = id
        .trim()
        .parse()
        .map_err(|_| PageError(WebError::NotFound))?;
    let note = form.note.unwrap_or_default();
    let app = &state.app;
    match form.step.as_str() {
        "open" => {
            let reason: SecondaryReason = form.reason.as_deref().unwrap_or_default().parse()?;
            if !matches!(reason, SecondaryReason::Difficult | SecondaryReason::Major) {
                return Err(PageError(WebError::Invalid {
                    field: Some("reason".into()),
                    message: "choose difficult or major; repeats open it by themselves".into(),
                    rows: Vec::new(),
                }));
            }
            app.open_secondary_as(&principal, incident, reason).await?;
        }
        step => {
            let step = match step {
                "instruct" => SecondaryStep::Instruct {
                    staff_id: form
                        .staff_id
                        .as_deref()
                        .unwrap_or_default()
                        .trim()
                        .parse()
                        .map_err(|_| {
                            PageError(WebError::Invalid {
                                field: Some("staff_id".into()),
                                message: "choose the officer".into(),
                                rows: Vec::new(),
                            })
                        })?,
                    analysis: form.analysis.unwrap_or_default(),
                    instruction: form.instruction.unwrap_or_default(),
                },
                "progress" => SecondaryStep::Progress(note),
                "settle" => SecondaryStep::Conclude {
                    settled: true,
                    note,
                },
                "unsettle" => SecondaryStep::Conclude {
                    settled: false,
                    note,
                },
                other => {
                    return Err(PageError(WebError::Invalid {
                        field: Some("step".into()),
                        message: format!(
                            "unknown step {other:?}; expected open, instruct, progress, settle or unsettle"
                        ),
                        rows: Vec::new(),
                    }));
                }
            };
            app.secondary_step_as(&principal, incident, step).await?;
        }
    }
    Ok(after_post(&ctx, &format!("/incidents/{id}")))
}
