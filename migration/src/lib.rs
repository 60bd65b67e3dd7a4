//! Database migrations for halshop. Append-only: a released migration is never edited;
//! a change to the schema is a new file.
//!
//! [`Migrator`] records what it applied in `seaql_migrations` (`version` = the migration's
//! module name, `applied_at` = Unix seconds), the table and names SeaORM's migrator uses,
//! so databases migrated by either are read the same. Each migration is applied in a
//! transaction of its own, with its record: it is applied entirely or not at all. The
//! transaction holds a lock (SQLite's write lock, a PostgreSQL advisory lock), so instances
//! starting together on one database apply each migration once.

mod manager;
pub mod schema;

pub use manager::{MigrationTrait, SchemaManager};

/// What a migration file uses.
pub mod prelude {
    pub use super::{MigrationTrait, SchemaManager};
    pub use sea_orm::{
        ConnectionTrait, DbErr, DeriveIden,
        sea_query::{self, *},
    };
}

use std::collections::HashSet;
use std::time::{SystemTime, UNIX_EPOCH};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode,
    Statement, TransactionOptions, TransactionTrait,
    sea_query::{Alias, ColumnDef, Expr, ExprTrait, Query, Table, TableCreateStatement},
};

/// Declares the migration modules, oldest first, and lists them by their module's name.
macro_rules! migrations {
    ($($module:ident),* $(,)?) => {
        $(mod $module;)*

        fn all() -> Vec<(&'static str, Box<dyn MigrationTrait>)> {
            vec![$((stringify!($module), Box::new($module::Migration) as Box<dyn MigrationTrait>)),*]
        }
    };
}

migrations![
    m20261122_000001_create_catalogue,
    m20261122_000002_create_dev_idp_key,
    m20261122_000003_create_orders,
    m20261122_000004_create_sales,
    m20261122_000005_create_refunds,
    m20261122_000006_create_store_transactions,
    m20261123_000007_fence_idempotency_keys,
    m20261124_000008_index_order_reads,
    m20261124_000010_create_events_and_tickets,
    m20261125_000011_create_webhooks,
    m20261125_000013_create_reports_and_mails,
    m20261126_000015_represent_events,
    m20261126_000016_revise_orders,
    m20261127_000017_create_library_lending,
    m20261206_000018_index_back_office_reads,
    m20261206_000019_note_order_changes,
];

/// The table of applied migrations.
const TABLE: &str = "seaql_migrations";

/// The PostgreSQL advisory lock that applying a migration holds ("halshop" in ASCII).
const LOCK_KEY: i64 = 0x68_616c_7368_6f70;

/// Applies and reports halshop's migrations.
pub struct Migrator;

impl Migrator {
    /// Applies every migration not yet applied, oldest first. Instances that start together
    /// on one database take turns: each migration is applied once, by whichever comes first.
    pub async fn up(db: &DatabaseConnection) -> Result<(), DbErr> {
        // A current database, as at every restart, takes no lock: only reads.
        if Self::pending(db).await?.is_empty() {
            return Ok(());
        }
        let txn = begin_locked(db).await?;
        if !recorded_table_exists(&txn).await? {
            txn.execute(&create_recorded_table()).await?;
        }
        txn.commit().await?;
        for (name, migration) in all() {
            let txn = begin_locked(db).await?;
            if applied(&txn).await?.contains(name) {
                txn.commit().await?;
                continue;
            }
            tracing::info!("applying migration {name}");
            migration.up(&SchemaManager::new(&txn)).await?;
            let record = Query::insert()
                .into_table(Alias::new(TABLE))
                .columns([Alias::new("version"), Alias::new("applied_at")])
                .values_panic([name.into(), unix_seconds().into()])
                .to_owned();
            txn.execute(&record).await?;
            txn.commit().await?;
        }
        Ok(())
    }

    /// Reverts the `steps` most recently applied migrations, newest first.
    pub async fn down(db: &DatabaseConnection, steps: usize) -> Result<(), DbErr> {
        for _ in 0..steps {
            let txn = begin_locked(db).await?;
            let applied = applied(&txn).await?;
            let Some((name, migration)) = all().into_iter().rev().find(|(name, _)| applied.contains(*name))
            else {
                return txn.commit().await;
            };
            tracing::info!("reverting migration {name}");
            migration.down(&SchemaManager::new(&txn)).await?;
            let record = Query::delete()
                .from_table(Alias::new(TABLE))
                .and_where(Expr::col(Alias::new("version")).eq(name))
                .to_owned();
            txn.execute(&record).await?;
            txn.commit().await?;
        }
        Ok(())
    }

