//! Rendered answers to anonymous catalogue reads, kept for a moment.
//!
//! Browsing buyers ask for the same few public resources again and again (the root, the
//! catalogue pages, a product, the relation pages), and each answer costs queries and
//! rendering. A `GET` that carries no credentials, on a public path, is answered from a copy
//! when one is fresh:
//!
//! - a copy is served for at most [`FRESH_FOR`]: other instances and the admin commands
//!   write to the same database, and their changes show here within that time;
//! - any write through this instance (any request other than `GET`, `HEAD`, `OPTIONS` and
//!   the side-effect-free `POST /bill`) drops every copy at once, so a client never reads
//!   back older data after a write it made here;
//! - a copy is stored only if no write began since the read that rendered it began (a
//!   count of writes), so a read racing a write never stores the older answer;
//! - nothing personal is cached: a request with `Authorization`, a cookie, `Order-Token`,
//!   `Cognito-Token` or `Scanner-Token`, and every path outside the public list, always
//!   reaches its handler. Order state is never served from here.

use std::{sync::Arc, time::Duration};

use bytes::Bytes;
use poem::{
    Body, Endpoint, IntoResponse, Request, Response,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
};

use super::{error::ApiError, headers, middleware::body_etag};
use crate::cache::{Copies, Writes};

/// How long a copy is served before the next reader renders it again.
pub const FRESH_FOR: Duration = Duration::from_secs(1);

/// At most this many copies are kept; when full, every copy is dropped.
const MAX_ENTRIES: usize = 2048;

/// Larger answers are not kept.
const MAX_BODY_BYTES: usize = 512 * 1024;

/// Paths whose anonymous answers are the same for every caller.
const PUBLIC_PREFIXES: [&str; 6] = [
    "/products",
    "/stores/",
    "/rels/",
    "/problems/",
    "/events",
    "/bill",
];

/// halshop's own headers that carry credentials (besides `Authorization` and cookies).
const CREDENTIALS: [&str; 3] = [
    headers::ORDER_TOKEN,
    headers::COGNITO_TOKEN,
    headers::SCANNER_TOKEN,
];

#[derive(Debug)]
struct Copy {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

/// The copies, stale once a write begins through this instance.
#[derive(Debug)]
pub struct PublicCache {
    writes: Arc<Writes>,
    copies: Copies<String, Arc<Copy>>,
}

impl Default for PublicCache {
    fn default() -> Self {
        Self::new(Arc::default())
    }
}

impl PublicCache {
    /// Copies made stale by every write counted in `writes`.
    pub fn new(writes: Arc<Writes>) -> Self {
        Self {
            copies: Copies::new(writes.clone(), FRESH_FOR, MAX_ENTRIES),
            writes,
        }
    }

    /// Drops every copy: something they show may have changed.
    pub fn invalidate(&self) {
        self.writes.begin();
        self.copies.clear();
    }
}

/// Whether a request's answer may come from (and go to) the copies: its cache key if so.
fn cache_key(req: &Request) -> Option<String> {
    if req.method() != Method::GET {
        return None;
    }
    let request_headers = req.headers();
    let personal = [header::AUTHORIZATION, header::COOKIE]
        .iter()
        .any(|name| request_headers.contains_key(name))
        || CREDENTIALS.iter().any(|name| request_headers.contains_key(*name));
    let path = req.uri().path();
    let public = path == "/" || PUBLIC_PREFIXES.iter().any(|prefix| path.starts_with(prefix));
    if personal || !public {
        return None;
    }
    let accept = request_headers
        .get(header::ACCEPT)
        .map(HeaderValue::as_bytes)
        .unwrap_or_default();
    let target = req.uri().path_and_query().map_or(path, |pq| pq.as_str());
    Some(format!("{target}\n{}", String::from_utf8_lossy(accept)))
}

/// Whether a request may change what the copies show.
fn may_write(req: &Request) -> bool {
    let method = req.method();
    let safe = method == Method::GET || method == Method::HEAD || method == Method::OPTIONS;
    // Pricing writes nothing. Placing an order changes what anonymous readers see only when
    // it holds places (how many are left); its handler drops the copies then, after the
    // order is committed (see `PublicCache::invalidate`).
    let checkout = method == Method::POST && matches!(req.uri().path(), "/bill" | "/orders");
    !safe && !checkout
}

/// The layer: answers from a fresh copy, or calls the handler and keeps its answer.
pub async fn public_cache<E: Endpoint>(
    ep: Arc<E>,
    req: Request,
    cache: Arc<PublicCache>,
) -> poem::Result<Response> {
    if may_write(&req) {
        cache.invalidate();
        let response = ep.call(req).await?.into_response();
        cache.invalidate();
        return Ok(response);
    }
    let Some(key) = cache_key(&req) else {
        return Ok(ep.call(req).await?.into_response());
    };
    if let Some(copy) = cache.copies.get(&key) {
        return Ok(replay(&copy));
    }
    let stamp = cache.copies.stamp();
    let mut response = ep.call(req).await?.into_response();
    let no_store = response
        .headers()
        .get(header::CACHE_CONTROL)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("no-store") || value.contains("private"));
    if response.status() != StatusCode::OK || no_store {
        return Ok(response);
    }
    let body = response
        .take_body()
        .into_bytes()
        .await
        .map_err(ApiError::internal)?;
    if !response.headers().contains_key(header::ETAG)
        && let Ok(etag) = HeaderValue::from_str(&body_etag(&body))
    {
        response.headers_mut().insert(header::ETAG, etag);
    }
    if body.len() <= MAX_BODY_BYTES {
        let copy = Copy {
            status: response.status(),
            headers: response.headers().clone(),
            body: body.clone(),
        };
        cache.copies.put(key, stamp, Arc::new(copy));
    }
    response.set_body(body);
    Ok(response)
}

