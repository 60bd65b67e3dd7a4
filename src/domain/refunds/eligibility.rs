//! The rules of the sale cancellation: whether an order may be refunded now, and how much.
//!
//! [`evaluate`] is the one answer. It is pure: it takes the order, its merchant, lines and
//! deliveries already loaded and the time, and evaluates every rule — it never stops at
//! the first failure, so that a view can explain all of them before anyone asks. Views
//! load the facts without locks ([`orders::details`], [`load_sale`]); the changes that a
//! refund makes load them in their write transaction ([`check_eligibility`]), and both
//! read the same answer from the same function.

use chrono::{DateTime, Duration, Utc};
use entity::{delivery, merchant, order, order_line, refund_request};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::{
    catalogue::Kind,
    money::{Currency, Money},
    orders,
    status::{DeliveryStatus, OrderStatus, RefundRequestStatus, RefundSource},
};

/// Why a refund cannot be granted: what the write paths answer.
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

/// A rule of the sale cancellation. The order of [`Rule::ALL`] is the order of evaluation:
/// the first that fails is the refusal a refund request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The merchant has the right to refund sales (`can_refund`).
    MerchantPermission,
    /// The order was sold: completed, partially refunded or refunded.
    SaleFound,
    /// Something of what was paid is left to refund.
    NotAlreadyRefunded,
    /// No delivery was downloaded or redeemed.
    NotFulfilled,
    /// Within the refund days of the products' refund policy, counted from the sale.
    WithinRefundDays,
    /// No delivery was used beyond the usage limit of its product's refund policy.
    UnderUsageLimit,
}

impl Rule {
    pub const ALL: [Rule; 6] = [
        Rule::MerchantPermission,
        Rule::SaleFound,
        Rule::NotAlreadyRefunded,
        Rule::NotFulfilled,
        Rule::WithinRefundDays,
        Rule::UnderUsageLimit,
    ];

    /// The stable snake_case code of the rule.
    pub fn code(self) -> &'static str {
        match self {
            Rule::MerchantPermission => "merchant_permission",
            Rule::SaleFound => "sale_found",
            Rule::NotAlreadyRefunded => "not_already_refunded",
            Rule::NotFulfilled => "not_fulfilled",
            Rule::WithinRefundDays => "within_refund_days",
            Rule::UnderUsageLimit => "under_usage_limit",
        }
    }
}

/// One rule, evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub rule: Rule,
    /// One sentence for a person: what was found.
    pub detail: String,
    /// `None` when the rule holds; otherwise the refusal it stands for.
    pub refusal: Option<Ineligible>,
}

impl Check {
    fn pass(rule: Rule, detail: impl Into<String>) -> Self {
        Check {
            rule,
            detail: detail.into(),
            refusal: None,
        }
    }

    fn fail(rule: Rule, detail: impl Into<String>, refusal: Ineligible) -> Self {
        Check {
            rule,
            detail: detail.into(),
            refusal: Some(refusal),
        }
    }

    pub fn passed(&self) -> bool {
        self.refusal.is_none()
    }
}

/// Whether an order can be refunded now, how much, and every rule with its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligibility {
    /// Every check passed: a refund can be requested (or approved, or processed) now.
    pub eligible: bool,
    /// What can be refunded now: paid minus refunded when eligible, zero otherwise.
    pub refundable: Money,
    /// Every rule, in the order of [`Rule::ALL`].
    pub checks: Vec<Check>,
}

impl Eligibility {
    /// The refusal of the first failed check, if any.
    pub fn refusal(&self) -> Option<&Ineligible> {
        self.checks.iter().find_map(|check| check.refusal.as_ref())
    }

    /// The check of `rule`.
    pub fn check(&self, rule: Rule) -> Option<&Check> {
        self.checks.iter().find(|check| check.rule == rule)
    }
}

/// What the rules read besides the order: its merchant, lines and deliveries.
#[derive(Debug, Clone, Copy)]
pub struct Facts<'a> {
    pub order: &'a order::Model,
    pub merchant: &'a merchant::Model,
    pub lines: &'a [order_line::Model],
    pub deliveries: &'a [&'a delivery::Model],
}

