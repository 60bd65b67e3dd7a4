//! Control characters are refused at the edge in every text input, the same on SQLite and on
//! PostgreSQL (which cannot store U+0000 at all): 422 naming the body field by JSON pointer,
//! 400 naming the query or path parameter; and nothing is stored.

use reqwest::{Method, StatusCode};
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem_at, ebook, error_paths, expect_json,
    orders::{MARIE, cart, notification, notify, place_order, shop},
    refunds::paid,
    sales::count_deliveries,
    send, spawn_app,
};

/// Asserts a 422 `validation_failed` naming exactly `pointer`, for a control character.
async fn assert_refused_at(response: reqwest::Response, pointer: &str) {
    let problem = assert_problem_at(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
        pointer,
    )
    .await;
    assert_eq!(error_paths(&problem), [pointer], "{problem}");
    let message = problem["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("control character"), "{problem}");
}

/// Asserts a 400 `malformed_request` naming the parameter `name`.
async fn assert_parameter_refused(response: reqwest::Response, name: &str) {
    let problem = assert_problem_at(response, StatusCode::BAD_REQUEST, "malformed_request", name).await;
    assert_eq!(error_paths(&problem), [name], "{problem}");
    assert!(problem["detail"].as_str().unwrap().contains(name), "{problem}");
}

/// How many rows `entity`'s table holds.
async fn count<E>(app: &crate::helpers::TestApp, entity: E) -> u64
where
    E: EntityTrait,
    E::Model: Sync,
{
    E::find()
        .count(&app.db)
        .await
        .unwrap_or_else(|err| panic!("{entity:?}: {err}"))
}

#[tokio::test]
async fn a_nul_byte_in_a_first_name_is_refused_with_its_pointer() {
    let shop = shop().await;
    let cart = shop.one_ebook().consumer("first_name", "a\u{0}b");
    let response = shop.app.post_json(Who::Anonymous, "/orders", cart.body()).await;
    assert_refused_at(response, "/consumer/first_name").await;
    assert_eq!(count(&shop.app, entity::order::Entity).await, 0);
}

#[tokio::test]
async fn a_control_character_in_any_text_of_a_cart_is_refused_and_no_order_is_stored() {
    let shop = shop().await;
    let product_with_nul = format!("{}\u{0}", shop.cad_ebook);
    let cases = [
        (
            "/orders",
            shop.one_ebook().consumer("last_name", "\u{1b}[2J"),
            "/consumer/last_name",
        ),
        (
            "/orders",
            shop.one_ebook().consumer("email", "m\u{0}@example.com"),
            "/consumer/email",
        ),
        (
            "/orders",
            shop.one_ebook().consumer("region", "Q\u{7f}"),
            "/consumer/region",
        ),
        (
            "/orders",
            shop.one_ebook().with("external_reference", "po\u{85}1"),
            "/external_reference",
        ),
        (
            "/orders",
            shop.one_ebook().with("currency", "CA\u{0}"),
            "/currency",
        ),
        (
            "/orders",
            cart(MARIE).line(&product_with_nul, 1),
            "/products/0/product",
        ),
        (
            "/bill",
            shop.one_ebook().consumer("first_name", "\u{0}"),
            "/consumer/first_name",
        ),
    ];
    for (path, cart, pointer) in cases {
        let response = shop.app.post_json(Who::Anonymous, path, cart.body()).await;
        assert_refused_at(response, pointer).await;
    }
    assert_eq!(count(&shop.app, entity::order::Entity).await, 0);
    assert_eq!(count(&shop.app, entity::order_line::Entity).await, 0);
}

#[tokio::test]
async fn a_control_character_in_a_product_is_refused_and_the_catalogue_is_unchanged() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;
    let cases = [
        ("title", json!("Les Mis\u{0}rables"), "/title"),
        ("sku", json!("BOOK\u{8}"), "/sku"),
        ("isbn", json!("978\u{0}"), "/isbn"),
        (
            "price",
            json!({"amount": "9.99", "currency": "EU\u{1}"}),
            "/price/currency",
        ),
    ];
    for (field, value, pointer) in cases {
        let mut body = ebook(2);
        body[field] = value.clone();
        assert_refused_at(app.post_product(&merchant, &body).await, pointer).await;
        let mut replaced = ebook(1);
        replaced[field] = value;
        let url = product["_links"]["self"]["href"].as_str().unwrap();
        let response = app
            .put_current(Who::Anonymous, Who::Merchant(&merchant), url, &replaced)
            .await;
        assert_refused_at(response, pointer).await;
    }
    assert_eq!(count(&app, entity::product::Entity).await, 1);
    let unchanged = app
        .get_json(
            Who::Anonymous,
            &format!("/products/{}", product["uid"].as_str().unwrap()),
        )
        .await;
    assert_eq!(unchanged["title"], product["title"]);
}

#[tokio::test]
async fn a_control_character_in_a_cancellation_reason_leaves_the_order_awaiting_payment() {
    let shop = shop().await;
    let placed = shop.place(&shop.one_ebook()).await;
    let body = json!({"order": placed.url(), "reason": "changed my mind\u{0}"});
    let response = shop
        .app
        .post_json(placed.who(), "/ordercancellation", &body)
        .await;
    assert_refused_at(response, "/reason").await;
    assert_eq!(placed.read(&shop.app).await["status"], "awaiting_payment");
}

