//! The rules of the sale cancellation: whether an order may be refunded now.

use chrono::{DateTime, Duration, Utc};
use entity::{merchant, order};
use sea_orm::{ConnectionTrait, DbErr};

use crate::domain::{
    money::Money,
    orders::{self, refundable_amount},
    sales,
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
    let deliveries = sales::deliveries_of(db, order.id).await?;
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
