//! The idempotency keys' rows: claiming a key, taking over one whose request died, storing
//! the answer, and releasing a key whose request did nothing.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::{self, FindUnique};
use chrono::Utc;
use entity::idempotency_key::{self, Column};
use poem::{
    Response,
    http::{HeaderName, header},
};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Query},
};

use super::{ABANDONED_AFTER, RETENTION, key::must_not_store};
use crate::{db::is_unique_violation, http::error::ApiError};

/// Response headers replayed with the stored body. The order token is never kept.
const KEPT_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::ETAG,
    header::WWW_AUTHENTICATE,
];

/// Who answers a request with a key.
pub(super) enum Claimed {
    /// This request: the key is claimed for it.
    Ours(idempotency_key::Model),
    /// An earlier request with this key, done or still running.
    Earlier(idempotency_key::Model),
}

/// Deletes the keys older than [`RETENTION`], at most once a minute, in a task of its own
/// and a batch at a time, so that neither the request that starts it nor other writers wait
/// for a day's worth of keys to go. A key past its retention is forgotten when it is used
/// again anyway (see [`claim`]); this keeps the table small.
pub(super) fn forget_expired(db: &DatabaseConnection) {
    static LAST_SWEEP: AtomicI64 = AtomicI64::new(i64::MIN);
    let now = Utc::now().timestamp();
    let last = LAST_SWEEP.load(Ordering::Relaxed);
    if now.saturating_sub(last) < SWEEP_EVERY_SECONDS
        || LAST_SWEEP
            .compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed)
            .is_err()
    {
        return;
    }
    let db = db.clone();
    tokio::spawn(async move {
        if let Err(err) = sweep(&db).await {
            tracing::warn!("could not forget expired idempotency keys: {err}");
        }
    });
}

/// How many expired keys one write deletes.
const SWEPT_AT_ONCE: u64 = 1_000;

async fn sweep(db: &DatabaseConnection) -> Result<(), DbErr> {
    loop {
        let oldest = Query::select()
            .column(Column::Id)
            .from(idempotency_key::Entity)
            .and_where(Expr::col(Column::CreatedAt).lt(retention_cutoff()))
            .limit(SWEPT_AT_ONCE)
            .to_owned();
        let deleted = db::write(db, async |txn| {
            idempotency_key::Entity::delete_many()
                .filter(Column::Id.in_subquery(oldest))
                .exec(txn)
                .await
        })
        .await?;
        if deleted.rows_affected < SWEPT_AT_ONCE {
            return Ok(());
        }
    }
}

/// How often expired keys are swept.
const SWEEP_EVERY_SECONDS: i64 = 60;

/// Keys created before this are forgotten.
fn retention_cutoff() -> chrono::DateTime<Utc> {
    Utc::now() - chrono::Duration::from_std(RETENTION).unwrap_or_default()
}

