//! Expires loans past due and lapses hold offers not taken in time, so that copies pass
//! on to the holds queue even when nobody reads the loan (reads and lending changes
//! bring their title up to date too).

use std::time::Duration;

use crate::{domain::lending::sweep, state::SharedState};

/// How often titles are swept.
const INTERVAL: Duration = Duration::from_secs(15);

/// Sweeps until the task is aborted.
pub async fn run(state: SharedState) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match sweep::run_once(&state.db).await {
            Ok(0) => {}
            Ok(titles) => tracing::info!(titles, "loans and hold offers brought up to date"),
            Err(err) => tracing::warn!(error = %err, "cannot sweep loans and holds"),
        }
    }
}
