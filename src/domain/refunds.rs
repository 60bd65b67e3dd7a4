//! Refund requests: eligibility, the split between refund, voucher, donation (and change of
//! order where the shop offers it), the refund bill, the lifecycle, and processing — which
//! returns money at most once, in one transaction.

use std::fmt;

use chrono::{DateTime, Duration, Utc};
use entity::{delivery, merchant, order, order_line, refund, refund_request};
use rust_decimal::{Decimal, prelude::ToPrimitive};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};

use super::{
    ids,
    money::{Currency, Money},
    orders::{self, Status},
    sales, vouchers,
};
use crate::db::{begin_write, is_unique_violation};

/// A share of the refundable amount: two decimals, from 0.00 to 1.00.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Percentage(Decimal);

impl Percentage {
    pub const ZERO: Percentage = Percentage(Decimal::ZERO);
    pub const ONE: Percentage = Percentage(Decimal::ONE);

    pub fn parse(text: &str) -> Result<Self, String> {
        let value = Decimal::from_str_exact(text.trim())
            .map_err(|_| format!("{text:?} is not a decimal such as \"0.50\""))?;
        if value.normalize().scale() > 2 {
            return Err("at most two decimals".into());
        }
        if value < Decimal::ZERO || value > Decimal::ONE {
            return Err("between 0.00 and 1.00".into());
        }
        Ok(Percentage(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Percentage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut value = self.0;
        value.rescale(2);
        write!(f, "{value}")
    }
}

/// How the refundable amount is split. `change_order` is `None` unless the shop offers it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Split {
    pub refund: Percentage,
    pub change_order: Option<Percentage>,
    pub voucher: Percentage,
    pub donation: Percentage,
}

impl Split {
    /// Everything back through the payment provider.
    pub fn full_refund(offers_change_order: bool) -> Self {
        Split {
            refund: Percentage::ONE,
            change_order: offers_change_order.then_some(Percentage::ZERO),
            voucher: Percentage::ZERO,
            donation: Percentage::ZERO,
        }
    }

    pub fn total(&self) -> Decimal {
        self.refund.0 + self.voucher.0 + self.donation.0 + self.change_order.map_or(Decimal::ZERO, |p| p.0)
    }

    fn parse_stored(request: &refund_request::Model) -> Result<Self, DbErr> {
        let read = |text: &Option<String>| -> Result<Option<Percentage>, DbErr> {
            text.as_deref()
                .map(|t| Percentage::parse(t).map_err(DbErr::Type))
                .transpose()
        };
        Ok(Split {
            refund: read(&request.refund_percentage)?.unwrap_or(Percentage::ZERO),
            change_order: read(&request.change_order_percentage)?,
            voucher: read(&request.voucher_percentage)?.unwrap_or(Percentage::ZERO),
            donation: read(&request.donation_percentage)?.unwrap_or(Percentage::ZERO),
        })
    }
}

/// The amounts of a split of what is still refundable. The parts add up to the whole to
/// the cent (largest remainder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundBill {
    pub refundable: Money,
    pub refund: Money,
    pub change_order: Option<Money>,
    pub voucher: Money,
    pub donation: Money,
}

/// Splits `total` minor units by `shares` (summing to 1) so that the parts add up exactly.
pub fn split_minor(total: i64, shares: &[Decimal]) -> Vec<i64> {
    let exact: Vec<Decimal> = shares.iter().map(|s| Decimal::from(total) * s).collect();
    let mut parts: Vec<i64> = exact.iter().map(|e| e.floor().to_i64().unwrap_or(0)).collect();
    let mut left = total - parts.iter().sum::<i64>();
    let mut order: Vec<usize> = (0..shares.len()).collect();
    order.sort_by(|a, b| (exact[*b] - exact[*b].floor()).cmp(&(exact[*a] - exact[*a].floor())));
    for index in order.into_iter().cycle() {
        if left <= 0 || shares.iter().all(|s| s.is_zero()) {
            break;
        }
        if !shares[index].is_zero() {
            parts[index] += 1;
            left -= 1;
        }
    }
    parts
}

