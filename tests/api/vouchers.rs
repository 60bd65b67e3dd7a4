//! Vouchers a merchant issues and orders redeem.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem_at, assert_problem_detail, expect_json, money,
    orders::{Cart, Placed, Shop, cancel_order, pay, shop},
};

async fn issue_voucher(shop: &Shop, amount: &str) -> String {
    let body = json!({"amount": money(amount, "CAD")});
    let response = shop.app.post_json(shop.as_merchant(), "/vouchers", &body).await;
    let voucher = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(voucher["status"], "active");
    voucher["code"].as_str().unwrap().to_owned()
}

/// A shop with a voucher of `amount`, its code and a cart of one ebook that uses it, the
/// code written in lower case when `lower`.
async fn shop_with_voucher(amount: &str, lower: bool) -> (Shop, String, Cart) {
    let shop = shop().await;
    let code = issue_voucher(&shop, amount).await;
    let given = if lower { code.to_lowercase() } else { code.clone() };
    let cart = shop.one_ebook().with("vouchers", json!([given]));
    (shop, code, cart)
}

#[tokio::test]
async fn a_voucher_lowers_the_bill_but_not_the_taxes() {
    let (shop, _code, cart) = shop_with_voucher("5.00", true).await;
    let bill = shop.bill(&cart).await;
    assert_eq!(bill["voucher_total"], money("5.00", "CAD"));
    assert_eq!(bill["grand_total"], money("17.98", "CAD"));
    assert_eq!(
        bill["tax_total"],
        money("2.99", "CAD"),
        "a voucher pays; it does not lower the taxes"
    );
}

#[tokio::test]
async fn a_voucher_pays_part_of_an_order_and_is_then_redeemed() {
    let (shop, code, cart) = shop_with_voucher("5.00", true).await;
    let order = shop.place(&cart).await.order;
    assert_eq!(order["grand_total"], money("17.98", "CAD"));
    assert_eq!(
        order["vouchers"],
        json!([{"code": code, "applied": money("5.00", "CAD")}])
    );
    let voucher = shop
        .app
        .get_json(Who::Anonymous, &format!("/vouchers/{code}"))
        .await;
    assert_eq!(voucher["status"], "redeemed");
}

#[tokio::test]
async fn a_redeemed_voucher_is_refused_with_voucher_used() {
    let (shop, _code, cart) = shop_with_voucher("5.00", true).await;
    shop.place(&cart).await;
    let response = shop.app.post_json(Who::Anonymous, "/orders", cart.body()).await;
    assert_problem_at(response, StatusCode::CONFLICT, "voucher_used", "/vouchers/0").await;
}

#[tokio::test]
async fn an_unknown_voucher_is_refused_at_its_index() {
    let shop = shop().await;
    let cart = shop.one_ebook().with("vouchers", json!(["NOSUCHCODE22"]));
    let response = shop.app.post_json(Who::Anonymous, "/orders", cart.body()).await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem_at(response, invalid, "unknown_voucher", "/vouchers/0").await;
}

#[tokio::test]
async fn a_voucher_worth_more_than_the_order_pays_it_all() {
    let (shop, _code, cart) = shop_with_voucher("100.00", false).await;
    let order = shop.place(&cart).await.order;
    assert_eq!(order["voucher_total"], money("22.98", "CAD"));
    assert_eq!(order["grand_total"], money("0.00", "CAD"));
}

#[tokio::test]
async fn two_orders_racing_for_one_voucher_leave_exactly_one_winner() {
    let (shop, _code, cart) = shop_with_voucher("5.00", false).await;
    let post = || shop.app.post_json(Who::Anonymous, "/orders", cart.body());
    let responses = futures::future::join_all((0..6).map(|_| post())).await;
    let (created, refused): (Vec<_>, Vec<_>) = responses
        .into_iter()
        .partition(|r| r.status() == StatusCode::CREATED);
    assert_eq!(created.len(), 1);
    for response in refused {
        let status = response.status();
        let problem: Value = response.json().await.unwrap();
        assert!(
            matches!(status, StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY),
            "{problem}"
        );
        assert_eq!(problem["code"], "voucher_used");
    }
    assert_eq!(shop.order_count("").await, 1);
}

impl Shop {
    /// The voucher of `code` as anyone reads it.
    async fn voucher(&self, code: &str) -> Value {
        let response = self
            .app
            .get_as(Who::Anonymous, &format!("/vouchers/{code}"))
            .await;
        expect_json(response, StatusCode::OK).await
    }
}

/// Cancels the order as its holder; asserts 200 and a cancelled order.
async fn cancel(shop: &Shop, placed: &Placed) {
    let response = cancel_order(&shop.app, &placed.token, &placed.url(), "changed my mind").await;
    assert_eq!(expect_json(response, StatusCode::OK).await["status"], "cancelled");
}

