use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem, assert_problem_at, ebook, error_paths, etag_of, expect_json, header, money,
    orders::{MARIE, Shop, cart, order_token_header, shop},
    send,
};

#[tokio::test]
async fn the_bill_prices_a_quebec_ebook_with_gst_and_qst() {
    let shop = shop().await;
    let bill = shop.bill(&shop.one_ebook()).await;
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
}

#[tokio::test]
async fn the_bill_saves_nothing() {
    let shop = shop().await;
    shop.bill(&shop.one_ebook()).await;
    assert_eq!(shop.order_count("").await, 0, "the bill saves nothing");
}

#[tokio::test]
async fn included_tax_is_extracted_from_a_french_price() {
    let shop = shop().await;
    let bill = shop
        .bill(
            &cart(MARIE)
                .line(&shop.eur_ebook, 1)
                .consumer("country", "FR")
                .consumer("region", Value::Null),
        )
        .await;
    assert_eq!(bill["grand_total"], money("4.99", "EUR"));
    assert_eq!(
        bill["taxes"],
        json!([{"name": "TVA", "rate": "5.5", "amount": money("0.26", "EUR")}])
    );
    assert_eq!(bill["product_total"], money("4.73", "EUR"));
}

#[tokio::test]
async fn other_provinces_get_their_own_tax_and_unconfigured_countries_none() {
    let shop = shop().await;
    let ontario = cart(MARIE)
        .line(&shop.cad_ticket, 2)
        .consumer("country", "ca")
        .consumer("region", "on");
    let bill = shop.bill(&ontario).await;
    assert_eq!(
        bill["taxes"],
        json!([{"name": "HST", "rate": "13", "amount": money("6.50", "CAD")}])
    );
    assert_eq!(bill["grand_total"], money("56.50", "CAD"));

    let bill = shop.bill(&shop.one_ebook().consumer("region", "AB")).await;
    assert_eq!(bill["grand_total"], money("20.99", "CAD"));

    let us = shop
        .one_ebook()
        .consumer("country", "US")
        .consumer("region", Value::Null);
    let bill = shop.bill(&us).await;
    assert_eq!(bill["taxes"], json!([]), "no tax where none is configured");
    assert_eq!(bill["grand_total"], money("19.99", "CAD"));
}

#[tokio::test]
async fn a_guest_order_is_created_awaiting_payment_with_its_token_and_totals() {
    let shop = shop().await;
    let body = shop
        .one_ebook()
        .line(&shop.cad_ticket, 2)
        .with("external_reference", "cart-42");
    let response = shop.app.post_json(Who::Anonymous, "/orders", body.body()).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(response.headers()["content-type"], "application/hal+json");
    let location = crate::helpers::header(&response, "location");
    let token = order_token_header(&response);
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["token"], token);
    let uid = order["uid"].as_str().unwrap();
    assert_eq!(location, shop.app.url(&format!("/orders/{uid}")));
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
}

#[tokio::test]
async fn a_guest_reads_the_order_back_with_its_token_shown_only_once() {
    let shop = shop().await;
    let placed = shop.place(&shop.one_ebook().line(&shop.cad_ticket, 2)).await;
    let location = placed.url();
    let response = shop.app.get_as(placed.who(), &location).await;
    let read = expect_json(response, StatusCode::OK).await;
    assert!(read.get("token").is_none(), "the token is shown only once");
    assert_eq!(read["_links"]["self"]["href"], location);
    assert_eq!(read["grand_total"], placed.order["grand_total"]);
    let lines = read["_embedded"]["shop:order_lines"].as_array().unwrap();
    assert_eq!(lines[1]["quantity"], 2);
    assert_eq!(lines[1]["product"], shop.cad_ticket.as_str());
    assert_eq!(
        lines[1]["_links"]["shop:product"]["href"],
        shop.cad_ticket.as_str()
    );
}

#[tokio::test]
async fn only_a_hash_of_the_order_token_is_stored() {
    use sea_orm::EntityTrait;
    let shop = shop().await;
    let placed = shop.place(&shop.one_ebook()).await;
    let stored = entity::order::Entity::find().all(&shop.app.db).await.unwrap();
    assert_ne!(
        stored[0].token_hash, placed.token,
        "only a hash of the token is stored"
    );
    assert_eq!(stored[0].token_hash.len(), 64);
}

#[tokio::test]
async fn the_same_guest_email_always_gives_the_same_customer_id() {
    let shop = shop().await;
    let first = shop.place(&shop.one_ebook()).await.order;
    let again = shop
        .one_ebook()
        .consumer("email", "  marie.tremblay@EXAMPLE.com ");
    let second = shop.place(&again).await.order;
    assert_eq!(first["customer_id"], second["customer_id"]);
    assert_ne!(
        first["transaction_id"], second["transaction_id"],
        "one transaction id per cart"
    );
    let other = shop.one_ebook().consumer("email", "jean@example.com");
    let third = shop.place(&other).await.order;
    assert_ne!(first["customer_id"], third["customer_id"]);
}

/// A cart each of whose faults is answered with this status, code and field path
/// (`""`: any path).
async fn assert_cart_refused(shop: &Shop, body: &Value, status: StatusCode, code: &str, path: &str) {
    for endpoint in ["/bill", "/orders"] {
        let response = shop.app.post_json(Who::Anonymous, endpoint, body).await;
        let problem = assert_problem(response, status, code).await;
        let paths = error_paths(&problem);
        assert!(
            paths.iter().any(|p| p == path) || (path.is_empty() && !paths.is_empty()),
            "{endpoint} {body}: {problem}"
        );
    }
}

