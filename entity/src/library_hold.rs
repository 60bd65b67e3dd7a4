use sea_orm::entity::prelude::*;

/// A patron waiting for a copy of a title; when `ready`, a copy of `licence_id` is set
/// aside for them until `offer_expires_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "library_hold")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub library_id: i64,
    pub merchant_id: i64,
    pub product_id: i64,
    pub patron_id: String,
    pub status: String,
    pub licence_id: Option<i64>,
    pub created_at: DateTimeUtc,
    pub ready_at: Option<DateTimeUtc>,
    pub offer_expires_at: Option<DateTimeUtc>,
    pub closed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
