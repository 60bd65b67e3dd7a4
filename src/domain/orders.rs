//! Orders: pricing a cart (the bill), placing an order in one transaction, reading,
//! listing and cancelling.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use entity::{merchant, order, order_line, product, voucher};
use hmac::{Hmac, Mac};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};
use sha2::Sha256;

use super::{
    catalogue::{self, Kind},
    ids,
    money::{Currency, Money},
    secrets,
    taxes::{self, PricedLine, TaxAmount},
    vouchers,
};
use crate::db::begin_write;

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    AwaitingPayment,
    Paid,
    Completed,
    Cancelled,
    PartiallyRefunded,
    Refunded,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::AwaitingPayment,
        Status::Paid,
        Status::Completed,
        Status::Cancelled,
        Status::PartiallyRefunded,
        Status::Refunded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::AwaitingPayment => "awaiting_payment",
            Status::Paid => "paid",
            Status::Completed => "completed",
            Status::Cancelled => "cancelled",
            Status::PartiallyRefunded => "partially_refunded",
            Status::Refunded => "refunded",
        }
    }

    pub fn from_stored(text: &str) -> Result<Self, DbErr> {
        Status::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| DbErr::Type(format!("unknown order status {text:?}")))
    }
}

/// The buyer as the order names them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consumer {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// ISO 3166-1 alpha-2, upper case.
    pub country: String,
    /// ISO 3166-2 subdivision code without the country (`QC`), upper case.
    pub region: Option<String>,
}

/// One requested line: the product's uid (`None` when the URI names no product) and a
/// quantity already known to be positive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CartLine {
    pub product_uid: Option<String>,
    pub quantity: u32,
}

/// What the buyer asks for: the body of both the bill and the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cart {
    pub lines: Vec<CartLine>,
    pub consumer: Consumer,
    pub currency: Option<Currency>,
    pub vouchers: Vec<String>,
    pub external_reference: Option<String>,
    pub redirect_url: Option<String>,
}

/// Why a cart cannot be sold, for one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    UnknownProduct,
    DuplicateProduct,
    CannotSell,
    QuantityLimit { max: i32, kind: Kind },
    CurrencyMismatch { expected: Currency, found: String },
    OtherMerchant,
    RegionRequired { regions: Vec<String> },
    UnknownVoucher,
    VoucherUsed,
    VoucherCurrency { expected: Currency, found: String },
    DuplicateVoucher,
}

/// A refused field, with its JSON pointer into the request body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub path: String,
    pub reason: Reason,
}

#[derive(Debug)]
pub enum CheckoutError {
    Refused(Vec<Refusal>),
    Db(DbErr),
}

impl From<DbErr> for CheckoutError {
    fn from(err: DbErr) -> Self {
        CheckoutError::Db(err)
    }
}

/// A priced line of a cart.
#[derive(Debug, Clone)]
pub struct PricedCartLine {
    pub product: product::Model,
    pub quantity: u32,
    pub priced: PricedLine,
}

/// A priced cart: the bill.
#[derive(Debug, Clone)]
pub struct Bill {
    pub merchant_id: i64,
    pub currency: Currency,
    pub lines: Vec<PricedCartLine>,
    pub taxes: Vec<TaxAmount>,
    /// The products, excluding taxes.
    pub product_total: Money,
    pub tax_total: Money,
    /// Vouchers used, with the amount each pays.
    pub vouchers: Vec<(voucher::Model, Money)>,
    pub voucher_total: Money,
    /// What the buyer pays: products + taxes − vouchers.
    pub grand_total: Money,
}

fn refuse(refusals: &mut Vec<Refusal>, path: String, reason: Reason) {
    refusals.push(Refusal { path, reason });
}

