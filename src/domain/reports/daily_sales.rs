//! The daily sales summary of one merchant, per currency and product, for one local day.
//!
//! What counts on a day `[starts_at, ends_at)` of the merchant's time zone:
//! - **sales**: the lines of the merchant's orders whose payment was taken (`paid_at`: the
//!   sandbox or provider capture, or the till's sale) in the day, whatever happened to the
//!   order since. `units_sold` is the lines' quantity, `gross` what the buyer was charged
//!   for them, taxes included (the line total, before any store-credit voucher the buyer
//!   paid with: a voucher is a means of payment, not a discount), and `taxes` the line
//!   taxes summed by name;
//! - **refunds**: the provider refunds (`type: psp`) created in the day, and the till
//!   voids made in the day (a void gives the whole purchase back), whatever day the sale
//!   was on;
//! - **voucher refunds**: the refunds paid as a voucher (`type: voucher`) created in the
//!   day.
//!
//! A refund is spread over its order's lines in proportion to their totals, exactly as the
//! refund's `by_tickets` breakdown is, so that the products' amounts add up to the refund
//! to the cent. `net` is `gross − refunds − voucher_refunds`.

use std::collections::{BTreeMap, HashMap};

use entity::{merchant, order, order_line, refund, store_transaction};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

use super::zone::Day;
use crate::domain::{
    money::{Currency, Money},
    orders::{self, builder::stored_taxes},
    refunds::by_lines,
    status::RefundType,
};

/// The figures of one product (or the totals of a currency), in minor units.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProductSales {
    pub product_uid: String,
    pub sku: String,
    pub title: String,
    pub units_sold: i64,
    pub gross: i64,
    /// Tax name → amount.
    pub taxes: BTreeMap<String, i64>,
    pub refunds: i64,
    pub voucher_refunds: i64,
}

impl ProductSales {
    pub fn net(&self) -> i64 {
        self.gross - self.refunds - self.voucher_refunds
    }

    fn add(&mut self, other: &ProductSales) {
        self.units_sold += other.units_sold;
        self.gross += other.gross;
        for (name, amount) in &other.taxes {
            *self.taxes.entry(name.clone()).or_default() += amount;
        }
        self.refunds += other.refunds;
        self.voucher_refunds += other.voucher_refunds;
    }
}

/// The products of one currency, by SKU, and their totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrencySales {
    pub currency: Currency,
    pub products: Vec<ProductSales>,
    pub totals: ProductSales,
}

impl CurrencySales {
    pub fn money(&self, minor: i64) -> Money {
        Money::from_minor(minor, self.currency)
    }
}

/// A merchant's day: one entry per currency that had a sale or a refund, by currency code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailySales {
    pub day: Day,
    pub currencies: Vec<CurrencySales>,
}

impl DailySales {
    /// Every tax name of the day, in order: the tax columns of the CSV.
    pub fn tax_names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .currencies
            .iter()
            .flat_map(|c| c.totals.taxes.keys().cloned())
            .collect();
        names.sort();
        names.dedup();
        names
    }
}

type Figures = HashMap<(String, String), ProductSales>;

/// How many of a day's orders are read at a time: a festival's on-sale day may have hundreds
/// of thousands, more than a query may name and more than should sit in memory at once.
const ORDERS_AT_ONCE: u64 = 2_000;

/// The daily sales of `merchant` on `day`, of one currency or of all.
pub async fn daily_sales(
    db: &impl ConnectionTrait,
    merchant: &merchant::Model,
    day: &Day,
    currency: Option<Currency>,
) -> Result<DailySales, DbErr> {
    let mut figures = Figures::new();
    let mut after = 0;
    loop {
        let paid = order::Entity::find()
            .filter(order::Column::MerchantId.eq(merchant.id))
            .filter(order::Column::PaidAt.gte(day.starts_at))
            .filter(order::Column::PaidAt.lt(day.ends_at))
            .filter(order::Column::Id.gt(after))
            .filter(currency_filter(currency))
            .order_by_asc(order::Column::Id)
            .limit(ORDERS_AT_ONCE)
            .all(db)
            .await?;
        let Some(last) = paid.last() else { break };
        after = last.id;
        let ids: Vec<i64> = paid.iter().map(|o| o.id).collect();
        let lines = orders::lines_of_orders(db, &ids).await?;
        for order in &paid {
            for line in lines.get(&order.id).into_iter().flatten() {
                count_sale(&mut figures, order, line)?;
            }
        }
    }
    count_refunds(db, merchant, day, currency, &mut figures).await?;
    let mut currencies = by_currency(figures)?;
    if let Some(currency) = currency
        && currencies.is_empty()
    {
        currencies.push(CurrencySales {
            currency,
            products: Vec::new(),
            totals: ProductSales::default(),
        });
    }
    Ok(DailySales {
        day: *day,
        currencies,
    })
}

fn currency_filter(currency: Option<Currency>) -> Condition {
    match currency {
        Some(currency) => Condition::all().add(order::Column::Currency.eq(currency.code())),
        None => Condition::all(),
    }
}

