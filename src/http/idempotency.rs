//! `Idempotency-Key` for every POST, stored in the database so that it holds across
//! instances: a retry with the same key and body gets the first response again; the same
//! key with another body is refused (422); a retry while the first is running gets 409.

use std::{borrow::Cow, sync::Arc, time::Duration};

use chrono::Utc;
use entity::idempotency_key;
use poem::{
    Body, Endpoint, IntoResponse, Request, Response,
    http::{HeaderName, HeaderValue, Method, StatusCode, header},
};
use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromParameter, ParseResult, Type},
};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
};
use sha2::{Digest, Sha256};

use crate::db::is_unique_violation;

use super::{
    error::{ApiError, problems},
    headers,
};

/// How long a key is remembered.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// A first request still marked in flight after this long is taken to have died.
pub const ABANDONED_AFTER: Duration = Duration::from_secs(60);

/// Response headers replayed with the stored body.
const KEPT_HEADERS: [HeaderName; 4] = [
    header::CONTENT_TYPE,
    header::LOCATION,
    header::ETAG,
    header::WWW_AUTHENTICATE,
];
const KEPT_CUSTOM_HEADERS: [&str; 1] = [headers::ORDER_TOKEN];

fn is_valid_key(key: &str) -> bool {
    !key.is_empty() && key.len() <= 255 && key.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// The value of an `Idempotency-Key` header, as an operation declares it: 1 to 255 visible
/// ASCII characters. The middleware does the work; an operation names the header so that
/// it is documented and a malformed key is refused after authentication.
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub String);

