use reqwest::{Method, StatusCode};
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::{Who, assert_problem, ebook, spawn_app, spawn_app_with};

#[tokio::test]
async fn an_unknown_route_is_a_404_problem() {
    let app = spawn_app().await;
    let problem = assert_problem(
        app.get("/no/such/thing?x=1").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(problem["instance"], app.url("/no/such/thing?x=1"));
    assert_eq!(problem["type"], app.url("/problems/not_found"));
}

#[tokio::test]
async fn a_wrong_method_is_a_405_problem() {
    let app = spawn_app().await;
    let response = app.client.delete(app.url("/products")).send().await.unwrap();
    assert_eq!(response.headers()["allow"], "GET, POST, HEAD");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let response = app
        .client
        .request(
            reqwest::Method::TRACE,
            app.url("/products/0123456789abcdef0123456789abcdef"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["allow"], "GET, PUT, HEAD");
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
    let response = app.client.patch(app.url("/")).send().await.unwrap();
    assert_problem(response, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;
}

#[tokio::test]
async fn a_body_over_the_limit_is_a_413_problem_with_or_without_content_length() {
    let app = spawn_app_with(|settings| settings.max_body_bytes = 1024).await;
    let merchant = app.merchant().await;
    let big = format!("{{\"title\": \"{}\"}}", "x".repeat(4096));
    let response = app
        .client
        .post(app.url("/products"))
        .basic_auth(&merchant.app_key, Some(&merchant.secret))
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let stream = futures_stream(big.into_bytes());
    let response = app
        .client
        .post(app.url("/products"))
        .basic_auth(&merchant.app_key, Some(&merchant.secret))
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;
}

fn futures_stream(
    bytes: Vec<u8>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> + Send + 'static {
    futures::stream::iter(
        bytes
            .chunks(256)
            .map(|chunk| Ok(chunk.to_vec()))
            .collect::<Vec<_>>(),
    )
}

#[tokio::test]
async fn a_wrong_content_type_is_a_415_problem() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let body = serde_json::to_string(&ebook(1)).unwrap();
    for content_type in [Some("text/plain"), Some("application/xml"), None] {
        let mut request = app
            .client
            .post(app.url("/products"))
            .basic_auth(&merchant.app_key, Some(&merchant.secret))
            .body(body.clone());
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        assert_problem(
            request.send().await.unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
        )
        .await;
    }
}

#[tokio::test]
async fn broken_json_is_a_400_problem() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    for body in ["{\"sku\": ", "", "not json", "{\"sku\": \"a\",}"] {
        let response = app
            .client
            .post(app.url("/products"))
            .basic_auth(&merchant.app_key, Some(&merchant.secret))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_problem(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    }
}

#[tokio::test]
async fn a_json_body_of_the_wrong_shape_names_the_field() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let response = app
        .client
        .post(app.url("/products"))
        .basic_auth(&merchant.app_key, Some(&merchant.secret))
        .header("content-type", "application/json")
        .body("[]")
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert_eq!(problem["errors"][0]["path"], "");
    let mut body = ebook(1);
    body.as_object_mut().unwrap().remove("price");
    let problem = assert_problem(
        app.post_product(&merchant, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("price"),
        "{problem}"
    );
}

#[tokio::test]
async fn an_internal_error_leaks_nothing_and_carries_a_logref() {
    let app = spawn_app().await;
    // PostgreSQL refuses to drop a table others refer to unless told to drop those links too.
    let drop = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "DROP TABLE product CASCADE",
        _ => "DROP TABLE product",
    };
    app.db.execute_unprepared(drop).await.unwrap();
    let response = app.get("/products").await;
    let problem = assert_problem(response, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    let logref = problem["logref"].as_str().unwrap();
    assert_eq!(logref.len(), 12);
    let text = format!("{} {}", problem["title"], problem["detail"]).to_lowercase();
    for secret in ["product", "sql", "table", "sqlite", "postgres", "relation"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
    assert!(problem["detail"].as_str().unwrap().contains(logref));
}

/// Every problem type halshop documents: (code, HTTP status).
const PROBLEM_TYPES: &[(&str, u16)] = &[
    ("malformed_request", 400),
    ("validation_failed", 422),
    ("unauthorized", 401),
    ("forbidden", 403),
    ("not_found", 404),
    ("method_not_allowed", 405),
    ("payload_too_large", 413),
    ("uri_too_long", 414),
    ("header_fields_too_large", 431),
    ("unsupported_media_type", 415),
    ("sku_taken", 409),
    ("isbn_taken", 409),
    ("precondition_required", 428),
    ("precondition_failed", 412),
    ("idempotency_key_invalid", 400),
    ("idempotency_key_reused", 422),
    ("idempotency_key_in_flight", 409),
    ("token_expired", 401),
    ("token_invalid", 401),
    ("wrong_issuer", 401),
    ("wrong_client", 401),
    ("wrong_token_use", 401),
    ("unknown_key", 401),
    ("identity_provider_unavailable", 503),
    ("unknown_product", 422),
    ("cannot_sell", 422),
    ("quantity_limit", 422),
    ("currency_mismatch", 422),
    ("unknown_voucher", 422),
    ("voucher_used", 409),
    ("cannot_cancel", 409),
    ("signature_invalid", 401),
    ("notification_stale", 400),
    ("amount_mismatch", 422),
    ("order_not_payable", 409),
    ("provider_reference_reused", 409),
    ("sandbox_refused", 409),
    ("not_downloadable", 409),
    ("link_expired", 410),
    ("link_used", 410),
    ("delivery_voided", 410),
    ("content_unavailable", 503),
    ("usage_decrease", 409),
    ("refund_unauthorized", 403),
    ("already_refunded", 409),
    ("refund_time_limit", 403),
    ("refund_usage_limit", 403),
    ("cost_mismatch", 422),
    ("refund_request_open", 409),
    ("refund_request_state", 409),
    ("san_malformed", 400),
    ("token_malformed", 400),
    ("partner_transact_id_malformed", 400),
    ("book_id_malformed", 400),
    ("purchase_transact_id_malformed", 400),
    ("san_nonconforming", 400),
    ("store_not_registered", 404),
    ("store_token_invalid", 403),
    ("partner_transact_id_reused", 409),
    ("book_id_unknown", 404),
    ("book_id_unavailable", 409),
    ("email_malformed", 400),
    ("purchase_not_found", 404),
    ("code_redeemed", 409),
    ("store_refund_time_limit", 403),
    ("store_refund_usage_limit", 403),
    ("already_voided", 409),
    ("account_unknown", 404),
    ("code_unknown", 404),
    ("code_inactive", 409),
    ("cannot_lend", 422),
    ("not_licensed", 409),
    ("licences_expired", 409),
    ("licences_exhausted", 409),
    ("no_copy_available", 409),
    ("copy_available", 409),
    ("already_borrowed", 409),
    ("already_on_hold", 409),
    ("loan_too_long", 422),
    ("loan_ended", 410),
    ("loan_not_running", 409),
    ("hold_closed", 409),
    ("internal_error", 500),
    ("service_unavailable", 503),
];

#[tokio::test]
async fn every_problem_type_has_a_documentation_page() {
    let app = spawn_app().await;
    for &(code, status) in PROBLEM_TYPES {
        let response = app.get(&format!("/problems/{code}")).await;
        assert_eq!(response.status(), StatusCode::OK, "{code}");
        let page = response.text().await.unwrap();
        assert!(
            page.contains(code) && page.contains(&status.to_string()),
            "{code}"
        );
    }
    assert_problem(
        app.get("/problems/no_such_code").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/rels/no_such_rel").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.headers()["x-request-id"].to_str().unwrap().len(), 16);
    let response = app
        .client
        .get(app.url("/nope"))
        .header("x-request-id", "till-42-abc")
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "till-42-abc");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["code"], "not_found");
}

#[tokio::test]
async fn head_answers_like_get_without_a_body() {
    let app = spawn_app().await;
    let get = app.get("/products").await;
    let etag = get.headers()["etag"].clone();
    let head = app.client.head(app.url("/products")).send().await.unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(head.headers()["etag"], etag);
    assert!(head.text().await.unwrap().is_empty());
}

/// An action without input: a webhook endpoint's secret rotation (none exists with this uid).
const ROTATION: &str = "/webhook_endpoints/00000000000000000000000000000000/secret_rotations";

#[tokio::test]
async fn a_body_sent_to_an_action_that_takes_none_is_refused_and_an_empty_object_is_not() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let refused = app
        .request(Method::POST, ROTATION, Who::Merchant(&merchant))
        .body("random bytes")
        .send()
        .await
        .unwrap();
    assert_problem(refused, StatusCode::BAD_REQUEST, "malformed_request").await;
    let empty = app
        .request(Method::POST, ROTATION, Who::Merchant(&merchant))
        .json(&serde_json::json!({}))
        .send()
        .await
        .unwrap();
    assert_problem(empty, StatusCode::NOT_FOUND, "not_found").await;
}
