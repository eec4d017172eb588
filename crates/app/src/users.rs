//! User accounts: creation with a hashed password, the password policy, and what an
//! administrator does to accounts in their jurisdiction (roles, switching off,
//! password resets, unlocking, removing a second factor, service accounts).

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use fengqiao_domain::org::{RecordId, Role, check_name};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{Actor, DomainError, DomainEvent};
use fengqiao_store::{AccountRow, Commit, ExpectedVersion, SideWrite, UserRow};

use crate::auth::parse_id;
use crate::policy::Principal;
use crate::settings::Settings;
use crate::{App, AppError};

/// A user account to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// Login name: 3–32 ASCII letters, digits, `.`, `_`, `-`.
    pub username: String,
    /// Name shown in the interface.
    pub display_name: String,
    /// Linked staff record.
    pub staff_id: Option<RecordId>,
    /// Linked partner agency (for partner users).
    pub partner_id: Option<RecordId>,
    /// Roles.
    pub roles: Vec<Role>,
    /// Codes of the jurisdiction nodes the user works in.
    pub jurisdiction_codes: Vec<String>,
    /// Must change the password at first login (always true for `fengqiao user add`).
    pub must_change_password: bool,
}

/// argon2id with OWASP's recommended minimum: 19 MiB, 2 passes, 1 lane.
pub fn hasher() -> Argon2<'static> {
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub fn hash_password(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    hasher()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::Refused(format!("cannot hash the password: {e}")))
}

/// The 10,000 most common passwords (see `data/common-passwords.txt`), lowercased.
static COMMON_PASSWORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("../data/common-passwords.txt")
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
});

/// Checks a new password against the policy in force: length, character classes,
/// not a common password, not containing the username.
pub fn check_password_with(
    settings: &Settings,
    username: &str,
    password: &str,
) -> Result<(), DomainError> {
    if password.chars().count() < settings.password_min_length {
        return Err(DomainError::invalid(
            "password",
            format!(
                "must have at least {} characters",
                settings.password_min_length
            ),
        ));
    }
    let classes = [
        password.chars().any(char::is_lowercase),
        password.chars().any(char::is_uppercase),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|&&c| c).count() < settings.password_min_classes {
        return Err(DomainError::invalid(
            "password",
            format!(
                "must mix at least {} of: lowercase, uppercase, digits, other characters",
                settings.password_min_classes
            ),
        ));
    }
    let lower = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lower) {
        return Err(DomainError::invalid(
            "password",
            "is among the most common passwords",
        ));
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(DomainError::invalid(
            "password",
            "must not contain the username",
        ));
    }
    Ok(())
}

/// Checks a password against the default policy (for callers without a store).
pub fn check_password(username: &str, password: &str) -> Result<(), DomainError> {
    check_password_with(&Settings::defaults(), username, password)
}

fn check_username(username: &str) -> Result<String, DomainError> {
    let username = username.trim().to_owned();
    let valid = (3..=32).contains(&username.len())
        && username
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    if valid {
        Ok(username)
    } else {
        Err(DomainError::invalid(
            "username",
            "must be 3–32 ASCII letters, digits, '.', '_' or '-'",
        ))
    }
}

impl App {
    /// Checks a password against the policy in force.
    pub async fn check_password(&self, username: &str, password: &str) -> Result<(), AppError> {
        Ok(check_password_with(
            &self.settings().await?,
            username,
            password,
        )?)
    }

    /// Creates an account with a password that meets the policy (CLI).
    pub async fn add_user(
        &self,
        actor: &Actor,
        new: NewUser,
        password: &str,
    ) -> Result<RecordId, AppError> {
        self.check_password(&new.username, password).await?;
        let hash = hash_password(password)?;
        self.add_user_with_hash(
            actor,
            fengqiao_domain::org::new_id(),
            new,
            Some(hash),
            false,
        )
        .await
    }

