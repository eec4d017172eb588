//! The base (一标三实) read models: standard addresses, housing, population, units and
//! collection campaigns, every list confined to a [`Scope`] through the record's grid.

pub(crate) mod project;

use fengqiao_domain::base::BaseKind;
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Scope, Store, StoreError};

/// A standard address as stored, with its grid's name.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AddressRow {
    /// Address id.
    pub id: String,
    /// Unique code (地址编码).
    pub code: String,
    /// Full standard text.
    pub text: String,
    /// The grid or community.
    pub node_id: String,
    /// Its name.
    pub node_name: String,
    /// Longitude.
    pub lng: Option<f64>,
    /// Latitude.
    pub lat: Option<f64>,
    /// Last change.
    pub updated_at: String,
    /// Last check on the spot.
    pub verified_at: Option<String>,
    /// Who checked (the log's actor text).
    pub verified_by: Option<String>,
}

/// A house, with its address and landlord.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct HouseRow {
    /// House id.
    pub id: String,
    /// Address id.
    pub address_id: String,
    /// Address text.
    pub address_text: String,
    /// Grid.
    pub node_id: String,
    /// Unit and room.
    pub room: Option<String>,
    /// `owner_occupied`, `rental`, `vacant` or `commercial`.
    pub usage: String,
    /// Landlord (person id).
    pub landlord_id: Option<String>,
    /// Landlord's name, unmasked: callers mask it.
    pub landlord_name: Option<String>,
    /// Remarks.
    pub note: Option<String>,
    /// Residents recorded in the house (for a rental, the tenants).
    pub residents: i64,
    /// Last check.
    pub verified_at: Option<String>,
}

/// A resident, with the whole ID and phone numbers: callers mask them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PersonRow {
    /// Person id.
    pub id: String,
    /// Full name.
    pub name: String,
    /// ID number.
    pub id_number: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// `registered`, `floating` or `foreign`.
    pub registration: String,
    /// Address id.
    pub address_id: String,
    /// Address text.
    pub address_text: String,
    /// House id.
    pub house_id: Option<String>,
    /// Grid.
    pub node_id: String,
    /// Key-person reason, when a key person.
    pub key_reason: Option<String>,
    /// Days between visits.
    pub visit_every_days: Option<i64>,
    /// Key person since.
    pub key_since: Option<String>,
    /// Last check or visit.
    pub verified_at: Option<String>,
    /// Who checked.
    pub verified_by: Option<String>,
}

/// A unit (实有单位).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EstablishmentRow {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Kind code.
    pub kind: String,
    /// The kind's group (`key_place`, `nine_small` …), from the code table.
    pub kind_group: Option<String>,
    /// Address id.
    pub address_id: String,
    /// Address text.
    pub address_text: String,
    /// Grid.
    pub node_id: String,
    /// Person in charge.
    pub contact_name: Option<String>,
    /// Their phone, unmasked.
    pub contact_phone: Option<String>,
    /// Licence number.
    pub licence: Option<String>,
    /// Last check.
    pub verified_at: Option<String>,
}

/// A collection campaign with its progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignRow {
    /// Id.
    pub id: String,
    /// The node it covers.
    pub node_id: String,
    /// The node's name.
    pub node_name: String,
    /// Name.
    pub name: String,
    /// Due date.
    pub due_date: Option<String>,
    /// Launched at.
    pub created_at: String,
    /// Launched by.
    pub created_by: String,
    /// Records to visit.
    pub items: i64,
    /// Records visited.
    pub done: i64,
}

/// One record of a campaign, with a label to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CampaignItemRow {
    /// Kind.
    pub kind: String,
    /// Record id.
    pub id: String,
    /// The record's name or address, unmasked.
    pub label: String,
    /// When it was visited in this campaign.
    pub verified_at: Option<String>,
    /// By whom.
    pub verified_by: Option<String>,
}

/// Fresh and total records of one grid (or any node holding records directly).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FreshnessRow {
    /// The node.
    pub node_id: String,
    /// Records of the base at it.
    pub total: i64,
    /// Of which verified since the cut-off.
    pub fresh: i64,
}

