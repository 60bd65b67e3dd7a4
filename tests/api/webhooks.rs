//! Webhook endpoints and delivery: a real receiver verifies every message with its own
//! Standard Webhooks verifier; failures are retried, logged, given up after the (shortened)
//! window, and sent again on request.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    MerchantCredentials, TestApp, Who, assert_problem, assert_problem_at, etag_of, json_of,
    orders::{capture, notify},
    receiver::{Receiver, nobody_listening},
    sales::{DigitalShop, digital_shop_with},
    send,
};

/// Retries in milliseconds and a 3-day window of about 26 s.
pub const FAST: f64 = 0.0001;
/// A 3-day window of about 5 s.
pub const VERY_FAST: f64 = 0.00002;

/// A shop whose development server accepts http and loopback webhook targets, retrying at
/// `scale`.
pub async fn webhook_shop(scale: f64) -> DigitalShop {
    digital_shop_with(|settings| {
        settings.allow_http_webhooks = true;
        settings.webhook_retry_scale = scale;
    })
    .await
}

/// Creates an endpoint of `merchant` for `url`; answers the representation (with its secret).
pub async fn create_endpoint(
    app: &TestApp,
    merchant: &MerchantCredentials,
    url: &str,
    types: Value,
) -> Value {
    let body = json!({"url": url, "description": "Back office", "event_types": types});
    let response = app
        .post_json(Who::Merchant(merchant), "/webhook_endpoints", &body)
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    json_of(response).await
}

/// Sells one EPUB: an `order.completed` event. Answers the order.
pub async fn sell(shop: &DigitalShop) -> Value {
    let placed = shop.place(&shop.one_epub()).await;
    let paid = notify(
        &shop.app,
        &capture(&placed.order, &format!("psp_{}", placed.order["uid"])),
    )
    .await;
    assert_eq!(paid.status(), StatusCode::OK);
    placed.order
}

