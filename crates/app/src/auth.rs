//! Signing in and staying signed in: passwords (argon2id, rehashed when the parameters
//! rise), lockout after repeated failures, the TOTP second factor (RFC 6238), sessions
//! with idle and absolute timeouts, and API tokens for service accounts.
//!
//! The same refusal is given for an unknown user, a wrong password, a locked or an
//! inactive account, so the answer never tells which names exist. Every sign-in,
//! failure, lockout and sign-out is an event.

use argon2::password_hash::{PasswordHash, PasswordVerifier};
use fengqiao_domain::org::{RecordId, Role};
use fengqiao_domain::policy::Permission;
use fengqiao_domain::{Actor, DomainError, DomainEvent, StreamRef, Timestamp};
use fengqiao_store::{AccountRow, Commit, ExpectedVersion, SideWrite, token_hash};
use rand::RngCore;
use time::Duration;
use totp_rs::{Algorithm, Secret, Totp};

use crate::policy::Principal;
use crate::users::{hash_password, hasher};
use crate::{App, AppError};

/// What a password sign-in leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignIn {
    /// Signed in.
    Done {
        /// The account.
        user_id: RecordId,
    },
    /// The password was right; the enrolled TOTP code is asked next.
    SecondFactor {
        /// The account.
        user_id: RecordId,
    },
    /// The password was right, the role requires a second factor and none is enrolled
    /// yet: enrolment comes before anything else.
    EnrolSecondFactor {
        /// The account.
        user_id: RecordId,
    },
    /// Refused, for a reason the user is not told.
    Refused,
}

/// Session stages as stored.
pub mod stage {
    /// Before sign-in: carries the CSRF token of the sign-in form.
    pub const ANONYMOUS: &str = "anonymous";
    /// Password checked, second factor pending (or enrolment pending).
    pub const SECOND_FACTOR: &str = "second_factor";
    /// Signed in.
    pub const ACTIVE: &str = "active";
}

/// A session found for a cookie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionState {
    /// The account, once the password was checked.
    pub user_id: Option<String>,
    /// One of [`stage`]'s values.
    pub stage: String,
    /// The synchronizer token for state-changing requests.
    pub csrf_token: String,
}

/// A fresh random secret: 256 bits as 64 hex digits.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The TOTP generator for a base32 secret: SHA-1, 6 digits, 30 s, one step of skew.
pub fn totp(secret_base32: &str, account: &str) -> Result<Totp, AppError> {
    let secret = Secret::try_from_base32(secret_base32)
        .map_err(|_| AppError::Refused("the stored TOTP secret is not base32".into()))?;
    totp_rs::Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_digits(6)
        .with_skew(1)
        .with_step_duration(30)
        .with_secret(secret)
        .with_issuer(Some("fengqiao"))
        .with_account_name(account.replace(':', "_"))
        .build()
        .map_err(|e| AppError::Refused(format!("cannot set up TOTP: {e}")))
}

/// A new random TOTP secret (160 bits, base32), as authenticator apps expect.
pub fn new_totp_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::rng().fill_bytes(&mut bytes);
    Secret::from(bytes.to_vec()).to_base32()
}

/// A hash to verify against when the user does not exist, so that an unknown name
/// takes as long as a wrong password.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash_password(&new_token()).unwrap_or_default())
}

fn after(minutes: i64) -> Timestamp {
    Timestamp::from_datetime(Timestamp::now().datetime() + Duration::minutes(minutes))
}

fn before(minutes: i64) -> String {
    Timestamp::from_datetime(Timestamp::now().datetime() - Duration::minutes(minutes)).to_string()
}

