//! One `Idempotency-Key`, one effect, ever: after a crash between the commit and the answer,
//! after a retry takes a dead request's key over, and when another guest sends the same key.

use chrono::{Duration, Utc};
use entity::idempotency_key::{self, Column};
use halshop::effect::{self, Claim, Effect};
use reqwest::{Response, StatusCode};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, Who, expect_json, header,
    identity::customer_token,
    money,
    orders::{Cart, shop},
    send,
};

async fn post_keyed(app: &TestApp, who: Who<'_>, path: &str, key: &str, body: &Value) -> Response {
    let request = app.request(reqwest::Method::POST, path, who);
    send(request.header("idempotency-key", key).json(body)).await
}

async fn order_keyed(app: &TestApp, who: Who<'_>, key: &str, cart: &Cart) -> Response {
    post_keyed(app, who, "/orders", key, cart.body()).await
}

/// Leaves the key as a server that stopped right after committing would: no stored answer,
/// and a claim old enough to look abandoned.
async fn lose_the_answer(app: &TestApp, key: &str) {
    let updated = idempotency_key::Entity::update_many()
        .col_expr(Column::ResponseStatus, Expr::value(Option::<i32>::None))
        .col_expr(Column::ResponseHeaders, Expr::value(Option::<String>::None))
        .col_expr(Column::ResponseBody, Expr::value(Option::<String>::None))
        .col_expr(Column::CreatedAt, Expr::value(Utc::now() - Duration::minutes(5)))
        .filter(Column::Key.eq(key))
        .exec(&app.db)
        .await
        .unwrap();
    assert_eq!(updated.rows_affected, 1);
}

async fn stored_keys(app: &TestApp) -> Vec<idempotency_key::Model> {
    idempotency_key::Entity::find().all(&app.db).await.unwrap()
}

#[tokio::test]
async fn an_order_committed_but_never_answered_is_not_placed_again_on_retry() {
    let shop = shop().await;
    let cart = shop.one_ebook();
    let first = order_keyed(&shop.app, Who::Anonymous, "checkout-1", &cart).await;
    let location = header(&first, "location");
    expect_json(first, StatusCode::CREATED).await;
    lose_the_answer(&shop.app, "checkout-1").await;

    let again = order_keyed(&shop.app, Who::Anonymous, "checkout-1", &cart).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(header(&again, "location"), location);
    assert_eq!(header(&again, "idempotent-replayed"), "true");
    assert_eq!(shop.order_count("").await, 1);
}

#[tokio::test]
async fn a_voucher_committed_but_never_answered_is_issued_once() {
    let shop = shop().await;
    let body = json!({"amount": money("50.00", "CAD")});
    let first = post_keyed(&shop.app, shop.as_merchant(), "/vouchers", "gift-42", &body).await;
    let first = expect_json(first, StatusCode::CREATED).await;
    lose_the_answer(&shop.app, "gift-42").await;

    let again = post_keyed(&shop.app, shop.as_merchant(), "/vouchers", "gift-42", &body).await;
    let again = expect_json(again, StatusCode::CREATED).await;
    assert_eq!(again["code"], first["code"]);
    let vouchers = entity::voucher::Entity::find().all(&shop.app.db).await.unwrap();
    assert_eq!(vouchers.len(), 1, "one key, one voucher");
}

#[tokio::test]
async fn another_guest_with_the_same_key_never_receives_the_first_guests_token() {
    let shop = shop().await;
    let cart = shop.one_ebook();
    let first = order_keyed(&shop.app, Who::Anonymous, "shared-key", &cart).await;
    let location = header(&first, "location");
    let token = expect_json(first, StatusCode::CREATED).await["token"]
        .as_str()
        .unwrap()
        .to_owned();

    let other = order_keyed(&shop.app, Who::Anonymous, "shared-key", &cart).await;
    assert_eq!(other.status(), StatusCode::CREATED);
    assert!(other.headers().get("order-token").is_none());
    assert_eq!(header(&other, "cache-control"), "no-store");
    let text = other.text().await.unwrap();
    assert!(!text.contains(&token), "the token is given once: {text}");
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["_links"]["self"]["href"], location.as_str());
    assert!(body["notice"].as_str().unwrap().contains("given only then"));
    assert_eq!(shop.app.get(&location).await.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_idempotency_store_never_keeps_an_order_token() {
    let shop = shop().await;
    let first = order_keyed(&shop.app, Who::Anonymous, "checkout-2", &shop.one_ebook()).await;
    let token = header(&first, "order-token");
    let keys = stored_keys(&shop.app).await;
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0].response_status, Some(201));
    assert_eq!(keys[0].response_body, None);
    assert!(!format!("{:?}", keys[0]).contains(&token));
}