    /// Creates an account with an already computed hash (the demo hashes its shared
    /// password once), or a service account without password.
    pub async fn add_user_with_hash(
        &self,
        actor: &Actor,
        id: RecordId,
        new: NewUser,
        hash: Option<String>,
        service_account: bool,
    ) -> Result<RecordId, AppError> {
        let username = check_username(&new.username)?;
        if new.roles.is_empty() {
            return Err(DomainError::invalid("roles", "a user needs at least one role").into());
        }
        let jurisdiction = self.nodes_by_code(&new.jurisdiction_codes).await?;
        if jurisdiction.is_empty() {
            return Err(DomainError::invalid(
                "jurisdiction",
                "a user needs at least one jurisdiction node",
            )
            .into());
        }
        let event = DomainEvent::UserCreated {
            id,
            username,
            display_name: check_name("display_name", &new.display_name, 30)?,
            staff_id: new.staff_id,
            partner_id: new.partner_id,
            roles: new.roles,
            jurisdiction,
            must_change_password: new.must_change_password,
            service_account,
        };
        let commit = Commit::now(event.stream(), ExpectedVersion::NoStream, vec![event]);
        let secrets: Vec<SideWrite> = hash
            .map(|hash| SideWrite::SetPasswordHash {
                user_id: id.to_string(),
                hash,
            })
            .into_iter()
            .collect();
        self.store.commit(actor, &[commit], &secrets).await?;
        Ok(id)
    }

    async fn nodes_by_code(&self, codes: &[String]) -> Result<Vec<RecordId>, AppError> {
        let mut ids = Vec::new();
        for code in codes {
            let node = self.store.node_by_code(code.trim()).await?.ok_or_else(|| {
                DomainError::invalid(
                    "jurisdiction",
                    format!("no jurisdiction node with code {code:?}"),
                )
            })?;
            ids.push(parse_id(&node.id)?);
        }
        Ok(ids)
    }

    /// An administrator creates an account (or a service account, without password) in
    /// their jurisdiction. People must change the initial password at first sign-in.
    pub async fn create_user(
        &self,
        principal: &Principal,
        new: NewUser,
        password: Option<&str>,
    ) -> Result<RecordId, AppError> {
        self.require(principal, Permission::UsersManage, "create user")
            .await?;
        self.check_nodes_in_scope(principal, &new.jurisdiction_codes, "create user")
            .await?;
        let hash = match password {
            Some(password) => {
                self.check_password(&new.username, password).await?;
                Some(hash_password(password)?)
            }
            None => None,
        };
        let service = hash.is_none();
        let new = NewUser {
            must_change_password: !service,
            ..new
        };
        self.add_user_with_hash(
            &principal.actor(),
            fengqiao_domain::org::new_id(),
            new,
            hash,
            service,
        )
        .await
    }

    async fn check_nodes_in_scope(
        &self,
        principal: &Principal,
        codes: &[String],
        action: &str,
    ) -> Result<(), AppError> {
        for id in self.nodes_by_code(codes).await? {
            if !self.in_scope(principal, &id.to_string()).await? {
                self.record_denial(principal, action, "scope").await?;
                return Err(DomainError::invalid(
                    "jurisdiction",
                    "a jurisdiction node is outside your own",
                )
                .into());
            }
        }
        Ok(())
    }

    /// The accounts in the principal's jurisdiction.
    pub async fn users_in_scope(&self, principal: &Principal) -> Result<Vec<UserRow>, AppError> {
        self.require(principal, Permission::UsersView, "list users")
            .await?;
        Ok(self.store.users(&principal.scope()).await?)
    }

    /// One account, if it has a jurisdiction node in the principal's scope; otherwise
    /// not found.
    pub(crate) async fn user_in_scope(
        &self,
        principal: &Principal,
        user_id: &str,
        action: &str,
    ) -> Result<AccountRow, AppError> {
        let account = self.store.account(user_id).await?;
        let mut visible = false;
        if let Some(account) = &account {
            for node in &account.jurisdiction {
                if self.in_scope(principal, node).await? {
                    visible = true;
                    break;
                }
            }
        }
        match account {
            Some(account) if visible => Ok(account),
            Some(_) => {
                self.record_denial(principal, action, "scope").await?;
                Err(AppError::NotFound("user".into()))
            }
            None => Err(AppError::NotFound("user".into())),
        }
    }

    /// One account as the principal may see it.
    pub async fn user(&self, principal: &Principal, user_id: &str) -> Result<AccountRow, AppError> {
        self.require(principal, Permission::UsersView, "view user")
            .await?;
        self.user_in_scope(principal, user_id, "view user").await
    }

