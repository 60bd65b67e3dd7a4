//! One eligibility answer, everywhere, explained before asking: the order's
//! `refundable_total` and `refund_eligibility`, its embedded refund bill and the bill's own
//! resource, the links that offer a new request, a refund request, and a void at the till.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::{
    helpers::{
        Who, assert_problem, assert_problem_mentions, expect_json, link,
        orders::{NOOR, cart, place_order},
        refunds::{Paid, eur, forbid_refunds, paid, paid_ebook, sold_days_ago},
        self_href,
    },
    pos::till,
};

const CODES: [&str; 6] = [
    "merchant_permission",
    "sale_found",
    "not_already_refunded",
    "not_fulfilled",
    "within_refund_days",
    "under_usage_limit",
];

/// The codes of the failed checks of a `refund_eligibility`.
fn failed(eligibility: &Value) -> Vec<String> {
    checks(eligibility)
        .iter()
        .filter(|check| check["passed"] == false)
        .map(|check| check["code"].as_str().unwrap().to_owned())
        .collect()
}

fn checks(eligibility: &Value) -> &Vec<Value> {
    eligibility["checks"]
        .as_array()
        .unwrap_or_else(|| panic!("no checks: {eligibility}"))
}

/// The check with this code.
fn check<'a>(eligibility: &'a Value, code: &str) -> &'a Value {
    checks(eligibility)
        .iter()
        .find(|check| check["code"] == code)
        .unwrap_or_else(|| panic!("no {code} check: {eligibility}"))
}

/// The refund bill the order embeds.
fn embedded_bill(order: &Value) -> &Value {
    &order["_embedded"]["shop:refund_bill"]
}

/// The order's refund bill, read at the `self` of the bill it embeds; asserts 200.
async fn bill_of(paid: &Paid, order: &Value) -> Value {
    let url = self_href(embedded_bill(order));
    expect_json(paid.get_as_holder(&url).await, StatusCode::OK).await
}

