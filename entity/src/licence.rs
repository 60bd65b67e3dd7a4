use sea_orm::entity::prelude::*;

/// One copy a library bought: the offer's terms as they were at purchase, and its use.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "licence")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub library_id: i64,
    pub merchant_id: i64,
    pub product_id: i64,
    pub offer_id: i64,
    pub order_id: i64,
    pub order_line_id: i64,
    pub unit: i32,
    pub price_minor: i64,
    pub currency: String,
    pub max_concurrent_loans: i32,
    pub max_total_loans: Option<i32>,
    pub valid_months: Option<i32>,
    pub max_loan_days: i32,
    pub loans_used: i32,
    pub active_loans: i32,
    /// Copies set aside for a patron whose hold is ready.
    pub held_copies: i32,
    pub expires_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
