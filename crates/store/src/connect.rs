//! Opening a database: checks that refuse the wrong file, connection settings that make
//! commits durable, and migrations applied per backend.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{ConnectOptions, Connection, Executor, Row};

use crate::{Store, StoreError};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// `PRAGMA application_id` of a fengqiao SQLite file: the bytes "FQPS" (Fengqiao police
/// station). A file with another non-zero id belongs to some other program.
const APPLICATION_ID: i64 = 0x4651_5053;

/// The database engine behind a store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One file on local disk (the default).
    Sqlite,
    /// A PostgreSQL server, for several server instances or a whole bureau.
    Postgres,
}

/// Where the data lives.
#[derive(Debug, Clone)]
pub enum DatabaseTarget {
    /// A SQLite file, created on first use.
    Sqlite(PathBuf),
    /// A PostgreSQL URL, optionally confined to one schema (used by tests).
    Postgres {
        /// `postgres://user@host:port/database`.
        url: String,
        /// Schema to create if missing and put first on the search path.
        schema: Option<String>,
    },
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Where the data lives.
    pub target: DatabaseTarget,
    /// Pool size. SQLite serialises writers anyway; readers benefit from a few.
    pub max_connections: u32,
}

impl StoreOptions {
    /// Options for a target with the default pool size.
    pub fn new(target: DatabaseTarget) -> Self {
        Self {
            target,
            max_connections: 8,
        }
    }
}

