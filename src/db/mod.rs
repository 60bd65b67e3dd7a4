//! Database connection and migrations.

use std::{sync::Arc, time::Duration};

use migration::Migrator;
use sea_orm::{
    AccessMode, ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    DbBackend, DbErr, EntityTrait, ExecResult, IsolationLevel, QueryResult, RuntimeErr, Select, SelectTwo,
    SqlErr, Statement, TransactionTrait,
    sea_query::Values,
    sqlx::{
        self, AssertSqlSafe, Postgres, Sqlite,
        pool::PoolConnection,
        sqlite::{SqliteJournalMode, SqliteSynchronous},
    },
};
use sea_query_sqlx::SqlxValues;

mod batch;

/// How much of a large SQLite database file its connections read through a memory map
/// (SQLite's own ceiling, about 2 GiB). Each connection otherwise keeps a private cache of
/// 2 MB and copies every other page it needs out of the operating system's cache with a read
/// call: in a database of a million orders, reading one order then took 1.4–1.9 times as
/// long as in a small one. Mapped, the connections share the operating system's cache and
/// read it in place. Mapped pages that were read count towards the process's resident
/// memory, so a database small enough for the connections' own caches is not mapped.
const SQLITE_MMAP_SIZE: u64 = 0x7fff_0000;

/// From this size on, a database file found at start is read through a memory map.
const SQLITE_MMAP_FROM_BYTES: u64 = 64 * 1024 * 1024;

/// The memory map for a database file of `len` bytes, if it gets one.
fn sqlite_mmap_size(len: u64) -> Option<u64> {
    (len >= SQLITE_MMAP_FROM_BYTES).then_some(SQLITE_MMAP_SIZE)
}

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
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .map_sqlx_sqlite_opts(|opts| {
            let size = std::fs::metadata(opts.get_filename()).map_or(0, |meta| meta.len());
            let opts = opts
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(Duration::from_secs(15))
                .foreign_keys(true);
            match sqlite_mmap_size(size) {
                Some(mapped) => opts.pragma("mmap_size", mapped.to_string()),
                None => opts,
            }
        });
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db).await
}

/// Starts a transaction that will write.
///
/// On SQLite, writers of this process take turns in arrival order before they write:
/// SQLite lets one writer in at a time and makes the others poll with growing sleeps, so
/// under load a writer could wait far longer than the writes ahead of it take. Writers that
/// queue are committed together ([`batch`]): each works in a savepoint of a transaction that
/// took the write lock at once (`BEGIN IMMEDIATE`), and each commit returns once the batch
/// is on disk. On PostgreSQL each writer has a transaction of its own.
pub async fn begin_write(db: &DatabaseConnection) -> Result<WriteTxn, DbErr> {
    match db.get_database_backend() {
        DbBackend::Sqlite => {
            let (txn, turn) = batch::begin(db).await?;
            Ok(WriteTxn {
                txn,
                turn: Some(turn),
            })
        }
        _ => Ok(WriteTxn {
            txn: db.begin().await?,
            turn: None,
        }),
    }
}

/// Runs `work` as a write transaction of its own: committed when it returns `Ok`, rolled
/// back otherwise. On SQLite a single write goes through the writers' queue this way, where
/// a statement sent straight to the pool would poll for the write lock with growing sleeps
/// and could wait behind many batches.
pub async fn write<T>(
    db: &DatabaseConnection,
    work: impl AsyncFnOnce(&WriteTxn) -> Result<T, DbErr>,
) -> Result<T, DbErr> {
    let txn = begin_write(db).await?;
    match work(&txn).await {
        Ok(value) => {
            txn.commit().await?;
            Ok(value)
        }
        Err(err) => {
            if let Err(rollback) = txn.rollback().await {
                tracing::warn!("a write that failed could not be rolled back: {rollback}");
            }
            Err(err)
        }
    }
}

