//! PUT takes back what GET gave: a product or a refund request read, edited and put back
//! whole, with the ETag of the read.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{
    MerchantCredentials, TestApp, Who, assert_problem, ebook, etag_of, expect_json, json_of,
    refunds::{Paid, eur, paid},
    self_href, send, spawn_app,
};

/// A representation as `who` reads it, and its ETag.
async fn read(app: &TestApp, who: Who<'_>, url: &str) -> (Value, String) {
    let response = app.get_as(who, url).await;
    let etag = etag_of(&response);
    (expect_json(response, StatusCode::OK).await, etag)
}

/// PUTs `body` to `url` as `who`, with `If-Match` when given.
async fn put_back(app: &TestApp, who: Who<'_>, url: &str, if_match: Option<&str>, body: &Value) -> Response {
    let mut request = app.request(Method::PUT, url, who).json(body);
    if let Some(etag) = if_match {
        request = request.header("if-match", etag);
    }
    send(request).await
}

/// A product of a fresh merchant: the app, the merchant, the product's URL.
async fn product() -> (TestApp, MerchantCredentials, String) {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let url = app.create_product_href(&merchant, &ebook(1)).await;
    (app, merchant, url)
}

/// Asserts a 422 naming exactly these fields, and returns the problem.
async fn assert_refused_at(response: Response, paths: &[&str]) -> Value {
    let problem = assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let named: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {problem}"))
        .iter()
        .map(|error| error["path"].as_str().unwrap())
        .collect();
    assert_eq!(named, paths, "{problem}");
    problem
}

#[tokio::test]
async fn a_product_read_edited_and_put_back_whole_is_replaced() {
    let (app, merchant, url) = product().await;
    let (mut product, etag) = read(&app, Who::Anonymous, &url).await;
    product["title"] = json!("Book number 1, second edition");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &product).await;
    let replaced = expect_json(response, StatusCode::OK).await;
    assert_eq!(replaced["title"], "Book number 1, second edition");
    let (now, _) = read(&app, Who::Anonymous, &url).await;
    assert_eq!(now["title"], "Book number 1, second edition");
    assert_eq!(now["uid"], product["uid"]);
}

#[tokio::test]
async fn hypermedia_controls_put_back_are_ignored_whatever_they_hold() {
    let (app, merchant, url) = product().await;
    let (mut product, etag) = read(&app, Who::Anonymous, &url).await;
    product["_links"]["self"] = json!({"href": "https://elsewhere.example/products/1"});
    product["_embedded"] = json!({"shop:anything": [{"uid": "not this one"}]});
    product["_templates"] = json!({"default": {"method": "PUT", "properties": []}});
    product["available"] = json!(false);
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &product).await;
    let replaced = expect_json(response, StatusCode::OK).await;
    assert_eq!(replaced["available"], false);
    assert_eq!(self_href(&replaced), url);
    assert!(replaced.get("_embedded").is_none(), "{replaced}");
}

#[tokio::test]
async fn read_only_fields_put_back_written_another_way_are_unchanged() {
    let (app, merchant, url) = product().await;
    let (mut product, etag) = read(&app, Who::Anonymous, &url).await;
    let created_at = product["created_at"].as_str().unwrap().to_owned();
    let in_paris = chrono::DateTime::parse_from_rfc3339(&created_at)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .to_rfc3339();
    product["created_at"] = json!(in_paris);
    product["title"] = json!("Book number 1, revised");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &product).await;
    let replaced = expect_json(response, StatusCode::OK).await;
    assert_eq!(replaced["title"], "Book number 1, revised");
    assert_eq!(replaced["created_at"], created_at);
}

#[tokio::test]
async fn a_product_put_back_with_a_changed_uid_is_refused_and_left_unchanged() {
    let (app, merchant, url) = product().await;
    let (mut product, etag) = read(&app, Who::Anonymous, &url).await;
    product["uid"] = json!("0123456789abcdef0123456789abcdef");
    product["title"] = json!("Not saved");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &product).await;
    let problem = assert_refused_at(response, &["/uid"]).await;
    assert_eq!(
        problem["errors"][0]["message"],
        "uid is read-only; send it as it is or leave it out"
    );
    let (now, etag_now) = read(&app, Who::Anonymous, &url).await;
    assert_eq!(now["title"], "Book number 1");
    assert_eq!(etag_now, etag);
}

#[tokio::test]
async fn every_changed_read_only_field_of_a_product_is_named() {
    let (app, merchant, url) = product().await;
    let (mut product, etag) = read(&app, Who::Anonymous, &url).await;
    product["created_at"] = json!("2001-01-01T00:00:00Z");
    product["updated_at"] = json!("yesterday");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &product).await;
    assert_refused_at(response, &["/created_at", "/updated_at"]).await;
}

