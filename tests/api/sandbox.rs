//! The sandbox payment page that stands in for a payment provider, and the payment secret
//! that opens it.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use reqwest::{Method, Response, StatusCode};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use serde_json::Value;
use sha2::Sha256;

use crate::helpers::{
    TestApp, Who, assert_problem, header, link,
    orders::{Placed, ZOE, grand_total},
    sales::{DigitalShop, digital_shop},
    send,
};

/// A secret of the right shape that no order has.
const WRONG_SECRET: &str = "As6i0LYYXZwnkC_3CygXFJLZSVPNUNI21sjYhXUspyo";

async fn decide(app: &TestApp, page_url: &str, decision: &str) -> Response {
    let request = app.request(Method::POST, page_url, Who::Anonymous);
    send(request.form(&[("decision", decision)])).await
}

/// The order's sandbox page URL with `secret` in place of the one its link carries.
fn with_secret(page_url: &str, secret: Option<&str>) -> String {
    let mut url = url::Url::parse(page_url).unwrap();
    url.set_query(None);
    if let Some(secret) = secret {
        url.query_pairs_mut().append_pair("secret", secret);
    }
    url.into()
}

/// The sandbox page URL of `uid` with `secret`, written by hand as a stranger would.
fn page_at(app: &TestApp, uid: &str, secret: Option<&str>) -> String {
    with_secret(&app.url(&format!("/sandbox/payments/{uid}")), secret)
}

fn uid_of(order: &Value) -> &str {
    order["uid"].as_str().unwrap()
}

/// The `secret` query parameter of a sandbox page URL.
fn secret_in(page_url: &str) -> String {
    let url = url::Url::parse(page_url).unwrap();
    let secret = url.query_pairs().find(|(name, _)| name == "secret");
    secret.expect("the URL carries a secret").1.into_owned()
}

/// An order's payment secret derived as halshop derives it, from the key it keeps in the
/// database: base64url(HMAC-SHA256(key, "sandbox-payment:" + uid)).
async fn derived_secret(app: &TestApp, uid: &str) -> String {
    let key = entity::server_secret::Entity::find_by_id("sandbox_payment_key".to_owned())
        .one(&app.db)
        .await
        .unwrap()
        .expect("halshop keeps a sandbox payment key");
    let mut mac = Hmac::<Sha256>::new_from_slice(key.value.as_bytes()).unwrap();
    mac.update(format!("sandbox-payment:{uid}").as_bytes());
    URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
}

/// `secret` with its first character changed.
fn one_character_off(secret: &str) -> String {
    let first = if secret.starts_with('A') { "B" } else { "A" };
    format!("{first}{}", &secret[1..])
}

/// Turns the shop's merchant into one that sells for real.
async fn go_live(shop: &DigitalShop) {
    let merchant = entity::merchant::Entity::find()
        .filter(entity::merchant::Column::AppKey.eq(shop.merchant.app_key.clone()))
        .one(&shop.app.db)
        .await
        .unwrap()
        .unwrap();
    let mut live: entity::merchant::ActiveModel = merchant.into();
    live.sale_state = Set("live".into());
    live.update(&shop.app.db).await.unwrap();
}

/// Asserts the one 404 of the sandbox, and that it tells nothing of the order.
async fn assert_nothing_shown(response: Response, placed: &Placed) {
    let problem = assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let text = problem.to_string();
    let order = &placed.order;
    for detail in [
        ZOE.first_name,
        ZOE.last_name,
        order["reference"].as_str().unwrap(),
        &grand_total(order),
    ] {
        assert!(!text.contains(detail), "{detail} shown in {text}");
    }
}

/// Status, media type and body: everything a caller can compare between two answers.
async fn answer(response: Response) -> (StatusCode, String, String) {
    let media = header(&response, "content-type");
    (response.status(), media, response.text().await.unwrap())
}

#[tokio::test]
async fn the_sandbox_page_shows_the_amount_and_both_buttons() {
    let shop = digital_shop().await;
    let order = shop.place(&shop.one_epub()).await.order;
    let page = shop.app.get(&link(&order, "payment")).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(header(&page, "content-type").starts_with("text/html"));
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("{} EUR", grand_total(&order))), "{html}");
    assert!(html.contains("value=\"pay\"") && html.contains("value=\"decline\""));
}

#[tokio::test]
async fn the_sandbox_form_posts_back_to_the_page_with_its_secret() {
    let shop = digital_shop().await;
    let order = shop.place(&shop.one_epub()).await.order;
    let page_url = link(&order, "payment");
    let html = shop.app.get(&page_url).await.text().await.unwrap();
    let action = format!("action=\"{}\"", page_url.replace('&', "&amp;"));
    assert!(html.contains(&action), "{action} not in {html}");
}

#[tokio::test]
async fn the_payment_link_carries_the_secret_derived_from_the_server_key() {
    let shop = digital_shop().await;
    let order = shop.place(&shop.one_epub()).await.order;
    let secret = secret_in(&link(&order, "payment"));
    assert_eq!(secret, derived_secret(&shop.app, uid_of(&order)).await);
}

#[tokio::test]
async fn the_sandbox_page_without_a_secret_is_not_found_and_shows_no_buyer_details() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let page_url = with_secret(&link(&placed.order, "payment"), None);
    assert_nothing_shown(shop.app.get(&page_url).await, &placed).await;
}

#[tokio::test]
async fn the_sandbox_page_with_a_wrong_secret_is_not_found_and_shows_no_buyer_details() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let page_url = with_secret(&link(&placed.order, "payment"), Some(WRONG_SECRET));
    assert_nothing_shown(shop.app.get(&page_url).await, &placed).await;
}

