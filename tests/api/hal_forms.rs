//! HAL-FORMS `_templates`: every action a caller may take now is described on the
//! resource, with its method, target and fields, and a client submits it without knowing
//! any URL or body shape beforehand.

use reqwest::{Method, StatusCode};
use serde_json::{Map, Value, json};

use crate::helpers::{
    TestApp, Who, content_type, expect_json,
    orders::{NOOR, cart, place_order},
    refunds::{paid, paid_ebook},
    send,
};

/// The template named `name`, asserting it is there.
fn template<'a>(resource: &'a Value, name: &str) -> &'a Value {
    let found = &resource["_templates"][name];
    assert!(found.is_object(), "no `{name}` template in {resource:#}");
    found
}

/// The names of a resource's templates, `default` left out.
fn template_names(resource: &Value) -> Vec<String> {
    resource["_templates"]
        .as_object()
        .map(|templates| templates.keys().filter(|k| *k != "default").cloned().collect())
        .unwrap_or_default()
}

fn property<'a>(template: &'a Value, name: &str) -> &'a Value {
    template["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no `{name}` property in {template:#}"))
}

fn property_names(template: &Value) -> Vec<&str> {
    template["properties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect()
}

/// Submits a template as a generic HAL-FORMS client does: the fixed values as given, then
/// the caller's own values, sent with the template's method to its target.
async fn submit(app: &TestApp, who: Who<'_>, template: &Value, values: Value) -> reqwest::Response {
    let mut body = Map::new();
    for property in template["properties"].as_array().unwrap() {
        if property["readOnly"] == true {
            body.insert(
                property["name"].as_str().unwrap().into(),
                property["value"].clone(),
            );
        }
    }
    for (name, value) in values.as_object().unwrap() {
        body.insert(name.clone(), value.clone());
    }
    let method = Method::from_bytes(template["method"].as_str().unwrap().as_bytes()).unwrap();
    let target = template["target"].as_str().unwrap();
    assert_eq!(template["contentType"], "application/json");
    let mut request = app.request(method.clone(), target, who);
    if method == Method::PUT {
        // A shared resource is changed with the ETag of the version read (when it has one).
        let current = app.get_as(who, target).await;
        if current.status() == StatusCode::OK {
            request = request.header("if-match", crate::helpers::etag_of(&current));
        }
    }
    send(request.json(&Value::Object(body))).await
}

#[tokio::test]
async fn the_root_offers_pricing_and_placing_an_order_with_the_order_fields() {
    let app = crate::helpers::spawn_app().await;
    let root = app.get_json(Who::Anonymous, "/").await;
    let place = template(&root, "create_order");
    assert_eq!(place["method"], "POST");
    assert_eq!(place["target"], app.url("/orders"));
    assert_eq!(
        property_names(place),
        [
            "products",
            "consumer",
            "external_reference",
            "currency",
            "vouchers",
            "redirect_url"
        ]
    );
    assert_eq!(property(place, "products")["multi"], true);
    assert_eq!(property(place, "products")["required"], true);
    let consumer = property(place, "consumer");
    assert_eq!(consumer["properties"][3]["name"], "country");
    assert_eq!(consumer["properties"][3]["regex"], "^[A-Za-z]{2}$");
    assert_eq!(template(&root, "price")["target"], app.url("/bill"));
    assert_eq!(root["_templates"]["default"], root["_templates"]["price"]);
}

#[tokio::test]
async fn an_order_placed_through_the_roots_template_is_created() {
    let paid = paid().await;
    let root = paid.app.get_json(Who::Anonymous, "/").await;
    let body = cart(NOOR).line(&paid.product, 1).body().clone();
    let response = submit(&paid.app, Who::Anonymous, template(&root, "create_order"), body).await;
    let order = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(order["status"], "awaiting_payment");
    assert_eq!(template_names(&order), ["cancel"]);
}

#[tokio::test]
async fn an_order_awaiting_payment_is_cancelled_through_its_cancel_template() {
    let paid = paid().await;
    let placed = place_order(&paid.app, &cart(NOOR).line(&paid.product, 1)).await;
    let order = placed.read(&paid.app).await;
    let cancel = template(&order, "cancel");
    assert_eq!(property(cancel, "order")["value"], placed.url());
    assert_eq!(property(cancel, "order")["readOnly"], true);
    let response = submit(
        &paid.app,
        placed.who(),
        cancel,
        json!({"reason": "Changed my mind"}),
    )
    .await;
    let cancelled = expect_json(response, StatusCode::OK).await;
    assert_eq!(cancelled["status"], "cancelled");
    assert!(cancelled.get("_templates").is_none(), "{cancelled:#}");
}

#[tokio::test]
async fn a_paid_order_offers_its_holder_a_refund_request_without_the_change_of_order_share() {
    let paid = paid().await;
    let order = paid.order_now().await;
    assert_eq!(template_names(&order), ["request_refund"]);
    let request = template(&order, "request_refund");
    assert_eq!(request["target"], paid.app.url("/refund_requests"));
    assert_eq!(property(request, "order")["value"], paid.order_uri());
    assert_eq!(property(request, "refund_percentage")["value"], "1.00");
    assert!(!property_names(request).contains(&"change_order_percentage"));
}

#[tokio::test]
async fn a_refund_request_opened_through_the_orders_template_is_created() {
    let paid = paid().await;
    let order = paid.order_now().await;
    let values = json!({"voucher_percentage": "0.50", "refund_percentage": "0.50"});
    let response = submit(
        &paid.app,
        paid.holder(),
        template(&order, "request_refund"),
        values,
    )
    .await;
    let request = expect_json(response, StatusCode::CREATED).await;
    assert_eq!(request["status"], "new");
    assert_eq!(request["voucher_percentage"], "0.50");
    assert_eq!(template_names(&request), ["cancel", "update"]);
}

#[tokio::test]
async fn the_merchant_reading_a_paid_order_is_not_offered_a_refund_request() {
    let paid = paid().await;
    let order = paid.app.get_json(paid.as_merchant(), &paid.order_uri()).await;
    assert!(order.get("_templates").is_none(), "{order:#}");
}

#[tokio::test]
async fn the_merchant_is_offered_approval_and_rejection_of_a_new_request() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    let request = paid.app.get_json(paid.as_merchant(), &url).await;
    assert_eq!(template_names(&request), ["approve", "reject"]);
    let approve = template(&request, "approve");
    assert_eq!(approve["method"], "PUT");
    assert_eq!(approve["target"], url);
    assert_eq!(property(approve, "status")["value"], "approved");
    assert_eq!(
        property(approve, "status")["options"]["inline"][0]["value"],
        "approved"
    );
    assert_eq!(property(template(&request, "reject"), "reason")["required"], true);
}

