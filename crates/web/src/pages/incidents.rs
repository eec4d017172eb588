//! Incident pages (警情): the keyboard-first intake (the board itself is `board.rs`),
//! one incident with its repeats, triage, the ranked officers and its timeline, and the
//! officer's own list.

use askama::Template;
use axum::Form;
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use fengqiao_app::incident::{Candidate, OfficerStep, PhotoUpload};
use fengqiao_domain::Timestamp;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::incident::{Branch, IntakeFields};
use fengqiao_domain::org::RecordId;
use fengqiao_domain::policy::Permission;
use fengqiao_store::IncidentRow;
use serde::Deserialize;

use super::admin::{Choice, code_choices};
use super::base::actor_name;
use super::{after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::i18n::Tr;
use crate::session::Viewer;
use crate::view::{Shell, masked_phone, masked_text};

/// Minutes a received incident may wait for dispatch before the board marks it overdue.
const OVERDUE_MINUTES: i64 = 5;

fn record_id(text: &str) -> Result<RecordId, PageError> {
    text.trim()
        .parse()
        .map_err(|_| PageError(WebError::NotFound))
}

/// An incident as a list shows it.
#[derive(Debug)]
pub struct Line {
    /// The record.
    pub incident: IncidentRow,
    /// Category name (final, or else initial).
    pub category: String,
    /// The initial category's name (entered or suggested at intake).
    pub initial: String,
    /// The final category's name, once triaged.
    pub final_category: Option<String>,
    /// State in words.
    pub state: String,
    /// Masked caller phone.
    pub phone: String,
    /// Call time, local, `MM-DD HH:MM`.
    pub called: String,
    /// Waiting too long for dispatch.
    pub overdue: bool,
}

pub(super) fn line(t: &Tr, categories: &[Choice], mut incident: IncidentRow) -> Line {
    // Free text may carry numbers a caller gave; they leave masked like every other.
    incident.narrative = masked_text(&incident.narrative);
    incident.feedback = incident.feedback.as_deref().map(masked_text);
    incident.address_text = masked_text(&incident.address_text);
    let code = incident
        .category
        .clone()
        .or_else(|| incident.category_initial.clone())
        .unwrap_or_default();
    let label = |code: &str| {
        categories
            .iter()
            .find(|c| c.value == code)
            .map_or_else(|| code.to_owned(), |c| c.label.clone())
    };
    let category = label(&code);
    let initial = incident
        .category_initial
        .as_deref()
        .map(label)
        .unwrap_or_default();
    let final_category = incident.category.as_deref().map(label);
    let waiting = matches!(incident.state.as_str(), "received" | "triaged");
    let overdue = waiting
        && Timestamp::parse(&incident.called_at).is_ok_and(|at| {
            Timestamp::now().unix_seconds() - at.unix_seconds() > OVERDUE_MINUTES * 60
        });
    Line {
        category,
        initial,
        final_category,
        state: t
            .s(&format!("incident.state.{}", incident.state))
            .to_owned(),
        phone: masked_phone(incident.caller_phone.as_deref()),
        called: local_time(&incident.called_at),
        overdue,
        incident,
    }
}

/// `MM-DD HH:MM:SS` in China Standard Time, for the timeline: segments are timed to
/// the second (the 1/3/5-minute standard).
pub(crate) fn local_time_seconds(at: &str) -> String {
    Timestamp::parse(at).map_or_else(
        |_| at.to_owned(),
        |t| {
            let local = t
                .datetime()
                .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
            format!("{}:{:02}", local_time(at), local.second())
        },
    )
}

/// `MM-DD HH:MM` in China Standard Time.
pub(crate) fn local_time(at: &str) -> String {
    Timestamp::parse(at).map_or_else(
        |_| at.to_owned(),
        |t| {
            let local = t
                .datetime()
                .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
            format!(
                "{:02}-{:02} {:02}:{:02}",
                u8::from(local.month()),
                local.day(),
                local.hour(),
                local.minute()
            )
        },
    )
}

/// The intake form.
#[derive(Debug, Deserialize)]
pub struct IntakeForm {
    source: String,
    #[serde(default)]
    called_at: Option<String>,
    #[serde(default)]
    caller_name: Option<String>,
    #[serde(default)]
    caller_phone: Option<String>,
    address_text: String,
    narrative: String,
    #[serde(default)]
    category: Option<String>,
}

/// A `datetime-local` value (China Standard Time) as a canonical timestamp; empty is now.
fn called_at(text: Option<&str>) -> Result<String, PageError> {
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Ok(Timestamp::now().to_string());
    }
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let local = time::PrimitiveDateTime::parse(text, &format)
        .or_else(|_| time::PrimitiveDateTime::parse(&text.replace(' ', "T"), &format))
        .map_err(|_| {
            PageError(WebError::Invalid {
                field: Some("called_at".into()),
                message: format!("{text:?} is not a time (YYYY-MM-DDTHH:MM)"),
                rows: Vec::new(),
            })
        })?;
    let offset = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    Ok(Timestamp::from_datetime(local.assume_offset(offset)).to_string())
}

