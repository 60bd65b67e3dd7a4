//! A bare poem server that answers with recorded halshop responses: no database, no
//! middleware, no parsing beyond the request line. `scripts/bench` runs it beside halshop so
//! halshop's throughput can be compared with what this machine serves for the same bytes.
//!
//! ```text
//! cargo run --release --example bare -- RECORDINGS_DIR [BIND]
//! ```
//!
//! `RECORDINGS_DIR` holds one directory per endpoint, each with three files:
//! - `request`: the request line, `METHOD /path?query`;
//! - `head`: the response head as `curl --dump-header` writes it (status line, then headers);
//! - `body`: the response body, byte for byte.
//!
//! A request whose method and path (query included) match a recording gets that status, those
//! headers and that body; the request body is read in full and dropped, as a real handler
//! would read it. Connection-level headers (`content-length`, `date`, `connection`,
//! `transfer-encoding`, `keep-alive`) are left to the server. Anything else is a bare 404.
//! `BIND` defaults to `127.0.0.1:0`; the address taken is printed as `bare is serving http://…/`.

use std::{collections::HashMap, net::SocketAddr, path::Path, sync::Arc};

use poem::{
    Body, Endpoint, Request, Response, Server,
    http::{HeaderName, HeaderValue, Method, StatusCode},
    listener::{Acceptor, Listener, TcpListener},
};

/// Headers that describe one connection or one transfer rather than the content.
const CONNECTION_HEADERS: [&str; 5] = [
    "content-length",
    "date",
    "connection",
    "transfer-encoding",
    "keep-alive",
];

/// One recorded response, kept in memory for the life of the process.
struct Recorded {
    status: StatusCode,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: &'static [u8],
}

/// The recordings, looked up by method and path with its query.
struct Recordings(HashMap<(Method, String), Recorded>);

impl Endpoint for Recordings {
    type Output = Response;

    async fn call(&self, mut req: Request) -> poem::Result<Response> {
        // Read the body as a handler would, so a POST costs its upload here too.
        req.take_body().into_bytes().await?;
        let target = req
            .uri()
            .path_and_query()
            .map_or_else(|| req.uri().path().to_owned(), |pq| pq.as_str().to_owned());
        let Some(recorded) = self.0.get(&(req.method().clone(), target)) else {
            return Ok(Response::builder().status(StatusCode::NOT_FOUND).finish());
        };
        let mut response = Response::builder().status(recorded.status);
        for (name, value) in &recorded.headers {
            response = response.header(name.clone(), value.clone());
        }
        Ok(response.body(Body::from(recorded.body)))
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = args
        .next()
        .ok_or("usage: bare RECORDINGS_DIR [BIND], see examples/bare.rs")?;
    let bind = args.next().unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let recordings = load(Path::new(&dir))?;
    let count = recordings.0.len();
    let acceptor = TcpListener::bind(bind.as_str()).into_acceptor().await?;
    let local: SocketAddr = acceptor
        .local_addr()
        .into_iter()
        .find_map(|addr| addr.as_socket_addr().copied())
        .ok_or("the listener has no socket address")?;
    println!("bare is serving http://{local}/ ({count} recorded responses)");
    Server::new_with_acceptor(acceptor)
        .run(Arc::new(recordings))
        .await?;
    Ok(())
}

/// Reads every endpoint directory under `dir`.
fn load(dir: &Path) -> Result<Recordings, Box<dyn std::error::Error>> {
    let mut recordings = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if !path.is_dir() {
            continue;
        }
        let (method, target) = parse_request(&std::fs::read_to_string(path.join("request"))?)
            .map_err(|err| format!("{}/request: {err}", path.display()))?;
        let (status, headers) = parse_head(&std::fs::read_to_string(path.join("head"))?)
            .map_err(|err| format!("{}/head: {err}", path.display()))?;
        // Leaked once at start: every response then borrows the bytes without copying them.
        let body = std::fs::read(path.join("body"))?.leak();
        recordings.insert(
            (method, target),
            Recorded {
                status,
                headers,
                body,
            },
        );
    }
    Ok(Recordings(recordings))
}

/// `GET /orders/abc` → (GET, "/orders/abc").
fn parse_request(text: &str) -> Result<(Method, String), String> {
    let mut words = text.split_whitespace();
    match (words.next(), words.next()) {
        (Some(method), Some(target)) if target.starts_with('/') => {
            let method = Method::from_bytes(method.as_bytes()).map_err(|err| err.to_string())?;
            Ok((method, target.to_owned()))
        }
        _ => Err(format!("expected `METHOD /path`, found {text:?}")),
    }
}

/// The status and content headers of a `curl --dump-header` file. When curl followed an
/// interim response (`100 Continue`), the last head in the file is the real one.
fn parse_head(text: &str) -> Result<(StatusCode, Vec<(HeaderName, HeaderValue)>), String> {
    let last = text
        .split("\r\n\r\n")
        .filter(|block| !block.trim().is_empty())
        .last()
        .ok_or("empty head")?;
    let mut lines = last.lines();
    let status_line = lines.next().ok_or("no status line")?;
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .ok_or_else(|| format!("bad status line {status_line:?}"))?;
    let mut headers = Vec::new();
    for line in lines.map(str::trim_end).filter(|line| !line.is_empty()) {
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| format!("bad header line {line:?}"))?;
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|err| err.to_string())?;
        if CONNECTION_HEADERS.contains(&name.as_str()) {
            continue;
        }
        let value = HeaderValue::from_str(value.trim()).map_err(|err| err.to_string())?;
        headers.push((name, value));
    }
    Ok((status, headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_head_keeps_content_headers_and_drops_connection_headers() {
        let head = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-type: \
                    application/hal+json\r\ncontent-length: 12\r\nETag: \"abc\"\r\ndate: x\r\n\r\n";
        let (status, headers) = parse_head(head).unwrap();
        assert_eq!(status, StatusCode::CREATED);
        let names: Vec<_> = headers.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["content-type", "etag"]);
        assert_eq!(headers[1].1, "\"abc\"");
    }

    #[test]
    fn a_request_line_names_method_and_target() {
        let (method, target) = parse_request("POST /orders?x=1\n").unwrap();
        assert_eq!((method, target.as_str()), (Method::POST, "/orders?x=1"));
        assert!(parse_request("GET orders").is_err());
    }
}
