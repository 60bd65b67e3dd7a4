//! Deletes the change rows of orders that a newer row supersedes (PostgreSQL), so that
//! `order_change` holds about one row per changed order however long halshop runs.

use std::time::Duration;

use crate::{domain::orders::changes, state::SharedState};

/// How often superseded rows are deleted.
const INTERVAL: Duration = Duration::from_secs(300);

/// Prunes until the task is aborted: at each tick, batches until none is left.
pub async fn run(state: SharedState) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        loop {
            match changes::prune(&state.db).await {
                Ok(0) => break,
                Ok(rows) => tracing::debug!(rows, "superseded order change rows deleted"),
                Err(err) => {
                    tracing::warn!(error = %err, "cannot delete superseded order change rows");
                    break;
                }
            }
        }
    }
}
