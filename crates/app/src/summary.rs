//! The figures of a home page, computed in the viewer's scope: the organisation in
//! numbers and the 一村一警 coverage (communities with an assigned officer / all).

use fengqiao_domain::policy::Permission;
use fengqiao_store::Scope;

use crate::policy::Principal;
use crate::{App, AppError};

/// One community and its "1+2+3" pairing.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CommunityLine {
    /// Node id.
    pub id: String,
    /// Name.
    pub name: String,
    /// The community officer(s), by name.
    pub officers: Vec<String>,
    /// Paired auxiliaries.
    pub auxiliaries: usize,
    /// Paired grid workers.
    pub grid_workers: usize,
}

/// The organisation as one user sees it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct OrgSummary {
    /// Stations in scope.
    pub stations: usize,
    /// Communities and villages in scope.
    pub communities: usize,
    /// Grids in scope.
    pub grids: usize,
    /// Staff in scope.
    pub staff: usize,
    /// Communities with at least one assigned officer.
    pub covered: usize,
    /// Each community with its pairing.
    pub lines: Vec<CommunityLine>,
}

impl OrgSummary {
    /// 一村一警 coverage in percent (100 for a scope without communities).
    pub fn coverage_percent(&self) -> f64 {
        if self.communities == 0 {
            100.0
        } else {
            (self.covered as f64) * 100.0 / (self.communities as f64)
        }
    }
}

impl App {
    /// The organisation summary for the principal's scope; `None` without `org.view`.
    pub async fn org_summary(&self, principal: &Principal) -> Result<Option<OrgSummary>, AppError> {
        if !principal.has(Permission::OrgView) {
            return Ok(None);
        }
        Ok(Some(self.org_summary_in(&principal.scope()).await?))
    }

    /// The organisation summary of any scope (for tests and the CLI).
    pub async fn org_summary_in(&self, scope: &Scope) -> Result<OrgSummary, AppError> {
        let nodes = self.store.nodes(scope).await?;
        let staff = self.store.staff(scope).await?;
        let count = |level: &str| nodes.iter().filter(|n| n.level == level).count();
        let lines: Vec<CommunityLine> = nodes
            .iter()
            .filter(|n| n.level == "community")
            .map(|community| {
                let paired = |duty: &'static str| {
                    staff.iter().filter(move |s| {
                        s.assignments
                            .iter()
                            .any(|(node, d)| *node == community.id && d == duty)
                    })
                };
                CommunityLine {
                    id: community.id.clone(),
                    name: community.name.clone(),
                    officers: paired("officer").map(|s| s.name.clone()).collect(),
                    auxiliaries: paired("auxiliary").count(),
                    grid_workers: paired("grid_worker").count(),
                }
            })
            .collect();
        Ok(OrgSummary {
            stations: count("station"),
            communities: count("community"),
            grids: count("grid"),
            staff: staff.len(),
            covered: lines.iter().filter(|l| !l.officers.is_empty()).count(),
            lines,
        })
    }
}
