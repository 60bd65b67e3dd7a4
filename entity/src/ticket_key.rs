use sea_orm::entity::prelude::*;

/// An Ed25519 key signing ticket QR payloads: the newest signs, every one stays published
/// so that tickets signed before a rotation still verify.
#[sea_orm::model]
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ticket_key")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub kid: String,
    /// The 32-byte private seed, hex.
    pub seed: String,
    pub created_at: DateTimeUtc,
}

impl ActiveModelBehavior for ActiveModel {}
