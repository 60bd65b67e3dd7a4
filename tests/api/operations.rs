//! Health, metrics and compression: what an operator's load balancer, scraper and proxies
//! see.

use std::io::Read;

use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::{Who, ebook, etag_of, self_href, spawn_app};

#[tokio::test]
async fn the_liveness_probe_passes_while_the_process_serves() {
    let app = spawn_app().await;
    let response = app.get("/health/live").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/health+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body, serde_json::json!({"status": "pass"}));
}

#[tokio::test]
async fn the_readiness_probe_reports_each_check_when_ready() {
    let app = spawn_app().await;
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "pass");
    assert_eq!(body["checks"]["migrations"]["observed"], "current");
    assert_eq!(body["checks"]["database"]["status"], "pass");
    assert_eq!(body["checks"]["outbox"]["status"], "pass");
}

#[tokio::test]
async fn the_readiness_probe_fails_with_a_problem_when_a_migration_is_not_applied() {
    let app = spawn_app().await;
    app.db
        .execute_unprepared(
            "DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)",
        )
        .await
        .unwrap();
    let response = app.get("/health/ready").await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(response.headers()["content-type"], "application/problem+json");
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "service_unavailable");
    assert_eq!(
        problem["detail"],
        "Not ready: migrations: 1 migrations are not applied."
    );
}

/// The value of the sample of `metric` whose labels are exactly `labels`.
fn sample(exposition: &str, metric: &str, labels: &str) -> Option<f64> {
    let wanted = format!("{metric}{{{labels}}} ");
    exposition
        .lines()
        .find_map(|line| line.strip_prefix(&wanted))
        .and_then(|value| value.trim().parse().ok())
}

#[tokio::test]
async fn metrics_count_requests_by_route_template_and_status() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product_href(&merchant, &ebook(1)).await;
    assert_eq!(app.get(&product).await.status(), StatusCode::OK);
    assert_eq!(
        app.get("/products/0123456789abcdef0123456789abcdef")
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let response = app.get("/metrics").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    let ok = r#"method="GET",route="/products/{uid}",status="200""#;
    let missing = r#"method="GET",route="/products/{uid}",status="404""#;
    assert!(
        sample(&text, "halshop_http_requests_total", ok).unwrap() >= 1.0,
        "{text}"
    );
    assert!(
        sample(&text, "halshop_http_requests_total", missing).unwrap() >= 1.0,
        "{text}"
    );
    assert!(sample(&text, "halshop_http_request_duration_seconds_count", ok).unwrap() >= 1.0);
    assert!(
        !text.contains(product.rsplit('/').next().unwrap()),
        "a concrete uid is never a label"
    );
    assert!(text.contains("# TYPE halshop_http_request_duration_seconds histogram"));
    assert!(
        sample(&text, "halshop_db_pool_connections", r#"state="idle""#).is_some(),
        "{text}"
    );
    assert!(text.contains("\nhalshop_outbox_backlog "), "{text}");
}

/// GETs `path` with `Accept-Encoding: coding`.
async fn get_encoded(app: &crate::helpers::TestApp, path: &str, coding: &str) -> reqwest::Response {
    app.request(Method::GET, path, Who::Anonymous)
        .header("accept-encoding", coding)
        .send()
        .await
        .unwrap()
}

async fn catalogue_of_three() -> crate::helpers::TestApp {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    for n in 1..=3 {
        app.create_product(&merchant, &ebook(n)).await;
    }
    app
}

#[tokio::test]
async fn a_large_body_is_sent_with_brotli_when_the_client_accepts_it() {
    let app = catalogue_of_three().await;
    let plain = app.get("/products").await.bytes().await.unwrap();
    let response = get_encoded(&app, "/products", "gzip, deflate, br").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-encoding"], "br");
    let vary: Vec<_> = response
        .headers()
        .get_all("vary")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert!(vary.iter().any(|v| v == "Accept-Encoding"), "{vary:?}");
    let compressed = response.bytes().await.unwrap();
    assert!(compressed.len() < plain.len() / 2);
    let mut decoded = Vec::new();
    brotli::Decompressor::new(&compressed[..], 4096)
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, plain);
}

#[tokio::test]
async fn a_large_body_is_sent_with_gzip_and_a_weak_etag() {
    let app = catalogue_of_three().await;
    let strong = etag_of(&app.get("/products").await);
    let response = get_encoded(&app, "/products", "gzip").await;
    assert_eq!(response.headers()["content-encoding"], "gzip");
    assert_eq!(
        response.headers()["etag"].to_str().unwrap(),
        format!("W/{strong}")
    );
    let compressed = response.bytes().await.unwrap();
    let mut decoded = String::new();
    flate2::read::GzDecoder::new(&compressed[..])
        .read_to_string(&mut decoded)
        .unwrap();
    let listing: Value = serde_json::from_str(&decoded).unwrap();
    assert_eq!(listing["item_count"], 3);
}

#[tokio::test]
async fn a_weak_etag_from_a_compressed_read_revalidates_with_304() {
    let app = catalogue_of_three().await;
    let weak = etag_of(&get_encoded(&app, "/products", "gzip").await);
    let response = app
        .request(Method::GET, "/products", Who::Anonymous)
        .header("accept-encoding", "gzip")
        .header("if-none-match", &weak)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_MODIFIED);
    assert!(response.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn a_small_body_is_sent_uncompressed() {
    let app = spawn_app().await;
    let response = get_encoded(&app, "/health/live", "br, gzip").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers().get("content-encoding").is_none());
    assert_eq!(response.text().await.unwrap(), r#"{"status":"pass"}"#);
}

#[tokio::test]
async fn a_product_read_compressed_can_be_put_back_with_its_weak_etag() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let url = self_href(&app.create_product(&merchant, &ebook(1)).await);
    let read = app
        .request(Method::GET, &url, Who::Merchant(&merchant))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    let weak = etag_of(&read);
    assert!(weak.starts_with("W/"), "{weak}");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&read.bytes().await.unwrap()[..])
        .read_to_string(&mut text)
        .unwrap();
    let mut product: Value = serde_json::from_str(&text).unwrap();
    product["title"] = "A new title".into();
    let response = app
        .request(Method::PUT, &url, Who::Merchant(&merchant))
        .header("if-match", &weak)
        .json(&product)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["title"], "A new title");
}
