//! Payment notifications and the sale: on a captured payment of the right amount, the order
//! is paid, one delivery per unit is issued and the order completes — exactly once, in one
//! transaction, however many times (or how concurrently) the provider notifies.

use crate::db::FindUnique;
use chrono::{DateTime, Utc};
use entity::{delivery, order, payment};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, ExprTrait},
};

use super::{
    holds, ids, lending, money::Money, orders, outbox, status::DeliveryStatus, status::OrderStatus, tickets,
    vouchers,
};
use crate::{
    db::{begin_write, is_unique_violation},
    effect::{self, Effect},
};

/// What the provider says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentStatus {
    Captured,
    Declined,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Captured => "captured",
            PaymentStatus::Declined => "declined",
        }
    }
}

/// A verified, parsed provider notification.
#[derive(Debug, Clone)]
pub struct Notification {
    pub provider_reference: String,
    /// The uid named by the order URI, if it names one.
    pub order_uid: Option<String>,
    pub order_uri: String,
    pub amount: Money,
    pub status: PaymentStatus,
    pub timestamp: DateTime<Utc>,
}

/// What halshop did with a notification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The sale was registered: the order is completed with its deliveries.
    Sold(order::Model),
    /// The payment was declined; the order can be paid again.
    Declined(order::Model),
    /// This provider reference was processed before; nothing changed now.
    AlreadyProcessed {
        outcome: String,
        order_uid: Option<String>,
    },
    /// The same provider reference with different content.
    ReferenceReused,
    /// The amount or currency is not the order's grand total; the order stays unpaid.
    AmountMismatch {
        expected: Money,
        received: Money,
    },
    /// The order cannot be paid in its state (already paid, cancelled, …).
    NotPayable(OrderStatus),
    /// The order was not paid before its hold ran out; its places went back on sale.
    Expired(order::Model),
    UnknownOrder,
}

impl Outcome {
    fn stored(&self) -> &'static str {
        match self {
            Outcome::Sold(_) => "sold",
            Outcome::Declined(_) => "declined",
            Outcome::AmountMismatch { .. } => "amount_mismatch",
            Outcome::NotPayable(_) => "not_payable",
            Outcome::Expired(_) => "order_expired",
            Outcome::UnknownOrder => "unknown_order",
            Outcome::AlreadyProcessed { .. } | Outcome::ReferenceReused => "pending",
        }
    }
}

/// Records a notification and acts on it. The payment row (unique provider reference) is
/// written first in the transaction, so that of concurrent deliveries of one notification
/// one acts and the others find it processed; the order moves to `paid` only from
/// `awaiting_payment`, in the UPDATE itself.
pub async fn record(
    db: &DatabaseConnection,
    note: &Notification,
    request_hash: &str,
) -> Result<Outcome, DbErr> {
    match record_once(db, note, request_hash).await {
        Err(err) if is_unique_violation(&err) => already(db, note, request_hash).await,
        other => other,
    }
}

/// The payment notifications recorded for an order, oldest first, whatever their outcome.
pub async fn payments_of(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<payment::Model>, DbErr> {
    payment::Entity::find()
        .filter(payment::Column::OrderId.eq(order_id))
        .order_by_asc(payment::Column::Id)
        .all(db)
        .await
}

async fn already(
    db: &impl ConnectionTrait,
    note: &Notification,
    request_hash: &str,
) -> Result<Outcome, DbErr> {
    let existing = payment::Entity::find()
        .filter(payment::Column::ProviderReference.eq(note.provider_reference.as_str()))
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("payment vanished".into()))?;
    if existing.request_hash != request_hash {
        return Ok(Outcome::ReferenceReused);
    }
    let order_uid = match existing.order_id {
        Some(id) => order::Entity::find_by_id(id).unique(db).await?.map(|o| o.uid),
        None => None,
    };
    Ok(Outcome::AlreadyProcessed {
        outcome: existing.outcome,
        order_uid,
    })
}

