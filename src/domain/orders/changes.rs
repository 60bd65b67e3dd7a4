//! When an order last changed, as far as its representation shows: the mark a kept copy of
//! it is validated by. SQLite raises `shop_order.revision` from triggers; PostgreSQL adds a
//! row to `order_change` from triggers (see the migrations for why they differ), and the
//! newest of an order's rows is its mark.

use entity::order;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement};

/// The order's change mark: equal for two reads only if no row its representation shows
/// changed in between.
pub async fn mark(db: &impl ConnectionTrait, order: &order::Model) -> Result<i64, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(order.revision);
    }
    let newest = Statement::from_sql_and_values(
        DbBackend::Postgres,
        "SELECT max(id) AS mark FROM order_change WHERE order_id = $1",
        [order.id.into()],
    );
    let row = db.query_one_raw(newest).await?;
    Ok(match row {
        Some(row) => row.try_get::<Option<i64>>("", "mark")?.unwrap_or(0),
        None => 0,
    })
}

/// How many superseded change rows one pass deletes at most.
const PRUNE_BATCH: u64 = 10_000;

/// Deletes change rows that a newer row of the same order supersedes, a batch at a time;
/// the newest row of every order stays, so no mark changes. Rows another instance is
/// deleting are skipped, never waited for. Returns how many were deleted.
pub async fn prune(db: &DatabaseConnection) -> Result<u64, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        return Ok(0);
    }
    let superseded = Statement::from_string(
        DbBackend::Postgres,
        format!(
            "DELETE FROM order_change WHERE id IN (SELECT c.id FROM order_change c \
             WHERE EXISTS (SELECT 1 FROM order_change n WHERE n.order_id = c.order_id AND n.id > c.id) \
             ORDER BY c.id LIMIT {PRUNE_BATCH} FOR UPDATE SKIP LOCKED)"
        ),
    );
    Ok(db.execute_raw(superseded).await?.rows_affected())
}
