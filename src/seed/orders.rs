//! Many completed orders at once, to see how halshop behaves on a large database
//! (`halshop dev-seed-orders N`). Rows go in with multi-row inserts, one transaction per
//! batch. The orders have lines and deliveries but no payments, and announce nothing: they
//! exist to be read and listed.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::{delivery, merchant, order, order_line, product};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::begin_write;
use crate::domain::{
    catalogue::Kind,
    ids, merchants,
    money::{Currency, Money},
    orders::{
        Consumer,
        builder::{Channel, NewLine, NewOrder, Totals, line_model},
    },
    status::{DeliveryStatus, OrderStatus},
    taxes::{self, PricedLine},
    vouchers,
};

/// Orders per multi-row insert and per transaction: 35 order columns × 500 stays under the
/// bind-parameter limits of SQLite (32 766) and PostgreSQL (65 535).
pub const BATCH: usize = 500;

/// What [`seed_orders`] wrote.
#[derive(Debug, Clone)]
pub struct SeededOrders {
    pub orders: u64,
    /// The `sub` of each customer the orders belong to.
    pub customers: Vec<String>,
    pub merchant: String,
    pub sku: String,
}

/// The one order every seeded order copies: the shop operator's first ebook, bought once by
/// a buyer in France, priced and taxed as a checkout would.
struct Template {
    merchant: merchant::Model,
    product: product::Model,
    currency: Currency,
    priced: PricedLine,
}

/// The `sub` of the `n`th seeded customer (from 1).
pub fn customer_sub(n: u32) -> String {
    format!("seed-customer-{n}")
}

/// Writes `count` completed orders shared in turn among `customers` customers. Seeds the demo
/// data first when the database has no merchant yet.
pub async fn seed_orders(db: &DatabaseConnection, count: u64, customers: u32) -> Result<SeededOrders, DbErr> {
    super::seed_if_empty(db).await?;
    if db.get_database_backend() == DbBackend::Sqlite {
        // The unique indexes on random codes (uid, reference, access code) take inserts all
        // over their pages: a page cache of 256 MiB instead of 2 keeps them in memory.
        db.execute_unprepared("PRAGMA cache_size = -262144").await?;
    }
    let template = template(db).await?;
    let subs: Vec<String> = (1..=customers.max(1)).map(customer_sub).collect();
    let started = Utc::now();
    let mut written = 0;
    while written < count {
        let size = (count - written).min(BATCH as u64);
        insert_batch(db, &template, &subs, written, size, count, started).await?;
        written += size;
    }
    Ok(SeededOrders {
        orders: count,
        customers: subs,
        merchant: template.merchant.name,
        sku: template.product.sku,
    })
}

async fn template(db: &DatabaseConnection) -> Result<Template, DbErr> {
    let merchant = merchants::shop_operator(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("a merchant".into()))?;
    let product = product::Entity::find()
        .filter(product::Column::MerchantId.eq(merchant.id))
        .filter(product::Column::Kind.eq(Kind::Ebook.as_str()))
        .order_by_asc(product::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound(format!("an ebook of {}", merchant.name)))?;
    let currency: Currency = product
        .currency
        .parse()
        .map_err(|_| DbErr::Type(format!("product {} has an unknown currency", product.uid)))?;
    let rates = taxes::rates_for(db, "FR", None, Kind::Ebook, Utc::now().date_naive()).await?;
    let unit = Money::from_minor(product.price_minor, currency);
    let priced = taxes::price_line(unit, 1, product.price_includes_tax, &rates);
    Ok(Template {
        merchant,
        product,
        currency,
        priced,
    })
}

