use sea_orm::entity::prelude::*;

/// A licence a merchant offers libraries for one ebook: its price and lending terms.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "library_offer")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub merchant_id: i64,
    pub product_id: i64,
    pub price_minor: i64,
    pub currency: String,
    pub max_concurrent_loans: i32,
    /// `None`: unlimited loans.
    pub max_total_loans: Option<i32>,
    /// `None`: perpetual.
    pub valid_months: Option<i32>,
    pub max_loan_days: i32,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
