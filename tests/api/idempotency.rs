use chrono::Utc;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ActiveValue::Set};
use serde_json::Value;

use crate::helpers::{MerchantCredentials, TestApp, Who, assert_problem, ebook, send, spawn_app};

/// `POST /products` with an `Idempotency-Key`, as `who`.
async fn post_keyed(app: &TestApp, who: Who<'_>, key: &str, body: &Value) -> reqwest::Response {
    let request = app.request(reqwest::Method::POST, "/products", who);
    send(request.header("idempotency-key", key).json(body)).await
}

async fn post_with_key(
    app: &TestApp,
    merchant: &MerchantCredentials,
    key: &str,
    body: &Value,
) -> reqwest::Response {
    post_keyed(app, Who::Merchant(merchant), key, body).await
}

#[tokio::test]
async fn a_retry_with_the_same_key_and_body_replays_the_first_response() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let first = post_with_key(&app, &merchant, "create-book-1", &ebook(1)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let location = first.headers()["location"].clone();
    let first: Value = first.json().await.unwrap();

    let again = post_with_key(&app, &merchant, "create-book-1", &ebook(1)).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(again.headers()["location"], location);
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_eq!(again.headers()["content-type"], "application/hal+json");
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);

    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 1, "created once");
}

#[tokio::test]
async fn a_refused_request_is_replayed_as_refused() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut bad = ebook(1);
    bad["isbn"] = Value::from("9780306406158");
    let first = post_with_key(&app, &merchant, "bad-1", &bad).await;
    assert_problem(first, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let again = post_with_key(&app, &merchant, "bad-1", &bad).await;
    assert_eq!(again.headers()["idempotent-replayed"], "true");
    assert_problem(again, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn the_same_key_with_another_body_is_refused_and_changes_nothing() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let first = post_with_key(&app, &merchant, "k-1", &ebook(1)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let other = post_with_key(&app, &merchant, "k-1", &ebook(2)).await;
    assert_problem(other, StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused").await;
    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 1);
}

#[tokio::test]
async fn keys_of_different_merchants_do_not_collide() {
    let app = spawn_app().await;
    let one = app.merchant().await;
    let two = app.merchant_named("Another shop").await;
    assert_eq!(
        post_with_key(&app, &one, "same", &ebook(1)).await.status(),
        StatusCode::CREATED
    );
    let response = post_with_key(&app, &two, "same", &ebook(2)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert!(response.headers().get("idempotent-replayed").is_none());
}

#[tokio::test]
async fn a_retry_while_the_first_request_runs_is_a_409() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    // Find the scope the server derives for this merchant by making one keyed request.
    let first = post_with_key(&app, &merchant, "probe", &ebook(9)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let probe = entity::idempotency_key::Entity::find()
        .filter(entity::idempotency_key::Column::Key.eq("probe"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    entity::idempotency_key::ActiveModel {
        scope: Set(probe.scope.clone()),
        key: Set("running".into()),
        request_hash: Set("0".repeat(64)),
        response_status: Set(None),
        response_headers: Set(None),
        response_body: Set(None),
        created_at: Set(Utc::now()),
        claim: Set("running".into()),
        committed_at: Set(None),
        effect_path: Set(None),
        effect_status: Set(None),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    // Same key, but the stored fingerprint differs: a different body is refused first.
    let response = post_with_key(&app, &merchant, "running", &ebook(1)).await;
    assert_problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "idempotency_key_reused",
    )
    .await;

    let mut row: entity::idempotency_key::ActiveModel = entity::idempotency_key::Entity::find()
        .filter(entity::idempotency_key::Column::Key.eq("running"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.request_hash = Set(probe.request_hash.clone());
    row.update(&app.db).await.unwrap();
    let response = post_with_key(&app, &merchant, "running", &ebook(9)).await;
    assert_eq!(response.headers()["retry-after"], "1");
    assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_flight").await;
}

#[tokio::test]
async fn a_malformed_key_is_refused() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let long = "k".repeat(256);
    let response = post_with_key(&app, &merchant, &long, &ebook(1)).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;
    let response = post_with_key(&app, &merchant, "has space", &ebook(1)).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;
    let anonymous = post_keyed(&app, Who::Anonymous, &long, &ebook(1)).await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 0);
}

#[tokio::test]
async fn concurrent_requests_with_one_key_create_one_product() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let body = ebook(1);
    let requests = (0..8).map(|_| post_with_key(&app, &merchant, "race", &body));
    let responses = futures::future::join_all(requests).await;
    let mut created = 0;
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::CONFLICT => {
                assert_problem(response, StatusCode::CONFLICT, "idempotency_key_in_flight").await;
            }
            other => panic!("unexpected {other}"),
        }
    }
    assert!(created >= 1);
    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 1);
}

#[tokio::test]
async fn an_unauthenticated_attempt_does_not_use_up_the_key() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    for n in [1, 2] {
        let anonymous = post_keyed(&app, Who::Anonymous, "k-anon", &ebook(n)).await;
        assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
    let wrong = merchant.with_wrong_secret();
    assert_problem(
        post_with_key(&app, &wrong, "k-1", &ebook(1)).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    assert_eq!(
        post_with_key(&app, &merchant, "k-1", &ebook(1)).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn an_empty_or_unreadable_key_is_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    for key in [&b""[..], "clé".as_bytes()] {
        let value = reqwest::header::HeaderValue::from_bytes(key).unwrap();
        let request = app.request(reqwest::Method::POST, "/products", Who::Merchant(&merchant));
        let response = send(request.header("idempotency-key", value).json(&ebook(1))).await;
        assert_problem(response, StatusCode::BAD_REQUEST, "idempotency_key_invalid").await;
    }
    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 0);
}

#[tokio::test]
async fn a_key_older_than_a_day_is_forgotten_and_can_be_used_again() {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let first = post_with_key(&app, &merchant, "yesterday", &ebook(1)).await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let mut row: entity::idempotency_key::ActiveModel = entity::idempotency_key::Entity::find()
        .filter(entity::idempotency_key::Column::Key.eq("yesterday"))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.created_at = Set(Utc::now() - chrono::Duration::hours(25));
    row.update(&app.db).await.unwrap();

    let again = post_with_key(&app, &merchant, "yesterday", &ebook(2)).await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert!(again.headers().get("idempotent-replayed").is_none());
    let created: Value = again.json().await.unwrap();
    assert_eq!(created["title"], ebook(2)["title"]);
    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 2);
}