impl App {
    /// Checks a user name and password and says what comes next.
    pub async fn sign_in(&self, username: &str, password: &str) -> Result<SignIn, AppError> {
        let username = username.trim();
        let Some(account) = self.store.account_by_username(username).await? else {
            let _ = hasher().verify_password(
                password.as_bytes(),
                &PasswordHash::new(decoy_hash()).map_err(hash_error)?,
            );
            self.record_failure(None, username, "unknown_user").await?;
            return Ok(SignIn::Refused);
        };
        let user_id = parse_id(&account.id)?;
        let now = Timestamp::now().to_string();
        let Some(stored) = account
            .password_hash
            .clone()
            .filter(|_| !account.service_account)
        else {
            self.record_failure(Some(user_id), username, "inactive")
                .await?;
            return Ok(SignIn::Refused);
        };
        let parsed = PasswordHash::new(&stored).map_err(hash_error)?;
        let password_ok = hasher()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok();
        if !account.active {
            self.record_failure(Some(user_id), username, "inactive")
                .await?;
            return Ok(SignIn::Refused);
        }
        if account
            .locked_until
            .as_deref()
            .is_some_and(|until| until > now.as_str())
        {
            self.record_failure(Some(user_id), username, "locked")
                .await?;
            return Ok(SignIn::Refused);
        }
        if !password_ok {
            self.record_failure(Some(user_id), username, "bad_password")
                .await?;
            self.lock_if_needed(&account).await?;
            return Ok(SignIn::Refused);
        }
        // Rehash when the stored hash uses weaker parameters than the current ones.
        let current = hasher().params().clone();
        let stale = argon2::Params::try_from(&parsed)
            .map(|p| {
                p.m_cost() < current.m_cost()
                    || p.t_cost() < current.t_cost()
                    || p.p_cost() < current.p_cost()
            })
            .unwrap_or(true);
        let rehash = if stale {
            vec![SideWrite::SetPasswordHash {
                user_id: account.id.clone(),
                hash: hash_password(password)?,
            }]
        } else {
            Vec::new()
        };
        let roles: Vec<Role> = account
            .roles
            .iter()
            .filter_map(|r| r.parse().ok())
            .collect();
        let required = self
            .settings()
            .await?
            .totp_required_roles
            .iter()
            .any(|r| roles.contains(r));
        if account.totp_secret.is_some() {
            self.store
                .commit(&Actor::system("sign-in"), &[], &rehash)
                .await?;
            return Ok(SignIn::SecondFactor { user_id });
        }
        if required {
            self.store
                .commit(&Actor::system("sign-in"), &[], &rehash)
                .await?;
            return Ok(SignIn::EnrolSecondFactor { user_id });
        }
        self.record_success(&account, false, &rehash).await?;
        Ok(SignIn::Done { user_id })
    }

    /// Checks the TOTP code of an account whose password was already checked. A code
    /// is accepted once; wrong codes count towards the lockout like wrong passwords.
    pub async fn verify_second_factor(&self, user_id: &str, code: &str) -> Result<bool, AppError> {
        let account = self
            .store
            .account(user_id)
            .await?
            .ok_or_else(|| AppError::NotFound("account".into()))?;
        let now = Timestamp::now().to_string();
        let locked = account
            .locked_until
            .as_deref()
            .is_some_and(|until| until > now.as_str());
        let Some(secret) = account
            .totp_secret
            .as_deref()
            .filter(|_| account.active && !locked)
        else {
            self.record_failure(Some(parse_id(&account.id)?), &account.username, "locked")
                .await?;
            return Ok(false);
        };
        let generator = totp(secret, &account.username)?;
        let step = generator
            .check_current(code.trim())
            .and_then(|s| i64::try_from(s).ok());
        let accepted = match step {
            Some(step) => self.store.claim_totp_step(&account.id, step).await?,
            None => false,
        };
        if accepted {
            self.record_success(&account, true, &[]).await?;
        } else {
            self.record_failure(Some(parse_id(&account.id)?), &account.username, "bad_totp")
                .await?;
            self.lock_if_needed(&account).await?;
        }
        Ok(accepted)
    }

    /// Enrols a second factor: the user proves the new secret works with a current code.
    /// When `complete_sign_in` is set (enrolment during sign-in) the sign-in is recorded.
    pub async fn enrol_second_factor(
        &self,
        user_id: &str,
        secret: &str,
        code: &str,
        complete_sign_in: bool,
    ) -> Result<bool, AppError> {
        let account = self
            .store
            .account(user_id)
            .await?
            .ok_or_else(|| AppError::NotFound("account".into()))?;
        let generator = totp(secret, &account.username)?;
        let Some(step) = generator
            .check_current(code.trim())
            .and_then(|s| i64::try_from(s).ok())
        else {
            return Ok(false);
        };
        let id = parse_id(&account.id)?;
        let actor = Actor::User {
            id: account.id.clone(),
            username: account.username.clone(),
        };
        let mut events = vec![DomainEvent::TotpSet {
            user_id: id,
            enrolled: true,
        }];
        if complete_sign_in {
            events.push(DomainEvent::LoginSucceeded {
                user_id: id,
                second_factor: true,
            });
        }
        let secret_write = SideWrite::SetTotpSecret {
            user_id: account.id.clone(),
            secret: secret.to_owned(),
        };
        self.store
            .commit(
                &actor,
                &[Commit::now(
                    StreamRef::new("user", id),
                    ExpectedVersion::Any,
                    events,
                )],
                &[secret_write],
            )
            .await?;
        self.store.claim_totp_step(&account.id, step).await?;
        Ok(true)
    }

