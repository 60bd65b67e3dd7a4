use sea_orm::entity::prelude::*;

/// A mail to send for an outbox event, unique per (event, kind). A sender claims it by
/// setting `locked_until` (a lease) in a conditional update; a crash leaves the lease to run
/// out and the mail is sent again (at least once).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "mail")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    /// The outbox event the mail is for.
    pub event_uid: String,
    /// `order_confirmation`, `refund_processed` or `till_purchase`.
    pub kind: String,
    /// `pending`, `sent`, `failed`, or `skipped` (the event calls for no mail).
    pub status: String,
    pub recipient: String,
    pub reply_to: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
