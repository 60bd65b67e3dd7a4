//! Cross-cutting HTTP behaviour, applied to every route: request ids and logs, problem+json
//! for every framework error, body size limit, ETag / `If-None-Match`.

use std::{sync::Arc, time::Instant};

use poem::{
    Body, Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, Method, StatusCode, header},
};
use sha2::{Digest, Sha256};
use tracing::Instrument;

use poem_openapi::error::ParseParamError;

use super::{
    error::{ApiError, from_poem_error, problems},
    forms,
    hal::{HAL_JSON, Hal},
    headers,
};

/// What the current request is, for code far from the handler (problem bodies).
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub request_id: String,
    pub hal: Arc<Hal>,
    /// Absolute URL of the request, the problem `instance`.
    pub instance: String,
}

tokio::task_local! {
    static CONTEXT: RequestContext;
}

impl RequestContext {
    /// The context of the request being served by this task, if any.
    pub fn current() -> Option<Self> {
        CONTEXT.try_with(Clone::clone).ok()
    }
}

/// Outermost layer: assigns a request id, opens a tracing span, makes the request context
/// available, turns any error into problem+json and logs one line per request.
pub async fn request_context<E: Endpoint>(ep: Arc<E>, req: Request, hal: Arc<Hal>) -> poem::Result<Response> {
    let request_id = req
        .headers()
        .get(headers::REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|value| {
            !value.is_empty()
                && value.len() <= 64
                && value
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| super::random_hex(8));
    let context = RequestContext {
        request_id: request_id.clone(),
        instance: hal.request_url(&req).into(),
        hal,
    };
    let method = req.method().clone();
    // A download link's path is its credential: it is not written to the log.
    let path = match req.uri().path() {
        path if path.starts_with("/downloads/") => "/downloads/…".to_owned(),
        path => path.to_owned(),
    };
    // The span only gives context to what a handler logs at debug level: at the deployed
    // `info` it is disabled and costs nothing, and the access line carries its own fields.
    let span = tracing::debug_span!("request", request_id = %request_id);
    let started = Instant::now();
    let mut response = CONTEXT
        .scope(context, async move {
            match ep.call(req).await {
                Ok(response) => response.into_response(),
                Err(err) => from_poem_error(err).into_response(),
            }
        })
        .instrument(span)
        .await;
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(headers::REQUEST_ID, value);
    }
    let status = response.status().as_u16();
    let elapsed_ms = started.elapsed().as_secs_f64() * 1000.0;
    tracing::info!(target: crate::telemetry::REQUEST_LOG, %request_id, %method, %path, status, elapsed_ms, "served");
    Ok(response)
}

/// Innermost layer: a framework error becomes a problem response here, so that outer layers
/// (idempotency, ETag) see the final response. A malformed `If-Match` or `Idempotency-Key`
/// gets its own problem; a 405 lists the allowed methods.
pub async fn problems_for_errors<E: Endpoint>(
    ep: Arc<E>,
    req: Request,
    allowed: Arc<AllowedMethods>,
) -> poem::Result<Response> {
    let path = req.uri().path().to_owned();
    let err = match ep.call(req).await {
        Ok(response) => return Ok(response.into_response()),
        Err(err) => err,
    };
    let problem = match err.downcast_ref::<ParseParamError>() {
        Some(param) if param.name == "If-Match" => ApiError::new(
            &problems::MALFORMED_REQUEST,
            "The If-Match header must be `*` or a list of quoted ETags such as \"3f2a-v2\".",
        )
        .with_errors(vec![super::error::FieldError::new(
            "If-Match",
            "not a list of ETags",
        )]),
        Some(param) if param.name == "Idempotency-Key" => ApiError::new(
            &problems::IDEMPOTENCY_KEY_INVALID,
            "Idempotency-Key must be 1 to 255 visible ASCII characters.",
        ),
        _ => {
            let problem = from_poem_error(err);
            match allowed.allowed(&path) {
                Some(methods) if problem.kind == &problems::METHOD_NOT_ALLOWED => {
                    problem.with_header(header::ALLOW, &methods)
                }
                _ => problem,
            }
        }
    };
    Ok(problem.into_response())
}

