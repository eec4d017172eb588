//! Organisation use cases: the jurisdiction tree, posts, units, staff, the 1+2+3
//! pairing and partner agencies.

use fengqiao_domain::codes::CodeTable;
use fengqiao_domain::identity::PhoneNumber;
use fengqiao_domain::org::{
    NodeLevel, PairingDuty, RecordId, Residency, Role, check_boundary, check_name,
};
use fengqiao_domain::{Actor, DomainError, DomainEvent, StreamRef};
use fengqiao_store::{Commit, ExpectedVersion, NodeRow};

use crate::{App, AppError};

/// A node to add to the jurisdiction tree.
#[derive(Debug, Clone)]
pub struct NewNode {
    /// Parent node id; `None` only for a bureau.
    pub parent_id: Option<RecordId>,
    /// Level of the new node.
    pub level: NodeLevel,
    /// Unique code (for example the 12-digit division code, or an internal one).
    pub code: String,
    /// Display name.
    pub name: String,
    /// Optional GeoJSON boundary.
    pub boundary: Option<serde_json::Value>,
}

/// A member of staff to register.
#[derive(Debug, Clone)]
pub struct NewStaff {
    /// Full name.
    pub name: String,
    /// 警号 or staff number.
    pub badge_number: String,
    /// Unit id.
    pub unit_id: Option<RecordId>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Incident category codes.
    pub specialties: Vec<String>,
    /// Work phone.
    pub phone: Option<String>,
    /// Home node for people without a unit (grid workers, volunteers).
    pub node_id: Option<RecordId>,
}

/// A partner agency to add.
#[derive(Debug, Clone)]
pub struct NewPartner {
    /// Display name.
    pub name: String,
    /// Department code.
    pub department: Option<String>,
    /// Standing or rotating.
    pub residency: Residency,
    /// Station or bureau it works with.
    pub node_id: RecordId,
    /// Contact phone.
    pub contact_phone: Option<String>,
}

impl App {
    /// Adds a node under its parent, checking the level order and the boundary.
    pub async fn create_node(&self, actor: &Actor, new: NewNode) -> Result<RecordId, AppError> {
        self.create_node_with_id(actor, fengqiao_domain::org::new_id(), new)
            .await
    }

    /// As [`App::create_node`], with a caller-chosen id (imports and the demo).
    pub async fn create_node_with_id(
        &self,
        actor: &Actor,
        id: RecordId,
        new: NewNode,
    ) -> Result<RecordId, AppError> {
        let events = self.decide_node(id, new).await?;
        let commit = Commit::now(
            StreamRef::new("jurisdiction_node", id),
            ExpectedVersion::NoStream,
            events,
        );
        self.store.commit(actor, &[commit], &[]).await?;
        Ok(id)
    }

    pub(crate) async fn decide_node(
        &self,
        id: RecordId,
        new: NewNode,
    ) -> Result<Vec<DomainEvent>, AppError> {
        let parent = match new.parent_id {
            Some(parent_id) => Some(self.node_row(parent_id).await?),
            None => None,
        };
        let parent_level = parent
            .as_ref()
            .map(|p| p.level.parse::<NodeLevel>())
            .transpose()?;
        new.level.check_parent(parent_level)?;
        let code = check_name("code", &new.code, 40)?;
        let name = check_name("name", &new.name, 60)?;
        let mut events = vec![DomainEvent::JurisdictionNodeCreated {
            id,
            parent_id: new.parent_id,
            level: new.level,
            code,
            name,
        }];
        if let Some(boundary) = new.boundary {
            check_boundary(&boundary)?;
            events.push(DomainEvent::JurisdictionBoundarySet {
                id,
                boundary: Some(boundary),
            });
        }
        Ok(events)
    }

