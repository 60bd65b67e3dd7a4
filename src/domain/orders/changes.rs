//! When an order last changed, as far as its representation shows: the mark a kept copy of
//! it is validated by. SQLite raises `shop_order.revision` from triggers; PostgreSQL adds a
//! row to `order_change` from triggers (see the migrations for why they differ), and the
//! newest of an order's rows is its mark.

use entity::{merchant, order};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, QueryTrait, Statement,
    sea_query::{Expr, JoinType},
};

use crate::domain::ids;

/// The order of `uid` with its merchant and its change mark, read in one statement: the
/// mark is equal for two reads only if no row the order's representation shows changed in
/// between.
pub async fn find_marked(
    db: &impl ConnectionTrait,
    uid: &str,
) -> Result<Option<(order::Model, merchant::Model, i64)>, DbErr> {
    if db.get_database_backend() != DbBackend::Postgres {
        let found = super::find_with_merchant(db, uid).await?;
        return Ok(found.map(|(order, merchant)| {
            let mark = order.revision;
            (order, merchant, mark)
        }));
    }
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let merchant_of = order::Entity::belongs_to(merchant::Entity)
        .from(order::Column::MerchantId)
        .to(merchant::Column::Id);
    let newest = "(SELECT max(c.id) FROM order_change c WHERE c.order_id = shop_order.id)";
    let statement = order::Entity::find()
        .join(JoinType::InnerJoin, merchant_of.into())
        .select_also(merchant::Entity)
        .expr_as(Expr::cust(newest), "mark")
        .filter(order::Column::Uid.eq(uid))
        .build(DbBackend::Postgres);
    let Some(row) = db.query_one_raw(statement).await? else {
        return Ok(None);
    };
    let order = order::Model::from_query_result(&row, "A_")?;
    let merchant = merchant::Model::from_query_result(&row, "B_")?;
    let mark = row.try_get::<Option<i64>>("", "mark")?.unwrap_or(0);
    Ok(Some((order, merchant, mark)))
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
