//! Connections cannot starve the server: a request head must arrive in time, a silent
//! kept-alive connection is closed, and connections beyond the cap wait for a free place.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::Value;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    time::timeout,
};

use crate::helpers::{TestApp, spawn_app_with};

const SHORT: Duration = Duration::from_secs(1);
/// Far longer than any limit of these tests: reaching it means the server kept the connection.
const PATIENCE: Duration = Duration::from_secs(10);

async fn app_with_limits(max_connections: Option<usize>) -> TestApp {
    spawn_app_with(|settings| {
        settings.connections.header_read_timeout = SHORT;
        settings.connections.idle_timeout = SHORT;
        settings.connections.max_connections = max_connections;
    })
    .await
}

async fn connect(app: &TestApp) -> TcpStream {
    let address = app.address.trim_start_matches("http://");
    TcpStream::connect(address).await.expect("connected")
}

/// Reads until the server closes the connection; returns what it sent and when it closed.
async fn read_until_closed(stream: &mut TcpStream, since: Instant) -> (String, Duration) {
    let mut received = Vec::new();
    let read = timeout(PATIENCE, stream.read_to_end(&mut received)).await;
    assert!(read.is_ok(), "the connection was still open after {PATIENCE:?}");
    (String::from_utf8_lossy(&received).into_owned(), since.elapsed())
}

#[tokio::test]
async fn a_partial_request_line_is_closed_after_the_header_read_timeout() {
    let app = app_with_limits(None).await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    stream.write_all(b"GET /products HTT").await.unwrap();
    let (received, closed_after) = read_until_closed(&mut stream, started).await;
    assert_eq!(received, "", "no response to a request that never arrived");
    assert!(
        closed_after >= SHORT - Duration::from_millis(100),
        "{closed_after:?}"
    );
}

#[tokio::test]
async fn headers_sent_a_line_at_a_time_do_not_push_the_deadline_back() {
    let app = app_with_limits(None).await;
    let mut stream = connect(&app).await;
    let started = Instant::now();
    stream.write_all(b"GET /products HTTP/1.1\r\n").await.unwrap();
    let mut lines_sent = 0;
    while started.elapsed() < PATIENCE {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if stream.write_all(b"X-Slow: yes\r\n").await.is_err() {
            break;
        }
        lines_sent += 1;
    }
    let (received, closed_after) = read_until_closed(&mut stream, started).await;
    assert_eq!(received, "");
    assert!(
        closed_after < 3 * SHORT,
        "closed after {closed_after:?}, {lines_sent} lines"
    );
}

#[tokio::test]
async fn a_silent_kept_alive_connection_is_closed_after_the_idle_timeout() {
    let app = app_with_limits(None).await;
    let mut stream = connect(&app).await;
    let request = "GET /problems/not_found HTTP/1.1\r\nHost: shop.example\r\nAccept: text/html\r\n\r\n";
    stream.write_all(request.as_bytes()).await.unwrap();
    let started = Instant::now();
    let (received, closed_after) = read_until_closed(&mut stream, started).await;
    assert!(received.starts_with("HTTP/1.1 200 OK\r\n"), "{received}");
    assert!(received.contains("not_found"), "{received}");
    assert!(
        closed_after >= SHORT - Duration::from_millis(100),
        "{closed_after:?}"
    );
}

#[tokio::test]
async fn a_request_beyond_the_connection_cap_is_served_once_silent_connections_time_out() {
    let app = app_with_limits(Some(2)).await;
    let mut silent = [connect(&app).await, connect(&app).await];
    let started = Instant::now();
    let response = app.get("/problems/not_found").await;
    let waited = started.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("not_found"), "{page}");
    assert!(
        waited >= SHORT - Duration::from_millis(100),
        "served after {waited:?}"
    );
    for stream in &mut silent {
        let (received, _) = read_until_closed(stream, started).await;
        assert_eq!(received, "");
    }
}

#[tokio::test]
async fn a_request_under_the_connection_cap_is_served_at_once() {
    let app = app_with_limits(Some(2)).await;
    let _silent = connect(&app).await;
    let started = Instant::now();
    let response = app.get("/products").await;
    let waited = started.elapsed();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["item_count"], 0, "{body}");
    assert!(waited < SHORT, "served after {waited:?}");
}
