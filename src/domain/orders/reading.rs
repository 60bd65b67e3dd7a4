//! Reading orders: one order, its lines and vouchers, a page of an owner's orders, and what
//! a view of them needs, loaded in as few queries as possible.

use crate::db::{FindUnique, begin_snapshot};
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{delivery, merchant, order, order_line, voucher};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, sea_query::JoinType,
};

use super::PlacedOrder;
use crate::domain::{
    deliveries::{self, WithLine},
    ids,
    refunds::{self, Facts, Refundability},
    status::OrderStatus,
};

pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<order::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    order::Entity::find()
        .filter(order::Column::Uid.eq(uid))
        .unique(db)
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
    Ok(vouchers_of_orders(db, &[order_id])
        .await?
        .remove(&order_id)
        .unwrap_or_default())
}

/// The vouchers used by each of these orders, in one query.
pub async fn vouchers_of_orders(
    db: &impl ConnectionTrait,
    order_ids: &[i64],
) -> Result<HashMap<i64, Vec<voucher::Model>>, DbErr> {
    if order_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let found = voucher::Entity::find()
        .filter(voucher::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(voucher::Column::Id)
        .all(db)
        .await?;
    let used = found.into_iter().filter(|voucher| voucher.order_id.is_some());
    Ok(by_order(used, |voucher| voucher.order_id.unwrap_or_default()))
}

/// Rows grouped by the order they belong to, in the order given.
pub fn by_order<T>(rows: impl IntoIterator<Item = T>, order_id: impl Fn(&T) -> i64) -> HashMap<i64, Vec<T>> {
    let mut grouped: HashMap<i64, Vec<T>> = HashMap::new();
    for row in rows {
        grouped.entry(order_id(&row)).or_default().push(row);
    }
    grouped
}

/// The lines of each of these orders, in one query.
pub async fn lines_of_orders(
    db: &impl ConnectionTrait,
    order_ids: &[i64],
) -> Result<HashMap<i64, Vec<order_line::Model>>, DbErr> {
    let found = order_line::Entity::find()
        .filter(order_line::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(order_line::Column::Position)
        .all(db)
        .await?;
    Ok(by_order(found, |line| line.order_id))
}

/// The deliveries of each of these orders, in one query.
pub async fn deliveries_of_orders(
    db: &impl ConnectionTrait,
    order_ids: &[i64],
) -> Result<HashMap<i64, Vec<delivery::Model>>, DbErr> {
    let found = delivery::Entity::find()
        .filter(delivery::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await?;
    Ok(by_order(found, |delivery| delivery.order_id))
}

/// Whom a buyer contacts about an order: the merchant's customer service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: String,
    pub phone: String,
}

impl From<&merchant::Model> for Contact {
    fn from(merchant: &merchant::Model) -> Self {
        Contact {
            email: merchant.support_email.clone(),
            phone: merchant.support_phone.clone(),
        }
    }
}

/// Each of these merchants, in one query.
async fn merchants_of(
    db: &impl ConnectionTrait,
    merchant_ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, merchant::Model>, DbErr> {
    let mut ids: Vec<i64> = merchant_ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let found: HashMap<i64, merchant::Model> = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    match ids.iter().find(|id| !found.contains_key(id)) {
        Some(missing) => Err(DbErr::RecordNotFound(format!("merchant {missing} missing"))),
        None => Ok(found),
    }
}

/// What a view of one order shows besides the order itself.
#[derive(Debug, Clone)]
pub struct OrderDetails {
    pub lines: Vec<order_line::Model>,
    pub vouchers: Vec<voucher::Model>,
    pub contact: Contact,
    /// The deliveries of the order with their lines, in issue order.
    pub deliveries: Vec<WithLine>,
    /// Whether and how much it can be refunded now, and why.
    pub refundability: Refundability,
}

/// The order at `uid` with its merchant, in one query.
pub async fn find_with_merchant(
    db: &impl ConnectionTrait,
    uid: &str,
) -> Result<Option<(order::Model, merchant::Model)>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let merchant_of = order::Entity::belongs_to(merchant::Entity)
        .from(order::Column::MerchantId)
        .to(merchant::Column::Id);
    // `uid` is unique: no LIMIT, whose bound value would make SQLite prepare the
    // statement again at every execution.
    let found = order::Entity::find()
        .join(JoinType::InnerJoin, merchant_of.into())
        .select_also(merchant::Entity)
        .filter(order::Column::Uid.eq(uid))
        .all(db)
        .await?;
    Ok(found
        .into_iter()
        .next()
        .and_then(|(order, merchant)| merchant.map(|m| (order, m))))
}

/// Whether an order may have used vouchers. Every voucher used pays a part of what was
/// left to pay, so an order that still costs something and shows no voucher total used none.
pub fn may_have_vouchers(order: &order::Model) -> bool {
    order.voucher_total_minor != 0 || order.grand_total_minor == 0
}

/// Whether an order may have deliveries and refund requests: only a paid order has them
/// (deliveries are issued with the payment, refunds are asked for what was sold).
pub fn may_have_deliveries(order: &order::Model) -> bool {
    order.paid_at.is_some()
}

/// The lines, vouchers, deliveries and refund requests of an order whose merchant is
/// known, and what they make of its refunds: at most three queries side by side (lines
/// with their deliveries, refund requests, vouchers), none for what the order cannot have.
pub async fn details(
    db: &impl ConnectionTrait,
    order: &order::Model,
    merchant: &merchant::Model,
) -> Result<OrderDetails, DbErr> {
    let paid = may_have_deliveries(order);
    let ((lines, deliveries), vouchers, requests) = tokio::try_join!(
        async {
            match paid {
                true => deliveries::lines_and_deliveries(db, order.id).await,
                false => Ok((lines_of(db, order.id).await?, Vec::new())),
            }
        },
        async {
            match may_have_vouchers(order) {
                true => vouchers_of(db, order.id).await,
                false => Ok(Vec::new()),
            }
        },
        async {
            match paid {
                true => refunds::of_order(db, order.id).await,
                false => Ok(Vec::new()),
            }
        },
    )?;
    let issued: Vec<&delivery::Model> = deliveries.iter().map(|(delivery, _)| delivery).collect();
    let facts = Facts {
        order,
        merchant,
        lines: &lines,
        deliveries: &issued,
    };
    let refundability = Refundability::of(facts, &requests, Utc::now())?;
    Ok(OrderDetails {
        lines,
        vouchers,
        contact: merchant.into(),
        deliveries,
        refundability,
    })
}

/// What a view of an order just placed shows: its vouchers (one query, when it used any);
/// it has no deliveries and no refund requests yet.
pub async fn placed_details(db: &impl ConnectionTrait, placed: &PlacedOrder) -> Result<OrderDetails, DbErr> {
    let order = &placed.order;
    let merchant = &placed.merchant;
    let vouchers = match placed.used_vouchers {
        true => vouchers_of(db, order.id).await?,
        false => Vec::new(),
    };
    let facts = Facts {
        order,
        merchant,
        lines: &placed.lines,
        deliveries: &[],
    };
    Ok(OrderDetails {
        lines: placed.lines.clone(),
        vouchers,
        contact: merchant.into(),
        deliveries: Vec::new(),
        refundability: Refundability::of(facts, &[], Utc::now())?,
    })
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
    pub status: Option<OrderStatus>,
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

/// A page of orders with the vouchers of each, the customer service of their merchants and
/// what each can be refunded.
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub orders: Vec<order::Model>,
    pub item_count: u64,
    pub vouchers: HashMap<i64, Vec<voucher::Model>>,
    pub contacts: HashMap<i64, Contact>,
    /// By order id.
    pub refundability: HashMap<i64, Refundability>,
}

/// [`list`], with what the listing shows of each order, in five more queries (however many
/// orders there are), all in one read transaction: the seven queries run on one connection,
/// one after the other, instead of taking turns at the pool, and the count, the page and the
/// details of its orders are read from one snapshot, so they agree.
pub async fn page(
    db: &DatabaseConnection,
    owner: &Owner,
    filter: &OrderFilter,
    offset: u64,
    limit: u64,
) -> Result<OrderPage, DbErr> {
    let txn = begin_snapshot(db).await?;
    let found = page_in(&txn, owner, filter, offset, limit).await?;
    txn.commit().await?;
    Ok(found)
}

async fn page_in(
    db: &impl ConnectionTrait,
    owner: &Owner,
    filter: &OrderFilter,
    offset: u64,
    limit: u64,
) -> Result<OrderPage, DbErr> {
    let (orders, item_count) = list(db, owner, filter, offset, limit).await?;
    if orders.is_empty() {
        return Ok(OrderPage {
            orders,
            item_count,
            vouchers: HashMap::new(),
            contacts: HashMap::new(),
            refundability: HashMap::new(),
        });
    }
    let ids: Vec<i64> = orders.iter().map(|order| order.id).collect();
    let (vouchers, merchants, lines, deliveries, requests) = tokio::try_join!(
        vouchers_of_orders(db, &ids),
        merchants_of(db, orders.iter().map(|order| order.merchant_id)),
        lines_of_orders(db, &ids),
        deliveries_of_orders(db, &ids),
        refunds::of_orders(db, &ids),
    )?;
    let now = Utc::now();
    let mut refundability = HashMap::with_capacity(orders.len());
    for order in &orders {
        let merchant = merchants
            .get(&order.merchant_id)
            .ok_or_else(|| DbErr::RecordNotFound(format!("merchant {} missing", order.merchant_id)))?;
        let issued: Vec<&delivery::Model> = deliveries.get(&order.id).into_iter().flatten().collect();
        let facts = Facts {
            order,
            merchant,
            lines: lines.get(&order.id).map_or(&[], Vec::as_slice),
            deliveries: &issued,
        };
        let requests = requests.get(&order.id).map_or(&[][..], Vec::as_slice);
        refundability.insert(order.id, Refundability::of(facts, requests, now)?);
    }
    Ok(OrderPage {
        orders,
        item_count,
        vouchers,
        contacts: merchants.iter().map(|(id, m)| (*id, m.into())).collect(),
        refundability,
    })
}
