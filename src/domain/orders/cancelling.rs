//! Cancelling an order that awaits payment: its vouchers are given back.

use crate::db::FindUnique;
use chrono::Utc;
use entity::order;
use sea_orm::{
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use crate::{
    db::begin_write,
    domain::{holds, status::OrderStatus, vouchers},
    effect::{self, Effect},
};

/// Why an order cannot be cancelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelRefusal {
    AlreadyCancelled,
    /// A payment was recorded: a refund is the way back.
    Paid,
    /// The order changed while it was being cancelled; a retry may succeed.
    ChangedConcurrently,
    /// The order expired unpaid: its places were already given back.
    Expired,
}

#[derive(Debug)]
pub enum CancelError {
    Refused(CancelRefusal),
    Db(DbErr),
}

impl From<DbErr> for CancelError {
    fn from(err: DbErr) -> Self {
        CancelError::Db(err)
    }
}

/// Cancels an order that is still awaiting payment and gives back the vouchers it used and
/// the ticket places it holds, in one transaction. The status condition is part of the UPDATE, so a payment recorded at the
/// same moment wins over the cancellation or loses cleanly, never both; a refused
/// cancellation changes nothing.
pub async fn cancel(
    db: &DatabaseConnection,
    order: &order::Model,
    reason: &str,
) -> Result<order::Model, CancelError> {
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let result = order::Entity::update_many()
        .col_expr(
            order::Column::Status,
            Expr::value(OrderStatus::Cancelled.as_str()),
        )
        .col_expr(order::Column::CancelReason, Expr::value(reason))
        .col_expr(order::Column::CancelledAt, Expr::value(now))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Status.eq(OrderStatus::AwaitingPayment.as_str()))
        .exec(&txn)
        .await?;
    let current = order::Entity::find_by_id(order.id).unique(&txn).await?;
    if result.rows_affected == 0 {
        let status = current
            .as_ref()
            .map_or(order.status.as_str(), |o| o.status.as_str());
        return Err(CancelError::Refused(refusal(OrderStatus::from_stored(status)?)));
    }
    // Places before vouchers, in the order every transaction takes these rows.
    holds::give_back_order(&txn, order.id).await?;
    vouchers::give_back(&txn, order.id).await?;
    let cancelled = current.ok_or_else(|| DbErr::RecordNotFound(format!("order {} vanished", order.uid)))?;
    effect::commit(txn, Effect::changed("orders", &order.uid)).await?;
    Ok(cancelled)
}

/// Why an order in this status was not cancelled.
fn refusal(status: OrderStatus) -> CancelRefusal {
    match status {
        OrderStatus::Cancelled => CancelRefusal::AlreadyCancelled,
        OrderStatus::Expired => CancelRefusal::Expired,
        OrderStatus::AwaitingPayment => CancelRefusal::ChangedConcurrently,
        _ => CancelRefusal::Paid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refusal_names_why_from_the_status_found() {
        assert_eq!(refusal(OrderStatus::Cancelled), CancelRefusal::AlreadyCancelled);
        assert_eq!(refusal(OrderStatus::Refunded), CancelRefusal::Paid);
        assert_eq!(
            refusal(OrderStatus::AwaitingPayment),
            CancelRefusal::ChangedConcurrently
        );
    }
}
