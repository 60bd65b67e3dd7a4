use sea_orm::entity::prelude::*;

/// A library of a merchant: buys licences and lends them to its patrons. Authenticates
/// with HTTP Basic `api_key:secret`; the secret is kept hashed.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "library")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub merchant_id: i64,
    pub name: String,
    #[sea_orm(unique)]
    pub api_key: String,
    pub secret_hash: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
