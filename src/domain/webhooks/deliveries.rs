//! Deliveries: claimed under a lease, sent, recorded attempt by attempt.
//!
//! **Claiming.** A worker takes a due delivery with a conditional update that sets
//! `locked_until` (a lease) and its own `lock_token` only where no live lease is held
//! (`locked_until IS NULL OR locked_until < now`): of two instances that pick the same
//! row, one updates it and the other finds nothing to update, so a delivery is never sent
//! by two workers at once. A worker that dies mid-send leaves a lease that expires, and the
//! delivery is sent again (at least once; receivers deduplicate by `webhook-id`).
//!
//! **Order.** Delivery to an endpoint is strictly ordered by event: a delivery is due only
//! while no delivery of an earlier event to the same endpoint is still `pending` (waiting
//! for a retry or being sent). A failing event holds the later ones back until it is
//! delivered or given up (`failed`); a delivered or failed one never blocks.

use chrono::{DateTime, Utc};
use entity::{outbox_event, webhook_attempt, webhook_delivery, webhook_endpoint};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{DeliveryStatus, Schedule, event_types_of, sequencer::new_delivery, wants};
use crate::{db::begin_write, domain::ids};

/// A delivery held by this worker, with what it needs to send it.
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: webhook_delivery::Model,
    pub endpoint: webhook_endpoint::Model,
    pub event: outbox_event::Model,
    pub token: String,
}

/// How an attempt ended.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub attempted_at: DateTime<Utc>,
    /// The answer's status, when one came.
    pub status_code: Option<u16>,
    pub latency_ms: i64,
    /// Why there was no answer (or why it was not sent).
    pub error: Option<String>,
}

impl Outcome {
    pub fn delivered(&self) -> bool {
        self.status_code.is_some_and(|code| (200..300).contains(&code))
    }
}

fn no_live_lease(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(webhook_delivery::Column::LockedUntil.is_null())
        .add(webhook_delivery::Column::LockedUntil.lt(now))
}

/// Claims up to `limit` due deliveries for `lease`.
pub async fn claim(db: &DatabaseConnection, schedule: &Schedule, limit: u64) -> Result<Vec<Claimed>, DbErr> {
    let now = Utc::now();
    let candidates = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
        .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
        .filter(no_live_lease(now))
        .filter(Expr::cust(
            "NOT EXISTS (SELECT 1 FROM webhook_delivery AS earlier \
             WHERE earlier.endpoint_id = webhook_delivery.endpoint_id \
             AND earlier.status = 'pending' AND earlier.event_seq < webhook_delivery.event_seq)",
        ))
        .filter(Expr::cust(
            "EXISTS (SELECT 1 FROM webhook_endpoint AS target \
             WHERE target.id = webhook_delivery.endpoint_id AND target.enabled)",
        ))
        .order_by_asc(webhook_delivery::Column::NextAttemptAt)
        .order_by_asc(webhook_delivery::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for delivery in candidates {
        let token = ids::new_uid();
        let taken = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::LockedUntil,
                Expr::value(now + schedule.lease()),
            )
            .col_expr(webhook_delivery::Column::LockToken, Expr::value(token.clone()))
            .filter(webhook_delivery::Column::Id.eq(delivery.id))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(no_live_lease(now))
            .exec(db)
            .await?;
        if taken.rows_affected == 1 {
            claimed.push((delivery, token));
        }
    }
    with_endpoints_and_events(db, claimed).await
}

async fn with_endpoints_and_events(
    db: &DatabaseConnection,
    claimed: Vec<(webhook_delivery::Model, String)>,
) -> Result<Vec<Claimed>, DbErr> {
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Id.is_in(claimed.iter().map(|(d, _)| d.endpoint_id)))
        .all(db)
        .await?;
    let events = outbox_event::Entity::find()
        .filter(outbox_event::Column::Id.is_in(claimed.iter().map(|(d, _)| d.event_id)))
        .all(db)
        .await?;
    Ok(claimed
        .into_iter()
        .filter_map(|(delivery, token)| {
            let endpoint = endpoints.iter().find(|e| e.id == delivery.endpoint_id)?.clone();
            let event = events.iter().find(|e| e.id == delivery.event_id)?.clone();
            Some(Claimed {
                delivery,
                endpoint,
                event,
                token,
            })
        })
        .collect())
}

