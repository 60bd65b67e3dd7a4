//! The mail worker of an instance: records the mail of each new mailed event, then sends
//! the due mails it can claim. Mail problems never reach an API request: they are retried
//! here and logged.

pub mod compose;
pub mod transport;

use chrono::{Duration, Utc};
use sea_orm::DbErr;

use crate::{
    domain::mails::{self, MailKind},
    state::SharedState,
};
use transport::Transport;

/// Events looked at, and mails claimed, in one pass.
const BATCH: u64 = 50;

/// Polls until the task is aborted.
pub async fn run(state: SharedState, transport: Transport) {
    let every = state.settings.workers.mail_poll();
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        if let Err(err) = pass(&state, &transport).await {
            tracing::warn!(error = %err, "mail worker pass failed");
        }
    }
}

/// One pass: record, then send. Returns how many mails were sent.
pub async fn pass(state: &SharedState, transport: &Transport) -> Result<usize, DbErr> {
    let settings = &state.settings.workers;
    let now = Utc::now();
    let max_age = Duration::hours(settings.mail_max_age_hours.max(1));
    for event in mails::unmailed_events(&state.db, now, max_age, BATCH).await? {
        let Some(kind) = MailKind::for_event(&event.event_type) else {
            continue;
        };
        let composed = compose::compose(&state.db, &state.hal, kind, &event).await?;
        mails::record(&state.db, &event, kind, composed, now).await?;
    }
    let lease = Duration::seconds(settings.mail_lease_seconds.max(1) as i64);
    let first_wait = Duration::seconds(settings.mail_retry_seconds as i64);
    let mut sent = 0;
    for mail in mails::claim_due(&state.db, now, lease, BATCH).await? {
        match transport.send(&settings.mail_from, &mail).await {
            Ok(()) => {
                mails::mark_sent(&state.db, mail.id, Utc::now()).await?;
                sent += 1;
            }
            Err(error) => {
                tracing::warn!(mail = %mail.uid, attempt = mail.attempts, %error, "mail not sent");
                let max = settings.mail_max_attempts;
                mails::mark_attempt_failed(&state.db, &mail, &error, Utc::now(), max, first_wait).await?;
            }
        }
    }
    Ok(sent)
}
