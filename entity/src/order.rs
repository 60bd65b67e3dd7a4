use sea_orm::entity::prelude::*;

/// An order (a shopping cart being bought). Money in minor units of `currency`; the order
/// token is kept only as a SHA-256 hash.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "shop_order")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    #[sea_orm(unique)]
    pub reference: String,
    pub merchant_id: i64,
    pub status: String,
    pub channel: String,
    pub token_hash: String,
    #[sea_orm(unique)]
    pub transaction_id: String,
    pub customer_id: String,
    pub customer_sub: Option<String>,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country: String,
    pub region: Option<String>,
    pub external_reference: Option<String>,
    pub currency: String,
    pub product_total_minor: i64,
    pub tax_total_minor: i64,
    pub voucher_total_minor: i64,
    pub grand_total_minor: i64,
    pub refunded_total_minor: i64,
    /// JSON: `[{"name","rate","amount_minor"}]`, summed over the lines.
    pub taxes: String,
    pub sale_state: String,
    pub redirect_url: Option<String>,
    pub cancel_reason: Option<String>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
    pub completed_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub version: i32,
    /// Raised (on SQLite, by triggers) whenever a row the order's representation shows
    /// changes: see `api::orders::kept`.
    pub revision: i64,
    /// The library that bought licences with this order, for a library's order.
    pub library_id: Option<i64>,
    /// Until when an unpaid order holds its ticket places; it expires after.
    pub expires_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
