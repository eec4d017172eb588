//! The jurisdiction tree (组织与辖区) with its map of boundary polygons, and one node's
//! page: children, units, pairing, rename and boundary editing.

use askama::Template;
use axum::Form;
use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use fengqiao_app::org::NewNode;
use fengqiao_domain::org::NodeLevel;
use fengqiao_domain::policy::Permission;
use fengqiao_store::NodeRow;
use serde::Deserialize;

use super::{after_post, render};
use crate::AppState;
use crate::error::{PageError, WebError};
use crate::session::Viewer;
use crate::view::{Shell, shown_name};

/// A node in the tree list, indented by depth.
#[derive(Debug)]
pub struct TreeLine {
    /// The node.
    pub node: NodeRow,
    /// Indentation level within the list.
    pub depth: usize,
}

#[derive(Template)]
#[template(path = "org.html")]
struct OrgPage {
    shell: Shell,
    lines: Vec<TreeLine>,
    can_manage: bool,
    tile_url: String,
}

#[derive(Template)]
#[template(path = "node.html")]
struct NodePage {
    shell: Shell,
    node: NodeRow,
    level_name: String,
    parent: Option<NodeRow>,
    children: Vec<NodeRow>,
    units: Vec<fengqiao_store::UnitRow>,
    paired: Vec<(String, String, String)>,
    can_manage: bool,
    can_audit: bool,
    tile_url: String,
    /// 信息鲜活度 of the node: (fresh, total, percent), for users who see the base.
    freshness: Option<(i64, i64, String)>,
}

/// Orders nodes as a tree: each node followed by its children.
pub fn tree_lines(nodes: &[NodeRow]) -> Vec<TreeLine> {
    fn walk(nodes: &[NodeRow], parent: Option<&str>, depth: usize, out: &mut Vec<TreeLine>) {
        for node in nodes.iter().filter(|n| n.parent_id.as_deref() == parent) {
            out.push(TreeLine {
                node: node.clone(),
                depth,
            });
            walk(nodes, Some(&node.id), depth + 1, out);
        }
    }
    // Roots are the nodes whose parent is not in the list (the user's jurisdiction).
    let ids: std::collections::HashSet<&str> = nodes.iter().map(|n| n.id.as_str()).collect();
    let roots: Vec<&NodeRow> = nodes
        .iter()
        .filter(|n| n.parent_id.as_deref().is_none_or(|p| !ids.contains(p)))
        .collect();
    let mut out = Vec::new();
    for root in roots {
        out.push(TreeLine {
            node: root.clone(),
            depth: 0,
        });
        walk(nodes, Some(&root.id), 1, &mut out);
    }
    out
}

/// `GET /admin/org`.
pub async fn org_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
) -> Result<Response, PageError> {
    let nodes = state.app.nodes_for(&principal).await?;
    let tile_url = state.app.settings().await?.map_tile_url;
    let page = OrgPage {
        shell: Shell::new(&ctx, Some(&principal), "org.title", "/admin/org"),
        lines: tree_lines(&nodes),
        can_manage: principal.has(Permission::OrgManage),
        tile_url,
    };
    Ok(render(&page))
}

/// `GET /admin/org/map.geojson`: the boundaries in scope as a FeatureCollection.
pub async fn org_geojson(
    State(state): State<AppState>,
    Viewer(principal, _): Viewer,
) -> Result<Response, PageError> {
    let nodes = state.app.nodes_for(&principal).await?;
    Ok(Json(feature_collection(&nodes)).into_response())
}

/// Nodes with boundaries as GeoJSON features carrying id, name and level.
pub fn feature_collection(nodes: &[NodeRow]) -> serde_json::Value {
    let features: Vec<serde_json::Value> = nodes
        .iter()
        .filter_map(|n| {
            let geometry: serde_json::Value = serde_json::from_str(n.boundary.as_deref()?).ok()?;
            let geometry = geometry.get("geometry").cloned().unwrap_or(geometry);
            Some(serde_json::json!({
                "type": "Feature",
                "geometry": geometry,
                "properties": {"id": n.id, "name": n.name, "level": n.level, "code": n.code}
            }))
        })
        .collect();
    serde_json::json!({"type": "FeatureCollection", "features": features})
}