pub fn refundable(order: &order::Model) -> Result<Money, DbErr> {
    let currency = currency_of(order)?;
    Ok(Money::from_minor(
        std::cmp::max(order.grand_total_minor - order.refunded_total_minor, 0),
        currency,
    ))
}

fn currency_of(order: &order::Model) -> Result<Currency, DbErr> {
    order
        .currency
        .parse()
        .map_err(|_| DbErr::Type(format!("order {} has an unknown currency", order.uid)))
}

pub fn bill(order: &order::Model, split: &Split) -> Result<RefundBill, DbErr> {
    let refundable = refundable(order)?;
    let currency = refundable.currency();
    let shares = [
        split.refund.0,
        split.voucher.0,
        split.donation.0,
        split.change_order.map_or(Decimal::ZERO, |p| p.0),
    ];
    let parts = split_minor(refundable.minor(), &shares);
    Ok(RefundBill {
        refundable,
        refund: Money::from_minor(parts[0], currency),
        voucher: Money::from_minor(parts[1], currency),
        donation: Money::from_minor(parts[2], currency),
        change_order: split.change_order.map(|_| Money::from_minor(parts[3], currency)),
    })
}

/// How the refund part is spread over the order's lines, by line total.
pub fn by_lines(lines: &[order_line::Model], amount: Money) -> Vec<(String, Money)> {
    let total: i64 = lines.iter().map(|l| l.total_minor).sum();
    if total <= 0 {
        return Vec::new();
    }
    let shares: Vec<Decimal> = lines
        .iter()
        .map(|l| Decimal::from(l.total_minor) / Decimal::from(total))
        .collect();
    split_minor(amount.minor(), &shares)
        .into_iter()
        .zip(lines)
        .map(|(minor, line)| (line.title.clone(), Money::from_minor(minor, amount.currency())))
        .collect()
}

/// Why a refund cannot be granted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ineligible {
    /// The shop has no right to refund sales.
    NotAllowed,
    /// The order was never paid: there is no sale.
    NoSale,
    AlreadyRefunded,
    /// A delivery was downloaded or redeemed: fulfilled by the end user.
    Fulfilled,
    TimeLimit {
        days: i32,
    },
    UsageLimit {
        percent: i32,
    },
    CostMismatch {
        refundable: Money,
    },
}

/// Who opened a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    CustomerRequest,
    EventRefund,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::CustomerRequest => "customer_request",
            Source::EventRefund => "event_refund",
        }
    }
}

/// Checks every rule of the sale cancellation. Event refunds (the merchant withdrew the
/// product) skip the rules about the buyer's use, which do not apply to a cancelled event.
pub async fn check_eligibility(
    db: &impl ConnectionTrait,
    order: &order::Model,
    merchant: &merchant::Model,
    source: Source,
    stated: Option<Money>,
    now: DateTime<Utc>,
) -> Result<Result<(), Ineligible>, DbErr> {
    if !merchant.can_refund {
        return Ok(Err(Ineligible::NotAllowed));
    }
    let status = Status::from_stored(&order.status)?;
    match status {
        Status::AwaitingPayment | Status::Cancelled | Status::Paid => return Ok(Err(Ineligible::NoSale)),
        Status::Refunded => return Ok(Err(Ineligible::AlreadyRefunded)),
        Status::Completed | Status::PartiallyRefunded => {}
    }
    let refundable = refundable(order)?;
    if refundable.minor() == 0 {
        return Ok(Err(Ineligible::AlreadyRefunded));
    }
    if let Some(stated) = stated
        && stated != refundable
    {
        return Ok(Err(Ineligible::CostMismatch { refundable }));
    }
    if source == Source::EventRefund {
        return Ok(Ok(()));
    }
    let deliveries = sales::deliveries_of(db, order.id).await?;
    if deliveries
        .iter()
        .any(|d| d.downloaded_at.is_some() || d.status == "redeemed")
    {
        return Ok(Err(Ineligible::Fulfilled));
    }
    let lines = orders::lines_of(db, order.id).await?;
    let sold_at = order.completed_at.unwrap_or(order.created_at);
    if let Some(days) = lines.iter().map(|l| l.refund_days).min()
        && now > sold_at + Duration::days(i64::from(days))
    {
        return Ok(Err(Ineligible::TimeLimit { days }));
    }
    for delivery in &deliveries {
        if let Some(line) = lines.iter().find(|l| l.id == delivery.order_line_id)
            && delivery.usage_percent > line.usage_limit_percent
        {
            return Ok(Err(Ineligible::UsageLimit {
                percent: line.usage_limit_percent,
            }));
        }
    }
    Ok(Ok(()))
}

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

