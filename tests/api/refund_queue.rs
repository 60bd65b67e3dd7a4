//! The merchant's queue of refund requests: `GET /refund_requests` without an order.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem, expect_json, link,
    orders::{NOOR, cart, place_paid_order},
    refunds::{Paid, paid},
    self_href,
};

/// A shop with two paid orders, each with a refund request: the first request's URL and
/// the second's, opened after it.
async fn two_requests() -> (Paid, String, String) {
    let paid = paid().await;
    let first = paid.open_url(json!({})).await;
    let other = place_paid_order(&paid.app, &cart(NOOR).line(&paid.product, 1)).await;
    let body = json!({"order": other.url()});
    let response = paid
        .app
        .post_json(Who::OrderToken(&other.token), "/refund_requests", &body)
        .await;
    let second = self_href(&expect_json(response, StatusCode::CREATED).await);
    (paid, first, second)
}

fn embedded_selves(list: &Value) -> Vec<String> {
    list["_embedded"]["shop:refund_requests"]
        .as_array()
        .unwrap()
        .iter()
        .map(self_href)
        .collect()
}

#[tokio::test]
async fn a_merchant_lists_their_shops_refund_requests_newest_first_without_naming_an_order() {
    let (paid, first, second) = two_requests().await;
    let list = paid.app.get_json(paid.as_merchant(), "/refund_requests").await;
    assert_eq!(list["item_count"], 2);
    assert_eq!(embedded_selves(&list), vec![second, first]);
}

#[tokio::test]
async fn the_merchants_queue_keeps_only_the_status_asked_for() {
    let (paid, first, second) = two_requests().await;
    paid.set_status(&first, "approved").await;
    let list = paid
        .app
        .get_json(paid.as_merchant(), "/refund_requests?status=new")
        .await;
    assert_eq!(list["item_count"], 1);
    assert_eq!(embedded_selves(&list), vec![second]);
}

#[tokio::test]
async fn the_merchants_queue_is_paged_with_links_that_keep_the_filter() {
    let (paid, first, second) = two_requests().await;
    let url = "/refund_requests?status=new&page_size=1";
    let page = paid.app.get_json(paid.as_merchant(), url).await;
    assert_eq!(page["item_count"], 2);
    assert_eq!(embedded_selves(&page), vec![second]);
    let next = link(&page, "next");
    assert!(next.contains("status=new"), "{next}");
    let page = paid.app.get_json(paid.as_merchant(), &next).await;
    assert_eq!(embedded_selves(&page), vec![first]);
    assert!(page["_links"].get("next").is_none());
}

#[tokio::test]
async fn another_merchants_queue_does_not_hold_these_requests() {
    let (paid, _, _) = two_requests().await;
    let other = paid.app.merchant_named("Another shop").await;
    let list = paid.app.get_json(Who::Merchant(&other), "/refund_requests").await;
    assert_eq!(list["item_count"], 0);
}

#[tokio::test]
async fn a_holder_who_names_no_order_is_not_shown_the_shops_queue() {
    let (paid, _, _) = two_requests().await;
    let response = paid.app.get_as(paid.holder(), "/refund_requests").await;
    let problem = assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert!(
        problem["detail"].as_str().unwrap().contains("`order`"),
        "{problem}"
    );
}

#[tokio::test]
async fn listing_refund_requests_without_credentials_or_an_order_is_a_401() {
    let (paid, _, _) = two_requests().await;
    let response = paid.app.get("/refund_requests").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}
