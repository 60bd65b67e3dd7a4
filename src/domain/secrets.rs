//! Random secrets generated once and shared by every instance through the database.

use crate::db::FindUnique;
use chrono::Utc;
use entity::server_secret;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

use super::ids;
use crate::db::is_unique_violation;

/// Key of the keyed hash that turns a guest's e-mail into a stable `customer_id`.
pub const CUSTOMER_ID_KEY: &str = "customer_id_key";
/// The development payment-notification secret, when `PAYMENT_WEBHOOK_SECRET` is unset.
pub const PAYMENT_WEBHOOK_SECRET: &str = "payment_webhook_secret";
/// Key from which each order's sandbox payment secret is derived.
pub const SANDBOX_PAYMENT_KEY: &str = "sandbox_payment_key";

/// The secret called `name`, created on first use. Concurrent first uses agree: the
/// primary key lets one insert win and everyone reads that one.
pub async fn get_or_create(db: &impl ConnectionTrait, name: &str) -> Result<String, DbErr> {
    if let Some(secret) = server_secret::Entity::find_by_id(name.to_owned())
        .unique(db)
        .await?
    {
        return Ok(secret.value);
    }
    let inserted = server_secret::ActiveModel {
        name: Set(name.to_owned()),
        value: Set(ids::new_secret("")),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await;
    match inserted {
        Ok(secret) => Ok(secret.value),
        Err(err) if is_unique_violation(&err) => server_secret::Entity::find_by_id(name.to_owned())
            .unique(db)
            .await?
            .map(|secret| secret.value)
            .ok_or_else(|| DbErr::Custom(format!("secret {name} vanished"))),
        Err(err) => Err(err),
    }
}
