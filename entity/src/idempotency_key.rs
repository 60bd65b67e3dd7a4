use sea_orm::entity::prelude::*;

/// One `Idempotency-Key` seen on a POST. `claim` fences the request that holds the key;
/// `committed_at` and `effect_*` are written in the transaction that carried out its
/// effect; `response_*` hold the answer to replay, unless it carried a secret.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "idempotency_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub scope: String,
    pub key: String,
    pub request_hash: String,
    pub response_status: Option<i32>,
    pub response_headers: Option<String>,
    pub response_body: Option<String>,
    /// When the key was claimed (again, if a retry took it over).
    pub created_at: DateTimeUtc,
    pub claim: String,
    pub committed_at: Option<DateTimeUtc>,
    pub effect_path: Option<String>,
    pub effect_status: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
