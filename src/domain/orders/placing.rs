//! Placing an order: price the cart, write the order and use its vouchers, at once.

use crate::db::FindUnique;
use chrono::Utc;
use entity::{merchant, order, order_line, product};
use hmac::{Hmac, Mac};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect,
};
use sha2::Sha256;

use super::{
    builder::{Channel, NewLine, NewOrder, Totals},
    cart::{Cart, CheckoutError, Field, Reason, Refusal},
    copies::CheckoutCopies,
    pricing::{Bill, price, price_with_copies},
};
use crate::db::begin_write;
use crate::domain::{holds, ids, money::Money, status::OrderStatus, vouchers};
use crate::effect::{self, Effect};

/// Who places an order: a logged-in customer (their `sub`) or a guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Buyer {
    Customer { sub: String },
    Guest,
}

/// An order just placed, with its token: shown once, never stored.
#[derive(Debug, Clone)]
pub struct PlacedOrder {
    pub order: order::Model,
    pub lines: Vec<order_line::Model>,
    pub token: String,
    /// The shop it was placed with.
    pub merchant: merchant::Model,
    /// Whether it used vouchers.
    pub used_vouchers: bool,
    /// Whether it holds places of an event or of a limited product: what anonymous readers
    /// see of those products changed.
    pub holds_places: bool,
}

/// The `customer_id` of a guest: a keyed hash of the lowercased e-mail address, the same
/// for the same person every time, and not reversible without the shop's key.
pub fn guest_customer_id(key: &str, email: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(email.trim().to_lowercase().as_bytes());
    format!("guest_{}", &hex::encode(mac.finalize().into_bytes())[..32])
}

/// Places an order: prices the cart, stores the order and its lines and uses the vouchers,
/// all in one transaction, so an order is never half-written and a voucher is never used
/// twice. The cart is priced before the write lock is taken, so that writers queue for
/// less time; inside it, the bill stands only if none of its products changed since (one
/// query), and is priced again otherwise. Vouchers are used by a conditional update.
///
/// Ticket places are taken in the same transaction by conditional updates: when fewer are
/// left than asked for, nothing is written. An order holding places carries `expires_at`,
/// `hold` from now: unpaid by then, it expires and its places go back on sale.
pub async fn place(
    db: &DatabaseConnection,
    cart: &Cart,
    buyer: &Buyer,
    copies: &CheckoutCopies,
    hold: chrono::Duration,
) -> Result<PlacedOrder, CheckoutError> {
    let (customer_id, customer_sub) = match buyer {
        Buyer::Customer { sub } => (sub.clone(), Some(sub.clone())),
        Buyer::Guest => {
            let key = copies.customer_id_key(db).await?;
            (guest_customer_id(&key, &cart.consumer.email), None)
        }
    };
    let priced = price_with_copies(db, cart, copies).await?;
    let txn = begin_write(db).await?;
    let bill = if products_unchanged(&txn, &priced).await? {
        priced
    } else {
        price(&txn, cart).await?
    };
    let merchant = merchant::Entity::find_by_id(bill.merchant_id)
        .unique(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("merchant of the products".into()))?;
    let token = ids::new_secret("ot_");
    let now = Utc::now();
    let holds_places = bill.lines.iter().any(|line| holds::counts_places(&line.product));
    let (order, lines) = NewOrder {
        merchant: &merchant,
        status: OrderStatus::AwaitingPayment,
        channel: Channel::Web,
        token: &token,
        customer_id,
        customer_sub,
        consumer: cart.consumer.clone(),
        external_reference: cart.external_reference.clone(),
        redirect_url: cart.redirect_url.clone(),
        currency: bill.currency,
        totals: totals(&bill),
        taxes: &bill.taxes,
        settled_at: None,
        created_at: now,
        expires_at: holds_places.then(|| now + hold),
        library_id: None,
    }
    .insert(&txn, &new_lines(&bill))
    .await?;
    let wanted: Vec<(&product::Model, u32)> = bill.lines.iter().map(|l| (&l.product, l.quantity)).collect();
    if let Err(sold_out) = holds::take(&txn, &wanted).await? {
        txn.rollback().await?;
        return Err(sold_out_refusal(cart, &bill, sold_out));
    }
    for (index, (voucher, applied)) in bill.vouchers.iter().enumerate() {
        if !vouchers::redeem(&txn, voucher.id, order.id, *applied).await? {
            txn.rollback().await?;
            return Err(CheckoutError::Refused(vec![Refusal {
                field: Field::Voucher(index),
                reason: Reason::VoucherUsed,
            }]));
        }
    }
    effect::commit(txn, Effect::created("orders", &order.uid)).await?;
    Ok(PlacedOrder {
        order,
        lines,
        token,
        merchant,
        used_vouchers: !bill.vouchers.is_empty(),
        holds_places,
    })
}

/// The refusal of a cart whose line asks for more places than are left.
fn sold_out_refusal(cart: &Cart, bill: &Bill, sold_out: holds::SoldOut) -> CheckoutError {
    let index = bill
        .lines
        .iter()
        .position(|line| line.product.id == sold_out.product_id)
        .and_then(|at| cart_index(cart, &bill.lines[at].product.uid))
        .unwrap_or_default();
    CheckoutError::Refused(vec![Refusal {
        field: Field::Quantity(index),
        reason: Reason::SoldOut {
            limited: sold_out.limited,
            left: sold_out.left,
        },
    }])
}

/// Where a product is in the cart as the buyer sent it.
fn cart_index(cart: &Cart, product_uid: &str) -> Option<usize> {
    cart.lines
        .iter()
        .position(|line| line.product_uid.as_deref() == Some(product_uid))
}

/// Whether every product of the bill is still at the version it was priced at.
async fn products_unchanged(db: &impl ConnectionTrait, bill: &Bill) -> Result<bool, DbErr> {
    let ids = bill.lines.iter().map(|line| line.product.id);
    let current: Vec<(i64, i32)> = product::Entity::find()
        .select_only()
        .column(product::Column::Id)
        .column(product::Column::Version)
        .filter(product::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await?;
    Ok(current.len() == bill.lines.len()
        && bill.lines.iter().all(|line| {
            current
                .iter()
                .any(|&(id, version)| id == line.product.id && version == line.product.version)
        }))
}

fn totals(bill: &Bill) -> Totals {
    Totals {
        product_total: bill.product_total,
        tax_total: bill.tax_total,
        voucher_total: bill.voucher_total,
        grand_total: bill.grand_total,
    }
}

fn new_lines(bill: &Bill) -> Vec<NewLine<'_>> {
    bill.lines
        .iter()
        .map(|line| NewLine {
            product: &line.product,
            quantity: line.quantity,
            unit_price: Money::from_minor(line.product.price_minor, bill.currency),
            price_includes_tax: line.product.price_includes_tax,
            priced: line.priced.clone(),
            library_offer_id: None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_guest_keeps_one_customer_id_whatever_the_case_of_the_email() {
        let a = guest_customer_id("key", "Alice@Example.com");
        assert_eq!(a, guest_customer_id("key", " alice@example.com "));
        assert_ne!(a, guest_customer_id("key", "bob@example.com"));
        assert_ne!(a, guest_customer_id("other key", "alice@example.com"));
        assert!(!a.contains("alice"));
    }
}