/// Claims the key for this request by inserting its row; the unique (scope, key) index
/// decides between concurrent requests. A key whose first request has been running for
/// longer than [`ABANDONED_AFTER`] without committing anything is taken over.
pub(super) async fn claim(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> Result<Claimed, ApiError> {
    loop {
        let row = idempotency_key::ActiveModel {
            scope: Set(scope.to_owned()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            response_status: Set(None),
            response_headers: Set(None),
            response_body: Set(None),
            created_at: Set(Utc::now()),
            claim: Set(super::super::random_hex(16)),
            committed_at: Set(None),
            effect_path: Set(None),
            effect_status: Set(None),
            ..Default::default()
        };
        // A failed insert is rolled back before the row it collided with is read, which then
        // reads it committed.
        let err = match db::write(db, async |txn| row.insert(txn).await).await {
            Ok(row) => return Ok(Claimed::Ours(row)),
            Err(err) if is_unique_violation(&err) => err,
            Err(err) => return Err(ApiError::from(err)),
        };
        let existing = idempotency_key::Entity::find()
            .filter(Column::Scope.eq(scope))
            .filter(Column::Key.eq(key))
            .unique(db)
            .await?;
        let Some(existing) = existing else {
            // Released or forgotten in between: claim it afresh.
            tracing::debug!(error = %err, "idempotency key released while claiming");
            continue;
        };
        if existing.created_at < retention_cutoff() {
            forget(db, &existing).await?;
            continue;
        }
        if !abandoned(&existing) || existing.request_hash != request_hash {
            return Ok(Claimed::Earlier(existing));
        }
        if let Some(row) = take_over(db, &existing).await? {
            return Ok(Claimed::Ours(row));
        }
    }
}

/// Forgets one key older than [`RETENTION`].
async fn forget(db: &DatabaseConnection, row: &idempotency_key::Model) -> Result<(), ApiError> {
    db::write(db, async |txn| {
        idempotency_key::Entity::delete_many()
            .filter(Column::Id.eq(row.id))
            .filter(Column::Claim.eq(row.claim.as_str()))
            .exec(txn)
            .await
    })
    .await?;
    Ok(())
}

/// A key claimed long ago whose request neither committed an effect nor answered.
fn abandoned(row: &idempotency_key::Model) -> bool {
    let age = Utc::now() - row.created_at;
    row.committed_at.is_none()
        && row.response_status.is_none()
        && age.to_std().is_ok_and(|age| age > ABANDONED_AFTER)
}

/// Replaces the claim's token, so that the first request, should it still be alive, can no
/// longer commit. On PostgreSQL this waits for a transaction that is recording an effect on
/// the row, and then finds the row committed and takes nothing.
async fn take_over(
    db: &DatabaseConnection,
    row: &idempotency_key::Model,
) -> Result<Option<idempotency_key::Model>, ApiError> {
    let token = super::super::random_hex(16);
    let now = Utc::now();
    let taken = db::write(db, async |txn| {
        idempotency_key::Entity::update_many()
            .col_expr(Column::Claim, Expr::value(token.clone()))
            .col_expr(Column::CreatedAt, Expr::value(now))
            .filter(Column::Id.eq(row.id))
            .filter(Column::Claim.eq(row.claim.as_str()))
            .filter(Column::CommittedAt.is_null())
            .filter(Column::ResponseStatus.is_null())
            .exec(txn)
            .await
    })
    .await?;
    if taken.rows_affected != 1 {
        return Ok(None);
    }
    tracing::warn!(key = %row.key, "idempotency key taken over from a request that died");
    Ok(Some(idempotency_key::Model {
        claim: token,
        created_at: now,
        ..row.clone()
    }))
}

/// Stores the answer on the claimed row, for replays. Of a response marked `no-store` only
/// the status is kept: a replay rebuilds the rest without its secret.
pub(super) async fn remember(
    db: &DatabaseConnection,
    row: &idempotency_key::Model,
    response: &Response,
    body: &[u8],
) -> Result<(), ApiError> {
    let secret = must_not_store(response);
    let kept: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| !secret && KEPT_HEADERS.contains(name))
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let stored_body = (!secret).then(|| String::from_utf8_lossy(body).into_owned());
    let status = i32::from(response.status().as_u16());
    db::write(db, async |txn| {
        idempotency_key::Entity::update_many()
            .col_expr(Column::ResponseStatus, Expr::value(status))
            .col_expr(
                Column::ResponseHeaders,
                Expr::value(serde_json::to_string(&kept).unwrap_or_default()),
            )
            .col_expr(Column::ResponseBody, Expr::value(stored_body))
            .filter(Column::Id.eq(row.id))
            .filter(Column::Claim.eq(row.claim.as_str()))
            .exec(txn)
            .await
    })
    .await?;
    Ok(())
}

/// Forgets a key whose request changed nothing, so that the client can retry with it.
pub(super) async fn release(db: &DatabaseConnection, row: &idempotency_key::Model) -> Result<(), ApiError> {
    db::write(db, async |txn| {
        idempotency_key::Entity::delete_many()
            .filter(Column::Id.eq(row.id))
            .filter(Column::Claim.eq(row.claim.as_str()))
            .filter(Column::CommittedAt.is_null())
            .exec(txn)
            .await
    })
    .await?;
    Ok(())
}

/// The headers stored with an answer.
pub(super) fn stored_headers(row: &idempotency_key::Model) -> Vec<(String, String)> {
    row.response_headers
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(n: usize, created_at: chrono::DateTime<Utc>) -> idempotency_key::ActiveModel {
        idempotency_key::ActiveModel {
            scope: Set("merchant:1".into()),
            key: Set(format!("key-{n}")),
            request_hash: Set("0".repeat(64)),
            created_at: Set(created_at),
            claim: Set(format!("claim-{n}")),
            ..Default::default()
        }
    }

    #[tokio::test]
    async fn a_sweep_forgets_every_expired_key_a_batch_at_a_time_and_keeps_the_others() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("keys.db").display());
        let db = db::connect(&url, 2).await.unwrap();
        db::migrate(&db).await.unwrap();
        let old = Utc::now() - chrono::Duration::hours(25);
        let expired: Vec<_> = (0..2_500).map(|n| key(n, old)).collect();
        for chunk in expired.chunks(500) {
            idempotency_key::Entity::insert_many(chunk.to_vec())
                .exec(&db)
                .await
                .unwrap();
        }
        key(9_999, Utc::now()).insert(&db).await.unwrap();

        sweep(&db).await.unwrap();

        let left = idempotency_key::Entity::find().all(&db).await.unwrap();
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].key, "key-9999");
    }
}