/// Bank details a holder submits for a refund by transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankDetails {
    pub account_holder: String,
    pub iban: String,
}

fn bank_json(details: &BankDetails) -> String {
    serde_json::json!({"account_holder": details.account_holder, "iban": details.iban}).to_string()
}

/// What a new request holds.
#[derive(Debug, Clone)]
pub struct NewRequest {
    pub source: Source,
    pub split: Split,
    pub keep_tickets: bool,
    pub reason: Option<String>,
    pub bank_details: Option<BankDetails>,
}

/// Opens a request. The unique index on the open order id makes a second open request of
/// the same order fail, however concurrent.
pub async fn open(
    db: &impl ConnectionTrait,
    order: &order::Model,
    new: NewRequest,
) -> Result<refund_request::Model, RefundError> {
    let split = new.split;
    let inserted = refund_request::ActiveModel {
        uid: Set(ids::new_uid()),
        order_id: Set(order.id),
        open_order_id: Set(Some(order.id)),
        status: Set("new".into()),
        source: Set(new.source.as_str().into()),
        refund_percentage: Set(Some(split.refund.to_string())),
        change_order_percentage: Set(split.change_order.map(|p| p.to_string())),
        voucher_percentage: Set(Some(split.voucher.to_string())),
        donation_percentage: Set(Some(split.donation.to_string())),
        bank_details: Set(new.bank_details.as_ref().map(bank_json)),
        keep_tickets: Set(new.keep_tickets),
        reason: Set(new.reason),
        decision_reason: Set(None),
        created_at: Set(Utc::now()),
        decided_at: Set(None),
        processed_at: Set(None),
        version: Set(1),
        ..Default::default()
    }
    .insert(db)
    .await;
    match inserted {
        Ok(request) => Ok(request),
        Err(err) if is_unique_violation(&err) => Err(RefundError::OpenExists),
        Err(err) => Err(err.into()),
    }
}

pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<refund_request::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    refund_request::Entity::find()
        .filter(refund_request::Column::Uid.eq(uid))
        .one(db)
        .await
}

pub async fn of_order(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<refund_request::Model>, DbErr> {
    refund_request::Entity::find()
        .filter(refund_request::Column::OrderId.eq(order_id))
        .order_by_asc(refund_request::Column::Id)
        .all(db)
        .await
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
        .one(db)
        .await
}

pub fn split_of(request: &refund_request::Model) -> Result<Split, DbErr> {
    Split::parse_stored(request)
}

/// A change the holder makes while the request is new.
#[derive(Debug, Clone, Default)]
pub struct HolderChange {
    pub split: Option<Split>,
    pub keep_tickets: Option<bool>,
    pub bank_details: Option<BankDetails>,
    pub cancel: bool,
}

/// Applies a holder's change if the request is still `new` and at `version`.
pub async fn change_by_holder(
    db: &impl ConnectionTrait,
    request: &refund_request::Model,
    version: i32,
    change: HolderChange,
) -> Result<refund_request::Model, RefundError> {
    if request.status != "new" {
        return Err(RefundError::WrongState(format!(
            "the request is {}; only a new request can be changed",
            request.status
        )));
    }
    let mut update = refund_request::Entity::update_many().col_expr(
        refund_request::Column::Version,
        Expr::col(refund_request::Column::Version).add(1),
    );
    if let Some(split) = change.split {
        update = update
            .col_expr(
                refund_request::Column::RefundPercentage,
                Expr::value(split.refund.to_string()),
            )
            .col_expr(
                refund_request::Column::VoucherPercentage,
                Expr::value(split.voucher.to_string()),
            )
            .col_expr(
                refund_request::Column::DonationPercentage,
                Expr::value(split.donation.to_string()),
            )
            .col_expr(
                refund_request::Column::ChangeOrderPercentage,
                Expr::value(split.change_order.map(|p| p.to_string())),
            );
    }
    if let Some(keep) = change.keep_tickets {
        update = update.col_expr(refund_request::Column::KeepTickets, Expr::value(keep));
    }
    if let Some(details) = &change.bank_details {
        update = update.col_expr(
            refund_request::Column::BankDetails,
            Expr::value(bank_json(details)),
        );
    }
    if change.cancel {
        update = update
            .col_expr(refund_request::Column::Status, Expr::value("cancelled"))
            .col_expr(
                refund_request::Column::OpenOrderId,
                Expr::value(Option::<i64>::None),
            )
            .col_expr(refund_request::Column::DecidedAt, Expr::value(Utc::now()));
    }
    let result = update
        .filter(refund_request::Column::Id.eq(request.id))
        .filter(refund_request::Column::Version.eq(version))
        .filter(refund_request::Column::Status.eq("new"))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Err(RefundError::VersionMismatch);
    }
    Ok(refund_request::Entity::find_by_id(request.id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("refund request vanished".into()))?)
}