    /// Sets or clears a node's boundary polygon.
    pub async fn set_boundary(
        &self,
        actor: &Actor,
        id: RecordId,
        boundary: Option<serde_json::Value>,
    ) -> Result<(), AppError> {
        self.node_row(id).await?;
        if let Some(boundary) = &boundary {
            check_boundary(boundary)?;
        }
        let stream = StreamRef::new("jurisdiction_node", id);
        let version = self.store.stream_version(&stream).await?;
        let event = DomainEvent::JurisdictionBoundarySet { id, boundary };
        self.store
            .commit(
                actor,
                &[Commit::now(
                    stream,
                    ExpectedVersion::Exact(version),
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(())
    }

    /// Adds a unit to a station (or bureau); its kind must be in the `unit_kind` table.
    pub async fn create_unit(
        &self,
        actor: &Actor,
        id: RecordId,
        node_id: RecordId,
        kind: &str,
        name: &str,
    ) -> Result<RecordId, AppError> {
        let node = self.node_row(node_id).await?;
        if !matches!(node.level.as_str(), "station" | "bureau") {
            return Err(
                DomainError::invalid("node_id", "units belong to a station or a bureau").into(),
            );
        }
        self.check_code(CodeTable::UnitKind, kind).await?;
        let event = DomainEvent::UnitCreated {
            id,
            node_id,
            kind: kind.to_owned(),
            name: check_name("name", name, 60)?,
        };
        self.store
            .commit(
                actor,
                &[Commit::now(
                    event.stream(),
                    ExpectedVersion::NoStream,
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(id)
    }

    /// Sets up a post in a node; its kind must be in the `post_kind` table.
    pub async fn create_post(
        &self,
        actor: &Actor,
        id: RecordId,
        node_id: RecordId,
        kind: &str,
        name: &str,
        position: Option<(f64, f64)>,
    ) -> Result<RecordId, AppError> {
        self.node_row(node_id).await?;
        self.check_code(CodeTable::PostKind, kind).await?;
        if let Some((lng, lat)) = position
            && (!(-180.0..=180.0).contains(&lng) || !(-90.0..=90.0).contains(&lat))
        {
            return Err(DomainError::invalid("position", "longitude/latitude out of range").into());
        }
        let event = DomainEvent::PostCreated {
            id,
            node_id,
            kind: kind.to_owned(),
            name: check_name("name", name, 60)?,
            lng: position.map(|p| p.0),
            lat: position.map(|p| p.1),
        };
        self.store
            .commit(
                actor,
                &[Commit::now(
                    event.stream(),
                    ExpectedVersion::NoStream,
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(id)
    }

    /// Registers a member of staff.
    pub async fn create_staff(
        &self,
        actor: &Actor,
        id: RecordId,
        new: NewStaff,
    ) -> Result<RecordId, AppError> {
        if new.roles.is_empty() {
            return Err(
                DomainError::invalid("roles", "a member of staff needs at least one role").into(),
            );
        }
        for category in &new.specialties {
            self.check_code(CodeTable::IncidentCategory, category)
                .await?;
        }
        let phone = new.phone.as_deref().map(PhoneNumber::parse).transpose()?;
        let event = DomainEvent::StaffCreated {
            id,
            name: check_name("name", &new.name, 30)?,
            badge_number: check_name("badge_number", &new.badge_number, 20)?,
            unit_id: new.unit_id,
            roles: new.roles,
            specialties: new.specialties,
            phone: phone.map(String::from),
            node_id: new.node_id,
        };
        self.store
            .commit(
                actor,
                &[Commit::now(
                    event.stream(),
                    ExpectedVersion::NoStream,
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(id)
    }

    /// Pairs a member of staff with a community or grid (一村(格)一警, 1+2+3).
    pub async fn assign_staff(
        &self,
        actor: &Actor,
        staff_id: RecordId,
        node_id: RecordId,
        duty: PairingDuty,
    ) -> Result<(), AppError> {
        let node = self.node_row(node_id).await?;
        if !matches!(node.level.as_str(), "community" | "grid") {
            return Err(
                DomainError::invalid("node_id", "pairings are with a community or a grid").into(),
            );
        }
        let stream = StreamRef::new("staff", staff_id);
        let version = self.store.stream_version(&stream).await?;
        if version == 0 {
            return Err(AppError::NotFound(format!("staff {staff_id}")));
        }
        let event = DomainEvent::StaffAssigned {
            staff_id,
            node_id,
            duty,
        };
        self.store
            .commit(
                actor,
                &[Commit::now(
                    stream,
                    ExpectedVersion::Exact(version),
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(())
    }

    /// Adds a partner agency.
    pub async fn create_partner(
        &self,
        actor: &Actor,
        id: RecordId,
        new: NewPartner,
    ) -> Result<RecordId, AppError> {
        self.node_row(new.node_id).await?;
        if let Some(department) = &new.department {
            self.check_code(CodeTable::Department, department).await?;
        }
        let phone = new
            .contact_phone
            .as_deref()
            .map(PhoneNumber::parse)
            .transpose()?;
        let event = DomainEvent::PartnerAgencyCreated {
            id,
            name: check_name("name", &new.name, 60)?,
            department: new.department,
            residency: new.residency,
            node_id: new.node_id,
            contact_phone: phone.map(String::from),
        };
        self.store
            .commit(
                actor,
                &[Commit::now(
                    event.stream(),
                    ExpectedVersion::NoStream,
                    vec![event],
                )],
                &[],
            )
            .await?;
        Ok(id)
    }

    async fn node_row(&self, id: RecordId) -> Result<NodeRow, AppError> {
        self.store
            .node(&id.to_string())
            .await?
            .ok_or_else(|| AppError::NotFound(format!("jurisdiction node {id}")))
    }

    /// Checks that `code` is an active entry of `table`.
    pub(crate) async fn check_code(&self, table: CodeTable, code: &str) -> Result<(), AppError> {
        let entries = self.store.code_entries(table).await?;
        if entries.iter().any(|e| e.code == code && e.active) {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "code",
                format!("{code:?} is not an active entry of {table}"),
            )
            .into())
        }
    }
}

/// What a principal may see of the organisation.
impl App {
    /// The jurisdiction nodes in the principal's scope, parents first.
    pub async fn nodes_for(
        &self,
        principal: &crate::policy::Principal,
    ) -> Result<Vec<NodeRow>, AppError> {
        self.require(
            principal,
            fengqiao_domain::policy::Permission::OrgView,
            "list jurisdiction",
        )
        .await?;
        Ok(self.store.nodes(&principal.scope()).await?)
    }

    /// One node, if in scope (otherwise not found).
    pub async fn node_for(
        &self,
        principal: &crate::policy::Principal,
        id: &str,
    ) -> Result<NodeRow, AppError> {
        self.require_node(
            principal,
            fengqiao_domain::policy::Permission::OrgView,
            id,
            "view jurisdiction node",
        )
        .await?;
        self.store
            .node(id)
            .await?
            .ok_or_else(|| AppError::NotFound("jurisdiction node".into()))
    }

    /// The units in scope.
    pub async fn units_for(
        &self,
        principal: &crate::policy::Principal,
    ) -> Result<Vec<fengqiao_store::UnitRow>, AppError> {
        self.require(
            principal,
            fengqiao_domain::policy::Permission::OrgView,
            "list units",
        )
        .await?;
        Ok(self.store.units(&principal.scope()).await?)
    }

    /// The staff in scope.
    pub async fn staff_for(
        &self,
        principal: &crate::policy::Principal,
    ) -> Result<Vec<fengqiao_store::StaffRow>, AppError> {
        self.require(
            principal,
            fengqiao_domain::policy::Permission::OrgView,
            "list staff",
        )
        .await?;
        Ok(self.store.staff(&principal.scope()).await?)
    }

    /// One member of staff, if in scope; opening the record is recorded (查询留痕).
    pub async fn staff_member_for(
        &self,
        principal: &crate::policy::Principal,
        id: &str,
    ) -> Result<fengqiao_store::StaffRow, AppError> {
        self.require(
            principal,
            fengqiao_domain::policy::Permission::OrgView,
            "view staff",
        )
        .await?;
        let found = self
            .store
            .staff(&principal.scope())
            .await?
            .into_iter()
            .find(|s| s.id == id);
        match found {
            Some(member) => {
                self.record_person_view(principal, "staff", id).await?;
                Ok(member)
            }
            None => {
                if self
                    .store
                    .staff(&fengqiao_store::Scope::All)
                    .await?
                    .iter()
                    .any(|s| s.id == id)
                {
                    self.record_denial(principal, "view staff", "scope").await?;
                }
                Err(AppError::NotFound("staff".into()))
            }
        }
    }

    /// The partner agencies in scope.
    pub async fn partners_for(
        &self,
        principal: &crate::policy::Principal,
    ) -> Result<Vec<fengqiao_store::PartnerRow>, AppError> {
        self.require(
            principal,
            fengqiao_domain::policy::Permission::OrgView,
            "list partner agencies",
        )
        .await?;
        Ok(self.store.partners(&principal.scope()).await?)
    }

    /// Seeds what every installation needs: the default code tables and the default
    /// role → permission table (each only where still empty).
    pub async fn seed_defaults(&self, actor: &Actor) -> Result<(), AppError> {
        self.seed_code_tables(actor).await?;
        self.seed_role_permissions(actor).await?;
        Ok(())
    }
}