/// `POST /incidents`: intake (接报).
pub async fn receive(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<IntakeForm>,
) -> Result<Response, PageError> {
    let intake = IntakeFields {
        external_number: None,
        source: form.source.parse().map_err(WebError::from)?,
        called_at: called_at(form.called_at.as_deref())?,
        caller_name: form.caller_name,
        caller_phone: form.caller_phone,
        caller_id_number: None,
        address_text: form.address_text,
        narrative: form.narrative,
        category: form.category.filter(|c| !c.trim().is_empty()),
    };
    let id = state.app.receive_incident_as(&principal, intake).await?;
    Ok(after_post(&ctx, &format!("/incidents/{id}")))
}

#[derive(Template)]
#[template(path = "incident.html")]
struct IncidentPage {
    shell: Shell,
    line: Line,
    source: String,
    repeats: Vec<(String, String, String)>,
    categories: Vec<Choice>,
    results: Vec<Choice>,
    candidates: Vec<(Candidate, String)>,
    timeline: Vec<(String, String, String)>,
    can_dispatch: bool,
    is_assignee: bool,
    /// Agencies a non-police matter can be transferred to.
    agencies: Vec<Choice>,
    /// The transferred matter: (agency, state in words).
    transfer: Option<(String, String)>,
    /// The secondary handling (二次处置), if any.
    secondary: Option<super::secondary::SecondaryLine>,
    /// It is instructed to the viewer.
    secondary_mine: bool,
    /// Officers to instruct it to.
    officers: Vec<Choice>,
    /// A dispute incident without one, and a dispatcher looking.
    can_open_secondary: bool,
    /// The feedback photos' ids.
    photos: Vec<String>,
    /// When the officer set out, local.
    departed: Option<String>,
    /// The most photos a feedback takes.
    max_photos: usize,
}

/// A candidate's reasons in words: 责任区, 专长, 单位, 值班, 距离, 在办.
fn reasons(t: &Tr, categories: &[Choice], unit_kinds: &[Choice], reasons: &[String]) -> String {
    reasons
        .iter()
        .map(|r| {
            let mut parts = r.splitn(3, ':');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("owner"), Some(duty), Some(place)) => {
                    format!("{}（{place}）", t.s(&format!("duty.{duty}")))
                }
                (Some("specialty"), Some(code), _) => {
                    let name = categories
                        .iter()
                        .find(|c| c.value == code)
                        .map_or(code, |c| c.label.as_str());
                    format!("{} {name}", t.s("incident.reason.specialty"))
                }
                (Some("open"), Some(n), _) => format!("{} {n}", t.s("incident.reason.open")),
                (Some("duty"), Some(code), _) => {
                    t.s(&format!("incident.reason.duty.{code}")).to_owned()
                }
                (Some("unit"), Some(kind), _) => {
                    format!(
                        "{} {}",
                        t.s("incident.reason.unit"),
                        unit_kinds
                            .iter()
                            .find(|c| c.value == kind)
                            .map_or(kind, |c| c.label.as_str())
                    )
                }
                (Some("distance"), Some("unknown"), _) => {
                    t.s("incident.reason.distance_unknown").to_owned()
                }
                (Some("distance"), Some(metres), Some(source)) => {
                    let metres: f64 = metres.parse().unwrap_or(0.0);
                    let far = if metres >= 1000.0 {
                        format!("{:.1} {}", metres / 1000.0, t.s("unit.km"))
                    } else {
                        format!("{metres:.0} {}", t.s("unit.m"))
                    };
                    format!(
                        "{} {far}（{}）",
                        t.s("incident.reason.distance"),
                        t.s(&format!("incident.reason.from.{source}"))
                    )
                }
                _ => r.clone(),
            }
        })
        .collect::<Vec<_>>()
        .join("，")
}

