use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{MerchantCredentials, TestApp, assert_problem, ebook, spawn_app, ticket};

struct Shop {
    app: TestApp,
    merchant: MerchantCredentials,
    /// CAD 19.99, tax not included.
    cad_ebook: String,
    /// EUR 4.99, tax included.
    eur_ebook: String,
    /// CAD 25.00, at most 4 per order.
    cad_ticket: String,
}

async fn shop() -> Shop {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut cad = ebook(1);
    cad["price"] = json!({"amount": "19.99", "currency": "CAD"});
    cad["price_includes_tax"] = json!(false);
    let mut eur = ebook(2);
    eur["price"] = json!({"amount": "4.99", "currency": "EUR"});
    let href = |p: Value| p["_links"]["self"]["href"].as_str().unwrap().to_owned();
    let cad_ebook = href(app.create_product(&merchant, &cad).await);
    let eur_ebook = href(app.create_product(&merchant, &eur).await);
    let cad_ticket = href(app.create_product(&merchant, &ticket(1)).await);
    Shop {
        app,
        merchant,
        cad_ebook,
        eur_ebook,
        cad_ticket,
    }
}

fn cart(lines: &[(&str, i64)], country: &str, region: Option<&str>) -> Value {
    json!({
        "products": lines.iter().map(|(p, q)| json!({"product": p, "quantity": q})).collect::<Vec<_>>(),
        "consumer": {"email": "Marie.Tremblay@example.com", "first_name": "Marie", "last_name": "Tremblay",
                     "country": country, "region": region},
    })
}

impl Shop {
    async fn post(&self, path: &str, body: &Value) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .json(body)
            .send()
            .await
            .unwrap()
    }

    async fn place(&self, body: &Value) -> (Value, String) {
        let response = self.post("/orders", body).await;
        let status = response.status();
        let header_token = response
            .headers()
            .get("order-token")
            .map(|v| v.to_str().unwrap().to_owned());
        let order: Value = response.json().await.unwrap();
        assert_eq!(status, StatusCode::CREATED, "{order}");
        let token = order["token"].as_str().unwrap().to_owned();
        assert_eq!(header_token.as_deref(), Some(token.as_str()));
        (order, token)
    }

    async fn get_with_token(&self, url: &str, token: &str) -> reqwest::Response {
        self.app
            .client
            .get(url)
            .header("order-token", token)
            .send()
            .await
            .unwrap()
    }

    async fn customer_token(&self, sub: &str, expires_in: i64) -> String {
        let key = halshop::auth::dev_idp::load_or_create(&self.app.db)
            .await
            .unwrap();
        let now = chrono::Utc::now().timestamp();
        key.sign(&json!({
            "sub": sub, "iss": self.app.url("/dev-idp"), "token_use": "access",
            "client_id": "halshop-dev", "iat": now, "exp": now + expires_in,
        }))
        .unwrap()
    }

    async fn merchant_get(&self, merchant: &MerchantCredentials, url: &str) -> reqwest::Response {
        self.app
            .client
            .get(url)
            .basic_auth(&merchant.app_key, Some(&merchant.secret))
            .send()
            .await
            .unwrap()
    }
}

fn money(amount: &str, currency: &str) -> Value {
    json!({"amount": amount, "currency": currency})
}

