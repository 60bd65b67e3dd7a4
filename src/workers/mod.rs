//! Background work every instance does beside serving: mails from the outbox, the
//! `sales_summary.daily` event of each closed day, loans and hold offers that run out, and
//! superseded order change rows. Instances share the work through the database alone
//! (leases, unique keys, skipped locks), so any number may run.

pub mod lending;
pub mod mail;
pub mod order_changes;
pub mod settings;
pub mod summaries;

pub use settings::WorkerSettings;

use tokio::task::JoinHandle;

use crate::state::SharedState;

/// Starts the workers; refuses a mail configuration that cannot work.
pub fn spawn(state: &SharedState) -> anyhow::Result<Vec<JoinHandle<()>>> {
    let transport = mail::transport::Transport::configure(&state.settings.workers)?;
    let mut workers = vec![
        tokio::spawn(mail::run(state.clone(), transport)),
        tokio::spawn(lending::run(state.clone())),
        tokio::spawn(order_changes::run(state.clone())),
    ];
    if state.settings.workers.sales_summary_interval_seconds > 0 {
        workers.push(tokio::spawn(summaries::run(state.clone())));
    }
    Ok(workers)
}
