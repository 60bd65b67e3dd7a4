//! Refund requests: eligibility, the split between refund, voucher, donation (and change of
//! order where the shop offers it), the refund bill, the lifecycle, and processing — which
//! returns money at most once, in one transaction.

mod eligibility;
mod lifecycle;
mod processing;
mod split;
mod withdrawal;

use crate::db::FindUnique;
use std::collections::HashMap;

use chrono::Utc;
use entity::{delivery, merchant, order, order_line, refund, refund_request, voucher};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, Query},
};

pub use eligibility::{
    Check, Eligibility, Facts, Ineligible, Refundability, Rule, Sale, changes_by_itself_at,
    check_eligibility, evaluate, load_sale, source_now,
};
pub use lifecycle::{
    BankDetails, BankDetailsRefused, BankRefusal, Decision, HolderChange, NewRequest, change_by_holder,
    request_refund,
};
pub use processing::{Processed, process};
pub use split::{RefundBill, Share, ShareRefusal, Shares, Split, SplitRefused, bill, by_lines, split_minor};
pub use withdrawal::withdraw_product;

use super::{
    ids,
    money::{Currency, Money},
    orders,
    status::{RefundRequestStatus, RefundSource, RefundType},
};

#[derive(Debug)]
pub enum RefundError {
    Ineligible(Ineligible),
    /// Another request of this order is still open.
    OpenExists,
    /// The request is not in a state that allows this change.
    WrongState(String),
    /// The request changed since the version the caller read.
    VersionMismatch,
    Db(DbErr),
}

impl From<DbErr> for RefundError {
    fn from(err: DbErr) -> Self {
        RefundError::Db(err)
    }
}

/// Approves (eligibility checked again), rejects, or processes an approved request.
pub async fn decide(
    db: &DatabaseConnection,
    request: &refund_request::Model,
    version: i32,
    decision: Decision,
    reason: Option<String>,
) -> Result<refund_request::Model, RefundError> {
    match decision {
        Decision::Approve => lifecycle::approve_or_reject(db, request, version, true, reason).await,
        Decision::Reject => lifecycle::approve_or_reject(db, request, version, false, reason).await,
        Decision::Process => process(db, request, version).await.map(|processed| {
            for refund in &processed.refunds {
                crate::telemetry::refund(&refund.currency);
            }
            processed.request
        }),
    }
}

/// A request and its order, by the request's uid.
pub async fn find_with_order(
    db: &impl ConnectionTrait,
    uid: &str,
) -> Result<Option<(refund_request::Model, order::Model)>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let Some(request) = refund_request::Entity::find()
        .filter(refund_request::Column::Uid.eq(uid))
        .unique(db)
        .await?
    else {
        return Ok(None);
    };
    let order = order_by_id(db, request.order_id).await?;
    Ok(order.map(|order| (request, order)))
}

/// The order as it is now.
pub async fn order_by_id(db: &impl ConnectionTrait, order_id: i64) -> Result<Option<order::Model>, DbErr> {
    order::Entity::find_by_id(order_id).unique(db).await
}

/// The merchant who sells an order.
pub async fn merchant_of(db: &impl ConnectionTrait, order: &order::Model) -> Result<merchant::Model, DbErr> {
    merchant::Entity::find_by_id(order.merchant_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("merchant of an order".into()))
}

