//! Ticket places: taken when an order is placed, given back when it expires or is
//! cancelled, or when a refunded ticket goes back on sale.
//!
//! The database alone decides whether a place is free: a place is taken by a conditional
//! update (`held + n <= capacity`) in the transaction that writes the order, never by
//! reading a count and writing it back. Rows are always locked in the same order (the
//! products by id, then the events by id), so that two transactions taking places of the
//! same products never wait on each other in a cycle.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use entity::{event, order, order_line, product};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{catalogue::Kind, outbox, status::OrderStatus, vouchers};
use crate::db::begin_write;

/// What ran out: a product's own places or its event's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Limited {
    Product { uid: String, title: String },
    Event { uid: String, title: String },
}

/// Places asked for that are not there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoldOut {
    /// The product whose line asked for them.
    pub product_id: i64,
    pub limited: Limited,
    /// How many places are left.
    pub left: i64,
}

/// Places left for a product now: the lower of its own and its event's; `None` when
/// nothing limits it.
pub fn places_left(product: &product::Model, event: Option<&event::Model>) -> Option<i64> {
    let own = product
        .capacity
        .map(|capacity| std::cmp::max(i64::from(capacity - product.held), 0));
    let event = event.map(event_places_left);
    match (own, event) {
        (Some(a), Some(b)) => Some(std::cmp::min(a, b)),
        (a, b) => a.or(b),
    }
}

/// Places of an event not held by any order.
pub fn event_places_left(event: &event::Model) -> i64 {
    std::cmp::max(i64::from(event.capacity - event.held), 0)
}

/// A product's own places and its event's, as the database has them now, whatever copy of
/// the product the caller priced with: `None` when the product's places are not counted.
pub async fn current_places(
    db: &impl ConnectionTrait,
    product: &product::Model,
) -> Result<Option<(product::Model, Option<event::Model>)>, DbErr> {
    if !counts_places(product) {
        return Ok(None);
    }
    let counts: Option<(Option<i32>, i32)> = product::Entity::find_by_id(product.id)
        .select_only()
        .column(product::Column::Capacity)
        .column(product::Column::Held)
        .into_tuple()
        .one(db)
        .await?;
    let Some((capacity, held)) = counts else {
        return Ok(None);
    };
    let event = match product.event_id {
        Some(id) => event::Entity::find_by_id(id).one(db).await?,
        None => None,
    };
    let fresh = product::Model {
        capacity,
        held,
        ..product.clone()
    };
    Ok(Some((fresh, event)))
}

/// Whether a product's places are counted: a ticket of an event or with a capacity.
pub fn counts_places(product: &product::Model) -> bool {
    product.kind == Kind::Ticket.as_str() && (product.event_id.is_some() || product.capacity.is_some())
}

/// Takes `quantity` places of each product, inside the transaction that writes the order.
/// Refuses with what ran out when any product or event has fewer places left; the caller
/// then rolls the transaction back, so that no place stays taken.
pub async fn take(
    txn: &impl ConnectionTrait,
    lines: &[(&product::Model, u32)],
) -> Result<Result<(), SoldOut>, DbErr> {
    let mut by_product: BTreeMap<i64, (&product::Model, i32)> = BTreeMap::new();
    for (product, quantity) in lines.iter().filter(|(p, _)| counts_places(p)) {
        by_product.insert(product.id, (product, *quantity as i32));
    }
    for (product, quantity) in by_product.values() {
        let taken = product::Entity::update_many()
            .col_expr(
                product::Column::Held,
                Expr::col(product::Column::Held).add(*quantity),
            )
            .filter(product::Column::Id.eq(product.id))
            .filter(
                Condition::any().add(product::Column::Capacity.is_null()).add(
                    Expr::col(product::Column::Held)
                        .add(*quantity)
                        .lte(Expr::col(product::Column::Capacity)),
                ),
            )
            .exec(txn)
            .await?;
        if taken.rows_affected == 0 {
            return Ok(Err(product_sold_out(txn, product.id).await?));
        }
    }
    for (event_id, (product_id, quantity)) in by_event(by_product.values().map(|(p, q)| (*p, *q))) {
        let taken = event::Entity::update_many()
            .col_expr(event::Column::Held, Expr::col(event::Column::Held).add(quantity))
            .filter(event::Column::Id.eq(event_id))
            .filter(event::Column::CancelledAt.is_null())
            .filter(
                Expr::col(event::Column::Held)
                    .add(quantity)
                    .lte(Expr::col(event::Column::Capacity)),
            )
            .exec(txn)
            .await?;
        if taken.rows_affected == 0 {
            return Ok(Err(event_sold_out(txn, event_id, product_id).await?));
        }
    }
    Ok(Ok(()))
}