impl Type for IdempotencyKey {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_idempotency_key".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new("string");
        schema.min_length = Some(1);
        schema.max_length = Some(255);
        schema.pattern = Some("^[!-~]+$".into());
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ParseFromParameter for IdempotencyKey {
    fn parse_from_parameter(value: &str) -> ParseResult<Self> {
        if is_valid_key(value) {
            Ok(IdempotencyKey(value.to_owned()))
        } else {
            Err(ParseError::custom("1 to 255 visible ASCII characters"))
        }
    }
}

/// The caller's identity, so that two principals using the same key never collide.
fn scope_of(req: &Request) -> String {
    let mut hasher = Sha256::new();
    for name in ["authorization", headers::ORDER_TOKEN, headers::COGNITO_TOKEN] {
        hasher.update(name.as_bytes());
        hasher.update(b"=");
        if let Some(value) = req.headers().get(name) {
            hasher.update(value.as_bytes());
        }
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

fn fingerprint(req: &Request, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(
        req.uri()
            .path_and_query()
            .map(|pq| pq.as_str())
            .unwrap_or("/")
            .as_bytes(),
    );
    hasher.update(b"\n");
    hasher.update(body);
    hex::encode(hasher.finalize())
}

pub async fn idempotency<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    db: DatabaseConnection,
) -> poem::Result<Response> {
    let Some(key) = key_of(&req) else {
        return Ok(ep.call(req).await?.into_response());
    };
    let body = req.take_body().into_bytes().await.map_err(ApiError::internal)?;
    let scope = scope_of(&req);
    let request_hash = fingerprint(&req, &body);
    req.set_body(Body::from_bytes(body));

    let db = &db;
    forget_expired(db).await?;
    let row = match claim(db, &scope, &key, &request_hash).await? {
        Claim::Ours(row) => row,
        Claim::Answered(response) => return Ok(response),
    };

    let response = match ep.call(req).await {
        Ok(response) => response.into_response(),
        Err(err) => super::error::from_poem_error(err).into_response(),
    };
    if response.status().is_server_error() || response.status() == StatusCode::UNAUTHORIZED {
        // Nothing was processed (the server failed, or the caller was not authenticated):
        // let the client retry with the same key.
        release(db, row.id).await?;
        return Ok(response);
    }
    Ok(remember(db, row, response).await?)
}

/// The key of a POST that sent a well-formed one. A malformed key is refused by the
/// operation itself, after authentication, so that an anonymous caller learns nothing
/// before a 401.
fn key_of(req: &Request) -> Option<String> {
    if req.method() != Method::POST {
        return None;
    }
    match req.headers().get(headers::IDEMPOTENCY_KEY)?.to_str() {
        Ok(key) if is_valid_key(key) => Some(key.to_owned()),
        _ => None,
    }
}

async fn forget_expired(db: &DatabaseConnection) -> Result<(), ApiError> {
    let cutoff = Utc::now() - chrono::Duration::from_std(RETENTION).unwrap_or_default();
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(cutoff))
        .exec(db)
        .await
        .map_err(ApiError::from)?;
    Ok(())
}

/// Who answers a request with a key: this one (the key is claimed for it), or an earlier
/// one (its stored response, or a refusal).
enum Claim {
    Ours(idempotency_key::Model),
    Answered(Response),
}

/// Claims the key for this request by inserting its row; the unique (scope, key) index
/// decides between concurrent requests.
async fn claim(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> Result<Claim, ApiError> {
    loop {
        let claim = idempotency_key::ActiveModel {
            scope: Set(scope.to_owned()),
            key: Set(key.to_owned()),
            request_hash: Set(request_hash.to_owned()),
            response_status: Set(None),
            response_headers: Set(None),
            response_body: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(db)
        .await;
        match claim {
            Ok(row) => return Ok(Claim::Ours(row)),
            Err(err) if is_unique_violation(&err) => {
                if let Some(answer) = earlier_answer(db, scope, key, request_hash).await? {
                    return Ok(Claim::Answered(answer));
                }
            }
            Err(err) => return Err(ApiError::from(err)),
        }
    }
}

/// What the earlier request with this key answers; `None` when its row is gone (or was
/// abandoned and is now released), so that the key can be claimed again.
async fn earlier_answer(
    db: &DatabaseConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
) -> Result<Option<Response>, ApiError> {
    let existing = idempotency_key::Entity::find()
        .filter(idempotency_key::Column::Scope.eq(scope))
        .filter(idempotency_key::Column::Key.eq(key))
        .one(db)
        .await
        .map_err(ApiError::from)?;
    let Some(existing) = existing else {
        return Ok(None);
    };
    if existing.request_hash != request_hash {
        return Ok(Some(
            ApiError::new(
                &problems::IDEMPOTENCY_KEY_REUSED,
                "This Idempotency-Key was already used with a different request.",
            )
            .into_response(),
        ));
    }
    match existing.response_status {
        Some(_) => Ok(Some(replay(&existing))),
        None if abandoned(&existing) => {
            release(db, existing.id).await?;
            Ok(None)
        }
        None => Ok(Some(
            ApiError::new(
                &problems::IDEMPOTENCY_KEY_IN_FLIGHT,
                "The first request with this Idempotency-Key is still being processed; retry shortly.",
            )
            .with_header(header::RETRY_AFTER, "1")
            .into_response(),
        )),
    }
}

/// Stores the response on the claimed row, for replays, and returns it.
async fn remember(
    db: &DatabaseConnection,
    row: idempotency_key::Model,
    mut response: Response,
) -> Result<Response, ApiError> {
    let body = response
        .take_body()
        .into_bytes()
        .await
        .map_err(ApiError::internal)?;
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .filter(|(name, _)| KEPT_HEADERS.contains(name) || KEPT_CUSTOM_HEADERS.contains(&name.as_str()))
        .filter_map(|(name, value)| Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned())))
        .collect();
    let mut stored: idempotency_key::ActiveModel = row.into();
    stored.response_status = Set(Some(i32::from(response.status().as_u16())));
    stored.response_headers = Set(Some(serde_json::to_string(&headers).unwrap_or_default()));
    stored.response_body = Set(Some(String::from_utf8_lossy(&body).into_owned()));
    stored.update(db).await.map_err(ApiError::from)?;
    response.set_body(body);
    Ok(response)
}

fn abandoned(row: &idempotency_key::Model) -> bool {
    let age = Utc::now() - row.created_at;
    age.to_std().is_ok_and(|age| age > ABANDONED_AFTER)
}

async fn release(db: &DatabaseConnection, id: i64) -> Result<(), ApiError> {
    idempotency_key::Entity::delete_by_id(id)
        .exec(db)
        .await
        .map(|_| ())
        .map_err(|err: DbErr| ApiError::from(err))
}

fn replay(row: &idempotency_key::Model) -> Response {
    let status = row
        .response_status
        .and_then(|status| u16::try_from(status).ok())
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK);
    let headers: Vec<(String, String)> = row
        .response_headers
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .unwrap_or_default();
    let mut response = Response::builder()
        .status(status)
        .body(row.response_body.clone().unwrap_or_default());
    for (name, value) in headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::from_str(&value)) {
            response.headers_mut().insert(name, value);
        }
    }
    response
        .headers_mut()
        .insert(headers::IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_visible_ascii_up_to_255_characters() {
        assert!(is_valid_key("order-2026-11-22-0001"));
        assert!(is_valid_key(&"k".repeat(255)));
        assert!(!is_valid_key(&"k".repeat(256)));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key("has space"));
    }
}