/// Starts a transaction that only reads, and reads one snapshot: SQLite's transactions do;
/// on PostgreSQL it is repeatable read and read only (read committed would give each
/// statement its own snapshot).
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let (isolation, access) = match db.get_database_backend() {
        DbBackend::Postgres => (Some(IsolationLevel::RepeatableRead), Some(AccessMode::ReadOnly)),
        _ => (None, None),
    };
    db.begin_with_config(isolation, access).await
}

/// A write transaction: on SQLite a savepoint of its batch, holding its writer's turn until
/// it ends. (Fields drop in order: a dropped savepoint is rolled back before the turn ends.)
pub struct WriteTxn {
    txn: DatabaseTransaction,
    turn: Option<batch::Turn>,
}

impl WriteTxn {
    /// Commits, after writing the representation of every event the transaction wrote; on
    /// SQLite it returns once the batch the transaction joined is committed.
    pub async fn commit(self) -> Result<(), DbErr> {
        // Sealed before the fields are taken apart: dropped here, the savepoint still goes
        // before the turn, as the fields are declared.
        crate::domain::outbox::seal(&self.txn).await?;
        let WriteTxn { txn, turn } = self;
        let released = match turn {
            // A task of its own, like the savepoint's start: interrupted between the release
            // and its answer, SeaORM would roll back one level too many.
            Some(_) => tokio::spawn(txn.commit())
                .await
                .unwrap_or_else(|err| Err(DbErr::Custom(format!("a commit could not run: {err}")))),
            None => txn.commit().await,
        };
        match (released, turn) {
            (Ok(()), Some(turn)) => turn.join().await,
            (released, _) => released,
        }
    }

    /// Rolls back. On SQLite it returns once the writers committing in its batch are
    /// committed, so that reads that follow see what they wrote.
    pub async fn rollback(self) -> Result<(), DbErr> {
        let WriteTxn { txn, turn } = self;
        let rolled_back = txn.rollback().await;
        if let Some(turn) = turn {
            turn.leave().await;
        }
        rolled_back
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.txn.support_returning()
    }
}

/// A pool connection kept from one query to the next by a reader that queries again and
/// again, such as the batches of shared order reads: each query then costs one round trip to
/// the database, without the pool's hand-out and the ping it sends when a connection returns.
/// Dropping it returns the connection to the pool.
pub enum HeldConnection {
    Sqlite(PoolConnection<Sqlite>),
    Postgres(PoolConnection<Postgres>),
}

impl HeldConnection {
    /// Takes a connection from the pool of `db`.
    pub async fn acquire(db: &DatabaseConnection) -> Result<Self, DbErr> {
        let conn_err = |err| DbErr::Conn(RuntimeErr::SqlxError(Arc::new(err)));
        match db.get_database_backend() {
            DbBackend::Sqlite => Ok(Self::Sqlite(
                db.get_sqlite_connection_pool()
                    .acquire()
                    .await
                    .map_err(conn_err)?,
            )),
            DbBackend::Postgres => Ok(Self::Postgres(
                db.get_postgres_connection_pool()
                    .acquire()
                    .await
                    .map_err(conn_err)?,
            )),
            other => Err(DbErr::Custom(format!("no held connections to {other:?}"))),
        }
    }

    /// The rows of `statement`, run as SeaORM would run it on a pool connection.
    pub async fn query_all(&mut self, statement: &Statement) -> Result<Vec<QueryResult>, DbErr> {
        let values = SqlxValues(statement.values.clone().unwrap_or(Values(Vec::new())));
        let sql = AssertSqlSafe(statement.sql.as_str());
        let rows = match self {
            Self::Sqlite(conn) => sqlx::query_with(sql, values)
                .fetch_all(&mut **conn)
                .await
                .map(|rows| rows.into_iter().map(QueryResult::from).collect()),
            Self::Postgres(conn) => sqlx::query_with(sql, values)
                .fetch_all(&mut **conn)
                .await
                .map(|rows| rows.into_iter().map(QueryResult::from).collect()),
        };
        rows.map_err(|err| DbErr::Query(RuntimeErr::SqlxError(Arc::new(err))))
    }
}

