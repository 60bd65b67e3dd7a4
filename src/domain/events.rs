//! Events: when and where, how many places, and where they stand. The places themselves
//! are taken and given back in [`super::holds`].

use chrono::{DateTime, Utc};
use entity::{event, order, order_line, product};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait, Func, LikeExpr},
};

use super::{holds, ids, orders, refunds, status::OrderStatus};
use crate::{
    db::begin_write,
    effect::{self, Effect},
};

/// Most places one event may have.
pub const MAX_CAPACITY: i64 = 1_000_000;

/// Where an event stands, derived from its row and the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    OnSale,
    SoldOut,
    Cancelled,
    Ended,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::OnSale => "on_sale",
            EventStatus::SoldOut => "sold_out",
            EventStatus::Cancelled => "cancelled",
            EventStatus::Ended => "ended",
        }
    }
}

/// Where `event` stands at `now`.
pub fn status(event: &event::Model, now: DateTime<Utc>) -> EventStatus {
    if event.cancelled_at.is_some() {
        EventStatus::Cancelled
    } else if event.ends_at <= now {
        EventStatus::Ended
    } else if event.held >= event.capacity {
        EventStatus::SoldOut
    } else {
        EventStatus::OnSale
    }
}

/// Whether tickets of `event` may be sold at `now` (places permitting).
pub fn on_sale(event: &event::Model, now: DateTime<Utc>) -> bool {
    matches!(status(event, now), EventStatus::OnSale | EventStatus::SoldOut)
}

/// An event as a merchant describes it, every value already valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventDraft {
    pub title: String,
    pub venue: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: String,
    pub capacity: i32,
}

/// A field of an event that a rule can refuse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventField {
    Title,
    Venue,
    EndsAt,
    TimeZone,
    Capacity,
}

/// An event as sent, before the rules are checked.
#[derive(Debug, Clone, Copy)]
pub struct NewEvent<'a> {
    pub title: &'a str,
    pub venue: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub time_zone: &'a str,
    pub capacity: i64,
}

impl NewEvent<'_> {
    /// Checks every rule and collects every broken one.
    pub fn draft(&self) -> Result<EventDraft, Vec<(EventField, &'static str)>> {
        let mut refusals = Vec::new();
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            refusals.push((EventField::Title, "a title is 1 to 300 characters"));
        }
        let venue = self.venue.trim();
        if venue.is_empty() || venue.chars().count() > 300 {
            refusals.push((EventField::Venue, "a venue is 1 to 300 characters"));
        }
        if self.ends_at <= self.starts_at {
            refusals.push((EventField::EndsAt, "an event ends after it starts"));
        }
        if !valid_time_zone(self.time_zone) {
            refusals.push((
                EventField::TimeZone,
                "an IANA time zone name such as Europe/Amsterdam or UTC",
            ));
        }
        if !(1..=MAX_CAPACITY).contains(&self.capacity) {
            refusals.push((EventField::Capacity, "capacity is between 1 and 1000000"));
        }
        if !refusals.is_empty() {
            return Err(refusals);
        }
        Ok(EventDraft {
            title: title.to_owned(),
            venue: venue.to_owned(),
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            time_zone: self.time_zone.to_owned(),
            capacity: self.capacity as i32,
        })
    }
}

/// The shape of an IANA zone name: `UTC`, or `Area/Location` parts of letters, digits,
/// `_`, `-` and `+`.
fn valid_time_zone(zone: &str) -> bool {
    let part = |p: &str| {
        !p.is_empty()
            && p.len() <= 32
            && p.chars().next().is_some_and(|c| c.is_ascii_uppercase())
            && p.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'+'))
    };
    zone == "UTC" || (zone.len() <= 64 && zone.contains('/') && zone.split('/').all(part))
}

#[derive(Debug)]
pub enum EventError {
    NotFound,
    /// The event changed since the version the caller read.
    VersionMismatch,
    /// The new capacity is below the places already held.
    CapacityBelowHeld {
        held: i32,
    },
    /// The event was cancelled; it cannot change any more.
    Cancelled,
    Db(DbErr),
}