pub async fn of_order(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<refund_request::Model>, DbErr> {
    refund_request::Entity::find()
        .filter(refund_request::Column::OrderId.eq(order_id))
        .order_by_asc(refund_request::Column::Id)
        .all(db)
        .await
}

/// The refund requests of each of these orders, in one query.
pub async fn of_orders(
    db: &impl ConnectionTrait,
    order_ids: &[i64],
) -> Result<HashMap<i64, Vec<refund_request::Model>>, DbErr> {
    let found = refund_request::Entity::find()
        .filter(refund_request::Column::OrderId.is_in(order_ids.iter().copied()))
        .order_by_asc(refund_request::Column::Id)
        .all(db)
        .await?;
    Ok(orders::by_order(found, |request| request.order_id))
}

/// A page of the refund requests on a merchant's orders, newest first, each loaded with its
/// order for its representation, and how many there are in all: two queries, and five more
/// side by side however many requests the page holds.
pub async fn page_of_merchant(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    status: Option<RefundRequestStatus>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<OrderRequests>, u64), DbErr> {
    let shop_orders = Query::select()
        .column(order::Column::Id)
        .from(order::Entity)
        .and_where(Expr::col(order::Column::MerchantId).eq(merchant_id))
        .to_owned();
    let mut query =
        refund_request::Entity::find().filter(refund_request::Column::OrderId.in_subquery(shop_orders));
    if let Some(status) = status {
        query = query.filter(refund_request::Column::Status.eq(status.as_str()));
    }
    let total = query.clone().count(db).await?;
    let requests = query
        .order_by_desc(refund_request::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    if requests.is_empty() {
        return Ok((Vec::new(), total));
    }
    let statuses = statuses_of(&requests)?;
    let order_ids: Vec<i64> = requests.iter().map(|request| request.order_id).collect();
    let merchant = merchant::Entity::find_by_id(merchant_id);
    let (found, lines, deliveries, made, merchant) = tokio::try_join!(
        order::Entity::find()
            .filter(order::Column::Id.is_in(order_ids.iter().copied()))
            .all(db),
        orders::lines_of_orders(db, &order_ids),
        orders::deliveries_of_orders(db, &order_ids),
        made_by(db, &requests, &statuses),
        merchant.one(db),
    )?;
    let merchant = merchant.ok_or_else(|| DbErr::RecordNotFound("merchant of a refund queue".into()))?;
    let found: HashMap<i64, order::Model> = found.into_iter().map(|order| (order.id, order)).collect();
    let now = Utc::now();
    let mut page = Vec::with_capacity(requests.len());
    for (request, status) in requests.into_iter().zip(statuses) {
        let order = found
            .get(&request.order_id)
            .cloned()
            .ok_or_else(|| DbErr::RecordNotFound("order of a refund request".into()))?;
        let lines = lines.get(&order.id).cloned().unwrap_or_default();
        let refundable = if status.is_open() {
            let issued: Vec<&delivery::Model> = deliveries.get(&order.id).into_iter().flatten().collect();
            let facts = Facts {
                order: &order,
                merchant: &merchant,
                lines: &lines,
                deliveries: &issued,
            };
            evaluate(facts, RefundSource::from_stored(&request.source)?, now)?.refundable
        } else {
            Money::zero(orders::currency_of(&order)?)
        };
        let details = details(request, status, &made, refundable)?;
        page.push(OrderRequests {
            order,
            lines,
            requests: vec![details],
        });
    }
    Ok((page, total))
}

pub async fn refunds_of(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<refund::Model>, DbErr> {
    refund::Entity::find()
        .filter(refund::Column::OrderId.eq(order_id))
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await
}

pub async fn find_refund(db: &impl ConnectionTrait, uid: &str) -> Result<Option<refund::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    refund::Entity::find()
        .filter(refund::Column::Uid.eq(uid))
        .unique(db)
        .await
}

pub fn split_of(request: &refund_request::Model) -> Result<Split, DbErr> {
    Split::of(request)
}

/// A request with what its representation shows.
#[derive(Debug, Clone)]
pub struct RequestDetails {
    pub request: refund_request::Model,
    pub status: RefundRequestStatus,
    /// What eligibility allows now for an open request (zero when it can no longer be
    /// granted), as made for a processed one, zero for a closed one.
    pub refund_amount: Money,
    pub voucher_amount: Money,
    /// The receipt token, once processed.
    pub receipt: Option<String>,
}

/// Requests of one order, with the order's lines, for their representations.
#[derive(Debug, Clone)]
pub struct OrderRequests {
    pub order: order::Model,
    pub lines: Vec<order_line::Model>,
    pub requests: Vec<RequestDetails>,
}

/// Loads what the representations of `requests` (all of `order`) show, in at most two
/// queries however many there are — five, side by side, when one of them is open: the
/// amounts of an open request are what its eligibility allows now.
pub async fn load_requests(
    db: &impl ConnectionTrait,
    order: order::Model,
    requests: Vec<refund_request::Model>,
) -> Result<OrderRequests, DbErr> {
    let currency = orders::currency_of(&order)?;
    let statuses = statuses_of(&requests)?;
    let made = made_by(db, &requests, &statuses).await?;
    let open = requests
        .iter()
        .zip(&statuses)
        .find(|(_, status)| status.is_open());
    let (lines, refundable) = match open {
        Some((request, _)) => {
            let sale = load_sale(db, &order).await?;
            let eligibility = sale.eligibility(&order, Some(request))?;
            (sale.lines, eligibility.refundable)
        }
        None => (orders::lines_of(db, order.id).await?, Money::zero(currency)),
    };
    let requests = requests
        .into_iter()
        .zip(statuses)
        .map(|(request, status)| details(request, status, &made, refundable))
        .collect::<Result<_, DbErr>>()?;
    Ok(OrderRequests {
        order,
        lines,
        requests,
    })
}

fn statuses_of(requests: &[refund_request::Model]) -> Result<Vec<RefundRequestStatus>, DbErr> {
    requests
        .iter()
        .map(|r| RefundRequestStatus::from_stored(&r.status))
        .collect()
}

/// The refunds made for the processed ones of `requests`, in one query (none without one).
async fn made_by(
    db: &impl ConnectionTrait,
    requests: &[refund_request::Model],
    statuses: &[RefundRequestStatus],
) -> Result<Vec<refund::Model>, DbErr> {
    let processed: Vec<i64> = requests
        .iter()
        .zip(statuses)
        .filter(|(_, status)| **status == RefundRequestStatus::Processed)
        .map(|(r, _)| r.id)
        .collect();
    if processed.is_empty() {
        return Ok(Vec::new());
    }
    refund::Entity::find()
        .filter(refund::Column::RefundRequestId.is_in(processed))
        .order_by_asc(refund::Column::Id)
        .all(db)
        .await
}

/// `refundable` is what the eligibility of the order's open request allows.
fn details(
    request: refund_request::Model,
    status: RefundRequestStatus,
    made: &[refund::Model],
    refundable: Money,
) -> Result<RequestDetails, DbErr> {
    let currency = refundable.currency();
    let mine: Vec<&refund::Model> = made
        .iter()
        .filter(|r| r.refund_request_id == request.id)
        .collect();
    let sum = |kind: RefundType| {
        let minor = mine
            .iter()
            .filter(|r| r.kind == kind.as_str())
            .map(|r| r.amount_minor)
            .sum();
        Money::from_minor(minor, currency)
    };
    let (refund_amount, voucher_amount) = match status {
        RefundRequestStatus::New | RefundRequestStatus::Approved => {
            let bill = bill(refundable, &Split::of(&request)?);
            (bill.refund, bill.voucher)
        }
        RefundRequestStatus::Processed => (sum(RefundType::Psp), sum(RefundType::Voucher)),
        RefundRequestStatus::Rejected | RefundRequestStatus::Cancelled => {
            (Money::zero(currency), Money::zero(currency))
        }
    };
    let receipt = mine.first().map(|made| made.receipt.clone());
    Ok(RequestDetails {
        request,
        status,
        refund_amount,
        voucher_amount,
        receipt,
    })
}

/// A refund with what its representation shows.
#[derive(Debug, Clone)]
pub struct RefundDetails {
    pub refund: refund::Model,
    pub kind: RefundType,
    pub currency: Currency,
    pub request_uid: String,
    /// The voucher's code, for a voucher refund.
    pub voucher_code: Option<String>,
}

/// Loads what the representations of `refunds` show, in two queries however many there
/// are.
pub async fn load_refunds(
    db: &impl ConnectionTrait,
    refunds: Vec<refund::Model>,
) -> Result<Vec<RefundDetails>, DbErr> {
    let request_uids: HashMap<i64, String> = refund_request::Entity::find()
        .filter(refund_request::Column::Id.is_in(refunds.iter().map(|r| r.refund_request_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|request| (request.id, request.uid))
        .collect();
    let codes: HashMap<i64, String> = voucher::Entity::find()
        .filter(voucher::Column::Id.is_in(refunds.iter().filter_map(|r| r.voucher_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|voucher| (voucher.id, voucher.code))
        .collect();
    refunds
        .into_iter()
        .map(|refund| {
            let request_uid = request_uids
                .get(&refund.refund_request_id)
                .cloned()
                .ok_or_else(|| DbErr::RecordNotFound("refund without request".into()))?;
            Ok(RefundDetails {
                kind: RefundType::from_stored(&refund.kind)?,
                currency: refund
                    .currency
                    .parse()
                    .map_err(|_| DbErr::Type(format!("refund {} has an unknown currency", refund.uid)))?,
                voucher_code: refund.voucher_id.and_then(|id| codes.get(&id).cloned()),
                request_uid,
                refund,
            })
        })
        .collect()
}
