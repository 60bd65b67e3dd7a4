//! Deliveries as they are shown: each with its order line and its order, loaded together
//! (one join, one batch query), never with a query per delivery.

use std::collections::HashMap;

use entity::{delivery, order, order_line};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, SelectTwo,
    sea_query::JoinType,
};

use super::{ids, status::DeliveryStatus};

/// A delivery and the order line it is a unit of.
pub type WithLine = (delivery::Model, order_line::Model);
/// A delivery, its order line and its order: everything its representation shows.
pub type Full = (delivery::Model, order_line::Model, order::Model);

/// Why a delivery has no file to download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotDownloadable {
    Voided,
    /// A ticket: there is no file.
    NoFile,
}

/// Whether a delivery's file can be downloaded: not voided, and a file (an ISBN, not a ticket).
pub fn downloadable(delivery: &delivery::Model, line: &order_line::Model) -> Result<(), NotDownloadable> {
    if delivery.status == DeliveryStatus::Voided.as_str() {
        return Err(NotDownloadable::Voided);
    }
    if line.isbn.is_none() || line.format == "ticket" {
        return Err(NotDownloadable::NoFile);
    }
    Ok(())
}

/// Whether a delivery's access code can still be redeemed: it has one and it is active.
pub fn redeemable(delivery: &delivery::Model) -> bool {
    !delivery.access_code.is_empty() && delivery.status == DeliveryStatus::Active.as_str()
}

fn with_line() -> SelectTwo<delivery::Entity, order_line::Entity> {
    let line_of = delivery::Entity::belongs_to(order_line::Entity)
        .from(delivery::Column::OrderLineId)
        .to(order_line::Column::Id);
    delivery::Entity::find()
        .join(JoinType::InnerJoin, line_of.into())
        .select_also(order_line::Entity)
}

fn complete(rows: Vec<(delivery::Model, Option<order_line::Model>)>) -> Vec<WithLine> {
    rows.into_iter()
        .filter_map(|(delivery, line)| line.map(|line| (delivery, line)))
        .collect()
}

/// The deliveries of an order with their lines, in issue order.
pub async fn of_order(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<WithLine>, DbErr> {
    let rows = with_line()
        .filter(delivery::Column::OrderId.eq(order_id))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await?;
    Ok(complete(rows))
}

/// The lines of an order and its deliveries with their lines, in one query (lines joined
/// to their deliveries): lines in position order, deliveries in issue order.
pub async fn lines_and_deliveries(
    db: &impl ConnectionTrait,
    order_id: i64,
) -> Result<(Vec<order_line::Model>, Vec<WithLine>), DbErr> {
    let deliveries_of = order_line::Entity::belongs_to(delivery::Entity)
        .from(order_line::Column::Id)
        .to(delivery::Column::OrderLineId);
    let rows = order_line::Entity::find()
        .join(JoinType::LeftJoin, deliveries_of.into())
        .select_also(delivery::Entity)
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await?;
    let mut lines: Vec<order_line::Model> = Vec::new();
    let mut deliveries: Vec<WithLine> = Vec::new();
    for (line, delivery) in rows {
        if let Some(delivery) = delivery {
            deliveries.push((delivery, line.clone()));
        }
        if lines.last().is_none_or(|last| last.id != line.id) {
            lines.push(line);
        }
    }
    deliveries.sort_by_key(|(delivery, _)| delivery.id);
    Ok((lines, deliveries))
}

/// One delivery by uid, with its line and order.
pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<Full>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let rows = with_line().filter(delivery::Column::Uid.eq(uid)).all(db).await?;
    Ok(with_orders(db, complete(rows)).await?.pop())
}

/// Adds its order to each delivery, in one query for them all. A delivery whose order is
/// gone is left out.
pub async fn with_orders(db: &impl ConnectionTrait, deliveries: Vec<WithLine>) -> Result<Vec<Full>, DbErr> {
    let order_ids: Vec<i64> = deliveries.iter().map(|(delivery, _)| delivery.order_id).collect();
    let orders: HashMap<i64, order::Model> = order::Entity::find()
        .filter(order::Column::Id.is_in(order_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|order| (order.id, order))
        .collect();
    Ok(deliveries
        .into_iter()
        .filter_map(|(delivery, line)| {
            let order = orders.get(&delivery.order_id).cloned();
            order.map(|order| (delivery, line, order))
        })
        .collect())
}

/// Adds their lines and orders to deliveries already loaded (a library), in two queries
/// for them all. A delivery whose line or order is gone is left out.
pub async fn complete_all(
    db: &impl ConnectionTrait,
    deliveries: Vec<delivery::Model>,
) -> Result<Vec<Full>, DbErr> {
    let line_ids: Vec<i64> = deliveries.iter().map(|delivery| delivery.order_line_id).collect();
    let lines: HashMap<i64, order_line::Model> = order_line::Entity::find()
        .filter(order_line::Column::Id.is_in(line_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|line| (line.id, line))
        .collect();
    let with_lines = deliveries
        .into_iter()
        .filter_map(|delivery| {
            let line = lines.get(&delivery.order_line_id).cloned();
            line.map(|line| (delivery, line))
        })
        .collect();
    with_orders(db, with_lines).await
}
