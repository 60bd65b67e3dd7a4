//! Answering a request whose key an earlier request already used: the stored answer, or,
//! when none was kept (the answer carried a secret, or the server stopped between the
//! commit and the answer), the affected resource read back as the caller may see it now.

use poem::{
    Body, Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};
use serde_json::{Value, json};

use super::store::stored_headers;
use crate::http::{
    error::{ApiError, problems},
    headers,
    middleware::RequestContext,
};
use entity::idempotency_key;

/// Said in a rebuilt answer: a secret is given once, never again.
const NOTICE: &str = "Replayed for a retry with the same Idempotency-Key: the request was carried \
out once, by the first request. Secrets in that first response, such as an order token, were given \
only then and are not repeated.";

/// The answer to a request whose key `row` holds.
pub(super) async fn answer<E: Endpoint>(
    ep: &E,
    req: Request,
    row: &idempotency_key::Model,
    request_hash: &str,
) -> Response {
    if row.request_hash != request_hash {
        return ApiError::new(
            &problems::IDEMPOTENCY_KEY_REUSED,
            "This Idempotency-Key was already used with a different request.",
        )
        .into_response();
    }
    if row.response_body.is_some() {
        return stored(row);
    }
    if row.committed_at.is_some() || row.response_status.is_some() {
        return rebuilt(ep, req, row).await;
    }
    in_flight()
}

/// The refusal of a retry while the first request with its key is still running.
pub(super) fn in_flight() -> Response {
    ApiError::new(
        &problems::IDEMPOTENCY_KEY_IN_FLIGHT,
        "The first request with this Idempotency-Key is still being processed; retry shortly.",
    )
    .with_header(header::RETRY_AFTER, "1")
    .into_response()
}

fn status_of(code: Option<i32>) -> StatusCode {
    code.and_then(|status| u16::try_from(status).ok())
        .and_then(|status| StatusCode::from_u16(status).ok())
        .unwrap_or(StatusCode::OK)
}

fn stored(row: &idempotency_key::Model) -> Response {
    let mut response = Response::builder()
        .status(status_of(row.response_status))
        .body(row.response_body.clone().unwrap_or_default());
    for (name, value) in stored_headers(row) {
        if let (Ok(name), Ok(value)) = (
            poem::http::HeaderName::try_from(name),
            HeaderValue::from_str(&value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    mark_replayed(response)
}

/// The first answer's status and `Location`, with the affected resource as the caller may
/// read it now; a caller who may not read it (a guest, whose order token was given once)
/// gets only its link.
async fn rebuilt<E: Endpoint>(ep: &E, req: Request, row: &idempotency_key::Model) -> Response {
    let status = status_of(row.response_status.or(row.effect_status));
    let location = stored_headers(row)
        .into_iter()
        .find(|(name, _)| name == header::LOCATION.as_str())
        .map(|(_, value)| value)
        .or_else(|| Some(href(row.effect_path.as_deref()?)));
    let read = match row.effect_path.as_deref() {
        Some(path) => read_back(ep, req, path).await,
        None => None,
    };
    let (content_type, body) = match read {
        Some((content_type, mut body)) => {
            if let Some(fields) = body.as_object_mut() {
                fields.insert("notice".into(), NOTICE.into());
            }
            (content_type, body)
        }
        None => (
            "application/hal+json".to_owned(),
            json!({
                "_links": location.as_ref().map(|href| json!({ "self": { "href": href } })),
                "notice": NOTICE,
            }),
        ),
    };
    let mut response = Response::builder()
        .status(status)
        .content_type(content_type)
        .header(header::CACHE_CONTROL, "no-store")
        .body(body.to_string());
    if let Some(value) = location.and_then(|location| HeaderValue::from_str(&location).ok()) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    mark_replayed(response)
}

/// Reads the resource at `path` with the retry's own credentials.
async fn read_back<E: Endpoint>(ep: &E, mut req: Request, path: &str) -> Option<(String, Value)> {
    req.set_method(Method::GET);
    *req.uri_mut() = path.parse().ok()?;
    req.set_body(Body::empty());
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::IF_NONE_MATCH,
        header::IF_MATCH,
        header::IF_MODIFIED_SINCE,
    ] {
        req.headers_mut().remove(name);
    }
    let mut response = ep.call(req).await.ok()?.into_response();
    if response.status() != StatusCode::OK {
        return None;
    }
    let content_type = response.content_type()?.to_owned();
    let body = response.take_body().into_json::<Value>().await.ok()?;
    Some((content_type, body))
}

fn href(path: &str) -> String {
    match RequestContext::current() {
        Some(context) => context.hal.href(path),
        None => path.to_owned(),
    }
}

fn mark_replayed(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(headers::IDEMPOTENT_REPLAYED, HeaderValue::from_static("true"));
    response
}
