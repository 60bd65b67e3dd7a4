//! Reading orders: one order, its lines and vouchers, a page of an owner's orders, and what
//! a view of them needs, loaded in as few queries as possible.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{merchant, order, order_line, voucher};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::JoinType,
};

use crate::domain::{
    deliveries::{self, WithLine},
    ids,
    status::OrderStatus,
};

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
    let mut by_order: HashMap<i64, Vec<voucher::Model>> = HashMap::new();
    if order_ids.is_empty() {
        return Ok(by_order);
    }
    let found = voucher::Entity::find()
        .filter(voucher::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(voucher::Column::Id)
        .all(db)
        .await?;
    for voucher in found {
        if let Some(order_id) = voucher.order_id {
            by_order.entry(order_id).or_default().push(voucher);
        }
    }
    Ok(by_order)
}

/// Whom a buyer contacts about an order: the merchant's customer service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    pub email: String,
    pub phone: String,
}

/// The customer service of each of these merchants, in one query.
pub async fn contacts_of(
    db: &impl ConnectionTrait,
    merchant_ids: impl IntoIterator<Item = i64>,
) -> Result<HashMap<i64, Contact>, DbErr> {
    let mut ids: Vec<i64> = merchant_ids.into_iter().collect();
    ids.sort_unstable();
    ids.dedup();
    let found = merchant::Entity::find()
        .filter(merchant::Column::Id.is_in(ids.iter().copied()))
        .all(db)
        .await?;
    let contacts: HashMap<i64, Contact> = found
        .into_iter()
        .map(|m| {
            let contact = Contact {
                email: m.support_email,
                phone: m.support_phone,
            };
            (m.id, contact)
        })
        .collect();
    match ids.iter().find(|id| !contacts.contains_key(id)) {
        Some(missing) => Err(DbErr::RecordNotFound(format!("merchant {missing} missing"))),
        None => Ok(contacts),
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
}

/// The order at `uid` with the customer service of its merchant, in one query.
pub async fn find_with_contact(
    db: &impl ConnectionTrait,
    uid: &str,
) -> Result<Option<(order::Model, Contact)>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let merchant_of = order::Entity::belongs_to(merchant::Entity)
        .from(order::Column::MerchantId)
        .to(merchant::Column::Id);
    let found = order::Entity::find()
        .join(JoinType::InnerJoin, merchant_of.into())
        .select_also(merchant::Entity)
        .filter(order::Column::Uid.eq(uid))
        .one(db)
        .await?;
    Ok(found.and_then(|(order, merchant)| {
        merchant.map(|m| {
            let contact = Contact {
                email: m.support_email,
                phone: m.support_phone,
            };
            (order, contact)
        })
    }))
}

/// The lines, vouchers and deliveries of an order whose customer service is known, the
/// three queries running side by side.
pub async fn details(
    db: &impl ConnectionTrait,
    order: &order::Model,
    contact: Contact,
) -> Result<OrderDetails, DbErr> {
    let (lines, vouchers, deliveries) = tokio::try_join!(
        lines_of(db, order.id),
        vouchers_of(db, order.id),
        deliveries::of_order(db, order.id),
    )?;
    Ok(OrderDetails {
        lines,
        vouchers,
        contact,
        deliveries,
    })
}

/// The customer service of the order's merchant.
pub async fn contact_of(db: &impl ConnectionTrait, order: &order::Model) -> Result<Contact, DbErr> {
    let mut contacts = contacts_of(db, [order.merchant_id]).await?;
    contacts
        .remove(&order.merchant_id)
        .ok_or_else(|| DbErr::RecordNotFound(format!("merchant {} missing", order.merchant_id)))
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

/// A page of orders with the vouchers of each and the customer service of their merchants.
#[derive(Debug, Clone)]
pub struct OrderPage {
    pub orders: Vec<order::Model>,
    pub item_count: u64,
    pub vouchers: HashMap<i64, Vec<voucher::Model>>,
    pub contacts: HashMap<i64, Contact>,
}

/// [`list`], with what the listing shows of each order, in two more queries.
pub async fn page(
    db: &impl ConnectionTrait,
    owner: &Owner,
    filter: &OrderFilter,
    offset: u64,
    limit: u64,
) -> Result<OrderPage, DbErr> {
    let (orders, item_count) = list(db, owner, filter, offset, limit).await?;
    let ids: Vec<i64> = orders.iter().map(|order| order.id).collect();
    let vouchers = vouchers_of_orders(db, &ids).await?;
    let contacts = if orders.is_empty() {
        HashMap::new()
    } else {
        contacts_of(db, orders.iter().map(|order| order.merchant_id)).await?
    };
    Ok(OrderPage {
        orders,
        item_count,
        vouchers,
        contacts,
    })
}