/// The merchant's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Approve,
    Reject,
    Process,
}

/// What processing returned: the refunds and the receipt token.
#[derive(Debug, Clone)]
pub struct Processed {
    pub request: refund_request::Model,
    pub refunds: Vec<refund::Model>,
    pub receipt: String,
}

/// Approves (eligibility checked again), rejects, or processes an approved request.
pub async fn decide(
    db: &DatabaseConnection,
    request: &refund_request::Model,
    version: i32,
    decision: Decision,
    reason: Option<String>,
) -> Result<refund_request::Model, RefundError> {
    let order = order::Entity::find_by_id(request.order_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a refund request".into()))?;
    match decision {
        Decision::Approve | Decision::Reject => {
            if request.status != "new" {
                return Err(RefundError::WrongState(format!(
                    "the request is {}; only a new request can be approved or rejected",
                    request.status
                )));
            }
            if decision == Decision::Approve {
                let merchant = merchant::Entity::find_by_id(order.merchant_id)
                    .one(db)
                    .await?
                    .ok_or_else(|| DbErr::RecordNotFound("merchant".into()))?;
                let source = if request.source == "event_refund" {
                    Source::EventRefund
                } else {
                    Source::CustomerRequest
                };
                if let Err(why) = check_eligibility(db, &order, &merchant, source, None, Utc::now()).await? {
                    return Err(RefundError::Ineligible(why));
                }
            }
            let (status, open): (&str, Option<i64>) = match decision {
                Decision::Approve => ("approved", Some(order.id)),
                _ => ("rejected", None),
            };
            let result = refund_request::Entity::update_many()
                .col_expr(refund_request::Column::Status, Expr::value(status))
                .col_expr(refund_request::Column::OpenOrderId, Expr::value(open))
                .col_expr(refund_request::Column::DecisionReason, Expr::value(reason))
                .col_expr(refund_request::Column::DecidedAt, Expr::value(Utc::now()))
                .col_expr(
                    refund_request::Column::Version,
                    Expr::col(refund_request::Column::Version).add(1),
                )
                .filter(refund_request::Column::Id.eq(request.id))
                .filter(refund_request::Column::Version.eq(version))
                .filter(refund_request::Column::Status.eq("new"))
                .exec(db)
                .await?;
            if result.rows_affected == 0 {
                return Err(RefundError::VersionMismatch);
            }
            Ok(refund_request::Entity::find_by_id(request.id)
                .one(db)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("refund request vanished".into()))?)
        }
        Decision::Process => process(db, request, version).await.map(|p| p.request),
    }
}