impl Template {
    fn line(&self) -> NewLine<'_> {
        NewLine {
            product: &self.product,
            quantity: 1,
            unit_price: Money::from_minor(self.product.price_minor, self.currency),
            price_includes_tax: self.product.price_includes_tax,
            priced: self.priced.clone(),
            library_offer_id: None,
        }
    }

    /// An order of customer `sub`, placed and completed at `at`.
    fn order(&self, sub: &str, at: DateTime<Utc>) -> order::ActiveModel {
        let token = ids::new_secret("ot_");
        NewOrder {
            merchant: &self.merchant,
            status: OrderStatus::Completed,
            channel: Channel::Web,
            token: &token,
            customer_id: sub.to_owned(),
            customer_sub: Some(sub.to_owned()),
            consumer: Consumer {
                email: format!("{sub}@example.com"),
                first_name: "Seeded".into(),
                last_name: sub.to_owned(),
                country: "FR".into(),
                region: None,
            },
            external_reference: None,
            redirect_url: None,
            currency: self.currency,
            totals: Totals {
                product_total: self.priced.total,
                tax_total: self.priced.tax_total(),
                voucher_total: Money::from_minor(0, self.currency),
                grand_total: self.priced.total,
            },
            taxes: &self.priced.taxes,
            settled_at: Some(at),
            created_at: at,
            expires_at: None,
            library_id: None,
        }
        .active_model()
    }
}

/// Writes orders `first..first + size` of `count`, their lines and their deliveries in one
/// transaction. The orders are a second apart, the last one at `started`.
async fn insert_batch(
    db: &DatabaseConnection,
    template: &Template,
    subs: &[String],
    first: u64,
    size: u64,
    count: u64,
    started: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    let mut uids = Vec::with_capacity(size as usize);
    let orders: Vec<order::ActiveModel> = (first..first + size)
        .map(|index| {
            let sub = &subs[(index % subs.len() as u64) as usize];
            let at = started - Duration::seconds((count - 1 - index) as i64);
            let model = template.order(sub, at);
            if let Set(uid) = &model.uid {
                uids.push(uid.clone());
            }
            model
        })
        .collect();
    order::Entity::insert_many(orders)
        .exec_without_returning(&txn)
        .await?;
    let written: Vec<(i64, Option<String>)> = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .column(order::Column::CustomerSub)
        .filter(order::Column::Uid.is_in(uids))
        .into_tuple()
        .all(&txn)
        .await?;
    let line = template.line();
    let lines = written
        .iter()
        .map(|(order_id, _)| line_model(*order_id, 0, &line));
    order_line::Entity::insert_many(lines)
        .exec_without_returning(&txn)
        .await?;
    let line_ids: Vec<(i64, i64)> = order_line::Entity::find()
        .select_only()
        .column(order_line::Column::Id)
        .column(order_line::Column::OrderId)
        .filter(order_line::Column::OrderId.is_in(written.iter().map(|(id, _)| *id)))
        .into_tuple()
        .all(&txn)
        .await?;
    let owners: HashMap<i64, Option<String>> = written.into_iter().collect();
    let deliveries = line_ids.into_iter().map(|(line_id, order_id)| {
        let owner = owners.get(&order_id).cloned().flatten();
        delivery_model(order_id, line_id, template.product.id, owner, started)
    });
    delivery::Entity::insert_many(deliveries)
        .exec_without_returning(&txn)
        .await?;
    txn.commit().await
}

fn delivery_model(
    order_id: i64,
    order_line_id: i64,
    product_id: i64,
    owner_sub: Option<String>,
    at: DateTime<Utc>,
) -> delivery::ActiveModel {
    delivery::ActiveModel {
        uid: Set(ids::new_uid()),
        order_id: Set(order_id),
        order_line_id: Set(order_line_id),
        product_id: Set(product_id),
        unit: Set(0),
        access_code: Set(vouchers::random_code(10)),
        status: Set(DeliveryStatus::Active.as_str().into()),
        downloaded_at: Set(None),
        usage_percent: Set(0),
        owner_sub: Set(owner_sub),
        redeemed_at: Set(None),
        voided_at: Set(None),
        created_at: Set(at),
        ..Default::default()
    }
}
