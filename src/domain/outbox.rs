//! The outbox: every event halshop publishes (`order.completed`, `order.expired`,
//! `payment.requires_refund`, `refund_request.*`, `refund.created`, `store_purchase.voided`)
//! is written here in the same transaction as the change it reports, so that no committed
//! change is without its event.
//!
//! An event belongs to a merchant (whose webhook endpoints and feed receive it) and carries
//! as `data` the resource it reports, with its `_links.self` (a path here; absolute links
//! are made when the event is read or sent). It is invisible until the sequencer
//! (`webhooks::sequencer`) gives it its place in commit order.
//!
//! Two things are kept per event: the `payload`, the facts the domain wrote (what the mail
//! worker reads), and the `representation`, the subject's full HAL representation as the
//! writing transaction leaves it. The representation is drawn by the API layer's
//! [`Representer`], installed at start, in that same transaction just before it commits
//! ([`seal`], called by every write transaction's commit): what a receiver gets is exactly
//! what a GET would have answered at the moment of the change.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicUsize, Ordering},
};

use chrono::Utc;
use entity::outbox_event;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, sea_query::Expr,
};

use super::ids;

/// An event to write.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The merchant whose endpoints and feed receive it.
    pub merchant_id: i64,
    /// `order.completed`, `refund.created`, …
    pub event_type: &'a str,
    /// The uid of the resource the event is about.
    pub subject_uid: &'a str,
    /// The path of that resource (`/orders/<uid>`): its `_links.self`.
    pub self_path: String,
    /// The resource as it is now (an object; `_links.self` is added).
    pub data: serde_json::Value,
}

/// Draws the HAL representation of an event's subject.
#[async_trait::async_trait]
pub trait Representer: Send + Sync {
    /// Whether events of `event_type` carry a representation of their subject.
    fn represents(&self, event_type: &str) -> bool;

    /// The subject's representation as `txn` sees it (links as paths), or `None` if the
    /// subject is gone; the event's facts (`payload`) are then its data.
    async fn represent(
        &self,
        txn: &DatabaseTransaction,
        event: &outbox_event::Model,
    ) -> Result<Option<serde_json::Value>, DbErr>;
}

static REPRESENTER: OnceLock<Arc<dyn Representer>> = OnceLock::new();

/// Events this process wrote that wait for their representation (an upper bound: a rolled
/// back transaction leaves its count behind, which costs a lookup, never an event).
static UNSEALED: AtomicUsize = AtomicUsize::new(0);

/// Installs the representer (once per process; later calls keep the first).
pub fn install(representer: Arc<dyn Representer>) {
    let _ = REPRESENTER.set(representer);
}

/// Writes the representation of every event `txn` wrote, just before it commits.
pub async fn seal(txn: &DatabaseTransaction) -> Result<(), DbErr> {
    let Some(representer) = REPRESENTER.get() else {
        return Ok(());
    };
    if UNSEALED.load(Ordering::Relaxed) == 0 {
        return Ok(());
    }
    // Committed rows are all rendered; the only unrendered rows visible are this
    // transaction's own. The literal condition lets the partial index serve it.
    let pending = outbox_event::Entity::find()
        .filter(Expr::cust("rendered = false"))
        .order_by_asc(outbox_event::Column::Id)
        .all(txn)
        .await?;
    for event in &pending {
        let representation = representer.represent(txn, event).await?;
        outbox_event::Entity::update_many()
            .col_expr(
                outbox_event::Column::Representation,
                Expr::value(representation.map(|value| value.to_string())),
            )
            .col_expr(outbox_event::Column::Rendered, Expr::value(true))
            .filter(outbox_event::Column::Id.eq(event.id))
            .exec(txn)
            .await?;
    }
    let sealed = pending.len();
    let _ = UNSEALED.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
        Some(n.saturating_sub(sealed))
    });
    Ok(())
}

/// The base URL a representation is drawn on; it becomes the public base URL of whoever
/// reads or sends the event (also where it appears percent-encoded in a query).
pub const REPRESENTATION_BASE: &str = "http://halshop.invalid";

/// Writes an event to the outbox, in the caller's transaction.
pub async fn write_event(txn: &impl ConnectionTrait, event: NewEvent<'_>) -> Result<(), DbErr> {
    let represented = REPRESENTER
        .get()
        .is_some_and(|representer| representer.represents(event.event_type));
    if represented {
        UNSEALED.fetch_add(1, Ordering::Relaxed);
    }
    let mut data = event.data;
    if let Some(object) = data.as_object_mut() {
        let links = object.entry("_links").or_insert_with(|| serde_json::json!({}));
        if let Some(links) = links.as_object_mut() {
            links.insert("self".into(), serde_json::json!({"href": event.self_path}));
        }
    }
    outbox_event::ActiveModel {
        uid: Set(ids::new_uid()),
        event_type: Set(event.event_type.into()),
        subject_uid: Set(event.subject_uid.into()),
        payload: Set(data.to_string()),
        created_at: Set(Utc::now()),
        published_at: Set(None),
        seq: Set(None),
        merchant_id: Set(Some(event.merchant_id)),
        representation: Set(None),
        rendered: Set(!represented),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map(|_| ())
}
