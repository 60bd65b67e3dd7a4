//! Who may read, list and cancel an order.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    Who, assert_problem, assert_problem_at, assert_problem_mentions, expect_json,
    identity::{customer_token, expired_customer_token},
    orders::{Placed, Shop, cancel_order, place_customer_order, shop},
};

/// A shop with one guest order.
async fn shop_with_order() -> (Shop, Placed) {
    let shop = shop().await;
    let placed = shop.place(&shop.one_ebook()).await;
    (shop, placed)
}

/// A shop with one order of the customer `alice`, her token and the order's URL.
async fn alices_order() -> (Shop, String, Value) {
    let shop = shop().await;
    let alice = customer_token(&shop.app, "alice").await;
    let order = place_customer_order(&shop.app, &alice, &shop.one_ebook()).await;
    (shop, alice, order)
}

#[tokio::test]
async fn a_customer_order_belongs_to_the_token_subject() {
    let (_shop, _alice, order) = alices_order().await;
    assert_eq!(order["customer_id"], "alice");
}

#[tokio::test]
async fn a_customer_reads_their_order_with_either_token_header() {
    let (shop, alice, order) = alices_order().await;
    let url = crate::helpers::self_href(&order);
    let read = shop.app.get_as(Who::CognitoToken(&alice), &url).await;
    assert_eq!(read.status(), StatusCode::OK);
    let read = shop.app.get_as(Who::Bearer(&alice), &url).await;
    assert_eq!(read.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_customer_lists_their_orders_without_embedded_lines() {
    let (shop, alice, order) = alices_order().await;
    let mine = shop.app.get_json(Who::Bearer(&alice), "/orders").await;
    assert_eq!(mine["item_count"], 1);
    assert_eq!(mine["_embedded"]["shop:orders"][0]["uid"], order["uid"]);
    assert!(mine["_embedded"]["shop:orders"][0].get("_embedded").is_none());
}

#[tokio::test]
async fn me_links_to_the_customers_orders() {
    let (shop, alice, _order) = alices_order().await;
    let me = shop.app.get_json(Who::Bearer(&alice), "/me").await;
    assert_eq!(me["_links"]["shop:orders"]["href"], shop.app.url("/orders"));
}

#[tokio::test]
async fn another_customer_neither_reads_nor_lists_the_order() {
    let (shop, _alice, order) = alices_order().await;
    let bob = customer_token(&shop.app, "bob").await;
    let url = crate::helpers::self_href(&order);
    let theirs = shop.app.get_as(Who::Bearer(&bob), &url).await;
    assert_problem(theirs, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(shop.app.count(Who::Bearer(&bob), "/orders").await, 0);
}

#[tokio::test]
async fn an_expired_customer_token_is_refused_with_token_expired() {
    let (shop, _alice, order) = alices_order().await;
    let expired = expired_customer_token(&shop.app, "alice").await;
    let url = crate::helpers::self_href(&order);
    let response = shop.app.get_as(Who::Bearer(&expired), &url).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "token_expired").await;
}

#[tokio::test]
async fn a_wrong_or_made_up_order_token_gets_the_same_404_as_a_missing_order() {
    let (shop, placed) = shop_with_order().await;
    let other = shop.place(&shop.tickets(1)).await;
    let missing_url = shop.app.url("/orders/0123456789abcdef0123456789abcdef");
    let not_found = StatusCode::NOT_FOUND;
    let response = shop.app.get_as(other.who(), &placed.url()).await;
    let wrong = assert_problem(response, not_found, "not_found").await;
    let response = shop.app.get_as(Who::OrderToken("ot_0000"), &placed.url()).await;
    let made_up = assert_problem(response, not_found, "not_found").await;
    let response = shop.app.get_as(other.who(), &missing_url).await;
    let missing = assert_problem(response, not_found, "not_found").await;
    assert_eq!(wrong["detail"], missing["detail"], "no oracle");
    assert_eq!(made_up["detail"], missing["detail"]);
}

#[tokio::test]
async fn only_the_orders_own_merchant_reads_it() {
    let (shop, placed) = shop_with_order().await;
    let other_shop = shop.app.merchant_named("Another shop").await;
    let theirs = shop.app.get_as(Who::Merchant(&other_shop), &placed.url()).await;
    assert_problem(theirs, StatusCode::NOT_FOUND, "not_found").await;
    let ours = shop.app.get_as(shop.as_merchant(), &placed.url()).await;
    assert_eq!(ours.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_wrong_merchant_secret_is_refused_with_unauthorized() {
    let (shop, placed) = shop_with_order().await;
    let wrong_secret = shop.merchant.with_wrong_secret();
    let response = shop.app.get_as(Who::Merchant(&wrong_secret), &placed.url()).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn an_order_read_without_credentials_is_a_401_with_a_challenge() {
    let (shop, placed) = shop_with_order().await;
    let nothing = shop.app.get(&placed.url()).await;
    assert!(nothing.headers().contains_key("www-authenticate"));
    assert_problem(nothing, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_forged_bearer_token_is_refused_with_token_invalid() {
    let (shop, placed) = shop_with_order().await;
    let forged = Who::Bearer("eyJhbGciOiJIUzI1NiJ9.e30.x");
    let response = shop.app.get_as(forged, &placed.url()).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "token_invalid").await;
}

#[tokio::test]
async fn listing_orders_needs_a_merchant_or_a_customer_not_an_order_token() {
    let (shop, placed) = shop_with_order().await;
    let anonymous = shop.app.get("/orders").await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let with_token = shop.app.get_as(placed.who(), "/orders").await;
    assert_problem(with_token, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

/// A shop with a cancelled order tagged `till-7` and an awaiting order of three tickets.
async fn shop_with_two_orders() -> Shop {
    let shop = shop().await;
    let tagged = shop
        .place(&shop.one_ebook().with("external_reference", "till-7"))
        .await;
    shop.place(&shop.tickets(3)).await;
    let cancel = cancel_order(&shop.app, &tagged.token, &tagged.url(), "changed my mind").await;
    assert_eq!(cancel.status(), StatusCode::OK);
    shop
}

#[tokio::test]
async fn a_merchant_filters_orders_by_status_reference_and_date() {
    let shop = shop_with_two_orders().await;
    assert_eq!(shop.order_count("").await, 2);
    assert_eq!(shop.order_count("?status=cancelled").await, 1);
    assert_eq!(shop.order_count("?status=awaiting_payment").await, 1);
    assert_eq!(shop.order_count("?external_reference=till-7").await, 1);
    assert_eq!(shop.order_count("?created_gte=2000-01-01T00:00:00Z").await, 2);
    assert_eq!(shop.order_count("?created_lt=2000-01-01T00:00:00Z").await, 0);
}

#[tokio::test]
async fn a_merchant_pages_through_orders_with_a_search_template() {
    let shop = shop_with_two_orders().await;
    let page = shop.app.get_json(shop.as_merchant(), "/orders?page_size=1").await;
    let next = crate::helpers::link(&page, "next");
    assert!(next.contains("page=2"), "{page}");
    assert_eq!(page["_links"]["search"]["templated"], true);
}

#[tokio::test]
async fn another_merchant_lists_none_of_the_shops_orders() {
    let shop = shop_with_two_orders().await;
    let other = shop.app.merchant_named("Another shop").await;
    assert_eq!(shop.app.count(Who::Merchant(&other), "/orders").await, 0);
}

#[tokio::test]
async fn an_unknown_status_filter_is_a_malformed_request() {
    let (shop, _placed) = shop_with_order().await;
    let response = shop.app.get_as(shop.as_merchant(), "/orders?status=lost").await;
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed_request").await;
}

#[tokio::test]
async fn an_order_is_cancelled_only_with_its_own_token() {
    let (shop, placed) = shop_with_order().await;
    let other = shop.place(&shop.one_ebook()).await;
    let response = cancel_order(&shop.app, &other.token, &placed.url(), "not mine").await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn a_cancellation_needs_a_reason() {
    let (shop, placed) = shop_with_order().await;
    let response = cancel_order(&shop.app, &placed.token, &placed.url(), "  ").await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem_at(response, invalid, "validation_failed", "/reason").await;
}

#[tokio::test]
async fn an_order_awaiting_payment_is_cancelled_with_its_reason() {
    let (shop, placed) = shop_with_order().await;
    let reason = "Bought the wrong edition";
    let response = cancel_order(&shop.app, &placed.token, &placed.url(), reason).await;
    let cancelled = expect_json(response, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], reason);
    assert!(cancelled["_links"].get("shop:ordercancellation").is_none());
}

#[tokio::test]
async fn a_cancelled_order_cannot_be_cancelled_again_and_stays_cancelled() {
    let (shop, placed) = shop_with_order().await;
    let reason = "Bought the wrong edition";
    cancel_order(&shop.app, &placed.token, &placed.url(), reason).await;
    let again = cancel_order(&shop.app, &placed.token, &placed.url(), "again").await;
    assert_problem_mentions(again, StatusCode::CONFLICT, "cannot_cancel", "already cancelled").await;
    let read = placed.read(&shop.app).await;
    assert_eq!(read["status"], "cancelled");
    assert_eq!(read["cancel_reason"], reason);
}
