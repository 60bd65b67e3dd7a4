use std::io::Read;

use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{MerchantCredentials, TestApp, assert_problem, ebook, isbn_for, spawn_app, ticket};

struct Sold {
    app: TestApp,
    merchant: MerchantCredentials,
    order: Value,
    token: String,
}

fn repo_content(file: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("content")
            .join(file),
    )
    .unwrap()
}

/// A shop with a watermarked EPUB (n=1), a watermarked PDF (n=2) and a ticket, their files
/// in the content store.
async fn shop() -> (TestApp, MerchantCredentials, Vec<String>) {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    std::fs::create_dir_all(&app.content_dir).unwrap();
    std::fs::write(
        app.content_dir.join(format!("{}.epub", isbn_for(1))),
        repo_content("9780141439518.epub"),
    )
    .unwrap();
    std::fs::write(
        app.content_dir.join(format!("{}.pdf", isbn_for(2))),
        repo_content("9780141439518.pdf"),
    )
    .unwrap();
    let mut pdf = ebook(2);
    pdf["format"] = json!("pdf");
    let mut euro_ticket = ticket(1);
    euro_ticket["price"] = json!({"amount": "25.00", "currency": "EUR"});
    let mut products = Vec::new();
    for body in [ebook(1), pdf, euro_ticket] {
        let product = app.create_product(&merchant, &body).await;
        products.push(product["_links"]["self"]["href"].as_str().unwrap().to_owned());
    }
    (app, merchant, products)
}

