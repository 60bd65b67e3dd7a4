//! Which paid orders may be refunded, event refunds, and concurrent changes of a request.

use reqwest::{Method, StatusCode};
use sea_orm::EntityTrait;
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem, assert_problem_at, assert_problem_mentions, etag_of, expect_json, link,
    orders::{NOOR, cart, place_order},
    refunds::{Paid, eur, forbid_refunds, paid, paid_ebook, sold_days_ago},
    self_href, send,
};

/// The merchant withdraws the sold product; returns the request this opened.
async fn withdraw(paid: &Paid) -> Value {
    let body = json!({"reason": "The reading night is cancelled"});
    let url = format!("{}/withdrawal", paid.product);
    let withdrawal = paid.app.post_json(paid.as_merchant(), &url, &body).await;
    let withdrawal = expect_json(withdrawal, StatusCode::OK).await;
    assert_eq!(withdrawal["refund_requests_opened"], 1);
    let list_url = link(&paid.order_now().await, "shop:refund_requests");
    let list = paid.read(&list_url).await;
    assert_eq!(list["_links"]["self"]["href"], list_url.as_str());
    assert_eq!(list["_links"]["curies"][0]["name"], "shop");
    list["_embedded"]["shop:refund_requests"][0].clone()
}

#[tokio::test]
async fn withdrawing_a_sold_product_opens_a_full_event_refund_request() {
    let paid = paid().await;
    let request = withdraw(&paid).await;
    let product = paid.app.get_json(Who::Anonymous, &paid.product).await;
    assert_eq!(product["available"], false);
    assert_eq!(request["source"], "event_refund");
    assert_eq!(request["status"], "new");
    assert_eq!(request["refund_percentage"], "1.00");
    assert_eq!(request["change_order_percentage"], Value::Null);
    assert_eq!(request["voucher_percentage"], "0.00");
    assert_eq!(request["donation_percentage"], "0.00");
    assert_eq!(
        request["_embedded"]["shop:refund_bill"]["refund_amount"],
        eur("50.00")
    );
}

#[tokio::test]
async fn the_reference_event_refund_given_as_a_donation_is_reproduced_field_for_field() {
    let paid = paid().await;
    let url = self_href(&withdraw(&paid).await);
    let shares =
        json!({"refund_percentage": "0.00", "voucher_percentage": "0.00", "donation_percentage": "1.00"});
    let request = expect_json(paid.put(&url, shares, false).await, StatusCode::OK).await;
    let uid = request["uid"].as_str().unwrap();
    let app = &paid.app;
    let expected = json!({
        "_links": {
            "self": {"href": url},
            "shop:order": {"href": paid.order_uri()},
            "curies": [{"href": app.url("/rels/{rel}"), "name": "shop", "templated": true, "type": "text/html"}],
        },
        "status": "new",
        "refund_percentage": "0.00",
        "change_order_percentage": null,
        "voucher_percentage": "0.00",
        "donation_percentage": "1.00",
        "direct_refundable_amount_breakdown": null,
        "submitted_bank_details": false,
        "keep_tickets": false,
        "source": "event_refund",
        "_embedded": {"shop:refund_bill": {
            "_links": {"self": {"href": app.url(&format!("/refund-bill?refund_request={uid}"))}},
            "refund_amount": eur("0.00"),
            "voucher_amount": eur("0.00"),
        }},
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&request[key], value, "{key}: {request}");
    }
    assert!(request["created_at"].as_str().unwrap().ends_with('Z'));
    let bill = paid
        .read(&self_href(&request["_embedded"]["shop:refund_bill"]))
        .await;
    assert_eq!(bill["refund_amount"], eur("0.00"));
    assert_eq!(bill["donation_amount"], eur("50.00"));
}

#[tokio::test]
async fn refund_request_for_downloaded_ebook_is_refused_with_refund_unauthorized() {
    let paid = paid_ebook().await;
    let file = paid.app.get(&paid.download_href().await).await;
    assert_eq!(file.status(), StatusCode::OK);
    let refused = paid.open(json!({})).await;
    assert_problem_mentions(refused, StatusCode::FORBIDDEN, "refund_unauthorized", FULFILLED).await;
}

const FULFILLED: &str = "already been fulfilled by the end user";

#[tokio::test]
async fn processing_a_refund_whose_file_was_downloaded_since_approval_is_refused_and_changes_nothing() {
    let paid = paid_ebook().await;
    let url = paid.approved_url().await;
    let file = paid.app.get(&paid.download_href().await).await;
    assert_eq!(file.status(), StatusCode::OK);
    let refused = paid.put(&url, json!({"status": "processed"}), true).await;
    assert_problem_mentions(refused, StatusCode::FORBIDDEN, "refund_unauthorized", FULFILLED).await;
    assert_eq!(paid.read(&url).await["status"], "approved");
    let order = paid.order_now().await;
    assert_eq!(order["status"], "completed");
    assert_eq!(order["refunded_total"], eur("0.00"));
    let refunds = entity::refund::Entity::find().all(&paid.app.db).await.unwrap();
    assert!(refunds.is_empty(), "{refunds:?}");
}

#[tokio::test]
async fn an_approved_request_that_can_no_longer_be_processed_can_be_rejected() {
    let paid = paid_ebook().await;
    let url = paid.approved_url().await;
    let file = paid.app.get(&paid.download_href().await).await;
    assert_eq!(file.status(), StatusCode::OK);
    let rejected = paid.set_status(&url, "rejected").await;
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(paid.order_now().await["status"], "completed");
}

