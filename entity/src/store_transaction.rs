use sea_orm::entity::prelude::*;

/// A till's purchase or void, unique per (store, partner_transact_id): the key of the
/// point-of-sale API's idempotency.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "store_transaction")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub store_id: i64,
    pub partner_transact_id: String,
    /// `purchase` or `refund`.
    pub kind: String,
    /// SHA-256 of the request's parameters: the same id with other parameters is refused.
    pub request_hash: String,
    #[sea_orm(unique)]
    pub vendor_transact_id: String,
    pub order_id: Option<i64>,
    pub delivery_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
