//! Database connection and migrations.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, SqlErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
    sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous},
};

/// Connects to the configured database. SQLite runs in WAL mode with a real pool (SeaORM
/// would otherwise open a single connection), so readers never wait on a writer, and with
/// `synchronous=FULL`: every commit is synced to disk before it is acknowledged, so an order
/// or a payment a client was told about survives a power loss (`NORMAL` may lose the last
/// commits; WAL keeps the database consistent either way).
pub async fn connect(url: &str, pool_size: u32) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .max_connections(pool_size.max(1))
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(15))
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true)
        });
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

/// Starts a transaction that will write. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), so that it waits for another writer instead of failing when it
/// upgrades from reading to writing; PostgreSQL ignores the option.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// Whether an error is a unique-constraint violation.
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}

/// Which database engine a connection talks to, for log lines.
pub fn backend_name(db: &DatabaseConnection) -> &'static str {
    match db.get_database_backend() {
        DbBackend::Sqlite => "sqlite",
        DbBackend::Postgres => "postgres",
        _ => "other",
    }
}

/// Turns a database constraint violation into a caller-chosen error at the call site, the
/// way `INSERT … ON CONFLICT` would: the database decides uniqueness, never a prior read.
pub trait OnConstraint<T> {
    fn on_unique_violation<E>(self, map: impl FnOnce(&str) -> Option<E>) -> Result<T, ConstraintError<E>>;
}

/// Either the mapped client error or the original database error.
#[derive(Debug)]
pub enum ConstraintError<E> {
    Mapped(E),
    Db(DbErr),
}

impl<T> OnConstraint<T> for Result<T, DbErr> {
    fn on_unique_violation<E>(self, map: impl FnOnce(&str) -> Option<E>) -> Result<T, ConstraintError<E>> {
        self.map_err(|err| match err.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(message)) => match map(&message) {
                Some(mapped) => ConstraintError::Mapped(mapped),
                None => ConstraintError::Db(err),
            },
            _ => ConstraintError::Db(err),
        })
    }
}
