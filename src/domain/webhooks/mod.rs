//! Events out: the outbox delivered as Standard Webhooks to the merchants' endpoints, and
//! read back as a feed.
//!
//! - [`sequencer`] gives committed events their place in commit order (`seq`) and fans each
//!   out to the matching endpoints: one `webhook_delivery` per (endpoint, event).
//! - [`deliveries`] claims due deliveries under a lease, records each attempt and plans the
//!   next; [`sender`] is the worker loop that every instance runs.
//! - [`endpoints`] are the merchants' endpoints, their secrets sealed by [`sealing`] and
//!   their URLs checked by [`targets`]; [`signing`] makes the signatures.

pub mod deliveries;
pub mod endpoints;
pub mod feed;
pub mod sealing;
pub mod sender;
pub mod sequencer;
pub mod signing;
pub mod targets;

use std::time::Duration;

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its first attempt or for a retry.
    Pending,
    /// An attempt was answered with a 2xx.
    Delivered,
    /// Every attempt failed until the retry window closed.
    Failed,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn from_stored(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(DeliveryStatus::Pending),
            "delivered" => Some(DeliveryStatus::Delivered),
            "failed" => Some(DeliveryStatus::Failed),
            _ => None,
        }
    }
}

/// When to try again: about 5 s, 30 s, 2 min, 10 min and 1 h after the failed attempts,
/// then every 6 h, each ±20 % at random (so that the retries of many deliveries that failed
/// together do not all come back at once), for 3 days. `scale` shrinks every duration
/// (tests and demonstrations: `HALSHOP_WEBHOOK_RETRY_SCALE=0.001` makes 3 days about 4 min).
#[derive(Debug, Clone, Copy)]
pub struct Schedule {
    pub scale: f64,
}

/// The retry delays in seconds, after the 1st, 2nd, … failed attempt; the last repeats.
const DELAYS: [f64; 6] = [5.0, 30.0, 120.0, 600.0, 3600.0, 21_600.0];
/// How long a delivery is retried, in seconds (3 days).
const WINDOW: f64 = 3.0 * 24.0 * 3600.0;
/// How long a sender may take: the request's own timeout.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

impl Schedule {
    fn scaled(&self, seconds: f64) -> chrono::Duration {
        chrono::Duration::microseconds((seconds * self.scale * 1_000_000.0).round() as i64)
    }

    /// The delay before the attempt that follows `failed` failed attempts (≥ 1).
    pub fn delay_after(&self, failed: i32) -> chrono::Duration {
        let base = DELAYS[(failed.max(1) as usize - 1).min(DELAYS.len() - 1)];
        let jitter = 0.8 + rand::random::<f64>() * 0.4;
        self.scaled(base * jitter)
    }

    /// How long a delivery is retried before it is `failed`; an endpoint failing that
    /// long is disabled.
    pub fn window(&self) -> chrono::Duration {
        self.scaled(WINDOW)
    }

    /// How long a worker holds a delivery it sends: past it (a crash) another worker sends
    /// it again.
    pub fn lease(&self) -> chrono::Duration {
        chrono::Duration::from_std(SEND_TIMEOUT).unwrap_or_default() + chrono::Duration::seconds(5)
    }

    /// How long an idle worker sleeps before it looks for work again.
    pub fn poll(&self) -> Duration {
        Duration::from_secs_f64((self.scale * 5.0).clamp(0.02, 0.5))
    }
}

/// Whether an endpoint's `event_types` (exact types or `prefix.*`; none = all) take
/// `event_type`.
pub fn wants(event_types: &[String], event_type: &str) -> bool {
    event_types.is_empty()
        || event_types.iter().any(|wanted| match wanted.strip_suffix('*') {
            Some(prefix) => event_type.starts_with(prefix),
            None => wanted == event_type,
        })
}

/// The stored `event_types` of an endpoint.
pub fn event_types_of(stored: &str) -> Vec<String> {
    serde_json::from_str(stored).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_then_settle_every_six_hours() {
        let schedule = Schedule { scale: 1.0 };
        let secs = |failed| schedule.delay_after(failed).num_seconds();
        assert!((4..=6).contains(&secs(1)));
        assert!((24..=36).contains(&secs(2)));
        assert!((96..=144).contains(&secs(3)));
        assert!((480..=720).contains(&secs(4)));
        assert!((2880..=4320).contains(&secs(5)));
        assert!((17_280..=25_920).contains(&secs(9)));
        assert_eq!(schedule.window(), chrono::Duration::days(3));
    }

    #[test]
    fn event_type_filters_take_exact_types_and_prefixes() {
        let filter = vec!["order.completed".to_owned(), "refund.*".to_owned()];
        assert!(wants(&filter, "order.completed"));
        assert!(wants(&filter, "refund.created"));
        assert!(!wants(&filter, "order.expired"));
        assert!(!wants(&filter, "refund_request.created"));
        assert!(wants(&[], "anything.at_all"));
    }
}
