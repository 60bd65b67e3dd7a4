//! A merchant withdraws a product (an event is cancelled): every paid order holding it gets
//! an event refund.

use std::collections::HashSet;

use chrono::Utc;
use entity::{merchant, order, order_line, refund_request};
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use super::{
    RefundError,
    lifecycle::{NewRequest, open},
    split::Split,
};
use crate::{
    db::begin_write,
    domain::status::{OrderStatus, RefundSource},
    effect::{self, Effect},
};

/// Withdraws a product (it can no longer be bought) and opens an event refund (full refund
/// by default) on every paid order holding it that has no open request, all in one
/// transaction. Returns how many requests were opened.
pub async fn withdraw_product(
    db: &DatabaseConnection,
    product: &entity::product::Model,
    reason: &str,
) -> Result<usize, DbErr> {
    let product_id = product.id;
    let txn = begin_write(db).await?;
    entity::product::Entity::update_many()
        .col_expr(entity::product::Column::Available, Expr::value(false))
        .col_expr(
            entity::product::Column::Version,
            Expr::col(entity::product::Column::Version).add(1),
        )
        .col_expr(entity::product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::product::Column::Id.eq(product_id))
        .exec(&txn)
        .await?;
    let order_ids: Vec<i64> = order_line::Entity::find()
        .filter(order_line::Column::ProductId.eq(product_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|line| line.order_id)
        .collect();
    let holders = order::Entity::find()
        .filter(order::Column::Id.is_in(order_ids))
        .filter(order::Column::Status.is_in([
            OrderStatus::Completed.as_str(),
            OrderStatus::PartiallyRefunded.as_str(),
        ]))
        .all(&txn)
        .await?;
    let open_already: HashSet<i64> = refund_request::Entity::find()
        .filter(refund_request::Column::OpenOrderId.is_in(holders.iter().map(|o| o.id)))
        .all(&txn)
        .await?
        .into_iter()
        .filter_map(|request| request.open_order_id)
        .collect();
    let offering: HashSet<i64> = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(holders.iter().map(|o| o.merchant_id)))
        .all(&txn)
        .await?
        .into_iter()
        .filter(|m| m.offers_change_order)
        .map(|m| m.id)
        .collect();
    let mut opened = 0;
    for order in holders.iter().filter(|o| !open_already.contains(&o.id)) {
        let request = NewRequest {
            source: RefundSource::EventRefund,
            split: Split::full_refund(offering.contains(&order.merchant_id)),
            keep_tickets: false,
            reason: Some(reason.to_owned()),
            bank_details: None,
        };
        match open(&txn, order, request).await {
            Ok(_) => opened += 1,
            Err(RefundError::Db(err)) => return Err(err),
            Err(_) => continue,
        }
    }
    effect::commit(txn, Effect::changed("products", &product.uid)).await?;
    Ok(opened)
}
