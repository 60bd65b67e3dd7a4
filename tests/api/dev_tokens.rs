//! The development identity provider's sign-in: `POST /dev/tokens`, linked from the root
//! only while that provider is active.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{Who, assert_problem, expect_json, link, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_development_token_signs_in_the_customer_it_names() {
    let app = spawn_app().await;
    let root = app.get_json(Who::Anonymous, "/").await;
    let body = json!({"sub": "alice", "email": "alice@example.com"});
    let created = app
        .post_json(Who::Anonymous, &link(&root, "shop:dev_tokens"), &body)
        .await;
    assert_eq!(created.headers()["cache-control"], "no-store");
    let token = expect_json(created, StatusCode::CREATED).await;
    assert_eq!(token["token_type"], "Bearer");
    let me = app
        .get_json(Who::Bearer(token["access_token"].as_str().unwrap()), "/me")
        .await;
    assert_eq!(
        (me["customer_id"].as_str(), me["email"].as_str()),
        (Some("alice"), Some("alice@example.com"))
    );
}

#[tokio::test]
async fn a_malformed_customer_id_is_refused_naming_it() {
    let app = spawn_app().await;
    let refused = app
        .post_json(Who::Anonymous, "/dev/tokens", &json!({"sub": "no spaces"}))
        .await;
    assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

#[tokio::test]
async fn with_a_real_identity_provider_there_is_no_development_sign_in() {
    let app = spawn_app_with(|settings| {
        settings.cognito_issuer = Some("https://idp.example.com/pool".into());
        settings.cognito_client_ids = vec!["web".into()];
    })
    .await;
    let root = app.get_json(Who::Anonymous, "/").await;
    assert!(root["_links"].get("shop:dev_tokens").is_none(), "{root}");
    let refused = app
        .post_json(Who::Anonymous, "/dev/tokens", &json!({"sub": "alice"}))
        .await;
    assert_problem(refused, StatusCode::NOT_FOUND, "not_found").await;
}
