//! The command room's live board (警情看板): the stage columns and the searchable,
//! paged register of the jurisdiction's incidents, both filtered by the query string
//! (so a link reproduces the view), and the server-sent events that tell an open
//! board which incidents changed so its script re-reads only the board's sections.

use std::convert::Infallible;
use std::time::Duration;

use askama::Template;
use axum::extract::{Query, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use fengqiao_app::incident_board::{BoardChange, BoardFeed, IncidentQuery};
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::incident::{IncidentSource, IncidentState};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{DomainError, Timestamp};
use serde::Deserialize;

use super::admin::{Choice, code_choices};
use super::incidents::{Line, line, local_midnight};
use super::render;
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::i18n::Tr;
use crate::session::Viewer;
use crate::view::Shell;

/// Lines shown per stage column; the column's heading gives the whole count.
const COLUMN_LINES: i64 = 50;

/// Lines per page of the register.
const PAGE_LINES: i64 = 25;

/// How long one event stream lasts. The browser then reconnects, which checks the
/// session and the permission again, so a signed-out or expired board stops hearing.
const STREAM_LIFETIME: Duration = Duration::from_secs(300);

/// The board's query string. Every field is optional; empty means "any".
#[derive(Debug, Default, Clone, Deserialize)]
pub struct BoardParams {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    state: Option<String>,
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    source: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    repeat: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

fn given(value: Option<&String>) -> Option<&str> {
    value.map(|v| v.trim()).filter(|v| !v.is_empty())
}

impl BoardParams {
    /// The query it asks for, checked: a bad state, source, date or page is refused
    /// with the field named, never silently widened to "any".
    fn query(&self) -> Result<(IncidentQuery, i64), PageError> {
        let invalid = |e: DomainError| PageError(WebError::from(e));
        let states = match given(self.state.as_ref()) {
            Some(s) => vec![s.parse::<IncidentState>().map_err(invalid)?],
            None => Vec::new(),
        };
        let source = given(self.source.as_ref())
            .map(str::parse::<IncidentSource>)
            .transpose()
            .map_err(invalid)?;
        let called_from = given(self.from.as_ref())
            .map(|d| local_midnight("from", d))
            .transpose()?;
        let called_before = given(self.to.as_ref())
            .map(|d| {
                local_midnight("to", d).map(|midnight| {
                    Timestamp::from_datetime(midnight.datetime() + time::Duration::days(1))
                })
            })
            .transpose()?;
        if let (Some(from), Some(before)) = (called_from, called_before)
            && from.unix_seconds() >= before.unix_seconds()
        {
            return Err(invalid(DomainError::invalid(
                "from",
                "must not be after the end of the period",
            )));
        }
        let page = match given(self.page.as_ref()) {
            Some(p) => p
                .parse::<i64>()
                .ok()
                .filter(|p| (1..=100_000).contains(p))
                .ok_or_else(|| invalid(DomainError::invalid("page", "not a page number")))?,
            None => 1,
        };
        let query = IncidentQuery {
            text: given(self.q.as_ref()).map(str::to_owned),
            states,
            category: given(self.category.as_ref()).map(str::to_owned),
            source,
            called_from,
            called_before,
            repeat: matches!(
                given(self.repeat.as_ref()),
                Some("1" | "on" | "true" | "yes")
            ),
            offset: (page - 1) * PAGE_LINES,
            limit: PAGE_LINES,
        };
        Ok((query, page))
    }

    /// The same view on another page, as a link.
    fn link(&self, page: i64) -> String {
        let mut pairs: Vec<(&str, String)> = [
            ("q", &self.q),
            ("state", &self.state),
            ("category", &self.category),
            ("source", &self.source),
            ("from", &self.from),
            ("to", &self.to),
            ("repeat", &self.repeat),
        ]
        .into_iter()
        .filter_map(|(k, v)| given(v.as_ref()).map(|v| (k, v.to_owned())))
        .collect();
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        if query.is_empty() {
            "/incidents".to_owned()
        } else {
            format!("/incidents?{query}")
        }
    }
}

/// A stage column: its title, how many incidents it holds, and the newest of them.
struct Column {
    title: String,
    total: i64,
    lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "incidents.html")]
struct BoardPage {
    shell: Shell,
    columns: Vec<Column>,
    categories: Vec<Choice>,
    sources: Vec<Choice>,
    states: Vec<Choice>,
    can_receive: bool,
    now: String,
    /// The filters as given, to fill the form again.
    filter: Filter,
    results: Vec<Line>,
    total: i64,
    page: i64,
    pages: i64,
    previous: Option<String>,
    next: Option<String>,
}

/// The filter form's values.
struct Filter {
    q: String,
    state: String,
    category: String,
    source: String,
    from: String,
    to: String,
    repeat: bool,
    active: bool,
}

/// `GET /incidents`: the live board by stage and the register, searched, filtered
/// and paged by the query string, with the intake form.
pub async fn board(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Query(params): Query<BoardParams>,
) -> Result<Response, PageError> {
    let t = Tr::new(ctx.lang);
    let en = ctx.lang == crate::i18n::Lang::En;
    let (query, page) = params.query()?;
    let categories = code_choices(&state, CodeTable::IncidentCategory, en).await?;
    use IncidentState as S;
    let stages: [(&str, &[S]); 4] = [
        ("incident.column.new", &[S::Received]),
        ("incident.column.waiting", &[S::Triaged]),
        (
            "incident.column.out",
            &[S::Dispatched, S::Accepted, S::Departed, S::Arrived],
        ),
        ("incident.column.handled", &[S::Handled, S::HandedOver]),
    ];
    let mut columns = Vec::new();
    for (label, stage) in stages {
        // The columns are the stages, so the state filter is the register's alone.
        let column = IncidentQuery {
            states: stage.to_vec(),
            offset: 0,
            limit: COLUMN_LINES,
            ..query.clone()
        };
        let found = state.app.search_incidents_as(&principal, &column).await?;
        columns.push(Column {
            title: t.s(label).to_owned(),
            total: found.total,
            lines: found
                .rows
                .into_iter()
                .map(|r| line(&t, &categories, r))
                .collect(),
        });
    }
    let found = state.app.search_incidents_as(&principal, &query).await?;
    let pages = ((found.total + PAGE_LINES - 1) / PAGE_LINES).max(1);
    let local = Timestamp::now()
        .datetime()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    let text = |v: &Option<String>| given(v.as_ref()).unwrap_or_default().to_owned();
    let filter = Filter {
        q: text(&params.q),
        state: text(&params.state),
        category: text(&params.category),
        source: text(&params.source),
        from: text(&params.from),
        to: text(&params.to),
        repeat: query.repeat,
        active: params.link(1) != "/incidents",
    };
    Ok(render(&BoardPage {
        shell: Shell::new(&ctx, Some(&principal), "incident.board", "/incidents"),
        columns,
        sources: IncidentSource::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: t.s(&format!("incident.source.{s}")).to_owned(),
            })
            .collect(),
        states: IncidentState::ALL
            .iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: t.s(&format!("incident.state.{s}")).to_owned(),
            })
            .collect(),
        results: found
            .rows
            .into_iter()
            .map(|r| line(&t, &categories, r))
            .collect(),
        categories,
        can_receive: principal.has(Permission::IncidentDispatch),
        now: format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}",
            local.year(),
            u8::from(local.month()),
            local.day(),
            local.hour(),
            local.minute()
        ),
        filter,
        total: found.total,
        page,
        pages,
        previous: (page > 1).then(|| params.link(page - 1)),
        next: (page < pages).then(|| params.link(page + 1)),
    }))
}

