//! The outbox's commit order.
//!
//! An event's `id` comes from a sequence when its transaction inserts it, but transactions
//! commit in their own order: on PostgreSQL, event 41 may commit after event 42, and a
//! reader that paged by id would have passed 41 before it became visible — and skipped it
//! for ever. So nothing pages by id. An event is given its `seq` after it committed, by
//! this step, which runs serialised (PostgreSQL: `pg_advisory_xact_lock` held by the
//! assigning transaction; SQLite: the writer gate of `db::begin_write`, SQLite having one
//! writer at a time anyway): it takes the rows without a `seq` in id order and numbers
//! them on from `max(seq) + 1`, in one transaction. Every committed row is numbered by the
//! next run, rows numbered in one run become visible together, and a run starts only after
//! the previous one committed: a reader therefore always sees a gap-free prefix of the
//! `seq`s, and `seq > after` never misses an event. Only events with a `seq` are seen by
//! the feed and by the fan-out, which happens in the same transaction: each newly numbered
//! event gets one `webhook_delivery` per enabled endpoint of its merchant that wants its
//! type (an endpoint disabled at that moment does not get it).
//!
//! Every instance runs this step in its worker loop; it is idempotent (a row is numbered
//! once: `seq IS NULL` is part of the update) and runs serialised, so instances never
//! contend for more than the lock.

use chrono::{DateTime, Utc};
use entity::{outbox_event, webhook_delivery, webhook_endpoint};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{DeliveryStatus, Schedule, event_types_of, wants};
use crate::{db::begin_write, domain::ids};

/// Events numbered per run.
const BATCH: u64 = 500;
/// The advisory lock key of the sequencer ("seq" in ASCII, in the high bytes).
const LOCK_KEY: i64 = 0x7365_7100_0000_0001;

/// Numbers the committed events that have no `seq` yet and fans them out; answers how many
/// it numbered.
pub async fn sequence(db: &DatabaseConnection, schedule: &Schedule) -> Result<usize, DbErr> {
    let waiting = outbox_event::Entity::find()
        .filter(outbox_event::Column::Seq.is_null())
        .count(db)
        .await?;
    if waiting == 0 {
        return Ok(0);
    }
    let txn = begin_write(db).await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared(&format!("SELECT pg_advisory_xact_lock({LOCK_KEY})"))
            .await?;
    }
    let rows = outbox_event::Entity::find()
        .filter(outbox_event::Column::Seq.is_null())
        .order_by_asc(outbox_event::Column::Id)
        .limit(BATCH)
        .all(&txn)
        .await?;
    let last: Option<i64> = outbox_event::Entity::find()
        .select_only()
        .column_as(Expr::col(outbox_event::Column::Seq).max(), "last")
        .into_tuple()
        .one(&txn)
        .await?
        .flatten();
    let now = Utc::now();
    let mut numbered = Vec::with_capacity(rows.len());
    for (at, mut row) in rows.into_iter().enumerate() {
        let seq = last.unwrap_or(0) + 1 + at as i64;
        outbox_event::Entity::update_many()
            .col_expr(outbox_event::Column::Seq, Expr::value(seq))
            .col_expr(outbox_event::Column::PublishedAt, Expr::value(now))
            .filter(outbox_event::Column::Id.eq(row.id))
            .filter(outbox_event::Column::Seq.is_null())
            .exec(&txn)
            .await?;
        row.seq = Some(seq);
        numbered.push(row);
    }
    fan_out(&txn, &numbered, now, schedule).await?;
    txn.commit().await?;
    Ok(numbered.len())
}

/// One pending delivery per (event, enabled endpoint of its merchant that wants it).
async fn fan_out(
    txn: &impl ConnectionTrait,
    events: &[outbox_event::Model],
    now: DateTime<Utc>,
    schedule: &Schedule,
) -> Result<(), DbErr> {
    let mut merchants: Vec<i64> = events.iter().filter_map(|event| event.merchant_id).collect();
    merchants.sort_unstable();
    merchants.dedup();
    if merchants.is_empty() {
        return Ok(());
    }
    let endpoints = webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::MerchantId.is_in(merchants))
        .filter(webhook_endpoint::Column::Enabled.eq(true))
        .all(txn)
        .await?;
    let filters: Vec<(&webhook_endpoint::Model, Vec<String>)> = endpoints
        .iter()
        .map(|endpoint| (endpoint, event_types_of(&endpoint.event_types)))
        .collect();
    let mut deliveries = Vec::new();
    for event in events {
        for (endpoint, types) in &filters {
            if Some(endpoint.merchant_id) == event.merchant_id && wants(types, &event.event_type) {
                deliveries.push(new_delivery(endpoint.id, event, now, now + schedule.window()));
            }
        }
    }
    for chunk in deliveries.chunks(200) {
        webhook_delivery::Entity::insert_many(chunk.to_vec())
            .exec(txn)
            .await?;
    }
    Ok(())
}

/// A delivery of `event` to an endpoint, due at once.
pub fn new_delivery(
    endpoint_id: i64,
    event: &outbox_event::Model,
    now: DateTime<Utc>,
    give_up_at: DateTime<Utc>,
) -> webhook_delivery::ActiveModel {
    webhook_delivery::ActiveModel {
        uid: Set(ids::new_uid()),
        endpoint_id: Set(endpoint_id),
        event_id: Set(event.id),
        event_seq: Set(event.seq.unwrap_or_default()),
        status: Set(DeliveryStatus::Pending.as_str().into()),
        attempts: Set(0),
        next_attempt_at: Set(Some(now)),
        give_up_at: Set(give_up_at),
        locked_until: Set(None),
        lock_token: Set(None),
        last_status_code: Set(None),
        last_latency_ms: Set(None),
        last_error: Set(None),
        delivered_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
}