async fn record_once(
    db: &DatabaseConnection,
    note: &Notification,
    request_hash: &str,
) -> Result<Outcome, DbErr> {
    let exists = payment::Entity::find()
        .filter(payment::Column::ProviderReference.eq(note.provider_reference.as_str()))
        .unique(db)
        .await?;
    if exists.is_some() {
        return already(db, note, request_hash).await;
    }
    let txn = begin_write(db).await?;
    let found = match &note.order_uid {
        Some(uid) => orders::find(&txn, uid).await?,
        None => None,
    };
    let inserted = payment::ActiveModel {
        provider_reference: Set(note.provider_reference.clone()),
        order_id: Set(found.as_ref().map(|o| o.id)),
        order_uri: Set(note.order_uri.clone()),
        status: Set(note.status.as_str().into()),
        outcome: Set("pending".into()),
        amount_minor: Set(note.amount.minor()),
        currency: Set(note.amount.currency().code().into()),
        request_hash: Set(request_hash.to_owned()),
        received_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    // Rolled back explicitly, so that the notification it collided with is read committed.
    let stored = match inserted {
        Ok(stored) => stored,
        Err(err) => {
            txn.rollback().await?;
            return Err(err);
        }
    };
    let order_of = found.as_ref().map(|order| (order.uid.clone(), order.merchant_id));
    let outcome = decide(&txn, note, found).await?;
    if let Some((order_uid, merchant_id)) = order_of {
        flag_unused_capture(&txn, note, &stored, (&order_uid, merchant_id), &outcome).await?;
    }
    let mut stored: payment::ActiveModel = stored.into();
    stored.outcome = Set(outcome.stored().into());
    stored.update(&txn).await?;
    effect::commit(txn, Effect::recorded()).await?;
    Ok(outcome)
}

/// A capture that no sale uses — the order was already paid (a double charge) or cancelled,
/// or the amount is not the order's — is money the buyer must get back: a
/// `payment.requires_refund` event tells the merchant, written with the payment row.
async fn flag_unused_capture(
    txn: &impl ConnectionTrait,
    note: &Notification,
    payment: &payment::Model,
    (order_uid, merchant_id): (&str, i64),
    outcome: &Outcome,
) -> Result<(), DbErr> {
    let reason = match outcome {
        Outcome::NotPayable(_) => "order_not_payable",
        Outcome::Expired(_) => "order_expired",
        Outcome::AmountMismatch { .. } => "amount_mismatch",
        _ => return Ok(()),
    };
    if note.status != PaymentStatus::Captured {
        return Ok(());
    }
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id,
            event_type: "payment.requires_refund",
            subject_uid: order_uid,
            self_path: format!("/orders/{order_uid}"),
            data: serde_json::json!({
            "payment_id": payment.id,
            "order_uid": order_uid,
            "provider_reference": payment.provider_reference,
            "amount": note.amount.amount_string(),
            "currency": note.amount.currency().code(),
            "reason": reason,
            "received_at": payment.received_at.to_rfc3339(),
            }),
        },
    )
    .await
}

async fn decide(
    txn: &impl ConnectionTrait,
    note: &Notification,
    found: Option<order::Model>,
) -> Result<Outcome, DbErr> {
    let Some(order) = found else {
        return Ok(Outcome::UnknownOrder);
    };
    // An order past its hold is expired first: it can never be paid.
    let order = if holds::is_past_hold(&order, Utc::now()) && holds::expire_in(txn, &order).await? {
        order::Entity::find_by_id(order.id)
            .one(txn)
            .await?
            .unwrap_or(order)
    } else {
        order
    };
    let status = OrderStatus::from_stored(&order.status)?;
    if status == OrderStatus::Expired {
        return Ok(Outcome::Expired(order));
    }
    if note.status == PaymentStatus::Declined {
        return Ok(match status {
            OrderStatus::AwaitingPayment => Outcome::Declined(order),
            other => Outcome::NotPayable(other),
        });
    }
    let currency = order
        .currency
        .parse()
        .map_err(|_| DbErr::Type(format!("order {} has an unknown currency", order.uid)))?;
    let expected = Money::from_minor(order.grand_total_minor, currency);
    if note.amount != expected {
        return Ok(Outcome::AmountMismatch {
            expected,
            received: note.amount,
        });
    }
    let now = Utc::now();
    if let Some(refused) = mark_paid(txn, &order, now).await? {
        return Ok(refused);
    }
    issue_deliveries(txn, &order).await?;
    order::Entity::update_many()
        .col_expr(
            order::Column::Status,
            Expr::value(OrderStatus::Completed.as_str()),
        )
        .col_expr(order::Column::CompletedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(order.id))
        .exec(txn)
        .await?;
    let completed = order::Entity::find_by_id(order.id)
        .unique(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order vanished".into()))?;
    write_completed(txn, &completed, note, &expected, now).await?;
    Ok(Outcome::Sold(completed))
}

/// The `order.completed` event of an order the payment `note` completed.
async fn write_completed(
    txn: &impl ConnectionTrait,
    completed: &order::Model,
    note: &Notification,
    expected: &Money,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: completed.merchant_id,
            event_type: "order.completed",
            subject_uid: &completed.uid,
            self_path: format!("/orders/{}", completed.uid),
            data: serde_json::json!({
            "uid": completed.uid,
            "status": completed.status,
            "order_uid": completed.uid,
            "reference": completed.reference,
            "transaction_id": completed.transaction_id,
            "customer_id": completed.customer_id,
            "cost": expected.amount_string(),
            "grand_total": {"amount": expected.amount_string(), "currency": completed.currency},
            "currency": completed.currency,
            "created_at": completed.created_at.to_rfc3339(),
            "sale_state": completed.sale_state,
            "provider_reference": note.provider_reference,
            "completed_at": now.to_rfc3339(),
            }),
        },
    )
    .await
}

