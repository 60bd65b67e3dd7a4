//! Libraries: a merchant's customers that buy licences and lend them. A library signs in
//! with HTTP Basic `api_key:secret`; the secret is shown once and kept hashed.

use crate::db::FindUnique;
use chrono::Utc;
use entity::library;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::super::ids;

/// The prefix of every library's `api_key`, which tells it from a merchant's `app_key`.
pub const API_KEY_PREFIX: &str = "lk_";

/// A new library and its secret, which exists only here.
#[derive(Debug, Clone)]
pub struct CreatedLibrary {
    pub library: library::Model,
    pub secret: String,
}

/// Registers a library of a merchant.
pub async fn create(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    name: &str,
) -> Result<CreatedLibrary, DbErr> {
    let secret = ids::new_secret("ls_");
    let library = library::ActiveModel {
        uid: Set(ids::new_uid()),
        merchant_id: Set(merchant_id),
        name: Set(name.trim().to_owned()),
        api_key: Set(ids::new_public_key(API_KEY_PREFIX)),
        secret_hash: Set(ids::sha256_hex(&secret)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(CreatedLibrary { library, secret })
}

/// The libraries of a merchant, oldest first.
pub async fn of_merchant(db: &impl ConnectionTrait, merchant_id: i64) -> Result<Vec<library::Model>, DbErr> {
    library::Entity::find()
        .filter(library::Column::MerchantId.eq(merchant_id))
        .order_by_asc(library::Column::Id)
        .all(db)
        .await
}

/// The library whose `api_key` and `secret` these are. The hash comparison runs whether or
/// not the key exists, so response time does not reveal which keys are real.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    api_key: &str,
    secret: &str,
) -> Result<Option<library::Model>, DbErr> {
    let found = library::Entity::find()
        .filter(library::Column::ApiKey.eq(api_key))
        .unique(db)
        .await?;
    let stored_hash = found
        .as_ref()
        .map(|l| l.secret_hash.clone())
        .unwrap_or_else(|| "0".repeat(64));
    let matches = ids::secret_matches(secret, &stored_hash);
    Ok(found.filter(|_| matches))
}

/// Whether a library name is acceptable: 1 to 200 characters once trimmed, no control
/// characters.
pub fn valid_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name.chars().count() <= 200 && !name.chars().any(char::is_control)
}
