//! Orders: pricing a cart (the bill), placing an order in one transaction, reading,
//! listing and cancelling. An order and its lines are written by [`builder`] alone, for
//! checkout and for the till.

pub mod builder;
mod cancelling;
mod cart;
mod placing;
mod pricing;
mod reading;

use entity::{order, order_line};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::status::OrderStatus;
pub use builder::stored_taxes;
pub use cancelling::{CancelError, CancelRefusal, cancel};
pub use cart::{Cart, CartLine, CheckoutError, Consumer, Field, Reason, Refusal};
pub use placing::{Buyer, PlacedOrder, guest_customer_id, place};
pub use pricing::{Bill, PricedCartLine, price};
pub use reading::{
    Contact, OrderDetails, OrderFilter, OrderPage, Owner, contact_of, contacts_of, details, find,
    find_with_contact, lines_of, list, page, vouchers_of, vouchers_of_orders,
};

use super::money::{Currency, Money};

/// The order's status, read from its stored text.
pub fn status_of(order: &order::Model) -> Result<OrderStatus, DbErr> {
    OrderStatus::from_stored(&order.status)
}

/// The line at `position` (from 0) of an order, if the order has that many lines.
pub async fn line_at(
    db: &impl ConnectionTrait,
    order_id: i64,
    position: i32,
) -> Result<Option<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .filter(order_line::Column::Position.eq(position))
        .one(db)
        .await
}

/// The order's currency.
pub fn currency_of(order: &order::Model) -> Result<Currency, DbErr> {
    order
        .currency
        .parse()
        .map_err(|_| DbErr::Type(format!("order {} has an unknown currency", order.uid)))
}

/// What can still be refunded of an order: what was paid minus what was refunded, and
/// nothing before a payment is recorded. The one answer for the order, the refund bill
/// and refund eligibility.
pub fn refundable_amount(order: &order::Model) -> Result<Money, DbErr> {
    let currency = currency_of(order)?;
    let minor = if status_of(order)?.is_paid() {
        (order.grand_total_minor - order.refunded_total_minor).max(0)
    } else {
        0
    };
    Ok(Money::from_minor(minor, currency))
}
