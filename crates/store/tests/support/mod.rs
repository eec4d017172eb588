//! Per-test databases for the storage story.

use std::path::PathBuf;
use std::str::FromStr;

use fengqiao_store::{DatabaseTarget, Store, StoreError, StoreOptions};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{AnyPool, Executor, Row};

/// A database of its own for one test, plus a raw connection that bypasses the store
/// (the way an attacker with file or superuser access would).
pub struct TestDb {
    pub store: Store,
    options: StoreOptions,
    raw: AnyPool,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let path: PathBuf = dir.path().join("story.db");
        let options = StoreOptions::new(DatabaseTarget::Sqlite(path.clone()));
        let store = Store::open(&options).await.unwrap();
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", path.display());
        let raw = AnyPoolOptions::new()
            .max_connections(1)
            .connect(&url)
            .await
            .unwrap();
        Self {
            store,
            options,
            raw,
            _dir: Some(dir),
        }
    }

    /// A fresh schema on the PostgreSQL server, or `None` (with a printed reason) when no
    /// server is configured. Under `CI=true` a missing server fails the test instead.
    pub async fn postgres(test: &str) -> Option<Self> {
        let Ok(url) = std::env::var("FENGQIAO_TEST_POSTGRES_URL") else {
            assert!(
                std::env::var("CI").as_deref() != Ok("true"),
                "FENGQIAO_TEST_POSTGRES_URL must be set when CI=true: the PostgreSQL story is required"
            );
            eprintln!(
                "skipping the PostgreSQL story for {test}: FENGQIAO_TEST_POSTGRES_URL is not set"
            );
            return None;
        };
        sqlx::any::install_default_drivers();
        let schema = format!(
            "t_{}_{}",
            test.chars().take(24).collect::<String>(),
            uuid::Uuid::now_v7().simple()
        )
        .to_lowercase();
        let options = StoreOptions::new(DatabaseTarget::Postgres {
            url: url.clone(),
            schema: Some(schema.clone()),
        });
        let store = Store::open(&options).await.unwrap();
        let set_path = format!("SET search_path TO {schema}");
        let raw = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(move |conn, _| {
                let sql = set_path.clone();
                Box::pin(async move {
                    conn.execute(sql.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(AnyConnectOptions::from_str(&url).unwrap())
            .await
            .unwrap();
        Some(Self {
            store,
            options,
            raw,
            _dir: None,
        })
    }

    pub async fn reopen(&self) -> Store {
        Store::open(&self.options).await.unwrap()
    }

    pub async fn reopen_err(&self) -> StoreError {
        Store::open(&self.options).await.unwrap_err()
    }

    /// Runs SQL past the store; the error text on failure.
    pub async fn raw(&self, sql: &str) -> Result<(), String> {
        sqlx::query(sql)
            .execute(&self.raw)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }

    pub async fn raw_text(&self, sql: &str) -> String {
        sqlx::query(sql).fetch_one(&self.raw).await.unwrap().get(0)
    }

    /// Removes the append-only guards, as someone with direct access to the file or a
    /// superuser could.
    pub async fn disarm_triggers(&self) {
        for sql in [
            "DROP TRIGGER IF EXISTS events_no_update",
            "DROP TRIGGER IF EXISTS events_no_delete",
            "DROP TRIGGER IF EXISTS audit_checkpoints_no_delete",
        ] {
            if self.options_is_sqlite() {
                self.raw(sql).await.unwrap();
            }
        }
        if !self.options_is_sqlite() {
            self.raw("DROP TRIGGER IF EXISTS events_append_only ON events")
                .await
                .unwrap();
            self.raw("DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints")
                .await
                .unwrap();
        }
    }

    /// PostgreSQL only: the same schema opened as another login role, through the store
    /// and through a raw pool.
    pub async fn open_as(&self, role: &str) -> (Store, AnyPool) {
        let DatabaseTarget::Postgres { url, schema } = &self.options.target else {
            panic!("open_as is for PostgreSQL");
        };
        let scheme_end = url.find("://").unwrap() + 3;
        let host_start = url[scheme_end..]
            .find('@')
            .map_or(scheme_end, |at| scheme_end + at + 1);
        let url = format!("{}{role}@{}", &url[..scheme_end], &url[host_start..]);
        let options = StoreOptions::new(DatabaseTarget::Postgres {
            url: url.clone(),
            schema: schema.clone(),
        });
        let store = Store::open(&options).await.unwrap();
        let set_path = format!("SET search_path TO {}", schema.clone().unwrap());
        let raw = AnyPoolOptions::new()
            .max_connections(1)
            .after_connect(move |conn, _| {
                let sql = set_path.clone();
                Box::pin(async move {
                    conn.execute(sql.as_str()).await?;
                    Ok(())
                })
            })
            .connect_with(AnyConnectOptions::from_str(&url).unwrap())
            .await
            .unwrap();
        (store, raw)
    }

    pub fn is_sqlite(&self) -> bool {
        self.options_is_sqlite()
    }

    fn options_is_sqlite(&self) -> bool {
        matches!(self.options.target, DatabaseTarget::Sqlite(_))
    }
}