    /// The names of the migrations not yet applied, oldest first. Only reads.
    pub async fn pending(db: &DatabaseConnection) -> Result<Vec<&'static str>, DbErr> {
        let applied = applied(db).await?;
        Ok(all()
            .into_iter()
            .map(|(name, _)| name)
            .filter(|name| !applied.contains(*name))
            .collect())
    }
}

/// A transaction holding the migration lock until it ends: SQLite's write lock, taken at
/// `BEGIN IMMEDIATE`, or on PostgreSQL an advisory lock.
async fn begin_locked(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"))
            .await?;
    }
    Ok(txn)
}

fn create_recorded_table() -> TableCreateStatement {
    Table::create()
        .table(Alias::new(TABLE))
        .col(
            ColumnDef::new(Alias::new("version"))
                .string()
                .not_null()
                .primary_key(),
        )
        .col(ColumnDef::new(Alias::new("applied_at")).big_integer().not_null())
        .to_owned()
}

async fn recorded_table_exists(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let sql = match db.get_database_backend() {
        DbBackend::Postgres => format!(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE tablename = '{TABLE}' AND schemaname = current_schema()"
        ),
        _ => format!("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '{TABLE}'"),
    };
    Ok(!db
        .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await?
        .is_empty())
}

/// The applied migrations' names (none before the table that records them exists). A
/// recorded migration that halshop does not know (the database was migrated by a newer
/// halshop) is an error: this one cannot know what the schema now is.
async fn applied(db: &impl ConnectionTrait) -> Result<HashSet<String>, DbErr> {
    if !recorded_table_exists(db).await? {
        return Ok(HashSet::new());
    }
    let select = Query::select()
        .column(Alias::new("version"))
        .from(Alias::new(TABLE))
        .to_owned();
    let mut names = HashSet::new();
    for row in db.query_all(&select).await? {
        names.insert(row.try_get::<String>("", "version")?);
    }
    let known: HashSet<&str> = all().iter().map(|(name, _)| *name).collect();
    let unknown: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|name| !known.contains(name))
        .collect();
    if !unknown.is_empty() {
        return Err(DbErr::Migration(format!(
            "the database has migrations this halshop does not know ({}): it was migrated by a newer halshop",
            unknown.join(", ")
        )));
    }
    Ok(names)
}

fn unix_seconds() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use sea_orm::Database;

    async fn database() -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("halshop.db").display());
        (dir, Database::connect(url).await.unwrap())
    }

    #[tokio::test]
    async fn a_new_database_has_every_migration_pending() {
        let (_dir, db) = database().await;
        let pending = Migrator::pending(&db).await.unwrap();
        assert_eq!(pending, all().iter().map(|(name, _)| *name).collect::<Vec<_>>());
        assert_eq!(pending.first(), Some(&"m20261122_000001_create_catalogue"));
    }

    #[tokio::test]
    async fn applying_records_every_migration_once() {
        let (_dir, db) = database().await;
        Migrator::up(&db).await.unwrap();
        Migrator::up(&db).await.unwrap();
        assert!(Migrator::pending(&db).await.unwrap().is_empty());
        assert_eq!(applied(&db).await.unwrap().len(), all().len());
    }

    #[tokio::test]
    async fn every_migration_can_be_reverted_and_applied_again() {
        let (_dir, db) = database().await;
        Migrator::up(&db).await.unwrap();
        Migrator::down(&db, all().len()).await.unwrap();
        assert_eq!(Migrator::pending(&db).await.unwrap().len(), all().len());
        Migrator::up(&db).await.unwrap();
        assert!(Migrator::pending(&db).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn reading_what_is_pending_creates_nothing() {
        let (_dir, db) = database().await;
        assert_eq!(Migrator::pending(&db).await.unwrap().len(), all().len());
        assert!(!recorded_table_exists(&db).await.unwrap());
    }

    #[tokio::test]
    async fn a_migration_this_halshop_does_not_know_is_refused() {
        let (_dir, db) = database().await;
        Migrator::up(&db).await.unwrap();
        db.execute_unprepared("INSERT INTO seaql_migrations VALUES ('m20991231_000099_later', 0)")
            .await
            .unwrap();
        let err = Migrator::pending(&db).await.unwrap_err().to_string();
        assert!(err.contains("m20991231_000099_later"), "{err}");
    }
}