impl From<DbErr> for EventError {
    fn from(err: DbErr) -> Self {
        EventError::Db(err)
    }
}

/// Filters of the events listing.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub q: Option<String>,
    pub starts_gte: Option<DateTime<Utc>>,
}

pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<event::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    event::Entity::find()
        .filter(event::Column::Uid.eq(uid))
        .one(db)
        .await
}

pub async fn find_by_id(db: &impl ConnectionTrait, id: i64) -> Result<Option<event::Model>, DbErr> {
    event::Entity::find_by_id(id).one(db).await
}

/// The events of these ids, in no particular order.
pub async fn by_ids(db: &impl ConnectionTrait, ids: Vec<i64>) -> Result<Vec<event::Model>, DbErr> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    event::Entity::find()
        .filter(event::Column::Id.is_in(ids))
        .all(db)
        .await
}

/// A page of events, soonest first, and the number of matching events.
pub async fn list(
    db: &impl ConnectionTrait,
    filter: &EventFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<event::Model>, u64), DbErr> {
    let mut condition = Condition::all();
    if let Some(q) = filter.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", super::catalogue::escape_like(&q.to_lowercase()));
        let like = |column: event::Column| {
            Expr::expr(Func::lower(Expr::col(column))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        condition = condition.add(
            Condition::any()
                .add(like(event::Column::Title))
                .add(like(event::Column::Venue)),
        );
    }
    if let Some(starts_gte) = filter.starts_gte {
        condition = condition.add(event::Column::StartsAt.gte(starts_gte));
    }
    let query = event::Entity::find().filter(condition);
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(event::Column::StartsAt)
        .order_by_asc(event::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}

/// The ticket products of an event, in creation order.
pub async fn products_of(db: &impl ConnectionTrait, event_id: i64) -> Result<Vec<product::Model>, DbErr> {
    product::Entity::find()
        .filter(product::Column::EventId.eq(event_id))
        .order_by_asc(product::Column::Id)
        .all(db)
        .await
}

/// Adds an event on a client's request.
pub async fn add(
    db: &DatabaseConnection,
    merchant_id: i64,
    draft: &EventDraft,
) -> Result<event::Model, DbErr> {
    let txn = begin_write(db).await?;
    let event = create(&txn, merchant_id, draft).await?;
    effect::commit(txn, Effect::created("events", &event.uid)).await?;
    Ok(event)
}

/// Writes a new event.
pub async fn create(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    draft: &EventDraft,
) -> Result<event::Model, DbErr> {
    let now = Utc::now();
    event::ActiveModel {
        uid: Set(ids::new_uid()),
        merchant_id: Set(merchant_id),
        title: Set(draft.title.clone()),
        venue: Set(draft.venue.clone()),
        starts_at: Set(draft.starts_at),
        ends_at: Set(draft.ends_at),
        time_zone: Set(draft.time_zone.clone()),
        capacity: Set(draft.capacity),
        held: Set(0),
        revocations: Set(0),
        cancelled_at: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
}

/// Replaces an event's description if `expected_version` is still current. The capacity
/// may not go below the places held: both conditions are part of the UPDATE.
pub async fn update(
    db: &DatabaseConnection,
    current: &event::Model,
    expected_version: i32,
    draft: &EventDraft,
) -> Result<event::Model, EventError> {
    if current.cancelled_at.is_some() {
        return Err(EventError::Cancelled);
    }
    let txn = begin_write(db).await?;
    let result = event::Entity::update_many()
        .col_expr(event::Column::Title, Expr::value(draft.title.clone()))
        .col_expr(event::Column::Venue, Expr::value(draft.venue.clone()))
        .col_expr(event::Column::StartsAt, Expr::value(draft.starts_at))
        .col_expr(event::Column::EndsAt, Expr::value(draft.ends_at))
        .col_expr(event::Column::TimeZone, Expr::value(draft.time_zone.clone()))
        .col_expr(event::Column::Capacity, Expr::value(draft.capacity))
        .col_expr(event::Column::Version, Expr::value(expected_version + 1))
        .col_expr(event::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(event::Column::Id.eq(current.id))
        .filter(event::Column::Version.eq(expected_version))
        .filter(event::Column::CancelledAt.is_null())
        .filter(event::Column::Held.lte(draft.capacity))
        .exec(&txn)
        .await?;
    let found = find_by_id(&txn, current.id).await?.ok_or(EventError::NotFound)?;
    if result.rows_affected == 0 {
        txn.rollback().await?;
        return Err(if found.version != expected_version {
            EventError::VersionMismatch
        } else if found.cancelled_at.is_some() {
            EventError::Cancelled
        } else {
            EventError::CapacityBelowHeld { held: found.held }
        });
    }
    effect::commit(txn, Effect::changed("events", &found.uid)).await?;
    Ok(found)
}

/// Cancels an event: no ticket of it can be sold any more, every paid order holding one
/// of its tickets gets an event refund (one product after the other), and every order
/// awaiting payment for its tickets is cancelled. Answers the
/// event as it now stands and how many refund requests were opened.
pub async fn cancel(
    db: &DatabaseConnection,
    event: &event::Model,
    reason: &str,
) -> Result<(event::Model, usize), EventError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let cancelled = event::Entity::update_many()
        .col_expr(event::Column::CancelledAt, Expr::value(now))
        .col_expr(event::Column::Version, Expr::col(event::Column::Version).add(1))
        .col_expr(event::Column::UpdatedAt, Expr::value(now))
        .filter(event::Column::Id.eq(event.id))
        .filter(event::Column::CancelledAt.is_null())
        .exec(&txn)
        .await?;
    if cancelled.rows_affected == 0 {
        txn.rollback().await?;
        return Err(EventError::Cancelled);
    }
    effect::commit(txn, Effect::changed("events", &event.uid)).await?;
    let products = products_of(db, event.id).await?;
    let mut opened = 0;
    for product in &products {
        opened += refunds::withdraw_product(db, product, reason).await?;
    }
    cancel_unpaid_orders(db, &products).await?;
    let current = find_by_id(db, event.id).await?.ok_or(EventError::NotFound)?;
    Ok((current, opened))
}

/// Cancels every order awaiting payment for tickets of these products: they can no longer
/// be paid, and their places and vouchers are given back. An order paid or expired in the
/// meantime is left as it is.
async fn cancel_unpaid_orders(db: &DatabaseConnection, products: &[product::Model]) -> Result<(), DbErr> {
    let holding = order_line::Entity::find()
        .select_only()
        .column(order_line::Column::OrderId)
        .filter(order_line::Column::ProductId.is_in(products.iter().map(|p| p.id)))
        .into_query();
    let unpaid = order::Entity::find()
        .filter(order::Column::Id.in_subquery(holding))
        .filter(order::Column::Status.eq(OrderStatus::AwaitingPayment.as_str()))
        .all(db)
        .await?;
    for order in unpaid {
        match orders::cancel(db, &order, "The event was cancelled.").await {
            Ok(_) | Err(orders::CancelError::Refused(_)) => {}
            Err(orders::CancelError::Db(err)) => return Err(err),
        }
    }
    Ok(())
}

/// The places left of an event now.
pub fn available(event: &event::Model) -> i64 {
    holds::event_places_left(event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_zones_are_iana_shaped() {
        for zone in [
            "UTC",
            "Europe/Amsterdam",
            "America/Argentina/Buenos_Aires",
            "Etc/GMT+1",
        ] {
            assert!(valid_time_zone(zone), "{zone}");
        }
        for zone in ["", "amsterdam", "Europe/", "Europe//Paris", "Europe/Paris Time"] {
            assert!(!valid_time_zone(zone), "{zone}");
        }
    }
}
