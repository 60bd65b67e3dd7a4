//! The browsable API: a GET (or HEAD) whose `Accept` prefers `text/html` — what a browser sends
//! when following a link — gets the HAL document it asked for rendered as an HTML page, with
//! its properties, links, embedded resources and HAL-FORMS templates as working forms; a
//! problem becomes a readable error page with the same status. JSON clients are untouched:
//! their path reads the `Accept` header and adds `Vary: Accept`, nothing more.
//!
//! The page is rendered on the server, so public resources read fully without JavaScript.
//! The page's script (`web/browse.js`) submits the forms with `fetch`, and keeps credentials
//! typed into the page for the tab: with credentials kept, it loads every page with them
//! (`Accept: text/html` and the credential headers) and puts the answer in place.
//!
//! The HTML variant has an ETag of its own: the JSON one marked with [`assets::VERSION`], so
//! that a cache never answers a page with the JSON document's validator or the reverse.

mod accept;
pub mod assets;
mod fields;
mod forms;
mod links;
mod page;
mod values;

use std::{future::Future, pin::Pin, sync::Arc};

use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
};
use serde_json::Value;

use super::{error::PROBLEM_JSON, hal::HAL_JSON};
use crate::http::hal::Hal;

pub use accept::{prefers_csv, prefers_html};

/// `Content-Security-Policy` of the pages: the script and style sheet come from halshop, and
/// nothing a resource holds can run.
const PAGE_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                           img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Renders HAL and problem responses as HTML for the requests that prefer it.
pub async fn browse<E: Endpoint + 'static>(
    ep: Arc<E>,
    mut req: Request,
    hal: Arc<Hal>,
) -> poem::Result<Response> {
    let reading = matches!(*req.method(), Method::GET | Method::HEAD);
    if !reading || !prefers_html(req.headers()) {
        let mut response = inner(ep, req).await?;
        if negotiated(&response) {
            vary_on_accept(response.headers_mut());
        }
        return Ok(response);
    }
    let is_head = req.method() == Method::HEAD;
    unmark_if_none_match(req.headers_mut());
    let response = inner(ep, req).await?;
    Ok(render(response, is_head, &hal).await)
}

type Answer = Pin<Box<dyn Future<Output = poem::Result<Response>> + Send>>;

/// The rest of the stack, called on the heap: the whole middleware stack is one nested future,
/// and this layer would otherwise add the size of everything inside it to the stack frames
/// that build it (a debug build's test thread has only 2 MiB).
fn inner<E: Endpoint + 'static>(ep: Arc<E>, req: Request) -> Answer {
    Box::pin(async move { Ok(ep.call(req).await?.into_response()) })
}

/// Whether a response is one that has an HTML variant.
fn negotiated(response: &Response) -> bool {
    response.status() == StatusCode::NOT_MODIFIED
        || matches!(
            response.content_type().map(essence),
            Some(HAL_JSON | PROBLEM_JSON)
        )
}

fn essence(content_type: &str) -> &str {
    content_type.split(';').next().unwrap_or_default().trim()
}

fn vary_on_accept(headers: &mut HeaderMap) {
    headers.append(header::VARY, HeaderValue::from_static("Accept"));
}

/// The HTML page of a HAL or problem response (the response unchanged otherwise).
async fn render(mut response: Response, is_head: bool, hal: &Hal) -> Response {
    let media = response.content_type().map(essence);
    let problem = match media {
        Some(HAL_JSON) => false,
        Some(PROBLEM_JSON) => true,
        _ => {
            if response.status() == StatusCode::NOT_MODIFIED {
                mark_etag(response.headers_mut());
                vary_on_accept(response.headers_mut());
            }
            return response;
        }
    };
    if !is_head {
        let body = match response.take_body().into_bytes().await {
            Ok(body) => body,
            Err(err) => return super::error::ApiError::internal(err).into_response(),
        };
        let Ok(document) = serde_json::from_slice::<Value>(&body) else {
            response.set_body(body);
            vary_on_accept(response.headers_mut());
            return response;
        };
        let etag = response
            .headers()
            .get(header::ETAG)
            .and_then(|value| value.to_str().ok());
        let html = if problem {
            page::problem_page(&document, response.status(), hal)
        } else {
            page::resource_page(&document, hal, etag)
        };
        response.set_body(html);
    }
    as_page(response.headers_mut());
    response
}

/// The headers of an HTML variant: its media type, its own ETag and its policy. A 401 page
/// carries no `WWW-Authenticate` challenge, so that the browser does not open its own login
/// dialog: the page has a credentials form for that.
fn as_page(headers: &mut HeaderMap) {
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(PAGE_POLICY),
    );
    headers.remove(header::WWW_AUTHENTICATE);
    mark_etag(headers);
    vary_on_accept(headers);
}

/// The suffix that tells an HTML variant's ETag from the JSON one it derives from.
fn etag_mark() -> String {
    format!("-html-{}", *assets::VERSION)
}

/// `"abc"` becomes `"abc-html-<version>"` (weak tags stay weak).
fn mark_etag(headers: &mut HeaderMap) {
    let Some(etag) = headers.get(header::ETAG).and_then(|value| value.to_str().ok()) else {
        return;
    };
    let Some(open) = etag.strip_suffix('"') else {
        return;
    };
    if let Ok(value) = HeaderValue::from_str(&format!("{open}{}\"", etag_mark())) {
        headers.insert(header::ETAG, value);
    }
}

/// The `If-None-Match` the JSON representation understands: the HTML variant's tags with
/// their mark taken off; a tag without the mark (a JSON document's) is dropped, so it never
/// validates a page.
fn unmark_if_none_match(headers: &mut HeaderMap) {
    let Some(value) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
    else {
        return;
    };
    let closing = format!("{}\"", etag_mark());
    let kept: Vec<String> = value
        .split(',')
        .map(str::trim)
        .filter_map(|tag| match tag.strip_suffix(closing.as_str()) {
            _ if tag == "*" => Some(tag.to_owned()),
            Some(open) => Some(format!("{open}\"")),
            None => None,
        })
        .collect();
    match HeaderValue::from_str(&kept.join(", ")) {
        Ok(value) if !kept.is_empty() => {
            headers.insert(header::IF_NONE_MATCH, value);
        }
        _ => {
            headers.remove(header::IF_NONE_MATCH);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_etags_are_marked_and_unmarked() {
        let mut headers = HeaderMap::new();
        headers.insert(header::ETAG, HeaderValue::from_static("W/\"ab12-v3\""));
        mark_etag(&mut headers);
        let marked = headers[header::ETAG].to_str().unwrap().to_owned();
        assert_eq!(marked, format!("W/\"ab12-v3{}\"", etag_mark()));

        let mut request = HeaderMap::new();
        let sent = format!("\"json-only\", {marked}");
        request.insert(header::IF_NONE_MATCH, HeaderValue::from_str(&sent).unwrap());
        unmark_if_none_match(&mut request);
        assert_eq!(request[header::IF_NONE_MATCH], "W/\"ab12-v3\"");
    }

    #[test]
    fn a_json_etag_alone_never_validates_a_page() {
        let mut request = HeaderMap::new();
        request.insert(header::IF_NONE_MATCH, HeaderValue::from_static("\"ab12\""));
        unmark_if_none_match(&mut request);
        assert!(request.get(header::IF_NONE_MATCH).is_none());
    }
}