/// `GET /admin/org/nodes/{id}`.
pub async fn node_page(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let app = &state.app;
    let node = app.node_for(&principal, &id).await?;
    let nodes = app.nodes_for(&principal).await?;
    let parent = match &node.parent_id {
        Some(p) => nodes.iter().find(|n| &n.id == p).cloned(),
        None => None,
    };
    let children = nodes
        .iter()
        .filter(|n| n.parent_id.as_deref() == Some(id.as_str()))
        .cloned()
        .collect();
    let units = app
        .units_for(&principal)
        .await?
        .into_iter()
        .filter(|u| u.node_id == id)
        .collect();
    let t = crate::i18n::Tr::new(ctx.lang);
    let paired = app
        .staff_for(&principal)
        .await?
        .into_iter()
        .flat_map(|s| {
            s.assignments
                .iter()
                .filter(|(n, _)| *n == id)
                .map(|(_, duty)| {
                    (
                        s.id.clone(),
                        shown_name(&principal, &s.name),
                        t.s(&format!("duty.{duty}")).to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let freshness = if principal.has(Permission::BaseView) {
        app.freshness_as(&principal)
            .await?
            .into_iter()
            .find(|f| f.node_id == id)
            .map(|f| {
                let percent = f
                    .percent()
                    .map_or_else(|| "—".into(), |p| format!("{p:.1}%"));
                (f.fresh, f.total, percent)
            })
    } else {
        None
    };
    let page = NodePage {
        freshness,
        shell: Shell::new(&ctx, Some(&principal), "node.title", "/admin/org"),
        level_name: t.s(&format!("level.{}", node.level)).to_owned(),
        node,
        parent,
        children,
        units,
        paired,
        can_manage: principal.has(Permission::OrgManage),
        can_audit: principal.has(Permission::AuditView),
        tile_url: app.settings().await?.map_tile_url,
    };
    Ok(render(&page))
}

/// The new-node form.
#[derive(Debug, Deserialize)]
pub struct NewNodeForm {
    parent_id: String,
    level: String,
    code: String,
    name: String,
}

/// `POST /admin/org/nodes`.
pub async fn create_node(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Form(form): Form<NewNodeForm>,
) -> Result<Response, PageError> {
    let parent = form
        .parent_id
        .parse()
        .map_err(|_| WebError::BadRequest("parent_id".into()))?;
    let level: NodeLevel = form.level.parse()?;
    let id = state
        .app
        .create_node_as(
            &principal,
            NewNode {
                parent_id: Some(parent),
                level,
                code: form.code,
                name: form.name,
                boundary: None,
            },
        )
        .await?;
    Ok(after_post(&ctx, &format!("/admin/org/nodes/{id}")))
}

/// The rename form.
#[derive(Debug, Deserialize)]
pub struct RenameForm {
    name: String,
}

/// `POST /admin/org/nodes/{id}/rename`.
pub async fn rename_node(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<RenameForm>,
) -> Result<Response, PageError> {
    let node_id = id.parse().map_err(|_| WebError::NotFound)?;
    state
        .app
        .rename_node_as(&principal, node_id, &form.name)
        .await?;
    Ok(after_post(&ctx, &format!("/admin/org/nodes/{id}")))
}

/// The boundary form: GeoJSON text, empty to clear.
#[derive(Debug, Deserialize)]
pub struct BoundaryForm {
    geojson: String,
}

/// `POST /admin/org/nodes/{id}/boundary`.
pub async fn set_boundary(
    State(state): State<AppState>,
    Viewer(principal, ctx): Viewer,
    Path(id): Path<String>,
    Form(form): Form<BoundaryForm>,
) -> Result<Response, PageError> {
    let node_id = id.parse().map_err(|_| WebError::NotFound)?;
    let boundary = if form.geojson.trim().is_empty() {
        None
    } else {
        Some(
            serde_json::from_str(&form.geojson).map_err(|e| WebError::Invalid {
                field: Some("geojson".into()),
                message: format!("not JSON: {e}"),
                rows: Vec::new(),
            })?,
        )
    };
    state
        .app
        .set_boundary_as(&principal, node_id, boundary)
        .await?;
    Ok(after_post(&ctx, &format!("/admin/org/nodes/{id}")))
}