impl Store {
    /// Opens (creating if needed) and migrates the database.
    ///
    /// Refuses a file that is not a SQLite database, a SQLite database of another
    /// program, and a database migrated by a newer fengqiao.
    pub async fn open(options: &StoreOptions) -> Result<Self, StoreError> {
        let store = Self::connect(options).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Opens the database without applying migrations (for `/readyz`-style checks and
    /// for tools that must not change the schema).
    pub async fn connect(options: &StoreOptions) -> Result<Self, StoreError> {
        sqlx::any::install_default_drivers();
        match &options.target {
            DatabaseTarget::Sqlite(path) => open_sqlite(path, options.max_connections).await,
            DatabaseTarget::Postgres { url, schema } => {
                open_postgres(url, schema.as_deref(), options.max_connections).await
            }
        }
    }

    /// Applies the migrations this binary carries that the database lacks.
    pub async fn migrate(&self) -> Result<usize, StoreError> {
        let migrator = self.migrator();
        let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
        let applied_before = self.applied_versions().await?;
        if let (Some(&database), Some(&newest_known)) = (applied_before.last(), known.last())
            && database > newest_known
        {
            return Err(StoreError::SchemaTooNew {
                database,
                known: newest_known,
            });
        }
        if applied_before == known {
            // Nothing to apply: skip the migrator, whose bookkeeping DDL a server role
            // without CREATE rights on PostgreSQL (see `grant_app_role`) may not run.
            return Ok(0);
        }
        migrator
            .run(&self.pool)
            .await
            .map_err(|e| StoreError::Migration(e.to_string()))?;
        if self.backend == crate::Backend::Sqlite {
            sqlx::query(&format!("PRAGMA application_id = {APPLICATION_ID}"))
                .execute(&self.pool)
                .await?;
        }
        let applied_after = self.applied_versions().await?;
        Ok(applied_after.len().saturating_sub(applied_before.len()))
    }

    /// Whether every migration this binary carries has been applied (and none newer).
    pub async fn migrations_current(&self) -> Result<bool, StoreError> {
        let applied = self.applied_versions().await?;
        let known: Vec<i64> = self.migrator().iter().map(|m| m.version).collect();
        Ok(applied == known)
    }

    /// PostgreSQL only: lets `role` run the server without owning the schema. It may
    /// read and write the read models but only SELECT and INSERT on the event log and
    /// the audit checkpoints, so the log is append-only by privilege as well as by
    /// trigger. Run it as the owner after every `migrate` that adds tables.
    pub async fn grant_app_role(&self, role: &str) -> Result<(), StoreError> {
        if self.backend != crate::Backend::Postgres {
            return Err(StoreError::Constraint(
                "application roles exist only on PostgreSQL; SQLite has no users".into(),
            ));
        }
        let valid = !role.is_empty()
            && role.len() <= 63
            && role
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
            && !role.as_bytes()[0].is_ascii_digit();
        if !valid {
            return Err(StoreError::Constraint(format!(
                "{role:?} is not a plain role name (lowercase letters, digits, '_')"
            )));
        }
        let schema: String = sqlx::query("SELECT current_schema()::text")
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        let mut tx = self.pool.begin().await?;
        for sql in [
            format!("GRANT USAGE ON SCHEMA \"{schema}\" TO {role}"),
            format!(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA \"{schema}\" TO {role}"
            ),
            format!("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA \"{schema}\" TO {role}"),
            format!(
                "REVOKE UPDATE, DELETE, TRUNCATE ON events, audit_checkpoints, _sqlx_migrations FROM {role}"
            ),
            format!("REVOKE INSERT ON _sqlx_migrations FROM {role}"),
        ] {
            sqlx::query(&sql).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    fn migrator(&self) -> &'static Migrator {
        match self.backend {
            crate::Backend::Sqlite => &SQLITE_MIGRATIONS,
            crate::Backend::Postgres => &POSTGRES_MIGRATIONS,
        }
    }

    /// Versions recorded in sqlx's migration table, ascending; empty for a new database.
    async fn applied_versions(&self) -> Result<Vec<i64>, StoreError> {
        let exists_sql = match self.backend {
            crate::Backend::Sqlite => {
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'"
            }
            crate::Backend::Postgres => {
                "SELECT COUNT(*) FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations'"
            }
        };
        let exists: i64 = sqlx::query(exists_sql)
            .fetch_one(&self.pool)
            .await?
            .try_get(0)?;
        if exists == 0 {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT version, checksum FROM _sqlx_migrations WHERE success = TRUE ORDER BY version",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut versions = Vec::with_capacity(rows.len());
        for row in &rows {
            let version: i64 = row.try_get(0)?;
            let checksum: Vec<u8> = row.try_get(1)?;
            // A migration edited after it was applied means the schema is not what this
            // binary's SQL says it is.
            if let Some(ours) = self.migrator().iter().find(|m| m.version == version)
                && ours.checksum.as_ref() != checksum.as_slice()
            {
                return Err(StoreError::Migration(format!(
                    "migration {version} ({}) differs from the one applied to this database",
                    ours.description
                )));
            }
            versions.push(version);
        }
        Ok(versions)
    }
}

async fn open_sqlite(path: &Path, max_connections: u32) -> Result<Store, StoreError> {
    let display = path.display().to_string();
    check_sqlite_file(path)?;
    let sqlite = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true);
    let any = AnyConnectOptions::from_str(sqlite.to_url_lossy().as_str()).map_err(|e| {
        StoreError::Connect {
            target: display.clone(),
            message: e.to_string(),
        }
    })?;
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                // WAL lets readers proceed while one writer commits. synchronous=FULL
                // fsyncs the WAL at every commit: an acknowledged event survives a
                // power cut, not only a crash of the process (NORMAL would only
                // guarantee the latter in WAL mode). Group commit keeps this affordable.
                for pragma in [
                    "PRAGMA journal_mode = WAL",
                    "PRAGMA synchronous = FULL",
                    "PRAGMA foreign_keys = ON",
                    "PRAGMA busy_timeout = 15000",
                ] {
                    conn.execute(pragma).await?;
                }
                Ok(())
            })
        })
        .connect_with(any)
        .await
        .map_err(|e| sqlite_open_error(&display, &e))?;
    let store = Store {
        pool,
        backend: crate::Backend::Sqlite,
        description: display.clone(),
        group: Default::default(),
        cache: Default::default(),
        changes: crate::changes::Changes::in_process(),
    };
    check_sqlite_identity(&store, &display).await?;
    Ok(store)
}

/// Refuses, before SQLite touches it, a path that is a directory, sits in a directory we
/// cannot create, or holds a file that is not a SQLite database.
fn check_sqlite_file(path: &Path) -> Result<(), StoreError> {
    let display = path.display().to_string();
    let refuse = |reason: String| StoreError::NotOurDatabase {
        path: display.clone(),
        reason,
    };
    if path.is_dir() {
        return Err(refuse("it is a directory".into()));
    }
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| StoreError::Connect {
            target: display.clone(),
            message: format!("cannot create the directory {}: {e}", parent.display()),
        })?;
    }
    match std::fs::File::open(path) {
        Ok(mut file) => {
            let mut header = [0u8; 16];
            let read = file.read(&mut header).unwrap_or(0);
            if read > 0 && (read < 16 || &header != b"SQLite format 3\0") {
                return Err(refuse(
                    "the file is not an SQLite database (corrupt, or some other kind of file)"
                        .into(),
                ));
            }
            Ok(())
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(StoreError::Connect {
            target: display,
            message: e.to_string(),
        }),
    }
}

