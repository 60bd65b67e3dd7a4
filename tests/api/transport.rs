//! Requests refused for their head (URL, headers) get a problem+json answer like any other
//! refusal, as far as halshop gets to answer them (hyper answers larger ones itself).

use reqwest::{StatusCode, header::HeaderValue};

use crate::helpers::{assert_problem, assert_problem_at, send, spawn_app};

#[tokio::test]
async fn an_oversized_header_is_a_431_problem_naming_it() {
    let app = spawn_app().await;
    let request = app
        .client
        .get(app.url("/products"))
        .header("x-padding", "a".repeat(17 * 1024));
    let problem = assert_problem_at(
        send(request).await,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "header_fields_too_large",
        "x-padding",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "The x-padding header is larger than 16384 bytes."
    );
}

#[tokio::test]
async fn too_many_header_bytes_together_are_a_431_problem() {
    let app = spawn_app().await;
    let mut request = app.client.get(app.url("/products"));
    for n in 0..6 {
        request = request.header(format!("x-padding-{n}"), "a".repeat(14 * 1024));
    }
    let problem = assert_problem(
        send(request).await,
        StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        "header_fields_too_large",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().ends_with("at most 65536."),
        "{problem}"
    );
}

#[tokio::test]
async fn an_overlong_url_is_a_414_problem() {
    let app = spawn_app().await;
    let url = app.url(&format!("/products?q={}", "a".repeat(33 * 1024)));
    let problem = assert_problem(
        send(app.client.get(url)).await,
        StatusCode::URI_TOO_LONG,
        "uri_too_long",
    )
    .await;
    assert!(
        problem["detail"].as_str().unwrap().ends_with("at most 32768."),
        "{problem}"
    );
}

#[tokio::test]
async fn an_order_token_that_is_not_ascii_is_a_400_problem_naming_it() {
    let app = spawn_app().await;
    let token = HeaderValue::from_bytes("jeton-é".as_bytes()).unwrap();
    let request = app
        .client
        .get(app.url("/orders/0123456789abcdef0123456789abcdef"))
        .header("order-token", token);
    let problem = assert_problem_at(
        send(request).await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
        "order-token",
    )
    .await;
    assert_eq!(problem["errors"][0]["message"], "not visible ASCII");
}
