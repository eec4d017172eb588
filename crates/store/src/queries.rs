//! Reading the organisation and code-table read models.

use std::collections::HashMap;

use fengqiao_domain::codes::{CodeEntry, CodeTable};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Scope, Store, StoreError};

/// A jurisdiction node as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NodeRow {
    /// Node id.
    pub id: String,
    /// Parent id, `None` for a bureau.
    pub parent_id: Option<String>,
    /// `bureau`, `station`, `community` or `grid`.
    pub level: String,
    /// Unique code.
    pub code: String,
    /// Display name.
    pub name: String,
    /// GeoJSON boundary text.
    pub boundary: Option<String>,
}

/// A unit of a station.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnitRow {
    /// Unit id.
    pub id: String,
    /// The station.
    pub node_id: String,
    /// Code from `unit_kind`.
    pub kind: String,
    /// Display name.
    pub name: String,
}

/// A member of staff with roles, specialties and pairings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StaffRow {
    /// Staff id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// 警号.
    pub badge_number: String,
    /// Unit id.
    pub unit_id: Option<String>,
    /// Phone, unmasked: callers mask it for display.
    pub phone: Option<String>,
    /// Home node (the unit's station, or the node of a person without a unit).
    pub node_id: Option<String>,
    /// Role codes.
    pub roles: Vec<String>,
    /// Category codes.
    pub specialties: Vec<String>,
    /// (node id, duty) pairs of the 1+2+3 pairing.
    pub assignments: Vec<(String, String)>,
}

/// A partner agency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PartnerRow {
    /// Agency id.
    pub id: String,
    /// Display name.
    pub name: String,
    /// Department code.
    pub department: Option<String>,
    /// `standing` or `rotating`.
    pub residency: String,
    /// The station or bureau it works with.
    pub node_id: String,
    /// Contact phone, unmasked: callers mask it for display.
    pub contact_phone: Option<String>,
}

/// A user account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UserRow {
    /// Account id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role codes.
    pub roles: Vec<String>,
    /// Jurisdiction node ids.
    pub jurisdiction: Vec<String>,
    /// Whether the password must be changed at next login.
    pub must_change_password: bool,
    /// Whether the account may sign in.
    pub active: bool,
    /// A lock in force until this time, if any.
    pub locked_until: Option<String>,
    /// A service account (API tokens only).
    pub service_account: bool,
    /// The last successful sign-in.
    pub last_login_at: Option<String>,
}

fn node_row(r: &AnyRow) -> Result<NodeRow, sqlx::Error> {
    Ok(NodeRow {
        id: r.try_get("id")?,
        parent_id: r.try_get("parent_id")?,
        level: r.try_get("level")?,
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        boundary: r.try_get("boundary")?,
    })
}

const NODE_COLUMNS: &str = "id, parent_id, level, code, name, boundary";

