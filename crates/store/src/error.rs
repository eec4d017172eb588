//! The store's one error type. Messages name the place (path, row, constraint) so that
//! the CLI can print them as they are.

use fengqiao_domain::{DomainError, StreamRef};

/// Everything that can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database could not be reached or opened.
    #[error("cannot open the database {target}: {message}")]
    Connect {
        /// Path or URL (without password).
        target: String,
        /// What the driver said.
        message: String,
    },
    /// The file exists but is not a fengqiao SQLite database.
    #[error("{path} is not a fengqiao database: {reason}")]
    NotOurDatabase {
        /// The file.
        path: String,
        /// Why it was refused.
        reason: String,
    },
    /// The database was migrated by a newer fengqiao than this one.
    #[error(
        "the database schema is at version {database} but this fengqiao only knows up to {known}; \
         it was written by a newer fengqiao — upgrade fengqiao instead of running an older one against it"
    )]
    SchemaTooNew {
        /// The highest migration applied to the database.
        database: i64,
        /// The highest migration this binary carries.
        known: i64,
    },
    /// Applying migrations failed.
    #[error("migration failed: {0}")]
    Migration(String),
    /// Another writer changed the stream first; nothing was written.
    #[error(
        "version conflict on {stream}: expected version {expected}, found {actual}; nothing was written, reload and try again"
    )]
    VersionConflict {
        /// The stream.
        stream: StreamRef,
        /// What the writer expected.
        expected: String,
        /// What the log holds.
        actual: i64,
    },
    /// A rule of the data model was broken (a duplicate code, a missing parent).
    #[error("{0}")]
    Constraint(String),
    /// A domain rule was broken.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// A stored value could not be read back (a corrupt row).
    #[error("corrupt data in {place}: {message}")]
    Corrupt {
        /// Table and key.
        place: String,
        /// What is wrong.
        message: String,
    },
    /// Any other database error.
    #[error("database error: {0}")]
    Database(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        constraint_message(&error).map_or(Self::Database(error), Self::Constraint)
    }
}

/// Turns the violation of a named constraint into a sentence a user can act on.
///
/// PostgreSQL reports the constraint's name; SQLite reports `table.column`. Both are
/// mapped here, in one place.
fn constraint_message(error: &sqlx::Error) -> Option<String> {
    let sqlx::Error::Database(db) = error else {
        return None;
    };
    let name = db.constraint().unwrap_or_default().to_owned();
    let text = db.message().to_owned();
    let hit = |constraint: &str, sqlite_columns: &str| {
        name == constraint || text.contains(sqlite_columns)
    };
    let message = if hit("jurisdiction_nodes_code_unique", "jurisdiction_nodes.code") {
        "a jurisdiction node with this code already exists"
    } else if hit("staff_badge_number_unique", "staff.badge_number") {
        "a member of staff with this badge number already exists"
    } else if hit("users_username_unique", "users.username") {
        "a user with this username already exists"
    } else if hit("incidents_number_unique", "incidents.number") {
        "an incident with this number already exists"
    } else if hit(
        "incidents_external_number_unique",
        "incidents.external_number",
    ) {
        "an incident with this external number has already been received"
    } else if hit("std_addresses_code_unique", "std_addresses.code") {
        "a standard address with this code already exists"
    } else if hit("events_stream_version_unique", "events.stream_kind") {
        "another writer appended to this record at the same time; nothing was written, reload and try again"
    } else if text.contains("FOREIGN KEY")
        || db.kind() == sqlx::error::ErrorKind::ForeignKeyViolation
    {
        "the record refers to something that does not exist"
    } else if text.contains("append-only") {
        "the event log is append-only: changing or deleting events is refused"
    } else {
        return None;
    };
    Some(message.to_owned())
}