/// What to list of the addresses.
#[derive(Debug, Clone, Default)]
pub struct AddressFilter {
    /// Text the address or code contains.
    pub text: Option<String>,
    /// Only under this node.
    pub under: Option<String>,
    /// Only these ids (the matcher's answers), in addition to the text.
    pub ids: Vec<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

const ADDRESS_COLUMNS: &str = "a.id, a.code, a.text, a.node_id, n.name AS node_name, a.lng, a.lat, \
     a.updated_at, a.verified_at, a.verified_by";

fn address_row(r: &AnyRow) -> Result<AddressRow, sqlx::Error> {
    Ok(AddressRow {
        id: r.try_get("id")?,
        code: r.try_get("code")?,
        text: r.try_get("text")?,
        node_id: r.try_get("node_id")?,
        node_name: r.try_get("node_name")?,
        lng: r.try_get("lng")?,
        lat: r.try_get("lat")?,
        updated_at: r.try_get("updated_at")?,
        verified_at: r.try_get("verified_at")?,
        verified_by: r.try_get("verified_by")?,
    })
}

const HOUSE_COLUMNS: &str = "h.id, h.address_id, a.text AS address_text, h.node_id, h.room, h.usage, \
     h.landlord_id, l.name AS landlord_name, h.note, h.verified_at, \
     (SELECT COUNT(*) FROM people p WHERE p.house_id = h.id) AS residents";
const HOUSE_FROM: &str = "houses h JOIN std_addresses a ON a.id = h.address_id \
     LEFT JOIN people l ON l.id = h.landlord_id";

fn house_row(r: &AnyRow) -> Result<HouseRow, sqlx::Error> {
    Ok(HouseRow {
        id: r.try_get("id")?,
        address_id: r.try_get("address_id")?,
        address_text: r.try_get("address_text")?,
        node_id: r.try_get("node_id")?,
        room: r.try_get("room")?,
        usage: r.try_get("usage")?,
        landlord_id: r.try_get("landlord_id")?,
        landlord_name: r.try_get("landlord_name")?,
        note: r.try_get("note")?,
        residents: r.try_get("residents")?,
        verified_at: r.try_get("verified_at")?,
    })
}

const PERSON_COLUMNS: &str = "p.id, p.name, p.id_number, p.phone, p.registration, p.address_id, \
     a.text AS address_text, p.house_id, p.node_id, p.key_reason, p.visit_every_days, p.key_since, \
     p.verified_at, p.verified_by";
const PERSON_FROM: &str = "people p JOIN std_addresses a ON a.id = p.address_id";

fn person_row(r: &AnyRow) -> Result<PersonRow, sqlx::Error> {
    Ok(PersonRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        id_number: r.try_get("id_number")?,
        phone: r.try_get("phone")?,
        registration: r.try_get("registration")?,
        address_id: r.try_get("address_id")?,
        address_text: r.try_get("address_text")?,
        house_id: r.try_get("house_id")?,
        node_id: r.try_get("node_id")?,
        key_reason: r.try_get("key_reason")?,
        visit_every_days: r.try_get("visit_every_days")?,
        key_since: r.try_get("key_since")?,
        verified_at: r.try_get("verified_at")?,
        verified_by: r.try_get("verified_by")?,
    })
}

const ESTABLISHMENT_COLUMNS: &str = "e.id, e.name, e.kind, k.parent AS kind_group, e.address_id, \
     a.text AS address_text, e.node_id, e.contact_name, e.contact_phone, e.licence, e.verified_at";
const ESTABLISHMENT_FROM: &str = "establishments e JOIN std_addresses a ON a.id = e.address_id \
     LEFT JOIN code_entries k ON k.code_table = 'establishment_kind' AND k.code = e.kind";

