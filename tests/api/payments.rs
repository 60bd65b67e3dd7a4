use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, Who, assert_problem, assert_problem_mentions, expect_json, link,
    orders::{ZOE, cancel_order, capture, cart, grand_total, notification, notify, notify_raw, sign},
    sales::{count_completed_events, count_deliveries, digital_shop, sold},
};

/// The characters of access codes: no 0/O, 1/I/L.
const UNAMBIGUOUS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

#[tokio::test]
async fn an_awaiting_order_links_to_its_payment_page() {
    let shop = digital_shop().await;
    let order = shop.place(&shop.one_epub()).await.order;
    let payment = &order["_links"]["payment"];
    assert_eq!(payment["type"], "text/html");
    let uid = order["uid"].as_str().unwrap();
    let page = shop.app.url(&format!("/sandbox/payments/{uid}?secret="));
    let href = payment["href"].as_str().unwrap();
    let secret = href.strip_prefix(&page).unwrap_or_else(|| panic!("{href}"));
    assert_eq!(secret.len(), 43, "{href}");
    assert_ne!(secret, order["token"], "{href}");
    assert!(order["_links"].get("shop:deliveries").is_none());
}

#[tokio::test]
async fn a_captured_payment_completes_the_order_with_one_delivery_per_unit() {
    let sold = sold().await;
    let order = sold.order().await;
    assert_eq!(order["status"], "completed");
    assert_eq!(order["refundable_total"], order["grand_total"]);
    assert!(order["_links"].get("payment").is_none());
    assert!(order["_links"].get("shop:ordercancellation").is_none());
    assert_eq!(order["customer_service"]["phone"], "+33 1 23 45 67 89");
    let deliveries = order["_embedded"]["shop:deliveries"].as_array().unwrap();
    assert_eq!(deliveries.len(), 4, "1 epub + 1 pdf + 2 tickets");
    let codes: std::collections::HashSet<&str> = deliveries
        .iter()
        .map(|d| d["access_code"].as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 4);
    for delivery in deliveries {
        let code = delivery["access_code"].as_str().unwrap();
        assert_eq!(code.len(), 10);
        assert!(code.bytes().all(|b| UNAMBIGUOUS.contains(&b)), "{code}");
        assert_eq!(delivery["status"], "active");
        assert_eq!(delivery["sale_state"], "test");
        assert!(delivery["access_url"].as_str().unwrap().starts_with("http"));
    }
}

#[tokio::test]
async fn a_captured_payment_writes_one_order_completed_event() {
    let sold = sold().await;
    let app = sold.app();
    assert_eq!(count_completed_events(app).await, 1);
    let event = entity::outbox_event::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let payload: Value = serde_json::from_str(&event.payload).unwrap();
    let order = &sold.placed.order;
    assert_eq!(payload["transaction_id"], order["transaction_id"]);
    assert_eq!(payload["customer_id"], order["customer_id"]);
    assert_eq!(payload["cost"], order["grand_total"]["amount"]);
    assert_eq!(payload["sale_state"], "test");
}

