//! Prometheus metrics at `/metrics` (text exposition format), outside the HAL API:
//!
//! - `halshop_http_requests_total{method,route,status}` and
//!   `halshop_http_request_duration_seconds{method,route,status}` (a histogram), labelled by
//!   the route template (`/orders/{uid}`), never by the concrete path;
//! - `halshop_db_pool_connections{state="in_use"|"idle"}`;
//! - `halshop_outbox_backlog`: events written and not yet published;
//! - `halshop_orders_placed_total`, `halshop_sales_total{currency}`,
//!   `halshop_sales_amount_minor_total{currency}` (in the currency's minor unit, cents) and
//!   `halshop_refunds_total{currency}`, counted by this instance since it started (see
//!   [`crate::telemetry`]).

use std::{
    sync::{Arc, OnceLock},
    time::Instant,
};

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use poem::{
    Endpoint, IntoResponse, Request, Response,
    http::{StatusCode, header},
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};

use super::middleware::AllowedMethods;

const REQUESTS: &str = "halshop_http_requests_total";
const DURATION: &str = "halshop_http_request_duration_seconds";
const BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process-wide recorder, installed on first use (tests run many servers in one process).
pub fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .set_buckets_for_metric(
                metrics_exporter_prometheus::Matcher::Full(DURATION.into()),
                BUCKETS,
            )
            .expect("the buckets are not empty");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        // Another recorder may be installed already (an embedding application's): then
        // this handle still renders what halshop's own calls record through it.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

/// The `# HELP` text of each metric.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        REQUESTS,
        "HTTP requests answered, by method, route template and status"
    );
    describe_histogram!(DURATION, metrics::Unit::Seconds, "Time to answer an HTTP request");
    describe_gauge!(
        "halshop_db_pool_connections",
        "Database pool connections in use and idle"
    );
    describe_gauge!(
        "halshop_outbox_backlog",
        "Events written to the outbox and not yet published"
    );
    describe_counter!(
        "halshop_orders_placed_total",
        "Orders placed through this instance"
    );
    describe_counter!("halshop_sales_total", "Sales completed through this instance");
    describe_counter!(
        "halshop_sales_amount_minor_total",
        "Amount of the sales completed through this instance, in minor units (cents)"
    );
    describe_counter!("halshop_refunds_total", "Refunds processed through this instance");
    metrics::counter!("halshop_orders_placed_total").absolute(0);
}

/// Counts and times every request by method, route template and status.
pub async fn record<E: Endpoint>(
    ep: Arc<E>,
    req: Request,
    routes: Arc<AllowedMethods>,
) -> poem::Result<Response> {
    let started = Instant::now();
    let method = req.method().as_str().to_owned();
    let route = routes
        .template(req.uri().path())
        .unwrap_or_else(|| "unmatched".to_owned());
    let response = ep.call(req).await.map(IntoResponse::into_response);
    let status = match &response {
        Ok(response) => response.status(),
        Err(err) => err.status(),
    };
    let labels = [
        ("method", method),
        ("route", route),
        ("status", status.as_u16().to_string()),
    ];
    metrics::counter!(REQUESTS, &labels).increment(1);
    metrics::histogram!(DURATION, &labels).record(started.elapsed().as_secs_f64());
    response
}

/// `GET /metrics`: reads the gauges that live in the database and the pool, then renders
/// every metric.
pub async fn render(db: &DatabaseConnection) -> Response {
    let (in_use, idle) = pool_connections(db);
    metrics::gauge!("halshop_db_pool_connections", "state" => "in_use").set(in_use as f64);
    metrics::gauge!("halshop_db_pool_connections", "state" => "idle").set(idle as f64);
    match outbox_backlog(db).await {
        Ok(backlog) => metrics::gauge!("halshop_outbox_backlog").set(backlog as f64),
        Err(err) => tracing::warn!(error = %err, "cannot count the outbox backlog for /metrics"),
    }
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")
        .header(header::CACHE_CONTROL, "no-store")
        .body(handle().render())
}

/// Connections of the pool in use and idle.
pub fn pool_connections(db: &DatabaseConnection) -> (usize, usize) {
    let (size, idle) = match db.get_database_backend() {
        sea_orm::DbBackend::Sqlite => {
            let pool = db.get_sqlite_connection_pool();
            (pool.size() as usize, pool.num_idle())
        }
        _ => {
            let pool = db.get_postgres_connection_pool();
            (pool.size() as usize, pool.num_idle())
        }
    };
    (size.saturating_sub(idle), idle)
}

/// Events written to the outbox and not yet published.
pub async fn outbox_backlog(db: &DatabaseConnection) -> Result<u64, sea_orm::DbErr> {
    entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::PublishedAt.is_null())
        .count(db)
        .await
}

/// When the oldest event not yet published was written.
pub async fn oldest_unpublished(
    db: &DatabaseConnection,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, sea_orm::DbErr> {
    use sea_orm::QueryOrder;
    Ok(entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::PublishedAt.is_null())
        .order_by_asc(entity::outbox_event::Column::Id)
        .one(db)
        .await?
        .map(|event| event.created_at))
}
