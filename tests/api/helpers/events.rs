//! Events with places, their ticket products, and orders whose hold runs out.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use super::{MerchantCredentials, TestApp, Who, expect_json, self_href};

/// An event body with `capacity` places, a year from now.
pub fn event_body(capacity: i64) -> Value {
    let starts = Utc::now() + Duration::days(365);
    let time = |at: chrono::DateTime<Utc>| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "title": "Poetry night",
        "venue": "Salle Bourgie, Montréal",
        "starts_at": time(starts),
        "ends_at": time(starts + Duration::hours(3)),
        "time_zone": "America/Toronto",
        "capacity": capacity,
    })
}

/// Creates an event of `capacity` places; returns it.
pub async fn create_event(app: &TestApp, merchant: &MerchantCredentials, capacity: i64) -> Value {
    let response = app
        .post_json(Who::Merchant(merchant), "/events", &event_body(capacity))
        .await;
    expect_json(response, StatusCode::CREATED).await
}

/// A ticket product of `event` (its URL), `n` varying its SKU; with places of its own
/// when `capacity` is given. Returns its URL.
pub async fn event_ticket(
    app: &TestApp,
    merchant: &MerchantCredentials,
    event: &str,
    n: u32,
    capacity: Option<i64>,
) -> String {
    let mut body = super::ticket(n);
    body["event"] = json!(event);
    if let Some(capacity) = capacity {
        body["capacity"] = json!(capacity);
    }
    self_href(&app.create_product(merchant, &body).await)
}

/// An event of `capacity` places with one ticket product; returns both URLs.
pub async fn event_with_ticket(
    app: &TestApp,
    merchant: &MerchantCredentials,
    capacity: i64,
) -> (String, String) {
    let event = self_href(&create_event(app, merchant, capacity).await);
    let ticket = event_ticket(app, merchant, &event, 1, None).await;
    (event, ticket)
}

/// Moves an unpaid order's hold into the past, as if its time had run out.
pub async fn run_out_hold(app: &TestApp, order: &Value) {
    let uid = order["uid"].as_str().expect("order uid");
    entity::order::Entity::update_many()
        .col_expr(
            entity::order::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::seconds(1)),
        )
        .filter(entity::order::Column::Uid.eq(uid))
        .exec(&app.db)
        .await
        .expect("hold moved");
}

/// `available` of the event as anyone reads it now.
pub async fn available(app: &TestApp, event: &str) -> i64 {
    let event = app.get_json(Who::Anonymous, event).await;
    event["available"].as_i64().unwrap_or_else(|| panic!("{event}"))
}

/// A second halshop instance on the same database as `app`; answers its address.
pub async fn second_instance(app: &TestApp) -> String {
    let settings = halshop::config::Settings::for_database(app.database_url.clone());
    let instance = halshop::startup::Application::build(settings)
        .await
        .expect("second instance builds");
    let address = format!("http://127.0.0.1:{}", instance.port());
    tokio::spawn(instance.run_until_stopped());
    address
}
