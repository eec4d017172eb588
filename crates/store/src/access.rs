//! Storage for access control: sessions (operational state, written directly), the
//! read models of sign-in failures, settings, role permissions and API tokens, and the
//! jurisdiction scope every list query is filtered by.

use std::collections::HashMap;

use sm3::{Digest, Sm3};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::{Store, StoreError};

/// The SM3 hash (hex) under which a session or API token is stored. Tokens are 256-bit
/// random values, so a fast hash suffices: there is nothing to guess.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sm3::digest(token.as_bytes()))
}

/// Which part of the jurisdiction tree a query may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Everything: for the platform itself (demo, CLI), never for a signed-in user.
    All,
    /// The subtrees under these nodes (a user's jurisdiction). Empty sees nothing.
    Under(Vec<String>),
}

impl Scope {
    /// A SQL condition that `column` (a node id) lies in the scope, with its parameters
    /// numbered from `$first`.
    pub(crate) fn condition(&self, column: &str, first: usize) -> (String, Vec<String>) {
        match self {
            Self::All => ("1 = 1".to_owned(), Vec::new()),
            Self::Under(roots) if roots.is_empty() => ("1 = 0".to_owned(), Vec::new()),
            Self::Under(roots) => {
                let parameters: Vec<String> = (0..roots.len())
                    .map(|i| format!("${}", first + i))
                    .collect();
                (
                    format!(
                        "{column} IN (SELECT descendant_id FROM jurisdiction_closure WHERE ancestor_id IN ({}))",
                        parameters.join(", ")
                    ),
                    roots.clone(),
                )
            }
        }
    }
}

/// A browser session as stored (the token itself is only in the cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    /// The signed-in account; `None` before sign-in.
    pub user_id: Option<String>,
    /// `anonymous`, `second_factor` (password checked, TOTP pending) or `active`.
    pub stage: String,
    /// The synchronizer token every state-changing request must echo.
    pub csrf_token: String,
    /// When the session began (absolute timeout).
    pub created_at: String,
    /// When it was last used (idle timeout).
    pub last_seen_at: String,
}

/// What signing in needs to know about an account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountRow {
    /// Account id.
    pub id: String,
    /// Login name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// argon2id PHC string; `None` for service accounts.
    pub password_hash: Option<String>,
    /// Whether the account may sign in.
    pub active: bool,
    /// A lock in force until this time, if any.
    pub locked_until: Option<String>,
    /// The enrolled TOTP secret, if any.
    pub totp_secret: Option<String>,
    /// Whether the password must be changed now.
    pub must_change_password: bool,
    /// A service account (API tokens only).
    pub service_account: bool,
    /// The linked staff record.
    pub staff_id: Option<String>,
    /// The linked partner agency.
    pub partner_id: Option<String>,
    /// Role codes.
    pub roles: Vec<String>,
    /// Jurisdiction node ids.
    pub jurisdiction: Vec<String>,
}

/// An API token as stored (without its hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TokenRow {
    /// Token id.
    pub id: String,
    /// The service account.
    pub user_id: String,
    /// What it is for.
    pub name: String,
    /// When it was issued.
    pub created_at: String,
    /// When it stops working.
    pub expires_at: Option<String>,
    /// When it was revoked.
    pub revoked_at: Option<String>,
    /// When it was last used.
    pub last_used_at: Option<String>,
}

const ACCOUNT_COLUMNS: &str = "id, username, display_name, password_hash, active, locked_until, totp_secret, \
     must_change_password, service_account, staff_id, partner_id";

impl Store {
    /// Whether a node lies in the scope: one indexed lookup in the closure table.
    pub async fn is_within(&self, node_id: &str, scope: &Scope) -> Result<bool, StoreError> {
        let (condition, params) = scope.condition("id", 2);
        let sql = format!("SELECT COUNT(*) FROM jurisdiction_nodes WHERE id = $1 AND {condition}");
        let mut query = sqlx::query(&sql).bind(node_id);
        for p in &params {
            query = query.bind(p);
        }
        let count: i64 = query.fetch_one(&self.pool).await?.try_get(0)?;
        Ok(count > 0)
    }

