//! Health for load balancers and orchestrators, outside the HAL API:
//!
//! - `GET /health/live`: the process serves requests (200);
//! - `GET /health/ready`: the database answers within 2 s, every migration is applied, and
//!   the outbox is not falling behind; 200 with each check, or 503 problem+json naming the
//!   checks that failed.
//!
//! Both answer `application/health+json` (`{"status": "pass" | "fail", "checks": …}`) and are
//! never cached.

use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use poem::{
    IntoResponse, Response,
    http::{StatusCode, header},
};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::{error::ApiError, problems};
use crate::state::AppState;

const HEALTH_JSON: &str = "application/health+json";

/// How long the database may take to answer a readiness probe.
const DATABASE_WITHIN: Duration = Duration::from_secs(2);

/// `GET /health/live`.
pub fn live() -> Response {
    health_response(StatusCode::OK, json!({"status": "pass"}))
}

/// `GET /health/ready`.
pub async fn ready(state: &AppState) -> Response {
    let db = &state.db;
    let checks = [
        ("database", database(db).await),
        ("migrations", migrations(db).await),
        ("outbox", outbox(state).await),
    ];
    let failed: Vec<String> = checks
        .iter()
        .filter_map(|(name, result)| result.as_ref().err().map(|why| format!("{name}: {why}")))
        .collect();
    if !failed.is_empty() {
        return ApiError::new(
            &problems::SERVICE_UNAVAILABLE,
            format!("Not ready: {}.", failed.join("; ")),
        )
        .with_header(header::CACHE_CONTROL, "no-store")
        .into_response();
    }
    let checks: serde_json::Map<String, Value> = checks
        .into_iter()
        .map(|(name, result)| {
            (
                name.to_owned(),
                json!({"status": "pass", "observed": result.ok()}),
            )
        })
        .collect();
    health_response(StatusCode::OK, json!({"status": "pass", "checks": checks}))
}

async fn database(db: &DatabaseConnection) -> Result<Value, String> {
    match tokio::time::timeout(DATABASE_WITHIN, db.ping()).await {
        Ok(Ok(())) => Ok(json!(crate::db::backend_name(db))),
        Ok(Err(err)) => Err(format!("the database does not answer ({err})")),
        Err(_) => Err("the database did not answer within 2 s".into()),
    }
}

async fn migrations(db: &DatabaseConnection) -> Result<Value, String> {
    match Migrator::get_pending_migrations(db).await {
        Ok(pending) if pending.is_empty() => Ok(json!("current")),
        Ok(pending) => Err(format!("{} migrations are not applied", pending.len())),
        Err(err) => Err(format!("cannot read the applied migrations ({err})")),
    }
}

async fn outbox(state: &AppState) -> Result<Value, String> {
    match super::metrics::outbox_backlog(&state.db).await {
        Ok(backlog) => Ok(json!({"backlog": backlog})),
        Err(err) => Err(format!("cannot read the outbox ({err})")),
    }
}

fn health_response(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, HEALTH_JSON)
        .header(header::CACHE_CONTROL, "no-store")
        .body(body.to_string())
}