    /// Replaces an account's roles and jurisdiction.
    pub async fn set_user_roles(
        &self,
        principal: &Principal,
        user_id: &str,
        roles: Vec<Role>,
        jurisdiction_codes: &[String],
    ) -> Result<(), AppError> {
        self.require(principal, Permission::UsersManage, "change user roles")
            .await?;
        let account = self
            .user_in_scope(principal, user_id, "change user roles")
            .await?;
        if roles.is_empty() {
            return Err(DomainError::invalid("roles", "a user needs at least one role").into());
        }
        self.check_nodes_in_scope(principal, jurisdiction_codes, "change user roles")
            .await?;
        let jurisdiction = self.nodes_by_code(jurisdiction_codes).await?;
        if jurisdiction.is_empty() {
            return Err(DomainError::invalid(
                "jurisdiction",
                "a user needs at least one jurisdiction node",
            )
            .into());
        }
        self.append(
            &principal.actor(),
            DomainEvent::UserRolesSet {
                user_id: parse_id(&account.id)?,
                roles,
                jurisdiction,
            },
            &[],
        )
        .await?;
        // New rights take effect at the next sign-in; old sessions end now.
        self.store.delete_user_sessions(&account.id).await?;
        Ok(())
    }

    /// Switches an account off (its sessions end) or on again.
    pub async fn set_user_active(
        &self,
        principal: &Principal,
        user_id: &str,
        active: bool,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::UsersManage, "switch user")
            .await?;
        let account = self
            .user_in_scope(principal, user_id, "switch user")
            .await?;
        if account.id == principal.user_id.to_string() && !active {
            return Err(AppError::Refused(
                "you cannot switch off your own account".into(),
            ));
        }
        self.append(
            &principal.actor(),
            DomainEvent::UserActiveSet {
                user_id: parse_id(&account.id)?,
                active,
            },
            &[],
        )
        .await?;
        if !active {
            self.store.delete_user_sessions(&account.id).await?;
        }
        Ok(())
    }

    /// Sets a new initial password, to be changed at the next sign-in.
    pub async fn reset_password(
        &self,
        principal: &Principal,
        user_id: &str,
        password: &str,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::UsersManage, "reset password")
            .await?;
        let account = self
            .user_in_scope(principal, user_id, "reset password")
            .await?;
        if account.service_account {
            return Err(AppError::Refused(
                "service accounts sign in with API tokens, not passwords".into(),
            ));
        }
        self.check_password(&account.username, password).await?;
        let write = SideWrite::SetPasswordHash {
            user_id: account.id.clone(),
            hash: hash_password(password)?,
        };
        let event = DomainEvent::PasswordChanged {
            user_id: parse_id(&account.id)?,
            by_administrator: true,
        };
        self.append(&principal.actor(), event, &[write]).await?;
        self.store.delete_user_sessions(&account.id).await?;
        Ok(())
    }

    /// Lifts a lockout.
    pub async fn unlock_user(&self, principal: &Principal, user_id: &str) -> Result<(), AppError> {
        self.require(principal, Permission::UsersManage, "unlock user")
            .await?;
        let account = self
            .user_in_scope(principal, user_id, "unlock user")
            .await?;
        self.append(
            &principal.actor(),
            DomainEvent::AccountUnlocked {
                user_id: parse_id(&account.id)?,
            },
            &[],
        )
        .await
    }

    /// Removes an account's second factor (a lost phone); a role that requires one
    /// enrols again at the next sign-in.
    pub async fn reset_second_factor(
        &self,
        principal: &Principal,
        user_id: &str,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::UsersManage, "reset second factor")
            .await?;
        let account = self
            .user_in_scope(principal, user_id, "reset second factor")
            .await?;
        self.append(
            &principal.actor(),
            DomainEvent::TotpSet {
                user_id: parse_id(&account.id)?,
                enrolled: false,
            },
            &[],
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_password_policy_names_what_is_missing() {
        assert!(
            check_password("zhang", "short1A!")
                .unwrap_err()
                .to_string()
                .contains("12 characters")
        );
        assert!(
            check_password("zhang", "alllowercaseletters")
                .unwrap_err()
                .to_string()
                .contains("3 of")
        );
        assert!(
            check_password("zhangsan", "Zhangsan-2026x")
                .unwrap_err()
                .to_string()
                .contains("username")
        );
        assert!(check_password("zhang", "Fengqiao-2026x").is_ok());
    }

    #[test]
    fn common_passwords_are_refused_whatever_their_case() {
        let settings = Settings {
            password_min_length: 8,
            password_min_classes: 1,
            ..Settings::defaults()
        };
        assert!(
            check_password_with(&settings, "li", "Password1")
                .unwrap_err()
                .to_string()
                .contains("common")
        );
        assert!(
            check_password_with(&settings, "li", "qwertyuiop")
                .unwrap_err()
                .to_string()
                .contains("common")
        );
        assert!(check_password_with(&settings, "li", "枫桥经验-xk29").is_ok());
    }

    #[test]
    fn hashes_are_argon2id_with_the_minimum_parameters() {
        let hash = hash_password("Fengqiao-2026x").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
    }
}