#[tokio::test]
async fn cancelling_an_order_makes_its_voucher_active_again_for_its_whole_amount() {
    let (shop, code, cart) = shop_with_voucher("5.00", false).await;
    let placed = shop.place(&cart).await;
    cancel(&shop, &placed).await;
    let voucher = shop.voucher(&code).await;
    assert_eq!(voucher["status"], "active");
    assert_eq!(voucher["amount"], money("5.00", "CAD"));
    assert!(voucher.get("redeemed_at").is_none(), "{voucher}");
}

#[tokio::test]
async fn a_voucher_given_back_by_a_cancelled_order_pays_another_order() {
    let (shop, code, cart) = shop_with_voucher("5.00", false).await;
    let placed = shop.place(&cart).await;
    cancel(&shop, &placed).await;
    let response = shop.app.post_json(Who::Anonymous, "/orders", cart.body()).await;
    let order = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(
        order["vouchers"],
        json!([{"code": code, "applied": money("5.00", "CAD")}])
    );
    assert_eq!(order["grand_total"], money("17.98", "CAD"));
    assert_eq!(shop.voucher(&code).await["status"], "redeemed");
}

#[tokio::test]
async fn a_refused_cancellation_of_a_paid_order_keeps_its_voucher_redeemed() {
    let (shop, code, cart) = shop_with_voucher("5.00", false).await;
    let placed = shop.place(&cart).await;
    pay(&shop.app, &placed.order).await;
    let response = cancel_order(&shop.app, &placed.token, &placed.url(), "too late").await;
    let detail = "The order is paid, so it can no longer be cancelled; request a refund instead.";
    assert_problem_detail(response, StatusCode::CONFLICT, "cannot_cancel", detail).await;
    assert_eq!(shop.voucher(&code).await["status"], "redeemed");
}

/// The codes of a page of the merchant's vouchers, as listed.
async fn listed_codes(shop: &Shop, query: &str) -> Vec<String> {
    let response = shop
        .app
        .get_as(shop.as_merchant(), &format!("/vouchers{query}"))
        .await;
    let page = expect_json(response, StatusCode::OK).await;
    let items = page["_embedded"]["shop:vouchers"].as_array().unwrap();
    assert_eq!(page["item_count"], json!(items.len()), "{page}");
    items
        .iter()
        .map(|v| v["code"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_merchant_lists_their_vouchers_newest_first() {
    let shop = shop().await;
    let first = issue_voucher(&shop, "5.00").await;
    let second = issue_voucher(&shop, "7.50").await;
    assert_eq!(listed_codes(&shop, "").await, vec![second, first]);
}

#[tokio::test]
async fn the_voucher_list_is_filtered_by_status() {
    let (shop, used, cart) = shop_with_voucher("5.00", false).await;
    let unused = issue_voucher(&shop, "3.00").await;
    shop.place(&cart).await;
    assert_eq!(listed_codes(&shop, "?status=redeemed").await, vec![used]);
    assert_eq!(listed_codes(&shop, "?status=active").await, vec![unused]);
}

#[tokio::test]
async fn the_voucher_list_shows_no_voucher_of_another_merchant() {
    let shop = shop().await;
    issue_voucher(&shop, "5.00").await;
    let other = shop.app.merchant_named("Other shop").await;
    let response = shop.app.get_as(Who::Merchant(&other), "/vouchers").await;
    let page = expect_json(response, StatusCode::OK).await;
    assert_eq!(page["item_count"], 0);
    assert_eq!(page["_embedded"]["shop:vouchers"], json!([]));
}

#[tokio::test]
async fn the_voucher_list_offers_the_merchant_the_form_to_issue_one() {
    let shop = shop().await;
    let page = shop.app.get_json(shop.as_merchant(), "/vouchers").await;
    let form = &page["_templates"]["create"];
    assert_eq!(form["method"], "POST");
    assert_eq!(form["target"], shop.app.url("/vouchers"));
    assert_eq!(form["properties"][0]["name"], "amount");
}

#[tokio::test]
async fn the_voucher_list_needs_merchant_credentials() {
    let shop = shop().await;
    let response = shop.app.get_as(Who::Anonymous, "/vouchers").await;
    assert_problem_detail(
        response,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
        "This operation needs merchant credentials (HTTP Basic app_key:secret).",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_voucher_status_filter_is_refused_with_malformed_request() {
    let shop = shop().await;
    let response = shop
        .app
        .get_as(shop.as_merchant(), "/vouchers?status=spent")
        .await;
    let problem = expect_json(response, StatusCode::BAD_REQUEST).await;
    assert_eq!(problem["code"], "malformed_request");
    assert_eq!(problem["errors"][0]["path"], "status");
}
