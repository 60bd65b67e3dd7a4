//! HAL building blocks: the one place that knows how links, curies, pages and URLs are made.
//! Every href is absolute and built from the configured public base URL with the `url` crate.

use poem::Request;
use poem_openapi::{
    ApiResponse, Object,
    payload::Payload,
    registry::{MetaMediaType, MetaResponse, MetaResponses, MetaSchemaRef, Registry},
    types::{ToJSON, Type},
};
use serde::Serialize;
use url::Url;

/// Media type of every successful response body.
pub const HAL_JSON: &str = "application/hal+json";

/// A HAL link object.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
#[oai(example)]
pub struct Link {
    /// Absolute URL, or an RFC 6570 URI template when `templated` is true.
    pub href: String,
    /// True when `href` is an RFC 6570 URI template.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub templated: Option<bool>,
    /// Media type of the target when it is not `application/hal+json`.
    #[oai(rename = "type", skip_serializing_if_is_none)]
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
    /// Human-readable label.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl poem_openapi::types::Example for Link {
    fn example() -> Self {
        Link {
            href: "https://shop.example.com/products/5c8f0e3b9a7d4c21b6e2f4a1d3c5b7e9".into(),
            templated: None,
            media_type: None,
            title: None,
        }
    }
}

impl Link {
    pub fn with_title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    pub fn with_type(mut self, media_type: impl Into<String>) -> Self {
        self.media_type = Some(media_type.into());
        self
    }
}

/// A HAL curie: `shop:<rel>` expands to `<base>/rels/<rel>`, an HTML page documenting it.
#[derive(Debug, Clone, PartialEq, Object, Serialize)]
pub struct Curie {
    pub name: String,
    pub href: String,
    pub templated: bool,
    #[oai(rename = "type")]
    #[serde(rename = "type")]
    pub media_type: String,
}

/// The links of a page of a collection.
#[derive(Debug, Clone, PartialEq)]
pub struct PageLinks {
    pub first: Link,
    pub prev: Option<Link>,
    pub next: Option<Link>,
    pub last: Link,
}

/// Requested page of a collection, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    pub page: u64,
    pub page_size: u64,
}

impl Paging {
    pub const DEFAULT_PAGE_SIZE: u64 = 50;
    pub const MAX_PAGE_SIZE: u64 = 500;

    pub fn offset(&self) -> u64 {
        (self.page - 1) * self.page_size
    }

    /// Number of the last page (at least 1, so an empty collection still has one page).
    pub fn last_page(&self, item_count: u64) -> u64 {
        item_count.div_ceil(self.page_size).max(1)
    }
}

/// Builds absolute links on the public base URL.
#[derive(Debug, Clone)]
pub struct Hal {
    base: Url,
    /// The base as text without its trailing slash: a plain path is appended to it.
    prefix: String,
}

impl Hal {
    pub fn new(base: Url) -> Self {
        let mut prefix = base.clone();
        prefix.set_query(None);
        prefix.set_fragment(None);
        let prefix = String::from(prefix).trim_end_matches('/').to_owned();
        Self { base, prefix }
    }

    pub fn base(&self) -> &Url {
        &self.base
    }