#[tokio::test]
async fn a_download_link_followed_after_the_refund_was_processed_serves_no_file() {
    let paid = paid_ebook().await;
    let url = paid.approved_url().await;
    let href = paid.download_href().await;
    let processed = paid.set_status(&url, "processed").await;
    assert_eq!(processed["status"], "processed");
    assert_problem(paid.app.get(&href).await, StatusCode::GONE, "delivery_voided").await;
    let delivery = paid.first_delivery().await;
    assert_eq!(delivery["status"], "voided");
    assert!(delivery.get("downloaded_at").is_none(), "{delivery}");
}

#[tokio::test]
async fn a_download_racing_the_processing_of_its_refund_never_lets_both_through() {
    let paid = paid_ebook().await;
    let url = paid.approved_url().await;
    let href = paid.download_href().await;
    let process = paid.put(&url, json!({"status": "processed"}), true);
    let (processed, file) = futures::future::join(process, paid.app.get(&href)).await;
    if processed.status() == StatusCode::OK {
        assert_problem(file, StatusCode::GONE, "delivery_voided").await;
        assert_eq!(paid.order_now().await["status"], "refunded");
    } else {
        assert_eq!(file.status(), StatusCode::OK);
        assert_problem_mentions(processed, StatusCode::FORBIDDEN, "refund_unauthorized", FULFILLED).await;
        assert_eq!(paid.order_now().await["status"], "completed");
    }
}

#[tokio::test]
async fn refund_request_after_reading_too_far_is_refused_with_refund_usage_limit() {
    let paid = paid().await;
    let delivery = &paid.order_now().await["_embedded"]["shop:deliveries"][0];
    let usage = link(delivery, "shop:usage");
    let read = paid
        .app
        .put_json(paid.holder(), &usage, &json!({"percent": 11}))
        .await;
    assert_eq!(read.status(), StatusCode::OK);
    let refused = paid.open(json!({})).await;
    assert_problem_mentions(
        refused,
        StatusCode::FORBIDDEN,
        "refund_usage_limit",
        "(10% viewed)",
    )
    .await;
}

#[tokio::test]
async fn refund_request_after_fourteen_days_is_refused_with_refund_time_limit() {
    let paid = paid().await;
    sold_days_ago(&paid.app, 15).await;
    let refused = paid.open(json!({})).await;
    assert_problem_mentions(refused, StatusCode::FORBIDDEN, "refund_time_limit", "(14 days)").await;
}

#[tokio::test]
async fn refund_request_for_another_amount_is_refused_with_cost_mismatch() {
    let paid = paid().await;
    let refused = paid.open(json!({"amount": eur("49.99")})).await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem_at(refused, invalid, "cost_mismatch", "/amount").await;
}

#[tokio::test]
async fn refund_request_at_a_shop_without_the_right_to_refund_is_refused() {
    let paid = paid().await;
    forbid_refunds(&paid.app).await;
    let refused = paid.open(json!({})).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "refund_unauthorized").await;
}

#[tokio::test]
async fn refund_request_for_an_unpaid_order_finds_no_sale() {
    let paid = paid().await;
    let buyer = cart(NOOR)
        .line(&paid.product, 1)
        .consumer("email", "x@example.com")
        .consumer("first_name", "X")
        .consumer("last_name", "Y");
    let unpaid = place_order(&paid.app, &buyer).await;
    let body = json!({"order": unpaid.url()});
    let refused = paid.app.post_json(unpaid.who(), "/refund_requests", &body).await;
    assert_problem_mentions(refused, StatusCode::NOT_FOUND, "not_found", "sale was not found").await;
}

#[tokio::test]
async fn a_change_without_an_etag_is_refused_as_precondition_required() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    let no_etag = paid
        .app
        .put_json(paid.holder(), &url, &json!({"keep_tickets": true}))
        .await;
    let required = StatusCode::PRECONDITION_REQUIRED;
    assert_problem(no_etag, required, "precondition_required").await;
}

#[tokio::test]
async fn a_change_with_the_current_etag_is_made_and_the_old_etag_is_then_stale() {
    let paid = paid().await;
    let response = paid.open(json!({})).await;
    let etag = etag_of(&response);
    let url = self_href(&expect_json(response, StatusCode::CREATED).await);
    let put = |body: Value| {
        let request = paid.app.request(Method::PUT, &url, paid.holder());
        send(request.header("if-match", &etag).json(&body))
    };
    let bank = json!({"account_holder": "Noor Peeters", "iban": "BE68 5390 0754 7034"});
    let changed = expect_json(put(json!({"bank_details": bank})).await, StatusCode::OK).await;
    assert_eq!(changed["submitted_bank_details"], true);
    let stale = put(json!({"keep_tickets": true})).await;
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
}

#[tokio::test]
async fn a_cancelled_request_frees_the_order_for_a_new_one() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    let cancelled = paid.put(&url, json!({"status": "cancelled"}), false).await;
    assert_eq!(
        expect_json(cancelled, StatusCode::OK).await["status"],
        "cancelled"
    );
    let again = paid.open(json!({"donation_percentage": "1.00"})).await;
    assert_eq!(again.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn concurrent_processing_refunds_once() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    paid.set_status(&url, "approved").await;
    let etag = etag_of(&paid.get_as_holder(&url).await);
    let process = || {
        let request = paid.app.request(Method::PUT, &url, paid.as_merchant());
        send(
            request
                .header("if-match", &etag)
                .json(&json!({"status": "processed"})),
        )
    };
    let responses = futures::future::join_all((0..6).map(|_| process())).await;
    let processed = responses.iter().filter(|r| r.status() == StatusCode::OK).count();
    assert_eq!(processed, 1);
    assert_eq!(paid.order_now().await["refunded_total"], eur("50.00"));
    let refunds = entity::refund::Entity::find().all(&paid.app.db).await.unwrap();
    assert_eq!(refunds.len(), 1);
}