/// Records an attempt and decides what comes next: delivered, a retry, or `failed` once
/// the delivery's window has closed. An endpoint whose attempts have all failed for the
/// whole window is disabled when one of its deliveries fails for good.
pub async fn record(
    db: &DatabaseConnection,
    schedule: &Schedule,
    claimed: &Claimed,
    outcome: &Outcome,
) -> Result<DeliveryStatus, DbErr> {
    let delivery = &claimed.delivery;
    let attempts = delivery.attempts + 1;
    let now = Utc::now();
    let (status, next) = if outcome.delivered() {
        (DeliveryStatus::Delivered, None)
    } else if now >= delivery.give_up_at {
        (DeliveryStatus::Failed, None)
    } else {
        (
            DeliveryStatus::Pending,
            Some(now + schedule.delay_after(attempts)),
        )
    };
    let txn = begin_write(db).await?;
    webhook_attempt::ActiveModel {
        delivery_id: Set(delivery.id),
        number: Set(attempts),
        attempted_at: Set(outcome.attempted_at),
        status_code: Set(outcome.status_code.map(i32::from)),
        latency_ms: Set(outcome.latency_ms),
        error: Set(outcome.error.as_deref().map(short)),
        next_attempt_at: Set(next),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    webhook_delivery::Entity::update_many()
        .col_expr(webhook_delivery::Column::Status, Expr::value(status.as_str()))
        .col_expr(webhook_delivery::Column::Attempts, Expr::value(attempts))
        .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            webhook_delivery::Column::LastStatusCode,
            Expr::value(outcome.status_code.map(i32::from)),
        )
        .col_expr(
            webhook_delivery::Column::LastLatencyMs,
            Expr::value(Some(outcome.latency_ms)),
        )
        .col_expr(
            webhook_delivery::Column::LastError,
            Expr::value(outcome.error.as_deref().map(short)),
        )
        .col_expr(
            webhook_delivery::Column::DeliveredAt,
            Expr::value(outcome.delivered().then_some(now)),
        )
        .col_expr(
            webhook_delivery::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            webhook_delivery::Column::LockToken,
            Expr::value(Option::<String>::None),
        )
        .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
        .filter(webhook_delivery::Column::Id.eq(delivery.id))
        .filter(webhook_delivery::Column::LockToken.eq(claimed.token.clone()))
        .exec(&txn)
        .await?;
    // A failing endpoint fails since the attempt that failed first was due.
    let due = delivery.next_attempt_at.unwrap_or(outcome.attempted_at);
    endpoint_health(&txn, schedule, &claimed.endpoint, status, (due, now)).await?;
    txn.commit().await?;
    Ok(status)
}

/// Keeps `failing_since` of the endpoint, and disables an endpoint that has failed for
/// the whole retry window.
async fn endpoint_health(
    txn: &impl sea_orm::ConnectionTrait,
    schedule: &Schedule,
    endpoint: &webhook_endpoint::Model,
    status: DeliveryStatus,
    (due, now): (DateTime<Utc>, DateTime<Utc>),
) -> Result<(), DbErr> {
    let this = webhook_endpoint::Column::Id.eq(endpoint.id);
    if status == DeliveryStatus::Delivered {
        webhook_endpoint::Entity::update_many()
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(Option::<DateTime<Utc>>::None),
            )
            .filter(this)
            .filter(webhook_endpoint::Column::FailingSince.is_not_null())
            .exec(txn)
            .await?;
        return Ok(());
    }
    webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::FailingSince, Expr::value(Some(due)))
        .filter(this.clone())
        .filter(webhook_endpoint::Column::FailingSince.is_null())
        .exec(txn)
        .await?;
    if status == DeliveryStatus::Failed {
        let since = now - schedule.window();
        let reason = format!(
            "Every delivery failed for 3 days; disabled at {}. Fix the receiver and enable the endpoint again.",
            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
        );
        webhook_endpoint::Entity::update_many()
            .col_expr(webhook_endpoint::Column::Enabled, Expr::value(false))
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                Expr::value(Some(reason)),
            )
            .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
            .col_expr(
                webhook_endpoint::Column::Version,
                Expr::col(webhook_endpoint::Column::Version).add(1),
            )
            .filter(this)
            .filter(webhook_endpoint::Column::Enabled.eq(true))
            .filter(webhook_endpoint::Column::FailingSince.lte(since))
            .exec(txn)
            .await?;
    }
    Ok(())
}

fn short(text: &str) -> String {
    text.chars().take(500).collect()
}