/// Prices a cart without saving anything: the sale simulation.
pub async fn price(db: &impl ConnectionTrait, cart: &Cart) -> Result<Bill, CheckoutError> {
    let mut refusals = Vec::new();
    let regions = taxes::regions_of(db, &cart.consumer.country).await?;
    if !regions.is_empty() && !cart.consumer.region.as_ref().is_some_and(|r| regions.contains(r)) {
        refuse(
            &mut refusals,
            "/consumer/region".into(),
            Reason::RegionRequired { regions },
        );
    }
    let today = Utc::now().date_naive();
    let mut currency = cart.currency;
    let mut merchant_id = None;
    let mut seen = HashSet::new();
    let mut lines = Vec::new();
    for (index, line) in cart.lines.iter().enumerate() {
        let at = |field: &str| format!("/products/{index}/{field}");
        let found = match &line.product_uid {
            Some(uid) => catalogue::find(db, uid).await?,
            None => None,
        };
        let Some(product) = found else {
            refuse(&mut refusals, at("product"), Reason::UnknownProduct);
            continue;
        };
        if !seen.insert(product.id) {
            refuse(&mut refusals, at("product"), Reason::DuplicateProduct);
            continue;
        }
        if !product.available {
            refuse(&mut refusals, at("product"), Reason::CannotSell);
        }
        let kind = Kind::from_stored(&product.kind)?;
        let max = if kind == Kind::Ebook {
            1
        } else {
            product.max_per_order
        };
        if i64::from(line.quantity) > i64::from(max) {
            refuse(&mut refusals, at("quantity"), Reason::QuantityLimit { max, kind });
        }
        match *merchant_id.get_or_insert(product.merchant_id) == product.merchant_id {
            true => {}
            false => refuse(&mut refusals, at("product"), Reason::OtherMerchant),
        }
        let product_currency: Currency = product
            .currency
            .parse()
            .map_err(|_| DbErr::Type(format!("product {} has an unknown currency", product.uid)))?;
        match currency {
            Some(expected) if expected != product_currency => refuse(
                &mut refusals,
                at("product"),
                Reason::CurrencyMismatch {
                    expected,
                    found: product.currency.clone(),
                },
            ),
            Some(_) => {}
            None => currency = Some(product_currency),
        }
        let rates = taxes::rates_for(
            db,
            &cart.consumer.country,
            cart.consumer.region.as_deref(),
            kind,
            today,
        )
        .await?;
        let priced = taxes::price_line(
            Money::from_minor(product.price_minor, product_currency),
            line.quantity,
            product.price_includes_tax,
            &rates,
        );
        lines.push(PricedCartLine {
            product,
            quantity: line.quantity,
            priced,
        });
    }
    let (Some(currency), Some(merchant_id)) = (currency, merchant_id) else {
        return Err(CheckoutError::Refused(refusals));
    };
    let sum = |f: &dyn Fn(&PricedCartLine) -> i64| lines.iter().map(f).sum::<i64>();
    let product_total = Money::from_minor(sum(&|l| l.priced.net.minor()), currency);
    let tax_total = Money::from_minor(sum(&|l| l.priced.tax_total().minor()), currency);
    let subtotal = sum(&|l| l.priced.total.minor());

    let mut remaining = subtotal;
    let mut used = Vec::new();
    let mut seen_codes = HashSet::new();
    for (index, code) in cart.vouchers.iter().enumerate() {
        let path = format!("/vouchers/{index}");
        let normalised = vouchers::normalise(code);
        if !seen_codes.insert(normalised.clone()) {
            refuse(&mut refusals, path, Reason::DuplicateVoucher);
            continue;
        }
        let voucher = vouchers::find(db, &normalised)
            .await?
            .filter(|voucher| voucher.merchant_id == merchant_id);
        let Some(voucher) = voucher else {
            refuse(&mut refusals, path, Reason::UnknownVoucher);
            continue;
        };
        if voucher.status != "active" {
            refuse(&mut refusals, path, Reason::VoucherUsed);
            continue;
        }
        if voucher.currency != currency.code() {
            refuse(
                &mut refusals,
                path,
                Reason::VoucherCurrency {
                    expected: currency,
                    found: voucher.currency.clone(),
                },
            );
            continue;
        }
        let applied = std::cmp::min(voucher.amount_minor, remaining);
        remaining -= applied;
        used.push((voucher, Money::from_minor(applied, currency)));
    }
    if !refusals.is_empty() {
        return Err(CheckoutError::Refused(refusals));
    }
    let taxes = taxes::sum_taxes(lines.iter().map(|l| l.priced.taxes.as_slice()));
    Ok(Bill {
        merchant_id,
        currency,
        taxes,
        product_total,
        tax_total,
        voucher_total: Money::from_minor(subtotal - remaining, currency),
        grand_total: Money::from_minor(remaining, currency),
        vouchers: used,
        lines,
    })
}

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
}

