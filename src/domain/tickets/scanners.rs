//! Door scanners: a token per device, good for the tickets of one event only.

use chrono::Utc;
use entity::scanner;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
};

use crate::{
    db::begin_write,
    domain::ids,
    effect::{self, Effect},
};

/// A new scanner and its token, which exists only here: the database keeps its hash.
#[derive(Debug, Clone)]
pub struct CreatedScanner {
    pub scanner: scanner::Model,
    pub token: String,
}

/// Registers a scanner of `event_id` on a client's request, recording the effect for its
/// idempotency key in the same transaction.
pub async fn register(
    db: &sea_orm::DatabaseConnection,
    event_id: i64,
    name: &str,
) -> Result<CreatedScanner, DbErr> {
    let txn = begin_write(db).await?;
    let created = create(&txn, event_id, name).await?;
    effect::commit(txn, Effect::created("scanners", &created.scanner.uid)).await?;
    Ok(created)
}

/// Registers a scanner of `event_id`.
pub async fn create(db: &impl ConnectionTrait, event_id: i64, name: &str) -> Result<CreatedScanner, DbErr> {
    let token = ids::new_secret("sc_");
    let scanner = scanner::ActiveModel {
        uid: Set(ids::new_uid()),
        event_id: Set(event_id),
        name: Set(name.to_owned()),
        token_hash: Set(ids::sha256_hex(&token)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(CreatedScanner { scanner, token })
}

/// The scanner whose token this is. Only the hash is looked up: a token of high entropy
/// hashed with SHA-256 leaks nothing through the lookup's timing.
pub async fn authenticate(db: &impl ConnectionTrait, token: &str) -> Result<Option<scanner::Model>, DbErr> {
    if !token.starts_with("sc_") {
        return Ok(None);
    }
    scanner::Entity::find()
        .filter(scanner::Column::TokenHash.eq(ids::sha256_hex(token)))
        .one(db)
        .await
}

pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<scanner::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    scanner::Entity::find()
        .filter(scanner::Column::Uid.eq(uid))
        .one(db)
        .await
}