#[tokio::test]
async fn the_deliveries_are_listed_to_the_token_holder_and_the_merchant() {
    let sold = sold().await;
    let deliveries = link(&sold.order().await, "shop:deliveries");
    assert_eq!(sold.app().count(sold.who(), &deliveries).await, 4);
    let merchant_view = sold
        .app()
        .get_as(Who::Merchant(&sold.shop.merchant), &deliveries)
        .await;
    assert_eq!(merchant_view.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_replayed_notification_changes_nothing() {
    let sold = sold().await;
    let app = sold.app();
    let again = notify(app, &capture(&sold.placed.order, "psp_1")).await;
    let body = expect_json(again, StatusCode::OK).await;
    assert_eq!(body["replayed"], true);
    assert_eq!(body["result"], "sold");
    assert_eq!(count_deliveries(app).await, 4);
    assert_eq!(count_completed_events(app).await, 1);
}

#[tokio::test]
async fn a_second_payment_of_a_sold_order_is_refused_as_not_payable() {
    let sold = sold().await;
    let other_reference = notify(sold.app(), &capture(&sold.placed.order, "psp_2")).await;
    assert_problem(other_reference, StatusCode::CONFLICT, "order_not_payable").await;
    assert_eq!(count_deliveries(sold.app()).await, 4);
}

#[tokio::test]
async fn a_provider_reference_reused_with_another_status_is_refused() {
    let sold = sold().await;
    let mut reused = capture(&sold.placed.order, "psp_1");
    reused["status"] = json!("declined");
    let response = notify(sold.app(), &reused).await;
    assert_problem(response, StatusCode::CONFLICT, "provider_reference_reused").await;
    assert_eq!(count_deliveries(sold.app()).await, 4);
}

#[tokio::test]
async fn fifty_concurrent_identical_notifications_make_one_sale() {
    let shop = digital_shop().await;
    let placed = shop.place(&cart(ZOE).line(&shop.ticket, 3)).await;
    let body = capture(&placed.order, "psp_race");
    let responses = futures::future::join_all((0..50).map(|_| notify(&shop.app, &body))).await;
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(count_deliveries(&shop.app).await, 3);
    assert_eq!(count_completed_events(&shop.app).await, 1);
    assert_eq!(shop.status_of(&placed).await, "completed");
}

#[tokio::test]
async fn concurrent_payments_under_different_references_sell_once() {
    let shop = digital_shop().await;
    let order = shop.place(&shop.one_epub()).await.order;
    let bodies: Vec<Value> = (0..8).map(|i| capture(&order, &format!("psp_{i}"))).collect();
    let responses = futures::future::join_all(bodies.iter().map(|b| notify(&shop.app, b))).await;
    let sold = responses.iter().filter(|r| r.status() == StatusCode::OK).count();
    assert_eq!(sold, 1);
    assert!(
        responses
            .iter()
            .all(|r| r.status() == StatusCode::OK || r.status() == StatusCode::CONFLICT)
    );
    assert_eq!(count_deliveries(&shop.app).await, 1);
}

#[tokio::test]
async fn a_notification_signed_with_another_secret_is_refused_and_changes_nothing() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let raw = capture(&placed.order, "psp_x").to_string();
    let signature = sign("not the secret", raw.as_bytes());
    let forged = notify_raw(&shop.app, raw, Some(signature)).await;
    assert_problem(forged, StatusCode::UNAUTHORIZED, "signature_invalid").await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn an_unsigned_notification_is_refused_and_changes_nothing() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let raw = capture(&placed.order, "psp_x").to_string();
    let unsigned = notify_raw(&shop.app, raw, None).await;
    assert_problem(unsigned, StatusCode::UNAUTHORIZED, "signature_invalid").await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn a_notification_changed_after_signing_is_refused_and_changes_nothing() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let raw = capture(&placed.order, "psp_x").to_string();
    let signature = sign(&shop.app.payment_secret, raw.as_bytes());
    let tampered = notify_raw(&shop.app, raw.replace("captured", "declined"), Some(signature)).await;
    assert_problem(tampered, StatusCode::UNAUTHORIZED, "signature_invalid").await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn a_notification_older_than_five_minutes_is_refused_as_stale() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let mut stale = capture(&placed.order, "psp_x");
    stale["timestamp"] = json!((chrono::Utc::now() - chrono::Duration::minutes(6)).to_rfc3339());
    let response = notify(&shop.app, &stale).await;
    assert_problem(response, StatusCode::BAD_REQUEST, "notification_stale").await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn a_wrong_amount_is_refused_recorded_and_refused_again_when_replayed() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let wrong_amount = notification(&placed.order, "psp_low", "0.01", "captured");
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let response = notify(&shop.app, &wrong_amount).await;
    assert_problem_mentions(response, invalid, "amount_mismatch", "0.01").await;
    let recorded = entity::payment::Entity::find()
        .filter(entity::payment::Column::ProviderReference.eq("psp_low"))
        .one(&shop.app.db)
        .await
        .unwrap()
        .expect("the mismatch is recorded");
    assert_eq!(recorded.outcome, "amount_mismatch");
    let replay = notify(&shop.app, &wrong_amount).await;
    assert_problem(replay, invalid, "amount_mismatch").await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn a_wrong_currency_is_refused_as_an_amount_mismatch() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let mut wrong_currency = capture(&placed.order, "psp_cur");
    wrong_currency["amount"]["currency"] = json!("CAD");
    let response = notify(&shop.app, &wrong_currency).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "amount_mismatch").await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn a_notification_for_an_unknown_order_is_a_404() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let missing = shop.app.url("/orders/0123456789abcdef0123456789abcdef");
    let order = json!({"_links": {"self": {"href": missing}}, "currency": "EUR"});
    let unknown = notification(&order, "psp_unknown", "1.00", "captured");
    let response = notify(&shop.app, &unknown).await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    shop.assert_unpaid(&placed).await;
}