/// `GET /incidents/{id}`.
pub async fn incident_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let detail = state.app.incident_as(&principal, &id).await?;
    let t = Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let categories = code_choices(&state, CodeTable::IncidentCategory, en).await?;
    let results = code_choices(&state, CodeTable::ResultCode, en).await?;
    let unit_kinds = code_choices(&state, CodeTable::UnitKind, en).await?;
    let can_dispatch = principal.has(Permission::IncidentDispatch);
    let open = matches!(
        detail.incident.state.as_str(),
        "triaged" | "dispatched" | "accepted" | "departed"
    );
    let secondary = state
        .app
        .store()
        .secondary(&detail.incident.id)
        .await
        .map_err(fengqiao_app::AppError::from)?
        .map(|row| super::secondary::secondary_line(&t, &categories, row));
    let secondary_mine = secondary
        .as_ref()
        .is_some_and(|s| s.row.staff_id.is_some() && s.row.staff_id == principal.staff_id);
    let secondary_open = secondary.as_ref().is_some_and(|s| s.open);
    // One ranking serves both the dispatch list and the secondary handling's officers.
    let ranked: Vec<(Candidate, String)> = if can_dispatch && (open || secondary_open) {
        state
            .app
            .recommend_as(&principal, &id)
            .await?
            .into_iter()
            .map(|c| {
                let words = reasons(&t, &categories, &unit_kinds, &c.reasons);
                (c, words)
            })
            .collect()
    } else {
        Vec::new()
    };
    // The officers the command room may instruct, the owner of the community first.
    let officers: Vec<Choice> = if secondary_open {
        ranked
            .iter()
            .map(|(c, words)| Choice {
                label: format!("{}（{words}）", c.name),
                value: c.staff_id.clone(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let candidates = if open {
        ranked.into_iter().take(8).collect()
    } else {
        Vec::new()
    };
    let events = state
        .app
        .store()
        .timeline(&fengqiao_domain::StreamRef::new("incident", &id))
        .await
        .map_err(fengqiao_app::AppError::from)?;
    let timeline = events
        .iter()
        .map(|e| {
            (
                t.s(&format!("event.{}", e.kind)).to_owned(),
                local_time_seconds(&e.occurred_at),
                actor_name(&e.actor),
            )
        })
        .collect();
    let repeats = detail
        .repeats
        .into_iter()
        .map(|(rule, earlier, number)| {
            (
                t.s(&format!("incident.repeat.{rule}")).to_owned(),
                earlier,
                number,
            )
        })
        .collect();
    let is_assignee =
        detail.incident.assignee_id.is_some() && detail.incident.assignee_id == principal.staff_id;
    let triageable = matches!(detail.incident.state.as_str(), "received" | "triaged");
    let agencies = if can_dispatch && triageable {
        state
            .app
            .transfer_agencies_as(&principal)
            .await?
            .into_iter()
            .map(|p| Choice {
                value: p.id,
                label: p.name,
            })
            .collect()
    } else {
        Vec::new()
    };
    let transfer = state
        .app
        .store()
        .transfer(&detail.incident.id)
        .await
        .map_err(fengqiao_app::AppError::from)?
        .map(|row| {
            let words = t.s(&format!("transfer.state.{}", row.state)).to_owned();
            (row.partner_name, words)
        });
    let category_code = detail
        .incident
        .category
        .clone()
        .or(detail.incident.category_initial.clone())
        .unwrap_or_default();
    let can_open_secondary = can_dispatch
        && secondary.is_none()
        && state.app.top_category(&category_code).await? == "dispute";
    let photos = state
        .app
        .incident_photos_as(&principal, &id)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let departed = detail
        .incident
        .departed_at
        .as_deref()
        .map(local_time_seconds);
    Ok(render(&IncidentPage {
        shell: Shell::new(&ctx, Some(&principal), "incident.title", "/incidents"),
        photos,
        departed,
        max_photos: fengqiao_domain::photo::MAX_PHOTOS,
        source: t
            .s(&format!("incident.source.{}", detail.incident.source))
            .to_owned(),
        line: line(&t, &categories, detail.incident),
        repeats,
        categories,
        results,
        candidates,
        timeline,
        can_dispatch,
        is_assignee,
        agencies,
        transfer,
        secondary,
        secondary_mine,
        officers,
        can_open_secondary,
    }))
}

/// The triage form.
#[derive(Debug, Deserialize)]
pub struct TriageForm {
    category: String,
    branch: String,
    #[serde(default)]
    note: Option<String>,
    /// The agency of a non-police matter; empty: the transfer list's.
    #[serde(default)]
    partner_id: Option<String>,
}

/// `POST /incidents/{id}/triage`.
pub async fn triage(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<TriageForm>,
) -> Result<Response, PageError> {
    let branch: Branch = form.branch.parse().map_err(WebError::from)?;
    let partner = match form.partner_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<RecordId>().map_err(|_| {
            PageError(WebError::Invalid {
                field: Some("partner_id".into()),
                message: format!("not a partner agency id: {text:?}"),
                rows: Vec::new(),
            })
        })?),
    };
    // The agency field only means something for a non-police matter.
    let partner = partner.filter(|_| branch == Branch::NonPolice);
    state
        .app
        .triage_as(
            &principal,
            record_id(&id)?,
            &form.category,
            branch,
            form.note,
            partner,
        )
        .await?;
    Ok(after_post(&ctx, &format!("/incidents/{id}")))
}

/// The dispatch form.
#[derive(Debug, Deserialize)]
pub struct DispatchForm {
    staff_id: String,
}

/// `POST /incidents/{id}/dispatch`.
pub async fn dispatch(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<DispatchForm>,
) -> Result<Response, PageError> {
    let staff: RecordId = form.staff_id.trim().parse().map_err(|_| {
        PageError(WebError::Invalid {
            field: Some("staff_id".into()),
            message: "not a staff id".into(),
            rows: Vec::new(),
        })
    })?;
    state
        .app
        .dispatch_as(&principal, record_id(&id)?, staff)
        .await?;
    Ok(after_post(&ctx, &format!("/incidents/{id}")))
}

/// The officer's step form.
#[derive(Debug, Default, Deserialize)]
pub struct StepForm {
    step: String,
    #[serde(default)]
    result_code: Option<String>,
    #[serde(default)]
    narrative: Option<String>,
}

/// The feedback form as a multipart upload: its fields and the photos (the `photos`
/// parts; an empty part, a file input left empty, is no photo).
async fn step_multipart(
    mut multipart: Multipart,
) -> Result<(StepForm, Vec<PhotoUpload>), PageError> {
    let bad = |field: &str, m: String| {
        PageError(WebError::Invalid {
            field: Some(field.to_owned()),
            message: m,
            rows: Vec::new(),
        })
    };
    let mut form = StepForm::default();
    let mut photos = Vec::new();
    // A part larger than this is refused while it is read, not after.
    let limit = fengqiao_domain::photo::MAX_PHOTO_BYTES;
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| bad("photos", e.to_string()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "photos" {
            let file = field.file_name().unwrap_or("photo").to_owned();
            let mut bytes = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| bad("photos", e.to_string()))?
            {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > limit {
                    return Err(bad(
                        "photos",
                        format!(
                            "{file}: larger than the limit of {} MB",
                            limit / (1024 * 1024)
                        ),
                    ));
                }
            }
            if !bytes.is_empty() {
                photos.push(PhotoUpload { name: file, bytes });
            }
            continue;
        }
        let text = field.text().await.map_err(|e| bad(&name, e.to_string()))?;
        match name.as_str() {
            "step" => form.step = text,
            "result_code" => form.result_code = Some(text),
            "narrative" => form.narrative = Some(text),
            _ => {}
        }
    }
    Ok((form, photos))
}

