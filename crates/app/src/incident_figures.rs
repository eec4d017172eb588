//! The 1/3/5-minute figures (1/3/5 分钟到场率): of the incidents dispatched in a period,
//! the share reached (the officer on the spot) within 1, 3 and 5 minutes of the call,
//! for the whole jurisdiction, per unit of the officer, per community and per month.
//! An incident dispatched but not yet reached counts as not reached; each figure lists
//! the incidents that missed five minutes, so it can be traced to its records.

use std::collections::{BTreeMap, HashMap};

use fengqiao_domain::Timestamp;
use fengqiao_domain::policy::Permission;

use crate::policy::Principal;
use crate::{App, AppError};

/// The limits of the standard, in seconds.
pub const LIMITS: [i64; 3] = [60, 180, 300];

/// Counts for one group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reach {
    /// Dispatched incidents.
    pub dispatched: u64,
    /// Reached at all.
    pub arrived: u64,
    /// Reached within 1, 3 and 5 minutes of the call.
    pub within: [u64; 3],
}

impl Reach {
    fn add(&mut self, seconds: Option<i64>) {
        self.dispatched += 1;
        if let Some(seconds) = seconds {
            self.arrived += 1;
            for (count, limit) in self.within.iter_mut().zip(LIMITS) {
                if seconds <= limit {
                    *count += 1;
                }
            }
        }
    }

    /// The share (0–1) reached within the `i`-th limit; 0 when nothing was dispatched.
    pub fn share(&self, i: usize) -> f64 {
        if self.dispatched == 0 {
            0.0
        } else {
            self.within[i] as f64 / self.dispatched as f64
        }
    }
}

/// An incident that was not reached within five minutes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Late {
    /// Id.
    pub id: String,
    /// Platform number.
    pub number: String,
    /// Seconds from the call to arrival, `None` when not reached yet.
    pub seconds: Option<i64>,
}

/// The figures of one period.
#[derive(Debug, Clone, PartialEq)]
pub struct ResponseFigures {
    /// All dispatched incidents in scope.
    pub total: Reach,
    /// By the unit of the officer who has the incident (`None`: not in a unit).
    pub by_unit: Vec<(Option<String>, Reach)>,
    /// By community (or the node itself when the incident lies above communities).
    pub by_community: Vec<(String, Reach)>,
    /// By local month, `YYYY-MM`.
    pub by_month: Vec<(String, Reach)>,
    /// The incidents that missed five minutes, oldest first.
    pub late: Vec<Late>,
}

impl App {
    /// The 1/3/5-minute figures of the incidents called in `[from, to)` in the
    /// principal's jurisdiction.
    pub async fn response_figures_as(
        &self,
        principal: &Principal,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<ResponseFigures, AppError> {
        self.require(principal, Permission::IncidentView, "view response figures")
            .await?;
        let scope = principal.scope();
        let rows = self
            .store
            .response_times(&scope, &from.to_string(), &to.to_string())
            .await?;
        let nodes = self.store.nodes(&scope).await?;
        let units = self.store.units(&fengqiao_store::Scope::All).await?;
        let community_name = |node_id: &str| -> String {
            let mut current = nodes.iter().find(|n| n.id == node_id);
            let own = current.map_or_else(|| node_id.to_owned(), |n| n.name.clone());
            while let Some(node) = current {
                if node.level == "community" {
                    return node.name.clone();
                }
                current = node
                    .parent_id
                    .as_deref()
                    .and_then(|p| nodes.iter().find(|n| n.id == p));
            }
            own
        };
        let mut figures = ResponseFigures {
            total: Reach::default(),
            by_unit: Vec::new(),
            by_community: Vec::new(),
            by_month: Vec::new(),
            late: Vec::new(),
        };
        // Incidents far outnumber nodes: each node's community is found once.
        let mut communities: HashMap<String, String> = HashMap::new();
        let mut by_unit: BTreeMap<Option<String>, Reach> = BTreeMap::new();
        let mut by_community: BTreeMap<String, Reach> = BTreeMap::new();
        let mut by_month: BTreeMap<String, Reach> = BTreeMap::new();
        for row in rows {
            let called = Timestamp::parse(&row.called_at)?;
            let seconds = match &row.arrived_at {
                Some(at) => Some(Timestamp::parse(at)?.unix_seconds() - called.unix_seconds()),
                None => None,
            };
            figures.total.add(seconds);
            let unit = row.unit_id.as_deref().map(|u| {
                units
                    .iter()
                    .find(|x| x.id == u)
                    .map_or_else(|| u.to_owned(), |x| x.name.clone())
            });
            by_unit.entry(unit).or_default().add(seconds);
            let community = communities
                .entry(row.node_id.clone())
                .or_insert_with(|| community_name(&row.node_id))
                .clone();
            by_community.entry(community).or_default().add(seconds);
            by_month
                .entry(local_month(called))
                .or_default()
                .add(seconds);
            if seconds.is_none_or(|s| s > LIMITS[2]) {
                figures.late.push(Late {
                    id: row.id,
                    number: row.number,
                    seconds,
                });
            }
        }
        figures.by_unit = by_unit.into_iter().collect();
        figures.by_community = by_community.into_iter().collect();
        figures.by_month = by_month.into_iter().collect();
        Ok(figures)
    }
}

/// The local (China Standard Time) month of a moment, `YYYY-MM`.
fn local_month(at: Timestamp) -> String {
    let local = at
        .datetime()
        .to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
    format!("{:04}-{:02}", local.year(), u8::from(local.month()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reach_counts_each_limit_inclusively_and_unreached_as_missed() {
        let mut reach = Reach::default();
        for seconds in [Some(60), Some(61), Some(180), Some(300), Some(301), None] {
            reach.add(seconds);
        }
        assert_eq!(
            (reach.dispatched, reach.arrived, reach.within),
            (6, 5, [1, 3, 4])
        );
        assert!((reach.share(2) - 4.0 / 6.0).abs() < 1e-12);
        assert_eq!(Reach::default().share(0), 0.0);
    }
}
