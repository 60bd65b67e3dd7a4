use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem, expect_json, header, json_of,
    orders::{NOOR, cart, place_order},
    refunds::{Paid, eur, paid},
    self_href, urlencode,
};

#[tokio::test]
async fn a_full_refund_request_shows_its_breakdown_by_ticket() {
    let paid = paid().await;
    let response = paid
        .open(json!({"reason": "Cannot come", "amount": eur("50.00")}))
        .await;
    let location = header(&response, "location");
    let request = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(self_href(&request), location);
    assert_eq!(request["source"], "customer_request");
    assert_eq!(request["refund_percentage"], "1.00");
    let breakdown = &request["direct_refundable_amount_breakdown"];
    assert_eq!(breakdown["total"], eur("50.00"));
    assert_eq!(breakdown["by_tickets"][0]["amount"], eur("50.00"));
}

#[tokio::test]
async fn the_holder_cannot_approve_and_the_merchant_cannot_change_the_shares() {
    let paid = paid().await;
    let url = paid
        .open_url(json!({"reason": "Cannot come", "amount": eur("50.00")}))
        .await;
    let holder_tries = paid.put(&url, json!({"status": "approved"}), false).await;
    assert_problem(holder_tries, StatusCode::FORBIDDEN, "forbidden").await;
    let split = json!({"refund_percentage": "0.50", "donation_percentage": "0.50"});
    let merchant_split = paid.put(&url, split, true).await;
    assert_problem(merchant_split, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn an_approved_request_can_no_longer_be_changed_by_the_holder() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    let approved = paid
        .put(&url, json!({"status": "approved", "reason": "Fine"}), true)
        .await;
    assert_eq!(expect_json(approved, StatusCode::OK).await["status"], "approved");
    let shares = json!({"donation_percentage": "1.00", "refund_percentage": "0.00"});
    let too_late = paid.put(&url, shares, false).await;
    assert_problem(too_late, StatusCode::CONFLICT, "refund_request_state").await;
}

/// A full refund request, approved and processed; returns the processed request.
async fn processed_full_refund(paid: &Paid) -> Value {
    let url = paid
        .open_url(json!({"reason": "Cannot come", "amount": eur("50.00")}))
        .await;
    paid.set_status(&url, "approved").await;
    paid.set_status(&url, "processed").await
}

#[tokio::test]
async fn a_processed_full_refund_is_paid_back_through_the_provider_with_a_receipt() {
    let paid = paid().await;
    let processed = processed_full_refund(&paid).await;
    assert_eq!(processed["status"], "processed");
    assert_eq!(
        processed["_embedded"]["shop:refund_bill"]["refund_amount"],
        eur("50.00")
    );
    let refunds = paid.refunds_of(&processed).await;
    assert_eq!(refunds["item_count"], 1);
    let refund = &refunds["_embedded"]["shop:refunds"][0];
    assert_eq!(refund["type"], "psp");
    assert_eq!(refund["amount_breakdown"]["total"], eur("50.00"));
    assert_eq!(
        refund["amount_breakdown"]["by_tickets"][0]["product_name"],
        "Reading night 1"
    );
    assert!(refund["receipt"].as_str().unwrap().starts_with("rf_"));
}

#[tokio::test]
async fn a_processed_full_refund_marks_the_order_refunded_and_voids_the_deliveries() {
    let paid = paid().await;
    processed_full_refund(&paid).await;
    let order = paid.order_now().await;
    assert_eq!(order["status"], "refunded");
    assert_eq!(order["refunded_total"], eur("50.00"));
    assert_eq!(order["refundable_total"], eur("0.00"));
    assert!(order["_links"].get("shop:refund_bill").is_none());
    for delivery in order["_embedded"]["shop:deliveries"].as_array().unwrap() {
        assert_eq!(delivery["status"], "voided");
    }
}

#[tokio::test]
async fn a_refunded_order_cannot_be_refunded_again() {
    let paid = paid().await;
    processed_full_refund(&paid).await;
    assert_problem(
        paid.open(json!({})).await,
        StatusCode::CONFLICT,
        "already_refunded",
    )
    .await;
}

#[tokio::test]
async fn a_processed_refund_writes_its_two_events() {
    let paid = paid().await;
    processed_full_refund(&paid).await;
    let kinds = ["refund_request.processed", "refund.created"];
    let events = entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::EventType.is_in(kinds))
        .all(&paid.app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
}

const SIXTY_FORTY: &str =
    r#"{"refund_percentage": "0.60", "voucher_percentage": "0.40", "keep_tickets": true}"#;

#[tokio::test]
async fn a_voucher_share_splits_the_refund_bill() {
    let paid = paid().await;
    let request = json_of(paid.open(serde_json::from_str(SIXTY_FORTY).unwrap()).await).await;
    let bill = &request["_embedded"]["shop:refund_bill"];
    assert_eq!(bill["refund_amount"], eur("30.00"));
    assert_eq!(bill["voucher_amount"], eur("20.00"));
}

/// A processed 60/40 refund that keeps the tickets; returns the voucher's code.
async fn refund_voucher(paid: &Paid) -> String {
    let url = paid.open_url(serde_json::from_str(SIXTY_FORTY).unwrap()).await;
    paid.set_status(&url, "approved").await;
    let processed = paid.set_status(&url, "processed").await;
    let refunds = paid.refunds_of(&processed).await;
    let voucher = refunds["_embedded"]["shop:refunds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "voucher")
        .unwrap_or_else(|| panic!("no voucher refund: {refunds}"))
        .clone();
    voucher["voucher_code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_refund_that_keeps_the_tickets_leaves_the_deliveries_active() {
    let paid = paid().await;
    refund_voucher(&paid).await;
    let order = paid.order_now().await;
    assert_eq!(order["status"], "refunded");
    let deliveries = order["_embedded"]["shop:deliveries"].as_array().unwrap();
    assert!(deliveries.iter().all(|d| d["status"] == "active"), "keep_tickets");
}

#[tokio::test]
async fn the_voucher_share_pays_a_new_order_once() {
    let paid = paid().await;
    let code = refund_voucher(&paid).await;
    // The product was not withdrawn here; a new order of one ticket costs 25.00.
    let new_order = cart(NOOR).line(&paid.product, 1).with("vouchers", json!([code]));
    let placed = place_order(&paid.app, &new_order).await.order;
    assert_eq!(placed["voucher_total"], eur("20.00"));
    assert_eq!(placed["grand_total"], eur("5.00"));
    let again = paid
        .app
        .post_json(Who::Anonymous, "/orders", new_order.body())
        .await;
    assert_problem(again, StatusCode::CONFLICT, "voucher_used").await;
}

#[tokio::test]
async fn each_bad_share_is_refused_with_the_field_named_and_nothing_is_opened() {
    let paid = paid().await;
    let cases = [
        (
            json!({"refund_percentage": "0.50", "voucher_percentage": "0.40"}),
            "/refund_percentage",
        ),
        (
            json!({"refund_percentage": "0.333", "voucher_percentage": "0.667"}),
            "/refund_percentage",
        ),
        (json!({"refund_percentage": "1.50"}), "/refund_percentage"),
        (json!({"donation_percentage": "lots"}), "/donation_percentage"),
        (
            json!({"change_order_percentage": "1.00"}),
            "/change_order_percentage",
        ),
        (
            json!({"bank_details": {"account_holder": "Noor", "iban": "BE00000000000000"}}),
            "/bank_details/iban",
        ),
    ];
    for (body, path) in cases {
        let response = paid.open(body.clone()).await;
        let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
        assert_eq!(problem["errors"][0]["path"], path, "{body}");
    }
    let order = urlencode(&paid.order_uri());
    let listed = paid
        .read(&paid.app.url(&format!("/refund_requests?order={order}")))
        .await;
    assert_eq!(listed["item_count"], 0, "nothing was opened");
}

#[tokio::test]
async fn the_refund_bill_previews_a_split_without_opening_a_request() {
    let paid = paid().await;
    let order = urlencode(&paid.order_uri());
    let query = format!("/refund-bill?order={order}&refund_percentage=0.25&voucher_percentage=0.75");
    let preview = expect_json(paid.get_as_holder(&paid.app.url(&query)).await, StatusCode::OK).await;
    assert_eq!(preview["refundable_amount"], eur("50.00"));
    assert_eq!(preview["refund_amount"], eur("12.50"));
    assert_eq!(preview["voucher_amount"], eur("37.50"));
    assert_eq!(preview["donation_amount"], eur("0.00"));
}

#[tokio::test]
async fn one_open_request_per_order_even_when_racing() {
    let paid = paid().await;
    let responses = futures::future::join_all((0..5).map(|_| paid.open(json!({})))).await;
    let (created, refused): (Vec<_>, Vec<_>) = responses
        .into_iter()
        .partition(|r| r.status() == StatusCode::CREATED);
    assert_eq!(created.len(), 1);
    for response in refused {
        assert_problem(response, StatusCode::CONFLICT, "refund_request_open").await;
    }
}
