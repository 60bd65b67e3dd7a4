//! A merchant's webhook endpoints: where events go, which ones, and the secret that signs
//! them. The secret is shown once, when it is made (creation, rotation); a rotation keeps
//! the old secret signing for 24 hours beside the new one.

use chrono::{Duration, Utc};
use entity::webhook_endpoint;
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{sealing::SealingKey, signing};
use crate::{
    db::{FindUnique, begin_write},
    domain::ids,
    effect::{self, Effect},
};

/// How long a rotated-out secret keeps signing.
pub const ROTATION_GRACE: Duration = Duration::hours(24);

/// What a merchant says about an endpoint (already checked in shape).
#[derive(Debug, Clone)]
pub struct EndpointDraft {
    pub url: String,
    pub description: String,
    pub event_types: Vec<String>,
    pub enabled: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum EndpointError {
    #[error("no webhook endpoint of this merchant has this uid")]
    NotFound,
    #[error("the endpoint changed since it was read")]
    VersionMismatch,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// A new endpoint and its secret in clear (shown once).
pub async fn create(
    db: &DatabaseConnection,
    key: &SealingKey,
    merchant_id: i64,
    draft: &EndpointDraft,
) -> Result<(webhook_endpoint::Model, String), DbErr> {
    let secret = signing::new_secret();
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let endpoint = webhook_endpoint::ActiveModel {
        uid: Set(ids::new_uid()),
        merchant_id: Set(merchant_id),
        url: Set(draft.url.clone()),
        description: Set(draft.description.clone()),
        event_types: Set(serde_json::json!(draft.event_types).to_string()),
        enabled: Set(draft.enabled),
        disabled_reason: Set(None),
        secret: Set(key.seal(&secret)),
        previous_secret: Set(None),
        previous_secret_until: Set(None),
        failing_since: Set(None),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    effect::commit(txn, Effect::created("webhook_endpoints", &endpoint.uid)).await?;
    Ok((endpoint, secret))
}

/// A page of the merchant's endpoints, oldest first, and how many there are.
pub async fn list(
    db: &DatabaseConnection,
    merchant_id: i64,
    offset: u64,
    limit: u64,
) -> Result<(Vec<webhook_endpoint::Model>, u64), DbErr> {
    let query = webhook_endpoint::Entity::find().filter(webhook_endpoint::Column::MerchantId.eq(merchant_id));
    let count = query.clone().count(db).await?;
    let items = query
        .order_by_asc(webhook_endpoint::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, count))
}

/// One of the merchant's endpoints (another merchant's is not found).
pub async fn find(
    db: &DatabaseConnection,
    merchant_id: i64,
    uid: &str,
) -> Result<Option<webhook_endpoint::Model>, DbErr> {
    webhook_endpoint::Entity::find()
        .filter(webhook_endpoint::Column::Uid.eq(uid))
        .filter(webhook_endpoint::Column::MerchantId.eq(merchant_id))
        .unique(db)
        .await
}

/// Replaces an endpoint read at `version`. Enabling it again clears why it was disabled.
pub async fn update(
    db: &DatabaseConnection,
    current: &webhook_endpoint::Model,
    draft: &EndpointDraft,
) -> Result<webhook_endpoint::Model, EndpointError> {
    let mut update = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Url, Expr::value(draft.url.clone()))
        .col_expr(
            webhook_endpoint::Column::Description,
            Expr::value(draft.description.clone()),
        )
        .col_expr(
            webhook_endpoint::Column::EventTypes,
            Expr::value(serde_json::json!(draft.event_types).to_string()),
        )
        .col_expr(webhook_endpoint::Column::Enabled, Expr::value(draft.enabled))
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(Utc::now()))
        .col_expr(
            webhook_endpoint::Column::Version,
            Expr::col(webhook_endpoint::Column::Version).add(1),
        );
    if draft.enabled {
        update = update
            .col_expr(
                webhook_endpoint::Column::DisabledReason,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                webhook_endpoint::Column::FailingSince,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            );
    }
    changed(db, current, update).await
}

/// Issues a new secret; the current one keeps signing for [`ROTATION_GRACE`]. Answers the
/// endpoint and the new secret in clear (shown once).
pub async fn rotate(
    db: &DatabaseConnection,
    key: &SealingKey,
    current: &webhook_endpoint::Model,
) -> Result<(webhook_endpoint::Model, String), EndpointError> {
    let secret = signing::new_secret();
    let now = Utc::now();
    let update = webhook_endpoint::Entity::update_many()
        .col_expr(webhook_endpoint::Column::Secret, Expr::value(key.seal(&secret)))
        .col_expr(
            webhook_endpoint::Column::PreviousSecret,
            Expr::value(Some(current.secret.clone())),
        )
        .col_expr(
            webhook_endpoint::Column::PreviousSecretUntil,
            Expr::value(Some(now + ROTATION_GRACE)),
        )
        .col_expr(webhook_endpoint::Column::UpdatedAt, Expr::value(now))
        .col_expr(
            webhook_endpoint::Column::Version,
            Expr::col(webhook_endpoint::Column::Version).add(1),
        );
    Ok((changed(db, current, update).await?, secret))
}

/// Applies `update` to `current` if nobody changed it since, and reads it back.
async fn changed(
    db: &DatabaseConnection,
    current: &webhook_endpoint::Model,
    update: sea_orm::UpdateMany<webhook_endpoint::Entity>,
) -> Result<webhook_endpoint::Model, EndpointError> {
    let txn = begin_write(db).await?;
    let done = update
        .filter(webhook_endpoint::Column::Id.eq(current.id))
        .filter(webhook_endpoint::Column::Version.eq(current.version))
        .exec(&txn)
        .await?;
    if done.rows_affected == 0 {
        txn.rollback().await?;
        return Err(EndpointError::VersionMismatch);
    }
    let endpoint = webhook_endpoint::Entity::find_by_id(current.id)
        .unique(&txn)
        .await?
        .ok_or(EndpointError::NotFound)?;
    effect::commit(txn, Effect::changed("webhook_endpoints", &current.uid)).await?;
    Ok(endpoint)
}

/// Deletes an endpoint with its deliveries and their attempts.
pub async fn delete(db: &DatabaseConnection, endpoint: &webhook_endpoint::Model) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    let deliveries = entity::webhook_delivery::Entity::find()
        .select_only()
        .column(entity::webhook_delivery::Column::Id)
        .filter(entity::webhook_delivery::Column::EndpointId.eq(endpoint.id))
        .into_tuple::<i64>()
        .all(&txn)
        .await?;
    for chunk in deliveries.chunks(500) {
        entity::webhook_attempt::Entity::delete_many()
            .filter(entity::webhook_attempt::Column::DeliveryId.is_in(chunk.to_vec()))
            .exec(&txn)
            .await?;
    }
    entity::webhook_delivery::Entity::delete_many()
        .filter(entity::webhook_delivery::Column::EndpointId.eq(endpoint.id))
        .exec(&txn)
        .await?;
    webhook_endpoint::Entity::delete_by_id(endpoint.id)
        .exec(&txn)
        .await?;
    txn.commit().await
}

/// The secrets that sign for `endpoint` now: the current one, and the previous one during
/// its grace period.
pub fn signing_secrets(key: &SealingKey, endpoint: &webhook_endpoint::Model) -> Vec<String> {
    let mut secrets: Vec<String> = key.open(&endpoint.secret).into_iter().collect();
    if let (Some(previous), Some(until)) = (&endpoint.previous_secret, endpoint.previous_secret_until)
        && until > Utc::now()
    {
        secrets.extend(key.open(previous));
    }
    secrets
}