/// Sends `event` again now to every enabled endpoint of its merchant that wants it: its
/// deliveries go back to `pending`, due now, for one attempt; an endpoint that never had
/// it gets a new delivery. Answers the deliveries, each with its endpoint's uid.
pub async fn redeliver(
    db: &DatabaseConnection,
    event: &outbox_event::Model,
) -> Result<Vec<(webhook_delivery::Model, String)>, DbErr> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::MerchantId.eq(event.merchant_id.unwrap_or_default()))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .order_by_asc(webhook_endpoint::Column::Id)
        .all(&txn)
        .await?;
    for endpoint in endpoints
        .iter()
        .filter(|endpoint| wants(&event_types_of(&endpoint.event_types), &event.event_type))
    {
        let reset = webhook_delivery::Entity::update_many()
            .col_expr(
                webhook_delivery::Column::Status,
                Expr::value(DeliveryStatus::Pending.as_str()),
            )
            .col_expr(webhook_delivery::Column::NextAttemptAt, Expr::value(Some(now)))
            .col_expr(webhook_delivery::Column::GiveUpAt, Expr::value(now))
            .col_expr(webhook_delivery::Column::UpdatedAt, Expr::value(now))
            .filter(webhook_delivery::Column::EndpointId.eq(endpoint.id))
            .filter(webhook_delivery::Column::EventId.eq(event.id))
            .exec(&txn)
            .await?;
        if reset.rows_affected == 0 {
            new_delivery(endpoint.id, event, now, now).insert(&txn).await?;
        }
    }
    let deliveries = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EventId.eq(event.id))
        .filter(webhook_delivery::Column::EndpointId.is_in(endpoints.iter().map(|e| e.id)))
        .order_by_asc(webhook_delivery::Column::Id)
        .all(&txn)
        .await?;
    crate::effect::commit(txn, crate::effect::Effect::recorded()).await?;
    Ok(deliveries
        .into_iter()
        .filter_map(|delivery| {
            let endpoint = endpoints.iter().find(|e| e.id == delivery.endpoint_id)?;
            Some((delivery, endpoint.uid.clone()))
        })
        .collect())
}

/// A delivery of the log, with its event and its attempts (oldest first).
#[derive(Debug, Clone)]
pub struct Logged {
    pub delivery: webhook_delivery::Model,
    pub event: outbox_event::Model,
    pub attempts: Vec<webhook_attempt::Model>,
}

/// A page of an endpoint's deliveries, newest event first, optionally of one status.
pub async fn log(
    db: &DatabaseConnection,
    endpoint_id: i64,
    status: Option<DeliveryStatus>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<Logged>, u64), DbErr> {
    let mut query =
        webhook_delivery::Entity::find().filter(webhook_delivery::Column::EndpointId.eq(endpoint_id));
    if let Some(status) = status {
        query = query.filter(webhook_delivery::Column::Status.eq(status.as_str()));
    }
    let count = query.clone().count(db).await?;
    let deliveries = query
        .order_by_desc(webhook_delivery::Column::EventSeq)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((with_events_and_attempts(db, deliveries).await?, count))
}

/// One delivery of an endpoint, by uid.
pub async fn find(db: &DatabaseConnection, endpoint_id: i64, uid: &str) -> Result<Option<Logged>, DbErr> {
    let found = webhook_delivery::Entity::find()
        .filter(webhook_delivery::Column::EndpointId.eq(endpoint_id))
        .filter(webhook_delivery::Column::Uid.eq(uid))
        .all(db)
        .await?;
    Ok(with_events_and_attempts(db, found).await?.into_iter().next())
}

async fn with_events_and_attempts(
    db: &DatabaseConnection,
    deliveries: Vec<webhook_delivery::Model>,
) -> Result<Vec<Logged>, DbErr> {
    if deliveries.is_empty() {
        return Ok(Vec::new());
    }
    let events = outbox_event::Entity::find()
        .filter(outbox_event::Column::Id.is_in(deliveries.iter().map(|d| d.event_id)))
        .all(db)
        .await?;
    let mut attempts = webhook_attempt::Entity::find()
        .filter(webhook_attempt::Column::DeliveryId.is_in(deliveries.iter().map(|d| d.id)))
        .order_by_asc(webhook_attempt::Column::Id)
        .all(db)
        .await?;
    Ok(deliveries
        .into_iter()
        .filter_map(|delivery| {
            let event = events.iter().find(|e| e.id == delivery.event_id)?.clone();
            let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut attempts)
                .into_iter()
                .partition(|a| a.delivery_id == delivery.id);
            attempts = rest;
            Some(Logged {
                delivery,
                event,
                attempts: mine,
            })
        })
        .collect())
}
