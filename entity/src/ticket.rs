use sea_orm::entity::prelude::*;

/// The ticket of one delivered unit of a ticket product: its barcode, its signed QR payload
/// and whether it was checked in or voided.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    #[sea_orm(unique)]
    pub delivery_id: i64,
    pub order_id: i64,
    pub product_id: i64,
    pub event_id: Option<i64>,
    #[sea_orm(unique)]
    pub barcode: String,
    pub holder_name: String,
    pub valid_from: DateTimeUtc,
    pub valid_until: Option<DateTimeUtc>,
    /// Compact JWS (EdDSA) a door scanner verifies offline.
    pub qr: String,
    pub checked_in_at: Option<DateTimeUtc>,
    pub voided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
