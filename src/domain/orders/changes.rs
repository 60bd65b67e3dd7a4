//! When an order last changed, as far as its representation shows: the mark a kept copy of
//! it is validated by. SQLite raises `shop_order.revision` from triggers; PostgreSQL adds a
//! row to `order_change` from triggers (see the migrations for why they differ), and the
//! newest of an order's rows is its mark.

use std::collections::HashMap;

use entity::{merchant, order};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, FromQueryResult,
    QueryFilter, QueryResult, QuerySelect, QueryTrait, Statement,
    sea_query::{Expr, JoinType},
};

use crate::{coalesce::Coalesced, db::HeldConnection, domain::ids};

/// An order with its merchant and its change mark.
pub type Marked = (order::Model, merchant::Model, i64);

/// The order of `uid` with its merchant and its change mark, read in one statement: the
/// mark is equal for two reads only if no row the order's representation shows changed in
/// between.
pub async fn find_marked(db: &impl ConnectionTrait, uid: &str) -> Result<Option<Marked>, DbErr> {
    let mut found = find_marked_many(db, vec![uid.to_owned()]).await?;
    Ok(found.remove(uid))
}

/// The orders of `uids` that exist, each with its merchant and its change mark, by uid, read
/// in one statement.
pub async fn find_marked_many(
    db: &impl ConnectionTrait,
    uids: Vec<String>,
) -> Result<HashMap<String, Marked>, DbErr> {
    let backend = db.get_database_backend();
    let Some(statement) = marked_statement(backend, uids) else {
        return Ok(HashMap::new());
    };
    collect_marked(backend, db.query_all_raw(statement).await?)
}

/// The statement reading the orders of `uids`, or none when no uid is well-formed. The list
/// of uids is padded to a power of two by repeating the last, so that the database prepares
/// a few statements, not one per count.
fn marked_statement(backend: DbBackend, mut uids: Vec<String>) -> Option<Statement> {
    uids.retain(|uid| ids::is_uid(uid));
    let last = uids.last().cloned()?;
    uids.resize(uids.len().next_power_of_two(), last);
    let merchant_of = order::Entity::belongs_to(merchant::Entity)
        .from(order::Column::MerchantId)
        .to(merchant::Column::Id);
    let mut select = order::Entity::find()
        .join(JoinType::InnerJoin, merchant_of.into())
        .select_also(merchant::Entity);
    if backend == DbBackend::Postgres {
        let newest = "(SELECT max(c.id) FROM order_change c WHERE c.order_id = shop_order.id)";
        select = select.expr_as(Expr::cust(newest), "mark");
    }
    // `uid` is unique: no LIMIT, whose bound value would make SQLite prepare the statement
    // again at every execution.
    Some(select.filter(order::Column::Uid.is_in(uids)).build(backend))
}

fn collect_marked(backend: DbBackend, rows: Vec<QueryResult>) -> Result<HashMap<String, Marked>, DbErr> {
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let order = order::Model::from_query_result(&row, "A_")?;
        let merchant = merchant::Model::from_query_result(&row, "B_")?;
        let mark = match backend {
            DbBackend::Postgres => row.try_get::<Option<i64>>("", "mark")?.unwrap_or(0),
            _ => order.revision,
        };
        found.insert(order.uid.clone(), (order, merchant, mark));
    }
    Ok(found)
}

/// Reads of orders with their merchant and change mark, by uid, that concurrent reads share
/// (see [`Coalesced`]): on an on-sale, thousands of buyers reading their orders cost a few
/// queries, not one each. The batches of a run keep one connection, so that a batch costs
/// one round trip to the database.
pub fn shared_reads(db: &DatabaseConnection) -> SharedReads {
    let db = db.clone();
    Coalesced::new(move |held: Option<HeldConnection>, uids| {
        let db = db.clone();
        async move {
            let backend = db.get_database_backend();
            let Some(statement) = marked_statement(backend, uids) else {
                return (held, Ok(HashMap::new()));
            };
            let mut conn = match held {
                Some(conn) => conn,
                None => match HeldConnection::acquire(&db).await {
                    Ok(conn) => conn,
                    Err(err) => return (None, Err(err)),
                },
            };
            match conn.query_all(&statement).await {
                Ok(rows) => (Some(conn), collect_marked(backend, rows)),
                // A connection whose query failed goes back to the pool, which tests it.
                Err(err) => (None, Err(err)),
            }
        }
    })
}

/// The shared reads of orders, keeping a connection while batches follow one another.
pub type SharedReads = Coalesced<Marked, Option<HeldConnection>>;

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