/// The methods each path of the API accepts, read from the OpenAPI document, for the
/// `Allow` header of a 405.
#[derive(Debug, Default)]
pub struct AllowedMethods {
    routes: Vec<(Vec<String>, String)>,
    /// The query parameters each operation declares: (path template, METHOD, names).
    queries: Vec<(Vec<String>, String, Vec<String>)>,
    /// The writes whose operation declares no request body: (path template, METHOD).
    bodiless: Vec<(Vec<String>, String)>,
}

impl AllowedMethods {
    pub fn from_spec(spec: &str) -> Self {
        let mut routes = vec![
            (vec!["docs".to_owned()], "GET, HEAD".to_owned()),
            (vec!["openapi.json".to_owned()], "GET, HEAD".to_owned()),
            (
                vec!["assets".to_owned(), "{file}".to_owned()],
                "GET, HEAD".to_owned(),
            ),
            (vec!["metrics".to_owned()], "GET, HEAD".to_owned()),
            (
                vec!["health".to_owned(), "live".to_owned()],
                "GET, HEAD".to_owned(),
            ),
            (
                vec!["health".to_owned(), "ready".to_owned()],
                "GET, HEAD".to_owned(),
            ),
        ];
        let parsed: serde_json::Value = serde_json::from_str(spec).unwrap_or_default();
        if let Some(paths) = parsed.get("paths").and_then(|p| p.as_object()) {
            for (path, item) in paths {
                let mut methods: Vec<String> = item
                    .as_object()
                    .map(|ops| ops.keys().map(|m| m.to_uppercase()).collect())
                    .unwrap_or_default();
                if methods.iter().any(|m| m == "GET") {
                    methods.push("HEAD".into());
                }
                routes.push((segments(path), methods.join(", ")));
            }
        }
        let queries = query_parameters(&parsed);
        let bodiless = bodiless_writes(&parsed);
        Self {
            routes,
            queries,
            bodiless,
        }
    }

    /// Whether the operation of a write takes no request body (a POST that only triggers
    /// an action: a return, a rotation, a download link).
    pub fn takes_no_body(&self, method: &str, path: &str) -> bool {
        // Reads never carry a body worth checking: they skip the route lookup.
        if !matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
            return false;
        }
        let Some(template) = self.template(path) else {
            return false;
        };
        let wanted = segments(&template);
        self.bodiless
            .iter()
            .any(|(route, verb)| *route == wanted && verb == method)
    }

    /// The first query parameter of a read (GET or HEAD) that its operation does not
    /// declare (an empty name counts); `None` when every one is declared, for other methods
    /// (a form's `target` may carry its own query), or when the operation is not in the
    /// OpenAPI document.
    pub fn unknown_query_parameter(&self, method: &str, path: &str, query: &str) -> Option<String> {
        let method = match method {
            "GET" | "HEAD" => "GET",
            _ => return None,
        };
        let template = self.template(path)?;
        let wanted = segments(&template);
        let (_, _, names) = self
            .queries
            .iter()
            .find(|(route, verb, _)| *route == wanted && verb == method)?;
        url::form_urlencoded::parse(query.as_bytes())
            .map(|(name, _)| name)
            .find(|name| !names.iter().any(|known| known == name))
            .map(|name| name.into_owned())
    }

    /// The `Allow` value for a request path, if the path exists.
    pub fn allowed(&self, path: &str) -> Option<String> {
        let wanted = segments(path);
        self.routes
            .iter()
            .find(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t == w || (t.starts_with('{') && t.ends_with('}')))
            })
            .map(|(_, methods)| methods.clone())
    }

    /// The route template a request path belongs to (`/products/{uid}` for
    /// `/products/9f…`), preferring literal segments over parameters; `None` for a path no
    /// route has. Labels metrics without one series per resource.
    pub fn template(&self, path: &str) -> Option<String> {
        let wanted = segments(path);
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .all(|(t, w)| t == w || (t.starts_with('{') && t.ends_with('}')))
            })
            .max_by_key(|(template, _)| template.iter().filter(|t| !t.starts_with('{')).count())
            .map(|(template, _)| format!("/{}", template.join("/")))
    }

    /// The name of the path parameter at segment `index` of a request path (`uid` for
    /// segment 1 of `/products/…`), if a route has a parameter there.
    pub fn parameter_name(&self, path: &str, index: usize) -> Option<String> {
        let wanted = segments(path);
        self.routes
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template
                        .iter()
                        .zip(&wanted)
                        .enumerate()
                        .all(|(at, (t, w))| at == index || t == w || t.starts_with('{'))
            })
            .find_map(|(template, _)| template[index].strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_owned)
    }
}

