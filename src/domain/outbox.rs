//! The outbox: every event halshop publishes (`order.completed`, `order.expired`,
//! `payment.requires_refund`, `refund_request.*`, `refund.created`, `store_purchase.voided`)
//! is written here in the same transaction as the change it reports, so that no committed
//! change is without its event.
//!
//! An event belongs to a merchant (whose webhook endpoints and feed receive it) and carries
//! as `data` the resource it reports, with its `_links.self` (a path here; absolute links
//! are made when the event is read or sent). It is invisible until the sequencer
//! (`webhooks::sequencer`) gives it its place in commit order.

use chrono::Utc;
use entity::outbox_event;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

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

/// Writes an event to the outbox, in the caller's transaction.
pub async fn write_event(txn: &impl ConnectionTrait, event: NewEvent<'_>) -> Result<(), DbErr> {
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
        ..Default::default()
    }
    .insert(txn)
    .await
    .map(|_| ())
}