#[tokio::test]
async fn the_bill_prices_a_quebec_ebook_with_gst_and_qst_and_saves_nothing() {
    let shop = shop().await;
    let response = shop
        .post("/bill", &cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC")))
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bill: Value = response.json().await.unwrap();
    assert_eq!(bill["product_total"], money("19.99", "CAD"));
    assert_eq!(
        bill["taxes"],
        json!([
            {"name": "GST", "rate": "5", "amount": money("1.00", "CAD")},
            {"name": "QST", "rate": "9.975", "amount": money("1.99", "CAD")},
        ])
    );
    assert_eq!(bill["tax_total"], money("2.99", "CAD"));
    assert_eq!(bill["grand_total"], money("22.98", "CAD"));
    assert_eq!(bill["lines"][0]["total"], money("22.98", "CAD"));
    assert_eq!(bill["_links"]["shop:orders"]["href"], shop.app.url("/orders"));

    let listed: Value = shop
        .merchant_get(&shop.merchant, &shop.app.url("/orders"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["item_count"], 0, "the bill saves nothing");
}

#[tokio::test]
async fn included_tax_is_extracted_and_other_provinces_get_their_own_tax() {
    let shop = shop().await;
    let bill: Value = shop
        .post("/bill", &cart(&[(&shop.eur_ebook, 1)], "FR", None))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bill["grand_total"], money("4.99", "EUR"));
    assert_eq!(
        bill["taxes"],
        json!([{"name": "TVA", "rate": "5.5", "amount": money("0.26", "EUR")}])
    );
    assert_eq!(bill["product_total"], money("4.73", "EUR"));

    let bill: Value = shop
        .post("/bill", &cart(&[(&shop.cad_ticket, 2)], "ca", Some("on")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        bill["taxes"],
        json!([{"name": "HST", "rate": "13", "amount": money("6.50", "CAD")}])
    );
    assert_eq!(bill["grand_total"], money("56.50", "CAD"));

    let bill: Value = shop
        .post("/bill", &cart(&[(&shop.cad_ebook, 1)], "CA", Some("AB")))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bill["grand_total"], money("20.99", "CAD"));

    let bill: Value = shop
        .post("/bill", &cart(&[(&shop.cad_ebook, 1)], "US", None))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bill["taxes"], json!([]), "no tax where none is configured");
    assert_eq!(bill["grand_total"], money("19.99", "CAD"));
}

#[tokio::test]
async fn a_guest_places_an_order_and_reads_it_back_with_its_token_only() {
    let shop = shop().await;
    let mut body = cart(&[(&shop.cad_ebook, 1), (&shop.cad_ticket, 2)], "CA", Some("QC"));
    body["external_reference"] = json!("cart-42");
    let response = shop.post("/orders", &body).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["content-type"], "application/hal+json");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let token = response.headers()["order-token"].to_str().unwrap().to_owned();
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["token"], token);
    assert_eq!(
        location,
        shop.app
            .url(&format!("/orders/{}", order["uid"].as_str().unwrap()))
    );
    assert_eq!(order["status"], "awaiting_payment");
    assert_eq!(order["sale_state"], "test");
    assert_eq!(order["channel"], "web");
    assert!(order["transaction_id"].as_str().unwrap().starts_with("tx_"));
    assert!(order["customer_id"].as_str().unwrap().starts_with("guest_"));
    assert_eq!(order["external_reference"], "cart-42");
    // 19.99 + GST 1.00 + QST 1.99 ; 50.00 + GST 2.50 + QST 4.99
    assert_eq!(order["grand_total"], money("80.47", "CAD"));
    assert_eq!(order["refundable_total"], money("0.00", "CAD"));
    assert_eq!(order["customer_service"]["email"], "help@bookstore.example");
    assert_eq!(
        order["_links"]["shop:ordercancellation"]["href"],
        shop.app.url("/ordercancellation")
    );
    assert_eq!(
        order["_embedded"]["shop:order_lines"].as_array().unwrap().len(),
        2
    );

    let response = shop.get_with_token(&location, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    let read: Value = response.json().await.unwrap();
    assert!(read.get("token").is_none(), "the token is shown only once");
    assert_eq!(read["_links"]["self"]["href"], location);
    assert_eq!(read["grand_total"], order["grand_total"]);
    let lines = read["_embedded"]["shop:order_lines"].as_array().unwrap();
    assert_eq!(lines[1]["quantity"], 2);
    assert_eq!(lines[1]["product"], shop.cad_ticket.as_str());
    assert_eq!(
        lines[1]["_links"]["shop:product"]["href"],
        shop.cad_ticket.as_str()
    );

    let stored: Vec<String> = {
        use sea_orm::EntityTrait;
        entity::order::Entity::find()
            .all(&shop.app.db)
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.token_hash)
            .collect()
    };
    assert_ne!(stored[0], token, "only a hash of the token is stored");
    assert_eq!(stored[0].len(), 64);
}

