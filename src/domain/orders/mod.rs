//! Orders: pricing a cart (the bill), placing an order in one transaction, reading,
//! listing and cancelling. An order and its lines are written by [`builder`] alone, for
//! checkout and for the till.

pub mod builder;
mod cancelling;
mod cart;
pub mod changes;
mod copies;
mod placing;
mod pricing;
mod reading;

use crate::db::FindUnique;
use entity::{order, order_line};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};

use super::status::OrderStatus;
pub use builder::stored_taxes;
pub use cancelling::{CancelError, CancelRefusal, cancel};
pub use cart::{Cart, CartLine, CheckoutError, Consumer, Field, Reason, Refusal};
pub use copies::CheckoutCopies;
pub use placing::{Buyer, PlacedOrder, guest_customer_id, place};
pub use pricing::{Bill, PricedCartLine, price, price_with_copies};
pub use reading::{
    Contact, OrderDetails, OrderFilter, OrderPage, Owner, by_order, deliveries_of_orders, details, find,
    find_with_merchant, lines_of, lines_of_orders, list, page, placed_details, vouchers_of,
    vouchers_of_orders,
};

use super::money::Currency;

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
        .unique(db)
        .await
}

/// The order's currency.
pub fn currency_of(order: &order::Model) -> Result<Currency, DbErr> {
    order
        .currency
        .parse()
        .map_err(|_| DbErr::Type(format!("order {} has an unknown currency", order.uid)))
}
