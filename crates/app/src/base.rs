//! The base (一标三实) as users work with it: standard addresses, the housing, people
//! and units at them, each behind the policy (permission `base.view`/`base.manage`, and
//! the jurisdiction of the grid the record lies in).
//!
//! Searching an address uses the address engine: the typed text is parsed and matched
//! against every standard address, so `枫源村二组十五号门口` finds `…枫源村2组15号`, and a
//! plain substring search runs beside it for partial input.

use std::sync::{Arc, Mutex};

use fengqiao_address::{Entry, Registry};
use fengqiao_domain::base::{
    AddressFields, BaseKind, EstablishmentFields, HouseFields, HouseUsage, KeyPerson, PersonFields,
    optional_text,
};
use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::org::{RecordId, new_id};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{DomainError, DomainEvent, StreamRef};
use fengqiao_store::{
    AddressFilter, AddressRow, Commit, EstablishmentRow, ExpectedVersion, HouseRow, PersonRow,
};

use crate::policy::Principal;
use crate::{App, AppError};

/// The standard addresses indexed for matching, rebuilt when the addresses change.
#[derive(Default)]
pub(crate) struct MatcherCache {
    /// (number of addresses, newest change) the index was built from.
    key: Option<(i64, Option<String>)>,
    registry: Option<Arc<Registry>>,
}

impl std::fmt::Debug for MatcherCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MatcherCache")
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

pub(crate) type SharedMatcher = Arc<Mutex<MatcherCache>>;

/// A page of an address search.
#[derive(Debug, Clone)]
pub struct AddressPage {
    /// The addresses on this page.
    pub rows: Vec<AddressRow>,
    /// How many matched in all.
    pub total: i64,
    /// The standard address the text denotes, when the matcher found one in scope.
    pub best: Option<AddressMatch>,
}

/// What the matcher made of a search text.
#[derive(Debug, Clone)]
pub struct AddressMatch {
    /// The matched address.
    pub address: AddressRow,
    /// Confidence in [0, 1].
    pub score: f64,
    /// Which components agreed.
    pub reason: String,
}

/// One address with everything at it.
#[derive(Debug, Clone)]
pub struct AddressDetail {
    /// The address.
    pub address: AddressRow,
    /// Its components as the parser reads them.
    pub components: fengqiao_address::Components,
    /// Houses.
    pub houses: Vec<HouseRow>,
    /// Residents.
    pub people: Vec<PersonRow>,
    /// Units.
    pub establishments: Vec<EstablishmentRow>,
}

/// A search of the addresses.
#[derive(Debug, Clone, Default)]
pub struct AddressQuery {
    /// Free text: an address as anyone would write it, or part of one, or a code.
    pub text: Option<String>,
    /// Only under this node.
    pub under: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Rows to skip.
    pub offset: i64,
}

impl App {
    /// Addresses in the principal's jurisdiction matching the query, with the
    /// matcher's best answer for the text.
    pub async fn addresses_as(
        &self,
        principal: &Principal,
        query: AddressQuery,
    ) -> Result<AddressPage, AppError> {
        self.require(principal, Permission::BaseView, "view addresses")
            .await?;
        let scope = principal.scope();
        let text = query
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        let mut best = None;
        if let Some(text) = text {
            let registry = self.address_registry().await?;
            let found = registry.match_query(text);
            if let Some(id) = found.id
                && let Some(row) = self.store.address(&id).await?
                && self.store.is_within(&row.node_id, &scope).await?
            {
                best = Some(AddressMatch {
                    address: row,
                    score: found.score,
                    reason: found.reason,
                });
            }
        }
        let filter = AddressFilter {
            text: text.map(str::to_owned),
            under: query.under,
            ids: best.iter().map(|b| b.address.id.clone()).collect(),
            limit: if query.limit > 0 { query.limit } else { 50 },
            offset: query.offset,
        };
        let (rows, total) = self.store.addresses(&scope, &filter).await?;
        Ok(AddressPage { rows, total, best })
    }

    /// Matches a free-text address against every standard address, with no scope:
    /// for the platform's own use (incident intake), never shown to a user as such.
    pub async fn match_address(&self, text: &str) -> Result<fengqiao_address::Match, AppError> {
        Ok(self.address_registry().await?.match_query(text))
    }

