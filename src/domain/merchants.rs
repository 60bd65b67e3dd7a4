//! Merchants: creation with one-time credentials, and authentication.

use crate::db::FindUnique;
use std::sync::Arc;

use chrono::Utc;
use entity::merchant;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder,
};

use super::ids;
use crate::cache::Expiring;

/// Whether a merchant's sales are test sales or live sales (the `sale_state` of a sale).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SaleState {
    Test,
    Live,
}

impl SaleState {
    pub fn as_str(self) -> &'static str {
        match self {
            SaleState::Test => "test",
            SaleState::Live => "live",
        }
    }
}

/// What is needed to open a merchant account.
#[derive(Debug, Clone)]
pub struct NewMerchant {
    pub name: String,
    pub can_refund: bool,
    pub sale_state: SaleState,
    pub support_email: String,
    pub support_phone: String,
}

/// A new merchant and its secret, which exists only here: the database keeps its hash.
#[derive(Debug, Clone)]
pub struct CreatedMerchant {
    pub merchant: merchant::Model,
    pub secret: String,
}

pub async fn create(db: &impl ConnectionTrait, new: NewMerchant) -> Result<CreatedMerchant, DbErr> {
    let secret = ids::new_secret("sk_");
    let merchant = merchant::ActiveModel {
        uid: Set(ids::new_uid()),
        name: Set(new.name),
        app_key: Set(ids::new_public_key("mk_")),
        secret_hash: Set(ids::sha256_hex(&secret)),
        can_refund: Set(new.can_refund),
        sale_state: Set(new.sale_state.as_str().to_owned()),
        support_email: Set(new.support_email),
        support_phone: Set(new.support_phone),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(CreatedMerchant { merchant, secret })
}

/// Every merchant, oldest first.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<merchant::Model>, DbErr> {
    merchant::Entity::find()
        .order_by_asc(merchant::Column::Id)
        .all(db)
        .await
}

/// Gives the merchant with `app_key` a new secret and returns it (the database keeps only
/// its hash, so this is the one time it is shown); the old secret stops working at once.
/// `None` when no merchant has that app key.
pub async fn rotate_secret(
    db: &impl ConnectionTrait,
    app_key: &str,
) -> Result<Option<CreatedMerchant>, DbErr> {
    let Some(found) = merchant::Entity::find()
        .filter(merchant::Column::AppKey.eq(app_key))
        .unique(db)
        .await?
    else {
        return Ok(None);
    };
    let secret = ids::new_secret("sk_");
    let mut changed: merchant::ActiveModel = found.into();
    changed.secret_hash = Set(ids::sha256_hex(&secret));
    let merchant = changed.update(db).await?;
    Ok(Some(CreatedMerchant { merchant, secret }))
}

/// Whether the place of a ticket refunded without keeping it goes back on sale.
pub async fn set_resell_refunded(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    resell: bool,
) -> Result<(), DbErr> {
    merchant::Entity::update_many()
        .col_expr(
            merchant::Column::ResellRefunded,
            sea_orm::sea_query::Expr::value(resell),
        )
        .filter(merchant::Column::Id.eq(merchant_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Sets the IANA time zone the merchant's days are counted in (its sales reports); refuses
/// a name that is not a known zone.
pub async fn set_time_zone(db: &impl ConnectionTrait, merchant_id: i64, zone: &str) -> Result<(), DbErr> {
    let zone = crate::domain::reports::MerchantZone::parse(zone).ok_or_else(|| {
        DbErr::Custom(format!(
            "{zone:?} is not an IANA time zone such as Europe/Amsterdam"
        ))
    })?;
    merchant::Entity::update_many()
        .col_expr(
            merchant::Column::TimeZone,
            sea_orm::sea_query::Expr::value(zone.name()),
        )
        .filter(merchant::Column::Id.eq(merchant_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The merchant whose `app_key` and `secret` these are. The hash comparison runs whether or
/// not the key exists, so response time does not reveal which app keys are real.
pub async fn authenticate(
    db: &impl ConnectionTrait,
    app_key: &str,
    secret: &str,
) -> Result<Option<merchant::Model>, DbErr> {
    let found = merchant::Entity::find()
        .filter(merchant::Column::AppKey.eq(app_key))
        .unique(db)
        .await?;
    let stored_hash = found
        .as_ref()
        .map(|m| m.secret_hash.clone())
        .unwrap_or_else(|| "0".repeat(64));
    let matches = ids::secret_matches(secret, &stored_hash);
    Ok(found.filter(|_| matches))
}

/// The merchant operating this shop: the first one created. Its customer-service contact
/// is the one shown at the API root.
pub async fn shop_operator(db: &impl ConnectionTrait) -> Result<Option<merchant::Model>, DbErr> {
    merchant::Entity::find()
        .order_by_asc(merchant::Column::Id)
        .one(db)
        .await
}

/// [`shop_operator`], from `cache` while its copy is fresh. A shop without merchants is not
/// remembered, so that its first merchant shows at once.
pub async fn cached_shop_operator(
    db: &impl ConnectionTrait,
    cache: &Expiring<Arc<merchant::Model>>,
) -> Result<Option<Arc<merchant::Model>>, DbErr> {
    if let Some(operator) = cache.get() {
        return Ok(Some(operator));
    }
    let operator = shop_operator(db).await?.map(Arc::new);
    if let Some(operator) = &operator {
        cache.put(operator.clone());
    }
    Ok(operator)
}

pub async fn find(db: &impl ConnectionTrait, id: i64) -> Result<Option<merchant::Model>, DbErr> {
    merchant::Entity::find_by_id(id).unique(db).await
}
