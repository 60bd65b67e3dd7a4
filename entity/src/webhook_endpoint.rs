use sea_orm::entity::prelude::*;

/// A merchant's webhook endpoint. `secret` (and `previous_secret` during a rotation's grace
/// period) are encrypted with the server's key: they must be recoverable to sign.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_endpoint")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub merchant_id: i64,
    pub url: String,
    pub description: String,
    /// JSON array of event types or `prefix.*` patterns; empty means every event.
    pub event_types: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub secret: String,
    pub previous_secret: Option<String>,
    pub previous_secret_until: Option<DateTimeUtc>,
    /// Since when every attempt to this endpoint has failed (`None` after a success).
    pub failing_since: Option<DateTimeUtc>,
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