#[tokio::test]
async fn line_breaks_and_tabs_are_kept_in_a_cancellation_reason() {
    let shop = shop().await;
    let placed = shop.place(&shop.one_ebook()).await;
    let reason = "Ordered twice.\r\nPlease cancel\tthis one.";
    let body = json!({"order": placed.url(), "reason": reason});
    let response = shop
        .app
        .post_json(placed.who(), "/ordercancellation", &body)
        .await;
    expect_json(response, StatusCode::OK).await;
    let order = placed.read(&shop.app).await;
    assert_eq!(order["status"], "cancelled", "{order}");
    assert_eq!(order["cancel_reason"], reason, "{order}");
}

#[tokio::test]
async fn a_control_character_in_a_refund_reason_opens_no_request() {
    let paid = paid().await;
    let response = paid.open(json!({"reason": "broken\u{0}file"})).await;
    assert_refused_at(response, "/reason").await;
    let response = paid
        .app
        .post_json(
            paid.as_merchant(),
            &format!("{}/withdrawal", paid.product),
            &json!({"reason": "\u{7}"}),
        )
        .await;
    assert_refused_at(response, "/reason").await;
    assert_eq!(count(&paid.app, entity::refund_request::Entity).await, 0);
}

#[tokio::test]
async fn a_control_character_in_a_payment_notification_pays_nothing() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product_href(&merchant, &ebook(1)).await;
    let placed = place_order(&app, &cart(MARIE).line(&product, 1)).await;
    let total = placed.order["grand_total"]["amount"].as_str().unwrap().to_owned();
    let body = notification(&placed.order, "psp\u{0}1", &total, "captured");
    assert_refused_at(notify(&app, &body).await, "/provider_reference").await;
    assert_eq!(placed.read(&app).await["status"], "awaiting_payment");
    assert_eq!(count(&app, entity::payment::Entity).await, 0);
}

#[tokio::test]
async fn a_control_character_in_a_till_form_or_body_is_refused_with_its_pointer() {
    let till = crate::pos::till().await;
    let fields = |first_name| {
        [
            ("token", till.token.clone()),
            ("partner_transact_id", "878341937616".to_owned()),
            ("book_id", "BOOK-1".to_owned()),
            ("first_name", first_name),
        ]
    };
    let form = fields("L\u{0}a".to_owned());
    let response = send(
        till.app
            .request(Method::POST, "/stores/123-4560/purchases", Who::Anonymous)
            .form(&form),
    )
    .await;
    assert_refused_at(response, "/first_name").await;
    let json: serde_json::Map<String, Value> = fields("L\u{1}a".to_owned())
        .into_iter()
        .map(|(name, value)| (name.to_owned(), Value::String(value)))
        .collect();
    let response = till
        .app
        .post_json(Who::Anonymous, "/stores/123-4560/purchases", &Value::Object(json))
        .await;
    assert_refused_at(response, "/first_name").await;
    let response = till
        .form(
            "/code_redemptions",
            &[("email", "a@example.com"), ("code", "ABCD\u{0}")],
        )
        .await;
    assert_refused_at(response, "/code").await;
    assert_eq!(count_deliveries(&till.app).await, 0);
    assert_eq!(count(&till.app, entity::store_transaction::Entity).await, 0);
}

#[tokio::test]
async fn a_control_character_in_a_query_parameter_is_a_400_naming_it() {
    let shop = shop().await;
    let order = format!("{}/orders/0123456789abcdef0123456789abcdef", shop.app.address);
    let cases = [
        ("/products?q=a%00b", "q"),
        ("/products?page=1&isbn=%0A978", "isbn"),
        ("/products?q=tab%09", "q"),
        ("/products?q=%C2%85", "q"),
        ("/products?q=%FF", "q"),
        ("/?anything=%7F", "anything"),
        ("/orders?external_reference=po%1B", "external_reference"),
        (&format!("/refund_requests?order={order}%00") as &str, "order"),
        (&format!("/refunds?order={order}%00"), "order"),
        (&format!("/refund-bill?order={order}%00"), "order"),
    ];
    for (path, name) in cases {
        let response = shop.app.get_as(shop.as_merchant(), path).await;
        assert_parameter_refused(response, name).await;
    }
}

#[tokio::test]
async fn a_control_character_in_a_path_segment_is_a_400_naming_the_parameter() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let cases = [
        (Method::GET, "/products/a%00b", "uid"),
        (Method::GET, "/products/a%00b/sales_points", "uid"),
        (Method::GET, "/orders/%1B", "uid"),
        (Method::GET, "/problems/not%00found", "code"),
        (Method::GET, "/rels/%7F", "rel"),
        (Method::GET, "/vouchers/%C2%9F", "code"),
        (Method::POST, "/deliveries/a%00/download_links", "uid"),
        (Method::POST, "/stores/123%00/purchases", "san"),
        (Method::GET, "/no/such%00thing", "path"),
    ];
    for (method, path, name) in cases {
        let response = send(app.request(method, path, Who::Merchant(&merchant))).await;
        assert_parameter_refused(response, name).await;
    }
}

#[tokio::test]
async fn a_query_parameter_the_operation_does_not_declare_is_refused_naming_it() {
    let app = spawn_app().await;
    let response = app.get("/products?colour=blue").await;
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["code"], "malformed_request");
    assert_eq!(
        problem["detail"],
        "Query parameter `colour` is not a parameter of this operation."
    );
    assert_eq!(problem["errors"][0]["path"], "colour");
}

#[tokio::test]
async fn a_query_parameter_without_a_name_is_refused() {
    let app = spawn_app().await;
    let response = app.get("/products?=").await;
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        problem["detail"],
        "Query parameter `(empty name)` is not a parameter of this operation."
    );
}
