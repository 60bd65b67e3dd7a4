use sea_orm::entity::prelude::*;

/// A notification received from the payment provider, kept whatever its outcome.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payment")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub provider_reference: String,
    pub order_id: Option<i64>,
    pub order_uri: String,
    /// What the provider said: `captured` or `declined`.
    pub status: String,
    /// What halshop did: `sold`, `declined`, `amount_mismatch`, `not_payable`, `unknown_order`.
    pub outcome: String,
    pub amount_minor: i64,
    pub currency: String,
    /// SHA-256 of the notification body, to tell a replay from a conflicting reuse.
    pub request_hash: String,
    pub received_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
