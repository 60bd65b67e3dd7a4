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