    /// Records a new session under the hash of its token.
    pub async fn insert_session(
        &self,
        token_hash: &str,
        user_id: Option<&str>,
        stage: &str,
        csrf_token: &str,
        now: &str,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, stage, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(stage)
        .bind(csrf_token)
        .bind(now)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The session stored under a token hash.
    pub async fn session(&self, token_hash: &str) -> Result<Option<SessionRow>, StoreError> {
        let row = sqlx::query(
            "SELECT user_id, stage, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(SessionRow {
                user_id: r.try_get(0)?,
                stage: r.try_get(1)?,
                csrf_token: r.try_get(2)?,
                created_at: r.try_get(3)?,
                last_seen_at: r.try_get(4)?,
            })
        })
        .transpose()
    }

    /// Marks a session as used now.
    pub async fn touch_session(&self, token_hash: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends one session; returns whether it existed.
    pub async fn delete_session(&self, token_hash: &str) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of an account (password change, deactivation).
    pub async fn delete_user_sessions(&self, user_id: &str) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes sessions idle since before `idle_before` or begun before `begun_before`.
    pub async fn purge_sessions(
        &self,
        idle_before: &str,
        begun_before: &str,
    ) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM sessions WHERE last_seen_at < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(begun_before)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// The account with this login name (active or not).
    pub async fn account_by_username(
        &self,
        username: &str,
    ) -> Result<Option<AccountRow>, StoreError> {
        self.account_where("username = $1", username).await
    }

    /// The account with this id.
    pub async fn account(&self, id: &str) -> Result<Option<AccountRow>, StoreError> {
        self.account_where("id = $1", id).await
    }

    async fn account_where(
        &self,
        condition: &str,
        value: &str,
    ) -> Result<Option<AccountRow>, StoreError> {
        let sql = format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE {condition}");
        let Some(row) = sqlx::query(&sql)
            .bind(value)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let mut account = account_row(&row)?;
        account.roles = self
            .column_of(
                "SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role",
                &account.id,
            )
            .await?;
        account.jurisdiction = self
            .column_of(
                "SELECT node_id FROM user_jurisdictions WHERE user_id = $1 ORDER BY node_id",
                &account.id,
            )
            .await?;
        Ok(Some(account))
    }

    async fn column_of(&self, sql: &str, value: &str) -> Result<Vec<String>, StoreError> {
        let rows = sqlx::query(sql).bind(value).fetch_all(&self.pool).await?;
        rows.iter()
            .map(|r| r.try_get(0).map_err(StoreError::from))
            .collect()
    }

    /// Accepts a TOTP time step for an account once: returns `false` when that step (or
    /// a later one) was already used, so a code cannot be replayed.
    pub async fn claim_totp_step(&self, user_id: &str, step: i64) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE users SET totp_last_step = $1 WHERE id = $2 \
             AND (totp_last_step IS NULL OR totp_last_step < $1)",
        )
        .bind(step)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Failed sign-ins for a login name since a time.
    pub async fn failures_since(&self, username: &str, since: &str) -> Result<i64, StoreError> {
        Ok(
            sqlx::query("SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at >= $2")
                .bind(username)
                .bind(since)
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?,
        )
    }

    /// Every stored setting, as JSON values by key.
    pub async fn settings(&self) -> Result<HashMap<String, serde_json::Value>, StoreError> {
        if let Some(copy) = self
            .cache
            .get::<HashMap<String, serde_json::Value>>("settings")
        {
            return Ok(copy);
        }
        let generation = self.cache.generation();
        let rows = sqlx::query("SELECT key, value FROM settings")
            .fetch_all(&self.pool)
            .await?;
        let mut settings = HashMap::new();
        for row in rows {
            let key: String = row.try_get(0)?;
            let text: String = row.try_get(1)?;
            let value = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                place: format!("settings/{key}"),
                message: e.to_string(),
            })?;
            settings.insert(key, value);
        }
        self.cache.put("settings", generation, settings.clone());
        Ok(settings)
    }

    /// The role → permission table as (role, permission) pairs.
    pub async fn role_permissions(&self) -> Result<Vec<(String, String)>, StoreError> {
        let rows =
            sqlx::query("SELECT role, permission FROM role_permissions ORDER BY role, permission")
                .fetch_all(&self.pool)
                .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The live token stored under a hash: not revoked, not expired at `now`.
    pub async fn live_api_token(
        &self,
        token_hash: &str,
        now: &str,
    ) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL \
             AND (expires_at IS NULL OR expires_at > $2)"
        );
        let row = sqlx::query(&sql)
            .bind(token_hash)
            .bind(now)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(token_row).transpose()
    }

    /// Notes that a token was used.
    pub async fn touch_api_token(&self, id: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Every API token of the service accounts whose jurisdiction is in scope.
    pub async fn api_tokens(&self, scope: &Scope) -> Result<Vec<TokenRow>, StoreError> {
        let (condition, params) = scope.condition("j.node_id", 1);
        let sql = format!(
            "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id IN \
             (SELECT j.user_id FROM user_jurisdictions j WHERE {condition}) ORDER BY created_at DESC"
        );
        let mut query = sqlx::query(&sql);
        for p in &params {
            query = query.bind(p);
        }
        let rows = query.fetch_all(&self.pool).await?;
        rows.iter().map(token_row).collect()
    }

    /// One API token by id.
    pub async fn api_token(&self, id: &str) -> Result<Option<TokenRow>, StoreError> {
        let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.as_ref().map(token_row).transpose()
    }
}

const TOKEN_COLUMNS: &str = "id, user_id, name, created_at, expires_at, revoked_at, last_used_at";

fn token_row(r: &AnyRow) -> Result<TokenRow, StoreError> {
    Ok(TokenRow {
        id: r.try_get(0)?,
        user_id: r.try_get(1)?,
        name: r.try_get(2)?,
        created_at: r.try_get(3)?,
        expires_at: r.try_get(4)?,
        revoked_at: r.try_get(5)?,
        last_used_at: r.try_get(6)?,
    })
}

fn account_row(r: &AnyRow) -> Result<AccountRow, StoreError> {
    Ok(AccountRow {
        id: r.try_get(0)?,
        username: r.try_get(1)?,
        display_name: r.try_get(2)?,
        password_hash: r.try_get(3)?,
        active: r.try_get::<i64, _>(4)? != 0,
        locked_until: r.try_get(5)?,
        totp_secret: r.try_get(6)?,
        must_change_password: r.try_get::<i64, _>(7)? != 0,
        service_account: r.try_get::<i64, _>(8)? != 0,
        staff_id: r.try_get(9)?,
        partner_id: r.try_get(10)?,
        roles: Vec::new(),
        jurisdiction: Vec::new(),
    })
}