/// The `customer_id` of a guest: a keyed hash of the lowercased e-mail address, the same
/// for the same person every time, and not reversible without the shop's key.
pub fn guest_customer_id(key: &str, email: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    mac.update(email.trim().to_lowercase().as_bytes());
    format!("guest_{}", &hex::encode(mac.finalize().into_bytes())[..32])
}

fn taxes_json(taxes: &[TaxAmount]) -> String {
    let list: Vec<serde_json::Value> = taxes
        .iter()
        .map(|t| serde_json::json!({"name": t.name, "rate": t.rate.to_string(), "amount_minor": t.amount.minor()}))
        .collect();
    serde_json::Value::Array(list).to_string()
}

/// Reads taxes stored by [`place`].
pub fn stored_taxes(json: &str, currency: Currency) -> Result<Vec<TaxAmount>, DbErr> {
    let list: Vec<serde_json::Value> =
        serde_json::from_str(json).map_err(|err| DbErr::Type(format!("stored taxes: {err}")))?;
    list.into_iter()
        .map(|tax| {
            let rate = tax["rate"]
                .as_str()
                .and_then(|r| rust_decimal::Decimal::from_str_exact(r).ok())
                .ok_or_else(|| DbErr::Type("stored tax without rate".into()))?;
            Ok(TaxAmount {
                name: tax["name"].as_str().unwrap_or_default().to_owned(),
                rate,
                amount: Money::from_minor(tax["amount_minor"].as_i64().unwrap_or_default(), currency),
            })
        })
        .collect()
}

