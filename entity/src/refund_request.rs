use sea_orm::entity::prelude::*;

/// A request to refund (part of) an order. Percentages are decimal strings with two
/// decimals; `None` where the option is not offered.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refund_request")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub order_id: i64,
    pub open_order_id: Option<i64>,
    pub status: String,
    pub source: String,
    pub refund_percentage: Option<String>,
    pub change_order_percentage: Option<String>,
    pub voucher_percentage: Option<String>,
    pub donation_percentage: Option<String>,
    /// JSON `{account_holder, iban}` when the holder submitted bank details.
    pub bank_details: Option<String>,
    pub keep_tickets: bool,
    pub reason: Option<String>,
    pub decision_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub decided_at: Option<DateTimeUtc>,
    pub processed_at: Option<DateTimeUtc>,
    pub version: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