/// The writes (POST, PUT, PATCH, DELETE) whose operation declares no request body.
fn bodiless_writes(spec: &serde_json::Value) -> Vec<(Vec<String>, String)> {
    let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    let mut writes = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let write = matches!(method.as_str(), "post" | "put" | "patch" | "delete");
            if write && operation.get("requestBody").is_none() {
                writes.push((segments(path), method.to_uppercase()));
            }
        }
    }
    writes
}

/// Every operation's declared query parameters, read from the OpenAPI document.
fn query_parameters(spec: &serde_json::Value) -> Vec<(Vec<String>, String, Vec<String>)> {
    let Some(paths) = spec.get("paths").and_then(|p| p.as_object()) else {
        return Vec::new();
    };
    let mut queries = Vec::new();
    for (path, item) in paths {
        for (method, operation) in item.as_object().into_iter().flatten() {
            let names = operation
                .get("parameters")
                .and_then(|p| p.as_array())
                .into_iter()
                .flatten()
                .filter(|parameter| parameter.get("in").and_then(|i| i.as_str()) == Some("query"))
                .filter_map(|parameter| parameter.get("name").and_then(|n| n.as_str()).map(str::to_owned))
                .collect();
            queries.push((segments(path), method.to_uppercase(), names));
        }
    }
    queries
}

fn segments(path: &str) -> Vec<String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads the whole request body, refusing more than `limit` bytes with 413 (whether or not
/// a `Content-Length` was sent).
pub async fn limit_body<E: Endpoint>(ep: Arc<E>, mut req: Request, limit: usize) -> poem::Result<Response> {
    let too_large = || {
        ApiError::new(
            &problems::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {limit} bytes."),
        )
        .into_response()
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Ok(too_large());
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        match req.take_body().into_bytes_limit(limit).await {
            Ok(bytes) => req.set_body(Body::from_bytes(bytes)),
            Err(poem::error::ReadBodyError::PayloadTooLarge) => return Ok(too_large()),
            Err(err) => return Ok(from_poem_error(err.into()).into_response()),
        }
    }
    Ok(ep.call(req).await?.into_response())
}

/// Gives every successful GET an `ETag` (the handler's, or a hash of the body) and answers
/// `If-None-Match` with 304. HEAD is answered as GET without the body, so that its ETag is
/// the one of the representation.
pub async fn conditional_get<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    let is_head = req.method() == Method::HEAD;
    if is_head && req.uri().path().starts_with("/downloads/") {
        // Following a download link uses it up: a HEAD (a link preview, a prefetch) must not.
        return Ok(ApiError::new(
            &problems::METHOD_NOT_ALLOWED,
            "A download link is followed with GET, once.",
        )
        .with_header(header::ALLOW, "GET")
        .into_response());
    }
    if is_head {
        req.set_method(Method::GET);
    }
    let mut response = conditional_get_inner(ep, req).await?;
    if is_head {
        response.set_body(Body::empty());
    }
    Ok(response)
}