/// `POST /incidents/{id}/step`: sign for, set out, arrive, feedback. Feedback with
/// photos comes as `multipart/form-data`, every other step as a plain form.
pub async fn step(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    request: Request,
) -> Result<Response, PageError> {
    let multipart = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let (form, photos) = if multipart {
        let body = Multipart::from_request(request, &state)
            .await
            .map_err(|e| PageError(WebError::BadRequest(e.body_text())))?;
        step_multipart(body).await?
    } else {
        let Form(form) = Form::<StepForm>::from_request(request, &state)
            .await
            .map_err(|e| PageError(WebError::BadRequest(e.body_text())))?;
        (form, Vec::new())
    };
    let step = match form.step.as_str() {
        "accept" => OfficerStep::Accept,
        "depart" => OfficerStep::Depart,
        "arrive" => OfficerStep::Arrive,
        "feedback" => OfficerStep::Feedback {
            result_code: form.result_code.unwrap_or_default(),
            narrative: form.narrative.unwrap_or_default(),
            photos,
        },
        other => {
            return Err(PageError(WebError::Invalid {
                field: Some("step".into()),
                message: format!(
                    "unknown step {other:?}; expected accept, depart, arrive or feedback"
                ),
                rows: Vec::new(),
            }));
        }
    };
    state
        .app
        .officer_step_as(&principal, record_id(&id)?, step)
        .await?;
    Ok(after_post(&ctx, &format!("/incidents/{id}")))
}

