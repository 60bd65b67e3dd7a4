use sea_orm::entity::prelude::*;

/// A merchant's closed day whose `sales_summary.daily` event was written: unique per
/// (merchant, day), inserted in the same transaction as the event, so that the event is
/// written once whatever the number of instances.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "daily_sales_summary")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub merchant_id: i64,
    /// The merchant's local day, `YYYY-MM-DD`.
    pub day: String,
    /// The time zone the day was closed in.
    pub time_zone: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