/// Processes an approved request in one transaction: refunds are created, a voucher issued
/// for the voucher part, the deliveries voided (unless `keep_tickets`), and the order's
/// refunded total raised — only if it still equals what was read and stays within what was
/// paid, so that no concurrency can refund more than once.
pub async fn process(
    db: &DatabaseConnection,
    request: &refund_request::Model,
    version: i32,
) -> Result<Processed, RefundError> {
    if request.status != "approved" {
        return Err(RefundError::WrongState(format!(
            "the request is {}; only an approved request can be processed",
            request.status
        )));
    }
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let claimed = refund_request::Entity::update_many()
        .col_expr(refund_request::Column::Status, Expr::value("processed"))
        .col_expr(
            refund_request::Column::OpenOrderId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(refund_request::Column::ProcessedAt, Expr::value(now))
        .col_expr(
            refund_request::Column::Version,
            Expr::col(refund_request::Column::Version).add(1),
        )
        .filter(refund_request::Column::Id.eq(request.id))
        .filter(refund_request::Column::Version.eq(version))
        .filter(refund_request::Column::Status.eq("approved"))
        .exec(&txn)
        .await?;
    if claimed.rows_affected == 0 {
        return Err(RefundError::VersionMismatch);
    }
    let order = order::Entity::find_by_id(request.order_id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a refund request".into()))?;
    let split = split_of(request)?;
    let amounts = bill(&order, &split)?;
    let settled = amounts.refundable.minor();
    if settled == 0 {
        return Err(RefundError::Ineligible(Ineligible::AlreadyRefunded));
    }
    let new_total = order.refunded_total_minor + settled;
    let status = if new_total >= order.grand_total_minor {
        Status::Refunded
    } else {
        Status::PartiallyRefunded
    };
    let raised = order::Entity::update_many()
        .col_expr(order::Column::RefundedTotalMinor, Expr::value(new_total))
        .col_expr(order::Column::Status, Expr::value(status.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::RefundedTotalMinor.eq(order.refunded_total_minor))
        .filter(Expr::col(order::Column::GrandTotalMinor).gte(new_total))
        .exec(&txn)
        .await?;
    if raised.rows_affected == 0 {
        return Err(RefundError::Ineligible(Ineligible::AlreadyRefunded));
    }
    let lines = orders::lines_of(&txn, order.id).await?;
    let receipt = ids::new_secret("rf_");
    let mut refunds = Vec::new();
    for (kind, amount) in [("psp", amounts.refund), ("voucher", amounts.voucher)] {
        if amount.minor() == 0 {
            continue;
        }
        let voucher_id = match kind {
            "voucher" => Some(
                vouchers::issue(&txn, order.merchant_id, amount, "refund")
                    .await?
                    .id,
            ),
            _ => None,
        };
        let by_tickets: Vec<serde_json::Value> = by_lines(&lines, amount)
            .into_iter()
            .map(|(name, money)| serde_json::json!({"product_name": name, "amount_minor": money.minor()}))
            .collect();
        let created = refund::ActiveModel {
            uid: Set(ids::new_uid()),
            order_id: Set(order.id),
            refund_request_id: Set(request.id),
            kind: Set(kind.into()),
            status: Set("processed".into()),
            amount_minor: Set(amount.minor()),
            currency: Set(order.currency.clone()),
            voucher_id: Set(voucher_id),
            by_tickets: Set(serde_json::Value::Array(by_tickets).to_string()),
            receipt: Set(receipt.clone()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        sales::write_event(
            &txn,
            "refund.created",
            &created.uid,
            serde_json::json!({"refund_uid": created.uid, "order_uid": order.uid, "type": kind,
                               "amount": amount.amount_string(), "currency": order.currency}),
        )
        .await?;
        refunds.push(created);
    }
    if !request.keep_tickets {
        delivery::Entity::update_many()
            .col_expr(delivery::Column::Status, Expr::value("voided"))
            .col_expr(delivery::Column::VoidedAt, Expr::value(now))
            .filter(delivery::Column::OrderId.eq(order.id))
            .filter(delivery::Column::Status.eq("active"))
            .exec(&txn)
            .await?;
    }
    sales::write_event(
        &txn,
        "refund_request.processed",
        &request.uid,
        serde_json::json!({"refund_request_uid": request.uid, "order_uid": order.uid,
                           "refund": amounts.refund.amount_string(), "voucher": amounts.voucher.amount_string(),
                           "donation": amounts.donation.amount_string(), "currency": order.currency}),
    )
    .await?;
    let processed = refund_request::Entity::find_by_id(request.id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("refund request vanished".into()))?;
    txn.commit().await?;
    Ok(Processed {
        request: processed,
        refunds,
        receipt,
    })
}

/// Withdraws a product (it can no longer be bought) and opens an event refund (full refund
/// by default) on every paid order holding it that has no open request. Returns how many
/// requests were opened.
pub async fn withdraw_product(
    db: &DatabaseConnection,
    product_id: i64,
    reason: &str,
) -> Result<usize, DbErr> {
    let txn = begin_write(db).await?;
    entity::product::Entity::update_many()
        .col_expr(entity::product::Column::Available, Expr::value(false))
        .col_expr(
            entity::product::Column::Version,
            Expr::col(entity::product::Column::Version).add(1),
        )
        .col_expr(entity::product::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(entity::product::Column::Id.eq(product_id))
        .exec(&txn)
        .await?;
    let order_ids: Vec<i64> = order_line::Entity::find()
        .filter(order_line::Column::ProductId.eq(product_id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|line| line.order_id)
        .collect();
    let holders = order::Entity::find()
        .filter(order::Column::Id.is_in(order_ids))
        .filter(order::Column::Status.is_in([Status::Completed.as_str(), Status::PartiallyRefunded.as_str()]))
        .all(&txn)
        .await?;
    let mut opened = 0;
    for order in holders {
        let open_exists = refund_request::Entity::find()
            .filter(refund_request::Column::OpenOrderId.eq(order.id))
            .one(&txn)
            .await?
            .is_some();
        if open_exists {
            continue;
        }
        let offers = merchant::Entity::find_by_id(order.merchant_id)
            .one(&txn)
            .await?
            .is_some_and(|m| m.offers_change_order);
        let request = NewRequest {
            source: Source::EventRefund,
            split: Split::full_refund(offers),
            keep_tickets: false,
            reason: Some(reason.to_owned()),
            bank_details: None,
        };
        match open(&txn, &order, request).await {
            Ok(request) => {
                sales::write_event(
                    &txn,
                    "refund_request.created",
                    &request.uid,
                    serde_json::json!({"refund_request_uid": request.uid, "order_uid": order.uid, "source": "event_refund"}),
                )
                .await?;
                opened += 1;
            }
            Err(RefundError::Db(err)) => return Err(err),
            Err(_) => continue,
        }
    }
    txn.commit().await?;
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(text: &str) -> Decimal {
        Decimal::from_str_exact(text).unwrap()
    }

    #[test]
    fn percentages_have_two_decimals_between_zero_and_one() {
        assert_eq!(Percentage::parse("0.5").unwrap().to_string(), "0.50");
        assert_eq!(Percentage::parse("1").unwrap().to_string(), "1.00");
        assert!(Percentage::parse("0.333").is_err());
        assert!(Percentage::parse("1.01").is_err());
        assert!(Percentage::parse("-0.10").is_err());
        assert!(Percentage::parse("half").is_err());
    }

    #[test]
    fn split_parts_add_up_to_the_whole_to_the_cent() {
        assert_eq!(
            split_minor(1000, &[d("0.33"), d("0.33"), d("0.34")]),
            vec![330, 330, 340]
        );
        assert_eq!(
            split_minor(1, &[d("0.50"), d("0.50"), d("0")])
                .iter()
                .sum::<i64>(),
            1
        );
        assert_eq!(
            split_minor(2298, &[d("0.10"), d("0.90"), d("0")]),
            vec![230, 2068, 0]
        );
        assert_eq!(split_minor(999, &[d("0"), d("0"), d("1.00")]), vec![0, 0, 999]);
        for total in [1, 7, 101, 2299, 99_999] {
            let parts = split_minor(total, &[d("0.33"), d("0.33"), d("0.17"), d("0.17")]);
            assert_eq!(parts.iter().sum::<i64>(), total);
        }
    }
}