impl Store {
    /// The entries of one code table, in display order.
    pub async fn code_entries(&self, table: CodeTable) -> Result<Vec<CodeEntry>, StoreError> {
        let key = format!("code_entries/{table}");
        if let Some(copy) = self.cache.get::<Vec<CodeEntry>>(&key) {
            return Ok(copy);
        }
        let generation = self.cache.generation();
        let rows = sqlx::query(
            "SELECT code, name, name_en, parent, sort_order, active FROM code_entries \
             WHERE code_table = $1 ORDER BY sort_order, code",
        )
        .bind(table.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(CodeEntry {
                    code: r.try_get(0)?,
                    name: r.try_get(1)?,
                    name_en: r.try_get(2)?,
                    parent: r.try_get(3)?,
                    sort_order: r.try_get(4)?,
                    active: r.try_get::<i64, _>(5)? != 0,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()
            .inspect(|entries| self.cache.put(&key, generation, entries.clone()))
    }

    /// The jurisdiction nodes in scope, parents before children.
    pub async fn nodes(&self, scope: &Scope) -> Result<Vec<NodeRow>, StoreError> {
        let (condition, params) = scope.condition("n.id", 1);
        let sql = format!(
            "SELECT {NODE_COLUMNS} FROM jurisdiction_nodes n WHERE {condition} \
             ORDER BY (SELECT MAX(depth) FROM jurisdiction_closure c WHERE c.descendant_id = n.id), code"
        );
        let rows = bind_all(sqlx::query(&sql), &params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| node_row(r).map_err(StoreError::from))
            .collect()
    }

    /// One node by id.
    pub async fn node(&self, id: &str) -> Result<Option<NodeRow>, StoreError> {
        let sql = format!("SELECT {NODE_COLUMNS} FROM jurisdiction_nodes WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(node_row)
            .transpose()
            .map_err(StoreError::from)
    }

    /// One node by its unique code.
    pub async fn node_by_code(&self, code: &str) -> Result<Option<NodeRow>, StoreError> {
        let sql = format!("SELECT {NODE_COLUMNS} FROM jurisdiction_nodes WHERE code = $1");
        let row = sqlx::query(&sql)
            .bind(code)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref()
            .map(node_row)
            .transpose()
            .map_err(StoreError::from)
    }

    /// Ids of a node and everything beneath it.
    pub async fn subtree_ids(&self, node_id: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(
            "SELECT descendant_id FROM jurisdiction_closure WHERE ancestor_id = $1 ORDER BY depth",
        )
        .bind(node_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }

    /// The units in scope.
    pub async fn units(&self, scope: &Scope) -> Result<Vec<UnitRow>, StoreError> {
        let (condition, params) = scope.condition("node_id", 1);
        let sql = format!(
            "SELECT id, node_id, kind, name FROM units WHERE {condition} ORDER BY node_id, kind, name"
        );
        let rows = bind_all(sqlx::query(&sql), &params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(UnitRow {
                    id: r.try_get(0)?,
                    node_id: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    name: r.try_get(3)?,
                })
            })
            .collect()
    }

    /// The members of staff in scope, with roles, specialties and pairings.
    pub async fn staff(&self, scope: &Scope) -> Result<Vec<StaffRow>, StoreError> {
        let roles = self
            .grouped("SELECT staff_id, role FROM staff_roles ORDER BY role")
            .await?;
        let specialties = self
            .grouped("SELECT staff_id, category FROM staff_specialties ORDER BY category")
            .await?;
        let mut assignments: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for r in
            sqlx::query("SELECT staff_id, node_id, duty FROM staff_assignments ORDER BY node_id")
                .fetch_all(&self.pool)
                .await?
        {
            assignments
                .entry(r.try_get(0)?)
                .or_default()
                .push((r.try_get(1)?, r.try_get(2)?));
        }
        // A person is in scope through their home node or any of their pairings.
        let (home, params) = scope.condition("s.node_id", 1);
        let (paired, _) = scope.condition("a.node_id", 1);
        let sql = format!(
            "SELECT s.id, s.name, s.badge_number, s.unit_id, s.phone, s.node_id FROM staff s WHERE {home} \
             OR EXISTS (SELECT 1 FROM staff_assignments a WHERE a.staff_id = s.id AND {paired}) \
             ORDER BY s.badge_number"
        );
        let rows = bind_all(sqlx::query(&sql), &params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get(0)?;
                Ok(StaffRow {
                    name: r.try_get(1)?,
                    badge_number: r.try_get(2)?,
                    unit_id: r.try_get(3)?,
                    phone: r.try_get(4)?,
                    node_id: r.try_get(5)?,
                    roles: roles.get(&id).cloned().unwrap_or_default(),
                    specialties: specialties.get(&id).cloned().unwrap_or_default(),
                    assignments: assignments.get(&id).cloned().unwrap_or_default(),
                    id,
                })
            })
            .collect()
    }

    /// The partner agencies in scope.
    pub async fn partners(&self, scope: &Scope) -> Result<Vec<PartnerRow>, StoreError> {
        let (condition, params) = scope.condition("node_id", 1);
        let sql = format!(
            "SELECT id, name, department, residency, node_id, contact_phone FROM partner_agencies \
             WHERE {condition} ORDER BY name"
        );
        let rows = bind_all(sqlx::query(&sql), &params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                Ok(PartnerRow {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    department: r.try_get(2)?,
                    residency: r.try_get(3)?,
                    node_id: r.try_get(4)?,
                    contact_phone: r.try_get(5)?,
                })
            })
            .collect()
    }

    /// The user accounts with a jurisdiction node in scope.
    pub async fn users(&self, scope: &Scope) -> Result<Vec<UserRow>, StoreError> {
        let roles = self
            .grouped("SELECT user_id, role FROM user_roles ORDER BY role")
            .await?;
        let nodes = self
            .grouped("SELECT user_id, node_id FROM user_jurisdictions ORDER BY node_id")
            .await?;
        let (condition, params) = scope.condition("j.node_id", 1);
        let sql = format!(
            "SELECT id, username, display_name, must_change_password, active, locked_until, \
             service_account, last_login_at FROM users u WHERE EXISTS \
             (SELECT 1 FROM user_jurisdictions j WHERE j.user_id = u.id AND {condition}) ORDER BY username"
        );
        let rows = bind_all(sqlx::query(&sql), &params)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| {
                let id: String = r.try_get(0)?;
                Ok(UserRow {
                    username: r.try_get(1)?,
                    display_name: r.try_get(2)?,
                    must_change_password: r.try_get::<i64, _>(3)? != 0,
                    active: r.try_get::<i64, _>(4)? != 0,
                    locked_until: r.try_get(5)?,
                    service_account: r.try_get::<i64, _>(6)? != 0,
                    last_login_at: r.try_get(7)?,
                    roles: roles.get(&id).cloned().unwrap_or_default(),
                    jurisdiction: nodes.get(&id).cloned().unwrap_or_default(),
                    id,
                })
            })
            .collect()
    }

    /// A user's password hash (PHC string), for authentication.
    pub async fn password_hash(&self, username: &str) -> Result<Option<String>, StoreError> {
        let row = sqlx::query("SELECT password_hash FROM users WHERE username = $1 AND active = 1")
            .bind(username)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row
            .map(|r| r.try_get::<Option<String>, _>(0))
            .transpose()?
            .flatten())
    }

