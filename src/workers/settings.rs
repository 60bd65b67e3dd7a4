//! Settings of the background work every instance does: mails from the outbox and the
//! daily sales summaries.

use std::{path::PathBuf, time::Duration};

use clap::Args;

#[derive(Debug, Clone, Args)]
pub struct WorkerSettings {
    /// SMTP server for mails, e.g. `smtp://user:pass@mail.example.com:587?tls=required`,
    /// `smtps://…:465`, or `smtp://127.0.0.1:2525` (no TLS). Unset: mails are written as
    /// `.eml` files into HALSHOP_MAIL_DIR.
    #[arg(long, env = "SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// Where mails are written as `<uid>.eml` files when SMTP_URL is unset.
    #[arg(long, env = "HALSHOP_MAIL_DIR", default_value = "./mail")]
    pub mail_dir: PathBuf,

    /// The `From` of every mail (replies go to the shop's customer-service address).
    #[arg(
        long,
        env = "HALSHOP_MAIL_FROM",
        default_value = "halshop <no-reply@localhost>"
    )]
    pub mail_from: String,

    /// How often the mail worker looks for new events and due mails, in milliseconds.
    #[arg(long, env = "HALSHOP_MAIL_POLL_MS", default_value_t = 1000)]
    pub mail_poll_ms: u64,

    /// How long a mail is reserved for the instance sending it, in seconds; after a crash
    /// another instance sends it once the lease has run out.
    #[arg(long, env = "HALSHOP_MAIL_LEASE_SECONDS", default_value_t = 120)]
    pub mail_lease_seconds: u64,

    /// Attempts before a mail is marked `failed`; the waits between them double from
    /// HALSHOP_MAIL_RETRY_SECONDS, up to an hour.
    #[arg(long, env = "HALSHOP_MAIL_MAX_ATTEMPTS", default_value_t = 8)]
    pub mail_max_attempts: i32,

    /// The wait after a first failed attempt, in seconds.
    #[arg(long, env = "HALSHOP_MAIL_RETRY_SECONDS", default_value_t = 30)]
    pub mail_retry_seconds: u64,

    /// Events older than this many hours get no mail (a confirmation that late is noise,
    /// and a database upgraded to this version does not mail its whole history).
    #[arg(long, env = "HALSHOP_MAIL_MAX_AGE_HOURS", default_value_t = 24)]
    pub mail_max_age_hours: i64,

    /// How often closed days are summarised (`sales_summary.daily`), in seconds; 0 turns the
    /// step off on this instance (another instance on the same database still does it).
    #[arg(long, env = "HALSHOP_SALES_SUMMARY_INTERVAL_SECONDS", default_value_t = 60)]
    pub sales_summary_interval_seconds: u64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_dir: PathBuf::from("./mail"),
            mail_from: "halshop <no-reply@localhost>".into(),
            mail_poll_ms: 1000,
            mail_lease_seconds: 120,
            mail_max_attempts: 8,
            mail_retry_seconds: 30,
            mail_max_age_hours: 24,
            sales_summary_interval_seconds: 60,
        }
    }
}

impl WorkerSettings {
    pub fn mail_poll(&self) -> Duration {
        Duration::from_millis(self.mail_poll_ms.max(10))
    }

    pub fn summary_interval(&self) -> Duration {
        Duration::from_secs(self.sales_summary_interval_seconds.max(1))
    }
}