/// Moves an order awaiting payment, and not past its hold, to `paid`: the conditions are
/// part of the UPDATE, so a payment racing an expiry or a cancellation either comes first
/// or finds why the order cannot be paid (the answer then).
async fn mark_paid(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    now: DateTime<Utc>,
) -> Result<Option<Outcome>, DbErr> {
    let paid = order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Paid.as_str()))
        .col_expr(order::Column::PaidAt, Expr::value(now))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::Status.eq(OrderStatus::AwaitingPayment.as_str()))
        .filter(
            Condition::any()
                .add(order::Column::ExpiresAt.is_null())
                .add(order::Column::ExpiresAt.gt(now)),
        )
        .exec(txn)
        .await?;
    if paid.rows_affected == 0 {
        let current = order::Entity::find_by_id(order.id)
            .one(txn)
            .await?
            .unwrap_or_else(|| order.clone());
        if holds::expire_in(txn, &current).await? {
            let expired = order::Entity::find_by_id(current.id)
                .one(txn)
                .await?
                .unwrap_or(current);
            return Ok(Some(Outcome::Expired(expired)));
        }
        return Ok(Some(match OrderStatus::from_stored(&current.status)? {
            OrderStatus::Expired => Outcome::Expired(current),
            other => Outcome::NotPayable(other),
        }));
    }
    Ok(None)
}

/// One delivery per unit of every line, each with its own access code; one licence per
/// copy of a library's licence line.
pub async fn issue_deliveries(
    txn: &impl ConnectionTrait,
    order: &order::Model,
) -> Result<Vec<delivery::Model>, DbErr> {
    let mut issued = Vec::new();
    let lines = orders::lines_of(txn, order.id).await?;
    let issuer = tickets::Issuer::load(txn, &lines).await?;
    // A library's licences are copies to lend, not files for the buyer.
    lending::licences::issue_all(txn, order, &lines, Utc::now()).await?;
    for line in lines {
        if line.library_offer_id.is_some() {
            continue;
        }
        for unit in 0..line.quantity {
            let delivery = delivery::ActiveModel {
                uid: Set(ids::new_uid()),
                order_id: Set(order.id),
                order_line_id: Set(line.id),
                product_id: Set(line.product_id),
                unit: Set(unit),
                access_code: Set(vouchers::random_code(10)),
                status: Set(DeliveryStatus::Active.as_str().into()),
                downloaded_at: Set(None),
                usage_percent: Set(0),
                owner_sub: Set(order.customer_sub.clone()),
                redeemed_at: Set(None),
                voided_at: Set(None),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(txn)
            .await?;
            if let Some(issuer) = &issuer {
                issuer.issue(txn, order, &delivery).await?;
            }
            issued.push(delivery);
        }
    }
    Ok(issued)
}

pub async fn deliveries_of(db: &impl ConnectionTrait, order_id: i64) -> Result<Vec<delivery::Model>, DbErr> {
    delivery::Entity::find()
        .filter(delivery::Column::OrderId.eq(order_id))
        .order_by_asc(delivery::Column::Id)
        .all(db)
        .await
}

pub async fn find_delivery(db: &impl ConnectionTrait, uid: &str) -> Result<Option<delivery::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    delivery::Entity::find()
        .filter(delivery::Column::Uid.eq(uid))
        .unique(db)
        .await
}

/// Records how much of a delivery a reader app has shown. Usage never goes down: the
/// condition is in the UPDATE. Returns false when `percent` is below what was recorded.
pub async fn record_usage(db: &impl ConnectionTrait, delivery_id: i64, percent: i32) -> Result<bool, DbErr> {
    let result = delivery::Entity::update_many()
        .col_expr(delivery::Column::UsagePercent, Expr::value(percent))
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::UsagePercent.lte(percent))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}
