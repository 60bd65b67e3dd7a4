//! Structured logs with tracing. `RUST_LOG` filters (default `info`). Text logs are coloured
//! only on a terminal, so a log file holds no escape codes. The business counters of
//! `/metrics` are counted here too.

use std::io::IsTerminal;

use tracing_subscriber::{EnvFilter, fmt};

use crate::config::LogFormat;

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// A placed order, counted after it was committed.
pub fn order_placed() {
    metrics::counter!("halshop_orders_placed_total").increment(1);
}

/// A completed sale of `minor` units (cents) of `currency`.
pub fn sale(currency: &str, minor: i64) {
    let currency = currency.to_owned();
    metrics::counter!("halshop_sales_total", "currency" => currency.clone()).increment(1);
    metrics::counter!("halshop_sales_amount_minor_total", "currency" => currency)
        .increment(minor.max(0) as u64);
}

/// A processed refund in `currency`.
pub fn refund(currency: &str) {
    metrics::counter!("halshop_refunds_total", "currency" => currency.to_owned()).increment(1);
}
