use sea_orm::entity::prelude::*;

/// A sellable item of the catalogue. Money is kept in minor units of `currency`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "product")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub merchant_id: i64,
    pub sku: String,
    pub kind: String,
    pub title: String,
    pub isbn: Option<String>,
    pub format: String,
    pub protection: String,
    pub price_minor: i64,
    pub currency: String,
    pub price_includes_tax: bool,
    pub available: bool,
    pub max_per_order: i32,
    pub refund_days: i32,
    pub usage_limit_percent: i32,
    /// Bumped on every update; the ETag is derived from it.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The event a ticket belongs to.
    pub event_id: Option<i64>,
    /// Places of this product alone (inside its event's); none: only the event limits it.
    pub capacity: Option<i32>,
    /// Places of this product taken by orders; moves only by conditional updates.
    pub held: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
