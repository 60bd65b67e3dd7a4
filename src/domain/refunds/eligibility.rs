//! The rules of the sale cancellation: whether an order may be refunded now.

use chrono::{DateTime, Duration, Utc};
use entity::{delivery, merchant, order};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::{
    money::Money,
    orders::{self, refundable_amount},
    status::{DeliveryStatus, OrderStatus, RefundSource},
};

/// Why a refund cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ineligible {
    /// The shop has no right to refund sales.
    NotAllowed,
    /// The order was never paid: there is no sale.
    NoSale,
    AlreadyRefunded,
    /// A delivery was downloaded or redeemed: fulfilled by the end user.
    Fulfilled,
    TimeLimit {
        days: i32,
    },
    UsageLimit {
        percent: i32,
    },
    CostMismatch {
        refundable: Money,
    },
}

/// Checks every rule of the sale cancellation. Event refunds (the merchant withdrew the
/// product) skip the rules about the buyer's use, which do not apply to a cancelled event.
///
/// Run it in the write transaction of the change it allows (opening, approving, processing):
/// the deliveries it reads stay locked until that transaction ends, so that a download, a
/// redemption or a usage report cannot slip in between the check and the change.
pub async fn check_eligibility(
    db: &impl ConnectionTrait,
    order: &order::Model,
    merchant: &merchant::Model,
    source: RefundSource,
    stated: Option<Money>,
    now: DateTime<Utc>,
) -> Result<Result<(), Ineligible>, DbErr> {
    if !merchant.can_refund {
        return Ok(Err(Ineligible::NotAllowed));
    }
    match OrderStatus::from_stored(&order.status)? {
        OrderStatus::AwaitingPayment | OrderStatus::Cancelled | OrderStatus::Paid => {
            return Ok(Err(Ineligible::NoSale));
        }
        OrderStatus::Refunded => return Ok(Err(Ineligible::AlreadyRefunded)),
        OrderStatus::Completed | OrderStatus::PartiallyRefunded => {}
    }
    let refundable = refundable_amount(order)?;
    if refundable.minor() == 0 {
        return Ok(Err(Ineligible::AlreadyRefunded));
    }
    if let Some(stated) = stated
        && stated != refundable
    {
        return Ok(Err(Ineligible::CostMismatch { refundable }));
    }
    if source == RefundSource::EventRefund {
        return Ok(Ok(()));
    }
    check_use(db, order, now).await
}

/// The rules about what the buyer did with the order: nothing downloaded or redeemed,
/// within the refund days, under the usage limit.
async fn check_use(
    db: &impl ConnectionTrait,
    order: &order::Model,
    now: DateTime<Utc>,
) -> Result<Result<(), Ineligible>, DbErr> {
    let deliveries = deliveries_locked(db, order.id).await?;
    if deliveries
        .iter()
        .any(|d| d.downloaded_at.is_some() || d.status == DeliveryStatus::Redeemed.as_str())
    {
        return Ok(Err(Ineligible::Fulfilled));
    }
    let lines = orders::lines_of(db, order.id).await?;
    let sold_at = order.completed_at.unwrap_or(order.created_at);
    if let Some(days) = lines.iter().map(|l| l.refund_days).min()
        && now > sold_at + Duration::days(i64::from(days))
    {
        return Ok(Err(Ineligible::TimeLimit { days }));
    }
    for delivery in &deliveries {
        if let Some(line) = lines.iter().find(|l| l.id == delivery.order_line_id)
            && delivery.usage_percent > line.usage_limit_percent
        {
            return Ok(Err(Ineligible::UsageLimit {
                percent: line.usage_limit_percent,
            }));
        }
    }
    Ok(Ok(()))
}

/// The order's deliveries, read `FOR UPDATE` on PostgreSQL: a concurrent download (or
/// redemption, or usage report) waits for the caller's transaction and then sees what it
/// did. SQLite has no row locks and needs none: its write transactions run one at a time.
async fn deliveries_locked(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<delivery::Model>, DbErr> {
    delivery::Entity::find()
        .filter(delivery::Column::OrderId.eq(order_id))
        .order_by_asc(delivery::Column::Id)
        .lock_exclusive()
        .all(db)
        .await
}