#[tokio::test]
async fn the_same_guest_email_always_gives_the_same_customer_id() {
    let shop = shop().await;
    let (first, _) = shop.place(&cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"))).await;
    let mut again = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    again["consumer"]["email"] = json!("  marie.tremblay@EXAMPLE.com ");
    let (second, _) = shop.place(&again).await;
    assert_eq!(first["customer_id"], second["customer_id"]);
    assert_ne!(
        first["transaction_id"], second["transaction_id"],
        "one transaction id per cart"
    );
    let mut other = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    other["consumer"]["email"] = json!("jean@example.com");
    let (third, _) = shop.place(&other).await;
    assert_ne!(first["customer_id"], third["customer_id"]);
}

#[tokio::test]
async fn a_customer_order_is_theirs_to_read_and_list_and_nobody_elses() {
    let shop = shop().await;
    let alice = shop.customer_token("alice", 3600).await;
    let bob = shop.customer_token("bob", 3600).await;
    let response = shop
        .app
        .client
        .post(shop.app.url("/orders"))
        .bearer_auth(&alice)
        .json(&cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["customer_id"], "alice");
    let url = order["_links"]["self"]["href"].as_str().unwrap().to_owned();

    let read = shop
        .app
        .client
        .get(&url)
        .header("cognito-token", &alice)
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::OK);
    let mine: Value = shop
        .app
        .client
        .get(shop.app.url("/orders"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(mine["item_count"], 1);
    assert_eq!(mine["_embedded"]["shop:orders"][0]["uid"], order["uid"]);
    assert!(mine["_embedded"]["shop:orders"][0].get("_embedded").is_none());

    let me: Value = shop
        .app
        .client
        .get(shop.app.url("/me"))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["_links"]["shop:orders"]["href"], shop.app.url("/orders"));

    let theirs = shop.app.client.get(&url).bearer_auth(&bob).send().await.unwrap();
    assert_problem(theirs, StatusCode::NOT_FOUND, "not_found").await;
    let bobs: Value = shop
        .app
        .client
        .get(shop.app.url("/orders"))
        .bearer_auth(&bob)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(bobs["item_count"], 0);

    let expired = shop.customer_token("alice", -3600).await;
    let response = shop
        .app
        .client
        .get(&url)
        .bearer_auth(&expired)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::UNAUTHORIZED, "token_expired").await;
}