#[tokio::test]
async fn an_approved_request_is_processed_through_the_merchants_process_template() {
    let paid = paid().await;
    let url = paid.approved_url().await;
    let request = paid.app.get_json(paid.as_merchant(), &url).await;
    assert_eq!(template_names(&request), ["process", "reject"]);
    let response = submit(
        &paid.app,
        paid.as_merchant(),
        template(&request, "process"),
        json!({}),
    )
    .await;
    let processed = expect_json(response, StatusCode::OK).await;
    assert_eq!(processed["status"], "processed");
    assert!(processed.get("_templates").is_none(), "{processed:#}");
}

#[tokio::test]
async fn the_holder_cancels_a_new_request_through_its_cancel_template() {
    let paid = paid().await;
    let url = paid.open_url(json!({})).await;
    let request = paid.read(&url).await;
    let response = submit(&paid.app, paid.holder(), template(&request, "cancel"), json!({})).await;
    assert_eq!(expect_json(response, StatusCode::OK).await["status"], "cancelled");
}

#[tokio::test]
async fn a_product_offers_editing_and_withdrawal_to_its_merchant_only() {
    let paid = paid().await;
    let anonymous = paid.app.get_json(Who::Anonymous, &paid.product).await;
    assert!(anonymous.get("_templates").is_none(), "{anonymous:#}");
    let other = paid.app.merchant_named("Other shop").await;
    let foreign = paid.app.get_json(Who::Merchant(&other), &paid.product).await;
    assert!(foreign.get("_templates").is_none(), "{foreign:#}");
    let own = paid.app.get_json(paid.as_merchant(), &paid.product).await;
    assert_eq!(template_names(&own), ["edit", "withdraw"]);
    let edit = template(&own, "edit");
    assert_eq!(edit["method"], "PUT");
    assert_eq!(property(edit, "title")["value"], own["title"]);
    let kinds: Vec<&Value> = property(edit, "kind")["options"]["inline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|option| &option["value"])
        .collect();
    assert_eq!(kinds, [&json!("ebook"), &json!("ticket")]);
}

#[tokio::test]
async fn a_products_edit_template_starts_from_every_current_value() {
    let paid = paid().await;
    let own = paid.app.get_json(paid.as_merchant(), &paid.product).await;
    let edit = template(&own, "edit");
    let member = |name: &str, member: &str| property(property(edit, name), member)["value"].clone();
    assert_eq!(member("price", "amount"), own["price"]["amount"]);
    assert_eq!(member("price", "currency"), own["price"]["currency"]);
    let days = own["refund_policy"]["refund_days"].to_string();
    assert_eq!(member("refund_policy", "refund_days"), json!(days));
    let includes_tax = own["price_includes_tax"].to_string();
    assert_eq!(property(edit, "price_includes_tax")["value"], json!(includes_tax));
    assert_eq!(property(edit, "available")["value"], json!("true"));
}

#[tokio::test]
async fn a_withdrawn_product_no_longer_offers_withdrawal() {
    let paid = paid().await;
    let own = paid.app.get_json(paid.as_merchant(), &paid.product).await;
    let response = submit(
        &paid.app,
        paid.as_merchant(),
        template(&own, "withdraw"),
        json!({"reason": "The concert is cancelled"}),
    )
    .await;
    expect_json(response, StatusCode::OK).await;
    let after = paid.app.get_json(paid.as_merchant(), &paid.product).await;
    assert_eq!(template_names(&after), ["edit"]);
}

#[tokio::test]
async fn the_catalogue_offers_a_merchant_to_add_a_product() {
    let paid = paid().await;
    let anonymous = paid.app.get_json(Who::Anonymous, "/products").await;
    assert!(anonymous.get("_templates").is_none(), "{anonymous:#}");
    let catalogue = paid.app.get_json(paid.as_merchant(), "/products").await;
    let create = template(&catalogue, "create");
    assert_eq!(create["target"], paid.app.url("/products"));
    assert_eq!(property(create, "sku")["regex"], "^[A-Za-z0-9._-]{1,64}$");
    assert_eq!(property(create, "price")["properties"][0]["name"], "amount");
}

#[tokio::test]
async fn a_download_link_is_created_through_the_deliverys_template() {
    let paid = paid_ebook().await;
    let delivery = paid.first_delivery().await;
    assert_eq!(
        template_names(&delivery),
        ["create_download_link", "redeem_code", "report_usage"]
    );
    let create = template(&delivery, "create_download_link");
    assert_eq!(create["properties"], json!([]));
    let response = submit(&paid.app, paid.holder(), create, json!({})).await;
    let link = expect_json(response, StatusCode::CREATED).await;
    assert!(link["href"].as_str().unwrap().contains("/downloads/"), "{link:#}");
}

#[tokio::test]
async fn reading_progress_is_reported_through_the_deliverys_template() {
    let paid = paid_ebook().await;
    let delivery = paid.first_delivery().await;
    let report = template(&delivery, "report_usage");
    assert_eq!(property(report, "percent")["max"], 100.0);
    let response = submit(&paid.app, paid.holder(), report, json!({"percent": 40})).await;
    assert_eq!(expect_json(response, StatusCode::OK).await["usage_percent"], 40);
}

#[tokio::test]
async fn a_client_asking_for_hal_forms_gets_the_same_document_under_that_media_type() {
    let app = crate::helpers::spawn_app().await;
    let plain = app.get_json(Who::Anonymous, "/").await;
    let response = send(app.request(Method::GET, "/", Who::Anonymous).header(
        "accept",
        "application/prs.hal-forms+json, application/hal+json;q=0.9",
    ))
    .await;
    assert_eq!(content_type(response.headers()), "application/prs.hal-forms+json");
    let forms: Value = response.json().await.unwrap();
    assert_eq!(forms["_templates"], plain["_templates"]);
}

#[tokio::test]
async fn a_client_preferring_plain_hal_gets_hal_json() {
    let app = crate::helpers::spawn_app().await;
    let response = send(app.request(Method::GET, "/", Who::Anonymous).header(
        "accept",
        "application/hal+json, application/prs.hal-forms+json;q=0.5",
    ))
    .await;
    assert_eq!(content_type(response.headers()), "application/hal+json");
}

#[tokio::test]
async fn a_downloaded_order_offers_no_refund_request_as_its_eligibility_says() {
    let paid = paid_ebook().await;
    let file = paid.download_href().await;
    assert_eq!(
        paid.app.get_as(paid.holder(), &file).await.status(),
        StatusCode::OK
    );
    let order = paid.order_now().await;
    assert_eq!(order["refund_eligibility"]["eligible"], false);
    assert!(order.get("_templates").is_none(), "{order:#}");
}

#[tokio::test]
async fn an_order_with_an_open_request_offers_no_second_one() {
    let paid = paid().await;
    paid.open_url(json!({})).await;
    let order = paid.order_now().await;
    assert!(order.get("_templates").is_none(), "{order:#}");
}
