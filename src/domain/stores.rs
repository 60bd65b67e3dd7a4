//! Point-of-sale stores of a merchant.

use crate::db::FindUnique;
use entity::store;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};

/// The stores that sell a merchant's products, in creation order.
/// The store with this uid, if any.
pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<store::Model>, DbErr> {
    if !crate::domain::ids::is_uid(uid) {
        return Ok(None);
    }
    store::Entity::find()
        .filter(store::Column::Uid.eq(uid))
        .unique(db)
        .await
}

pub async fn of_merchant(db: &impl ConnectionTrait, merchant_id: i64) -> Result<Vec<store::Model>, DbErr> {
    store::Entity::find()
        .filter(store::Column::MerchantId.eq(merchant_id))
        .order_by_asc(store::Column::Id)
        .all(db)
        .await
}

/// A new store and its token, which exists only here: the database keeps its hash.
#[derive(Debug, Clone)]
pub struct CreatedStore {
    pub store: store::Model,
    pub token: String,
}

/// Registers a store of a merchant. The SAN is unique across halshop (database index).
pub async fn create(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    name: &str,
    san: &super::san::San,
) -> Result<CreatedStore, DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let token = super::ids::new_secret("st_");
    let store = store::ActiveModel {
        uid: Set(super::ids::new_uid()),
        merchant_id: Set(merchant_id),
        name: Set(name.to_owned()),
        san: Set(san.to_string()),
        token_hash: Set(super::ids::sha256_hex(&token)),
        created_at: Set(chrono::Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(CreatedStore { store, token })
}
