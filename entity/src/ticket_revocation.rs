use sea_orm::entity::prelude::*;

/// A voided ticket, in the order offline scanners learn of it: `id` is their cursor.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_revocation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub ticket_id: i64,
    pub event_id: Option<i64>,
    pub revoked_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