/// Places an order: prices the cart, stores the order and its lines and uses the vouchers,
/// all in one transaction, so an order is never half-written and a voucher is never used
/// twice.
pub async fn place(
    db: &DatabaseConnection,
    cart: &Cart,
    buyer: &Buyer,
) -> Result<PlacedOrder, CheckoutError> {
    let guest_key = match buyer {
        Buyer::Guest => Some(secrets::get_or_create(db, secrets::CUSTOMER_ID_KEY).await?),
        Buyer::Customer { .. } => None,
    };
    let txn = begin_write(db).await?;
    let bill = price(&txn, cart).await?;
    let merchant = merchant::Entity::find_by_id(bill.merchant_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("merchant of the products".into()))?;
    let (customer_id, customer_sub) = match (buyer, guest_key) {
        (Buyer::Customer { sub }, _) => (sub.clone(), Some(sub.clone())),
        (Buyer::Guest, Some(key)) => (guest_customer_id(&key, &cart.consumer.email), None),
        (Buyer::Guest, None) => return Err(DbErr::Custom("guest key missing".into()).into()),
    };
    let token = ids::new_secret("ot_");
    let now = Utc::now();
    let order = order::ActiveModel {
        uid: Set(ids::new_uid()),
        reference: Set(vouchers::random_code(10)),
        merchant_id: Set(merchant.id),
        status: Set(Status::AwaitingPayment.as_str().into()),
        channel: Set("web".into()),
        token_hash: Set(ids::sha256_hex(&token)),
        transaction_id: Set(format!("tx_{}", ids::new_uid())),
        customer_id: Set(customer_id),
        customer_sub: Set(customer_sub),
        email: Set(cart.consumer.email.clone()),
        first_name: Set(cart.consumer.first_name.clone()),
        last_name: Set(cart.consumer.last_name.clone()),
        country: Set(cart.consumer.country.clone()),
        region: Set(cart.consumer.region.clone()),
        external_reference: Set(cart.external_reference.clone()),
        currency: Set(bill.currency.code().into()),
        product_total_minor: Set(bill.product_total.minor()),
        tax_total_minor: Set(bill.tax_total.minor()),
        voucher_total_minor: Set(bill.voucher_total.minor()),
        grand_total_minor: Set(bill.grand_total.minor()),
        refunded_total_minor: Set(0),
        taxes: Set(taxes_json(&bill.taxes)),
        sale_state: Set(merchant.sale_state.clone()),
        redirect_url: Set(cart.redirect_url.clone()),
        cancel_reason: Set(None),
        cancelled_at: Set(None),
        paid_at: Set(None),
        completed_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut lines = Vec::with_capacity(bill.lines.len());
    for (position, line) in bill.lines.iter().enumerate() {
        let product = &line.product;
        let stored = order_line::ActiveModel {
            order_id: Set(order.id),
            position: Set(position as i32),
            product_id: Set(product.id),
            product_uid: Set(product.uid.clone()),
            sku: Set(product.sku.clone()),
            title: Set(product.title.clone()),
            kind: Set(product.kind.clone()),
            isbn: Set(product.isbn.clone()),
            format: Set(product.format.clone()),
            protection: Set(product.protection.clone()),
            unit_price_minor: Set(product.price_minor),
            price_includes_tax: Set(product.price_includes_tax),
            quantity: Set(line.quantity as i32),
            net_minor: Set(line.priced.net.minor()),
            tax_minor: Set(line.priced.tax_total().minor()),
            total_minor: Set(line.priced.total.minor()),
            taxes: Set(taxes_json(&line.priced.taxes)),
            refund_days: Set(product.refund_days),
            usage_limit_percent: Set(product.usage_limit_percent),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        lines.push(stored);
    }
    for (index, (voucher, applied)) in bill.vouchers.iter().enumerate() {
        if !vouchers::redeem(&txn, voucher.id, order.id, *applied).await? {
            txn.rollback().await?;
            return Err(CheckoutError::Refused(vec![Refusal {
                path: format!("/vouchers/{index}"),
                reason: Reason::VoucherUsed,
            }]));
        }
    }
    txn.commit().await?;
    Ok(PlacedOrder { order, lines, token })
}

pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<order::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    order::Entity::find()
        .filter(order::Column::Uid.eq(uid))
        .one(db)
        .await
}

pub async fn lines_of(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<order_line::Model>, DbErr> {
    order_line::Entity::find()
        .filter(order_line::Column::OrderId.eq(order_id))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await
}

pub async fn vouchers_of(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<voucher::Model>, DbErr> {
    voucher::Entity::find()
        .filter(voucher::Column::OrderId.eq(order_id))
        .order_by_asc(voucher::Column::Id)
        .all(db)
        .await
}

/// Whose orders a listing shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Customer(String),
    Merchant(i64),
}

/// Filters of the order listing.
#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub status: Option<Status>,
    pub created_gte: Option<DateTime<Utc>>,
    pub created_lt: Option<DateTime<Utc>>,
    pub external_reference: Option<String>,
}

/// A page of an owner's orders, newest first, and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    owner: &Owner,
    filter: &OrderFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<order::Model>, u64), DbErr> {
    let mut condition = Condition::all();
    condition = match owner {
        Owner::Customer(sub) => condition.add(order::Column::CustomerSub.eq(sub.as_str())),
        Owner::Merchant(id) => condition.add(order::Column::MerchantId.eq(*id)),
    };
    if let Some(status) = filter.status {
        condition = condition.add(order::Column::Status.eq(status.as_str()));
    }
    if let Some(gte) = filter.created_gte {
        condition = condition.add(order::Column::CreatedAt.gte(gte));
    }
    if let Some(lt) = filter.created_lt {
        condition = condition.add(order::Column::CreatedAt.lt(lt));
    }
    if let Some(reference) = &filter.external_reference {
        condition = condition.add(order::Column::ExternalReference.eq(reference.as_str()));
    }
    let query = order::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(order::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}

/// Cancels an order that is still awaiting payment. The status condition is part of the
/// UPDATE, so a payment recorded at the same moment wins over the cancellation or loses
/// cleanly, never both.
pub async fn cancel(
    db: &impl ConnectionTrait,
    order: &order::Model,
    reason: &str,
) -> Result<Option<order::Model>, DbErr> {
    let now = Utc::now();
    let result = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(Status::Cancelled.as_str()))
        .col_expr(order::Column::CancelReason, Expr::value(reason))
        .col_expr(order::Column::CancelledAt, Expr::value(now))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Status.eq(Status::AwaitingPayment.as_str()))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(None);
    }
    order::Entity::find_by_id(order.id).one(db).await
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

    #[test]
    fn statuses_round_trip() {
        for status in Status::ALL {
            assert_eq!(Status::from_stored(status.as_str()).unwrap(), status);
        }
    }
}