/// Evaluates every rule of the sale cancellation on `facts` at `now`. Event refunds (the
/// merchant withdrew the product) skip the rules about the buyer's use, which do not apply
/// to a cancelled event: those checks pass and say so.
pub fn evaluate(facts: Facts<'_>, source: RefundSource, now: DateTime<Utc>) -> Result<Eligibility, DbErr> {
    let order = facts.order;
    let currency = orders::currency_of(order)?;
    let status = OrderStatus::from_stored(&order.status)?;
    let left = Money::from_minor(
        (order.grand_total_minor - order.refunded_total_minor).max(0),
        currency,
    );
    let mut checks = vec![
        merchant_permission(facts.merchant),
        sale_found(order, status),
        not_already_refunded(order, left, currency),
    ];
    match source {
        RefundSource::EventRefund => checks.extend(
            [Rule::NotFulfilled, Rule::WithinRefundDays, Rule::UnderUsageLimit].map(|rule| {
                Check::pass(
                    rule,
                    "Does not apply to an event refund: the merchant withdrew the product.",
                )
            }),
        ),
        RefundSource::CustomerRequest => {
            checks.push(not_fulfilled(facts.lines, facts.deliveries));
            checks.push(within_refund_days(order, facts.lines, now));
            checks.push(under_usage_limit(facts.lines, facts.deliveries));
        }
    }
    let eligible = checks.iter().all(Check::passed);
    Ok(Eligibility {
        eligible,
        refundable: if eligible { left } else { Money::zero(currency) },
        checks,
    })
}

fn day(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d").to_string()
}

fn merchant_permission(merchant: &merchant::Model) -> Check {
    let rule = Rule::MerchantPermission;
    if merchant.can_refund {
        Check::pass(rule, "The shop has the right to refund its sales.")
    } else {
        Check::fail(
            rule,
            "This shop does not have the right to refund sales.",
            Ineligible::NotAllowed,
        )
    }
}

fn sale_found(order: &order::Model, status: OrderStatus) -> Check {
    let rule = Rule::SaleFound;
    let no_sale = |detail: &str| Check::fail(rule, detail, Ineligible::NoSale);
    match status {
        OrderStatus::AwaitingPayment => no_sale("The order awaits payment: there is no sale to refund."),
        OrderStatus::Cancelled => {
            no_sale("The order was cancelled before payment: there is no sale to refund.")
        }
        OrderStatus::Expired => no_sale("The order expired unpaid: there is no sale to refund."),
        OrderStatus::Paid => no_sale("The payment is recorded but the sale is not registered yet."),
        OrderStatus::Completed | OrderStatus::PartiallyRefunded | OrderStatus::Refunded => {
            let sold_at = order.completed_at.unwrap_or(order.created_at);
            Check::pass(rule, format!("Sold on {}.", day(sold_at)))
        }
    }
}

fn not_already_refunded(order: &order::Model, left: Money, currency: Currency) -> Check {
    let rule = Rule::NotAlreadyRefunded;
    let paid = Money::from_minor(order.grand_total_minor, currency);
    let refunded = Money::from_minor(order.refunded_total_minor, currency);
    if left.minor() == 0 {
        let detail = if paid.minor() == 0 {
            "Nothing was paid for this order, so nothing can be refunded.".to_owned()
        } else {
            format!("Everything paid ({paid}) has been refunded already.")
        };
        return Check::fail(rule, detail, Ineligible::AlreadyRefunded);
    }
    if refunded.minor() == 0 {
        Check::pass(rule, "Nothing of this order has been refunded.")
    } else {
        Check::pass(
            rule,
            format!("{refunded} of {paid} has been refunded; {left} is left."),
        )
    }
}

fn not_fulfilled(lines: &[order_line::Model], deliveries: &[&delivery::Model]) -> Check {
    let rule = Rule::NotFulfilled;
    let redeemed = DeliveryStatus::Redeemed.as_str();
    let is_ticket = |d: &delivery::Model| {
        lines
            .iter()
            .any(|l| l.id == d.order_line_id && l.kind == Kind::Ticket.as_str())
    };
    if lines.iter().any(|l| l.library_offer_id.is_some()) {
        return Check::fail(
            rule,
            "Library licences are delivered as copies to lend; they are not refunded.",
            Ineligible::Fulfilled,
        );
    }
    let fulfilled = deliveries.iter().find_map(|d| match d.downloaded_at {
        Some(at) => Some(format!(
            "Downloaded on {}; a downloaded ebook cannot be refunded.",
            day(at)
        )),
        None if d.status == redeemed && is_ticket(d) => Some(format!(
            "Checked in at the door on {}; a used ticket cannot be refunded.",
            day(d.redeemed_at.unwrap_or(d.created_at))
        )),
        None if d.status == redeemed => Some(format!(
            "Redeemed on {}; a redeemed access code cannot be refunded.",
            day(d.redeemed_at.unwrap_or(d.created_at))
        )),
        None => None,
    });
    match fulfilled {
        Some(detail) => Check::fail(rule, detail, Ineligible::Fulfilled),
        None => Check::pass(rule, "Nothing has been downloaded or redeemed."),
    }
}