    /// The base as text without its trailing slash: what a path is appended to.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The absolute URL of `path` (which starts with `/`), keeping any path prefix of the base.
    pub fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        let prefix = self.base.path().trim_end_matches('/');
        url.set_path(&format!("{prefix}{path}"));
        url.set_query(None);
        url.set_fragment(None);
        url
    }

    /// `path` with `query` pairs appended (pairs with `None` values are left out).
    pub fn url_with_query<'a>(
        &self,
        path: &str,
        query: impl IntoIterator<Item = (&'a str, Option<String>)>,
    ) -> Url {
        let mut url = self.url(path);
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in query {
                if let Some(value) = value {
                    pairs.append_pair(name, &value);
                }
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    }

    /// The absolute URL of `path` as text. A plain path (letters, digits, `/`, `-`, `_`,
    /// `~`, no dot segment) needs no encoding and is appended to the base as it is, which
    /// is what [`Hal::url`] would give, without parsing a URL for every link.
    pub fn href(&self, path: &str) -> String {
        if !is_plain_path(path) {
            return self.url(path).into();
        }
        let mut href = String::with_capacity(self.prefix.len() + path.len());
        href.push_str(&self.prefix);
        href.push_str(path);
        href
    }

    pub fn link(&self, path: &str) -> Link {
        Link {
            href: self.href(path),
            templated: None,
            media_type: None,
            title: None,
        }
    }

    pub fn link_to(url: Url) -> Link {
        Link {
            href: url.into(),
            templated: None,
            media_type: None,
            title: None,
        }
    }

    /// An RFC 6570 templated link; `template` is a path with expressions, such as
    /// `/products{?q,page}` or `/orders/{uid}`.
    pub fn templated(&self, template: &str) -> Link {
        let (path, expression) = match template.find('{') {
            Some(at) => template.split_at(at),
            None => (template, ""),
        };
        let href = format!("{}{}", self.href(path), expression);
        Link {
            href,
            templated: Some(true),
            media_type: None,
            title: None,
        }
    }

    /// The uid named by a resource URI such as `<base>/products/<uid>`, given the collection
    /// path (`/products`). The scheme and host are not compared, so that a URI written with
    /// another host name of the same deployment still works; the path must match exactly.
    pub fn uid_from_uri(&self, uri: &str, collection: &str) -> Option<String> {
        let parsed = Url::parse(uri).or_else(|_| self.base.join(uri)).ok()?;
        let prefix = format!("{}{}/", self.base.path().trim_end_matches('/'), collection);
        let uid = parsed.path().strip_prefix(&prefix)?;
        is_uid(uid).then(|| uid.to_owned())
    }

    /// `self`: exactly the URL that was requested, query string included.
    pub fn self_link(&self, req: &Request) -> Link {
        Self::link_to(self.request_url(req))
    }

    /// The absolute URL of the current request.
    pub fn request_url(&self, req: &Request) -> Url {
        let uri = req.original_uri();
        let mut url = self.url(uri.path());
        url.set_query(uri.query());
        url
    }

    pub fn curies(&self) -> Vec<Curie> {
        vec![Curie {
            name: "shop".into(),
            href: format!("{}{{rel}}", self.url("/rels/")),
            templated: true,
            media_type: "text/html".into(),
        }]
    }

    /// `first`/`prev`/`next`/`last` for a page of a collection: the request URL with only
    /// `page` and `page_size` replaced, so every filter is kept.
    pub fn page_links(&self, req: &Request, paging: Paging, item_count: u64) -> PageLinks {
        let current = self.request_url(req);
        let last = paging.last_page(item_count);
        let at = |page: u64| {
            let mut url = current.clone();
            let kept: Vec<(String, String)> = current
                .query_pairs()
                .filter(|(name, _)| name != "page" && name != "page_size")
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect();
            {
                let mut pairs = url.query_pairs_mut();
                pairs.clear();
                pairs.extend_pairs(kept);
                pairs.append_pair("page", &page.to_string());
                pairs.append_pair("page_size", &paging.page_size.to_string());
            }
            Self::link_to(url)
        };
        PageLinks {
            first: at(1),
            prev: (paging.page > 1).then(|| at((paging.page - 1).min(last))),
            next: (paging.page < last).then(|| at(paging.page + 1)),
            last: at(last),
        }
    }
}

