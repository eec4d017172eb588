//! Collection campaigns (采集) and the freshness figure (信息鲜活度): the share of base
//! records verified on the spot in the last 90 days, per grid and summed up the tree.

use std::collections::HashMap;

use fengqiao_domain::base::{BaseKind, CampaignItem, FRESH_DAYS};
use fengqiao_domain::org::{RecordId, check_name, new_id};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{DomainError, DomainEvent, Timestamp};
use fengqiao_store::{CampaignItemRow, CampaignRow, Commit, ExpectedVersion, NodeRow, Scope};

use crate::policy::Principal;
use crate::{App, AppError};

/// At most this many records go on one campaign's list.
pub const MAX_CAMPAIGN_ITEMS: i64 = 5_000;

/// A campaign to launch.
#[derive(Debug, Clone)]
pub struct NewCampaign {
    /// The station, community or grid it covers.
    pub node_id: RecordId,
    /// Name.
    pub name: String,
    /// Due date, `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// Which kinds of record to visit.
    pub kinds: Vec<BaseKind>,
    /// Only records not verified in the last 90 days (otherwise all of them).
    pub stale_only: bool,
}

/// The freshness of one node: its own records and everything beneath it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Freshness {
    /// The node.
    pub node_id: String,
    /// Its name.
    pub name: String,
    /// Its level.
    pub level: String,
    /// Its parent.
    pub parent_id: Option<String>,
    /// Base records in it.
    pub total: i64,
    /// Of which verified in the last 90 days.
    pub fresh: i64,
}

impl Freshness {
    /// fresh / total in percent, `None` when there are no records.
    pub fn percent(&self) -> Option<f64> {
        (self.total > 0).then(|| self.fresh as f64 * 100.0 / self.total as f64)
    }
}

/// The cut-off of freshness for a moment: 90 days earlier, canonical text.
pub fn fresh_since(now: Timestamp) -> Result<String, AppError> {
    Ok(Timestamp::from_unix_seconds(now.unix_seconds() - FRESH_DAYS * 86_400)?.to_string())
}

impl App {
    /// Launches a campaign over the records of the chosen kinds under a node.
    pub async fn create_campaign_as(
        &self,
        principal: &Principal,
        new: NewCampaign,
    ) -> Result<RecordId, AppError> {
        let node = new.node_id.to_string();
        self.require_node(principal, Permission::BaseManage, &node, "create campaign")
            .await?;
        let name = check_name("name", &new.name, 80)?;
        let due_date = match new.due_date.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(check_date(text)?),
        };
        if new.kinds.is_empty() {
            return Err(DomainError::invalid("kinds", "choose at least one kind of record").into());
        }
        let since = if new.stale_only {
            fresh_since(Timestamp::now())?
        } else {
            // Far in the future: every record is "not verified since".
            "9999-12-31T00:00:00.000000Z".to_owned()
        };
        let under = Scope::Under(vec![node]);
        let mut items = Vec::new();
        for kind in &new.kinds {
            let left = MAX_CAMPAIGN_ITEMS - items.len() as i64;
            if left <= 0 {
                break;
            }
            for id in self
                .store
                .stale_records(*kind, &under, &since, left)
                .await?
            {
                let id = id
                    .parse()
                    .map_err(|_| AppError::Refused(format!("corrupt record id {id}")))?;
                items.push(CampaignItem { kind: *kind, id });
            }
        }
        if items.is_empty() {
            return Err(DomainError::invalid(
                "kinds",
                "there is nothing to visit: no such records, or all verified in the last 90 days",
            )
            .into());
        }
        let id = new_id();
        let event = DomainEvent::CampaignCreated {
            id,
            node_id: new.node_id,
            name,
            due_date,
            items,
        };
        let commit = Commit::now(event.stream(), ExpectedVersion::NoStream, vec![event]);
        self.store
            .commit(&principal.actor(), &[commit], &[])
            .await?;
        Ok(id)
    }

    /// The campaigns in the jurisdiction, newest first.
    pub async fn campaigns_as(&self, principal: &Principal) -> Result<Vec<CampaignRow>, AppError> {
        self.require(principal, Permission::BaseView, "view campaigns")
            .await?;
        Ok(self.store.campaigns(&principal.scope()).await?)
    }

    /// One campaign and its list, not yet visited first.
    pub async fn campaign_as(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(CampaignRow, Vec<CampaignItemRow>), AppError> {
        let campaign = self
            .campaigns_as(principal)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| AppError::NotFound("campaign".into()))?;
        let items = self.store.campaign_items(id).await?;
        Ok((campaign, items))
    }

    /// Freshness of every node in the jurisdiction, parents before children.
    pub async fn freshness_as(&self, principal: &Principal) -> Result<Vec<Freshness>, AppError> {
        self.require(principal, Permission::BaseView, "view freshness")
            .await?;
        self.freshness_in(&principal.scope(), Timestamp::now())
            .await
    }

    /// Freshness of every node in a scope at a moment.
    pub async fn freshness_in(
        &self,
        scope: &Scope,
        now: Timestamp,
    ) -> Result<Vec<Freshness>, AppError> {
        let nodes = self.store.nodes(scope).await?;
        let counts = self.store.freshness(scope, &fresh_since(now)?).await?;
        Ok(roll_up(
            &nodes,
            counts
                .iter()
                .map(|c| (c.node_id.as_str(), c.total, c.fresh)),
        ))
    }
}

