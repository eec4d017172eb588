//! Authorization, in one place: who the actor is ([`Principal`]), what their roles
//! allow (the role → permission table, stored as data), and where (their jurisdiction).
//!
//! Every use case that acts for a user asks [`App::require`] or [`App::require_node`];
//! every list query is given [`Principal::scope`], so nothing outside the jurisdiction
//! is ever loaded, counted or exported. A record outside the scope is reported as not
//! found, exactly like a missing one, so its existence does not leak. Each refusal is an
//! `AccessDenied` event in the actor's access trail.

use std::collections::BTreeSet;

use fengqiao_domain::org::{RecordId, Role};
use fengqiao_domain::policy::{Permission, default_permissions, sees_masked_names};
use fengqiao_domain::{Actor, DomainEvent, StreamRef};
use fengqiao_store::{Commit, ExpectedVersion, Scope};

use crate::{App, AppError};

/// A signed-in user (or a service account acting with a token), as the policy sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// The account.
    pub user_id: RecordId,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Roles held.
    pub roles: Vec<Role>,
    /// Jurisdiction node ids (roots of what they see).
    pub jurisdiction: Vec<String>,
    /// Union of the roles' permissions.
    pub permissions: BTreeSet<Permission>,
    /// The linked staff record.
    pub staff_id: Option<String>,
    /// The linked partner agency.
    pub partner_id: Option<String>,
    /// Whether the password must be changed before anything else.
    pub must_change_password: bool,
}

impl Principal {
    /// The actor recorded in events.
    pub fn actor(&self) -> Actor {
        Actor::User {
            id: self.user_id.to_string(),
            username: self.username.clone(),
        }
    }

    /// Whether the roles allow `permission` (anywhere in the jurisdiction).
    pub fn has(&self, permission: Permission) -> bool {
        self.permissions.contains(&permission)
    }

    /// The part of the jurisdiction tree this user's lists are confined to.
    pub fn scope(&self) -> Scope {
        Scope::Under(self.jurisdiction.clone())
    }

    /// Whether personal names are shown to this user as the surname only (`张*`): true
    /// when every role held is one that sees names masked.
    pub fn sees_masked_names(&self) -> bool {
        !self.roles.is_empty() && self.roles.iter().all(|r| sees_masked_names(*r))
    }

    /// Whether the user holds a role.
    pub fn is(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
}

impl App {
    /// Loads the principal of an account: roles, jurisdiction and the permissions the
    /// role table grants them. Inactive or unknown accounts have none.
    pub async fn principal(&self, user_id: &str) -> Result<Option<Principal>, AppError> {
        let Some(account) = self.store.account(user_id).await? else {
            return Ok(None);
        };
        if !account.active {
            return Ok(None);
        }
        let roles: Vec<Role> = account
            .roles
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect();
        let table = self.store.role_permissions().await?;
        let permissions = table
            .iter()
            .filter(|(role, _)| roles.iter().any(|r| r.as_str() == role))
            .filter_map(|(_, permission)| permission.parse().ok())
            .collect();
        Ok(Some(Principal {
            user_id: account
                .id
                .parse()
                .map_err(|_| AppError::Refused(format!("corrupt account id {}", account.id)))?,
            username: account.username,
            display_name: account.display_name,
            roles,
            jurisdiction: account.jurisdiction,
            permissions,
            staff_id: account.staff_id,
            partner_id: account.partner_id,
            must_change_password: account.must_change_password,
        }))
    }

    /// Refuses, and records the refusal, unless the principal holds `permission`.
    pub async fn require(
        &self,
        principal: &Principal,
        permission: Permission,
        action: &str,
    ) -> Result<(), AppError> {
        if principal.has(permission) {
            return Ok(());
        }
        self.record_denial(principal, action, permission.as_str())
            .await?;
        Err(AppError::Forbidden(permission.as_str().to_owned()))
    }

    /// Refuses unless the principal holds `permission` and the node lies in their
    /// jurisdiction. Outside the jurisdiction the answer is "not found", like a
    /// missing node.
    pub async fn require_node(
        &self,
        principal: &Principal,
        permission: Permission,
        node_id: &str,
        action: &str,
    ) -> Result<(), AppError> {
        self.require(principal, permission, action).await?;
        if self.in_scope(principal, node_id).await? {
            return Ok(());
        }
        self.record_denial(principal, action, "scope").await?;
        Err(AppError::NotFound(action.to_owned()))
    }