#[tokio::test]
async fn a_customers_retry_gets_the_order_back_without_its_token() {
    let shop = shop().await;
    let bearer = customer_token(&shop.app, "customer-7").await;
    let cart = shop.one_ebook();
    let first = order_keyed(&shop.app, Who::Bearer(&bearer), "checkout-3", &cart).await;
    let first = expect_json(first, StatusCode::CREATED).await;

    let again = order_keyed(&shop.app, Who::Bearer(&bearer), "checkout-3", &cart).await;
    assert!(again.headers().get("order-token").is_none());
    let again = expect_json(again, StatusCode::CREATED).await;
    assert_eq!(again["uid"], first["uid"]);
    assert_eq!(again["grand_total"], first["grand_total"]);
    assert!(again.get("token").is_none());
    assert!(again["notice"].as_str().is_some());
    assert_eq!(shop.order_count("").await, 1);
}

#[tokio::test]
async fn a_key_whose_request_died_before_committing_runs_its_request_once() {
    let shop = shop().await;
    let cart = shop.one_ebook();
    let first = order_keyed(&shop.app, Who::Anonymous, "checkout-4", &cart).await;
    expect_json(first, StatusCode::CREATED).await;
    // The same key and body, claimed long ago by a request that committed nothing.
    let claimed = stored_keys(&shop.app).await.remove(0);
    idempotency_key::ActiveModel {
        key: Set("checkout-5".into()),
        created_at: Set(Utc::now() - Duration::minutes(5)),
        claim: Set("dead".into()),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        committed_at: Set(None),
        effect_path: Set(None),
        effect_status: Set(None),
        request_hash: Set(claimed.request_hash.clone()),
        scope: Set(claimed.scope.clone()),
        ..Default::default()
    }
    .insert(&shop.app.db)
    .await
    .unwrap();

    let retry = order_keyed(&shop.app, Who::Anonymous, "checkout-5", &cart).await;
    assert_eq!(retry.status(), StatusCode::CREATED);
    assert!(retry.headers().get("idempotent-replayed").is_none());
    assert_eq!(shop.order_count("").await, 2);
}

#[tokio::test]
async fn a_request_whose_key_was_taken_over_commits_nothing() {
    let shop = shop().await;
    let app = &shop.app;
    let row = idempotency_key::ActiveModel {
        scope: Set("test".into()),
        key: Set("slow".into()),
        request_hash: Set("0".repeat(64)),
        created_at: Set(Utc::now()),
        claim: Set("first".into()),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        committed_at: Set(None),
        effect_path: Set(None),
        effect_status: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    // A retry took the key over while the first request was still working.
    let mut taken: idempotency_key::ActiveModel = row.clone().into();
    taken.claim = Set("second".into());
    taken.update(&app.db).await.unwrap();

    let merchant_id = entity::merchant::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let amount = halshop::domain::money::Money::parse("50.00", "CAD").unwrap();
    let claim = Claim::new(row.id, "first".into());
    let committed = effect::holding(claim.clone(), async {
        let txn = halshop::db::begin_write(&app.db).await?;
        let voucher = halshop::domain::vouchers::issue(&txn, merchant_id, amount, "merchant").await?;
        effect::commit(txn, Effect::created("vouchers", &voucher.code)).await
    })
    .await;
    assert!(committed.is_err(), "the first request must not commit");
    assert_eq!(claim.outcome(), effect::Outcome::Lost);
    let vouchers = entity::voucher::Entity::find().all(&app.db).await.unwrap();
    assert!(vouchers.is_empty(), "its effect was rolled back");
}
