//! The command room's live board (警情看板): the incidents of the jurisdiction searched,
//! filtered and paged in SQL, and the feed that tells an open board which of its
//! incidents changed.

use fengqiao_domain::Timestamp;
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::incident::{IncidentSource, IncidentState};
use fengqiao_domain::policy::Permission;
use fengqiao_store::{Change, IncidentFilter, IncidentRow};
use tokio::sync::broadcast;

use crate::policy::Principal;
use crate::{App, AppError};

/// What the board asks for; every field narrows, an empty one does not.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IncidentQuery {
    /// Words of the number, address or narrative, or the caller's phone digits.
    pub text: Option<String>,
    /// Any of these states (all when empty).
    pub states: Vec<IncidentState>,
    /// A category code: the incidents of it and of every category beneath it.
    pub category: Option<String>,
    /// The source.
    pub source: Option<IncidentSource>,
    /// Called at or after.
    pub called_from: Option<Timestamp>,
    /// Called before.
    pub called_before: Option<Timestamp>,
    /// Only repeat-flagged incidents.
    pub repeat: bool,
    /// Rows skipped.
    pub offset: i64,
    /// Rows at most (1 to 500).
    pub limit: i64,
}

/// A page of incidents and how many match in all.
#[derive(Debug, Clone)]
pub struct IncidentList {
    /// The page, newest call first.
    pub rows: Vec<IncidentRow>,
    /// Matching incidents in the jurisdiction.
    pub total: i64,
}

/// What an open board hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BoardChange {
    /// An incident of the principal's jurisdiction changed (its log position).
    Incident {
        /// The incident.
        id: String,
        /// The commit's last position in the log.
        seq: i64,
    },
    /// Changes may have been missed: read the whole board again.
    Resync,
}

/// An open board's feed: the committed incident changes within one principal's
/// jurisdiction, and nothing of any other.
#[derive(Debug)]
pub struct BoardFeed {
    app: App,
    principal: Principal,
    receiver: broadcast::Receiver<Change>,
}

impl BoardFeed {
    /// The next change the principal may see; `None` when the store is gone. Changes
    /// of incidents outside the jurisdiction are skipped without a trace.
    pub async fn next(&mut self) -> Result<Option<BoardChange>, AppError> {
        loop {
            let change = match self.receiver.recv().await {
                Ok(change) => change,
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    return Ok(Some(BoardChange::Resync));
                }
                Err(broadcast::error::RecvError::Closed) => return Ok(None),
            };
            match change {
                Change::Resync => return Ok(Some(BoardChange::Resync)),
                Change::Committed {
                    stream_kind,
                    stream_id,
                    seq,
                } if stream_kind == "incident" => {
                    let Some(node) = self.app.store.incident_node(&stream_id).await? else {
                        continue;
                    };
                    if self.app.in_scope(&self.principal, &node).await? {
                        return Ok(Some(BoardChange::Incident { id: stream_id, seq }));
                    }
                }
                Change::Committed { .. } => {}
            }
        }
    }
}

impl App {
    /// One page of the incidents in the principal's jurisdiction that match the query,
    /// with the total; the jurisdiction and every filter are applied in SQL.
    pub async fn search_incidents_as(
        &self,
        principal: &Principal,
        query: &IncidentQuery,
    ) -> Result<IncidentList, AppError> {
        self.require(principal, Permission::IncidentView, "view incidents")
            .await?;
        let categories = match &query.category {
            Some(code) => self.category_and_beneath(code).await?,
            None => Vec::new(),
        };
        let filter = IncidentFilter {
            text: query.text.clone(),
            states: query.states.iter().map(|s| s.as_str().to_owned()).collect(),
            categories,
            source: query.source.map(|s| s.as_str().to_owned()),
            called_from: query.called_from.map(|t| t.to_string()),
            called_before: query.called_before.map(|t| t.to_string()),
            repeat: query.repeat,
            assignee: None,
            offset: query.offset.max(0),
            limit: query.limit.clamp(1, 500),
        };
        let (rows, total) = self
            .store
            .incident_list(&principal.scope(), &filter, true)
            .await?;
        Ok(IncidentList { rows, total })
    }

    /// Subscribes an open board to the changes of the principal's jurisdiction.
    pub async fn board_feed_as(&self, principal: &Principal) -> Result<BoardFeed, AppError> {
        self.require(principal, Permission::IncidentView, "watch incidents")
            .await?;
        Ok(BoardFeed {
            app: self.clone(),
            principal: principal.clone(),
            receiver: self.store.subscribe().await,
        })
    }

    /// A category code with every code beneath it in the stored table (a filter on
    /// 纠纷 also finds 邻里纠纷). An unknown code finds only itself, so nothing.
    async fn category_and_beneath(&self, code: &str) -> Result<Vec<String>, AppError> {
        let entries = self.store.code_entries(CodeTable::IncidentCategory).await?;
        let mut codes = vec![code.to_owned()];
        let mut grew = true;
        while grew {
            grew = false;
            for entry in &entries {
                let under = entry.parent.as_ref().is_some_and(|p| codes.contains(p));
                if under && !codes.contains(&entry.code) {
                    codes.push(entry.code.clone());
                    grew = true;
                }
            }
        }
        Ok(codes)
    }
}
