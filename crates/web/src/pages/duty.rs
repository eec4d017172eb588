//! The duty roster page (值班表): a week of who is on duty when, for the staff in scope,
//! and the form the dispatcher or chief keeps it with.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use fengqiao_domain::duty::{ShiftDays, ShiftFields, ShiftKind};
use fengqiao_domain::org::RecordId;
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{DomainError, Timestamp};
use serde::Deserialize;

use super::{after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::i18n::Tr;
use crate::session::Viewer;
use crate::view::Shell;

/// The week shown: any date in it, `YYYY-MM-DD`; empty is this week.
#[derive(Debug, Deserialize)]
pub struct WeekQuery {
    week: Option<String>,
}

/// One row of the week: a person and, per day, their shifts in words with their ids.
#[derive(Debug)]
struct RosterLine {
    id: String,
    name: String,
    badge: String,
    days: Vec<Vec<(String, String, String)>>,
}

#[derive(Template)]
#[template(path = "duty.html")]
struct RosterPage {
    shell: Shell,
    /// (weekday in words, date) for Monday … Sunday.
    days: Vec<(String, String)>,
    lines: Vec<RosterLine>,
    previous: String,
    next: String,
    can_manage: bool,
    kinds: Vec<(&'static str, String)>,
}

fn date_text(date: time::Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

/// `GET /duty`: the roster of the week.
pub async fn roster(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(query): Query<WeekQuery>,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let today = Timestamp::now()
        .datetime()
        .to_offset(fengqiao_domain::duty::china_offset())
        .date();
    let day = match query
        .week
        .as_deref()
        .map(str::trim)
        .filter(|w| !w.is_empty())
    {
        Some(text) => time::Date::parse(text, &format).map_err(|_| {
            PageError(WebError::from(DomainError::invalid(
                "week",
                format!("{text:?} is not a date (YYYY-MM-DD)"),
            )))
        })?,
        None => today,
    };
    let monday = day - time::Duration::days(i64::from(day.weekday().number_days_from_monday()));
    let dates: Vec<time::Date> = (0..7).map(|n| monday + time::Duration::days(n)).collect();
    let (staff, shifts) = state.app.roster_as(&principal).await?;
    let lines = staff
        .into_iter()
        .map(|member| {
            let own: Vec<_> = shifts.iter().filter(|s| s.staff_id == member.id).collect();
            let days = dates
                .iter()
                .map(|date| {
                    let (text, weekday) = (date_text(*date), date.weekday().number_from_monday());
                    // A dated shift replaces the week's pattern for its day.
                    let dated: Vec<_> = own
                        .iter()
                        .filter(|s| s.shift.days == ShiftDays::Date(text.clone()))
                        .collect();
                    let holding = if dated.is_empty() {
                        own.iter()
                            .filter(|s| s.shift.days == ShiftDays::Weekday(weekday))
                            .collect()
                    } else {
                        dated
                    };
                    holding
                        .into_iter()
                        .map(|s| {
                            (
                                s.id.clone(),
                                format!("{}–{}", s.shift.start, s.shift.end),
                                t.s(&format!("duty.kind.{}", s.shift.kind)).to_owned(),
                            )
                        })
                        .collect()
                })
                .collect();
            RosterLine {
                id: member.id,
                name: member.name,
                badge: member.badge_number,
                days,
            }
        })
        .collect();
    Ok(render(&RosterPage {
        shell: Shell::new(&ctx, Some(&principal), "duty.title", "/duty"),
        days: dates
            .iter()
            .map(|d| {
                (
                    t.s(&format!(
                        "duty.weekday.{}",
                        d.weekday().number_from_monday()
                    ))
                    .to_owned(),
                    date_text(*d),
                )
            })
            .collect(),
        lines,
        previous: date_text(monday - time::Duration::days(7)),
        next: date_text(monday + time::Duration::days(7)),
        can_manage: principal.has(Permission::DutyManage),
        kinds: ShiftKind::ALL
            .iter()
            .map(|k| (k.as_str(), t.s(&format!("duty.kind.{k}")).to_owned()))
            .collect(),
    }))
}

/// The shift form: a date, or else a weekday every week.
#[derive(Debug, Deserialize)]
pub struct ShiftForm {
    staff_id: String,
    #[serde(default)]
    date: Option<String>,
    #[serde(default)]
    weekday: Option<String>,
    start: String,
    end: String,
    kind: String,
}

/// `POST /duty/shifts`: adds a shift.
pub async fn save(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<ShiftForm>,
) -> Result<Response, PageError> {
    let invalid = |field: &'static str, message: String| {
        PageError(WebError::from(DomainError::invalid(field, message)))
    };
    let staff: RecordId = form
        .staff_id
        .trim()
        .parse()
        .map_err(|_| invalid("staff_id", "not a staff id".into()))?;
    let date = form
        .date
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let weekday = form
        .weekday
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty());
    let days = match (date, weekday) {
        (Some(date), _) => ShiftDays::Date(date.to_owned()),
        (None, Some(day)) => ShiftDays::Weekday(
            day.parse()
                .map_err(|_| invalid("weekday", format!("{day:?} is not a weekday (1–7)")))?,
        ),
        (None, None) => {
            return Err(invalid("date", "give a date or a weekday".into()));
        }
    };
    let kind: ShiftKind = form
        .kind
        .parse()
        .map_err(|_| invalid("kind", format!("{:?} is not a kind of shift", form.kind)))?;
    let shift = ShiftFields {
        days,
        start: form.start,
        end: form.end,
        kind,
    };
    state
        .app
        .save_shift_as(&principal, staff, None, shift)
        .await?;
    Ok(after_post(&ctx, "/duty"))
}

/// `POST /duty/shifts/{id}/remove`.
pub async fn remove(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state.app.remove_shift_as(&principal, &id).await?;
    Ok(after_post(&ctx, "/duty"))
}