#[tokio::test]
async fn a_product_put_back_with_an_unknown_field_is_refused() {
    let (app, merchant, url) = product().await;
    let (mut product, etag) = read(&app, Who::Anonymous, &url).await;
    product["colour"] = json!("blue");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &product).await;
    let problem = assert_refused_at(response, &["/colour"]).await;
    assert_eq!(problem["errors"][0]["message"], "unknown field `colour`");
}

#[tokio::test]
async fn hypermedia_controls_that_are_not_objects_are_refused() {
    let (app, merchant, url) = product().await;
    let (mut product, etag) = read(&app, Who::Anonymous, &url).await;
    product["_links"] = json!("self");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &product).await;
    assert_refused_at(response, &["/_links"]).await;
}

#[tokio::test]
async fn a_product_put_back_without_if_match_is_answered_428() {
    let (app, merchant, url) = product().await;
    let (product, _) = read(&app, Who::Anonymous, &url).await;
    let response = put_back(&app, Who::Merchant(&merchant), &url, None, &product).await;
    assert_problem(
        response,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
}

#[tokio::test]
async fn a_product_put_back_with_a_stale_etag_is_answered_412_before_its_read_only_fields() {
    let (app, merchant, url) = product().await;
    let (mut product, stale) = read(&app, Who::Anonymous, &url).await;
    let (mut first, etag) = read(&app, Who::Anonymous, &url).await;
    first["title"] = json!("Changed first");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&etag), &first).await;
    expect_json(response, StatusCode::OK).await;
    product["uid"] = json!("0123456789abcdef0123456789abcdef");
    let response = put_back(&app, Who::Merchant(&merchant), &url, Some(&stale), &product).await;
    assert_problem(response, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(read(&app, Who::Anonymous, &url).await.0["title"], "Changed first");
}

#[tokio::test]
async fn the_openapi_document_marks_the_read_only_fields_of_a_replacement() {
    let app = spawn_app().await;
    let spec = json_of(app.get("/openapi.json").await).await;
    let schemas = &spec["components"]["schemas"];
    let body = &spec["paths"]["/products/{uid}"]["put"]["requestBody"]["content"]["application/json"];
    assert_eq!(body["schema"]["$ref"], "#/components/schemas/ProductReplacement");
    let replacement = &schemas["ProductReplacement"]["properties"];
    for field in ["uid", "created_at", "updated_at"] {
        assert_eq!(replacement[field]["readOnly"], true, "{field}");
        assert_eq!(
            schemas["ProductRepr"]["properties"][field]["readOnly"], true,
            "{field}"
        );
    }
    assert!(replacement["title"].get("readOnly").is_none());
    assert_eq!(replacement["_links"]["type"], "object");
    assert!(replacement["_links"].get("properties").is_none());
    let change = &schemas["RefundRequestChange"]["properties"];
    assert_eq!(change["submitted_bank_details"]["readOnly"], true);
    assert!(change["status"].get("readOnly").is_none());
}

/// A paid order of two tickets with a refund request its holder opened, and its URL.
async fn opened() -> (Paid, String) {
    let paid = paid().await;
    let url = paid.open_url(json!({"reason": "Cannot come"})).await;
    (paid, url)
}

#[tokio::test]
async fn a_holder_puts_back_the_request_read_with_a_new_split_and_it_is_changed() {
    let (paid, url) = opened().await;
    let (mut request, etag) = read(&paid.app, paid.holder(), &url).await;
    request["refund_percentage"] = json!("0.50");
    request["voucher_percentage"] = json!("0.50");
    let response = put_back(&paid.app, paid.holder(), &url, Some(&etag), &request).await;
    let changed = expect_json(response, StatusCode::OK).await;
    assert_eq!(changed["voucher_percentage"], "0.50");
    let (now, _) = read(&paid.app, paid.holder(), &url).await;
    assert_eq!(now["refund_percentage"], "0.50");
    assert_eq!(
        now["_embedded"]["shop:refund_bill"]["voucher_amount"],
        eur("25.00")
    );
    assert_eq!(now["reason"], "Cannot come");
}

#[tokio::test]
async fn the_merchant_approves_by_putting_back_the_request_read_with_a_new_status() {
    let (paid, url) = opened().await;
    let (mut request, etag) = read(&paid.app, paid.as_merchant(), &url).await;
    request["status"] = json!("approved");
    request["decision_reason"] = json!("Fine");
    let response = put_back(&paid.app, paid.as_merchant(), &url, Some(&etag), &request).await;
    let approved = expect_json(response, StatusCode::OK).await;
    assert_eq!(approved["status"], "approved");
    let (now, _) = read(&paid.app, paid.holder(), &url).await;
    assert_eq!(now["status"], "approved");
    assert_eq!(now["decision_reason"], "Fine");
    assert_eq!(now["reason"], "Cannot come");
}

