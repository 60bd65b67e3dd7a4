use sea_orm::entity::prelude::*;

/// An event with a number of places. `held` counts the places taken by orders (awaiting
/// payment or paid); it moves only by conditional updates and never passes `capacity`.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub uid: String,
    pub merchant_id: i64,
    pub title: String,
    pub venue: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// IANA time zone of the venue (`Europe/Amsterdam`).
    pub time_zone: String,
    pub capacity: i32,
    pub held: i32,
    /// How many of its tickets were revoked: the last revocation's `seq`.
    pub revocations: i64,
    pub cancelled_at: Option<DateTimeUtc>,
    /// Bumped on every change of the description; the ETag is derived from it and `held`.
    pub version: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
