use sea_orm::entity::prelude::*;

/// A seller account. Authenticates with HTTP Basic `app_key:secret`; only a SHA-256 hash of
/// the (random, high-entropy) secret is stored.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "merchant")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub name: String,
    #[sea_orm(unique)]
    pub app_key: String,
    pub secret_hash: String,
    pub can_refund: bool,
    pub sale_state: String,
    pub support_email: String,
    pub support_phone: String,
    pub created_at: DateTimeUtc,
    /// Whether refund requests offer `change_order_percentage`.
    pub offers_change_order: bool,
    /// Whether a ticket refunded without keeping it goes back on sale.
    pub resell_refunded: bool,
    /// IANA time zone of the merchant's days (sales reports), e.g. `Europe/Amsterdam`.
    pub time_zone: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