#[tokio::test]
async fn each_bad_cart_is_refused_with_the_offending_field_and_nothing_is_saved() {
    let shop = shop().await;
    let mut body = ebook(50);
    body["available"] = json!(false);
    body["price"] = money("3.00", "CAD");
    let withdrawn = shop.app.create_product_href(&shop.merchant, &body).await;
    let unknown = shop.app.url("/products/0123456789abcdef0123456789abcdef");
    let (ebook, ticket) = (shop.cad_ebook.as_str(), shop.cad_ticket.as_str());
    let qc = || cart(MARIE);
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    let cases = [
        (qc().line(&unknown, 1), "unknown_product", "/products/0/product"),
        (
            qc().line(ebook, 1).line("not a uri", 1),
            "unknown_product",
            "/products/1/product",
        ),
        (qc().line(&withdrawn, 1), "cannot_sell", "/products/0/product"),
        (qc().line(ebook, 2), "quantity_limit", "/products/0/quantity"),
        (qc().line(ticket, 5), "quantity_limit", "/products/0/quantity"),
        (
            qc().line(ticket, 999_999_999_999_i64),
            "quantity_limit",
            "/products/0/quantity",
        ),
        (qc().line(ebook, 0), "validation_failed", "/products/0/quantity"),
        (qc().line(ebook, -1), "validation_failed", "/products/0/quantity"),
        (
            qc().line(ebook, 1).line(&shop.eur_ebook, 1),
            "currency_mismatch",
            "/products/1/product",
        ),
        (
            qc().line(ebook, 1).line(ebook, 1),
            "validation_failed",
            "/products/1/product",
        ),
        (qc(), "validation_failed", "/products"),
        (
            qc().line(ebook, 1).consumer("region", Value::Null),
            "validation_failed",
            "/consumer/region",
        ),
        (
            qc().line(ebook, 1)
                .consumer("country", "CAN")
                .consumer("region", Value::Null),
            "validation_failed",
            "/consumer/country",
        ),
        (qc().line(ebook, "1"), "validation_failed", "/products/0/quantity"),
        (qc().line(ebook, 1).without("consumer"), "validation_failed", ""),
    ];
    for (cart, code, path) in cases {
        assert_cart_refused(&shop, cart.body(), invalid, code, path).await;
    }
    assert_eq!(shop.order_count("").await, 0, "no refused order was stored");
}

#[tokio::test]
async fn each_malformed_email_is_refused_at_its_field_and_a_plain_one_is_accepted() {
    let shop = shop().await;
    for email in ["no-at-sign", "a@b", "two words@example.com"] {
        let body = shop.one_ebook().consumer("email", email);
        let response = shop.app.post_json(Who::Anonymous, "/bill", body.body()).await;
        let invalid = StatusCode::UNPROCESSABLE_ENTITY;
        assert_problem_at(response, invalid, "validation_failed", "/consumer/email").await;
    }
    let body = shop.one_ebook().consumer("email", "a@example.com");
    let response = shop.app.post_json(Who::Anonymous, "/bill", body.body()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_order_asking_another_currency_than_its_products_is_refused() {
    let shop = shop().await;
    let asked = shop.one_ebook().with("currency", "EUR");
    let response = shop.app.post_json(Who::Anonymous, "/orders", asked.body()).await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem_at(response, invalid, "currency_mismatch", "/products/0/product").await;
}

#[tokio::test]
async fn a_later_price_change_does_not_alter_an_order() {
    let shop = shop().await;
    let placed = shop.place(&shop.one_ebook()).await;
    let mut changed = ebook(1);
    changed["price"] = money("99.00", "CAD");
    changed["title"] = json!("A new title");
    let response = shop
        .app
        .put_current(Who::Anonymous, shop.as_merchant(), &shop.cad_ebook, &changed)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let read = placed.read(&shop.app).await;
    assert_eq!(read["grand_total"], money("22.98", "CAD"));
    let line = &read["_embedded"]["shop:order_lines"][0];
    assert_eq!(line["unit_price"], money("19.99", "CAD"));
    assert_eq!(line["title"], "Book number 1");
}

#[tokio::test]
async fn a_retried_order_with_the_same_idempotency_key_is_placed_once() {
    let shop = shop().await;
    let body = shop.one_ebook();
    let post = || {
        let request = shop.app.client.post(shop.app.url("/orders"));
        send(request.header("idempotency-key", "checkout-1").json(body.body()))
    };
    let first = post().await;
    let location = header(&first, "location");
    expect_json(first, StatusCode::CREATED).await;
    let again = post().await;
    assert_eq!(again.status(), StatusCode::CREATED);
    assert_eq!(header(&again, "location"), location);
    assert!(
        again.headers().get("order-token").is_none(),
        "a token is given once"
    );
    assert_eq!(shop.order_count("").await, 1);
}

#[tokio::test]
async fn an_unchanged_order_answers_304() {
    let shop = shop().await;
    let placed = shop.place(&shop.one_ebook()).await;
    let etag = etag_of(&shop.app.get_as(placed.who(), &placed.url()).await);
    let request = shop
        .app
        .request(reqwest::Method::GET, &placed.url(), placed.who());
    let again = send(request.header("if-none-match", &etag)).await;
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}
