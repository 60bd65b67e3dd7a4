use sea_orm::entity::prelude::*;

/// One unit of a sold product, with its access code.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub order_id: i64,
    pub order_line_id: i64,
    pub product_id: i64,
    pub unit: i32,
    #[sea_orm(unique)]
    pub access_code: String,
    /// `active`, `redeemed` or `voided`.
    pub status: String,
    pub downloaded_at: Option<DateTimeUtc>,
    pub usage_percent: i32,
    /// The customer whose library holds it, once redeemed.
    pub owner_sub: Option<String>,
    pub redeemed_at: Option<DateTimeUtc>,
    pub voided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    /// The e-mail whose library holds it (a till purchase for a named buyer).
    pub owner_email: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