#[tokio::test]
async fn every_wrong_credential_gets_the_same_404_or_a_401() {
    let shop = shop().await;
    let (order, _token) = shop.place(&cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"))).await;
    let (_other_order, other_token) = shop
        .place(&cart(&[(&shop.cad_ticket, 1)], "CA", Some("QC")))
        .await;
    let url = order["_links"]["self"]["href"].as_str().unwrap();

    let wrong = shop.get_with_token(url, &other_token).await;
    let wrong_body = assert_problem(wrong, StatusCode::NOT_FOUND, "not_found").await;
    let made_up = shop.get_with_token(url, "ot_0000").await;
    let made_up_body = assert_problem(made_up, StatusCode::NOT_FOUND, "not_found").await;
    let missing = shop
        .get_with_token(
            &shop.app.url("/orders/0123456789abcdef0123456789abcdef"),
            &other_token,
        )
        .await;
    let missing_body = assert_problem(missing, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(wrong_body["detail"], missing_body["detail"], "no oracle");
    assert_eq!(made_up_body["detail"], missing_body["detail"]);

    let other_shop = shop.app.merchant_named("Another shop").await;
    assert_problem(
        shop.merchant_get(&other_shop, url).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_eq!(
        shop.merchant_get(&shop.merchant, url).await.status(),
        StatusCode::OK
    );

    let wrong_secret = MerchantCredentials {
        app_key: shop.merchant.app_key.clone(),
        secret: "sk_nope".into(),
    };
    assert_problem(
        shop.merchant_get(&wrong_secret, url).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;

    let nothing = shop.app.get(url).await;
    assert!(nothing.headers().contains_key("www-authenticate"));
    assert_problem(nothing, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let forged = shop
        .app
        .client
        .get(url)
        .bearer_auth("eyJhbGciOiJIUzI1NiJ9.e30.x")
        .send()
        .await
        .unwrap();
    assert_problem(forged, StatusCode::UNAUTHORIZED, "token_invalid").await;

    assert_problem(
        shop.app.get("/orders").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let with_token = shop
        .app
        .client
        .get(shop.app.url("/orders"))
        .header("order-token", &other_token)
        .send()
        .await
        .unwrap();
    assert_problem(with_token, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_merchant_lists_the_shops_orders_with_filters() {
    let shop = shop().await;
    let mut tagged = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    tagged["external_reference"] = json!("till-7");
    let (first, token) = shop.place(&tagged).await;
    shop.place(&cart(&[(&shop.cad_ticket, 3)], "CA", Some("QC")))
        .await;
    let cancel = shop
        .app
        .client
        .post(shop.app.url("/ordercancellation"))
        .header("order-token", &token)
        .json(&json!({"order": first["_links"]["self"]["href"], "reason": "changed my mind"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), StatusCode::OK);

    let count = |query: &'static str| {
        let shop = &shop;
        async move {
            let body: Value = shop
                .merchant_get(&shop.merchant, &shop.app.url(&format!("/orders{query}")))
                .await
                .json()
                .await
                .unwrap();
            body["item_count"].as_u64().unwrap()
        }
    };
    assert_eq!(count("").await, 2);
    assert_eq!(count("?status=cancelled").await, 1);
    assert_eq!(count("?status=awaiting_payment").await, 1);
    assert_eq!(count("?external_reference=till-7").await, 1);
    assert_eq!(count("?created_gte=2000-01-01T00:00:00Z").await, 2);
    assert_eq!(count("?created_lt=2000-01-01T00:00:00Z").await, 0);
    let page: Value = shop
        .merchant_get(&shop.merchant, &shop.app.url("/orders?page_size=1"))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        page["_links"]["next"]["href"]
            .as_str()
            .unwrap()
            .contains("page=2")
    );
    assert_eq!(page["_links"]["search"]["templated"], true);
    let other = shop.app.merchant_named("Another shop").await;
    let theirs: Value = shop
        .merchant_get(&other, &shop.app.url("/orders"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["item_count"], 0);
    assert_problem(
        shop.merchant_get(&shop.merchant, &shop.app.url("/orders?status=lost"))
            .await,
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;
}

#[tokio::test]
async fn an_order_awaiting_payment_is_cancelled_once_and_for_good() {
    let shop = shop().await;
    let (order, token) = shop.place(&cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"))).await;
    let (_, other_token) = shop.place(&cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"))).await;
    let url = order["_links"]["self"]["href"].as_str().unwrap();
    let cancel = |token: &str, reason: &str| {
        shop.app
            .client
            .post(shop.app.url("/ordercancellation"))
            .header("order-token", token)
            .json(&json!({"order": url, "reason": reason}))
            .send()
    };
    assert_problem(
        cancel(&other_token, "not mine").await.unwrap(),
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let problem = assert_problem(
        cancel(&token, "  ").await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(problem["errors"][0]["path"], "/reason");

    let response = cancel(&token, "Bought the wrong edition").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let cancelled: Value = response.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(cancelled["cancel_reason"], "Bought the wrong edition");
    assert!(cancelled["_links"].get("shop:ordercancellation").is_none());

    let problem = assert_problem(
        cancel(&token, "again").await.unwrap(),
        StatusCode::CONFLICT,
        "cannot_cancel",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("already cancelled"));
    let read: Value = shop.get_with_token(url, &token).await.json().await.unwrap();
    assert_eq!(read["status"], "cancelled");
    assert_eq!(read["cancel_reason"], "Bought the wrong edition");
}

#[tokio::test]
async fn bad_carts_are_refused_with_the_offending_field_and_nothing_is_saved() {
    let shop = shop().await;
    let withdrawn = {
        let mut body = ebook(50);
        body["available"] = json!(false);
        body["price"] = json!({"amount": "3.00", "currency": "CAD"});
        shop.app.create_product(&shop.merchant, &body).await["_links"]["self"]["href"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let unknown = shop.app.url("/products/0123456789abcdef0123456789abcdef");
    let qc = |lines: &[(&str, i64)]| cart(lines, "CA", Some("QC"));
    let cases: Vec<(Value, StatusCode, &str, &str)> = vec![
        (
            qc(&[(&unknown, 1)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_product",
            "/products/0/product",
        ),
        (
            qc(&[(&shop.cad_ebook, 1), ("not a uri", 1)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_product",
            "/products/1/product",
        ),
        (
            qc(&[(&withdrawn, 1)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "cannot_sell",
            "/products/0/product",
        ),
        (
            qc(&[(&shop.cad_ebook, 2)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity_limit",
            "/products/0/quantity",
        ),
        (
            qc(&[(&shop.cad_ticket, 5)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity_limit",
            "/products/0/quantity",
        ),
        (
            qc(&[(&shop.cad_ticket, 999_999_999_999)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "quantity_limit",
            "/products/0/quantity",
        ),
        (
            qc(&[(&shop.cad_ebook, 0)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "/products/0/quantity",
        ),
        (
            qc(&[(&shop.cad_ebook, -1)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "/products/0/quantity",
        ),
        (
            qc(&[(&shop.cad_ebook, 1), (&shop.eur_ebook, 1)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "currency_mismatch",
            "/products/1/product",
        ),
        (
            qc(&[(&shop.cad_ebook, 1), (&shop.cad_ebook, 1)]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "/products/1/product",
        ),
        (
            qc(&[]),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "/products",
        ),
        (
            cart(&[(&shop.cad_ebook, 1)], "CA", None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "/consumer/region",
        ),
        (
            cart(&[(&shop.cad_ebook, 1)], "CAN", None),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "/consumer/country",
        ),
        (
            json!({"products": [{"product": shop.cad_ebook, "quantity": "1"}], "consumer": qc(&[])["consumer"]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "/products/0/quantity",
        ),
        (
            json!({"products": [{"product": shop.cad_ebook, "quantity": 1}]}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "",
        ),
    ];
    for (body, status, code, path) in cases {
        for endpoint in ["/bill", "/orders"] {
            let problem = assert_problem(shop.post(endpoint, &body).await, status, code).await;
            let paths: Vec<&str> = problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["path"].as_str().unwrap())
                .collect();
            assert!(
                paths.contains(&path) || (path.is_empty() && !paths.is_empty()),
                "{endpoint} {body}: {problem}"
            );
        }
    }
    for (email, ok) in [
        ("no-at-sign", false),
        ("a@b", false),
        ("two words@example.com", false),
        ("a@example.com", true),
    ] {
        let mut body = qc(&[(&shop.cad_ebook, 1)]);
        body["consumer"]["email"] = json!(email);
        let response = shop.post("/bill", &body).await;
        if ok {
            assert_eq!(response.status(), StatusCode::OK, "{email}");
        } else {
            let problem =
                assert_problem(response, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
            assert_eq!(problem["errors"][0]["path"], "/consumer/email", "{email}");
        }
    }
    let mut asked = qc(&[(&shop.cad_ebook, 1)]);
    asked["currency"] = json!("EUR");
    let problem = assert_problem(
        shop.post("/orders", &asked).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "currency_mismatch",
    )
    .await;
    assert_eq!(problem["errors"][0]["path"], "/products/0/product");

    let listed: Value = shop
        .merchant_get(&shop.merchant, &shop.app.url("/orders"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["item_count"], 0, "no refused order was stored");
}

async fn issue_voucher(shop: &Shop, amount: &str) -> String {
    let response = shop
        .app
        .client
        .post(shop.app.url("/vouchers"))
        .basic_auth(&shop.merchant.app_key, Some(&shop.merchant.secret))
        .json(&json!({"amount": {"amount": amount, "currency": "CAD"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let voucher: Value = response.json().await.unwrap();
    assert_eq!(voucher["status"], "active");
    voucher["code"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_voucher_pays_part_of_one_order_only() {
    let shop = shop().await;
    let code = issue_voucher(&shop, "5.00").await;
    let mut body = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    body["vouchers"] = json!([code.to_lowercase()]);

    let bill: Value = shop.post("/bill", &body).await.json().await.unwrap();
    assert_eq!(bill["voucher_total"], money("5.00", "CAD"));
    assert_eq!(bill["grand_total"], money("17.98", "CAD"));
    assert_eq!(
        bill["tax_total"],
        money("2.99", "CAD"),
        "a voucher pays; it does not lower the taxes"
    );

    let (order, _) = shop.place(&body).await;
    assert_eq!(order["grand_total"], money("17.98", "CAD"));
    assert_eq!(
        order["vouchers"],
        json!([{"code": code, "applied": money("5.00", "CAD")}])
    );
    let voucher: Value = shop
        .app
        .get(&format!("/vouchers/{code}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(voucher["status"], "redeemed");

    let problem = assert_problem(
        shop.post("/orders", &body).await,
        StatusCode::CONFLICT,
        "voucher_used",
    )
    .await;
    assert_eq!(problem["errors"][0]["path"], "/vouchers/0");

    let mut unknown = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    unknown["vouchers"] = json!(["NOSUCHCODE22"]);
    let problem = assert_problem(
        shop.post("/orders", &unknown).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "unknown_voucher",
    )
    .await;
    assert_eq!(problem["errors"][0]["path"], "/vouchers/0");
}

#[tokio::test]
async fn a_voucher_worth_more_than_the_order_pays_it_all() {
    let shop = shop().await;
    let code = issue_voucher(&shop, "100.00").await;
    let mut body = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    body["vouchers"] = json!([code]);
    let (order, _) = shop.place(&body).await;
    assert_eq!(order["voucher_total"], money("22.98", "CAD"));
    assert_eq!(order["grand_total"], money("0.00", "CAD"));
}

#[tokio::test]
async fn two_orders_racing_for_one_voucher_leave_exactly_one_winner() {
    let shop = shop().await;
    let code = issue_voucher(&shop, "5.00").await;
    let mut body = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    body["vouchers"] = json!([code]);
    let responses = futures::future::join_all((0..6).map(|_| shop.post("/orders", &body))).await;
    let created = responses
        .iter()
        .filter(|r| r.status() == StatusCode::CREATED)
        .count();
    assert_eq!(created, 1);
    for response in responses
        .into_iter()
        .filter(|r| r.status() != StatusCode::CREATED)
    {
        let status = response.status();
        let problem: Value = response.json().await.unwrap();
        assert!(
            matches!(status, StatusCode::CONFLICT | StatusCode::UNPROCESSABLE_ENTITY),
            "{problem}"
        );
        assert_eq!(problem["code"], "voucher_used");
    }
    let listed: Value = shop
        .merchant_get(&shop.merchant, &shop.app.url("/orders"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["item_count"], 1);
}

#[tokio::test]
async fn a_later_price_change_does_not_alter_an_order() {
    let shop = shop().await;
    let (order, token) = shop.place(&cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"))).await;
    let current = shop.app.get(&shop.cad_ebook).await;
    let etag = current.headers()["etag"].to_str().unwrap().to_owned();
    let mut changed = ebook(1);
    changed["price"] = json!({"amount": "99.00", "currency": "CAD"});
    changed["title"] = json!("A new title");
    let response = shop
        .app
        .client
        .put(&shop.cad_ebook)
        .basic_auth(&shop.merchant.app_key, Some(&shop.merchant.secret))
        .header("if-match", etag)
        .json(&changed)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let read: Value = shop
        .get_with_token(order["_links"]["self"]["href"].as_str().unwrap(), &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(read["grand_total"], money("22.98", "CAD"));
    let line = &read["_embedded"]["shop:order_lines"][0];
    assert_eq!(line["unit_price"], money("19.99", "CAD"));
    assert_eq!(line["title"], "Book number 1");
}

#[tokio::test]
async fn a_retried_order_with_the_same_idempotency_key_is_placed_once() {
    let shop = shop().await;
    let body = cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"));
    let post = || {
        shop.app
            .client
            .post(shop.app.url("/orders"))
            .header("idempotency-key", "checkout-1")
            .json(&body)
            .send()
    };
    let first = post().await.unwrap();
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let again = post().await.unwrap();
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(
        again.headers()["order-token"].to_str().unwrap(),
        first["token"].as_str().unwrap()
    );
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["uid"], first["uid"]);
    let listed: Value = shop
        .merchant_get(&shop.merchant, &shop.app.url("/orders"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["item_count"], 1);
}

#[tokio::test]
async fn an_unchanged_order_answers_304() {
    let shop = shop().await;
    let (order, token) = shop.place(&cart(&[(&shop.cad_ebook, 1)], "CA", Some("QC"))).await;
    let url = order["_links"]["self"]["href"].as_str().unwrap();
    let first = shop.get_with_token(url, &token).await;
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let again = shop
        .app
        .client
        .get(url)
        .header("order-token", &token)
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
