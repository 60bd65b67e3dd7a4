use sea_orm::entity::prelude::*;

/// One line of an order: a snapshot of the product as sold, so that later catalogue
/// changes never alter an order.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_line")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub order_id: i64,
    pub position: i32,
    pub product_id: i64,
    pub product_uid: String,
    pub sku: String,
    pub title: String,
    pub kind: String,
    pub isbn: Option<String>,
    pub format: String,
    pub protection: String,
    pub unit_price_minor: i64,
    pub price_includes_tax: bool,
    pub quantity: i32,
    pub net_minor: i64,
    pub tax_minor: i64,
    pub total_minor: i64,
    /// JSON: `[{"name","rate","amount_minor"}]`.
    pub taxes: String,
    pub refund_days: i32,
    pub usage_limit_percent: i32,
    /// The library offer sold, for a line of licences: each unit becomes a licence.
    pub library_offer_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