/// When the refund period of a sold order ends: the sale plus the shortest refund days of
/// its lines. `None` for an order not sold or without lines.
pub fn refund_period_end(order: &order::Model, lines: &[order_line::Model]) -> Option<DateTime<Utc>> {
    let days = lines.iter().map(|l| l.refund_days).min()?;
    Some(order.completed_at? + Duration::days(i64::from(days)))
}

/// The next instant after `now` at which what is said of the order changes by the passing
/// of time alone: its hold ends (while it awaits payment), or its refund period does.
pub fn changes_by_itself_at(
    order: &order::Model,
    lines: &[order_line::Model],
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    [order.expires_at, refund_period_end(order, lines)]
        .into_iter()
        .flatten()
        .filter(|at| *at >= now)
        .min()
}

fn within_refund_days(order: &order::Model, lines: &[order_line::Model], now: DateTime<Utc>) -> Check {
    let rule = Rule::WithinRefundDays;
    let Some(days) = lines.iter().map(|l| l.refund_days).min() else {
        return Check::pass(rule, "No refund period applies: the order has no lines.");
    };
    let Some(sold_at) = order.completed_at else {
        return Check::pass(
            rule,
            format!("Not sold yet; the {days}-day refund period starts with the sale."),
        );
    };
    let until = sold_at + Duration::days(i64::from(days));
    if now > until {
        Check::fail(
            rule,
            format!(
                "Sold on {}; the {days}-day refund period ended on {}.",
                day(sold_at),
                day(until)
            ),
            Ineligible::TimeLimit { days },
        )
    } else {
        Check::pass(
            rule,
            format!(
                "Sold on {}; refunds are possible for {days} days, until {}.",
                day(sold_at),
                day(until)
            ),
        )
    }
}

fn under_usage_limit(lines: &[order_line::Model], deliveries: &[&delivery::Model]) -> Check {
    let rule = Rule::UnderUsageLimit;
    let limit_of = |d: &delivery::Model| {
        lines
            .iter()
            .find(|l| l.id == d.order_line_id)
            .map(|l| l.usage_limit_percent)
    };
    let over = deliveries.iter().find_map(|d| {
        limit_of(d)
            .filter(|limit| d.usage_percent > *limit)
            .map(|limit| (d.usage_percent, limit))
    });
    if let Some((used, limit)) = over {
        return Check::fail(
            rule,
            format!("Read to {used}%; a refund is possible only up to {limit}%."),
            Ineligible::UsageLimit { percent: limit },
        );
    }
    match deliveries.iter().map(|d| d.usage_percent).max().unwrap_or(0) {
        0 => Check::pass(rule, "Nothing has been read."),
        most => Check::pass(
            rule,
            format!("Read to {most}%, within the usage limit for a refund."),
        ),
    }
}

/// Which rules apply to an order now: an event refund's while one is open (the merchant
/// withdrew the product), a customer request's otherwise.
pub fn source_now(requests: &[refund_request::Model]) -> Result<RefundSource, DbErr> {
    for request in requests {
        if RefundRequestStatus::from_stored(&request.status)?.is_open() {
            return RefundSource::from_stored(&request.source);
        }
    }
    Ok(RefundSource::CustomerRequest)
}

/// Where an order stands for refunds, as its views show it: the one eligibility answer
/// under the rules that apply now, and whether it has refund requests to list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refundability {
    pub eligibility: Eligibility,
    pub has_requests: bool,
    /// A request is open (new or approved): no other may be opened until it is closed.
    pub has_open_request: bool,
}