/// The quantity per event of the given products, with one of the products asking.
fn by_event<'a>(lines: impl Iterator<Item = (&'a product::Model, i32)>) -> BTreeMap<i64, (i64, i32)> {
    let mut events: BTreeMap<i64, (i64, i32)> = BTreeMap::new();
    for (product, quantity) in lines {
        if let Some(event_id) = product.event_id {
            events.entry(event_id).or_insert((product.id, 0)).1 += quantity;
        }
    }
    events
}

async fn product_sold_out(txn: &impl ConnectionTrait, product_id: i64) -> Result<SoldOut, DbErr> {
    let product = product::Entity::find_by_id(product_id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("product vanished".into()))?;
    Ok(SoldOut {
        product_id,
        left: product
            .capacity
            .map_or(0, |capacity| std::cmp::max(i64::from(capacity - product.held), 0)),
        limited: Limited::Product {
            uid: product.uid,
            title: product.title,
        },
    })
}

async fn event_sold_out(
    txn: &impl ConnectionTrait,
    event_id: i64,
    product_id: i64,
) -> Result<SoldOut, DbErr> {
    let event = event::Entity::find_by_id(event_id)
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("event vanished".into()))?;
    let left = if event.cancelled_at.is_some() {
        0
    } else {
        event_places_left(&event)
    };
    Ok(SoldOut {
        product_id,
        left,
        limited: Limited::Event {
            uid: event.uid,
            title: event.title,
        },
    })
}

/// Gives back `quantity` places of each product (and of its event), in the caller's
/// transaction. Called once per order or ticket, by the status change that frees them.
pub async fn give_back(txn: &impl ConnectionTrait, lines: &[(product::Model, i32)]) -> Result<(), DbErr> {
    let mut by_product: BTreeMap<i64, (&product::Model, i32)> = BTreeMap::new();
    for (product, quantity) in lines.iter().filter(|(p, _)| counts_places(p)) {
        by_product.entry(product.id).or_insert((product, 0)).1 += quantity;
    }
    for (product, quantity) in by_product.values() {
        product::Entity::update_many()
            .col_expr(
                product::Column::Held,
                Expr::col(product::Column::Held).sub(*quantity),
            )
            .filter(product::Column::Id.eq(product.id))
            .exec(txn)
            .await?;
    }
    for (event_id, (_, quantity)) in by_event(by_product.values().map(|(p, q)| (*p, *q))) {
        event::Entity::update_many()
            .col_expr(event::Column::Held, Expr::col(event::Column::Held).sub(quantity))
            .filter(event::Column::Id.eq(event_id))
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// Gives back every place an order holds.
pub async fn give_back_order(txn: &impl ConnectionTrait, order_id: i64) -> Result<(), DbErr> {
    let lines = order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .filter(order_line::Column::Kind.eq(Kind::Ticket.as_str()))
        .all(txn)
        .await?;
    if lines.is_empty() {
        return Ok(());
    }
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(lines.iter().map(|line| line.product_id)))
        .all(txn)
        .await?;
    let held: Vec<(product::Model, i32)> = lines
        .iter()
        .filter_map(|line| {
            let product = products.iter().find(|p| p.id == line.product_id)?;
            Some((product.clone(), line.quantity))
        })
        .collect();
    give_back(txn, &held).await
}

/// Whether an order awaiting payment is past its hold.
pub fn is_past_hold(order: &order::Model, now: DateTime<Utc>) -> bool {
    order.status == OrderStatus::AwaitingPayment.as_str() && order.expires_at.is_some_and(|at| at <= now)
}

/// Expires an unpaid order past its hold, in the caller's transaction: the status change
/// is conditional, so an order is expired once and its places given back once, and a
/// payment recorded at the same moment either came first or finds it expired. Answers
/// whether this call expired it.
pub async fn expire_in(txn: &impl ConnectionTrait, order: &order::Model) -> Result<bool, DbErr> {
    let now = Utc::now();
    let expired = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Expired.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Status.eq(OrderStatus::AwaitingPayment.as_str()))
        .filter(order::Column::ExpiresAt.lte(now))
        .exec(txn)
        .await?;
    if expired.rows_affected == 0 {
        return Ok(false);
    }
    give_back_order(txn, order.id).await?;
    vouchers::give_back(txn, order.id).await?;
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: order.merchant_id,
            event_type: "order.expired",
            subject_uid: &order.uid,
            self_path: format!("/orders/{}", order.uid),
            data: serde_json::json!({"uid": order.uid, "status": "expired", "order_uid": order.uid,
                                     "reference": order.reference, "expired_at": now.to_rfc3339()}),
        },
    )
    .await?;
    Ok(true)
}