async fn conditional_get_inner<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let is_read = req.method() == Method::GET;
    let if_none_match = req
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let hal_forms = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(forms::prefers_hal_forms);
    let mut response = ep.call(req).await?.into_response();
    if !is_read || response.status() != StatusCode::OK {
        return Ok(response);
    }
    if hal_forms && response.content_type() == Some(HAL_JSON) {
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(forms::HAL_FORMS_JSON),
        );
    }
    let etag = match response.headers().get(header::ETAG) {
        Some(etag) => etag.to_str().unwrap_or_default().to_owned(),
        None => {
            let body = response
                .take_body()
                .into_bytes()
                .await
                .map_err(ApiError::internal)?;
            let etag = body_etag(&body);
            response.set_body(body);
            if let Ok(value) = HeaderValue::from_str(&etag) {
                response.headers_mut().insert(header::ETAG, value);
            }
            etag
        }
    };
    if let Some(candidates) = if_none_match
        && etag_matches(&candidates, &etag)
    {
        let mut not_modified = Response::builder().status(StatusCode::NOT_MODIFIED).finish();
        for name in [header::ETAG, header::CACHE_CONTROL, header::VARY] {
            if let Some(value) = response.headers().get(&name) {
                not_modified.headers_mut().insert(name, value.clone());
            }
        }
        return Ok(not_modified);
    }
    Ok(response)
}

/// A strong ETag over the body bytes.
pub fn body_etag(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// The strong ETag of one version of a stored resource: `prefix`, the first 12 characters of
/// its uid, and its version (`"ab12cd34ef56-v3"`).
pub fn version_etag(prefix: &str, uid: &str, version: i32) -> String {
    format!("\"{prefix}{}-v{version}\"", uid.get(..12).unwrap_or(uid))
}

/// The ETag of a resource whose representation shows places held as well as its version.
pub fn held_etag(uid: &str, version: i32, held: i32) -> String {
    format!("\"{}-h{held}-v{version}\"", uid.get(..12).unwrap_or(uid))
}

/// Whether `If-Match` names the resource's current version, whatever the places held it
/// was read with: places taken since a merchant read it do not make their edit stale.
pub fn version_matches(if_match: &str, uid: &str, version: i32) -> bool {
    let without_held: Vec<String> = if_match
        .split(',')
        .map(|tag| match (tag.find("-h"), tag.find("-v")) {
            (Some(h), Some(v)) if h < v => format!("{}{}", &tag[..h], &tag[v..]),
            _ => tag.to_owned(),
        })
        .collect();
    etag_matches(&without_held.join(","), &version_etag("", uid, version))
}

/// Whether an `If-None-Match` / `If-Match` header value matches `etag` (weak comparison for
/// `If-None-Match`, as RFC 9110 asks; `*` matches anything).
pub fn etag_matches(header_value: &str, etag: &str) -> bool {
    let bare = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    header_value
        .split(',')
        .any(|candidate| candidate.trim() == "*" || bare(candidate) == bare(etag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed_methods_are_found_for_templated_paths() {
        let spec =
            r#"{"paths": {"/products": {"get": {}, "post": {}}, "/products/{uid}": {"get": {}, "put": {}}}}"#;
        let allowed = AllowedMethods::from_spec(spec);
        assert_eq!(allowed.allowed("/products").as_deref(), Some("GET, POST, HEAD"));
        assert_eq!(
            allowed.allowed("/products/abc").as_deref(),
            Some("GET, PUT, HEAD")
        );
        assert_eq!(allowed.allowed("/nothing"), None);
        assert_eq!(
            allowed.parameter_name("/products/a%00b", 1).as_deref(),
            Some("uid")
        );
        assert_eq!(allowed.parameter_name("/products/a%00b", 0), None);
    }

    #[test]
    fn etag_matching_handles_lists_weak_tags_and_star() {
        assert!(etag_matches("\"a\", \"b\"", "\"b\""));
        assert!(etag_matches("W/\"b\"", "\"b\""));
        assert!(etag_matches("*", "\"b\""));
        assert!(!etag_matches("\"a\"", "\"b\""));
    }
}
