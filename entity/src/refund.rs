use sea_orm::entity::prelude::*;

/// Money returned for a processed refund request: through the payment provider (`psp`) or
/// as a voucher (`voucher`).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refund")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub order_id: i64,
    pub refund_request_id: i64,
    /// `psp` or `voucher`.
    pub kind: String,
    pub status: String,
    pub amount_minor: i64,
    pub currency: String,
    pub voucher_id: Option<i64>,
    /// JSON `[{"product_name","amount_minor"}]`.
    pub by_tickets: String,
    pub receipt: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
