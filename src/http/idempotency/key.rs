//! The `Idempotency-Key` header: its syntax, and what identifies a request that sends it
//! (the caller's credentials and the request itself).

use std::borrow::Cow;

use poem::{
    Request,
    http::{HeaderValue, Method, header},
};
use poem_openapi::{
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromParameter, ParseResult, Type},
};
use sha2::{Digest, Sha256};

use crate::http::headers;

/// The headers that identify a caller. A replay is rebuilt with them too.
pub(super) const CREDENTIAL_HEADERS: [&str; 3] =
    ["authorization", headers::ORDER_TOKEN, headers::COGNITO_TOKEN];

pub(super) fn is_valid_key(key: &str) -> bool {
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

/// The key of a POST that sent a well-formed one. A malformed key is refused by the
/// operation itself, after authentication, so that an anonymous caller learns nothing
/// before a 401.
pub(super) fn key_of(req: &Request) -> Option<String> {
    if req.method() != Method::POST {
        return None;
    }
    match req.headers().get(headers::IDEMPOTENCY_KEY)?.to_str() {
        Ok(key) if is_valid_key(key) => Some(key.to_owned()),
        _ => None,
    }
}

/// Makes a key that is present but unreadable (empty, or not visible ASCII) refusable. The
/// operation reads such a header as absent and would run without idempotency; replaced by
/// an over-long key, it is refused by the operation's own parameter as malformed, after
/// authentication like any other malformed key.
pub(super) fn expose_unreadable_key(req: &mut Request) {
    if req.method() != Method::POST {
        return;
    }
    let unreadable = req
        .headers()
        .get_all(headers::IDEMPOTENCY_KEY)
        .iter()
        .any(|value| value.is_empty() || value.to_str().is_err());
    if unreadable && let Ok(over_long) = HeaderValue::from_str(&over_long_key()) {
        req.headers_mut().insert(headers::IDEMPOTENCY_KEY, over_long);
    }
}

/// 256 visible characters: one more than a key may have.
fn over_long_key() -> String {
    "x".repeat(256)
}

/// The caller's identity, so that two principals using the same key never collide.
/// Callers without credentials (guests) share one scope: what they are answered on a
/// replay never includes a secret (see `replay`).
pub(super) fn scope_of(req: &Request) -> String {
    let mut hasher = Sha256::new();
    for name in CREDENTIAL_HEADERS {
        hasher.update(name.as_bytes());
        hasher.update(b"=");
        if let Some(value) = req.headers().get(name) {
            hasher.update(value.as_bytes());
        }
        hasher.update(b"\n");
    }
    hex::encode(hasher.finalize())
}

/// What makes two requests with one key the same request: method, target and body.
pub(super) fn fingerprint(req: &Request, body: &[u8]) -> String {
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

/// Whether a response says it must not be stored (it carries a secret, such as an order
/// token): its body is then never kept for a replay.
pub(super) fn must_not_store(response: &poem::Response) -> bool {
    response
        .headers()
        .get_all(header::CACHE_CONTROL)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| {
            value
                .split(',')
                .any(|part| part.trim().eq_ignore_ascii_case("no-store"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stand_in_for_an_unreadable_key_is_one_character_too_long() {
        let key = over_long_key();
        assert_eq!(key.len(), 256);
        assert!(key.bytes().all(|b| b.is_ascii_graphic()));
        assert!(!is_valid_key(&key));
    }

    #[test]
    fn keys_are_visible_ascii_up_to_255_characters() {
        assert!(is_valid_key("order-2026-11-22-0001"));
        assert!(is_valid_key(&"k".repeat(255)));
        assert!(!is_valid_key(&"k".repeat(256)));
        assert!(!is_valid_key(""));
        assert!(!is_valid_key("has space"));
    }

    #[test]
    fn a_response_marked_no_store_is_not_kept() {
        let secret = poem::Response::builder()
            .header(header::CACHE_CONTROL, "private, no-store")
            .finish();
        assert!(must_not_store(&secret));
        assert!(!must_not_store(&poem::Response::builder().finish()));
    }
}
