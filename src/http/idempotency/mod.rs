//! `Idempotency-Key` for every POST, stored in the database so that it holds across
//! instances: a retry with the same key and body gets the first response again; the same
//! key with another body is refused (422); a retry while the first is running gets 409.
//!
//! One key, one effect, ever: the key is claimed before the handler runs, and the handler's
//! transaction records its effect on the key before it commits (`crate::effect`). The
//! answer is stored afterwards, unless it carries a secret (`Cache-Control: no-store`);
//! a retry that finds an effect but no stored answer reads the resource back instead.

mod key;
mod replay;
mod store;

use std::{sync::Arc, time::Duration};

use poem::{Body, Endpoint, IntoResponse, Request, Response, http::StatusCode};
use sea_orm::DatabaseConnection;

pub use key::IdempotencyKey;

use super::error::ApiError;
use crate::effect::{self, Outcome};
use store::Claimed;

/// How long a key is remembered.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// A first request that has neither committed an effect nor answered after this long is
/// taken to have died; a retry takes its key over (see `effect` for why that is safe).
pub const ABANDONED_AFTER: Duration = Duration::from_secs(10);

pub async fn idempotency<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    db: DatabaseConnection,
) -> poem::Result<Response> {
    key::expose_unreadable_key(&mut req);
    let Some(key) = key::key_of(&req) else {
        return Ok(ep.call(req).await?.into_response());
    };
    let body = req.take_body().into_bytes().await.map_err(ApiError::internal)?;
    let scope = key::scope_of(&req);
    let request_hash = key::fingerprint(&req, &body);
    req.set_body(Body::from_bytes(body));

    store::forget_expired(&db);
    let row = match store::claim(&db, &scope, &key, &request_hash).await? {
        Claimed::Ours(row) => row,
        Claimed::Earlier(row) => return Ok(replay::answer(ep.as_ref(), req, &row, &request_hash).await),
    };
    let claim = effect::Claim::new(row.id, row.claim.clone());
    let mut response = match effect::holding(claim.clone(), ep.call(req)).await {
        Ok(response) => response.into_response(),
        Err(err) => super::error::from_poem_error(err).into_response(),
    };
    let outcome = claim.outcome();
    let status = response.status();
    match outcome {
        Outcome::Lost => return Ok(replay::in_flight()),
        Outcome::Nothing if status.is_server_error() || status == StatusCode::UNAUTHORIZED => {
            // Nothing was processed (the server failed, or the caller was not authenticated):
            // let the client retry with the same key.
            store::release(&db, &row).await?;
            return Ok(response);
        }
        Outcome::Nothing | Outcome::Committed(_) => {}
    }
    let body = response
        .take_body()
        .into_bytes()
        .await
        .map_err(ApiError::internal)?;
    if let Err(err) = store::remember(&db, &row, &response, &body).await {
        // The effect, if any, is recorded on the key already: a retry reads it back.
        tracing::error!(error = %err.detail, "could not store the answer to an idempotent request");
    }
    response.set_body(body);
    Ok(response)
}