    async fn record_success(
        &self,
        account: &AccountRow,
        second_factor: bool,
        side: &[SideWrite],
    ) -> Result<(), AppError> {
        let user_id = parse_id(&account.id)?;
        let event = DomainEvent::LoginSucceeded {
            user_id,
            second_factor,
        };
        let actor = Actor::User {
            id: account.id.clone(),
            username: account.username.clone(),
        };
        self.append(&actor, event, side).await?;
        Ok(())
    }

    async fn record_failure(
        &self,
        user_id: Option<RecordId>,
        username: &str,
        reason: &str,
    ) -> Result<(), AppError> {
        let event = DomainEvent::LoginFailed {
            user_id,
            username: username.chars().take(64).collect(),
            reason: reason.to_owned(),
        };
        self.append(&Actor::system("sign-in"), event, &[]).await?;
        // The reason stays in the log's event; the server log gets no names.
        tracing::info!(reason, "sign-in refused");
        Ok(())
    }

    /// Locks the account when the failures in the window reach the threshold.
    async fn lock_if_needed(&self, account: &AccountRow) -> Result<(), AppError> {
        let settings = self.settings().await?;
        let failures = self
            .store
            .failures_since(&account.username, &before(settings.lockout_window_minutes))
            .await?;
        if failures < settings.lockout_threshold {
            return Ok(());
        }
        let event = DomainEvent::AccountLocked {
            user_id: parse_id(&account.id)?,
            until: after(settings.lockout_minutes),
            failures: u32::try_from(failures).unwrap_or(u32::MAX),
        };
        self.append(&Actor::system("lockout"), event, &[]).await?;
        // A locked account keeps no sessions.
        self.store.delete_user_sessions(&account.id).await?;
        Ok(())
    }

    /// Starts a session and returns its token (for the cookie) and CSRF token. A new
    /// token every time: sign-in never keeps the token of the anonymous session.
    pub async fn start_session(
        &self,
        user_id: Option<&str>,
        stage: &str,
    ) -> Result<(String, String), AppError> {
        let token = new_token();
        let csrf = new_token();
        self.store
            .insert_session(
                &token_hash(&token),
                user_id,
                stage,
                &csrf,
                &Timestamp::now().to_string(),
            )
            .await?;
        Ok((token, csrf))
    }

    /// The live session behind a cookie token, touched now; expired sessions are ended
    /// (and recorded as timed out) and reported as none.
    pub async fn session(&self, token: &str) -> Result<Option<SessionState>, AppError> {
        let hash = token_hash(token);
        let Some(row) = self.store.session(&hash).await? else {
            return Ok(None);
        };
        let settings = self.settings().await?;
        let idle = row.last_seen_at < before(settings.session_idle_minutes);
        let absolute = row.created_at < before(settings.session_absolute_hours * 60);
        if idle || absolute {
            self.store.delete_session(&hash).await?;
            if let (Some(user_id), true) = (&row.user_id, row.stage == stage::ACTIVE) {
                let reason = if absolute {
                    "absolute_timeout"
                } else {
                    "idle_timeout"
                };
                self.record_logout(user_id, reason).await?;
            }
            return Ok(None);
        }
        self.store
            .touch_session(&hash, &Timestamp::now().to_string())
            .await?;
        Ok(Some(SessionState {
            user_id: row.user_id,
            stage: row.stage,
            csrf_token: row.csrf_token,
        }))
    }

    /// Ends a session (sign-out); the token is worthless afterwards.
    pub async fn end_session(&self, token: &str, user_id: Option<&str>) -> Result<(), AppError> {
        let existed = self.store.delete_session(&token_hash(token)).await?;
        if let (true, Some(user_id)) = (existed, user_id) {
            self.record_logout(user_id, "logout").await?;
        }
        Ok(())
    }

    /// Drops a session without recording a sign-out (it was replaced by a new one).
    pub async fn discard_session(&self, token: &str) -> Result<(), AppError> {
        self.store.delete_session(&token_hash(token)).await?;
        Ok(())
    }

    async fn record_logout(&self, user_id: &str, reason: &str) -> Result<(), AppError> {
        let event = DomainEvent::LoggedOut {
            user_id: parse_id(user_id)?,
            reason: reason.to_owned(),
        };
        self.append(&Actor::system("sessions"), event, &[]).await?;
        Ok(())
    }

