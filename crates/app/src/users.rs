//! User accounts: creation with a hashed password. Sign-in, sessions and the
//! permission policy build on these records.

use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Params, Version};
use fengqiao_domain::org::{RecordId, Role, check_name};
use fengqiao_domain::{Actor, DomainError, DomainEvent};
use fengqiao_store::{Commit, ExpectedVersion, SideWrite};

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

/// Checks a new password: at least 12 characters, three of the four character
/// classes (lower, upper, digit, other), and not the username.
pub fn check_password(username: &str, password: &str) -> Result<(), DomainError> {
    if password.chars().count() < 12 {
        return Err(DomainError::invalid(
            "password",
            "must have at least 12 characters",
        ));
    }
    let classes = [
        password.chars().any(|c| c.is_lowercase()),
        password.chars().any(|c| c.is_uppercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_alphanumeric()),
    ];
    if classes.iter().filter(|&&c| c).count() < 3 {
        return Err(DomainError::invalid(
            "password",
            "must mix at least three of: lowercase, uppercase, digits, other characters",
        ));
    }
    if password.to_lowercase().contains(&username.to_lowercase()) {
        return Err(DomainError::invalid(
            "password",
            "must not contain the username",
        ));
    }
    Ok(())
}

impl App {
    /// Creates an account with a password that meets the policy.
    pub async fn add_user(
        &self,
        actor: &Actor,
        new: NewUser,
        password: &str,
    ) -> Result<RecordId, AppError> {
        check_password(&new.username, password)?;
        let hash = hash_password(password)?;
        self.add_user_with_hash(actor, fengqiao_domain::org::new_id(), new, hash)
            .await
    }

    /// Creates an account with an already computed hash (the demo hashes its shared
    /// password once).
    pub async fn add_user_with_hash(
        &self,
        actor: &Actor,
        id: RecordId,
        new: NewUser,
        hash: String,
    ) -> Result<RecordId, AppError> {
        let username = new.username.trim().to_owned();
        let valid = (3..=32).contains(&username.len())
            && username
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        if !valid {
            return Err(DomainError::invalid(
                "username",
                "must be 3–32 ASCII letters, digits, '.', '_' or '-'",
            )
            .into());
        }
        if new.roles.is_empty() {
            return Err(DomainError::invalid("roles", "a user needs at least one role").into());
        }
        let mut jurisdiction = Vec::new();
        for code in &new.jurisdiction_codes {
            let node = self.store.node_by_code(code).await?.ok_or_else(|| {
                AppError::NotFound(format!("jurisdiction node with code {code:?}"))
            })?;
            jurisdiction.push(
                node.id
                    .parse()
                    .map_err(|_| AppError::NotFound(format!("node {code}")))?,
            );
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
        };
        let commit = Commit::now(event.stream(), ExpectedVersion::NoStream, vec![event]);
        let secret = SideWrite::SetPasswordHash {
            user_id: id.to_string(),
            hash,
        };
        self.store.commit(actor, &[commit], &[secret]).await?;
        Ok(id)
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
                .contains("three")
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
    fn hashes_are_argon2id_with_the_minimum_parameters() {
        let hash = hash_password("Fengqiao-2026x").unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
    }
}
