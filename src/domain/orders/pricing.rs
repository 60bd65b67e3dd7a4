//! Pricing a cart: the bill, the sale simulation that saves nothing.

use std::collections::HashSet;

use chrono::{NaiveDate, Utc};
use entity::{event, product, voucher};
use sea_orm::{ConnectionTrait, DbErr};

use super::cart::{Cart, CheckoutError, Field, Reason, Refusals};
use super::copies::CheckoutCopies;
use crate::domain::{
    catalogue::{self, Kind},
    events, holds,
    money::{Currency, Money},
    status::VoucherStatus,
    taxes::{self, PricedLine, TaxAmount},
    vouchers,
};

/// A priced line of a cart.
#[derive(Debug, Clone)]
pub struct PricedCartLine {
    pub product: product::Model,
    pub quantity: u32,
    pub priced: PricedLine,
    /// Places left for this product now, when places limit it.
    pub available: Option<i64>,
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

/// What the lines settle for the whole cart: its currency and its shop.
#[derive(Debug, Default)]
struct Settled {
    currency: Option<Currency>,
    merchant_id: Option<i64>,
    seen: HashSet<i64>,
}

/// Prices a cart without saving anything, from the database alone.
pub async fn price(db: &impl ConnectionTrait, cart: &Cart) -> Result<Bill, CheckoutError> {
    price_from(db, cart, None).await
}

/// Prices a cart without saving anything (the sale simulation), reading products and tax
/// rates from `copies` where they are fresh.
pub async fn price_with_copies(
    db: &impl ConnectionTrait,
    cart: &Cart,
    copies: &CheckoutCopies,
) -> Result<Bill, CheckoutError> {
    price_from(db, cart, Some(copies)).await
}

async fn price_from(
    db: &impl ConnectionTrait,
    cart: &Cart,
    copies: Option<&CheckoutCopies>,
) -> Result<Bill, CheckoutError> {
    let mut refusals = Refusals::default();
    let country = &cart.consumer.country;
    let country_taxes = match copies {
        Some(copies) => copies.taxes(db, country).await?,
        None => taxes::CountryTaxes::load(db, country).await?,
    };
    check_region(&country_taxes, cart, &mut refusals);
    let mut settled = Settled {
        currency: cart.currency,
        ..Settled::default()
    };
    let today = Utc::now().date_naive();
    let mut lines = Vec::new();
    for (index, line) in cart.lines.iter().enumerate() {
        let found = match (&line.product_uid, copies) {
            (Some(uid), Some(copies)) => copies.product(db, uid).await?,
            (Some(uid), None) => catalogue::find(db, uid).await?,
            (None, _) => None,
        };
        let Some(product) = found else {
            refusals.add(Field::Product(index), Reason::UnknownProduct);
            continue;
        };
        if !settled.seen.insert(product.id) {
            refusals.add(Field::Product(index), Reason::DuplicateProduct);
            continue;
        }
        let kind = check_line(&product, line.quantity, index, &mut settled, &mut refusals)?;
        let available = match holds::current_places(db, &product).await? {
            Some((counted, event)) => {
                check_places(&counted, event.as_ref(), line.quantity, index, &mut refusals)
            }
            None => None,
        };
        let mut priced = price_line(&country_taxes, cart, product, line.quantity, kind, today)?;
        priced.available = available;
        lines.push(priced);
    }
    let (Some(currency), Some(merchant_id)) = (settled.currency, settled.merchant_id) else {
        return Err(CheckoutError::Refused(refusals.0));
    };
    let sum = |f: &dyn Fn(&PricedCartLine) -> i64| lines.iter().map(f).sum::<i64>();
    let product_total = Money::from_minor(sum(&|l| l.priced.net.minor()), currency);
    let tax_total = Money::from_minor(sum(&|l| l.priced.tax_total().minor()), currency);
    let subtotal = sum(&|l| l.priced.total.minor());
    let used = apply_vouchers(db, cart, merchant_id, currency, subtotal, &mut refusals).await?;
    if !refusals.0.is_empty() {
        return Err(CheckoutError::Refused(refusals.0));
    }
    let remaining = subtotal - used.iter().map(|(_, applied)| applied.minor()).sum::<i64>();
    Ok(Bill {
        merchant_id,
        currency,
        taxes: taxes::sum_taxes(lines.iter().map(|l| l.priced.taxes.as_slice())),
        product_total,
        tax_total,
        voucher_total: Money::from_minor(subtotal - remaining, currency),
        grand_total: Money::from_minor(remaining, currency),
        vouchers: used,
        lines,
    })
}

/// Where taxes differ by region, the buyer must name one of the country's regions.
fn check_region(country_taxes: &taxes::CountryTaxes, cart: &Cart, refusals: &mut Refusals) {
    if let Some(regions) = country_taxes.region_missing(cart.consumer.region.as_deref()) {
        refusals.add(Field::Region, Reason::RegionRequired { regions });
    }
}

/// Checks that a found product can be sold in this quantity, from the cart's shop and in
/// its currency; answers the product's kind.
fn check_line(
    product: &product::Model,
    quantity: u32,
    index: usize,
    settled: &mut Settled,
    refusals: &mut Refusals,
) -> Result<Kind, DbErr> {
    if !product.available {
        refusals.add(Field::Product(index), Reason::CannotSell);
    }
    let kind = Kind::from_stored(&product.kind)?;
    let max = if kind == Kind::Ebook {
        1
    } else {
        product.max_per_order
    };
    if i64::from(quantity) > i64::from(max) {
        refusals.add(Field::Quantity(index), Reason::QuantityLimit { max, kind });
    }
    if *settled.merchant_id.get_or_insert(product.merchant_id) != product.merchant_id {
        refusals.add(Field::Product(index), Reason::OtherMerchant);
    }
    let product_currency = product_currency(product)?;
    match settled.currency {
        Some(expected) if expected != product_currency => refusals.add(
            Field::Product(index),
            Reason::CurrencyMismatch {
                expected,
                found: product.currency.clone(),
            },
        ),
        Some(_) => {}
        None => settled.currency = Some(product_currency),
    }
    Ok(kind)
}

fn product_currency(product: &product::Model) -> Result<Currency, DbErr> {
    product
        .currency
        .parse()
        .map_err(|_| DbErr::Type(format!("product {} has an unknown currency", product.uid)))
}

/// Places left for a line, refusing it when fewer are left than asked for, or when its
/// event is cancelled or over.
fn check_places(
    product: &product::Model,
    event: Option<&event::Model>,
    quantity: u32,
    index: usize,
    refusals: &mut Refusals,
) -> Option<i64> {
    if let Some(event) = event
        && !events::on_sale(event, Utc::now())
    {
        refusals.add(Field::Product(index), Reason::CannotSell);
        return Some(0);
    }
    let available = holds::places_left(product, event)?;
    if i64::from(quantity) > available {
        let limited = match (product.capacity, event) {
            (Some(capacity), _) if i64::from(capacity - product.held) <= available => {
                holds::Limited::Product {
                    uid: product.uid.clone(),
                    title: product.title.clone(),
                }
            }
            (_, Some(event)) => holds::Limited::Event {
                uid: event.uid.clone(),
                title: event.title.clone(),
            },
            _ => holds::Limited::Product {
                uid: product.uid.clone(),
                title: product.title.clone(),
            },
        };
        refusals.add(
            Field::Quantity(index),
            Reason::SoldOut {
                limited,
                left: available,
            },
        );
    }
    Some(available)
}

/// Prices one line with the taxes of the buyer's country and region for the product's kind.
fn price_line(
    country_taxes: &taxes::CountryTaxes,
    cart: &Cart,
    product: product::Model,
    quantity: u32,
    kind: Kind,
    today: NaiveDate,
) -> Result<PricedCartLine, DbErr> {
    let consumer = &cart.consumer;
    let rates = country_taxes.rates(consumer.region.as_deref(), kind, today)?;
    let priced = taxes::price_line(
        Money::from_minor(product.price_minor, product_currency(&product)?),
        quantity,
        product.price_includes_tax,
        &rates,
    );
    Ok(PricedCartLine {
        product,
        quantity,
        priced,
        available: None,
    })
}

/// Applies the cart's vouchers in order to what remains to pay; answers each used voucher
/// with the amount it pays.
async fn apply_vouchers(
    db: &impl ConnectionTrait,
    cart: &Cart,
    merchant_id: i64,
    currency: Currency,
    subtotal: i64,
    refusals: &mut Refusals,
) -> Result<Vec<(voucher::Model, Money)>, DbErr> {
    let mut remaining = subtotal;
    let mut used = Vec::new();
    let mut seen_codes = HashSet::new();
    for (index, code) in cart.vouchers.iter().enumerate() {
        let field = Field::Voucher(index);
        let normalised = vouchers::normalise(code);
        if !seen_codes.insert(normalised.clone()) {
            refusals.add(field, Reason::DuplicateVoucher);
            continue;
        }
        let voucher = vouchers::find(db, &normalised)
            .await?
            .filter(|voucher| voucher.merchant_id == merchant_id);
        let Some(voucher) = voucher else {
            refusals.add(field, Reason::UnknownVoucher);
            continue;
        };
        if voucher.status != VoucherStatus::Active.as_str() {
            refusals.add(field, Reason::VoucherUsed);
            continue;
        }
        if voucher.currency != currency.code() {
            let found = voucher.currency.clone();
            refusals.add(
                field,
                Reason::VoucherCurrency {
                    expected: currency,
                    found,
                },
            );
            continue;
        }
        let applied = std::cmp::min(voucher.amount_minor, remaining);
        remaining -= applied;
        used.push((voucher, Money::from_minor(applied, currency)));
    }
    Ok(used)
}
