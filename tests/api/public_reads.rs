//! Anonymous catalogue reads are answered from short-lived copies: a write through the
//! server shows at once, and nothing personal is ever served from a copy.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    Who, ebook, etag_of, expect_json,
    orders::{NOOR, cart, place_order},
    spawn_app, ticket,
};

#[tokio::test]
async fn a_product_changed_by_its_merchant_is_shown_changed_to_the_next_anonymous_reader() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;
    let url = product["_links"]["self"]["href"].as_str().unwrap();
    let before = app.get_json(Who::Anonymous, url).await;
    assert_eq!(before["title"], ebook(1)["title"]);

    let mut changed = ebook(1);
    changed["title"] = Value::from("A new title");
    let response = app
        .put_current(Who::Anonymous, Who::Merchant(&merchant), url, &changed)
        .await;
    expect_json(response, StatusCode::OK).await;

    let after = app.get_json(Who::Anonymous, url).await;
    assert_eq!(after["title"], "A new title");
    let page = app.get_json(Who::Anonymous, "/products").await;
    assert_eq!(page["_embedded"]["shop:products"][0]["title"], "A new title");
}

#[tokio::test]
async fn a_repeated_anonymous_read_answers_the_same_representation_and_etag() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    app.create_product(&merchant, &ebook(1)).await;
    let first = app.get("/products").await;
    let second = app.get("/products").await;
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(etag_of(&first), etag_of(&second));
    assert_eq!(first.text().await.unwrap(), second.text().await.unwrap());
}

#[tokio::test]
async fn a_merchant_reading_after_an_anonymous_reader_still_gets_the_merchant_actions() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;
    let url = product["_links"]["self"]["href"].as_str().unwrap();
    let hal_forms = "application/prs.hal-forms+json";
    let anonymous = app
        .request(reqwest::Method::GET, url, Who::Anonymous)
        .header("accept", hal_forms)
        .send()
        .await
        .unwrap();
    let anonymous: Value = anonymous.json().await.unwrap();
    assert!(anonymous.get("_templates").is_none(), "{anonymous}");
    let as_merchant = app
        .request(reqwest::Method::GET, url, Who::Merchant(&merchant))
        .header("accept", hal_forms)
        .send()
        .await
        .unwrap();
    let as_merchant: Value = as_merchant.json().await.unwrap();
    assert!(as_merchant["_templates"].is_object(), "{as_merchant}");
}

#[tokio::test]
async fn a_cart_priced_after_a_price_change_is_billed_at_the_new_price() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;
    let url = product["_links"]["self"]["href"].as_str().unwrap();
    let cart = serde_json::json!({
        "products": [{"product": url, "quantity": 1}],
        "consumer": {"email": "zoe@example.com", "first_name": "Zoé", "last_name": "Roy", "country": "NL"}
    });
    let before = expect_json(
        app.post_json(Who::Anonymous, "/bill", &cart).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(before["grand_total"]["amount"], "12.50", "{before}");

    let mut changed = ebook(1);
    changed["price"]["amount"] = Value::from("9.99");
    let response = app
        .put_current(Who::Anonymous, Who::Merchant(&merchant), url, &changed)
        .await;
    expect_json(response, StatusCode::OK).await;

    let after = expect_json(
        app.post_json(Who::Anonymous, "/bill", &cart).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(after["grand_total"]["amount"], "9.99", "{after}");
}

#[tokio::test]
async fn places_taken_by_an_order_show_in_the_next_anonymous_read_of_the_ticket() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut body = ticket(1);
    body["capacity"] = Value::from(10);
    let product = app.create_product_href(&merchant, &body).await;
    let before = app.get_json(Who::Anonymous, &product).await;
    assert_eq!(before["available_places"], 10, "{before}");
    place_order(&app, &cart(NOOR).line(&product, 2)).await;
    let after = app.get_json(Who::Anonymous, &product).await;
    assert_eq!(after["available_places"], 8, "{after}");
}
