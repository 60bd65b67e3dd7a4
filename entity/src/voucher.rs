use sea_orm::entity::prelude::*;

/// Store credit usable once in a later order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "voucher")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub code: String,
    pub merchant_id: i64,
    pub amount_minor: i64,
    pub currency: String,
    /// `active`, `redeemed` or `void`.
    pub status: String,
    /// `merchant` (issued by hand) or `refund`.
    pub source: String,
    pub order_id: Option<i64>,
    pub applied_minor: Option<i64>,
    pub created_at: DateTimeUtc,
    pub redeemed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
