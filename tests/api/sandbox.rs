//! The sandbox payment page that stands in for a payment provider.

use reqwest::{Method, Response, StatusCode};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

use crate::helpers::{
    TestApp, Who, assert_problem, header, link,
    orders::grand_total,
    sales::{DigitalShop, digital_shop},
    send,
};

async fn decide(app: &TestApp, page_url: &str, decision: &str) -> Response {
    let request = app.request(Method::POST, page_url, Who::Anonymous);
    send(request.form(&[("decision", decision)])).await
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
async fn the_sandbox_refuses_live_sales() {
    let shop = digital_shop().await;
    go_live(&shop).await;
    let order = shop.place(&shop.one_epub()).await.order;
    assert_eq!(order["sale_state"], "live");
    let page_url = link(&order, "payment");
    let page = shop.app.get(&page_url).await.text().await.unwrap();
    assert!(page.contains("live sale"), "{page}");
    let response = decide(&shop.app, &page_url, "pay").await;
    assert_problem(response, StatusCode::CONFLICT, "sandbox_refused").await;
}