async fn place(app: &TestApp, lines: &[(&str, i64)], redirect: Option<&str>) -> (Value, String) {
    let mut body = json!({
        "products": lines.iter().map(|(p, q)| json!({"product": p, "quantity": q})).collect::<Vec<_>>(),
        "consumer": {"email": "zoe@example.com", "first_name": "Zoë", "last_name": "Lambert", "country": "FR"},
    });
    if let Some(url) = redirect {
        body["redirect_url"] = json!(url);
    }
    let response = app
        .client
        .post(app.url("/orders"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let order: Value = response.json().await.unwrap();
    let token = order["token"].as_str().unwrap().to_owned();
    (order, token)
}

fn notification(order: &Value, reference: &str, amount: &str, status: &str) -> Value {
    json!({
        "provider_reference": reference,
        "order": order["_links"]["self"]["href"],
        "amount": {"amount": amount, "currency": order["currency"]},
        "status": status,
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    })
}

async fn notify(app: &TestApp, body: &Value) -> reqwest::Response {
    let raw = body.to_string();
    let signature = halshop::api::payments::sign(&app.payment_secret, raw.as_bytes());
    app.client
        .post(app.url("/payment_notifications"))
        .header("content-type", "application/json")
        .header("payment-signature", signature)
        .body(raw)
        .send()
        .await
        .unwrap()
}

fn grand_total(order: &Value) -> String {
    order["grand_total"]["amount"].as_str().unwrap().to_owned()
}

async fn read(app: &TestApp, order: &Value, token: &str) -> Value {
    app.client
        .get(order["_links"]["self"]["href"].as_str().unwrap())
        .header("order-token", token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn sold() -> Sold {
    let (app, merchant, products) = shop().await;
    let (order, token) = place(
        &app,
        &[(&products[0], 1), (&products[1], 1), (&products[2], 2)],
        None,
    )
    .await;
    let response = notify(
        &app,
        &notification(&order, "psp_1", &grand_total(&order), "captured"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    Sold {
        app,
        merchant,
        order,
        token,
    }
}

async fn count_deliveries(app: &TestApp) -> u64 {
    entity::delivery::Entity::find().count(&app.db).await.unwrap()
}

async fn count_events(app: &TestApp) -> u64 {
    entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::EventType.eq("order.completed"))
        .count(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_awaiting_order_links_to_its_payment_page() {
    let (app, _, products) = shop().await;
    let (order, _) = place(&app, &[(&products[0], 1)], None).await;
    let payment = &order["_links"]["payment"];
    assert_eq!(payment["type"], "text/html");
    assert_eq!(
        payment["href"],
        app.url(&format!("/sandbox/payments/{}", order["uid"].as_str().unwrap()))
    );
    assert!(order["_links"].get("shop:deliveries").is_none());
}

#[tokio::test]
async fn a_captured_payment_registers_the_sale_once_with_one_delivery_per_unit() {
    let sold = sold().await;
    let app = &sold.app;
    let order = read(app, &sold.order, &sold.token).await;
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
        assert!(
            code.bytes()
                .all(|b| halshop::domain::vouchers::UNAMBIGUOUS.contains(&b)),
            "{code}"
        );
        assert_eq!(delivery["status"], "active");
        assert_eq!(delivery["sale_state"], "test");
        assert!(delivery["access_url"].as_str().unwrap().starts_with("http"));
    }
    assert_eq!(count_events(app).await, 1);
    let event = entity::outbox_event::Entity::find()
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let payload: Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(payload["transaction_id"], sold.order["transaction_id"]);
    assert_eq!(payload["customer_id"], sold.order["customer_id"]);
    assert_eq!(payload["cost"], sold.order["grand_total"]["amount"]);
    assert_eq!(payload["sale_state"], "test");

    let listed: Value = app
        .client
        .get(order["_links"]["shop:deliveries"]["href"].as_str().unwrap())
        .header("order-token", &sold.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(listed["item_count"], 4);
    let merchant_view = app
        .client
        .get(order["_links"]["shop:deliveries"]["href"].as_str().unwrap())
        .basic_auth(&sold.merchant.app_key, Some(&sold.merchant.secret))
        .send()
        .await
        .unwrap();
    assert_eq!(merchant_view.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_replayed_notification_changes_nothing() {
    let sold = sold().await;
    let app = &sold.app;
    let again = notify(
        app,
        &notification(&sold.order, "psp_1", &grand_total(&sold.order), "captured"),
    )
    .await;
    assert_eq!(again.status(), StatusCode::OK);
    let body: Value = again.json().await.unwrap();
    assert_eq!(body["replayed"], true);
    assert_eq!(body["result"], "sold");
    assert_eq!(count_deliveries(app).await, 4);
    assert_eq!(count_events(app).await, 1);

    let other_reference = notify(
        app,
        &notification(&sold.order, "psp_2", &grand_total(&sold.order), "captured"),
    )
    .await;
    assert_problem(other_reference, StatusCode::CONFLICT, "order_not_payable").await;
    let mut reused = notification(&sold.order, "psp_1", &grand_total(&sold.order), "captured");
    reused["status"] = json!("declined");
    assert_problem(
        notify(app, &reused).await,
        StatusCode::CONFLICT,
        "provider_reference_reused",
    )
    .await;
    assert_eq!(count_deliveries(app).await, 4);
}

#[tokio::test]
async fn fifty_concurrent_identical_notifications_make_one_sale() {
    let (app, _, products) = shop().await;
    let (order, token) = place(&app, &[(&products[2], 3)], None).await;
    let body = notification(&order, "psp_race", &grand_total(&order), "captured");
    let responses = futures::future::join_all((0..50).map(|_| notify(&app, &body))).await;
    for response in responses {
        assert_eq!(response.status(), StatusCode::OK);
    }
    assert_eq!(count_deliveries(&app).await, 3);
    assert_eq!(count_events(&app).await, 1);
    assert_eq!(read(&app, &order, &token).await["status"], "completed");
}

#[tokio::test]
async fn concurrent_payments_under_different_references_sell_once() {
    let (app, _, products) = shop().await;
    let (order, _) = place(&app, &[(&products[0], 1)], None).await;
    let bodies: Vec<Value> = (0..8)
        .map(|i| notification(&order, &format!("psp_{i}"), &grand_total(&order), "captured"))
        .collect();
    let responses = futures::future::join_all(bodies.iter().map(|b| notify(&app, b))).await;
    let sold = responses.iter().filter(|r| r.status() == StatusCode::OK).count();
    assert_eq!(sold, 1);
    assert!(
        responses
            .iter()
            .all(|r| r.status() == StatusCode::OK || r.status() == StatusCode::CONFLICT)
    );
    assert_eq!(count_deliveries(&app).await, 1);
}

#[tokio::test]
async fn forged_stale_and_mismatched_notifications_change_nothing() {
    let (app, _, products) = shop().await;
    let (order, token) = place(&app, &[(&products[0], 1)], None).await;
    let body = notification(&order, "psp_x", &grand_total(&order), "captured");
    let raw = body.to_string();

    let forged = app
        .client
        .post(app.url("/payment_notifications"))
        .header("content-type", "application/json")
        .header(
            "payment-signature",
            halshop::api::payments::sign("not the secret", raw.as_bytes()),
        )
        .body(raw.clone())
        .send()
        .await
        .unwrap();
    assert_problem(forged, StatusCode::UNAUTHORIZED, "signature_invalid").await;
    let unsigned = app
        .client
        .post(app.url("/payment_notifications"))
        .header("content-type", "application/json")
        .body(raw.clone())
        .send()
        .await
        .unwrap();
    assert_problem(unsigned, StatusCode::UNAUTHORIZED, "signature_invalid").await;
    let tampered_raw = raw.replace("captured", "declined");
    let tampered = app
        .client
        .post(app.url("/payment_notifications"))
        .header("content-type", "application/json")
        .header(
            "payment-signature",
            halshop::api::payments::sign(&app.payment_secret, raw.as_bytes()),
        )
        .body(tampered_raw)
        .send()
        .await
        .unwrap();
    assert_problem(tampered, StatusCode::UNAUTHORIZED, "signature_invalid").await;

    let mut stale = body.clone();
    stale["timestamp"] = json!((chrono::Utc::now() - chrono::Duration::minutes(6)).to_rfc3339());
    assert_problem(
        notify(&app, &stale).await,
        StatusCode::BAD_REQUEST,
        "notification_stale",
    )
    .await;

    let wrong_amount = notification(&order, "psp_low", "0.01", "captured");
    let problem = assert_problem(
        notify(&app, &wrong_amount).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount_mismatch",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("0.01"));
    let recorded = entity::payment::Entity::find()
        .filter(entity::payment::Column::ProviderReference.eq("psp_low"))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the mismatch is recorded");
    assert_eq!(recorded.outcome, "amount_mismatch");
    let replay = notify(&app, &wrong_amount).await;
    assert_problem(replay, StatusCode::UNPROCESSABLE_ENTITY, "amount_mismatch").await;

    let mut wrong_currency = notification(&order, "psp_cur", &grand_total(&order), "captured");
    wrong_currency["amount"]["currency"] = json!("CAD");
    assert_problem(
        notify(&app, &wrong_currency).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "amount_mismatch",
    )
    .await;

    let unknown = notification(
        &json!({"_links": {"self": {"href": app.url("/orders/0123456789abcdef0123456789abcdef")}}, "currency": "EUR"}),
        "psp_unknown",
        "1.00",
        "captured",
    );
    assert_problem(notify(&app, &unknown).await, StatusCode::NOT_FOUND, "not_found").await;

    let still = read(&app, &order, &token).await;
    assert_eq!(still["status"], "awaiting_payment");
    assert_eq!(count_deliveries(&app).await, 0);
}

#[tokio::test]
async fn a_declined_payment_leaves_the_order_payable_again() {
    let (app, _, products) = shop().await;
    let (order, token) = place(&app, &[(&products[0], 1)], None).await;
    let declined = notify(
        &app,
        &notification(&order, "psp_d", &grand_total(&order), "declined"),
    )
    .await;
    assert_eq!(declined.status(), StatusCode::OK);
    assert_eq!(declined.json::<Value>().await.unwrap()["result"], "declined");
    let after = read(&app, &order, &token).await;
    assert_eq!(after["status"], "awaiting_payment");
    assert!(after["_links"]["payment"].is_object());
    let paid = notify(
        &app,
        &notification(&order, "psp_ok", &grand_total(&order), "captured"),
    )
    .await;
    assert_eq!(paid.status(), StatusCode::OK);
    assert_eq!(read(&app, &order, &token).await["status"], "completed");
}

#[tokio::test]
async fn a_cancelled_order_cannot_be_paid() {
    let (app, _, products) = shop().await;
    let (order, token) = place(&app, &[(&products[0], 1)], None).await;
    let cancel = app
        .client
        .post(app.url("/ordercancellation"))
        .header("order-token", &token)
        .json(&json!({"order": order["_links"]["self"]["href"], "reason": "changed my mind"}))
        .send()
        .await
        .unwrap();
    assert_eq!(cancel.status(), StatusCode::OK);
    let paid = notify(
        &app,
        &notification(&order, "psp_late", &grand_total(&order), "captured"),
    )
    .await;
    assert_problem(paid, StatusCode::CONFLICT, "order_not_payable").await;
    assert_eq!(read(&app, &order, &token).await["status"], "cancelled");
    assert_eq!(count_deliveries(&app).await, 0);
}

#[tokio::test]
async fn the_sandbox_page_pays_and_returns_the_browser_to_the_shop() {
    let (app, _, products) = shop().await;
    let (order, token) = place(
        &app,
        &[(&products[0], 1)],
        Some("https://books.example/thanks?x=1"),
    )
    .await;
    let page_url = order["_links"]["payment"]["href"].as_str().unwrap();
    let page = app.get(page_url).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = page.text().await.unwrap();
    assert!(html.contains(&format!("{} EUR", grand_total(&order))), "{html}");
    assert!(html.contains("value=\"pay\"") && html.contains("value=\"decline\""));

    let response = app
        .client
        .post(page_url)
        .form(&[("decision", "pay")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.host_str(), Some("books.example"));
    let query: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(query["x"], "1");
    assert_eq!(query["result"], "sold");
    assert_eq!(query["order"], order["_links"]["self"]["href"].as_str().unwrap());
    assert_eq!(read(&app, &order, &token).await["status"], "completed");

    let again = app
        .client
        .post(page_url)
        .form(&[("decision", "pay")])
        .send()
        .await
        .unwrap();
    assert_problem(again, StatusCode::CONFLICT, "sandbox_refused").await;
}

#[tokio::test]
async fn the_sandbox_decline_button_leaves_the_order_unpaid() {
    let (app, _, products) = shop().await;
    let (order, token) = place(&app, &[(&products[0], 1)], None).await;
    let page_url = order["_links"]["payment"]["href"].as_str().unwrap();
    let response = app
        .client
        .post(page_url)
        .form(&[("decision", "decline")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.text().await.unwrap().contains("declined"));
    assert_eq!(read(&app, &order, &token).await["status"], "awaiting_payment");
}

#[tokio::test]
async fn the_sandbox_refuses_live_sales() {
    let (app, merchant, products) = shop().await;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set};
    let live = entity::merchant::Entity::find()
        .filter(entity::merchant::Column::AppKey.eq(merchant.app_key.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut live: entity::merchant::ActiveModel = live.into();
    live.sale_state = Set("live".into());
    live.update(&app.db).await.unwrap();
    let (order, _) = place(&app, &[(&products[0], 1)], None).await;
    assert_eq!(order["sale_state"], "live");
    let page_url = order["_links"]["payment"]["href"].as_str().unwrap();
    assert!(
        app.get(page_url)
            .await
            .text()
            .await
            .unwrap()
            .contains("live sale")
    );
    let response = app
        .client
        .post(page_url)
        .form(&[("decision", "pay")])
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "sandbox_refused").await;
}

async fn delivery_of(sold: &Sold, format: &str) -> Value {
    let order = read(&sold.app, &sold.order, &sold.token).await;
    order["_embedded"]["shop:deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["format"] == format)
        .cloned()
        .unwrap()
}

async fn download_link(sold: &Sold, delivery: &Value) -> reqwest::Response {
    sold.app
        .client
        .post(
            delivery["_links"]["shop:download_links"]["href"]
                .as_str()
                .unwrap(),
        )
        .header("order-token", &sold.token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_download_link_works_once_and_records_the_download() {
    let sold = sold().await;
    let app = &sold.app;
    let delivery = delivery_of(&sold, "epub").await;
    let response = download_link(&sold, &delivery).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let link: Value = response.json().await.unwrap();
    let href = link["href"].as_str().unwrap();
    assert!(href.starts_with(&app.url("/downloads/")));
    assert_eq!(link["_links"]["download"]["type"], "application/epub+zip");

    let head = app.client.head(href).send().await.unwrap();
    assert_eq!(
        head.status(),
        StatusCode::METHOD_NOT_ALLOWED,
        "a HEAD does not use up the link"
    );
    let file = app.get(href).await;
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(file.headers()["content-type"], "application/epub+zip");
    assert!(
        file.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("{}.epub", isbn_for(1)))
    );
    let bytes = file.bytes().await.unwrap();

    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    assert_eq!(archive.by_index(0).unwrap().name().unwrap(), "mimetype");
    let mut opf = String::new();
    archive
        .by_name("OEBPS/content.opf")
        .unwrap()
        .read_to_string(&mut opf)
        .unwrap();
    assert!(
        opf.contains("<dc:rights>Licensed to Zoë Lambert - order"),
        "{opf}"
    );
    let mut licence = String::new();
    archive
        .by_name("OEBPS/halshop-licence.xhtml")
        .unwrap()
        .read_to_string(&mut licence)
        .unwrap();
    assert!(licence.contains("Zoë Lambert"));

    assert_problem(app.get(href).await, StatusCode::GONE, "link_used").await;
    let after: Value = app
        .client
        .get(delivery["_links"]["self"]["href"].as_str().unwrap())
        .header("order-token", &sold.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(after["downloaded_at"].is_string());
    assert_problem(
        app.get("/downloads/dl_forged").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_downloaded_pdf_shows_the_buyers_name_on_its_pages() {
    let sold = sold().await;
    let delivery = delivery_of(&sold, "pdf").await;
    let link: Value = download_link(&sold, &delivery).await.json().await.unwrap();
    let file = sold.app.get(link["href"].as_str().unwrap()).await;
    assert_eq!(file.headers()["content-type"], "application/pdf");
    let bytes = file.bytes().await.unwrap();
    let pdf = lopdf::Document::load_mem(&bytes).unwrap();
    let text = pdf.extract_text(&[1]).unwrap();
    assert!(
        text.contains("Licensed to Zo") && text.contains("Lambert"),
        "{text}"
    );
    assert!(
        text.contains("Pride and Prejudice"),
        "the original text is kept: {text}"
    );
}

#[tokio::test]
async fn expired_voided_and_fileless_downloads_are_refused() {
    let sold = sold().await;
    let app = &sold.app;
    use sea_orm::sea_query::Expr;
    let epub = delivery_of(&sold, "epub").await;
    let link: Value = download_link(&sold, &epub).await.json().await.unwrap();
    entity::download_link::Entity::update_many()
        .col_expr(
            entity::download_link::Column::ExpiresAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::seconds(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_problem(
        app.get(link["href"].as_str().unwrap()).await,
        StatusCode::GONE,
        "link_expired",
    )
    .await;

    let fresh: Value = download_link(&sold, &epub).await.json().await.unwrap();
    entity::delivery::Entity::update_many()
        .col_expr(entity::delivery::Column::Status, Expr::value("voided"))
        .filter(entity::delivery::Column::Uid.eq(epub["uid"].as_str().unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    assert_problem(
        app.get(fresh["href"].as_str().unwrap()).await,
        StatusCode::GONE,
        "delivery_voided",
    )
    .await;
    assert_problem(
        download_link(&sold, &epub).await,
        StatusCode::CONFLICT,
        "not_downloadable",
    )
    .await;

    let ticket = delivery_of(&sold, "ticket").await;
    assert!(ticket["_links"].get("shop:download_links").is_none());
    let response = app
        .client
        .post(format!(
            "{}/download_links",
            ticket["_links"]["self"]["href"].as_str().unwrap()
        ))
        .header("order-token", &sold.token)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::CONFLICT, "not_downloadable").await;

    let pdf = delivery_of(&sold, "pdf").await;
    std::fs::remove_file(app.content_dir.join(format!("{}.pdf", isbn_for(2)))).unwrap();
    let link: Value = download_link(&sold, &pdf).await.json().await.unwrap();
    assert_problem(
        app.get(link["href"].as_str().unwrap()).await,
        StatusCode::SERVICE_UNAVAILABLE,
        "content_unavailable",
    )
    .await;
    let after = delivery_of(&sold, "pdf").await;
    assert!(
        after.get("downloaded_at").is_none(),
        "nothing recorded when nothing was served"
    );
}

#[tokio::test]
async fn deliveries_belong_to_their_order_only() {
    let sold = sold().await;
    let app = &sold.app;
    let product = delivery_of(&sold, "epub").await["product"]
        .as_str()
        .unwrap()
        .to_owned();
    let (_other, other_token) = place(app, &[(&product, 1)], None).await;
    let delivery = delivery_of(&sold, "epub").await;
    let response = app
        .client
        .post(
            delivery["_links"]["shop:download_links"]["href"]
                .as_str()
                .unwrap(),
        )
        .header("order-token", &other_token)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
    let response = app
        .client
        .get(delivery["_links"]["self"]["href"].as_str().unwrap())
        .header("order-token", &other_token)
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn usage_only_goes_up() {
    let sold = sold().await;
    let app = &sold.app;
    let delivery = delivery_of(&sold, "epub").await;
    let url = delivery["_links"]["shop:usage"]["href"].as_str().unwrap();
    let put = |percent: Value| {
        app.client
            .put(url)
            .header("order-token", &sold.token)
            .json(&json!({"percent": percent}))
            .send()
    };
    let response = put(json!(30)).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.json::<Value>().await.unwrap()["usage_percent"], 30);
    assert_eq!(put(json!(30)).await.unwrap().status(), StatusCode::OK);
    assert_problem(
        put(json!(20)).await.unwrap(),
        StatusCode::CONFLICT,
        "usage_decrease",
    )
    .await;
    assert_problem(
        put(json!(101)).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_problem(
        put(json!(-1)).await.unwrap(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation_failed",
    )
    .await;
    assert_eq!(put(json!(100)).await.unwrap().status(), StatusCode::OK);
}
