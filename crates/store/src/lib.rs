//! Storage for fengqiao: SQLite by default, PostgreSQL when a URL is given.
//!
//! Both backends sit behind one [`Store`] and run the same SQL through sqlx's `Any`
//! driver; only the migrations differ, one directory per backend. Every change of state
//! goes through [`Store::commit`], which appends hash-chained events to the log and
//! updates the read models they imply in one transaction.

mod access;
mod audit;
mod base;
mod cache;
pub mod chain;
mod changes;
mod connect;
mod duty;
mod error;
mod group;
mod incident;
mod log;
mod project;
mod queries;
mod secondary;
mod transfer;

pub use access::{AccountRow, Scope, SessionRow, TokenRow, token_hash};
pub use audit::{Checkpoint, VerifyReport};
pub use base::{
    AddressFilter, AddressRow, CampaignItemRow, CampaignRow, EstablishmentRow, FreshnessRow,
    HouseRow, PersonRow,
};
pub use changes::Change;
pub use connect::{Backend, DatabaseTarget, StoreOptions};
pub use duty::{Position, ShiftRow};
pub use error::StoreError;
pub use incident::{IncidentFilter, IncidentRow, PhotoMeta, RepeatInput, ResponseTime};
pub use log::{Commit, ExpectedVersion, SideWrite, StoredEvent};
pub use queries::{NodeRow, PartnerRow, StaffRow, UnitRow, UserRow};
pub use secondary::{SecondaryCounts, SecondaryRow};
pub use transfer::{TransferCounts, TransferRow, TransferRuleRow, TransferView};

use std::sync::Arc;

use sqlx::AnyPool;

/// A handle on the database; cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    description: String,
    /// The queue of [`Store::commit`] calls waiting for the writer, shared by clones.
    group: Arc<group::GroupCommit>,
    /// The feed of committed changes (`changes.rs`), shared by clones.
    changes: Arc<changes::Changes>,
    /// Copies of the small tables every request reads (`cache.rs`), shared by clones.
    cache: Arc<cache::ReadCache>,
}

impl Store {
    /// Which database engine this store talks to.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the data lives, for messages (a path, or a URL without password).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// Checks that the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Flushes SQLite's write-ahead log into the main file and truncates it, so a
    /// stopped server leaves one self-contained file. A no-op on PostgreSQL.
    pub async fn checkpoint_wal(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    /// Closes every connection, waiting for those in use to be returned.
    pub async fn close(&self) {
        self.changes.stop();
        self.pool.close().await;
    }
}