#[tokio::test]
async fn a_wrong_secret_answers_byte_for_byte_as_for_an_order_that_does_not_exist() {
    let shop = digital_shop().await;
    let order = shop.place(&shop.one_epub()).await.order;
    let other = shop.place(&shop.one_epub()).await.order;
    let own = secret_in(&link(&order, "payment"));
    let unknown_uid = "0e5c5e3d0a6a4b6f9d1c2b3a49586776";
    let cases = [
        ("no secret", None),
        ("empty", Some(String::new())),
        ("not base64", Some("<script>".to_owned())),
        ("well formed", Some(WRONG_SECRET.to_owned())),
        ("one character off", Some(one_character_off(&own))),
        ("another order's", Some(secret_in(&link(&other, "payment")))),
        ("the order token", order["token"].as_str().map(str::to_owned)),
    ];
    for (case, secret) in cases {
        let at = |uid: &str| page_at(&shop.app, uid, secret.as_deref());
        let (status, media, body) = answer(shop.app.get(&at(uid_of(&order))).await).await;
        let unknown = answer(shop.app.get(&at(unknown_uid)).await).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{case}: {body}");
        let body = body.replace(uid_of(&order), unknown_uid);
        assert_eq!((status, media, body), unknown, "{case}");
    }
}

#[tokio::test]
async fn the_order_token_does_not_open_the_sandbox_page() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let page_url = with_secret(&link(&placed.order, "payment"), Some(&placed.token));
    assert_nothing_shown(shop.app.get(&page_url).await, &placed).await;
}

#[tokio::test]
async fn the_payment_secret_does_not_read_the_order() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let secret = secret_in(&link(&placed.order, "payment"));
    let response = shop.app.get_as(Who::OrderToken(&secret), &placed.url()).await;
    assert_nothing_shown(response, &placed).await;
}

#[tokio::test]
async fn paying_without_the_secret_is_not_found_and_leaves_the_order_unpaid() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let page_url = with_secret(&link(&placed.order, "payment"), None);
    assert_nothing_shown(decide(&shop.app, &page_url, "pay").await, &placed).await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn paying_with_a_wrong_secret_is_not_found_and_leaves_the_order_unpaid() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let page_url = with_secret(&link(&placed.order, "payment"), Some(WRONG_SECRET));
    assert_nothing_shown(decide(&shop.app, &page_url, "pay").await, &placed).await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn the_sandbox_pay_button_pays_and_returns_the_browser_to_the_shop() {
    let shop = digital_shop().await;
    let cart = shop
        .one_epub()
        .with("redirect_url", "https://books.example/thanks?x=1");
    let placed = shop.place(&cart).await;
    let response = decide(&shop.app, &link(&placed.order, "payment"), "pay").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = url::Url::parse(&header(&response, "location")).unwrap();
    assert_eq!(location.host_str(), Some("books.example"));
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["x"], "1");
    assert_eq!(query["result"], "sold");
    assert_eq!(query["order"], placed.url());
    assert_eq!(shop.status_of(&placed).await, "completed");
}

#[tokio::test]
async fn the_sandbox_refuses_to_pay_an_order_twice() {
    let shop = digital_shop().await;
    let cart = shop
        .one_epub()
        .with("redirect_url", "https://books.example/thanks?x=1");
    let order = shop.place(&cart).await.order;
    let page_url = link(&order, "payment");
    assert_eq!(
        decide(&shop.app, &page_url, "pay").await.status(),
        StatusCode::SEE_OTHER
    );
    let again = decide(&shop.app, &page_url, "pay").await;
    assert_problem(again, StatusCode::CONFLICT, "sandbox_refused").await;
}

#[tokio::test]
async fn the_sandbox_decline_button_leaves_the_order_unpaid() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let response = decide(&shop.app, &link(&placed.order, "payment"), "decline").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("declined"));
    assert_eq!(shop.status_of(&placed).await, "awaiting_payment");
}

#[tokio::test]
async fn a_live_order_has_no_payment_link() {
    let shop = digital_shop().await;
    go_live(&shop).await;
    let placed = shop.place(&shop.one_epub()).await;
    let order = placed.read(&shop.app).await;
    assert_eq!(order["sale_state"], "live");
    assert_eq!(order["status"], "awaiting_payment");
    assert!(order["_links"].get("payment").is_none(), "{order}");
}

#[tokio::test]
async fn a_live_orders_sandbox_page_is_not_found_even_with_its_derived_secret() {
    let shop = digital_shop().await;
    go_live(&shop).await;
    let placed = shop.place(&shop.one_epub()).await;
    let uid = uid_of(&placed.order);
    let secret = derived_secret(&shop.app, uid).await;
    let page_url = page_at(&shop.app, uid, Some(&secret));
    assert_nothing_shown(shop.app.get(&page_url).await, &placed).await;
}

#[tokio::test]
async fn a_live_order_cannot_be_paid_in_the_sandbox_even_with_its_derived_secret() {
    let shop = digital_shop().await;
    go_live(&shop).await;
    let placed = shop.place(&shop.one_epub()).await;
    let uid = uid_of(&placed.order);
    let secret = derived_secret(&shop.app, uid).await;
    let page_url = page_at(&shop.app, uid, Some(&secret));
    assert_nothing_shown(decide(&shop.app, &page_url, "pay").await, &placed).await;
    shop.assert_unpaid(&placed).await;
}