/// Refuses an SQLite database that belongs to another program: one with a foreign
/// `application_id`, or tables but no fengqiao migrations.
async fn check_sqlite_identity(store: &Store, display: &str) -> Result<(), StoreError> {
    let refuse = |reason: &str| StoreError::NotOurDatabase {
        path: display.to_owned(),
        reason: reason.to_owned(),
    };
    let id: i64 = sqlx::query("PRAGMA application_id")
        .fetch_one(&store.pool)
        .await
        .map_err(|e| sqlite_open_error(display, &e))?
        .try_get(0)?;
    if id != 0 && id != APPLICATION_ID {
        return Err(refuse(
            "it is an SQLite database of another application (foreign application_id)",
        ));
    }
    let tables: i64 = sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'")
        .fetch_one(&store.pool)
        .await?
        .try_get(0)?;
    let ours: i64 =
        sqlx::query("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('_sqlx_migrations', 'events')")
            .fetch_one(&store.pool)
            .await?
            .try_get(0)?;
    if tables > 0 && ours < 2 {
        return Err(refuse("it holds tables of another application"));
    }
    Ok(())
}

fn sqlite_open_error(display: &str, error: &sqlx::Error) -> StoreError {
    let message = error.to_string();
    if message.contains("not a database") || message.contains("malformed") {
        StoreError::NotOurDatabase {
            path: display.to_owned(),
            reason: "the file is corrupt or not an SQLite database".into(),
        }
    } else {
        StoreError::Connect {
            target: display.to_owned(),
            message,
        }
    }
}

async fn open_postgres(
    url: &str,
    schema: Option<&str>,
    max_connections: u32,
) -> Result<Store, StoreError> {
    let display = redact_url(url);
    let connect_error = |e: sqlx::Error| StoreError::Connect {
        target: display.clone(),
        message: e.to_string(),
    };
    if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
        return Err(StoreError::Connect {
            target: display.clone(),
            message: "a database URL must start with postgres:// (for SQLite, use --db PATH)"
                .into(),
        });
    }
    let options = AnyConnectOptions::from_str(url).map_err(connect_error)?;
    // PostgreSQL silently truncates identifiers beyond 63 bytes; refuse them instead.
    if let Some(schema) = schema
        && (schema.is_empty()
            || schema.len() > 63
            || !schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'))
    {
        return Err(StoreError::Connect {
            target: display,
            message: format!("invalid schema name {schema:?}"),
        });
    }
    // One plain connection first: a wrong host, port or password fails at once with the
    // server's own message, where the pool would keep retrying until its timeout.
    let mut conn = sqlx::AnyConnection::connect_with(&options)
        .await
        .map_err(connect_error)?;
    if let Some(schema) = schema {
        // Create it only when missing: a server role may use a schema it may not create.
        let exists: i64 = sqlx::query("SELECT COUNT(*) FROM pg_namespace WHERE nspname = $1")
            .bind(schema)
            .fetch_one(&mut conn)
            .await?
            .try_get(0)?;
        if exists == 0 {
            conn.execute(format!("CREATE SCHEMA {schema}").as_str())
                .await?;
        }
    }
    conn.close().await.map_err(connect_error)?;
    let search_path = schema.map(|s| format!("SET search_path TO {s}"));
    let pool = AnyPoolOptions::new()
        .max_connections(max_connections.max(1))
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(move |conn, _meta| {
            let search_path = search_path.clone();
            Box::pin(async move {
                if let Some(sql) = search_path {
                    conn.execute(sql.as_str()).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(connect_error)?;
    // The schema names this store's notifications, so stores in other schemas of the
    // same database ignore them.
    let current: String = sqlx::query("SELECT COALESCE(current_schema()::text, '')")
        .fetch_one(&pool)
        .await?
        .try_get(0)?;
    Ok(Store {
        pool,
        backend: crate::Backend::Postgres,
        description: display,
        group: Default::default(),
        cache: Default::default(),
        changes: crate::changes::Changes::postgres(url, current),
    })
}

/// The URL with any password replaced, safe to print and log.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            match credentials.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &credentials[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_never_appear_in_descriptions() {
        assert_eq!(
            super::redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            super::redact_url("postgres://app@db/x"),
            "postgres://app@db/x"
        );
    }
}