fn replay(copy: &Copy) -> Response {
    let mut response = Response::builder()
        .status(copy.status)
        .body(Body::from_bytes(copy.body.clone()));
    *response.headers_mut() = copy.headers.clone();
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(uri: &str) -> Request {
        Request::builder().uri(uri.parse().unwrap()).finish()
    }

    fn copy() -> Arc<Copy> {
        Arc::new(Copy {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(b"{}"),
        })
    }

    #[test]
    fn an_anonymous_read_of_the_catalogue_is_cacheable() {
        assert!(cache_key(&get("/products?page=2")).is_some());
        assert!(cache_key(&get("/")).is_some());
    }

    #[test]
    fn a_read_with_credentials_or_of_a_private_path_is_never_cached() {
        let with_token = Request::builder()
            .uri("/products".parse().unwrap())
            .header(header::AUTHORIZATION, "Basic eDp5")
            .finish();
        assert!(cache_key(&with_token).is_none());
        for name in CREDENTIALS {
            let with_header = Request::builder()
                .uri(
                    "/events/f6284ab0fd3147e5b6ea40cc0ba1b69a/revoked_tickets"
                        .parse()
                        .unwrap(),
                )
                .header(name, "secret")
                .finish();
            assert!(cache_key(&with_header).is_none(), "{name}");
        }
        assert!(cache_key(&get("/orders/f6284ab0fd3147e5b6ea40cc0ba1b69a")).is_none());
        assert!(cache_key(&get("/downloads/abc")).is_none());
    }

    #[test]
    fn the_accept_header_is_part_of_the_key() {
        let hal = get("/products");
        let html = Request::builder()
            .uri("/products".parse().unwrap())
            .header(header::ACCEPT, "text/html")
            .finish();
        assert_ne!(cache_key(&hal), cache_key(&html));
    }

    #[test]
    fn checkout_leaves_the_copies_to_its_handlers_but_other_posts_drop_them() {
        let post = |uri: &str| {
            Request::builder()
                .method(Method::POST)
                .uri(uri.parse().unwrap())
                .finish()
        };
        assert!(!may_write(&post("/bill")));
        assert!(!may_write(&post("/orders")));
        assert!(may_write(&post("/ordercancellation")));
        assert!(may_write(&post("/products")));
    }

    #[test]
    fn a_write_drops_every_copy() {
        let cache = PublicCache::default();
        cache.copies.put("k".into(), cache.copies.stamp(), copy());
        assert!(cache.copies.get(&"k".into()).is_some());
        cache.invalidate();
        assert!(cache.copies.get(&"k".into()).is_none());
    }

    #[test]
    fn an_answer_rendered_before_a_write_is_not_stored_after_it() {
        let cache = PublicCache::default();
        let stamp_before = cache.copies.stamp();
        cache.invalidate();
        cache.copies.put("k".into(), stamp_before, copy());
        assert!(cache.copies.get(&"k".into()).is_none());
    }
}
