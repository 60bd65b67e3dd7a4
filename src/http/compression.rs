//! Response compression: `br` or `gzip`, as the client's `Accept-Encoding` prefers, for
//! text-like bodies above 1 kB.
//!
//! A compressed body is other bytes than the representation its strong ETag was computed
//! over, so its ETag is made weak (`W/"…"`) and `Vary: Accept-Encoding` is set on every
//! response whose encoding depended on that header. Such a weak ETag still names exactly one
//! version of the resource, so when a client sends it back in `If-Match` (a generic client
//! PUTs back what it read), its `W/` is dropped before the resource compares it.

use std::{io::Write, sync::Arc};

use poem::{
    Body, Endpoint, IntoResponse, Request, Response,
    http::{HeaderValue, StatusCode, header},
};

use super::error::ApiError;

/// Bodies smaller than this are sent as they are: compressing them saves less than the
/// header it costs.
pub const MIN_BYTES: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coding {
    Brotli,
    Gzip,
}

impl Coding {
    fn token(self) -> &'static str {
        match self {
            Coding::Brotli => "br",
            Coding::Gzip => "gzip",
        }
    }
}

/// The coding to use for a request's `Accept-Encoding`: brotli before gzip, never one the
/// client ruled out with `q=0`.
pub fn negotiate(accept_encoding: &str) -> Option<Coding> {
    let mut brotli = None;
    let mut gzip = None;
    let mut any = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';');
        let name = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let quality = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match name.as_str() {
            "br" => brotli = Some(quality),
            "gzip" | "x-gzip" => gzip = Some(quality),
            "*" => any = Some(quality),
            _ => {}
        }
    }
    let accepted = |quality: Option<f32>| quality.or(any).is_some_and(|q| q > 0.0);
    if accepted(brotli) {
        Some(Coding::Brotli)
    } else if accepted(gzip) {
        Some(Coding::Gzip)
    } else {
        None
    }
}

fn compressible(content_type: &str) -> bool {
    let essence = content_type.split(';').next().unwrap_or_default().trim();
    essence.starts_with("text/")
        || essence.ends_with("+json")
        || matches!(
            essence,
            "application/json" | "application/javascript" | "image/svg+xml"
        )
}

/// Compresses `body` with `coding`.
pub fn compress(body: &[u8], coding: Coding) -> std::io::Result<Vec<u8>> {
    match coding {
        Coding::Gzip => {
            let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(5));
            encoder.write_all(body)?;
            encoder.finish()
        }
        Coding::Brotli => {
            let mut out = Vec::with_capacity(body.len() / 3);
            let params = brotli::enc::BrotliEncoderParams {
                quality: 4,
                lgwin: 20,
                ..Default::default()
            };
            brotli::BrotliCompress(&mut &body[..], &mut out, &params)?;
            Ok(out)
        }
    }
}

/// The middleware: see the module documentation.
pub async fn compression<E: Endpoint>(ep: Arc<E>, mut req: Request) -> poem::Result<Response> {
    weaken_if_match(&mut req);
    let coding = req
        .headers()
        .get(header::ACCEPT_ENCODING)
        .and_then(|value| value.to_str().ok())
        .and_then(negotiate);
    let mut response = ep.call(req).await?.into_response();
    let eligible = response.status() != StatusCode::NO_CONTENT
        && response.status() != StatusCode::NOT_MODIFIED
        && !response.headers().contains_key(header::CONTENT_ENCODING)
        && response.content_type().is_some_and(compressible);
    if !eligible {
        return Ok(response);
    }
    let body = response
        .take_body()
        .into_bytes()
        .await
        .map_err(ApiError::internal)?;
    if body.len() < MIN_BYTES {
        response.set_body(body);
        return Ok(response);
    }
    add_vary(&mut response);
    let Some(coding) = coding else {
        response.set_body(body);
        return Ok(response);
    };
    let compressed = compress(&body, coding).map_err(ApiError::internal)?;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(coding.token()));
    headers.remove(header::CONTENT_LENGTH);
    if let Some(etag) = headers.get(header::ETAG).and_then(|value| value.to_str().ok())
        && !etag.starts_with("W/")
        && let Ok(weak) = HeaderValue::from_str(&format!("W/{etag}"))
    {
        headers.insert(header::ETAG, weak);
    }
    response.set_body(Body::from(compressed));
    Ok(response)
}

/// Drops the `W/` of the ETags in `If-Match`: see the module documentation.
fn weaken_if_match(req: &mut Request) {
    let Some(value) = req.headers().get(header::IF_MATCH).and_then(|v| v.to_str().ok()) else {
        return;
    };
    if !value.contains("W/") {
        return;
    }
    let strong = value
        .split(',')
        .map(|tag| tag.trim().trim_start_matches("W/"))
        .collect::<Vec<_>>()
        .join(", ");
    if let Ok(strong) = HeaderValue::from_str(&strong) {
        req.headers_mut().insert(header::IF_MATCH, strong);
    }
}

fn add_vary(response: &mut Response) {
    let existing = response
        .headers()
        .get_all(header::VARY)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|name| name.trim().eq_ignore_ascii_case("accept-encoding") || name.trim() == "*");
    if !existing {
        response
            .headers_mut()
            .append(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brotli_is_preferred_and_a_zero_quality_rules_a_coding_out() {
        assert_eq!(negotiate("gzip, deflate, br"), Some(Coding::Brotli));
        assert_eq!(negotiate("gzip, br;q=0"), Some(Coding::Gzip));
        assert_eq!(negotiate("identity"), None);
        assert_eq!(negotiate("*"), Some(Coding::Brotli));
        assert_eq!(negotiate("*;q=0, gzip"), Some(Coding::Gzip));
        assert_eq!(negotiate(""), None);
    }

    #[test]
    fn json_text_and_csv_are_compressible_and_files_are_not() {
        assert!(compressible("application/hal+json"));
        assert!(compressible("application/problem+json"));
        assert!(compressible("text/csv; charset=utf-8"));
        assert!(!compressible("application/epub+zip"));
        assert!(!compressible("application/pdf"));
    }
}
