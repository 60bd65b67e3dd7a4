//! The payment notifications of an order, as its holder and its merchant read them.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    Who, assert_problem, expect_json, link,
    orders::{Placed, capture, notification, notify},
    sales::{DigitalShop, digital_shop},
};

/// An order of one EPUB whose first payment was declined and whose second was captured.
async fn declined_then_paid() -> (DigitalShop, Placed) {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let total = placed.order["grand_total"]["amount"].as_str().unwrap().to_owned();
    let declined = notification(&placed.order, "psp_declined", &total, "declined");
    expect_json(notify(&shop.app, &declined).await, StatusCode::OK).await;
    expect_json(
        notify(&shop.app, &capture(&placed.order, "psp_captured")).await,
        StatusCode::OK,
    )
    .await;
    (shop, placed)
}

fn payments_url(placed: &Placed) -> String {
    link(&placed.order, "shop:payments")
}

#[tokio::test]
async fn an_order_lists_its_declined_attempt_and_the_payment_that_sold_it_oldest_first() {
    let (shop, placed) = declined_then_paid().await;
    let page = shop.app.get_json(placed.who(), &payments_url(&placed)).await;
    assert_eq!(page["item_count"], 2);
    let payments = page["_embedded"]["shop:payments"].as_array().unwrap();
    let seen: Vec<(&Value, &Value, &Value)> = payments
        .iter()
        .map(|p| (&p["provider_reference"], &p["status"], &p["outcome"]))
        .collect();
    assert_eq!(
        seen,
        [
            (&"psp_declined".into(), &"declined".into(), &"declined".into()),
            (&"psp_captured".into(), &"captured".into(), &"sold".into()),
        ]
    );
    assert_eq!(payments[1]["amount"], placed.order["grand_total"]);
}

#[tokio::test]
async fn each_payment_of_an_order_is_read_at_its_own_self() {
    let (shop, placed) = declined_then_paid().await;
    let page = shop
        .app
        .get_json(Who::Merchant(&shop.merchant), &payments_url(&placed))
        .await;
    let listed = &page["_embedded"]["shop:payments"][1];
    let read = shop
        .app
        .get_json(Who::Merchant(&shop.merchant), &link(listed, "self"))
        .await;
    assert_eq!(&read, listed);
    assert!(link(&read, "self").ends_with("/payments/2"), "{read}");
}

#[tokio::test]
async fn an_unpaid_order_lists_no_payment() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let page = shop.app.get_json(placed.who(), &payments_url(&placed)).await;
    assert_eq!(page["item_count"], 0);
    assert_eq!(page["_embedded"]["shop:payments"], serde_json::json!([]));
}

#[tokio::test]
async fn another_orders_token_gets_404_for_the_payments() {
    let (shop, placed) = declined_then_paid().await;
    let other = shop.place(&shop.one_epub()).await;
    let response = shop.app.get_as(other.who(), &payments_url(&placed)).await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn the_payments_of_an_order_need_credentials() {
    let (shop, placed) = declined_then_paid().await;
    let response = shop.app.get_as(Who::Anonymous, &payments_url(&placed)).await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_payment_number_past_the_last_is_not_found() {
    let (shop, placed) = declined_then_paid().await;
    let url = format!("{}/3", payments_url(&placed));
    let response = shop.app.get_as(placed.who(), &url).await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}
