use sea_orm::entity::prelude::*;

/// The development identity provider's RSA signing key (PKCS#8, base64url). Only used when
/// no real identity provider is configured.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "dev_idp_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub kid: String,
    pub private_key_pkcs8: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