impl std::fmt::Debug for HeldConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Sqlite(_) => "HeldConnection::Sqlite",
            Self::Postgres(_) => "HeldConnection::Postgres",
        })
    }
}

/// The one row of a query on a unique key (a primary key, a uid, a unique index).
///
/// Unlike `.one()`, the query has no `LIMIT 1`: SQLite re-prepares a statement at every
/// execution when a bound value may change its plan, which a bound `LIMIT` does, and that
/// costs more than the rest of such a query.
pub trait FindUnique: Sized + Send {
    type Row: Send;

    fn unique<'a, C: ConnectionTrait>(
        self,
        db: &'a C,
    ) -> impl Future<Output = Result<Option<Self::Row>, DbErr>> + Send + 'a
    where
        Self: 'a;
}

impl<E> FindUnique for Select<E>
where
    E: EntityTrait,
    E::Model: Send + Sync,
{
    type Row = E::Model;

    async fn unique<'a, C: ConnectionTrait>(self, db: &'a C) -> Result<Option<Self::Row>, DbErr>
    where
        Self: 'a,
    {
        Ok(self.all(db).await?.into_iter().next())
    }
}

impl<E, F> FindUnique for SelectTwo<E, F>
where
    E: EntityTrait,
    F: EntityTrait,
    E::Model: Send + Sync,
    F::Model: Send + Sync,
{
    type Row = (E::Model, Option<F::Model>);

    async fn unique<'a, C: ConnectionTrait>(self, db: &'a C) -> Result<Option<Self::Row>, DbErr>
    where
        Self: 'a,
    {
        Ok(self.all(db).await?.into_iter().next())
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_bundled_sqlite_plans_a_statement_whatever_values_are_bound_to_it() {
        let db = connect("sqlite::memory:", 1).await.unwrap();
        let option = Statement::from_string(
            DbBackend::Sqlite,
            "SELECT 1 FROM pragma_compile_options WHERE compile_options = 'ENABLE_QPSG'",
        );
        let found = db.query_one_raw(option).await.unwrap();
        assert!(
            found.is_some(),
            "SQLite was built without SQLITE_ENABLE_QPSG (LIBSQLITE3_FLAGS in .cargo/config.toml)"
        );
    }

    #[test]
    fn a_database_file_of_64_mib_or_more_is_read_through_a_memory_map_and_a_smaller_one_is_not() {
        assert_eq!(sqlite_mmap_size(64 * 1024 * 1024), Some(SQLITE_MMAP_SIZE));
        assert_eq!(sqlite_mmap_size(1_200_000_000), Some(SQLITE_MMAP_SIZE));
        assert_eq!(sqlite_mmap_size(64 * 1024 * 1024 - 1), None);
        assert_eq!(sqlite_mmap_size(0), None);
    }

    #[tokio::test]
    async fn a_large_database_file_found_at_start_is_opened_with_its_memory_map() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("large.db").display());
        let db = connect(&url, 1).await.unwrap();
        // A table of some 70 MB of rows, written in one statement.
        db.execute_unprepared(
            "CREATE TABLE filler AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n \
             WHERE i < 17000) SELECT i, randomblob(4000) AS b FROM n",
        )
        .await
        .unwrap();
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
            .await
            .unwrap();
        db.close().await.unwrap();
        let reopened = connect(&url, 1).await.unwrap();
        let pragma = Statement::from_string(DbBackend::Sqlite, "PRAGMA mmap_size");
        let row = reopened.query_one_raw(pragma).await.unwrap().unwrap();
        let size: i64 = row.try_get_by_index(0).unwrap();
        assert_eq!(u64::try_from(size).unwrap(), SQLITE_MMAP_SIZE);
    }
}