#[tokio::test]
async fn a_declined_payment_leaves_the_order_payable_again() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let order = &placed.order;
    let declined = notify(
        &shop.app,
        &notification(order, "psp_d", &grand_total(order), "declined"),
    )
    .await;
    assert_eq!(expect_json(declined, StatusCode::OK).await["result"], "declined");
    let after = placed.read(&shop.app).await;
    assert_eq!(after["status"], "awaiting_payment");
    assert!(after["_links"]["payment"].is_object());
    let paid = notify(&shop.app, &capture(order, "psp_ok")).await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_eq!(shop.status_of(&placed).await, "completed");
}

#[tokio::test]
async fn a_cancelled_order_cannot_be_paid() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let cancel = cancel_order(&shop.app, &placed.token, &placed.url(), "changed my mind").await;
    assert_eq!(cancel.status(), StatusCode::OK);
    let paid = notify(&shop.app, &capture(&placed.order, "psp_late")).await;
    assert_problem(paid, StatusCode::CONFLICT, "order_not_payable").await;
    assert_eq!(shop.status_of(&placed).await, "cancelled");
    assert_eq!(count_deliveries(&shop.app).await, 0);
}

/// The `payment.requires_refund` events written, oldest first: subject and payload.
async fn requires_refund_events(app: &TestApp) -> Vec<(String, Value)> {
    use entity::outbox_event::{Column, Entity};
    Entity::find()
        .filter(Column::EventType.eq("payment.requires_refund"))
        .order_by_asc(Column::Id)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|event| (event.subject_uid, serde_json::from_str(&event.payload).unwrap()))
        .collect()
}

#[tokio::test]
async fn a_second_capture_of_a_sold_order_raises_a_requires_refund_event() {
    let sold = sold().await;
    let order = &sold.placed.order;
    let second = notify(sold.app(), &capture(order, "psp_2")).await;
    assert_problem(second, StatusCode::CONFLICT, "order_not_payable").await;
    let payment = entity::payment::Entity::find()
        .filter(entity::payment::Column::ProviderReference.eq("psp_2"))
        .one(&sold.app().db)
        .await
        .unwrap()
        .expect("the second capture is recorded");
    let uid = order["uid"].as_str().unwrap();
    let events = requires_refund_events(sold.app()).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let (subject, payload) = &events[0];
    assert_eq!(subject, uid);
    assert_eq!(payload["payment_id"], payment.id);
    assert_eq!(payload["order_uid"], uid);
    assert_eq!(payload["provider_reference"], "psp_2");
    assert_eq!(payload["amount"], grand_total(order));
    assert_eq!(payload["currency"], order["currency"]);
    assert_eq!(payload["reason"], "order_not_payable");
}

#[tokio::test]
async fn a_capture_that_completes_its_order_raises_no_requires_refund_event() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let paid = notify(&shop.app, &capture(&placed.order, "psp_ok")).await;
    assert_eq!(expect_json(paid, StatusCode::OK).await["result"], "sold");
    assert_eq!(requires_refund_events(&shop.app).await, vec![]);
}

#[tokio::test]
async fn a_replayed_second_capture_raises_its_event_once() {
    let sold = sold().await;
    let second = capture(&sold.placed.order, "psp_2");
    assert_eq!(notify(sold.app(), &second).await.status(), StatusCode::CONFLICT);
    let replay = notify(sold.app(), &second).await;
    assert_problem(replay, StatusCode::CONFLICT, "order_not_payable").await;
    assert_eq!(requires_refund_events(sold.app()).await.len(), 1);
}

#[tokio::test]
async fn a_capture_of_another_amount_raises_a_requires_refund_event() {
    let shop = digital_shop().await;
    let placed = shop.place(&shop.one_epub()).await;
    let low = notification(&placed.order, "psp_low", "0.01", "captured");
    let response = notify(&shop.app, &low).await;
    assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "amount_mismatch").await;
    let events = requires_refund_events(&shop.app).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0].1["amount"], "0.01");
    assert_eq!(events[0].1["reason"], "amount_mismatch");
}

#[tokio::test]
async fn a_declined_notification_of_a_sold_order_raises_no_requires_refund_event() {
    let sold = sold().await;
    let declined = notification(
        &sold.placed.order,
        "psp_no",
        &grand_total(&sold.placed.order),
        "declined",
    );
    let response = notify(sold.app(), &declined).await;
    assert_problem(response, StatusCode::CONFLICT, "order_not_payable").await;
    assert_eq!(requires_refund_events(sold.app()).await, vec![]);
}
