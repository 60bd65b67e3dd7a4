//! The daily sales summary: figures by hand, CSV read back, the merchant's time zone, the
//! `sales_summary.daily` event written once, and who may read it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use halshop::{domain::merchants, http::hal::Hal, workers::summaries::close_days};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, Database, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{
    MerchantCredentials, TestApp, Who, assert_problem,
    cli::{json_stdout, run_on, stderr},
    content_type, ebook, expect_json, money,
    orders::{MARIE, Placed, cart, place_paid_order},
    refunds::Paid,
    spawn_app_with,
};

/// An app whose summaries are written only when a test asks (its own step is off), a merchant in `zone`, and its
/// CAD ebook (19.99, taxes added: GST 5 % and QST 9.975 % in Quebec).
async fn shop_in(zone: &str) -> (TestApp, MerchantCredentials, String) {
    let app = spawn_app_with(|s| s.workers.sales_summary_interval_seconds = 0).await;
    let merchant = app.merchant().await;
    let found = entity::merchant::Entity::find()
        .filter(entity::merchant::Column::AppKey.eq(merchant.app_key.as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    merchants::set_time_zone(&app.db, found.id, zone).await.unwrap();
    let mut body = ebook(1);
    body["price"] = money("19.99", "CAD");
    body["price_includes_tax"] = json!(false);
    let product = app.create_product_href(&merchant, &body).await;
    (app, merchant, product)
}

/// Moves the payment of an order to `at`.
async fn paid_at(app: &TestApp, placed: &Placed, at: DateTime<Utc>) {
    entity::order::Entity::update_many()
        .col_expr(entity::order::Column::PaidAt, Expr::value(at))
        .filter(entity::order::Column::Uid.eq(placed.order["uid"].as_str().unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
}

fn cad(amount: &str) -> Value {
    money(amount, "CAD")
}

async fn report(app: &TestApp, merchant: &MerchantCredentials, query: &str) -> Value {
    let response = app
        .get_as(Who::Merchant(merchant), &format!("/reports/daily_sales{query}"))
        .await;
    expect_json(response, StatusCode::OK).await
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// Two ebooks sold today; the first refunded 30 % through the provider and 20 % as a
/// voucher (the other 50 % given as a donation).
async fn day_with_refunds() -> (Paid, Placed) {
    let (app, merchant, product) = shop_in("UTC").await;
    let first = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    let second = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    assert_eq!(
        first.order["grand_total"],
        cad("22.98"),
        "19.99 + GST 1.00 + QST 1.99"
    );
    let paid = Paid {
        app,
        merchant,
        product,
        placed: first,
    };
    let split =
        json!({"refund_percentage": "0.30", "voucher_percentage": "0.20", "donation_percentage": "0.50"});
    let url = paid.open_url(split).await;
    paid.set_status(&url, "approved").await;
    paid.set_status(&url, "processed").await;
    (paid, second)
}

#[tokio::test]
async fn a_day_with_sales_a_partial_refund_and_a_voucher_refund_adds_up_by_hand() {
    let (paid, _) = day_with_refunds().await;
    let report = report(&paid.app, &paid.merchant, &format!("?date={}", today())).await;
    assert_eq!(report["date"], today().to_string());
    assert_eq!(report["time_zone"], "UTC");
    assert_eq!(report["closed"], false);
    let currencies = report["currencies"].as_array().unwrap();
    assert_eq!(currencies.len(), 1, "{report}");
    let totals = &currencies[0]["totals"];
    assert_eq!(totals["units_sold"], 2);
    assert_eq!(totals["gross"], cad("45.96"));
    assert_eq!(
        totals["taxes"],
        json!([{"name": "GST", "amount": cad("2.00")}, {"name": "QST", "amount": cad("3.98")}])
    );
    // 30 % and 20 % of 22.98.
    assert_eq!(totals["refunds"], cad("6.89"));
    assert_eq!(totals["voucher_refunds"], cad("4.60"));
    assert_eq!(totals["net"], cad("34.47"));
    let product = &currencies[0]["products"][0];
    assert_eq!(product["product"], paid.product);
    assert_eq!(product["sku"], "BOOK-1");
    assert_eq!(product["net"], cad("34.47"));
}

#[tokio::test]
async fn the_csv_of_the_day_reads_back_with_a_header_and_a_totals_row() {
    let (paid, _) = day_with_refunds().await;
    let response = paid
        .app
        .request(
            reqwest::Method::GET,
            &format!("/reports/daily_sales?date={}", today()),
            Who::Merchant(&paid.merchant),
        )
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(response.headers()), "text/csv; charset=utf-8");
    let body = response.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(body.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(str::to_owned).collect();
    assert_eq!(
        header,
        [
            "row",
            "date",
            "currency",
            "product",
            "sku",
            "title",
            "units_sold",
            "gross",
            "tax:GST",
            "tax:QST",
            "refunds",
            "voucher_refunds",
            "net"
        ]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows.len(), 2, "{body}");
    let date = today().to_string();
    let expected_product = [
        "product",
        &date,
        "CAD",
        &paid.product,
        "BOOK-1",
        "Book number 1",
        "2",
        "45.96",
        "2.00",
        "3.98",
        "6.89",
        "4.60",
        "34.47",
    ];
    assert_eq!(rows[0], expected_product);
    let expected_total = [
        "total", &date, "CAD", "", "", "", "2", "45.96", "2.00", "3.98", "6.89", "4.60", "34.47",
    ];
    assert_eq!(rows[1], expected_total);
}

#[tokio::test]
async fn the_hal_report_links_its_csv_and_the_days_around_it() {
    let (app, merchant, _) = shop_in("UTC").await;
    let yesterday = today() - Duration::days(1);
    let report = report(&app, &merchant, "?currency=EUR").await;
    assert_eq!(
        report["date"],
        yesterday.to_string(),
        "the last closed day by default"
    );
    assert_eq!(report["closed"], true);
    assert_eq!(report["currencies"][0]["currency"], "EUR");
    assert_eq!(report["currencies"][0]["totals"]["net"], money("0.00", "EUR"));
    let links = &report["_links"];
    assert_eq!(links["alternate"]["type"], "text/csv");
    let csv_href = links["alternate"]["href"].as_str().unwrap();
    assert_eq!(
        csv_href,
        app.url(&format!(
            "/reports/daily_sales?date={yesterday}&currency=EUR&format=csv"
        ))
    );
    assert_eq!(
        links["prev"]["href"],
        app.url(&format!(
            "/reports/daily_sales?date={}&currency=EUR",
            yesterday - Duration::days(1)
        ))
    );
    assert_eq!(
        links["next"]["href"],
        app.url(&format!("/reports/daily_sales?date={}&currency=EUR", today()))
    );
    let csv = app.get_as(Who::Merchant(&merchant), csv_href).await;
    assert_eq!(content_type(csv.headers()), "text/csv; charset=utf-8");
    let today_report = self::report(&app, &merchant, &format!("?date={}", today())).await;
    assert!(
        today_report["_links"].get("next").is_none(),
        "tomorrow has not begun"
    );
}

#[tokio::test]
async fn a_sale_at_23_30_utc_counts_on_the_next_day_in_amsterdam() {
    let (app, merchant, product) = shop_in("Europe/Amsterdam").await;
    let placed = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    paid_at(&app, &placed, "2026-11-20T23:30:00Z".parse().unwrap()).await;
    let on_the_20th = report(&app, &merchant, "?date=2026-11-20").await;
    assert_eq!(on_the_20th["currencies"], json!([]), "{on_the_20th}");
    let on_the_21st = report(&app, &merchant, "?date=2026-11-21").await;
    assert_eq!(on_the_21st["time_zone"], "Europe/Amsterdam");
    assert_eq!(on_the_21st["starts_at"], "2026-11-20T23:00:00Z");
    assert_eq!(on_the_21st["currencies"][0]["totals"]["units_sold"], 1);
    assert_eq!(on_the_21st["currencies"][0]["totals"]["gross"], cad("22.98"));
}

#[tokio::test]
async fn another_merchant_sees_only_its_own_sales() {
    let (paid, _) = day_with_refunds().await;
    let other = paid.app.merchant_named("Other bookstore").await;
    let report = report(&paid.app, &other, &format!("?date={}", today())).await;
    assert_eq!(report["currencies"], json!([]));
}

#[tokio::test]
async fn the_report_needs_the_merchants_credentials() {
    let (app, merchant, _) = shop_in("UTC").await;
    let anonymous = app.get("/reports/daily_sales").await;
    assert_problem(anonymous, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let wrong = app
        .get_as(
            Who::Merchant(&merchant.with_wrong_secret()),
            "/reports/daily_sales",
        )
        .await;
    assert_problem(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

#[tokio::test]
async fn a_bad_date_or_currency_is_refused() {
    let (app, merchant, _) = shop_in("UTC").await;
    let who = Who::Merchant(&merchant);
    let not_a_date = app.get_as(who, "/reports/daily_sales?date=2026-02-30").await;
    assert_problem(not_a_date, StatusCode::BAD_REQUEST, "malformed_request").await;
    let unknown = app.get_as(who, "/reports/daily_sales?currency=XYZ").await;
    assert_problem(unknown, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    let tomorrow = today() + Duration::days(2);
    let future = app
        .get_as(who, &format!("/reports/daily_sales?date={tomorrow}"))
        .await;
    assert_problem(future, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
}

async fn summary_events(app: &TestApp) -> Vec<entity::outbox_event::Model> {
    entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::EventType.eq("sales_summary.daily"))
        .all(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_daily_summary_event_is_written_once_even_when_two_workers_run() {
    let (app, _, product) = shop_in("UTC").await;
    let placed = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    paid_at(&app, &placed, Utc::now() - Duration::days(2)).await;
    let hal = Hal::new(url::Url::parse(&app.address).unwrap());
    let other = Database::connect(&app.database_url).await.unwrap();
    // Noon today: yesterday is closed whatever the time of the run.
    let now = Utc::now().date_naive().and_hms_opt(12, 0, 0).unwrap().and_utc();
    let (first, second) = tokio::join!(close_days(&app.db, &hal, now), close_days(&other, &hal, now));
    // The day of the first sale and yesterday.
    assert_eq!(first.unwrap() + second.unwrap(), 2);
    assert_eq!(close_days(&app.db, &hal, now).await.unwrap(), 0);
    let events = summary_events(&app).await;
    assert_eq!(events.len(), 2);
    let data: Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(data["date"], (today() - Duration::days(2)).to_string());
    assert_eq!(data["closed"], true);
    assert_eq!(data["currencies"][0]["totals"]["gross"], cad("22.98"));
    assert!(data["merchant_uid"].is_string());
    assert!(data["_links"]["self"]["href"].as_str().unwrap().contains("date="));
    let rows = entity::daily_sales_summary::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 2);
}

#[tokio::test]
async fn a_merchant_that_never_sold_gets_no_daily_summary() {
    let (app, _, _) = shop_in("UTC").await;
    let hal = Hal::new(url::Url::parse(&app.address).unwrap());
    assert_eq!(close_days(&app.db, &hal, Utc::now()).await.unwrap(), 0);
    assert!(summary_events(&app).await.is_empty());
}

#[tokio::test]
async fn the_merchant_command_sets_the_time_zone_of_the_reports() {
    let app = spawn_app_with(|s| s.workers.sales_summary_interval_seconds = 0).await;
    let args = [
        "merchant",
        "create",
        "--name",
        "Boekhandel",
        "--time-zone",
        "Europe/Amsterdam",
        "--json",
    ];
    let created = json_stdout(&run_on(&app.database_url, &args));
    let merchant = MerchantCredentials {
        app_key: created["app_key"].as_str().unwrap().to_owned(),
        secret: created["secret"].as_str().unwrap().to_owned(),
    };
    let report = report(&app, &merchant, "?date=2026-11-21").await;
    assert_eq!(report["time_zone"], "Europe/Amsterdam");
    assert_eq!(report["starts_at"], "2026-11-20T23:00:00Z");
    let refused = run_on(
        &app.database_url,
        &["merchant", "create", "--name", "X", "--time-zone", "Mars/Olympus"],
    );
    assert!(!refused.status.success());
    assert!(
        stderr(&refused).contains("IANA time zone"),
        "{}",
        stderr(&refused)
    );
}

#[tokio::test]
async fn the_summary_step_of_a_running_instance_closes_the_days_by_itself() {
    let app = spawn_app_with(|s| s.workers.sales_summary_interval_seconds = 1).await;
    let merchant = app.merchant().await;
    let product = app.create_product_href(&merchant, &ebook(1)).await;
    let placed = place_paid_order(&app, &cart(MARIE).line(&product, 1)).await;
    paid_at(&app, &placed, Utc::now() - Duration::days(1)).await;
    for _ in 0..100 {
        if !summary_events(&app).await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let events = summary_events(&app).await;
    assert_eq!(events.len(), 1, "yesterday only");
    let data: Value = serde_json::from_str(&events[0].payload).unwrap();
    assert_eq!(data["date"], (today() - Duration::days(1)).to_string());
    assert_eq!(data["currencies"][0]["totals"]["units_sold"], 1);
}

#[tokio::test]
async fn a_day_with_more_orders_than_are_read_at_once_counts_every_one() {
    let app = spawn_app_with(|s| s.workers.sales_summary_interval_seconds = 0).await;
    let seeded = halshop::seed::orders::seed_orders(&app.db, 4_500, 3)
        .await
        .unwrap();
    let merchant = entity::merchant::Entity::find()
        .filter(entity::merchant::Column::Name.eq(seeded.merchant.as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let zone = halshop::domain::reports::MerchantZone::of_stored(&merchant.time_zone);
    // The orders are a second apart and end now: they may straddle the day's start.
    let today = zone.date_at(Utc::now());
    let mut units = 0;
    for date in [today - Duration::days(1), today] {
        let sales = halshop::domain::reports::daily_sales(&app.db, &merchant, &zone.day(date), None)
            .await
            .unwrap();
        units += sales.currencies.iter().map(|c| c.totals.units_sold).sum::<i64>();
    }
    assert_eq!(units, 4_500);
}