/// `GET /incidents/events`: server-sent events for an open board. Each `incident`
/// event names one incident of the viewer's jurisdiction whose change was committed
/// (`{"id": …, "seq": …}`); `resync` says changes may have been missed. Incidents of
/// other jurisdictions are never mentioned, not even by id.
pub async fn events(
    State(state): State<AppState>,
    Viewer(principal, _ctx): Viewer,
) -> Result<Response, PageError> {
    let feed = state.app.board_feed_as(&principal).await?;
    let deadline = tokio::time::Instant::now() + STREAM_LIFETIME;
    let stream = futures_util::stream::unfold(feed, move |mut feed: BoardFeed| async move {
        let next = tokio::time::timeout_at(deadline, feed.next()).await;
        let event = match next {
            Ok(Ok(Some(BoardChange::Incident { id, seq }))) => Event::default()
                .event("incident")
                .data(serde_json::json!({ "id": id, "seq": seq }).to_string()),
            Ok(Ok(Some(BoardChange::Resync))) => Event::default().event("resync").data("{}"),
            // The lifetime is over or the store is gone: the browser reconnects.
            Err(_) | Ok(Ok(None)) => return None,
            Ok(Err(error)) => {
                tracing::warn!(error = %error, "the board's event stream failed");
                return None;
            }
        };
        Some((Ok::<_, Infallible>(event), feed))
    });
    Ok(Sse::new(stream)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response())
}