    /// The index of every standard address, rebuilt when any has changed.
    pub(crate) async fn address_registry(&self) -> Result<Arc<Registry>, AppError> {
        let key = self.store.address_index_key().await?;
        let cache = Arc::clone(&self.matcher);
        {
            let guard = cache.lock().map_err(|_| poisoned())?;
            if guard.key.as_ref() == Some(&key)
                && let Some(registry) = &guard.registry
            {
                return Ok(Arc::clone(registry));
            }
        }
        let rows = self.store.address_index().await?;
        let registry = Arc::new(Registry::new(rows.into_iter().map(|r| Entry {
            id: r.id,
            address: r.text,
            location: None,
        })));
        let mut guard = cache.lock().map_err(|_| poisoned())?;
        guard.key = Some(key);
        guard.registry = Some(Arc::clone(&registry));
        Ok(registry)
    }

    /// One address with its houses, people and units.
    pub async fn address_as(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<AddressDetail, AppError> {
        let address = self
            .base_record_as(principal, Permission::BaseView, BaseKind::Address, id)
            .await?;
        let row = self
            .store
            .address(&address)
            .await?
            .ok_or_else(|| AppError::NotFound("address".into()))?;
        Ok(AddressDetail {
            components: fengqiao_address::parse(&row.text),
            houses: self.store.houses_at(&row.id).await?,
            people: self.store.people_at(&row.id).await?,
            establishments: self.store.establishments_at(&row.id).await?,
            address: row,
        })
    }

    /// Checks permission and scope for one base record and returns its id; a record
    /// outside the jurisdiction is "not found", like a missing one.
    pub async fn base_record_as(
        &self,
        principal: &Principal,
        permission: Permission,
        kind: BaseKind,
        id: &str,
    ) -> Result<String, AppError> {
        let action = format!("{} {kind}", permission.as_str());
        self.require(principal, permission, &action).await?;
        let node = self.store.base_record_node(kind, id).await?;
        match node {
            Some(node) => {
                self.require_node(principal, permission, &node, &action)
                    .await?;
                Ok(id.to_owned())
            }
            None => Err(AppError::NotFound(kind.to_string())),
        }
    }

    /// Creates (no `id`) or changes a standard address. The grid must be in the
    /// principal's jurisdiction, and so must the address's current grid.
    pub async fn save_address_as(
        &self,
        principal: &Principal,
        id: Option<RecordId>,
        fields: AddressFields,
    ) -> Result<RecordId, AppError> {
        let fields = fields.checked()?;
        self.require_node(
            principal,
            Permission::BaseManage,
            &fields.node_id.to_string(),
            "save address",
        )
        .await?;
        self.check_leaf_node(&fields.node_id.to_string()).await?;
        if let Some(other) = self.store.address_by_code(&fields.code).await?
            && Some(other.id.as_str()) != id.map(|i| i.to_string()).as_deref()
        {
            return Err(DomainError::invalid(
                "code",
                format!("the code {} is already used by {}", fields.code, other.text),
            )
            .into());
        }
        let (id, expected) = match id {
            Some(id) => {
                self.base_record_as(
                    principal,
                    Permission::BaseManage,
                    BaseKind::Address,
                    &id.to_string(),
                )
                .await?;
                (id, self.version_of(BaseKind::Address, id).await?)
            }
            None => (new_id(), ExpectedVersion::NoStream),
        };
        let event = DomainEvent::AddressSaved {
            id,
            address: fields,
        };
        self.commit_one(principal, event, expected).await?;
        Ok(id)
    }

    /// Registers or changes a house at an address in the jurisdiction.
    pub async fn save_house_as(
        &self,
        principal: &Principal,
        id: Option<RecordId>,
        fields: HouseFields,
    ) -> Result<RecordId, AppError> {
        let fields = fields.checked()?;
        let address = fields.address_id.to_string();
        self.base_record_as(
            principal,
            Permission::BaseManage,
            BaseKind::Address,
            &address,
        )
        .await?;
        if let Some(landlord) = fields.landlord_id {
            self.base_record_as(
                principal,
                Permission::BaseManage,
                BaseKind::Person,
                &landlord.to_string(),
            )
            .await
            .map_err(|_| {
                DomainError::invalid("landlord_id", "no such person in your jurisdiction")
            })?;
        }
        let (id, expected) = self.target(principal, BaseKind::House, id).await?;
        self.commit_one(
            principal,
            DomainEvent::HouseSaved { id, house: fields },
            expected,
        )
        .await?;
        Ok(id)
    }

    /// Registers or changes a resident. An ID number already registered to someone
    /// else is refused: one person, one record.
    pub async fn save_person_as(
        &self,
        principal: &Principal,
        id: Option<RecordId>,
        fields: PersonFields,
    ) -> Result<RecordId, AppError> {
        let fields = fields.checked()?;
        self.base_record_as(
            principal,
            Permission::BaseManage,
            BaseKind::Address,
            &fields.address_id.to_string(),
        )
        .await?;
        if let Some(house_id) = fields.house_id {
            let house = self
                .store
                .house(&house_id.to_string())
                .await?
                .ok_or_else(|| DomainError::invalid("house_id", "no such house"))?;
            if house.address_id != fields.address_id.to_string() {
                return Err(
                    DomainError::invalid("house_id", "the house is at another address").into(),
                );
            }
        }
        if let Some(number) = &fields.id_number
            && let Some(other) = self.store.person_by_id_number(number).await?
            && Some(other.id.as_str()) != id.map(|i| i.to_string()).as_deref()
        {
            return Err(DomainError::invalid(
                "id_number",
                "this ID number is already registered to another resident",
            )
            .into());
        }
        let (id, expected) = self.target(principal, BaseKind::Person, id).await?;
        self.commit_one(
            principal,
            DomainEvent::PersonSaved { id, person: fields },
            expected,
        )
        .await?;
        Ok(id)
    }

    /// Makes a resident a key person (重点人员) with a reason and a visit schedule, or
    /// ends the status (`None`).
    pub async fn set_key_person_as(
        &self,
        principal: &Principal,
        person_id: RecordId,
        key: Option<KeyPerson>,
    ) -> Result<(), AppError> {
        let key = key.map(KeyPerson::checked).transpose()?;
        let (_, expected) = self
            .target(principal, BaseKind::Person, Some(person_id))
            .await?;
        self.commit_one(
            principal,
            DomainEvent::KeyPersonSet { person_id, key },
            expected,
        )
        .await
    }

    /// Registers or changes a unit (实有单位).
    pub async fn save_establishment_as(
        &self,
        principal: &Principal,
        id: Option<RecordId>,
        fields: EstablishmentFields,
    ) -> Result<RecordId, AppError> {
        let fields = fields.checked()?;
        self.base_record_as(
            principal,
            Permission::BaseManage,
            BaseKind::Address,
            &fields.address_id.to_string(),
        )
        .await?;
        self.check_code(CodeTable::EstablishmentKind, &fields.kind)
            .await?;
        let (id, expected) = self.target(principal, BaseKind::Establishment, id).await?;
        self.commit_one(
            principal,
            DomainEvent::EstablishmentSaved {
                id,
                establishment: fields,
            },
            expected,
        )
        .await?;
        Ok(id)
    }

    /// Records a check of a base record on the spot or by phone (核查/走访), within a
    /// campaign or not. For a key person this is the scheduled visit.
    pub async fn verify_record_as(
        &self,
        principal: &Principal,
        kind: BaseKind,
        id: RecordId,
        campaign_id: Option<RecordId>,
        note: Option<&str>,
    ) -> Result<(), AppError> {
        let (_, expected) = self.target(principal, kind, Some(id)).await?;
        if let Some(campaign) = campaign_id {
            let items = self.store.campaign_items(&campaign.to_string()).await?;
            if !items
                .iter()
                .any(|i| i.kind == kind.as_str() && i.id == id.to_string())
            {
                return Err(DomainError::invalid(
                    "campaign_id",
                    "the record is not on this campaign's list",
                )
                .into());
            }
        }
        let event = DomainEvent::BaseRecordVerified {
            kind,
            id,
            campaign_id,
            note: optional_text("note", note, 500)?,
        };
        self.commit_one(principal, event, expected).await
    }

    /// The people in the jurisdiction (optionally key people only, or by name).
    pub async fn people_as(
        &self,
        principal: &Principal,
        name: Option<&str>,
        key_only: bool,
    ) -> Result<Vec<PersonRow>, AppError> {
        self.require(principal, Permission::BaseView, "view people")
            .await?;
        Ok(self
            .store
            .people(&principal.scope(), name, key_only, 500)
            .await?)
    }

    /// One person, recorded in the access trail (查询留痕) as opened.
    pub async fn person_as(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(PersonRow, Option<HouseRow>), AppError> {
        self.base_record_as(principal, Permission::BaseView, BaseKind::Person, id)
            .await?;
        let person = self
            .store
            .person(id)
            .await?
            .ok_or_else(|| AppError::NotFound("person".into()))?;
        self.record_person_view(principal, BaseKind::Person.as_str(), id)
            .await?;
        let house = match &person.house_id {
            Some(h) => self.store.house(h).await?,
            None => None,
        };
        Ok((person, house))
    }

    /// The units in the jurisdiction, optionally of one kind or group.
    pub async fn establishments_as(
        &self,
        principal: &Principal,
        kind: Option<&str>,
    ) -> Result<Vec<EstablishmentRow>, AppError> {
        self.require(principal, Permission::BaseView, "view units")
            .await?;
        Ok(self
            .store
            .establishments(&principal.scope(), kind, 1000)
            .await?)
    }

    /// The rentals (出租房) in the jurisdiction.
    pub async fn rentals_as(&self, principal: &Principal) -> Result<Vec<HouseRow>, AppError> {
        self.require(principal, Permission::BaseView, "view housing")
            .await?;
        Ok(self.store.rentals(&principal.scope(), 1000).await?)
    }

    /// One house with its residents (for a rental, the tenants).
    pub async fn house_as(
        &self,
        principal: &Principal,
        id: &str,
    ) -> Result<(HouseRow, Vec<PersonRow>), AppError> {
        self.base_record_as(principal, Permission::BaseView, BaseKind::House, id)
            .await?;
        let house = self
            .store
            .house(id)
            .await?
            .ok_or_else(|| AppError::NotFound("house".into()))?;
        let residents = self.store.people_in_house(id).await?;
        Ok((house, residents))
    }

    /// A new id, or the checked existing one with the version it is at.
    async fn target(
        &self,
        principal: &Principal,
        kind: BaseKind,
        id: Option<RecordId>,
    ) -> Result<(RecordId, ExpectedVersion), AppError> {
        match id {
            Some(id) => {
                self.base_record_as(principal, Permission::BaseManage, kind, &id.to_string())
                    .await?;
                Ok((id, self.version_of(kind, id).await?))
            }
            None => Ok((new_id(), ExpectedVersion::NoStream)),
        }
    }

    async fn version_of(&self, kind: BaseKind, id: RecordId) -> Result<ExpectedVersion, AppError> {
        let version = self
            .store
            .stream_version(&StreamRef::new(kind.as_str(), id))
            .await?;
        Ok(ExpectedVersion::Exact(version))
    }

    async fn commit_one(
        &self,
        principal: &Principal,
        event: DomainEvent,
        expected: ExpectedVersion,
    ) -> Result<(), AppError> {
        let commit = Commit::now(event.stream(), expected, vec![event]);
        self.store
            .commit(&principal.actor(), &[commit], &[])
            .await?;
        Ok(())
    }

    /// Addresses belong to grids (or to communities that have no grids), never to a
    /// station or bureau, so that every record reaches one responsible officer.
    pub(crate) async fn check_leaf_node(&self, node_id: &str) -> Result<(), AppError> {
        let node = self
            .store
            .node(node_id)
            .await?
            .ok_or_else(|| DomainError::invalid("node_id", "no such grid"))?;
        if node.level == "grid" || node.level == "community" {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "node_id",
                format!(
                    "{} is a {}: an address lies in a grid or community",
                    node.name, node.level
                ),
            )
            .into())
        }
    }
}

/// The usage of a house from its stored code (for the pages).
pub fn house_usage(code: &str) -> Option<HouseUsage> {
    code.parse().ok()
}

fn poisoned() -> AppError {
    AppError::Refused("the address index is unavailable after an earlier failure".into())
}