    /// Whether a node lies under one of the principal's jurisdiction nodes.
    pub async fn in_scope(&self, principal: &Principal, node_id: &str) -> Result<bool, AppError> {
        Ok(self.store.is_within(node_id, &principal.scope()).await?)
    }

    /// Records a refusal in the principal's access trail.
    pub async fn record_denial(
        &self,
        principal: &Principal,
        action: &str,
        missing: &str,
    ) -> Result<(), AppError> {
        let event = DomainEvent::AccessDenied {
            user_id: principal.user_id,
            action: action.chars().take(200).collect(),
            missing: missing.to_owned(),
        };
        self.append(&principal.actor(), event, &[]).await?;
        Ok(())
    }

    /// Seeds the default permissions of every role that has none in the table yet, and
    /// grants each role the defaults among permissions this version introduced: those
    /// no role table in the log has ever named (an upgrade adds `transfer.answer` to
    /// the partner's role; a permission an administrator removed stays removed).
    pub async fn seed_role_permissions(&self, actor: &Actor) -> Result<usize, AppError> {
        let table = self.store.role_permissions().await?;
        let mut known = BTreeSet::new();
        for role in Role::ALL {
            for event in self.store.timeline(&StreamRef::new("role", role)).await? {
                if let Ok(DomainEvent::RolePermissionsSet { permissions, .. }) =
                    DomainEvent::from_parts(&event.kind, &event.payload)
                {
                    known.extend(permissions);
                }
            }
        }
        let mut commits = Vec::new();
        for role in Role::ALL {
            let held: Vec<Permission> = Permission::ALL
                .iter()
                .copied()
                .filter(|p| {
                    table
                        .iter()
                        .any(|(r, q)| r == role.as_str() && q == p.as_str())
                })
                .collect();
            let permissions = if !table.iter().any(|(r, _)| r == role.as_str()) {
                default_permissions(*role).to_vec()
            } else {
                let new: Vec<Permission> = default_permissions(*role)
                    .iter()
                    .copied()
                    .filter(|p| !known.contains(p) && !held.contains(p))
                    .collect();
                if new.is_empty() {
                    continue;
                }
                held.into_iter().chain(new).collect()
            };
            let event = DomainEvent::RolePermissionsSet {
                role: *role,
                permissions,
            };
            commits.push(Commit::now(
                event.stream(),
                ExpectedVersion::Any,
                vec![event],
            ));
        }
        let count = commits.len();
        self.store.commit(actor, &commits, &[]).await?;
        Ok(count)
    }

    /// The role → permission table, one row per role in role order.
    pub async fn role_table(
        &self,
        principal: &Principal,
    ) -> Result<Vec<(Role, Vec<Permission>)>, AppError> {
        self.require(principal, Permission::RolesView, "view roles")
            .await?;
        let table = self.store.role_permissions().await?;
        Ok(Role::ALL
            .iter()
            .map(|role| {
                let permissions = Permission::ALL
                    .iter()
                    .copied()
                    .filter(|p| {
                        table
                            .iter()
                            .any(|(r, q)| r == role.as_str() && q == p.as_str())
                    })
                    .collect();
                (*role, permissions)
            })
            .collect())
    }

    /// Replaces a role's permissions (administrators only). The administrator role
    /// cannot lose the right to manage settings, so the table can always be repaired.
    pub async fn set_role_permissions(
        &self,
        principal: &Principal,
        role: Role,
        permissions: Vec<Permission>,
    ) -> Result<(), AppError> {
        self.require(
            principal,
            Permission::SettingsManage,
            "change role permissions",
        )
        .await?;
        if role == Role::Admin && !permissions.contains(&Permission::SettingsManage) {
            return Err(AppError::Refused(
                "the admin role must keep settings.manage, or nobody could repair the table".into(),
            ));
        }
        let event = DomainEvent::RolePermissionsSet { role, permissions };
        self.append(&principal.actor(), event, &[]).await?;
        Ok(())
    }
}