/// `GET /incidents/{id}/photos/{photo_id}`: one feedback photo, for those who may see
/// the incident (elsewhere: not found).
pub async fn photo(
    State(state): State<AppState>,
    Viewer(principal, _ctx): Viewer,
    Path((id, photo_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (content_type, bytes) = state
        .app
        .incident_photo_as(&principal, &id, &photo_id)
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=3600".to_owned()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
        ],
        bytes,
    )
        .into_response())
}

/// `POST /incidents/{id}/close`.
pub async fn close(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    state
        .app
        .close_incident_as(&principal, record_id(&id)?)
        .await?;
    Ok(after_post(&ctx, &format!("/incidents/{id}")))
}

#[derive(Template)]
#[template(path = "incidents_mine.html")]
struct MinePage {
    shell: Shell,
    lines: Vec<Line>,
    tasks: Vec<super::secondary::SecondaryLine>,
}

/// `GET /incidents/mine`: what is dispatched to me and still open (usable on a phone).
pub async fn mine(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let categories = code_choices(&state, CodeTable::IncidentCategory, en).await?;
    let rows = state.app.my_incidents(&principal).await?;
    let tasks = state.app.my_secondaries(&principal).await?;
    Ok(render(&MinePage {
        shell: Shell::new(&ctx, Some(&principal), "incident.mine", "/incidents/mine"),
        lines: rows.into_iter().map(|r| line(&t, &categories, r)).collect(),
        tasks: tasks
            .into_iter()
            .map(|r| super::secondary::secondary_line(&t, &categories, r))
            .collect(),
    }))
}

/// `POST /incidents/import`: a 110 export (CSV or XLSX, pinyin schema or the
/// platform's names) received in the background; the answer is its progress page.
pub async fn import(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    state
        .app
        .require(&principal, Permission::IncidentDispatch, "import incidents")
        .await?;
    let (dir, path, name) = super::base::save_upload(&mut multipart).await?;
    let id = state.jobs.start(&principal.user_id.to_string(), &name);
    let (jobs, app, job) = (state.jobs.clone(), state.app.clone(), id.clone());
    let t = Tr::new(ctx.lang);
    let remark_template = t.s("import.uncategorised").to_owned();
    tokio::spawn(async move {
        let report = |progress| jobs.update(&job, crate::jobs::JobState::Running(progress));
        let result = app
            .import_incidents_as(&principal, &path, &name, &report)
            .await;
        let state = match result {
            Ok(done) => crate::jobs::JobState::Done(
                done.summary,
                Some(remark_template.replace("{0}", &done.uncategorised.to_string())),
            ),
            Err(fengqiao_app::AppError::Import(rows)) => crate::jobs::JobState::Failed {
                message: format!(
                    "{} problem(s) in the file; nothing was imported",
                    rows.len()
                ),
                rows: rows.iter().map(ToString::to_string).collect(),
            },
            Err(other) => crate::jobs::JobState::Failed {
                message: other.to_string(),
                rows: Vec::new(),
            },
        };
        jobs.update(&job, state);
        drop(dir);
    });
    Ok(after_post(&ctx, &format!("/imports/{id}")))
}

/// The period of the figures page, as local dates `YYYY-MM-DD` (both inclusive).
#[derive(Debug, Deserialize)]
pub struct Period {
    from: Option<String>,
    to: Option<String>,
}

/// One row of a figures table, shares as percentages.
#[derive(Debug)]
struct ReachLine {
    label: String,
    dispatched: u64,
    arrived: u64,
    shares: [String; 3],
}

fn reach_line(label: String, reach: &fengqiao_app::incident_figures::Reach) -> ReachLine {
    ReachLine {
        label,
        dispatched: reach.dispatched,
        arrived: reach.arrived,
        shares: [0, 1, 2].map(|i| format!("{:.1}%", reach.share(i) * 100.0)),
    }
}

