//! How the database is run.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::spawn_app;

#[tokio::test]
async fn sqlite_syncs_every_commit_to_disk_before_acknowledging_it() {
    let app = spawn_app().await;
    if app.db.get_database_backend() != DbBackend::Sqlite {
        return;
    }
    let statement = Statement::from_string(DbBackend::Sqlite, "PRAGMA synchronous");
    let row = app.db.query_one_raw(statement).await.unwrap().expect("a row");
    let level: i32 = row.try_get_by_index(0).unwrap();
    assert_eq!(level, 2, "synchronous is FULL (2), not NORMAL (1)");
    let statement = Statement::from_string(DbBackend::Sqlite, "PRAGMA journal_mode");
    let row = app.db.query_one_raw(statement).await.unwrap().expect("a row");
    let mode: String = row.try_get_by_index(0).unwrap();
    assert_eq!(mode, "wal");
}

#[tokio::test]
async fn instances_starting_together_on_a_new_database_apply_each_migration_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database_url(&dir).await;
    let first = halshop::db::connect(&url, 4).await.unwrap();
    let second = halshop::db::connect(&url, 4).await.unwrap();
    let (a, b) = tokio::join!(halshop::db::migrate(&first), halshop::db::migrate(&second));
    a.unwrap();
    b.unwrap();
    assert_eq!(
        migration::Migrator::pending(&first).await.unwrap(),
        Vec::<&str>::new()
    );
    let statement = Statement::from_string(
        first.get_database_backend(),
        "SELECT COUNT(*) AS applied, COUNT(DISTINCT version) AS distinct_versions FROM seaql_migrations",
    );
    let row = first.query_one_raw(statement).await.unwrap().expect("a row");
    let applied: i64 = row.try_get("", "applied").unwrap();
    let distinct: i64 = row.try_get("", "distinct_versions").unwrap();
    assert!(applied > 0);
    assert_eq!(applied, distinct, "a migration was recorded twice");
}
