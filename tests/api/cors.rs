use reqwest::{Method, StatusCode};

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn a_preflight_from_an_allowed_origin_is_answered_with_the_shop_headers() {
    let app = spawn_app_with(|settings| settings.cors_origins = vec!["https://books.example".into()]).await;
    let response = app
        .client
        .request(Method::OPTIONS, app.url("/products"))
        .header("origin", "https://books.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type, order-token, cognito-token, authorization, idempotency-key, if-match, if-none-match")
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
    let headers = response.headers();
    assert_eq!(headers["access-control-allow-origin"], "https://books.example");
    let allowed = headers["access-control-allow-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in [
        "order-token",
        "cognito-token",
        "authorization",
        "idempotency-key",
        "if-match",
        "if-none-match",
    ] {
        assert!(allowed.contains(header), "{header} not in {allowed}");
    }

    let response = app
        .client
        .get(app.url("/products"))
        .header("origin", "https://books.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let exposed = response.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_lowercase();
    for header in ["order-token", "location", "etag"] {
        assert!(exposed.contains(header), "{header} not in {exposed}");
    }

    let response = app
        .client
        .get(app.url("/nope"))
        .header("origin", "https://books.example")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "https://books.example",
        "errors are readable too"
    );
}

#[tokio::test]
async fn another_origin_gets_no_cors_grant() {
    let app = spawn_app_with(|settings| settings.cors_origins = vec!["https://books.example".into()]).await;
    let response = app
        .client
        .request(Method::OPTIONS, app.url("/products"))
        .header("origin", "https://evil.example")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get("access-control-allow-origin").is_none());
}

#[tokio::test]
async fn a_wildcard_allows_any_origin() {
    let app = spawn_app_with(|settings| settings.cors_origins = vec!["*".into()]).await;
    let response = app
        .client
        .get(app.url("/"))
        .header("origin", "http://localhost:5173")
        .send()
        .await
        .unwrap();
    let allowed = response.headers()["access-control-allow-origin"]
        .to_str()
        .unwrap();
    assert!(allowed == "*" || allowed == "http://localhost:5173", "{allowed}");
}
