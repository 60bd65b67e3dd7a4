//! Health for load balancers and orchestrators, outside the HAL API:
//!
//! - `GET /health/live`: the process serves requests (200);
//! - `GET /health/ready`: the database answers within 2 s, every migration is applied, and
//!   the outbox is not falling behind (no event waits over 60 s to be published); 200 with each check, or 503 problem+json naming the
//!   checks that failed.
//!
//! Both answer `application/health+json` (`{"status": "pass" | "fail", "checks": …}`) and are
//! never cached.

use std::time::Duration;

use migration::Migrator;
use poem::{
    IntoResponse, Response,
    http::{StatusCode, header},
};
use sea_orm::DatabaseConnection;
use serde_json::{Value, json};

use super::{error::ApiError, problems};
use crate::state::AppState;

const HEALTH_JSON: &str = "application/health+json";

/// How long an event may wait to be published before the instance is not ready.
const OUTBOX_LAG_LIMIT: Duration = Duration::from_secs(60);

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
    match Migrator::pending(db).await {
        Ok(pending) if pending.is_empty() => Ok(json!("current")),
        Ok(pending) => Err(format!("{} migrations are not applied", pending.len())),
        Err(err) => Err(format!("cannot read the applied migrations ({err})")),
    }
}

/// Events are numbered for delivery (published) by a worker in every instance, within a
/// second of their commit; one still waiting after [`OUTBOX_LAG_LIMIT`] means no worker is
/// keeping up.
async fn outbox(state: &AppState) -> Result<Value, String> {
    let backlog = super::metrics::outbox_backlog(&state.db)
        .await
        .map_err(|err| format!("cannot read the outbox ({err})"))?;
    let oldest = super::metrics::oldest_unpublished(&state.db)
        .await
        .map_err(|err| format!("cannot read the outbox ({err})"))?;
    outbox_verdict(backlog, oldest, chrono::Utc::now())
}

fn outbox_verdict(
    backlog: u64,
    oldest: Option<chrono::DateTime<chrono::Utc>>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Value, String> {
    let lag = oldest.map_or(0, |at| (now - at).num_seconds().max(0));
    if lag > OUTBOX_LAG_LIMIT.as_secs() as i64 {
        return Err(format!(
            "the oldest unpublished event is {lag} s old (limit {} s)",
            OUTBOX_LAG_LIMIT.as_secs()
        ));
    }
    Ok(json!({"backlog": backlog, "lag_seconds": lag}))
}

fn health_response(status: StatusCode, body: Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, HEALTH_JSON)
        .header(header::CACHE_CONTROL, "no-store")
        .body(body.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_waiting_over_a_minute_to_be_published_makes_the_outbox_check_fail() {
        let now = chrono::Utc::now();
        let old = now - chrono::Duration::seconds(61);
        assert_eq!(
            outbox_verdict(3, Some(old), now),
            Err("the oldest unpublished event is 61 s old (limit 60 s)".to_owned())
        );
    }

    #[test]
    fn a_recent_backlog_passes_the_outbox_check() {
        let now = chrono::Utc::now();
        let recent = now - chrono::Duration::seconds(2);
        assert_eq!(
            outbox_verdict(3, Some(recent), now),
            Ok(json!({"backlog": 3, "lag_seconds": 2}))
        );
        assert_eq!(
            outbox_verdict(0, None, now),
            Ok(json!({"backlog": 0, "lag_seconds": 0}))
        );
    }
}
