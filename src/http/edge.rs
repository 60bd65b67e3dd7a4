//! What every request must be before any route sees it: a request head of reasonable size
//! whose halshop headers are visible ASCII, and parameters and form fields without control
//! characters (JSON bodies are checked by [`super::json::parse_json`]).
//!
//! hyper reads the request head before halshop runs and answers some broken requests on its
//! own, with an empty body that halshop cannot turn into problem+json:
//! - 400 when the request line or a header line cannot be parsed (bad method, URI or version,
//!   a header name with a forbidden character, a header value with a control character),
//! - 414 when the URI is longer than 65,534 bytes,
//! - 431 when the head has more than 100 header fields or is larger than about 400 KiB.
//!
//! halshop's own limits ([`MAX_URI_BYTES`], [`MAX_HEADER_BYTES`], [`MAX_HEADER_FIELD_BYTES`])
//! are below hyper's, so that a request between the two gets a problem+json answer, and
//! generous enough for any real client (a long filter list, a large JWT, proxy headers).

use std::sync::Arc;

use poem::{
    Body, Endpoint, IntoResponse, Request, Response,
    http::{HeaderMap, header},
};

use super::{
    error::{ApiError, FieldError, problems},
    headers,
    middleware::AllowedMethods,
    text,
};

/// Longest request target (path and query) accepted: 414 `uri_too_long` beyond.
pub const MAX_URI_BYTES: usize = 32 * 1024;
/// Largest header section accepted, names and values together: 431 beyond.
pub const MAX_HEADER_BYTES: usize = 64 * 1024;
/// Largest single header field accepted: 431 beyond.
pub const MAX_HEADER_FIELD_BYTES: usize = 16 * 1024;

/// The headers halshop reads as text: their values must be visible ASCII (a value with other
/// bytes would otherwise be read as if it were absent). `Idempotency-Key` and `If-Match` have
/// problems of their own.
const TEXT_HEADERS: [&str; 6] = [
    "authorization",
    headers::COGNITO_TOKEN,
    headers::ORDER_TOKEN,
    headers::PAYMENT_SIGNATURE,
    "content-type",
    "if-none-match",
];

/// Refuses an oversized request target (414) or header section (431), and a halshop header
/// whose value is not visible ASCII (400).
pub async fn refuse_oversized_head<E: Endpoint>(ep: Arc<E>, req: Request) -> poem::Result<Response> {
    let target = req
        .uri()
        .path_and_query()
        .map_or(0, |target| target.as_str().len());
    if target > MAX_URI_BYTES {
        return Ok(ApiError::new(
            &problems::URI_TOO_LONG,
            format!("The URL is {target} bytes long; halshop accepts at most {MAX_URI_BYTES}."),
        )
        .into_response());
    }
    if let Some(problem) = oversized_headers(req.headers()).or_else(|| unreadable_header(req.headers())) {
        return Ok(problem.into_response());
    }
    Ok(ep.call(req).await?.into_response())
}

fn oversized_headers(headers: &HeaderMap) -> Option<ApiError> {
    let field_size =
        |(name, value): (&header::HeaderName, &header::HeaderValue)| name.as_str().len() + value.len() + 4;
    if let Some((name, _)) = headers
        .iter()
        .find(|&field| field_size(field) > MAX_HEADER_FIELD_BYTES)
    {
        return Some(
            ApiError::new(
                &problems::HEADER_FIELDS_TOO_LARGE,
                format!("The {name} header is larger than {MAX_HEADER_FIELD_BYTES} bytes."),
            )
            .with_errors(vec![FieldError::new(
                name.as_str(),
                format!("longer than {MAX_HEADER_FIELD_BYTES} bytes"),
            )]),
        );
    }
    let total: usize = headers.iter().map(field_size).sum();
    (total > MAX_HEADER_BYTES).then(|| {
        ApiError::new(
            &problems::HEADER_FIELDS_TOO_LARGE,
            format!("The request headers take {total} bytes; halshop accepts at most {MAX_HEADER_BYTES}."),
        )
    })
}

fn unreadable_header(headers: &HeaderMap) -> Option<ApiError> {
    let name = TEXT_HEADERS.into_iter().find(|name| {
        headers.get_all(*name).iter().any(|value| {
            !value
                .as_bytes()
                .iter()
                .all(|&b| b == b' ' || b == b'\t' || b.is_ascii_graphic())
        })
    })?;
    Some(
        ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("The {name} header holds bytes other than visible ASCII."),
        )
        .with_errors(vec![FieldError::new(name, "not visible ASCII")]),
    )
}

/// Refuses a control character (or a percent-encoding that is not UTF-8) in a path segment
/// or a query parameter with 400, and a control character in a form field with 422, before
/// any route runs. The body is already read whole (see `limit_body`).
pub async fn refuse_control_characters<E: Endpoint>(
    ep: Arc<E>,
    mut req: Request,
    routes: Arc<AllowedMethods>,
) -> poem::Result<Response> {
    let path = req.uri().path();
    if let Some((index, message)) = text::bad_path_segment(path) {
        let name = routes
            .parameter_name(path, index)
            .unwrap_or_else(|| "path".to_owned());
        return Ok(ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("Path parameter `{name}` {message}."),
        )
        .with_errors(vec![FieldError::new(name, message)])
        .into_response());
    }
    if let Some(error) = req.uri().query().and_then(text::bad_query_parameter) {
        return Ok(ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("Query parameter `{}` {}.", error.path, error.message),
        )
        .with_errors(vec![error])
        .into_response());
    }
    let query = req.uri().query().unwrap_or_default();
    if !query.is_empty()
        && let Some(name) = routes.unknown_query_parameter(req.method().as_str(), path, query)
    {
        let message = "is not a parameter of this operation";
        let shown = if name.is_empty() {
            "(empty name)"
        } else {
            name.as_str()
        };
        return Ok(ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!("Query parameter `{shown}` {message}."),
        )
        .with_errors(vec![FieldError::new(shown, message)])
        .into_response());
    }
    if routes.takes_no_body(req.method().as_str(), path) {
        // An action without input: nothing, or an empty JSON object (what a HAL-FORMS client
        // sends for a template without properties); anything else is a mistake to report.
        let body = req.take_body().into_bytes().await?;
        let sent = body.trim_ascii();
        if !(sent.is_empty() || sent == b"{}") {
            return Ok(ApiError::new(
                &problems::MALFORMED_REQUEST,
                "This operation takes no request body: send none, or `{}`.",
            )
            .into_response());
        }
        req.set_body(Body::from_bytes(body));
    }
    if is_form(&req) {
        let body = req.take_body().into_bytes().await?;
        let errors = text::controls_in_form(&body);
        if !errors.is_empty() {
            return Ok(ApiError::validation(errors).into_response());
        }
        req.set_body(Body::from_bytes(body));
    }
    Ok(ep.call(req).await?.into_response())
}

fn is_form(req: &Request) -> bool {
    req.content_type()
        .and_then(|value| value.parse::<mime::Mime>().ok())
        .is_some_and(|mime| mime.essence_str() == "application/x-www-form-urlencoded")
}
