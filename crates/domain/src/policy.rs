//! Permissions and the default role → permission table (权限表).
//!
//! What a role may do is data: the defaults below are seeded into the database, where an
//! administrator can read (and change) them. Where a role may do it — its jurisdiction —
//! is decided per record by the application layer's policy.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::DomainError;
use crate::org::Role;

macro_rules! permissions {
    ($($(#[$meta:meta])* $variant:ident = $text:literal),+ $(,)?) => {
        /// One thing a user may be allowed to do.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum Permission { $($(#[$meta])* #[serde(rename = $text)] $variant),+ }

        impl Permission {
            /// Every permission, in display order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stable code (`org.view` …).
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text),+ }
            }
        }

        impl FromStr for Permission {
            type Err = DomainError;
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text.trim() {
                    $($text => Ok(Self::$variant),)+
                    other => Err(DomainError::invalid("permission", format!("unknown permission {other:?}"))),
                }
            }
        }
    };
}

permissions! {
    /// See the jurisdiction tree, units, posts, staff and partner agencies in scope.
    OrgView = "org.view",
    /// Create and change nodes, boundaries, units, posts, staff, pairings, partners.
    OrgManage = "org.manage",
    /// See user accounts in scope.
    UsersView = "users.view",
    /// Create accounts, reset passwords, unlock, change roles, deactivate.
    UsersManage = "users.manage",
    /// Read the code tables.
    CodesView = "codes.view",
    /// Edit, import and export code tables.
    CodesManage = "codes.manage",
    /// Read the role → permission table.
    RolesView = "roles.view",
    /// Change the role → permission table and the security settings.
    SettingsManage = "settings.manage",
    /// Issue and revoke API tokens for service accounts.
    TokensManage = "tokens.manage",
    /// Read the event log, record timelines and the access trail (查询留痕).
    AuditView = "audit.view",
    /// See ID and phone numbers whole, one record at a time, with a reason.
    PersonalReveal = "personal.reveal",
    /// See the base (一标三实) in scope: addresses, housing, population, units, campaigns.
    BaseView = "base.view",
    /// Register, change, import and verify base records; run collection campaigns.
    BaseManage = "base.manage",
    /// See the incidents in scope (警情).
    IncidentView = "incident.view",
    /// Receive, triage, dispatch and close incidents (the command room).
    IncidentDispatch = "incident.dispatch",
    /// Sign for, arrive at and give feedback on incidents dispatched to oneself.
    IncidentHandle = "incident.handle",
    /// See, sign for and answer the non-police matters sent to one's own agency.
    TransferAnswer = "transfer.answer",
    /// Supervise overdue transferred matters (督办).
    TransferSupervise = "transfer.supervise",
    /// Keep the duty roster (值班表) of the staff in scope.
    DutyManage = "duty.manage",
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The default permissions of a role, from DOMAIN.md.
///
/// The system administrator manages accounts and settings but cannot reveal personal
/// data (separation of duties, 三员分立); partners and volunteers see only their own
/// matters and so hold none of the organisation permissions.
pub fn default_permissions(role: Role) -> &'static [Permission] {
    use Permission::*;
    match role {
        Role::Dispatcher => &[
            OrgView,
            CodesView,
            PersonalReveal,
            BaseView,
            IncidentView,
            IncidentDispatch,
            DutyManage,
        ],
        Role::CaseOfficer => &[
            OrgView,
            CodesView,
            PersonalReveal,
            BaseView,
            IncidentView,
            IncidentHandle,
        ],
        Role::CommunityOfficer => &[
            OrgView,
            CodesView,
            PersonalReveal,
            BaseView,
            BaseManage,
            IncidentView,
            IncidentHandle,
        ],
        Role::Auxiliary => &[
            OrgView,
            CodesView,
            BaseView,
            BaseManage,
            IncidentView,
            IncidentHandle,
        ],
        Role::GridWorker => &[OrgView, CodesView, BaseView, BaseManage, IncidentView],
        Role::Volunteer => &[CodesView],
        Role::Partner => &[CodesView, TransferAnswer],
        Role::StationChief => &[
            OrgView,
            UsersView,
            CodesView,
            RolesView,
            AuditView,
            PersonalReveal,
            BaseView,
            BaseManage,
            IncidentView,
            IncidentDispatch,
            TransferSupervise,
            DutyManage,
        ],
        Role::BureauViewer => &[
            OrgView,
            CodesView,
            RolesView,
            AuditView,
            BaseView,
            IncidentView,
        ],
        Role::Admin => &[
            OrgView,
            OrgManage,
            UsersView,
            UsersManage,
            CodesView,
            CodesManage,
            RolesView,
            SettingsManage,
            TokensManage,
            AuditView,
            BaseView,
            BaseManage,
        ],
    }
}

/// Roles whose sight of personal names is limited to the surname (`张*`).
pub fn sees_masked_names(role: Role) -> bool {
    matches!(role, Role::Partner | Role::Volunteer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_round_trip_through_their_codes() {
        for permission in Permission::ALL {
            assert_eq!(
                permission.as_str().parse::<Permission>().unwrap(),
                *permission
            );
        }
        assert!("org.destroy".parse::<Permission>().is_err());
    }

    #[test]
    fn the_administrator_cannot_reveal_personal_data() {
        assert!(!default_permissions(Role::Admin).contains(&Permission::PersonalReveal));
        assert!(default_permissions(Role::Dispatcher).contains(&Permission::PersonalReveal));
    }

    #[test]
    fn only_the_administrator_manages_accounts() {
        for role in Role::ALL {
            let manages = default_permissions(*role).contains(&Permission::UsersManage);
            assert_eq!(manages, *role == Role::Admin, "{role}");
        }
    }
}