    /// Row counts of the organisation tables, for summaries and readiness.
    pub async fn organisation_counts(&self) -> Result<Vec<(&'static str, i64)>, StoreError> {
        let mut counts = Vec::new();
        for table in [
            "jurisdiction_nodes",
            "units",
            "posts",
            "staff",
            "staff_assignments",
            "partner_agencies",
            "users",
            "code_entries",
        ] {
            let sql = format!("SELECT COUNT(*) FROM {table}");
            counts.push((
                table,
                sqlx::query(&sql).fetch_one(&self.pool).await?.try_get(0)?,
            ));
        }
        Ok(counts)
    }

    /// The newest events of one stream kind (the access trail, sign-ins), newest first,
    /// optionally only those of one stream.
    pub async fn recent_events(
        &self,
        stream_kind: &str,
        stream_id: Option<&str>,
        limit: i64,
    ) -> Result<Vec<crate::StoredEvent>, StoreError> {
        let sql = format!(
            "SELECT {} FROM events WHERE stream_kind = $1 AND ($2 = '' OR stream_id = $2) \
             ORDER BY seq DESC LIMIT $3",
            crate::log::EVENT_COLUMNS
        );
        let rows = sqlx::query(&sql)
            .bind(stream_kind)
            .bind(stream_id.unwrap_or(""))
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| crate::StoredEvent::from_row(r).map_err(StoreError::from))
            .collect()
    }

    async fn grouped(&self, sql: &str) -> Result<HashMap<String, Vec<String>>, StoreError> {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for r in sqlx::query(sql).fetch_all(&self.pool).await? {
            map.entry(r.try_get(0)?).or_default().push(r.try_get(1)?);
        }
        Ok(map)
    }
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds scope parameters in order.
fn bind_all<'q>(mut query: AnyQuery<'q>, params: &'q [String]) -> AnyQuery<'q> {
    for p in params {
        query = query.bind(p.as_str());
    }
    query
}