/// The order as it stands now: one past its hold is expired first.
pub async fn settle(db: &DatabaseConnection, order: order::Model) -> Result<order::Model, DbErr> {
    if !is_past_hold(&order, Utc::now()) {
        return Ok(order);
    }
    let txn = begin_write(db).await?;
    expire_in(&txn, &order).await?;
    let current = order::Entity::find_by_id(order.id).one(&txn).await?;
    txn.commit().await?;
    Ok(current.unwrap_or(order))
}

/// Expires every order past its hold, a batch at a time; answers how many it expired.
pub async fn sweep(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let due: Vec<i64> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::Status.eq(OrderStatus::AwaitingPayment.as_str()))
        .filter(order::Column::ExpiresAt.lte(Utc::now()))
        .limit(500)
        .into_tuple()
        .all(db)
        .await?;
    let mut expired = 0;
    for id in due {
        let Some(order) = order::Entity::find_by_id(id).one(db).await? else {
            continue;
        };
        let txn = begin_write(db).await?;
        if expire_in(&txn, &order).await? {
            expired += 1;
        }
        txn.commit().await?;
    }
    Ok(expired)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(capacity: Option<i32>, held: i32) -> product::Model {
        product::Model {
            id: 1,
            uid: "p".into(),
            merchant_id: 1,
            sku: "T".into(),
            kind: "ticket".into(),
            title: "T".into(),
            isbn: None,
            format: "ticket".into(),
            protection: "none".into(),
            price_minor: 100,
            currency: "EUR".into(),
            price_includes_tax: true,
            available: true,
            max_per_order: 10,
            refund_days: 14,
            usage_limit_percent: 10,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            event_id: Some(1),
            capacity,
            held,
        }
    }

    fn event(capacity: i32, held: i32) -> event::Model {
        event::Model {
            id: 1,
            uid: "e".into(),
            merchant_id: 1,
            title: "E".into(),
            venue: "V".into(),
            starts_at: Utc::now(),
            ends_at: Utc::now(),
            time_zone: "UTC".into(),
            capacity,
            held,
            revocations: 0,
            cancelled_at: None,
            version: 1,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn the_lower_of_a_products_and_its_events_places_binds() {
        assert_eq!(
            places_left(&product(Some(100), 90), Some(&event(2000, 5))),
            Some(10)
        );
        assert_eq!(
            places_left(&product(Some(100), 0), Some(&event(2000, 1995))),
            Some(5)
        );
        assert_eq!(places_left(&product(None, 3), Some(&event(20, 20))), Some(0));
        assert_eq!(places_left(&product(None, 3), None), None);
    }
}
