//! Group commit of SQLite's write transactions.
//!
//! SQLite lets one writer in at a time, and with `synchronous=FULL` every commit waits until
//! the write-ahead log is on disk. When writers queue, they share that wait: the first
//! writer of a batch begins the transaction (`BEGIN IMMEDIATE`); each writer, in its turn,
//! works in a savepoint of it and releases the savepoint when it commits; the first writer
//! to commit also queues a committer behind the writers waiting at that moment, which
//! commits the batch once for all of them when its turn comes. With no writer waiting the
//! committer's turn comes at once, so a lone writer commits as it always did.
//!
//! A writer's commit returns only after its batch's commit did: no writer is told that its
//! change is stored before it is on disk. If the batch's commit fails, every writer in it
//! gets the error and none of their changes is stored. A writer that rolls back, or is
//! dropped before it commits, takes only its own savepoint's changes with it; one that rolls
//! back waits for its batch like the others, so that it then reads what they wrote (a writer
//! that collided with a unique key reads the row it collided with after rolling back).

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, LazyLock, Mutex},
};

use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use tokio::sync::{OwnedMutexGuard, watch};

/// The writers of one SQLite database file: holding the lock is a writer's turn; under it
/// lies the batch that is open, if any.
type Queue = Arc<tokio::sync::Mutex<Option<Batch>>>;

/// A transaction shared by the writers of one batch.
struct Batch {
    txn: DatabaseTransaction,
    /// Writers that released their savepoint and wait for the batch's commit.
    members: usize,
    /// The batch's outcome, once it is known.
    done: watch::Sender<Option<Result<(), DbErr>>>,
}

/// A writer's turn: until it ends, no other writer of the file works.
pub(super) struct Turn {
    queue: Queue,
    guard: Option<OwnedMutexGuard<Option<Batch>>>,
}

/// Waits for a writer's turn, then opens a savepoint in the open batch, beginning a batch
/// if none is open.
///
/// It runs as a task of its own, so that a caller dropped while it waits (a client that went
/// away) cannot interrupt it between the statement and its answer: SeaORM would then roll
/// back one level too many, which is the whole batch.
pub(super) async fn begin(db: &DatabaseConnection) -> Result<(DatabaseTransaction, Turn), DbErr> {
    let db = db.clone();
    tokio::spawn(async move { enter(&db).await })
        .await
        .map_err(|err| DbErr::Custom(format!("a writer could not begin: {err}")))?
}

async fn enter(db: &DatabaseConnection) -> Result<(DatabaseTransaction, Turn), DbErr> {
    let queue = queue_of(db);
    let mut guard = queue.clone().lock_owned().await;
    if guard.is_none() {
        let txn = db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        txn.execute_unprepared(BATCH_MARK).await?;
        *guard = Some(Batch {
            txn,
            members: 0,
            done: watch::Sender::new(None),
        });
    }
    let turn = Turn {
        queue,
        guard: Some(guard),
    };
    let savepoint = turn.batch().txn.begin().await?;
    Ok((savepoint, turn))
}

/// A savepoint that encloses a batch's work. The committer releases it before it commits: if
/// anything rolled the whole transaction back in the meantime, the release fails and every
/// writer of the batch is told so, where a commit with no transaction would succeed.
const BATCH_MARK: &str = "SAVEPOINT halshop_batch";
const BATCH_MARK_RELEASE: &str = "RELEASE SAVEPOINT halshop_batch";

impl Turn {
    fn batch(&self) -> &Batch {
        self.guard
            .as_deref()
            .and_then(Option::as_ref)
            .expect("a writer's turn holds an open batch")
    }

    /// Joins the batch, with this writer's savepoint released, and waits for its commit.
    pub(super) async fn join(mut self) -> Result<(), DbErr> {
        let guard = self.guard.as_mut().expect("a writer's turn holds its lock");
        let batch = guard.as_mut().expect("a writer's turn holds an open batch");
        batch.members += 1;
        let mut done = batch.done.subscribe();
        if batch.members == 1 {
            tokio::spawn(commit_when_due(self.queue.clone()));
        }
        drop(self);
        let outcome = done
            .wait_for(Option::is_some)
            .await
            .map_err(|_| DbErr::Custom("the transaction was abandoned before it committed".into()))?;
        outcome.clone().unwrap_or_else(|| Ok(()))
    }
}

impl Turn {
    /// Ends the turn of a writer that rolled back. When others in its batch wait for the
    /// batch's commit, it waits too, so that what it reads next includes what they wrote —
    /// such as the row whose unique key it collided with.
    pub(super) async fn leave(self) {
        let pending = self
            .guard
            .as_deref()
            .and_then(Option::as_ref)
            .and_then(|batch| (batch.members > 0).then(|| batch.done.subscribe()));
        drop(self);
        if let Some(mut done) = pending {
            let _ = done.wait_for(Option::is_some).await;
        }
    }
}

impl Drop for Turn {
    /// Ends the turn. A batch nobody joined is rolled back: nothing in it is meant to stay.
    fn drop(&mut self) {
        if let Some(mut guard) = self.guard.take()
            && guard.as_ref().is_some_and(|batch| batch.members == 0)
        {
            // Dropping the transaction rolls it back before its connection is used again.
            guard.take();
        }
    }
}