/// Asserts that the order, its embedded refund bill and the bill's own resource give the
/// same answer: `refundable` can be refunded, and these checks failed.
async fn assert_one_answer(paid: &Paid, order: &Value, refundable: &str, failures: &[&str]) {
    let eligibility = &order["refund_eligibility"];
    assert_eq!(order["refundable_total"], eur(refundable), "{order}");
    assert_eq!(eligibility["eligible"], failures.is_empty(), "{eligibility}");
    assert_eq!(failed(eligibility), failures, "{eligibility}");
    let codes: Vec<&str> = checks(eligibility)
        .iter()
        .map(|c| c["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, CODES, "every rule is evaluated, in order");
    let embedded = embedded_bill(order);
    assert_eq!(embedded["refund_amount"], eur(refundable), "{embedded}");
    assert_eq!(embedded["voucher_amount"], eur("0.00"), "{embedded}");
    assert_eq!(&embedded["refund_eligibility"], eligibility);
    assert_eq!(embedded["_links"]["curies"][0]["name"], "shop", "{embedded}");
    let bill = bill_of(paid, order).await;
    assert_eq!(bill["refundable_amount"], eur(refundable), "{bill}");
    assert_eq!(bill["refund_amount"], embedded["refund_amount"], "{bill}");
    assert_eq!(bill["voucher_amount"], embedded["voucher_amount"], "{bill}");
    assert_eq!(&bill["refund_eligibility"], eligibility, "{bill}");
}

/// Asserts that nothing on the order offers a new refund request.
fn assert_no_new_request_offered(order: &Value) {
    let links = &order["_links"];
    assert!(links.get("shop:refund_bill").is_none(), "{links}");
    assert!(links.get("shop:refund_requests").is_none(), "{links}");
}

const FULFILLED: &str = "already been fulfilled by the end user";

#[tokio::test]
async fn a_downloaded_ebook_is_refused_alike_by_the_order_its_refund_bill_its_links_and_a_request() {
    let paid = paid_ebook().await;
    let file = paid.app.get(&paid.download_href().await).await;
    assert_eq!(file.status(), StatusCode::OK);
    let order = paid.order_now().await;
    assert_one_answer(&paid, &order, "0.00", &["not_fulfilled"]).await;
    let detail = check(&order["refund_eligibility"], "not_fulfilled")["detail"]
        .as_str()
        .unwrap();
    assert!(detail.starts_with("Downloaded on "), "{detail}");
    assert!(
        detail.ends_with("; a downloaded ebook cannot be refunded."),
        "{detail}"
    );
    assert_no_new_request_offered(&order);
    let refused = paid.open(json!({})).await;
    assert_problem_mentions(refused, StatusCode::FORBIDDEN, "refund_unauthorized", FULFILLED).await;
}

#[tokio::test]
async fn a_fresh_completed_order_is_eligible_for_its_grand_total_with_every_check_passed() {
    let paid = paid_ebook().await;
    let order = paid.order_now().await;
    assert_eq!(order["status"], "completed");
    assert_eq!(order["refundable_total"], order["grand_total"]);
    assert_one_answer(&paid, &order, "12.50", &[]).await;
    for code in CODES {
        let detail = &check(&order["refund_eligibility"], code)["detail"];
        assert!(
            detail.as_str().is_some_and(|d| d.ends_with('.')),
            "{code}: {detail}"
        );
    }
    assert_eq!(link(&order, "shop:refund_bill"), self_href(embedded_bill(&order)));
    let requests = link(&order, "shop:refund_requests");
    let body = json!({"order": paid.order_uri()});
    let opened = paid.app.post_json(paid.holder(), &requests, &body).await;
    let opened = expect_json(opened, StatusCode::CREATED).await;
    let bill = &opened["_embedded"]["shop:refund_bill"];
    assert_eq!(bill["refund_amount"], order["refundable_total"]);
}

#[tokio::test]
async fn the_embedded_refund_bill_answers_its_self_with_the_same_amounts() {
    let paid = paid().await;
    let order = paid.order_now().await;
    let embedded = embedded_bill(&order);
    assert_eq!(embedded["refund_amount"], eur("50.00"));
    let bill = bill_of(&paid, &order).await;
    assert_eq!(self_href(&bill), self_href(embedded));
    assert_eq!(bill["refund_amount"], embedded["refund_amount"]);
    assert_eq!(bill["voucher_amount"], embedded["voucher_amount"]);
    assert_eq!(bill["refund_eligibility"], embedded["refund_eligibility"]);
    assert_eq!(link(&bill, "shop:order"), paid.order_uri());
    let as_merchant = paid.app.get_as(paid.as_merchant(), &self_href(embedded)).await;
    let as_merchant = expect_json(as_merchant, StatusCode::OK).await;
    assert_eq!(as_merchant["refund_amount"], embedded["refund_amount"]);
}

#[tokio::test]
async fn a_shop_without_the_right_to_refund_shows_merchant_permission_failed() {
    let paid = paid().await;
    forbid_refunds(&paid.app).await;
    let order = paid.order_now().await;
    assert_one_answer(&paid, &order, "0.00", &["merchant_permission"]).await;
    assert_eq!(
        check(&order["refund_eligibility"], "merchant_permission")["detail"],
        "This shop does not have the right to refund sales."
    );
    assert_no_new_request_offered(&order);
    let refused = paid.open(json!({})).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "refund_unauthorized").await;
}

#[tokio::test]
async fn an_order_past_its_refund_days_shows_within_refund_days_failed() {
    let paid = paid().await;
    sold_days_ago(&paid.app, 15).await;
    let order = paid.order_now().await;
    assert_one_answer(&paid, &order, "0.00", &["within_refund_days"]).await;
    let detail = &check(&order["refund_eligibility"], "within_refund_days")["detail"];
    assert!(
        detail
            .as_str()
            .unwrap()
            .contains("the 14-day refund period ended on"),
        "{detail}"
    );
    assert_no_new_request_offered(&order);
    let refused = paid.open(json!({})).await;
    assert_problem_mentions(refused, StatusCode::FORBIDDEN, "refund_time_limit", "(14 days)").await;
}

#[tokio::test]
async fn an_order_that_can_no_longer_be_refunded_still_lists_its_requests_at_zero() {
    let paid = paid_ebook().await;
    let url = paid.open_url(json!({})).await;
    let file = paid.app.get(&paid.download_href().await).await;
    assert_eq!(file.status(), StatusCode::OK);
    let order = paid.order_now().await;
    assert_one_answer(&paid, &order, "0.00", &["not_fulfilled"]).await;
    assert!(order["_links"].get("shop:refund_bill").is_none(), "{order}");
    let listed = paid.read(&link(&order, "shop:refund_requests")).await;
    assert_eq!(listed["item_count"], 1, "the request is still listed");
    let request = paid.read(&url).await;
    let embedded = &request["_embedded"]["shop:refund_bill"];
    assert_eq!(embedded["refund_amount"], eur("0.00"), "{request}");
    let bill = paid.read(&self_href(embedded)).await;
    assert_eq!(bill["refund_amount"], eur("0.00"), "{bill}");
    assert_eq!(bill["refund_eligibility"], order["refund_eligibility"]);
    let approved = paid.put(&url, json!({"status": "approved"}), true).await;
    assert_problem_mentions(approved, StatusCode::FORBIDDEN, "refund_unauthorized", FULFILLED).await;
}

#[tokio::test]
async fn an_open_event_refund_keeps_the_order_refundable_whatever_the_buyer_did() {
    let paid = paid_ebook().await;
    let file = paid.app.get(&paid.download_href().await).await;
    assert_eq!(file.status(), StatusCode::OK);
    let body = json!({"reason": "The edition is withdrawn"});
    let url = format!("{}/withdrawal", paid.product);
    let withdrawn = paid.app.post_json(paid.as_merchant(), &url, &body).await;
    assert_eq!(withdrawn.status(), StatusCode::OK);
    let order = paid.order_now().await;
    assert_one_answer(&paid, &order, "12.50", &[]).await;
    let detail = &check(&order["refund_eligibility"], "not_fulfilled")["detail"];
    assert!(
        detail
            .as_str()
            .unwrap()
            .starts_with("Does not apply to an event refund"),
        "{detail}"
    );
    let listed = paid.read(&link(&order, "shop:refund_requests")).await;
    let request = &listed["_embedded"]["shop:refund_requests"][0];
    assert_eq!(request["source"], "event_refund");
    let request_bill = &request["_embedded"]["shop:refund_bill"];
    assert_eq!(request_bill["refund_amount"], order["refundable_total"]);
    let request_url = self_href(request);
    paid.set_status(&request_url, "approved").await;
    let processed = paid.set_status(&request_url, "processed").await;
    assert_eq!(processed["status"], "processed");
}

#[tokio::test]
async fn the_order_listing_gives_each_order_the_same_answer() {
    let paid = paid_ebook().await;
    let file = paid.app.get(&paid.download_href().await).await;
    assert_eq!(file.status(), StatusCode::OK);
    let order = paid.order_now().await;
    let listing = paid.app.get_json(paid.as_merchant(), "/orders").await;
    let listed = &listing["_embedded"]["shop:orders"][0];
    assert_eq!(listed["uid"], order["uid"]);
    assert_eq!(listed["refundable_total"], eur("0.00"));
    assert_eq!(listed["refund_eligibility"], order["refund_eligibility"]);
    assert_no_new_request_offered(listed);
}

#[tokio::test]
async fn an_unpaid_order_has_no_sale_to_refund_and_embeds_no_refund_bill() {
    let paid = paid().await;
    let order = place_order(&paid.app, &cart(NOOR).line(&paid.product, 1))
        .await
        .order;
    assert_eq!(order["refundable_total"], eur("0.00"));
    assert_eq!(failed(&order["refund_eligibility"]), ["sale_found"]);
    assert!(order["_embedded"].get("shop:refund_bill").is_none(), "{order}");
    assert_no_new_request_offered(&order);
}

#[tokio::test]
async fn a_till_of_a_shop_without_the_right_to_refund_cannot_void_a_purchase() {
    let till = till().await;
    till.buy("p1").await;
    forbid_refunds(&till.app).await;
    let refused = till.void("v1", "p1").await;
    let detail = "This shop does not have the right to refund sales.";
    let problem = assert_problem(refused, StatusCode::FORBIDDEN, "refund_unauthorized").await;
    assert_eq!(problem["detail"], detail);
    let order = till.app.get_json(Who::Merchant(&till.merchant), "/orders").await;
    let order = &order["_embedded"]["shop:orders"][0];
    assert_eq!(order["status"], "completed", "nothing was voided");
    assert_eq!(failed(&order["refund_eligibility"]), ["merchant_permission"]);
}
