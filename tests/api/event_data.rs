//! What an event carries as `data`: its subject's full HAL representation as it was when
//! the event was written, exactly what its merchant would have read with a GET then.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::{Who, events_of, expect_json, receiver::Receiver, refunds::paid},
    webhooks::{FAST, create_endpoint, sell, webhook_shop},
};

#[tokio::test]
async fn an_order_completed_webhook_carries_the_order_exactly_as_its_merchant_reads_it() {
    let shop = webhook_shop(FAST).await;
    let receiver = Receiver::start(0).await;
    let endpoint = create_endpoint(&shop.app, &shop.merchant, &receiver.url("/hooks"), json!([])).await;
    receiver.trust(endpoint["secret"].as_str().unwrap());
    let order = sell(&shop).await;
    let received = receiver.wait_for(20, |r| !r.is_empty()).await;
    let order_url = shop
        .app
        .url(&format!("/orders/{}", order["uid"].as_str().unwrap()));
    let as_read = shop.app.get_json(Who::Merchant(&shop.merchant), &order_url).await;
    assert!(received[0].verified);
    assert_eq!(received[0].body["type"], "order.completed");
    assert_eq!(received[0].body["data"], as_read);
    assert_eq!(
        received[0].body["data"]["_embedded"]["shop:order_lines"][0]["quantity"],
        1
    );
}

#[tokio::test]
async fn each_refund_request_event_carries_the_request_as_it_was_when_it_happened() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    let opened = paid.app.get_json(paid.as_merchant(), &url).await;
    let approved = paid.set_status(&url, "approved").await;
    let events = events_of(&paid.app, paid.as_merchant(), "refund_request.*", 2).await;
    let kinds: Vec<&Value> = events.iter().map(|event| &event["type"]).collect();
    assert_eq!(
        kinds,
        [
            &json!("refund_request.created"),
            &json!("refund_request.approved")
        ]
    );
    for (event, shown) in events.iter().zip([&opened, &approved]) {
        assert_eq!(event["data"]["_links"]["self"]["href"], url.as_str());
        assert_eq!(event["data"]["status"], shown["status"]);
        assert_eq!(
            event["data"]["refund_percentage"], shown["refund_percentage"],
            "{event}"
        );
        assert_eq!(event["data"]["decided_at"], shown["decided_at"], "{event}");
    }
    assert_eq!(events[0]["data"]["status"], "new");
    assert_eq!(events[1]["data"]["status"], "approved");
}

#[tokio::test]
async fn a_cancelled_refund_request_is_reported_with_its_own_event() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    let response = paid.put(&url, json!({"status": "cancelled"}), false).await;
    let cancelled = expect_json(response, StatusCode::OK).await;
    let events = events_of(&paid.app, paid.as_merchant(), "refund_request.cancelled", 1).await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["status"], "cancelled");
    assert_eq!(events[0]["data"]["uid"], cancelled["uid"]);
}
