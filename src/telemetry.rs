//! Structured logs with tracing. `RUST_LOG` filters (default `info`). Text logs are coloured
//! only on a terminal, so a log file holds no escape codes. The business counters of
//! `/metrics` are counted here too.
//!
//! Every request is logged on one line under the target [`REQUEST_LOG`]. Written to a file
//! or a pipe, those lines are buffered, as a web server buffers its access log: a line per
//! request written on its own costs a system call per request, more than the rest of logging
//! it. They are written at least every [`FLUSH_EVERY`], when the buffer fills, when halshop
//! ends or panics, and before any other line, which is written at once. On a terminal every
//! line is written at once.

use std::{
    io::{IsTerminal, Write},
    sync::{Mutex, MutexGuard, Once},
    time::Duration,
};

use tracing::{Level, Metadata};
use tracing_subscriber::{EnvFilter, fmt, fmt::MakeWriter};

use crate::config::LogFormat;

/// The target of the line logged for every request (`RUST_LOG=halshop::requests=off`
/// silences them).
pub const REQUEST_LOG: &str = "halshop::requests";

/// The longest a buffered log line waits before it is written.
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

/// Buffered lines past this many bytes are written at once.
const BUFFER_BYTES: usize = 64 * 1024;

/// Installs the global subscriber once; later calls (tests) are no-ops.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let terminal = std::io::stderr().is_terminal();
    let builder = fmt()
        .with_env_filter(filter)
        .with_writer(ToLogs)
        .with_ansi(terminal);
    let installed = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
    if installed.is_ok() && !terminal {
        start_flushing();
    }
}

/// Writes the log lines still buffered.
pub fn flush() {
    LOGS.write_out(&mut LOGS.lock());
}

static LOGS: Logs = Logs::new(write_stderr);

/// A log that cannot be written has nowhere to say so.
fn write_stderr(bytes: &[u8]) {
    let _ = std::io::stderr().lock().write_all(bytes);
}

/// Log lines on their way to `sink` (standard error), buffered once [`start_flushing`] runs.
struct Logs {
    buffer: Mutex<Buffer>,
    sink: fn(&[u8]),
}

struct Buffer {
    bytes: Vec<u8>,
    buffering: bool,
}

impl Logs {
    const fn new(sink: fn(&[u8])) -> Self {
        Logs {
            buffer: Mutex::new(Buffer {
                bytes: Vec::new(),
                buffering: false,
            }),
            sink,
        }
    }

    fn line(&self, urgent: bool) -> LogLine<'_> {
        LogLine { logs: self, urgent }
    }

    fn lock(&self) -> MutexGuard<'_, Buffer> {
        self.buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write_out(&self, buffer: &mut Buffer) {
        if !buffer.bytes.is_empty() {
            (self.sink)(&buffer.bytes);
            buffer.bytes.clear();
        }
    }
}

/// Buffers from now on, with a thread writing the buffer every [`FLUSH_EVERY`] and a panic
/// writing it before the panic's message.
fn start_flushing() {
    static STARTED: Once = Once::new();
    STARTED.call_once(|| {
        LOGS.lock().buffering = true;
        let spawned = std::thread::Builder::new()
            .name("halshop-logs".to_owned())
            .spawn(|| {
                loop {
                    std::thread::sleep(FLUSH_EVERY);
                    flush();
                }
            });
        if spawned.is_err() {
            LOGS.lock().buffering = false;
            return;
        }
        let report = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            flush();
            report(info);
        }));
    });
}

/// One log line on its way into the buffer; an urgent one (any but a request's) is written
/// at once, after the lines before it.
struct LogLine<'a> {
    logs: &'a Logs,
    urgent: bool,
}

impl Write for LogLine<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        let mut buffer = self.logs.lock();
        buffer.bytes.extend_from_slice(bytes);
        if self.urgent || !buffer.buffering || buffer.bytes.len() >= BUFFER_BYTES {
            self.logs.write_out(&mut buffer);
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The subscriber's way into [`LOGS`].
struct ToLogs;

impl MakeWriter<'_> for ToLogs {
    type Writer = LogLine<'static>;

    fn make_writer(&self) -> LogLine<'static> {
        LOGS.line(true)
    }

    fn make_writer_for(&self, meta: &Metadata<'_>) -> LogLine<'static> {
        LOGS.line(!(meta.target() == REQUEST_LOG && *meta.level() >= Level::INFO))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    static WRITTEN: Mutex<Vec<String>> = Mutex::new(Vec::new());

    fn record(bytes: &[u8]) {
        WRITTEN
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(bytes).into_owned());
    }

    #[test]
    fn request_lines_wait_for_another_line_which_writes_them_before_itself_in_one_write() {
        let logs = Logs::new(record);
        logs.lock().buffering = true;
        logs.line(false).write_all(b"served 1\n").unwrap();
        logs.line(false).write_all(b"served 2\n").unwrap();
        assert!(WRITTEN.lock().unwrap().is_empty());
        logs.line(true).write_all(b"listening\n").unwrap();
        assert_eq!(*WRITTEN.lock().unwrap(), ["served 1\nserved 2\nlistening\n"]);
        logs.line(false).write_all(b"served 3\n").unwrap();
        logs.write_out(&mut logs.lock());
        assert_eq!(WRITTEN.lock().unwrap()[1], "served 3\n");
    }
}
