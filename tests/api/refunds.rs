use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{MerchantCredentials, TestApp, assert_problem, ebook, spawn_app, ticket};

struct Paid {
    app: TestApp,
    merchant: MerchantCredentials,
    product: String,
    order: Value,
    token: String,
}

/// A paid order of two EUR tickets (25.00 each, no tax for a buyer in Belgium).
async fn paid() -> Paid {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut body = ticket(1);
    body["price"] = json!({"amount": "25.00", "currency": "EUR"});
    let product = app.create_product(&merchant, &body).await["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let (order, token) = pay(&app, &product, 2).await;
    Paid {
        app,
        merchant,
        product,
        order,
        token,
    }
}

async fn pay(app: &TestApp, product: &str, quantity: i64) -> (Value, String) {
    let response = app
        .client
        .post(app.url("/orders"))
        .json(&json!({
            "products": [{"product": product, "quantity": quantity}],
            "consumer": {"email": "noor@example.com", "first_name": "Noor", "last_name": "Peeters", "country": "BE"},
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let order: Value = response.json().await.unwrap();
    let token = order["token"].as_str().unwrap().to_owned();
    let body = json!({
        "provider_reference": format!("psp_{}", order["uid"].as_str().unwrap()),
        "order": order["_links"]["self"]["href"],
        "amount": order["grand_total"],
        "status": "captured",
        "timestamp": chrono::Utc::now().to_rfc3339(),
    })
    .to_string();
    let response = app
        .client
        .post(app.url("/payment_notifications"))
        .header("content-type", "application/json")
        .header(
            "payment-signature",
            halshop::api::payments::sign(&app.payment_secret, body.as_bytes()),
        )
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    (order, token)
}

impl Paid {
    fn order_uri(&self) -> String {
        self.order["_links"]["self"]["href"].as_str().unwrap().to_owned()
    }

    async fn open(&self, extra: Value) -> reqwest::Response {
        let mut body = json!({"order": self.order_uri()});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        self.app
            .client
            .post(self.app.url("/refund_requests"))
            .header("order-token", &self.token)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    async fn get_as_holder(&self, url: &str) -> reqwest::Response {
        self.app
            .client
            .get(url)
            .header("order-token", &self.token)
            .send()
            .await
            .unwrap()
    }

    /// PUT with the current ETag, as the holder (`merchant` false) or the merchant.
    async fn put(&self, url: &str, body: Value, merchant: bool) -> reqwest::Response {
        let current = self.get_as_holder(url).await;
        let etag = current.headers()["etag"].to_str().unwrap().to_owned();
        let request = self.app.client.put(url).header("if-match", etag).json(&body);
        let request = if merchant {
            request.basic_auth(&self.merchant.app_key, Some(&self.merchant.secret))
        } else {
            request.header("order-token", &self.token)
        };
        request.send().await.unwrap()
    }

    async fn order_now(&self) -> Value {
        self.get_as_holder(&self.order_uri()).await.json().await.unwrap()
    }
}

fn money(amount: &str) -> Value {
    json!({"amount": amount, "currency": "EUR"})
}

#[tokio::test]
async fn the_reference_event_refund_is_reproduced_field_for_field() {
    let paid = paid().await;
    let app = &paid.app;
    let withdrawal = app
        .client
        .post(format!("{}/withdrawal", paid.product))
        .basic_auth(&paid.merchant.app_key, Some(&paid.merchant.secret))
        .json(&json!({"reason": "The reading night is cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(withdrawal.status(), StatusCode::OK);
    assert_eq!(
        withdrawal.json::<Value>().await.unwrap()["refund_requests_opened"],
        1
    );
    let product: Value = app.get(&paid.product).await.json().await.unwrap();
    assert_eq!(product["available"], false);

    let order = paid.order_now().await;
    let list_url = order["_links"]["shop:refund_requests"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let list: Value = paid.get_as_holder(&list_url).await.json().await.unwrap();
    assert_eq!(list["_links"]["self"]["href"], list_url.as_str());
    assert_eq!(list["_links"]["curies"][0]["name"], "shop");
    let request = &list["_embedded"]["shop:refund_requests"][0];
    assert_eq!(request["source"], "event_refund");
    assert_eq!(request["status"], "new");
    assert_eq!(request["refund_percentage"], "1.00");
    assert_eq!(request["change_order_percentage"], Value::Null);
    assert_eq!(request["voucher_percentage"], "0.00");
    assert_eq!(request["donation_percentage"], "0.00");
    assert_eq!(
        request["_embedded"]["shop:refund_bill"]["refund_amount"],
        money("50.00")
    );
    let url = request["_links"]["self"]["href"].as_str().unwrap().to_owned();

    let response = paid
        .put(
            &url,
            json!({"refund_percentage": "0.00", "voucher_percentage": "0.00", "donation_percentage": "1.00"}),
            false,
        )
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let request: Value = response.json().await.unwrap();
    let uid = request["uid"].as_str().unwrap();
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
            "refund_amount": money("0.00"),
            "voucher_amount": money("0.00"),
        }},
    });
    for (key, value) in expected.as_object().unwrap() {
        assert_eq!(&request[key], value, "{key}: {request}");
    }
    assert!(request["created_at"].as_str().unwrap().ends_with('Z'));
    let bill_url = request["_embedded"]["shop:refund_bill"]["_links"]["self"]["href"]
        .as_str()
        .unwrap();
    let bill: Value = paid.get_as_holder(bill_url).await.json().await.unwrap();
    assert_eq!(bill["refund_amount"], money("0.00"));
    assert_eq!(bill["donation_amount"], money("50.00"));
}

#[tokio::test]
async fn a_full_refund_is_approved_processed_and_voids_the_deliveries() {
    let paid = paid().await;
    let response = paid
        .open(json!({"reason": "Cannot come", "amount": money("50.00")}))
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let request: Value = response.json().await.unwrap();
    assert_eq!(request["source"], "customer_request");
    assert_eq!(request["refund_percentage"], "1.00");
    assert_eq!(
        request["direct_refundable_amount_breakdown"]["total"],
        money("50.00")
    );
    assert_eq!(
        request["direct_refundable_amount_breakdown"]["by_tickets"][0]["amount"],
        money("50.00")
    );

    let holder_tries = paid.put(&location, json!({"status": "approved"}), false).await;
    assert_problem(holder_tries, StatusCode::FORBIDDEN, "forbidden").await;
    let merchant_split = paid
        .put(
            &location,
            json!({"refund_percentage": "0.50", "donation_percentage": "0.50"}),
            true,
        )
        .await;
    assert_problem(merchant_split, StatusCode::FORBIDDEN, "forbidden").await;

    let approved = paid
        .put(&location, json!({"status": "approved", "reason": "Fine"}), true)
        .await;
    assert_eq!(approved.status(), StatusCode::OK);
    assert_eq!(approved.json::<Value>().await.unwrap()["status"], "approved");
    let too_late = paid
        .put(
            &location,
            json!({"donation_percentage": "1.00", "refund_percentage": "0.00"}),
            false,
        )
        .await;
    assert_problem(too_late, StatusCode::CONFLICT, "refund_request_state").await;

    let processed = paid.put(&location, json!({"status": "processed"}), true).await;
    assert_eq!(processed.status(), StatusCode::OK);
    let processed: Value = processed.json().await.unwrap();
    assert_eq!(processed["status"], "processed");
    assert_eq!(
        processed["_embedded"]["shop:refund_bill"]["refund_amount"],
        money("50.00")
    );
    let refunds_url = processed["_links"]["shop:refunds"]["href"].as_str().unwrap();
    let refunds: Value = paid.get_as_holder(refunds_url).await.json().await.unwrap();
    assert_eq!(refunds["item_count"], 1);
    let refund = &refunds["_embedded"]["shop:refunds"][0];
    assert_eq!(refund["type"], "psp");
    assert_eq!(refund["amount_breakdown"]["total"], money("50.00"));
    assert_eq!(
        refund["amount_breakdown"]["by_tickets"][0]["product_name"],
        "Reading night 1"
    );
    assert!(refund["receipt"].as_str().unwrap().starts_with("rf_"));

    let order = paid.order_now().await;
    assert_eq!(order["status"], "refunded");
    assert_eq!(order["refunded_total"], money("50.00"));
    assert_eq!(order["refundable_total"], money("0.00"));
    assert!(order["_links"].get("shop:refund_bill").is_none());
    for delivery in order["_embedded"]["shop:deliveries"].as_array().unwrap() {
        assert_eq!(delivery["status"], "voided");
    }
    assert_problem(
        paid.open(json!({})).await,
        StatusCode::CONFLICT,
        "already_refunded",
    )
    .await;
    let events = entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::EventType.is_in(["refund_request.processed", "refund.created"]))
        .all(&paid.app.db)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
}

#[tokio::test]
async fn a_voucher_share_becomes_a_voucher_that_pays_a_new_order_once() {
    let paid = paid().await;
    let request: Value = paid
        .open(json!({"refund_percentage": "0.60", "voucher_percentage": "0.40", "keep_tickets": true}))
        .await
        .json()
        .await
        .unwrap();
    let url = request["_links"]["self"]["href"].as_str().unwrap();
    assert_eq!(
        request["_embedded"]["shop:refund_bill"]["refund_amount"],
        money("30.00")
    );
    assert_eq!(
        request["_embedded"]["shop:refund_bill"]["voucher_amount"],
        money("20.00")
    );
    assert_eq!(
        paid.put(url, json!({"status": "approved"}), true).await.status(),
        StatusCode::OK
    );
    let processed: Value = paid
        .put(url, json!({"status": "processed"}), true)
        .await
        .json()
        .await
        .unwrap();
    let refunds: Value = paid
        .get_as_holder(processed["_links"]["shop:refunds"]["href"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    let voucher = refunds["_embedded"]["shop:refunds"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["type"] == "voucher")
        .unwrap()
        .clone();
    let code = voucher["voucher_code"].as_str().unwrap().to_owned();
    let order = paid.order_now().await;
    assert_eq!(order["status"], "refunded");
    assert!(
        order["_embedded"]["shop:deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|d| d["status"] == "active"),
        "keep_tickets"
    );

    let new_order = |code: &str| {
        paid.app
            .client
            .post(paid.app.url("/orders"))
            .json(&json!({
                "products": [{"product": paid.product.clone(), "quantity": 1}],
                "consumer": {"email": "noor@example.com", "first_name": "Noor", "last_name": "Peeters", "country": "BE"},
                "vouchers": [code],
            }))
            .send()
    };
    // The product was not withdrawn here; a new order of one ticket costs 25.00.
    let response = new_order(&code).await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let placed: Value = response.json().await.unwrap();
    assert_eq!(placed["voucher_total"], money("20.00"));
    assert_eq!(placed["grand_total"], money("5.00"));
    assert_problem(
        new_order(&code).await.unwrap(),
        StatusCode::CONFLICT,
        "voucher_used",
    )
    .await;
}

#[tokio::test]
async fn each_eligibility_rule_answers_its_code() {
    // Downloaded: fulfilled by the end user.
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    std::fs::create_dir_all(&app.content_dir).unwrap();
    std::fs::write(
        app.content_dir
            .join(format!("{}.epub", crate::helpers::isbn_for(1))),
        std::fs::read(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("content/9780141439518.epub"))
            .unwrap(),
    )
    .unwrap();
    let product = app.create_product(&merchant, &ebook(1)).await["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let (order, token) = pay(&app, &product, 1).await;
    let paid = Paid {
        app,
        merchant,
        product,
        order,
        token,
    };
    let order = paid.order_now().await;
    let delivery = &order["_embedded"]["shop:deliveries"][0];
    let link: Value = paid
        .app
        .client
        .post(
            delivery["_links"]["shop:download_links"]["href"]
                .as_str()
                .unwrap(),
        )
        .header("order-token", &paid.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        paid.app.get(link["href"].as_str().unwrap()).await.status(),
        StatusCode::OK
    );
    let problem = assert_problem(
        paid.open(json!({})).await,
        StatusCode::FORBIDDEN,
        "refund_unauthorized",
    )
    .await;
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("already been fulfilled by the end user")
    );

    // Read too far.
    let paid = self::paid().await;
    let order = paid.order_now().await;
    let usage = order["_embedded"]["shop:deliveries"][0]["_links"]["shop:usage"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = paid
        .app
        .client
        .put(&usage)
        .header("order-token", &paid.token)
        .json(&json!({"percent": 11}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let problem = assert_problem(
        paid.open(json!({})).await,
        StatusCode::FORBIDDEN,
        "refund_usage_limit",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("(10% viewed)"));

    // Too late.
    let paid = self::paid().await;
    entity::order::Entity::update_many()
        .col_expr(
            entity::order::Column::CompletedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(15)),
        )
        .exec(&paid.app.db)
        .await
        .unwrap();
    let problem = assert_problem(
        paid.open(json!({})).await,
        StatusCode::FORBIDDEN,
        "refund_time_limit",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("(14 days)"));

    // Wrong amount.
    let paid = self::paid().await;
    let problem = assert_problem(
        paid.open(json!({"amount": money("49.99")})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cost_mismatch",
    )
    .await;
    assert_eq!(problem["errors"][0]["path"], "/amount");

    // A shop without the right to refund.
    let paid = self::paid().await;
    entity::merchant::Entity::update_many()
        .col_expr(entity::merchant::Column::CanRefund, Expr::value(false))
        .exec(&paid.app.db)
        .await
        .unwrap();
    assert_problem(
        paid.open(json!({})).await,
        StatusCode::FORBIDDEN,
        "refund_unauthorized",
    )
    .await;

    // No sale: an order never paid.
    let paid = self::paid().await;
    let response = paid
        .app
        .client
        .post(paid.app.url("/orders"))
        .json(&json!({
            "products": [{"product": paid.product, "quantity": 1}],
            "consumer": {"email": "x@example.com", "first_name": "X", "last_name": "Y", "country": "BE"},
        }))
        .send()
        .await
        .unwrap();
    let unpaid: Value = response.json().await.unwrap();
    let response = paid
        .app
        .client
        .post(paid.app.url("/refund_requests"))
        .header("order-token", unpaid["token"].as_str().unwrap())
        .json(&json!({"order": unpaid["_links"]["self"]["href"]}))
        .send()
        .await
        .unwrap();
    let problem = assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    assert!(problem["detail"].as_str().unwrap().contains("sale was not found"));
}

#[tokio::test]
async fn bad_shares_are_refused_with_the_field_named() {
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
        let problem = assert_problem(
            paid.open(body.clone()).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["path"], path, "{body}");
    }
    let preview = paid
        .get_as_holder(&paid.app.url(&format!(
            "/refund-bill?order={}&refund_percentage=0.25&voucher_percentage=0.75",
            urlencode(&paid.order_uri())
        )))
        .await;
    assert_eq!(preview.status(), StatusCode::OK);
    let preview: Value = preview.json().await.unwrap();
    assert_eq!(preview["refundable_amount"], money("50.00"));
    assert_eq!(preview["refund_amount"], money("12.50"));
    assert_eq!(preview["voucher_amount"], money("37.50"));
    assert_eq!(preview["donation_amount"], money("0.00"));
    let listed: Value = paid
        .get_as_holder(&paid.app.url(&format!(
            "/refund_requests?order={}",
            urlencode(&paid.order_uri())
        )))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["item_count"], 0, "nothing was opened");
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[tokio::test]
async fn one_open_request_per_order_even_when_racing() {
    let paid = paid().await;
    let responses = futures::future::join_all((0..5).map(|_| paid.open(json!({})))).await;
    let created = responses
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    for response in responses
        .into_iter()
        .filter(|r| r.status() != StatusCode::CREATED)
    {
        assert_problem(response, StatusCode::CONFLICT, "refund_request_open").await;
    }
}

#[tokio::test]
async fn changes_need_the_current_etag_and_a_cancelled_request_frees_the_order() {
    let paid = paid().await;
    let response = paid.open(json!({})).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let url = response.json::<Value>().await.unwrap()["_links"]["self"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let no_etag = paid
        .app
        .client
        .put(&url)
        .header("order-token", &paid.token)
        .json(&json!({"keep_tickets": true}))
        .send()
        .await
        .unwrap();
    assert_problem(
        no_etag,
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    let changed = paid
        .app
        .client
        .put(&url)
        .header("order-token", &paid.token)
        .header("if-match", &etag)
        .json(&json!({"bank_details": {"account_holder": "Noor Peeters", "iban": "BE68 5390 0754 7034"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), StatusCode::OK);
    assert_eq!(
        changed.json::<Value>().await.unwrap()["submitted_bank_details"],
        true
    );
    let stale = paid
        .app
        .client
        .put(&url)
        .header("order-token", &paid.token)
        .header("if-match", &etag)
        .json(&json!({"keep_tickets": true}))
        .send()
        .await
        .unwrap();
    assert_problem(stale, StatusCode::PRECONDITION_FAILED, "precondition_failed").await;

    let cancelled = paid.put(&url, json!({"status": "cancelled"}), false).await;
    assert_eq!(cancelled.json::<Value>().await.unwrap()["status"], "cancelled");
    assert_eq!(
        paid.open(json!({"donation_percentage": "1.00"})).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn concurrent_processing_refunds_once() {
    let paid = paid().await;
    let request: Value = paid.open(json!({})).await.json().await.unwrap();
    let url = request["_links"]["self"]["href"].as_str().unwrap().to_owned();
    assert_eq!(
        paid.put(&url, json!({"status": "approved"}), true).await.status(),
        StatusCode::OK
    );
    let etag = paid.get_as_holder(&url).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let process = || {
        paid.app
            .client
            .put(&url)
            .basic_auth(&paid.merchant.app_key, Some(&paid.merchant.secret))
            .header("if-match", &etag)
            .json(&json!({"status": "processed"}))
            .send()
    };
    let responses = futures::future::join_all((0..6).map(|_| process())).await;
    assert_eq!(
        responses
            .iter()
            .filter(|r| r.unwrap_ref_status() == StatusCode::OK)
            .count(),
        1
    );
    let order = paid.order_now().await;
    assert_eq!(order["refunded_total"], money("50.00"));
    let refunds = entity::refund::Entity::find().all(&paid.app.db).await.unwrap();
    assert_eq!(refunds.len(), 1);
}

trait StatusOf {
    fn unwrap_ref_status(&self) -> StatusCode;
}

impl StatusOf for Result<reqwest::Response, reqwest::Error> {
    fn unwrap_ref_status(&self) -> StatusCode {
        self.as_ref().unwrap().status()
    }
}
