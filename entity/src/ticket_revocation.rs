use sea_orm::entity::prelude::*;

/// A voided ticket, in the order offline scanners learn of it: `seq` (per event) is their
/// cursor. It is taken from the event's counter in the revoking transaction, whose row lock
/// makes the revocations of one event commit in `seq` order: a scanner that read up to a
/// cursor never misses an earlier one committed later.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_revocation")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub ticket_id: i64,
    pub event_id: Option<i64>,
    pub seq: i64,
    pub revoked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
