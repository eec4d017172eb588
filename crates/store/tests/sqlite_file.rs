//! Opening the wrong SQLite file is refused with a clear message and changes nothing.

use fengqiao_store::{DatabaseTarget, Store, StoreError, StoreOptions};

async fn open(path: &std::path::Path) -> Result<Store, StoreError> {
    Store::open(&StoreOptions::new(DatabaseTarget::Sqlite(
        path.to_path_buf(),
    )))
    .await
}

#[tokio::test]
async fn a_text_file_is_refused_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.db");
    std::fs::write(&path, "买菜 记得带身份证\n").unwrap();
    let err = open(&path).await.unwrap_err();
    assert!(matches!(err, StoreError::NotOurDatabase { .. }), "{err}");
    assert!(err.to_string().contains("notes.db"), "{err}");
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "买菜 记得带身份证\n"
    );
}

#[tokio::test]
async fn another_programs_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query("CREATE TABLE songs (title TEXT)")
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let err = open(&path).await.unwrap_err();
    assert!(
        err.to_string().contains("tables of another application"),
        "{err}"
    );
}

#[tokio::test]
async fn a_directory_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let err = open(dir.path()).await.unwrap_err();
    assert!(err.to_string().contains("is a directory"), "{err}");
}

#[tokio::test]
async fn a_missing_directory_is_created_and_the_file_is_stamped_as_ours() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data/sub/fengqiao.db");
    let store = open(&path).await.unwrap();
    store.close().await;
    assert!(path.exists());
    // Opening again passes the identity check (application_id and our tables).
    open(&path).await.unwrap();
}

#[tokio::test]
async fn an_unwritable_location_is_a_connect_error_naming_it() {
    let err = open(std::path::Path::new("/proc/fengqiao/x.db"))
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Connect { .. }), "{err}");
    assert!(err.to_string().contains("/proc/fengqiao"), "{err}");
}