impl Refundability {
    /// Evaluates `facts` under the rules that `requests` (all of the order's) make apply.
    pub fn of(
        facts: Facts<'_>,
        requests: &[refund_request::Model],
        now: DateTime<Utc>,
    ) -> Result<Self, DbErr> {
        Ok(Refundability {
            eligibility: evaluate(facts, source_now(requests)?, now)?,
            has_requests: !requests.is_empty(),
            has_open_request: requests.iter().any(|request| request.open_order_id.is_some()),
        })
    }

    /// A new refund request can be opened now: every rule passes and none is open.
    pub fn can_open_request(&self) -> bool {
        self.eligibility.eligible && !self.has_open_request
    }
}

/// Evaluates every rule in the write transaction of the change it allows (opening,
/// approving, processing a request; voiding at the till), then compares a stated amount
/// with what is refundable. Answers the eligibility, or the refusal of the first failed
/// check.
///
/// The deliveries it reads stay locked until that transaction ends, so that a download, a
/// redemption or a usage report cannot slip in between the check and the change.
pub async fn check_eligibility(
    db: &impl ConnectionTrait,
    order: &order::Model,
    merchant: &merchant::Model,
    source: RefundSource,
    stated: Option<Money>,
    now: DateTime<Utc>,
) -> Result<Result<Eligibility, Ineligible>, DbErr> {
    let deliveries = deliveries_locked(db, order.id).await?;
    let lines = orders::lines_of(db, order.id).await?;
    let deliveries: Vec<&delivery::Model> = deliveries.iter().collect();
    let facts = Facts {
        order,
        merchant,
        lines: &lines,
        deliveries: &deliveries,
    };
    let eligibility = evaluate(facts, source, now)?;
    if let Some(why) = eligibility.refusal() {
        return Ok(Err(why.clone()));
    }
    if let Some(stated) = stated
        && stated != eligibility.refundable
    {
        return Ok(Err(Ineligible::CostMismatch {
            refundable: eligibility.refundable,
        }));
    }
    Ok(Ok(eligibility))
}

/// The order's deliveries, read `FOR UPDATE` on PostgreSQL: a concurrent download (or
/// redemption, or usage report) waits for the caller's transaction and then sees what it
/// did. SQLite has no row locks and needs none: its write transactions run one at a time.
async fn deliveries_locked(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<delivery::Model>, DbErr> {
    delivery::Entity::find()
        .filter(delivery::Column::OrderId.eq(order_id))
        .order_by_asc(delivery::Column::Id)
        .lock_exclusive()
        .all(db)
        .await
}

/// What a view of an order's refunds reads: the facts of [`evaluate`] and the order's
/// refund requests, loaded side by side, without locks.
#[derive(Debug, Clone)]
pub struct Sale {
    pub merchant: merchant::Model,
    pub lines: Vec<order_line::Model>,
    pub deliveries: Vec<delivery::Model>,
    pub requests: Vec<refund_request::Model>,
}

impl Sale {
    /// The eligibility of `order` now: under the rules of `request` (its source), or
    /// without one under the rules that apply to the order now.
    pub fn eligibility(
        &self,
        order: &order::Model,
        request: Option<&refund_request::Model>,
    ) -> Result<Eligibility, DbErr> {
        let source = match request {
            Some(request) => RefundSource::from_stored(&request.source)?,
            None => source_now(&self.requests)?,
        };
        let deliveries: Vec<&delivery::Model> = self.deliveries.iter().collect();
        let facts = Facts {
            order,
            merchant: &self.merchant,
            lines: &self.lines,
            deliveries: &deliveries,
        };
        evaluate(facts, source, Utc::now())
    }
}

/// Loads the [`Sale`] of an order for a view, in four queries side by side.
pub async fn load_sale(db: &impl ConnectionTrait, order: &order::Model) -> Result<Sale, DbErr> {
    let deliveries = delivery::Entity::find()
        .filter(delivery::Column::OrderId.eq(order.id))
        .order_by_asc(delivery::Column::Id)
        .all(db);
    let (merchant, lines, deliveries, requests) = tokio::try_join!(
        super::merchant_of(db, order),
        orders::lines_of(db, order.id),
        deliveries,
        super::of_order(db, order.id),
    )?;
    Ok(Sale {
        merchant,
        lines,
        deliveries,
        requests,
    })
}

#[cfg(test)]
mod tests;