/// Sums each node's own counts into every ancestor present in `nodes` (which come
/// parents first, so a walk up the parent links finds them).
fn roll_up<'a>(
    nodes: &[NodeRow],
    counts: impl Iterator<Item = (&'a str, i64, i64)>,
) -> Vec<Freshness> {
    let index: HashMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.id.as_str(), i))
        .collect();
    let mut sums = vec![(0i64, 0i64); nodes.len()];
    for (node, total, fresh) in counts {
        let mut cursor = index.get(node).copied();
        while let Some(i) = cursor {
            sums[i].0 += total;
            sums[i].1 += fresh;
            cursor = nodes[i]
                .parent_id
                .as_deref()
                .and_then(|p| index.get(p).copied());
        }
    }
    nodes
        .iter()
        .zip(sums)
        .map(|(n, (total, fresh))| Freshness {
            node_id: n.id.clone(),
            name: n.name.clone(),
            level: n.level.clone(),
            parent_id: n.parent_id.clone(),
            total,
            fresh,
        })
        .collect()
}

/// A calendar date `YYYY-MM-DD`.
fn check_date(text: &str) -> Result<String, DomainError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(text, &format)
        .map(|_| text.to_owned())
        .map_err(|_| {
            DomainError::invalid("due_date", format!("{text:?} is not a date (YYYY-MM-DD)"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, parent: Option<&str>) -> NodeRow {
        NodeRow {
            id: id.into(),
            parent_id: parent.map(Into::into),
            level: "grid".into(),
            code: id.into(),
            name: id.into(),
            boundary: None,
        }
    }

    #[test]
    fn counts_roll_up_to_every_ancestor_in_scope() {
        let nodes = [
            node("S", None),
            node("C", Some("S")),
            node("G1", Some("C")),
            node("G2", Some("C")),
        ];
        let figures = roll_up(&nodes, [("G1", 10, 9), ("G2", 10, 1)].into_iter());
        let by_id: HashMap<_, _> = figures
            .iter()
            .map(|f| (f.node_id.as_str(), (f.total, f.fresh)))
            .collect();
        assert_eq!(by_id["S"], (20, 10));
        assert_eq!(by_id["C"], (20, 10));
        assert_eq!(by_id["G2"], (10, 1));
        assert_eq!(figures[0].percent(), Some(50.0));
    }

    #[test]
    fn a_due_date_must_be_a_calendar_date() {
        assert!(check_date("2026-02-30").is_err());
        assert_eq!(check_date("2026-12-31").unwrap(), "2026-12-31");
    }
}
