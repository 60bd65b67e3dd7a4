use sea_orm::entity::prelude::*;

/// A copy lent to a patron of a library until `due_at`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "loan")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub library_id: i64,
    pub merchant_id: i64,
    pub licence_id: i64,
    pub product_id: i64,
    pub patron_id: String,
    pub status: String,
    pub created_at: DateTimeUtc,
    pub due_at: DateTimeUtc,
    /// When it was returned or expired.
    pub ended_at: Option<DateTimeUtc>,
    pub downloaded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