/// The endpoint's delivery log once its first delivery is in `status` (up to `seconds`).
pub async fn log_when(app: &TestApp, who: Who<'_>, endpoint: &Value, status: &str, seconds: u64) -> Value {
    let url = endpoint["_links"]["self"]["href"].as_str().unwrap().to_owned() + "/deliveries";
    let mut log = Value::Null;
    for _ in 0..seconds * 10 {
        log = app.get_json(who, &url).await;
        if log["_embedded"]["shop:webhook_deliveries"][0]["status"] == status {
            return log;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no delivery became {status}: {log}");
}

#[tokio::test]
async fn an_event_is_delivered_on_the_third_attempt_after_two_500s_and_the_log_shows_three_attempts() {
    let shop = webhook_shop(FAST).await;
    let receiver = Receiver::start(2).await;
    let endpoint = create_endpoint(&shop.app, &shop.merchant, &receiver.url("/hooks"), json!([])).await;
    receiver.trust(endpoint["secret"].as_str().unwrap());
    let order = sell(&shop).await;
    let log = log_when(
        &shop.app,
        Who::Merchant(&shop.merchant),
        &endpoint,
        "delivered",
        30,
    )
    .await;
    let delivery = &log["_embedded"]["shop:webhook_deliveries"][0];
    assert_eq!(delivery["attempt_count"], 3, "{delivery}");
    let codes: Vec<&Value> = delivery["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| &a["status_code"])
        .collect();
    assert_eq!(codes, [&json!(500), &json!(500), &json!(200)]);
    assert!(delivery["attempts"][0]["latency_ms"].is_i64());
    assert_eq!(delivery["event_type"], "order.completed");
    let received = receiver.received();
    assert_eq!(received.len(), 3);
    assert!(
        received
            .iter()
            .all(|message| message.verified && message.id == received[0].id)
    );
    assert_eq!(received[0].id, delivery["event_uid"]);
    let body = &received[2].body;
    assert_eq!(body["type"], "order.completed");
    assert!(chrono::DateTime::parse_from_rfc3339(body["timestamp"].as_str().unwrap()).is_ok());
    assert_eq!(
        body["data"]["_links"]["self"]["href"],
        shop.app
            .url(&format!("/orders/{}", order["uid"].as_str().unwrap()))
    );
    assert_eq!(body["data"]["transaction_id"], order["transaction_id"]);
}

#[tokio::test]
async fn the_webhook_timestamp_is_the_time_of_the_attempt() {
    let shop = webhook_shop(FAST).await;
    let receiver = Receiver::start(0).await;
    let endpoint = create_endpoint(&shop.app, &shop.merchant, &receiver.url("/hooks"), json!([])).await;
    receiver.trust(endpoint["secret"].as_str().unwrap());
    sell(&shop).await;
    let received = receiver.wait_for(20, |r| !r.is_empty()).await;
    let now = chrono::Utc::now().timestamp();
    assert!(
        (now - received[0].timestamp).abs() < 60,
        "{}",
        received[0].timestamp
    );
    assert_eq!(received[0].signatures.len(), 1);
}

#[tokio::test]
async fn a_receiver_down_for_the_whole_window_gets_failed_and_the_endpoint_disabled_then_a_redelivery_sends_it()
 {
    let shop = webhook_shop(VERY_FAST).await;
    let merchant = Who::Merchant(&shop.merchant);
    let endpoint = create_endpoint(&shop.app, &shop.merchant, &nobody_listening().await, json!([])).await;
    sell(&shop).await;
    let log = log_when(&shop.app, merchant, &endpoint, "failed", 40).await;
    let delivery = &log["_embedded"]["shop:webhook_deliveries"][0];
    let attempts = delivery["attempts"].as_array().unwrap();
    assert!(attempts.len() >= 3, "{delivery}");
    assert!(
        attempts
            .iter()
            .all(|a| a["status_code"].is_null() && a["error"] == "cannot connect"),
        "{delivery}"
    );
    assert!(delivery.get("next_attempt_at").is_none(), "{delivery}");
    let url = endpoint["_links"]["self"]["href"].as_str().unwrap();
    let disabled = shop.app.get_json(merchant, url).await;
    assert_eq!(disabled["enabled"], false, "{disabled}");
    assert!(
        disabled["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("failed for 3 days")
    );

    let receiver = Receiver::start(0).await;
    receiver.trust(endpoint["secret"].as_str().unwrap());
    let moved = json!({"url": receiver.url("/hooks"), "description": "Back office", "enabled": true});
    let response = shop.app.put_current(merchant, merchant, url, &moved).await;
    assert_eq!(response.status(), StatusCode::OK);
    let redeliveries = delivery["_links"]["shop:redeliveries"]["href"].as_str().unwrap();
    let response = shop.app.post_json(merchant, redeliveries, &json!({})).await;
    assert_eq!(response.status(), StatusCode::ACCEPTED);
    let planned = json_of(response).await;
    assert_eq!(planned["deliveries"][0]["status"], "pending", "{planned}");
    let received = receiver.wait_for(20, |r| !r.is_empty()).await;
    assert!(received[0].verified);
    assert_eq!(received[0].id, delivery["event_uid"]);
    log_when(&shop.app, merchant, &endpoint, "delivered", 20).await;
}

#[tokio::test]
async fn after_a_rotation_messages_carry_signatures_by_the_new_and_the_old_secret() {
    let shop = webhook_shop(FAST).await;
    let receiver = Receiver::start(0).await;
    let endpoint = create_endpoint(&shop.app, &shop.merchant, &receiver.url("/hooks"), json!([])).await;
    let old = endpoint["secret"].as_str().unwrap().to_owned();
    let rotations = endpoint["_links"]["shop:secret_rotations"]["href"]
        .as_str()
        .unwrap();
    let response = shop
        .app
        .post_json(Who::Merchant(&shop.merchant), rotations, &json!({}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let rotated = json_of(response).await;
    let new = rotated["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert!(rotated["previous_secret_expires_at"].is_string(), "{rotated}");
    receiver.trust(&old);
    sell(&shop).await;
    let received = receiver.wait_for(20, |r| !r.is_empty()).await;
    assert!(received[0].verified, "the old secret still verifies");
    assert_eq!(received[0].signatures.len(), 2);
    let message = &received[0];
    let body = message.body.to_string();
    let header = message.signatures.join(" ");
    let ts = message.timestamp.to_string();
    assert!(crate::helpers::receiver::verifies(
        &new,
        &message.id,
        &ts,
        body.as_bytes(),
        &header
    ));
}

#[tokio::test]
async fn an_endpoint_gets_only_the_event_types_it_asked_for() {
    let shop = webhook_shop(FAST).await;
    let receiver = Receiver::start(0).await;
    let endpoint = create_endpoint(
        &shop.app,
        &shop.merchant,
        &receiver.url("/hooks"),
        json!(["refund.*"]),
    )
    .await;
    assert_eq!(endpoint["event_types"], json!(["refund.*"]));
    sell(&shop).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(receiver.received().is_empty());
    let log = shop
        .app
        .get_json(
            Who::Merchant(&shop.merchant),
            &format!(
                "{}/deliveries",
                endpoint["_links"]["self"]["href"].as_str().unwrap()
            ),
        )
        .await;
    assert_eq!(log["item_count"], 0, "{log}");
}

#[tokio::test]
async fn the_secret_is_shown_at_creation_only() {
    let shop = webhook_shop(FAST).await;
    let endpoint = create_endpoint(
        &shop.app,
        &shop.merchant,
        "https://hooks.example.com/a",
        json!([]),
    )
    .await;
    let secret = endpoint["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    let read = shop
        .app
        .get_json(
            Who::Merchant(&shop.merchant),
            endpoint["_links"]["self"]["href"].as_str().unwrap(),
        )
        .await;
    assert!(read.get("secret").is_none(), "{read}");
    assert_eq!(read["url"], "https://hooks.example.com/a");
    assert_eq!(read["enabled"], true);
    let templates = read["_templates"].as_object().unwrap();
    for key in ["edit", "delete", "rotate_secret"] {
        assert!(templates.contains_key(key), "{key}: {read}");
    }
    assert_eq!(templates["delete"]["method"], "DELETE");
    let listed = shop
        .app
        .get_json(Who::Merchant(&shop.merchant), "/webhook_endpoints")
        .await;
    assert_eq!(listed["item_count"], 1);
    assert!(
        listed["_embedded"]["shop:webhook_endpoints"][0]
            .get("secret")
            .is_none()
    );
}

#[tokio::test]
async fn a_webhook_endpoint_refuses_a_loopback_private_or_plain_http_url() {
    let shop = crate::helpers::sales::digital_shop().await;
    for url in [
        "https://127.0.0.1/hooks",
        "https://localhost/hooks",
        "https://10.0.0.8/hooks",
        "https://169.254.169.254/latest",
        "https://[::1]/hooks",
        "http://hooks.example.com/",
    ] {
        let response = shop
            .app
            .post_json(
                Who::Merchant(&shop.merchant),
                "/webhook_endpoints",
                &json!({"url": url}),
            )
            .await;
        assert_problem_at(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url_refused",
            "/url",
        )
        .await;
    }
    let listed = shop
        .app
        .get_json(Who::Merchant(&shop.merchant), "/webhook_endpoints")
        .await;
    assert_eq!(listed["item_count"], 0);
}

#[tokio::test]
async fn a_bad_event_type_filter_is_refused_naming_it() {
    let shop = webhook_shop(FAST).await;
    let body = json!({"url": "https://hooks.example.com/", "event_types": ["order.completed", "Not a type"]});
    let response = shop
        .app
        .post_json(Who::Merchant(&shop.merchant), "/webhook_endpoints", &body)
        .await;
    assert_problem_at(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        "/event_types/1",
    )
    .await;
}

#[tokio::test]
async fn replacing_an_endpoint_needs_its_current_etag() {
    let shop = webhook_shop(FAST).await;
    let merchant = Who::Merchant(&shop.merchant);
    let endpoint = create_endpoint(
        &shop.app,
        &shop.merchant,
        "https://hooks.example.com/a",
        json!([]),
    )
    .await;
    let url = endpoint["_links"]["self"]["href"].as_str().unwrap();
    let body = json!({"url": "https://hooks.example.com/b"});
    let response = shop.app.put_json(merchant, url, &body).await;
    assert_problem(
        response,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    let stale = shop
        .app
        .request(Method::PUT, url, merchant)
        .header("if-match", "\"0000-v9\"")
        .json(&body);
    assert_problem(
        send(stale).await,
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    let read = shop.app.get_as(merchant, url).await;
    let etag = etag_of(&read);
    let mut edited = json_of(read).await;
    edited["url"] = "https://hooks.example.com/b".into();
    edited["enabled"] = false.into();
    let response = send(
        shop.app
            .request(Method::PUT, url, merchant)
            .header("if-match", etag)
            .json(&edited),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let replaced = json_of(response).await;
    assert_eq!(replaced["url"], "https://hooks.example.com/b");
    assert_eq!(replaced["enabled"], false);
}

#[tokio::test]
async fn a_deleted_endpoint_is_gone() {
    let shop = webhook_shop(FAST).await;
    let merchant = Who::Merchant(&shop.merchant);
    let endpoint = create_endpoint(
        &shop.app,
        &shop.merchant,
        "https://hooks.example.com/a",
        json!([]),
    )
    .await;
    let url = endpoint["_links"]["self"]["href"].as_str().unwrap();
    let response = send(shop.app.request(Method::DELETE, url, merchant)).await;
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    assert_problem(
        shop.app.get_as(merchant, url).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn webhook_endpoints_need_merchant_credentials() {
    let shop = webhook_shop(FAST).await;
    let endpoint = create_endpoint(
        &shop.app,
        &shop.merchant,
        "https://hooks.example.com/a",
        json!([]),
    )
    .await;
    let url = endpoint["_links"]["self"]["href"].as_str().unwrap();
    let wrong = shop.merchant.with_wrong_secret();
    for who in [Who::Anonymous, Who::Merchant(&wrong)] {
        for path in ["/webhook_endpoints", url] {
            assert_problem(
                shop.app.get_as(who, path).await,
                StatusCode::UNAUTHORIZED,
                "unauthorized",
            )
            .await;
        }
        let response = shop
            .app
            .post_json(who, "/webhook_endpoints", &json!({"url": "https://a.example/"}))
            .await;
        assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    }
}

#[tokio::test]
async fn another_merchants_endpoint_is_not_found() {
    let shop = webhook_shop(FAST).await;
    let other = shop.app.merchant_named("Other bookstore").await;
    let endpoint = create_endpoint(
        &shop.app,
        &shop.merchant,
        "https://hooks.example.com/a",
        json!([]),
    )
    .await;
    let url = endpoint["_links"]["self"]["href"].as_str().unwrap();
    let them = Who::Merchant(&other);
    for path in [url.to_owned(), format!("{url}/deliveries")] {
        assert_problem(
            shop.app.get_as(them, &path).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    let rotation = shop
        .app
        .post_json(them, &format!("{url}/secret_rotations"), &json!({}))
        .await;
    assert_problem(rotation, StatusCode::NOT_FOUND, "not_found").await;
    let deleted = send(shop.app.request(Method::DELETE, url, them)).await;
    assert_problem(deleted, StatusCode::NOT_FOUND, "not_found").await;
    let put = send(
        shop.app
            .request(Method::PUT, url, them)
            .header("if-match", "*")
            .json(&json!({"url": "https://x.example/"})),
    )
    .await;
    assert_problem(put, StatusCode::NOT_FOUND, "not_found").await;
    let listed = shop.app.get_json(them, "/webhook_endpoints").await;
    assert_eq!(listed["item_count"], 0);
}

#[tokio::test]
async fn the_root_links_to_webhook_endpoints_and_the_events_feed() {
    let shop = webhook_shop(FAST).await;
    let root = shop.app.get_json(Who::Anonymous, "/").await;
    assert_eq!(
        root["_links"]["shop:webhook_endpoints"]["href"],
        shop.app.url("/webhook_endpoints")
    );
    assert_eq!(
        root["_links"]["shop:events_feed"]["href"],
        shop.app.url("/events_feed{?after,types,limit}")
    );
    for rel in ["webhook_endpoints", "events_feed"] {
        assert_eq!(
            shop.app.get(&format!("/rels/{rel}")).await.status(),
            StatusCode::OK,
            "{rel}"
        );
    }
}