/// Takes a turn behind the writers waiting when its task first runs, then commits the batch
/// for everyone in it.
async fn commit_when_due(queue: Queue) {
    let mut guard = queue.lock_owned().await;
    if let Some(batch) = guard.take() {
        let outcome = match batch.txn.execute_unprepared(BATCH_MARK_RELEASE).await {
            Ok(_) => batch.txn.commit().await,
            Err(err) => Err(err),
        };
        if let Err(err) = &outcome {
            tracing::error!(writers = batch.members, "a group commit failed: {err}");
        }
        batch.done.send_replace(Some(outcome));
    }
}

/// The queue of this process's writers to one SQLite database file.
fn queue_of(db: &DatabaseConnection) -> Queue {
    static QUEUES: LazyLock<Mutex<HashMap<PathBuf, Queue>>> = LazyLock::new(Default::default);
    let file = db
        .get_sqlite_connection_pool()
        .connect_options()
        .get_filename()
        .to_owned();
    let mut queues = QUEUES.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    queues.entry(file).or_default().clone()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use super::DatabaseConnection;
    use crate::db::{WriteTxn, begin_write, connect};

    async fn database() -> (tempfile::TempDir, DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("batch.db").display());
        let db = connect(&url, 4).await.unwrap();
        db.execute_unprepared("CREATE TABLE note (k TEXT PRIMARY KEY)")
            .await
            .unwrap();
        (dir, db)
    }

    async fn insert(txn: &WriteTxn, key: &str) -> Result<(), sea_orm::DbErr> {
        let insert = Statement::from_sql_and_values(
            DbBackend::Sqlite,
            "INSERT INTO note (k) VALUES (?)",
            [key.into()],
        );
        txn.execute_raw(insert).await.map(|_| ())
    }

    async fn keys(db: &DatabaseConnection) -> Vec<String> {
        let select = Statement::from_string(DbBackend::Sqlite, "SELECT k FROM note ORDER BY k");
        let rows = db.query_all_raw(select).await.unwrap();
        rows.iter().map(|row| row.try_get("", "k").unwrap()).collect()
    }

    /// Lets a task that was just spawned reach the writers' queue.
    async fn queued() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    #[tokio::test]
    async fn every_writer_that_queued_finds_its_row_stored_when_its_commit_returns() {
        let (_dir, db) = database().await;
        let writers = (0..20).map(|n| {
            let db = db.clone();
            tokio::spawn(async move {
                let txn = begin_write(&db).await.unwrap();
                insert(&txn, &format!("k{n:02}")).await.unwrap();
                txn.commit().await.unwrap();
                keys(&db).await.contains(&format!("k{n:02}"))
            })
        });
        for stored in futures_util::future::join_all(writers).await {
            assert!(stored.unwrap(), "a commit returned before its row could be read");
        }
        assert_eq!(keys(&db).await.len(), 20);
    }

    #[tokio::test]
    async fn a_writer_that_rolls_back_takes_only_its_own_rows_out_of_the_batch() {
        let (_dir, db) = database().await;
        let first = begin_write(&db).await.unwrap();
        insert(&first, "kept").await.unwrap();
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await.unwrap();
                insert(&txn, "undone").await.unwrap();
                txn.rollback().await.unwrap();
            }
        });
        let third = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await.unwrap();
                insert(&txn, "also kept").await.unwrap();
                txn.commit().await.unwrap();
            }
        });
        queued().await;
        first.commit().await.unwrap();
        second.await.unwrap();
        third.await.unwrap();
        assert_eq!(keys(&db).await, ["also kept", "kept"]);
    }

    #[tokio::test]
    async fn a_writer_dropped_before_it_commits_takes_only_its_own_rows_out_of_the_batch() {
        let (_dir, db) = database().await;
        let first = begin_write(&db).await.unwrap();
        insert(&first, "kept").await.unwrap();
        let dropped = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await.unwrap();
                insert(&txn, "abandoned").await.unwrap();
                drop(txn);
            }
        });
        queued().await;
        first.commit().await.unwrap();
        dropped.await.unwrap();
        let txn = begin_write(&db).await.unwrap();
        insert(&txn, "later").await.unwrap();
        txn.commit().await.unwrap();
        assert_eq!(keys(&db).await, ["kept", "later"]);
    }

    #[tokio::test]
    async fn a_writer_that_collides_with_a_key_of_its_batch_reads_that_row_after_rolling_back() {
        let (_dir, db) = database().await;
        let first = begin_write(&db).await.unwrap();
        insert(&first, "same").await.unwrap();
        let second = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await.unwrap();
                let collided = insert(&txn, "same").await;
                assert!(collided.as_ref().is_err_and(crate::db::is_unique_violation));
                txn.rollback().await.unwrap();
                keys(&db).await
            }
        });
        queued().await;
        let committing = tokio::spawn(first.commit());
        assert_eq!(second.await.unwrap(), ["same"]);
        committing.await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn when_a_batch_fails_to_commit_every_writer_in_it_gets_the_error_and_nothing_is_stored() {
        let (_dir, db) = database().await;
        let first = begin_write(&db).await.unwrap();
        insert(&first, "lost").await.unwrap();
        let breaker = tokio::spawn({
            let db = db.clone();
            async move {
                let txn = begin_write(&db).await.unwrap();
                // Ends the batch's transaction under everyone's feet, as a disk error would.
                txn.execute_unprepared("ROLLBACK").await.unwrap();
                assert!(txn.commit().await.is_err());
            }
        });
        queued().await;
        let committed = first.commit().await;
        breaker.await.unwrap();
        assert!(committed.is_err(), "a writer was told its row is stored");
        assert!(keys(&db).await.is_empty());
    }
}