fn establishment_row(r: &AnyRow) -> Result<EstablishmentRow, sqlx::Error> {
    Ok(EstablishmentRow {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: r.try_get("kind")?,
        kind_group: r.try_get("kind_group")?,
        address_id: r.try_get("address_id")?,
        address_text: r.try_get("address_text")?,
        node_id: r.try_get("node_id")?,
        contact_name: r.try_get("contact_name")?,
        contact_phone: r.try_get("contact_phone")?,
        licence: r.try_get("licence")?,
        verified_at: r.try_get("verified_at")?,
    })
}

/// A query's text and its parameters, numbered as they are pushed.
pub(crate) struct Sql {
    pub(crate) text: String,
    pub(crate) params: Vec<String>,
}

impl Sql {
    pub(crate) fn new(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            params: Vec::new(),
        }
    }

    /// Appends ` AND <column in scope>`.
    pub(crate) fn scope(&mut self, column: &str, scope: &Scope) {
        let (condition, params) = scope.condition(column, self.params.len() + 1);
        self.text.push_str(" AND ");
        self.text.push_str(&condition);
        self.params.extend(params);
    }

    /// Binds `value` as the next parameter and returns its `$n`.
    pub(crate) fn param(&mut self, value: impl Into<String>) -> String {
        self.params.push(value.into());
        format!("${}", self.params.len())
    }

    pub(crate) async fn fetch<T>(
        &self,
        store: &Store,
        map: fn(&AnyRow) -> Result<T, sqlx::Error>,
    ) -> Result<Vec<T>, StoreError> {
        let mut query = sqlx::query(&self.text);
        for p in &self.params {
            query = query.bind(p.as_str());
        }
        let rows = query.fetch_all(&store.pool).await?;
        rows.iter()
            .map(|r| map(r).map_err(StoreError::from))
            .collect()
    }
}

