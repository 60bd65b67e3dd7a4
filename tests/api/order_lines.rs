//! An order's lines as resources of their own: `self` of each embedded line, who may read it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem, expect_json,
    identity::{customer_token, generate_key_pair, now, sign_rs256},
    orders::{Placed, Shop, place_customer_order, shop},
    self_href,
};

/// A shop with one guest order of two lines (an ebook and two tickets).
async fn shop_with_two_lines() -> (Shop, Placed) {
    let shop = shop().await;
    let cart = shop.one_ebook().line(&shop.cad_ticket, 2);
    let placed = shop.place(&cart).await;
    (shop, placed)
}

/// The `self` href of the order's embedded line at `index`.
fn line_href(order: &Value, index: usize) -> String {
    self_href(&order["_embedded"]["shop:order_lines"][index])
}

#[tokio::test]
async fn every_embedded_order_line_has_a_self_numbered_from_one() {
    let (shop, placed) = shop_with_two_lines().await;
    let order = placed.read(&shop.app).await;
    let uid = order["uid"].as_str().unwrap();
    assert_eq!(
        line_href(&order, 0),
        shop.app.url(&format!("/orders/{uid}/lines/1"))
    );
    assert_eq!(
        line_href(&order, 1),
        shop.app.url(&format!("/orders/{uid}/lines/2"))
    );
}

#[tokio::test]
async fn the_holder_reads_a_line_as_it_is_embedded_in_the_order() {
    let (shop, placed) = shop_with_two_lines().await;
    let order = placed.read(&shop.app).await;
    let response = shop.app.get_as(placed.who(), &line_href(&order, 1)).await;
    let line = expect_json(response, StatusCode::OK).await;
    assert_eq!(line, order["_embedded"]["shop:order_lines"][1]);
    assert_eq!(line["quantity"], 2);
    assert_eq!(line["_links"]["shop:order"]["href"], placed.url());
}

#[tokio::test]
async fn the_customer_who_placed_the_order_reads_its_line() {
    let shop = shop().await;
    let alice = customer_token(&shop.app, "alice").await;
    let order = place_customer_order(&shop.app, &alice, &shop.one_ebook()).await;
    let response = shop.app.get_as(Who::Bearer(&alice), &line_href(&order, 0)).await;
    let line = expect_json(response, StatusCode::OK).await;
    assert_eq!(line["product"], shop.cad_ebook);
}

#[tokio::test]
async fn the_merchant_reads_a_line_of_their_shops_order() {
    let (shop, placed) = shop_with_two_lines().await;
    let order = placed.read(&shop.app).await;
    let response = shop.app.get_as(shop.as_merchant(), &line_href(&order, 0)).await;
    let line = expect_json(response, StatusCode::OK).await;
    assert_eq!(line["position"], 0);
}

#[tokio::test]
async fn a_line_read_without_credentials_is_a_401_with_a_challenge() {
    let (shop, placed) = shop_with_two_lines().await;
    let order = placed.read(&shop.app).await;
    let response = shop.app.get(&line_href(&order, 0)).await;
    assert!(response.headers().contains_key("www-authenticate"));
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn another_orders_token_gets_the_same_404_as_for_the_order() {
    let (shop, placed) = shop_with_two_lines().await;
    let other = shop.place(&shop.one_ebook()).await;
    let order = placed.read(&shop.app).await;
    let line = shop.app.get_as(other.who(), &line_href(&order, 0)).await;
    let line = assert_problem(line, StatusCode::NOT_FOUND, "not_found").await;
    let whole = shop.app.get_as(other.who(), &placed.url()).await;
    let whole = assert_problem(whole, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(line["detail"], whole["detail"]);
}

#[tokio::test]
async fn another_customer_gets_a_404_for_the_line() {
    let shop = shop().await;
    let alice = customer_token(&shop.app, "alice").await;
    let bob = customer_token(&shop.app, "bob").await;
    let order = place_customer_order(&shop.app, &alice, &shop.one_ebook()).await;
    let response = shop.app.get_as(Who::Bearer(&bob), &line_href(&order, 0)).await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_forged_customer_token_for_the_line_is_refused_with_token_invalid() {
    let shop = shop().await;
    let alice = customer_token(&shop.app, "alice").await;
    let order = place_customer_order(&shop.app, &alice, &shop.one_ebook()).await;
    let kid = alice_kid(&alice);
    let claims = json!({
        "sub": "alice", "iss": shop.app.url("/dev-idp"), "token_use": "access",
        "client_id": "halshop-dev", "iat": now(), "exp": now() + 3600,
    });
    let forged = sign_rs256(
        &generate_key_pair(),
        &json!({"alg": "RS256", "kid": kid}),
        &claims,
    );
    let response = shop.app.get_as(Who::Bearer(&forged), &line_href(&order, 0)).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "token_invalid").await;
}

/// The `kid` of a genuine token, so that a forgery names a key halshop knows.
fn alice_kid(token: &str) -> String {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let header = token.split('.').next().unwrap();
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).unwrap()).unwrap();
    header["kid"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_line_number_past_the_last_line_is_a_404() {
    let (shop, placed) = shop_with_two_lines().await;
    let response = shop
        .app
        .get_as(placed.who(), &format!("{}/lines/3", placed.url()))
        .await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn line_number_zero_is_refused_as_malformed() {
    let (shop, placed) = shop_with_two_lines().await;
    let response = shop
        .app
        .get_as(placed.who(), &format!("{}/lines/0", placed.url()))
        .await;
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed_request").await;
}
