use sea_orm::entity::prelude::*;

/// An event written in the same transaction as the change it reports, for delivery to
/// webhooks later (at least once).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub event_type: String,
    pub subject_uid: String,
    pub payload: String,
    pub created_at: DateTimeUtc,
    /// When the event was sequenced and fanned out to the webhook endpoints.
    pub published_at: Option<DateTimeUtc>,
    /// Position in commit order, assigned after commit (see `domain::webhooks::sequencer`);
    /// `None` until then, and the event is seen by no one until it has one.
    #[sea_orm(unique)]
    pub seq: Option<i64>,
    /// The merchant whose endpoints and feed receive the event.
    pub merchant_id: Option<i64>,
    /// The HAL representation of the subject when the event was committed (links as paths);
    /// `None` for an event whose subject has none, whose `payload` is then its data.
    pub representation: Option<String>,
    /// False only inside the transaction that writes the event, until its representation is
    /// written just before the commit.
    pub rendered: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