/// `%text%` for LIKE, with the wildcards of the text itself escaped.
pub(crate) fn like(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

impl Store {
    /// Addresses in scope matching the filter, in code order, and how many match.
    pub async fn addresses(
        &self,
        scope: &Scope,
        filter: &AddressFilter,
    ) -> Result<(Vec<AddressRow>, i64), StoreError> {
        let mut sql = Sql::new(
            "FROM std_addresses a JOIN jurisdiction_nodes n ON n.id = a.node_id WHERE 1 = 1",
        );
        sql.scope("a.node_id", scope);
        if let Some(under) = &filter.under {
            let p = sql.param(under.as_str());
            sql.text.push_str(&format!(
                " AND a.node_id IN (SELECT descendant_id FROM jurisdiction_closure WHERE ancestor_id = {p})"
            ));
        }
        let mut alternatives = Vec::new();
        if let Some(text) = filter.text.as_deref().filter(|t| !t.trim().is_empty()) {
            let p = sql.param(like(text.trim()));
            alternatives.push(format!(
                "a.text LIKE {p} ESCAPE '\\' OR a.code LIKE {p} ESCAPE '\\'"
            ));
        }
        if !filter.ids.is_empty() {
            let list: Vec<String> = filter.ids.iter().map(|id| sql.param(id.as_str())).collect();
            alternatives.push(format!("a.id IN ({})", list.join(", ")));
        }
        if !alternatives.is_empty() {
            sql.text
                .push_str(&format!(" AND ({})", alternatives.join(" OR ")));
        }
        let count = Sql {
            text: format!("SELECT COUNT(*) AS n {}", sql.text),
            params: sql.params.clone(),
        };
        let total = count
            .fetch(self, |r| r.try_get::<i64, _>("n"))
            .await?
            .first()
            .copied()
            .unwrap_or(0);
        let page = Sql {
            text: format!(
                "SELECT {ADDRESS_COLUMNS} {} ORDER BY a.code LIMIT {} OFFSET {}",
                sql.text,
                filter.limit.clamp(1, 1000),
                filter.offset.max(0)
            ),
            params: sql.params,
        };
        Ok((page.fetch(self, address_row).await?, total))
    }

    /// One address by id.
    pub async fn address(&self, id: &str) -> Result<Option<AddressRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {ADDRESS_COLUMNS} FROM std_addresses a JOIN jurisdiction_nodes n ON n.id = a.node_id WHERE a.id = "
        ));
        let p = sql.param(id);
        sql.text.push_str(&p);
        Ok(sql.fetch(self, address_row).await?.into_iter().next())
    }

    /// One address by its unique code.
    pub async fn address_by_code(&self, code: &str) -> Result<Option<AddressRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {ADDRESS_COLUMNS} FROM std_addresses a JOIN jurisdiction_nodes n ON n.id = a.node_id WHERE a.code = "
        ));
        let p = sql.param(code);
        sql.text.push_str(&p);
        Ok(sql.fetch(self, address_row).await?.into_iter().next())
    }

    /// How many addresses there are and the newest change: changes whenever any
    /// address is added or changed, cheaply (for caches of the address index).
    pub async fn address_index_key(&self) -> Result<(i64, Option<String>), StoreError> {
        type Key = (i64, Option<String>);
        if let Some(copy) = self.cache.get::<Key>("address_index_key") {
            return Ok(copy);
        }
        let generation = self.cache.generation();
        let row = sqlx::query("SELECT COUNT(*), MAX(updated_at) FROM std_addresses")
            .fetch_one(&self.pool)
            .await?;
        let key: Key = (row.try_get(0)?, row.try_get(1)?);
        self.cache.put("address_index_key", generation, key.clone());
        Ok(key)
    }

    /// Every address's id, code, text and coordinates, for the matcher and imports.
    pub async fn address_index(&self) -> Result<Vec<AddressRow>, StoreError> {
        Sql::new(format!(
            "SELECT {ADDRESS_COLUMNS} FROM std_addresses a JOIN jurisdiction_nodes n ON n.id = a.node_id ORDER BY a.code"
        ))
        .fetch(self, address_row)
        .await
    }

    /// The houses at an address.
    pub async fn houses_at(&self, address_id: &str) -> Result<Vec<HouseRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {HOUSE_COLUMNS} FROM {HOUSE_FROM} WHERE h.address_id = "
        ));
        let p = sql.param(address_id);
        sql.text.push_str(&p);
        sql.text.push_str(" ORDER BY h.room, h.id");
        sql.fetch(self, house_row).await
    }

    /// One house.
    pub async fn house(&self, id: &str) -> Result<Option<HouseRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {HOUSE_COLUMNS} FROM {HOUSE_FROM} WHERE h.id = "
        ));
        let p = sql.param(id);
        sql.text.push_str(&p);
        Ok(sql.fetch(self, house_row).await?.into_iter().next())
    }

    /// Rentals in scope (出租房), by address.
    pub async fn rentals(&self, scope: &Scope, limit: i64) -> Result<Vec<HouseRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {HOUSE_COLUMNS} FROM {HOUSE_FROM} WHERE h.usage = 'rental'"
        ));
        sql.scope("h.node_id", scope);
        sql.text.push_str(&format!(
            " ORDER BY a.code, h.room LIMIT {}",
            limit.clamp(1, 5000)
        ));
        sql.fetch(self, house_row).await
    }

    /// The residents at an address.
    pub async fn people_at(&self, address_id: &str) -> Result<Vec<PersonRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.address_id = "
        ));
        let p = sql.param(address_id);
        sql.text.push_str(&p);
        sql.text.push_str(" ORDER BY p.house_id, p.name");
        sql.fetch(self, person_row).await
    }

    /// The residents of a house.
    pub async fn people_in_house(&self, house_id: &str) -> Result<Vec<PersonRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.house_id = "
        ));
        let p = sql.param(house_id);
        sql.text.push_str(&p);
        sql.text.push_str(" ORDER BY p.name");
        sql.fetch(self, person_row).await
    }

    /// One person.
    pub async fn person(&self, id: &str) -> Result<Option<PersonRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.id = "
        ));
        let p = sql.param(id);
        sql.text.push_str(&p);
        Ok(sql.fetch(self, person_row).await?.into_iter().next())
    }

    /// People in scope whose name contains `name` (or all), key people only if asked,
    /// by name; at most `limit`.
    pub async fn people(
        &self,
        scope: &Scope,
        name: Option<&str>,
        key_only: bool,
        limit: i64,
    ) -> Result<Vec<PersonRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE 1 = 1"
        ));
        sql.scope("p.node_id", scope);
        if let Some(name) = name.map(str::trim).filter(|n| !n.is_empty()) {
            let p = sql.param(like(name));
            sql.text
                .push_str(&format!(" AND p.name LIKE {p} ESCAPE '\\'"));
        }
        if key_only {
            sql.text.push_str(" AND p.key_reason IS NOT NULL");
        }
        sql.text.push_str(&format!(
            " ORDER BY p.name, p.id LIMIT {}",
            limit.clamp(1, 5000)
        ));
        sql.fetch(self, person_row).await
    }

    /// A person by ID number, in the whole platform (for de-duplication on entry).
    pub async fn person_by_id_number(
        &self,
        id_number: &str,
    ) -> Result<Option<PersonRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {PERSON_COLUMNS} FROM {PERSON_FROM} WHERE p.id_number = "
        ));
        let p = sql.param(id_number);
        sql.text.push_str(&p);
        Ok(sql.fetch(self, person_row).await?.into_iter().next())
    }

    /// The units at an address.
    pub async fn establishments_at(
        &self,
        address_id: &str,
    ) -> Result<Vec<EstablishmentRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {ESTABLISHMENT_COLUMNS} FROM {ESTABLISHMENT_FROM} WHERE e.address_id = "
        ));
        let p = sql.param(address_id);
        sql.text.push_str(&p);
        sql.text.push_str(" ORDER BY e.name");
        sql.fetch(self, establishment_row).await
    }

    /// One unit.
    pub async fn establishment(&self, id: &str) -> Result<Option<EstablishmentRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {ESTABLISHMENT_COLUMNS} FROM {ESTABLISHMENT_FROM} WHERE e.id = "
        ));
        let p = sql.param(id);
        sql.text.push_str(&p);
        Ok(sql.fetch(self, establishment_row).await?.into_iter().next())
    }

    /// Units in scope, optionally of one kind group (`key_place`, `nine_small` …) or
    /// kind, by name.
    pub async fn establishments(
        &self,
        scope: &Scope,
        kind: Option<&str>,
        limit: i64,
    ) -> Result<Vec<EstablishmentRow>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT {ESTABLISHMENT_COLUMNS} FROM {ESTABLISHMENT_FROM} WHERE 1 = 1"
        ));
        sql.scope("e.node_id", scope);
        if let Some(kind) = kind.filter(|k| !k.is_empty()) {
            let p = sql.param(kind);
            sql.text
                .push_str(&format!(" AND (e.kind = {p} OR k.parent = {p})"));
        }
        sql.text.push_str(&format!(
            " ORDER BY e.name, e.id LIMIT {}",
            limit.clamp(1, 5000)
        ));
        sql.fetch(self, establishment_row).await
    }

    /// The grid (node) a base record lies in, if the record exists.
    pub async fn base_record_node(
        &self,
        kind: BaseKind,
        id: &str,
    ) -> Result<Option<String>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT node_id FROM {} WHERE id = ",
            project::table(kind)
        ));
        let p = sql.param(id);
        sql.text.push_str(&p);
        Ok(sql
            .fetch(self, |r| r.try_get::<String, _>("node_id"))
            .await?
            .into_iter()
            .next())
    }

    /// Ids of records of one kind in scope that were not verified since `since`
    /// (never-verified first), at most `limit`: the natural list for a campaign.
    pub async fn stale_records(
        &self,
        kind: BaseKind,
        scope: &Scope,
        since: &str,
        limit: i64,
    ) -> Result<Vec<String>, StoreError> {
        let mut sql = Sql::new(format!(
            "SELECT id FROM {} WHERE 1 = 1",
            project::table(kind)
        ));
        sql.scope("node_id", scope);
        let p = sql.param(since);
        sql.text.push_str(&format!(
            " AND (verified_at IS NULL OR verified_at < {p}) ORDER BY verified_at, id LIMIT {}",
            limit.clamp(1, 100_000)
        ));
        sql.fetch(self, |r| r.try_get::<String, _>("id")).await
    }

    /// Campaigns in scope, newest first, with their progress.
    pub async fn campaigns(&self, scope: &Scope) -> Result<Vec<CampaignRow>, StoreError> {
        let mut sql = Sql::new(
            "SELECT c.id, c.node_id, n.name AS node_name, c.name, c.due_date, c.created_at, c.created_by, \
             (SELECT COUNT(*) FROM campaign_items i WHERE i.campaign_id = c.id) AS items, \
             (SELECT COUNT(*) FROM campaign_items i WHERE i.campaign_id = c.id AND i.verified_at IS NOT NULL) AS done \
             FROM campaigns c JOIN jurisdiction_nodes n ON n.id = c.node_id WHERE 1 = 1",
        );
        sql.scope("c.node_id", scope);
        sql.text.push_str(" ORDER BY c.created_at DESC, c.id");
        sql.fetch(self, |r| {
            Ok(CampaignRow {
                id: r.try_get("id")?,
                node_id: r.try_get("node_id")?,
                node_name: r.try_get("node_name")?,
                name: r.try_get("name")?,
                due_date: r.try_get("due_date")?,
                created_at: r.try_get("created_at")?,
                created_by: r.try_get("created_by")?,
                items: r.try_get("items")?,
                done: r.try_get("done")?,
            })
        })
        .await
    }

    /// The records of a campaign with a label each, not yet visited first.
    pub async fn campaign_items(
        &self,
        campaign_id: &str,
    ) -> Result<Vec<CampaignItemRow>, StoreError> {
        let mut sql = Sql::new(
            "SELECT i.record_kind, i.record_id, i.verified_at, i.verified_by, \
             COALESCE((SELECT text FROM std_addresses WHERE id = i.record_id), \
                      (SELECT a.text || COALESCE(' ' || h.room, '') FROM houses h JOIN std_addresses a ON a.id = h.address_id WHERE h.id = i.record_id), \
                      (SELECT name FROM people WHERE id = i.record_id), \
                      (SELECT name FROM establishments WHERE id = i.record_id), i.record_id) AS label \
             FROM campaign_items i WHERE i.campaign_id = ",
        );
        let p = sql.param(campaign_id);
        sql.text.push_str(&p);
        sql.text
            .push_str(" ORDER BY (i.verified_at IS NOT NULL), i.record_kind, label");
        sql.fetch(self, |r| {
            Ok(CampaignItemRow {
                kind: r.try_get("record_kind")?,
                id: r.try_get("record_id")?,
                label: r.try_get("label")?,
                verified_at: r.try_get("verified_at")?,
                verified_by: r.try_get("verified_by")?,
            })
        })
        .await
    }

    /// Fresh and total base records per node in scope (records sit at grids, or at
    /// communities without grids); ancestors are summed by the caller.
    pub async fn freshness(
        &self,
        scope: &Scope,
        since: &str,
    ) -> Result<Vec<FreshnessRow>, StoreError> {
        let mut union = Vec::new();
        let mut sql = Sql::new("");
        let p = sql.param(since);
        for kind in BaseKind::ALL {
            let table = project::table(*kind);
            union.push(format!(
                "SELECT node_id, CASE WHEN verified_at >= {p} THEN 1 ELSE 0 END AS fresh FROM {table}"
            ));
        }
        sql.text = format!(
            "SELECT node_id, COUNT(*) AS total, SUM(fresh) AS fresh FROM ({}) r WHERE 1 = 1",
            union.join(" UNION ALL ")
        );
        sql.scope("node_id", scope);
        sql.text.push_str(" GROUP BY node_id ORDER BY node_id");
        sql.fetch(self, |r| {
            Ok(FreshnessRow {
                node_id: r.try_get("node_id")?,
                total: r.try_get("total")?,
                fresh: r.try_get("fresh")?,
            })
        })
        .await
    }
}
