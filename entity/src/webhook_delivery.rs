use sea_orm::entity::prelude::*;

/// One event to one endpoint: `pending` until a 2xx (`delivered`) or until it gives up
/// (`failed`). A worker holds it while sending through `locked_until` (a lease).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_delivery")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub endpoint_id: i64,
    pub event_id: i64,
    pub event_seq: i64,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTimeUtc>,
    pub give_up_at: DateTimeUtc,
    pub locked_until: Option<DateTimeUtc>,
    pub lock_token: Option<String>,
    pub last_status_code: Option<i32>,
    pub last_latency_ms: Option<i64>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