    /// Changes one's own password, checking the current one; all other sessions of the
    /// account end.
    pub async fn change_own_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
    ) -> Result<(), AppError> {
        let account = self
            .store
            .account(&principal.user_id.to_string())
            .await?
            .ok_or_else(|| AppError::NotFound("account".into()))?;
        let stored = account
            .password_hash
            .as_deref()
            .ok_or_else(|| AppError::Refused("no password set".into()))?;
        let parsed = PasswordHash::new(stored).map_err(hash_error)?;
        if hasher()
            .verify_password(current.as_bytes(), &parsed)
            .is_err()
        {
            return Err(
                DomainError::invalid("current_password", "the current password is wrong").into(),
            );
        }
        if current == new {
            return Err(DomainError::invalid(
                "password",
                "the new password must differ from the current one",
            )
            .into());
        }
        self.check_password(&account.username, new).await?;
        let event = DomainEvent::PasswordChanged {
            user_id: principal.user_id,
            by_administrator: false,
        };
        let write = SideWrite::SetPasswordHash {
            user_id: account.id.clone(),
            hash: hash_password(new)?,
        };
        self.append(&principal.actor(), event, &[write]).await?;
        // Every session of the account ends, this one included: the caller starts a
        // fresh one, so a stolen session does not outlive the password it was made with.
        self.store.delete_user_sessions(&account.id).await?;
        Ok(())
    }

    /// Issues an API token for a service account in the principal's jurisdiction. The
    /// secret is returned once and stored only as a hash.
    pub async fn issue_api_token(
        &self,
        principal: &Principal,
        service_user_id: &str,
        name: &str,
        valid_days: Option<i64>,
    ) -> Result<(RecordId, String), AppError> {
        self.require(principal, Permission::TokensManage, "issue API token")
            .await?;
        let account = self
            .user_in_scope(principal, service_user_id, "issue API token")
            .await?;
        if !account.service_account {
            return Err(DomainError::invalid(
                "user_id",
                "API tokens are issued to service accounts only",
            )
            .into());
        }
        let name = fengqiao_domain::org::check_name("name", name, 60)?;
        let expires_at = match valid_days {
            Some(days) if (1..=3650).contains(&days) => Some(after(days * 24 * 60)),
            Some(_) => {
                return Err(DomainError::invalid("valid_days", "must be from 1 to 3650").into());
            }
            None => None,
        };
        let id = fengqiao_domain::org::new_id();
        let secret = format!("fq_{}", new_token());
        let event = DomainEvent::ApiTokenIssued {
            id,
            user_id: parse_id(&account.id)?,
            name,
            expires_at,
        };
        let write = SideWrite::SetApiTokenHash {
            token_id: id.to_string(),
            hash: token_hash(&secret),
        };
        self.store
            .commit(
                &principal.actor(),
                &[Commit::now(
                    event.stream(),
                    ExpectedVersion::NoStream,
                    vec![event],
                )],
                &[write],
            )
            .await?;
        Ok((id, secret))
    }

    /// Revokes an API token at once.
    pub async fn revoke_api_token(
        &self,
        principal: &Principal,
        token_id: &str,
    ) -> Result<(), AppError> {
        self.require(principal, Permission::TokensManage, "revoke API token")
            .await?;
        let token = self
            .store
            .api_token(token_id)
            .await?
            .ok_or_else(|| AppError::NotFound("API token".into()))?;
        self.user_in_scope(principal, &token.user_id, "revoke API token")
            .await?;
        if token.revoked_at.is_some() {
            return Ok(());
        }
        let event = DomainEvent::ApiTokenRevoked {
            id: parse_id(&token.id)?,
        };
        self.append(&principal.actor(), event, &[]).await?;
        Ok(())
    }

    /// The principal acting with an API token, if the token is live.
    pub async fn principal_for_token(&self, secret: &str) -> Result<Option<Principal>, AppError> {
        let now = Timestamp::now().to_string();
        let Some(token) = self.store.live_api_token(&token_hash(secret), &now).await? else {
            return Ok(None);
        };
        self.store.touch_api_token(&token.id, &now).await?;
        self.principal(&token.user_id).await
    }
}

fn hash_error(error: argon2::password_hash::Error) -> AppError {
    AppError::Refused(format!("stored password hash unreadable: {error}"))
}

pub(crate) fn parse_id(id: &str) -> Result<RecordId, AppError> {
    id.parse()
        .map_err(|_| AppError::Refused(format!("corrupt record id {id:?}")))
}