#[tokio::test]
async fn a_request_put_back_with_a_changed_read_only_field_is_refused_and_left_unchanged() {
    let (paid, url) = opened().await;
    let (mut request, etag) = read(&paid.app, paid.holder(), &url).await;
    request["submitted_bank_details"] = json!(true);
    request["voucher_percentage"] = json!("1.00");
    request["refund_percentage"] = json!("0.00");
    let response = put_back(&paid.app, paid.holder(), &url, Some(&etag), &request).await;
    let problem = assert_refused_at(response, &["/submitted_bank_details"]).await;
    assert_eq!(
        problem["errors"][0]["message"],
        "submitted_bank_details is read-only; send it as it is or leave it out"
    );
    let (now, etag_now) = read(&paid.app, paid.holder(), &url).await;
    assert_eq!(now["refund_percentage"], "1.00");
    assert_eq!(etag_now, etag);
}

#[tokio::test]
async fn the_merchant_putting_back_a_request_with_a_changed_source_is_refused() {
    let (paid, url) = opened().await;
    let (mut request, etag) = read(&paid.app, paid.as_merchant(), &url).await;
    request["status"] = json!("approved");
    request["source"] = json!("event_refund");
    let response = put_back(&paid.app, paid.as_merchant(), &url, Some(&etag), &request).await;
    assert_refused_at(response, &["/source"]).await;
    assert_eq!(read(&paid.app, paid.holder(), &url).await.0["status"], "new");
}

#[tokio::test]
async fn a_request_put_back_with_an_unknown_field_is_refused() {
    let (paid, url) = opened().await;
    let (mut request, etag) = read(&paid.app, paid.holder(), &url).await;
    request["priority"] = json!("high");
    let response = put_back(&paid.app, paid.holder(), &url, Some(&etag), &request).await;
    let problem = assert_refused_at(response, &["/priority"]).await;
    assert_eq!(problem["errors"][0]["message"], "unknown field `priority`");
}

#[tokio::test]
async fn a_request_put_back_asking_to_go_back_to_new_is_refused() {
    let (paid, url) = opened().await;
    paid.set_status(&url, "approved").await;
    let (mut request, etag) = read(&paid.app, paid.as_merchant(), &url).await;
    request["status"] = json!("new");
    let response = put_back(&paid.app, paid.as_merchant(), &url, Some(&etag), &request).await;
    let problem = assert_problem(response, StatusCode::CONFLICT, "refund_request_state").await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("never goes back to new"),
        "{problem}"
    );
}

#[tokio::test]
async fn a_holder_changing_the_reason_of_a_request_is_refused() {
    let (paid, url) = opened().await;
    let (mut request, etag) = read(&paid.app, paid.holder(), &url).await;
    request["reason"] = json!("Changed my mind");
    let response = put_back(&paid.app, paid.holder(), &url, Some(&etag), &request).await;
    let problem = assert_refused_at(response, &["/reason"]).await;
    assert_eq!(
        problem["errors"][0]["message"],
        "a reason is given only with `status` approved or rejected"
    );
}

#[tokio::test]
async fn a_request_put_back_without_if_match_is_answered_428() {
    let (paid, url) = opened().await;
    let (request, _) = read(&paid.app, paid.holder(), &url).await;
    let response = put_back(&paid.app, paid.holder(), &url, None, &request).await;
    assert_problem(
        response,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
}

#[tokio::test]
async fn a_request_put_back_with_a_stale_etag_is_answered_412() {
    let (paid, url) = opened().await;
    let (mut request, stale) = read(&paid.app, paid.holder(), &url).await;
    paid.set_status(&url, "approved").await;
    request["keep_tickets"] = json!(true);
    let response = put_back(&paid.app, paid.holder(), &url, Some(&stale), &request).await;
    assert_problem(response, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;
    assert_eq!(
        read(&paid.app, paid.holder(), &url).await.0["keep_tickets"],
        false
    );
}

#[tokio::test]
async fn the_merchant_processes_by_putting_back_an_approved_request_with_its_decision_reason() {
    let (paid, url) = opened().await;
    let approval = json!({"status": "approved", "decision_reason": "Fine"});
    expect_json(paid.put(&url, approval, true).await, StatusCode::OK).await;
    let (mut request, etag) = read(&paid.app, paid.as_merchant(), &url).await;
    assert_eq!(request["decision_reason"], "Fine");
    request["status"] = json!("processed");
    let response = put_back(&paid.app, paid.as_merchant(), &url, Some(&etag), &request).await;
    let processed = expect_json(response, StatusCode::OK).await;
    assert_eq!(processed["status"], "processed");
    assert_eq!(processed["decision_reason"], "Fine");
}
