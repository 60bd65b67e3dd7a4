//! Processing an approved request: the money goes back at most once, in one transaction.

use crate::db::FindUnique;
use chrono::{DateTime, Utc};
use entity::{delivery, order, order_line, refund, refund_request};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use super::{
    Eligibility, Ineligible, RefundError, check_eligibility,
    lifecycle::{advance, expect_status, reload},
    merchant_of,
    split::{RefundBill, Split, bill, by_lines},
};
use crate::{
    db::begin_write,
    domain::{
        ids,
        money::Money,
        orders, outbox,
        status::{DeliveryStatus, OrderStatus, RefundRequestStatus, RefundSource, RefundStatus, RefundType},
        vouchers,
    },
    effect::{self, Effect},
};

/// What processing returned: the refunds and the receipt token.
#[derive(Debug, Clone)]
pub struct Processed {
    pub request: refund_request::Model,
    pub refunds: Vec<refund::Model>,
    pub receipt: String,
}

/// Processes an approved request in one transaction: every rule of the sale cancellation is
/// checked once more on the order and deliveries as they are now (a download since the
/// approval refuses it), refunds are created, a voucher issued for the voucher part, the
/// deliveries voided (unless `keep_tickets`), and the order's refunded total raised — only
/// if it still equals what was read and stays within what was paid, so that no concurrency
/// can refund more than once.
pub async fn process(
    db: &DatabaseConnection,
    request: &refund_request::Model,
    version: i32,
) -> Result<Processed, RefundError> {
    expect_status(request, RefundRequestStatus::Approved, "processed")?;
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let claim = refund_request::Entity::update_many()
        .col_expr(
            refund_request::Column::Status,
            Expr::value(RefundRequestStatus::Processed.as_str()),
        )
        .col_expr(
            refund_request::Column::OpenOrderId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(refund_request::Column::ProcessedAt, Expr::value(now));
    advance(&txn, claim, request, version, RefundRequestStatus::Approved).await?;
    let order = order::Entity::find_by_id(request.order_id)
        .unique(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a refund request".into()))?;
    let eligibility = still_eligible(&txn, request, &order, now).await?;
    let amounts = bill(eligibility.refundable, &Split::of(request)?);
    raise_refunded_total(&txn, &order, amounts.refundable, now).await?;
    let receipt = ids::new_secret("rf_");
    let refunds = make_refunds(&txn, request, &order, &amounts, &receipt, now).await?;
    if !request.keep_tickets {
        void_deliveries(&txn, order.id, now).await?;
        crate::domain::tickets::void_for_order(&txn, &order, now).await?;
    }
    outbox::write_event(
        &txn,
        outbox::NewEvent {
            merchant_id: order.merchant_id,
            event_type: "refund_request.processed",
            subject_uid: &request.uid,
            self_path: format!("/refund_requests/{}", request.uid),
            data: serde_json::json!({"uid": request.uid, "status": "processed", "refund_request_uid": request.uid, "order_uid": order.uid,
                           "refund": amounts.refund.amount_string(), "voucher": amounts.voucher.amount_string(),
                           "donation": amounts.donation.amount_string(), "currency": order.currency}),
        },
    )
    .await?;
    let processed = reload(&txn, request.id).await?;
    effect::commit(txn, Effect::changed("refund_requests", &request.uid)).await?;
    Ok(Processed {
        request: processed,
        refunds,
        receipt,
    })
}

/// Refuses the processing unless every rule of the sale cancellation holds now, in the
/// processing transaction: the money moves only on what was checked there.
async fn still_eligible(
    txn: &impl ConnectionTrait,
    request: &refund_request::Model,
    order: &order::Model,
    now: DateTime<Utc>,
) -> Result<Eligibility, RefundError> {
    let merchant = merchant_of(txn, order).await?;
    let source = RefundSource::from_stored(&request.source)?;
    check_eligibility(txn, order, &merchant, source, None, now)
        .await?
        .map_err(RefundError::Ineligible)
}

/// Raises the order's refunded total by `settled`, only if it is still what was read and
/// stays within what was paid.
async fn raise_refunded_total(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    settled: Money,
    now: DateTime<Utc>,
) -> Result<(), RefundError> {
    if settled.minor() == 0 {
        return Err(RefundError::Ineligible(Ineligible::AlreadyRefunded));
    }
    let new_total = order.refunded_total_minor + settled.minor();
    let status = if new_total >= order.grand_total_minor {
        OrderStatus::Refunded
    } else {
        OrderStatus::PartiallyRefunded
    };
    let raised = order::Entity::update_many()
        .col_expr(order::Column::RefundedTotalMinor, Expr::value(new_total))
        .col_expr(order::Column::Status, Expr::value(status.as_str()))
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(order.id))
        .filter(order::Column::RefundedTotalMinor.eq(order.refunded_total_minor))
        .filter(Expr::col(order::Column::GrandTotalMinor).gte(new_total))
        .exec(txn)
        .await?;
    if raised.rows_affected == 0 {
        return Err(RefundError::Ineligible(Ineligible::AlreadyRefunded));
    }
    Ok(())
}

/// One refund per part that is not zero (provider, voucher), each with its event.
async fn make_refunds(
    txn: &impl ConnectionTrait,
    request: &refund_request::Model,
    order: &order::Model,
    amounts: &RefundBill,
    receipt: &str,
    now: DateTime<Utc>,
) -> Result<Vec<refund::Model>, DbErr> {
    let lines = orders::lines_of(txn, order.id).await?;
    let mut refunds = Vec::new();
    for (kind, amount) in [
        (RefundType::Psp, amounts.refund),
        (RefundType::Voucher, amounts.voucher),
    ] {
        if amount.minor() == 0 {
            continue;
        }
        let voucher_id = match kind {
            RefundType::Voucher => Some(
                vouchers::issue(txn, order.merchant_id, amount, "refund")
                    .await?
                    .id,
            ),
            RefundType::Psp => None,
        };
        let created = refund::ActiveModel {
            uid: Set(ids::new_uid()),
            order_id: Set(order.id),
            refund_request_id: Set(request.id),
            kind: Set(kind.as_str().into()),
            status: Set(RefundStatus::Processed.as_str().into()),
            amount_minor: Set(amount.minor()),
            currency: Set(order.currency.clone()),
            voucher_id: Set(voucher_id),
            by_tickets: Set(tickets_json(&lines, amount)),
            receipt: Set(receipt.to_owned()),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        outbox::write_event(
            txn,
            outbox::NewEvent {
                merchant_id: order.merchant_id,
                event_type: "refund.created",
                subject_uid: &created.uid,
                self_path: format!("/refunds/{}", created.uid),
                data: serde_json::json!({"uid": created.uid, "status": created.status, "refund_uid": created.uid,
                                         "order_uid": order.uid, "type": kind.as_str(), "receipt": created.receipt,
                                         "amount": amount.amount_string(), "currency": order.currency,
                                         "created_at": created.created_at.to_rfc3339()}),
            },
        )
        .await?;
        refunds.push(created);
    }
    Ok(refunds)
}

/// How a refund spreads over the lines, as stored with it.
fn tickets_json(lines: &[order_line::Model], amount: Money) -> String {
    let by_tickets: Vec<serde_json::Value> = by_lines(lines, amount)
        .into_iter()
        .map(|(name, money)| serde_json::json!({"product_name": name, "amount_minor": money.minor()}))
        .collect();
    serde_json::Value::Array(by_tickets).to_string()
}

async fn void_deliveries(txn: &impl ConnectionTrait, order_id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Voided.as_str()),
        )
        .col_expr(delivery::Column::VoidedAt, Expr::value(now))
        .filter(delivery::Column::OrderId.eq(order_id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Active.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}
