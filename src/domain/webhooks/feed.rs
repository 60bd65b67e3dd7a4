//! The event feed: a merchant's sequenced events in commit order, paged by `seq` (see
//! [`super::sequencer`] for why a `seq` read once is never passed by an event committed
//! later).

use entity::outbox_event;
use sea_orm::{
    ColumnTrait, Condition, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

use crate::db::FindUnique;

/// Up to `limit` of the merchant's events after `after` (a `seq`), of the given types
/// (exact types or `prefix.*`; none = all), in commit order.
pub async fn page(
    db: &DatabaseConnection,
    merchant_id: i64,
    after: i64,
    types: &[String],
    limit: u64,
) -> Result<Vec<outbox_event::Model>, DbErr> {
    let mut query = outbox_event::Entity::find()
        .filter(outbox_event::Column::MerchantId.eq(merchant_id))
        .filter(outbox_event::Column::Seq.gt(after));
    if !types.is_empty() {
        let mut wanted = Condition::any();
        for event_type in types {
            wanted = match event_type.strip_suffix('*') {
                Some(prefix) => wanted.add(outbox_event::Column::EventType.starts_with(prefix)),
                None => wanted.add(outbox_event::Column::EventType.eq(event_type.as_str())),
            };
        }
        query = query.filter(wanted);
    }
    query
        .order_by_asc(outbox_event::Column::Seq)
        .limit(limit)
        .all(db)
        .await
}

/// One of the merchant's sequenced events, by uid.
pub async fn find(
    db: &DatabaseConnection,
    merchant_id: i64,
    uid: &str,
) -> Result<Option<outbox_event::Model>, DbErr> {
    outbox_event::Entity::find()
        .filter(outbox_event::Column::Uid.eq(uid))
        .filter(outbox_event::Column::MerchantId.eq(merchant_id))
        .filter(outbox_event::Column::Seq.is_not_null())
        .unique(db)
        .await
}