/// Whether a path segment has the shape of a uid (32 lowercase hex characters).
fn is_uid(text: &str) -> bool {
    text.len() == 32 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A HAL document payload: serialized like JSON, served as `application/hal+json`.
#[derive(Debug, Clone)]
pub struct HalJson<T>(pub T);

impl<T: Type> Payload for HalJson<T> {
    const CONTENT_TYPE: &'static str = HAL_JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// The text of a HAL document.
/// The JSON text of a representation, written straight into bytes: `Value`'s `Display` goes
/// through the formatting machinery token by token, which costs several times more.
fn document<T: ToJSON>(value: &T) -> Vec<u8> {
    let mut text = Vec::with_capacity(2048);
    match value.to_json() {
        // Writing a `Value` into a `Vec` cannot fail: its keys are strings.
        Some(value) => serde_json::to_writer(&mut text, &value).unwrap_or_default(),
        None => text.extend_from_slice(b"null"),
    }
    text
}

impl<T: ToJSON> poem::IntoResponse for HalJson<T> {
    fn into_response(self) -> poem::Response {
        poem::Response::builder()
            .content_type(HAL_JSON)
            .body(document(&self.0))
    }
}

impl<T: ToJSON> ApiResponse for HalJson<T> {
    fn meta() -> MetaResponses {
        MetaResponses {
            responses: vec![MetaResponse {
                description: "",
                status: Some(200),
                status_range: None,
                content: vec![MetaMediaType {
                    content_type: HAL_JSON,
                    schema: T::schema_ref(),
                }],
                headers: vec![],
            }],
        }
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// A HAL document serialized already (a kept copy of a representation), served and
/// documented exactly as [`HalJson`] of `T`.
#[derive(Debug, Clone)]
pub struct HalText<T> {
    body: bytes::Bytes,
    etag: Option<poem::http::HeaderValue>,
    of: std::marker::PhantomData<fn() -> T>,
}

impl<T> HalText<T> {
    pub fn new(body: bytes::Bytes) -> Self {
        HalText {
            body,
            etag: None,
            of: std::marker::PhantomData,
        }
    }

    /// The body with its ETag, already known (the ETag middleware would hash the body).
    pub fn with_etag(body: bytes::Bytes, etag: poem::http::HeaderValue) -> Self {
        HalText {
            etag: Some(etag),
            ..Self::new(body)
        }
    }

    pub fn body(&self) -> &bytes::Bytes {
        &self.body
    }
}

impl<T: ToJSON> HalText<T> {
    /// `value` serialized.
    pub fn of(value: &T) -> Self {
        Self::new(bytes::Bytes::from(document(value)))
    }
}

impl<T: Serialize> HalText<T> {
    /// `value` serialized by serde, without building a JSON tree first. For the
    /// representations served most often, whose serde attributes mirror their `oai` ones; a
    /// test compares the two serializations of each.
    pub fn serialized(value: &T) -> Self {
        let mut text = Vec::with_capacity(2048);
        // Writing into a `Vec` cannot fail, and these types have string keys only.
        serde_json::to_writer(&mut text, value).unwrap_or_default();
        Self::new(bytes::Bytes::from(text))
    }
}

impl<T: Type> Payload for HalText<T> {
    const CONTENT_TYPE: &'static str = HAL_JSON;

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T> poem::IntoResponse for HalText<T> {
    fn into_response(self) -> poem::Response {
        let response = poem::Response::builder().content_type(HAL_JSON);
        match self.etag {
            Some(etag) => response.header(poem::http::header::ETAG, etag),
            None => response,
        }
        .body(self.body)
    }
}

impl<T: Type + ToJSON> ApiResponse for HalText<T> {
    fn meta() -> MetaResponses {
        HalJson::<T>::meta()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

/// Whether `path` is an absolute path that a URL keeps exactly as written.
fn is_plain_path(path: &str) -> bool {
    path.starts_with('/')
        && !path.contains("/.")
        && !path.contains("//")
        && path
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'~' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hal(base: &str) -> Hal {
        Hal::new(Url::parse(base).unwrap())
    }

    #[test]
    fn links_keep_the_path_prefix_of_the_base_url() {
        let hal = hal("https://shop.example.com/api/");
        assert_eq!(hal.href("/products"), "https://shop.example.com/api/products");
        assert_eq!(
            hal.templated("/products{?q,page}").href,
            "https://shop.example.com/api/products{?q,page}"
        );
    }

    #[test]
    fn curie_points_at_the_rels_pages() {
        let curies = hal("http://127.0.0.1:8080").curies();
        assert_eq!(curies[0].href, "http://127.0.0.1:8080/rels/{rel}");
        assert!(curies[0].templated);
    }

    #[test]
    fn query_values_are_percent_encoded() {
        let url = hal("http://h").url_with_query(
            "/refund_requests",
            [("order", Some("http://h/orders/a b".into()))],
        );
        assert_eq!(
            url.as_str(),
            "http://h/refund_requests?order=http%3A%2F%2Fh%2Forders%2Fa+b"
        );
    }

    #[test]
    fn resource_uris_name_their_uid() {
        let hal = hal("https://shop.example.com/api/");
        let uid = "0123456789abcdef0123456789abcdef";
        let uri = format!("https://shop.example.com/api/products/{uid}");
        assert_eq!(hal.uid_from_uri(&uri, "/products").as_deref(), Some(uid));
        assert_eq!(
            hal.uid_from_uri(&format!("/api/products/{uid}"), "/products")
                .as_deref(),
            Some(uid)
        );
        assert_eq!(
            hal.uid_from_uri(&format!("https://shop.example.com/api/orders/{uid}"), "/products"),
            None
        );
        assert_eq!(
            hal.uid_from_uri("https://shop.example.com/api/products/xyz", "/products"),
            None
        );
        assert_eq!(hal.uid_from_uri("not a uri", "/products"), None);
    }

    #[test]
    fn last_page_of_an_empty_collection_is_one() {
        let paging = Paging {
            page: 1,
            page_size: 50,
        };
        assert_eq!(paging.last_page(0), 1);
        assert_eq!(paging.last_page(50), 1);
        assert_eq!(paging.last_page(51), 2);
    }

    #[test]
    fn a_plain_path_is_linked_exactly_as_a_parsed_url_would_be() {
        for base in [
            "http://127.0.0.1:8080/",
            "https://shop.example/api/",
            "https://shop.example:8443",
        ] {
            let hal = Hal::new(Url::parse(base).unwrap());
            for path in [
                "/",
                "/orders/f6284ab0fd3147e5b6ea40cc0ba1b69a",
                "/rels/refund_bill",
                "/orders/x/lines/1",
                "/a b",
                "/../x",
                "//x",
                "/ümlaut",
                "/file.epub",
            ] {
                assert_eq!(hal.href(path), String::from(hal.url(path)), "{base} {path}");
            }
        }
    }
}
