//! The outbox: every event halshop publishes (`order.completed`, `payment.requires_refund`,
//! `refund_request.*`, `refund.created`, `store_purchase.voided`) is written here in the same
//! transaction as the change it reports, so that no committed change is without its event.

use chrono::Utc;
use entity::outbox_event;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr};

use super::ids;

/// Writes an event to the outbox, in the caller's transaction.
pub async fn write_event(
    txn: &impl ConnectionTrait,
    event_type: &str,
    subject_uid: &str,
    payload: serde_json::Value,
) -> Result<(), DbErr> {
    outbox_event::ActiveModel {
        uid: Set(ids::new_uid()),
        event_type: Set(event_type.into()),
        subject_uid: Set(subject_uid.into()),
        payload: Set(payload.to_string()),
        created_at: Set(Utc::now()),
        published_at: Set(None),
        ..Default::default()
    }
    .insert(txn)
    .await
    .map(|_| ())
}