fn entry<'a>(figures: &'a mut Figures, currency: &str, line: &order_line::Model) -> &'a mut ProductSales {
    figures
        .entry((currency.to_owned(), line.product_uid.clone()))
        .or_insert_with(|| ProductSales {
            product_uid: line.product_uid.clone(),
            sku: line.sku.clone(),
            title: line.title.clone(),
            ..Default::default()
        })
}

fn count_sale(figures: &mut Figures, order: &order::Model, line: &order_line::Model) -> Result<(), DbErr> {
    let currency = orders::currency_of(order)?;
    let taxes = stored_taxes(&line.taxes, currency)?;
    let product = entry(figures, &order.currency, line);
    product.units_sold += i64::from(line.quantity);
    product.gross += line.total_minor;
    for tax in taxes {
        *product.taxes.entry(tax.name).or_default() += tax.amount.minor();
    }
    Ok(())
}

/// One amount given back on an order in the day.
struct GivenBack {
    order_id: i64,
    minor: i64,
    voucher: bool,
}

/// The refunds and till voids of the day, spread over the lines of their orders.
async fn count_refunds(
    db: &impl ConnectionTrait,
    merchant: &merchant::Model,
    day: &Day,
    currency: Option<Currency>,
    figures: &mut Figures,
) -> Result<(), DbErr> {
    let merchant_orders = Query::select()
        .column(order::Column::Id)
        .from(order::Entity)
        .and_where(Expr::col(order::Column::MerchantId).eq(merchant.id))
        .to_owned();
    let refunds = refund::Entity::find()
        .filter(refund::Column::CreatedAt.gte(day.starts_at))
        .filter(refund::Column::CreatedAt.lt(day.ends_at))
        .filter(refund::Column::OrderId.in_subquery(merchant_orders.clone()))
        .all(db)
        .await?;
    let voids = store_transaction::Entity::find()
        .filter(store_transaction::Column::Kind.eq("refund"))
        .filter(store_transaction::Column::CreatedAt.gte(day.starts_at))
        .filter(store_transaction::Column::CreatedAt.lt(day.ends_at))
        .filter(store_transaction::Column::OrderId.in_subquery(merchant_orders))
        .all(db)
        .await?;
    let mut given: Vec<GivenBack> = refunds
        .iter()
        .map(|r| GivenBack {
            order_id: r.order_id,
            minor: r.amount_minor,
            voucher: r.kind == RefundType::Voucher.as_str(),
        })
        .collect();
    let void_orders: Vec<i64> = voids.iter().filter_map(|v| v.order_id).collect();
    let mut order_ids: Vec<i64> = given
        .iter()
        .map(|g| g.order_id)
        .chain(void_orders.iter().copied())
        .collect();
    order_ids.sort_unstable();
    order_ids.dedup();
    // An event called off refunds a whole day's tickets: its orders are read a batch at a time.
    let mut found: HashMap<i64, order::Model> = HashMap::with_capacity(order_ids.len());
    let mut lines = HashMap::with_capacity(order_ids.len());
    for batch in order_ids.chunks(ORDERS_AT_ONCE as usize) {
        let orders = order::Entity::find()
            .filter(order::Column::Id.is_in(batch.iter().copied()))
            .filter(currency_filter(currency))
            .all(db)
            .await?;
        found.extend(orders.into_iter().map(|o| (o.id, o)));
        lines.extend(orders::lines_of_orders(db, batch).await?);
    }
    for order_id in void_orders {
        if let Some(order) = found.get(&order_id) {
            given.push(GivenBack {
                order_id,
                minor: order.grand_total_minor,
                voucher: false,
            });
        }
    }
    for back in given {
        let (Some(order), Some(lines)) = (found.get(&back.order_id), lines.get(&back.order_id)) else {
            continue;
        };
        let amount = Money::from_minor(back.minor, orders::currency_of(order)?);
        for (line, (_, share)) in lines.iter().zip(by_lines(lines, amount)) {
            let product = entry(figures, &order.currency, line);
            if back.voucher {
                product.voucher_refunds += share.minor();
            } else {
                product.refunds += share.minor();
            }
        }
    }
    Ok(())
}

fn by_currency(figures: Figures) -> Result<Vec<CurrencySales>, DbErr> {
    let mut grouped: BTreeMap<String, Vec<ProductSales>> = BTreeMap::new();
    for ((currency, _), product) in figures {
        grouped.entry(currency).or_default().push(product);
    }
    grouped
        .into_iter()
        .map(|(code, mut products)| {
            let currency: Currency = code
                .parse()
                .map_err(|_| DbErr::Type(format!("an order has the unknown currency {code}")))?;
            products
                .sort_by(|a, b| (&a.sku, &a.title, &a.product_uid).cmp(&(&b.sku, &b.title, &b.product_uid)));
            let mut totals = ProductSales::default();
            for product in &products {
                totals.add(product);
            }
            Ok(CurrencySales {
                currency,
                products,
                totals,
            })
        })
        .collect()
}