#[derive(Template)]
#[template(path = "incident_figures.html")]
struct FiguresPage {
    shell: Shell,
    from: String,
    to: String,
    /// (table id, title key, first column key, rows).
    sections: Vec<(&'static str, &'static str, &'static str, Vec<ReachLine>)>,
    late: Vec<(String, String, String)>,
}

/// The China Standard Time date of a moment, `YYYY-MM-DD`.
fn local_date(at: time::OffsetDateTime) -> String {
    let local = at.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!(
        "{:04}-{:02}-{:02}",
        local.year(),
        u8::from(local.month()),
        local.day()
    )
}

/// Midnight China Standard Time of a local date `YYYY-MM-DD`.
pub(super) fn local_midnight(field: &'static str, text: &str) -> Result<Timestamp, PageError> {
    let bad = || {
        PageError(WebError::from(fengqiao_domain::DomainError::invalid(
            field,
            format!("{text:?} is not a date (YYYY-MM-DD)"),
        )))
    };
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let date = time::Date::parse(text.trim(), &format).map_err(|_| bad())?;
    let offset = time::UtcOffset::from_hms(8, 0, 0).map_err(|_| bad())?;
    Ok(Timestamp::from_datetime(
        date.with_time(time::Time::MIDNIGHT).assume_offset(offset),
    ))
}

/// `GET /incidents/figures`: the 1/3/5-minute figures (1/3/5 分钟到场率) of a period, for
/// the jurisdiction, per unit, community and month, with the incidents that missed five
/// A period of local dates from a query (`from`, `to`, both inclusive; by default the
/// last `days` days up to today) as its texts and `[from, to)` in time.
pub(crate) fn period_bounds(
    period: Period,
    days: i64,
) -> Result<(String, String, Timestamp, Timestamp), PageError> {
    let default_to = local_date(Timestamp::now().datetime());
    let to_text = period
        .to
        .filter(|s| !s.trim().is_empty())
        .unwrap_or(default_to);
    let to_day = local_midnight("to", &to_text)?;
    let from_text = match period.from.filter(|s| !s.trim().is_empty()) {
        Some(text) => text,
        None => local_date(to_day.datetime() - time::Duration::days(days - 1)),
    };
    let from = local_midnight("from", &from_text)?;
    let to = Timestamp::from_datetime(to_day.datetime() + time::Duration::days(1));
    if from.unix_seconds() >= to.unix_seconds() {
        return Err(PageError(WebError::from(
            fengqiao_domain::DomainError::invalid(
                "from",
                "must not be after the end of the period",
            ),
        )));
    }
    Ok((from_text, to_text, from, to))
}

/// minutes linked.
pub async fn figures(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    axum::extract::Query(period): axum::extract::Query<Period>,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let (from_text, to_text, from, to) = period_bounds(period, 30)?;
    let figures = state.app.response_figures_as(&principal, from, to).await?;
    let none = t.s("figures.no_unit").to_owned();
    Ok(render(&FiguresPage {
        shell: Shell::new(
            &ctx,
            Some(&principal),
            "figures.title",
            "/incidents/figures",
        ),
        from: from_text,
        to: to_text,
        sections: vec![
            (
                "figures-total",
                "",
                "figures.period",
                vec![reach_line(t.s("figures.total").to_owned(), &figures.total)],
            ),
            (
                "figures-unit",
                "figures.by_unit",
                "figures.unit",
                figures
                    .by_unit
                    .iter()
                    .map(|(u, r)| reach_line(u.clone().unwrap_or_else(|| none.clone()), r))
                    .collect(),
            ),
            (
                "figures-community",
                "figures.by_community",
                "figures.community",
                figures
                    .by_community
                    .iter()
                    .map(|(c, r)| reach_line(c.clone(), r))
                    .collect(),
            ),
            (
                "figures-month",
                "figures.by_month",
                "figures.month",
                figures
                    .by_month
                    .iter()
                    .map(|(m, r)| reach_line(m.clone(), r))
                    .collect(),
            ),
        ],
        late: figures
            .late
            .into_iter()
            .map(|l| {
                let took = l.seconds.map_or_else(
                    || t.s("figures.not_reached").to_owned(),
                    |s| format!("{}:{:02}", s / 60, s % 60),
                );
                (l.id, l.number, took)
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reasons_say_in_words_how_far_and_whether_on_duty() {
        let t = Tr::new(crate::i18n::Lang::Zh);
        let codes = [
            "duty:on_duty",
            "distance:1234:last",
            "distance:350:post",
            "distance:unknown",
            "duty:rest",
        ]
        .map(str::to_owned);
        let words = reasons(&t, &[], &[], &codes);
        assert!(words.contains("值班中"), "{words}");
        assert!(words.contains("距 1.2 公里（最后位置）"), "{words}");
        assert!(words.contains("距 350 米（警务室/岗位）"), "{words}");
        assert!(words.contains("距离未知"), "{words}");
        assert!(words.contains("休息（排在最后）"), "{words}");
    }
}
