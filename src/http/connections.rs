//! Connections that cannot starve the server: a cap on concurrent connections, a deadline for
//! the head of every request, and the process's open-file limit raised to what it may be.
//!
//! poem's server offers an idle timeout (no byte read or written for a while: the connection
//! is shut down gracefully) but no header-read timeout and no connection cap, so both are
//! added here by wrapping the acceptor:
//! - at most `max_connections` connections are served at once; beyond the cap, the next
//!   connection waits for a place (and a warning is logged) and the others wait in the listen
//!   backlog, instead of taking descriptors the database pool and the content store need;
//! - a connection is closed when the head of a request (request line and headers) has not
//!   arrived whole within `header_read_timeout`, counted from the accept for the first request
//!   and from its first byte for the next ones on a kept-alive connection. A client that sends
//!   nothing at all, or a byte every few seconds, no longer holds its place.

use std::{
    io,
    pin::Pin,
    sync::Arc,
    task::{Context, Poll},
    time::Duration,
};

use poem::{
    http::uri::Scheme,
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    sync::{OwnedSemaphorePermit, Semaphore},
    time::{Instant, Sleep},
};

/// How long a client has to send the head of a request.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a connection may stay without a byte read or written before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Descriptors kept for everything but client connections (database pool, content files,
/// outbound calls, logs), as a share of the open-file limit: a quarter, within these bounds.
const RESERVED_DESCRIPTORS: (u64, u64) = (64, 1024);
/// How often the same warning about connections may be logged.
const WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// Limits on client connections.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a client has to send a request head.
    pub header_read_timeout: Duration,
    /// How long a connection may stay silent (no request, no response) before it is closed.
    pub idle_timeout: Duration,
    /// How many connections are served at once; `None` derives it from the open-file limit.
    pub max_connections: Option<usize>,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        Self {
            header_read_timeout: HEADER_READ_TIMEOUT,
            idle_timeout: IDLE_TIMEOUT,
            max_connections: None,
        }
    }
}

impl ConnectionLimits {
    /// The connection cap: the configured one, or what the open-file limit leaves once the
    /// reserve is set aside.
    pub fn cap(&self, open_files: Option<u64>) -> usize {
        self.max_connections
            .unwrap_or_else(|| match open_files {
                Some(limit) => {
                    let reserve = (limit / 4).clamp(RESERVED_DESCRIPTORS.0, RESERVED_DESCRIPTORS.1);
                    usize::try_from(limit.saturating_sub(reserve)).unwrap_or(usize::MAX)
                }
                None => usize::MAX >> 4,
            })
            .max(1)
    }
}

/// Raises the soft open-file limit (`RLIMIT_NOFILE`) to the hard one, and returns the soft
/// limit now in force (`None` when unlimited).
#[cfg(unix)]
pub fn raise_open_file_limit() -> Option<u64> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let Rlimit { current, maximum } = getrlimit(Resource::Nofile);
    let soft = current?;
    // An unlimited hard limit still leaves the kernel's own ceiling; 2^20 is Linux's default.
    let wanted = maximum.unwrap_or(1 << 20);
    if soft >= wanted {
        tracing::debug!(soft, hard = ?maximum, "open-file limit already at its maximum");
        return Some(soft);
    }
    let raised = Rlimit {
        current: Some(wanted),
        maximum,
    };
    match setrlimit(Resource::Nofile, raised) {
        Ok(()) => {
            tracing::info!(from = soft, to = wanted, "raised the open-file limit");
            Some(wanted)
        }
        Err(err) => {
            tracing::warn!(soft, hard = ?maximum, error = %err, "cannot raise the open-file limit");
            Some(soft)
        }
    }
}

/// Raises the soft open-file limit: nothing to do where there is none.
#[cfg(not(unix))]
pub fn raise_open_file_limit() -> Option<u64> {
    None
}

/// An acceptor that caps concurrent connections and gives each request head a deadline.
pub struct GuardedAcceptor<A> {
    inner: A,
    places: Arc<Semaphore>,
    cap: usize,
    header_read_timeout: Duration,
    last_warning: Option<Instant>,
}

impl<A: Acceptor> GuardedAcceptor<A> {
    pub fn new(inner: A, cap: usize, header_read_timeout: Duration) -> Self {
        tracing::info!(
            max_connections = cap,
            header_read_timeout_s = header_read_timeout.as_secs_f64(),
            "connection limits"
        );
        Self {
            inner,
            places: Arc::new(Semaphore::new(cap.min(Semaphore::MAX_PERMITS))),
            cap,
            header_read_timeout,
            last_warning: None,
        }
    }

    /// Whether a warning may be logged now (at most one every [`WARNING_INTERVAL`]).
    fn may_warn(&mut self) -> bool {
        let now = Instant::now();
        let due = self
            .last_warning
            .is_none_or(|last| now.duration_since(last) >= WARNING_INTERVAL);
        if due {
            self.last_warning = Some(now);
        }
        due
    }

    async fn next_connection(&mut self) -> (A::Io, LocalAddr, RemoteAddr, Scheme) {
        loop {
            match self.inner.accept().await {
                Ok(accepted) => return accepted,
                // The client gave up before it was accepted: take the next one.
                Err(err) if is_per_connection(&err) => continue,
                // Out of descriptors or memory: retrying at once would spin, so pause.
                Err(err) => {
                    if self.may_warn() {
                        tracing::warn!(error = %err, "cannot accept connections; retrying");
                    }
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }

    async fn place(&mut self) -> OwnedSemaphorePermit {
        if let Ok(place) = self.places.clone().try_acquire_owned() {
            return place;
        }
        if self.may_warn() {
            tracing::warn!(
                max_connections = self.cap,
                "connection limit reached: new connections wait until one closes"
            );
        }
        self.places
            .clone()
            .acquire_owned()
            .await
            .expect("the semaphore is never closed")
    }
}

impl<A: Acceptor> Acceptor for GuardedAcceptor<A> {
    type Io = GuardedIo<A::Io>;

    fn local_addr(&self) -> Vec<LocalAddr> {
        self.inner.local_addr()
    }

    async fn accept(&mut self) -> io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        // The connection leaves the backlog before it waits for a place, so that the warning
        // speaks of a client that really waits; it alone holds a descriptor while waiting.
        let (io, local, remote, scheme) = self.next_connection().await;
        let place = self.place().await;
        let io = GuardedIo::new(io, place, self.header_read_timeout);
        Ok((io, local, remote, scheme))
    }
}

fn is_per_connection(err: &io::Error) -> bool {
    matches!(
        err.kind(),
        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset | io::ErrorKind::Interrupted
    )
}

/// Where a connection is in its request/response cycle.
#[derive(Debug)]
enum Phase {
    /// A request head is expected or partly read; the connection closes at the deadline.
    Head(HeadScanner),
    /// The head is whole: the body is read or the handler runs, until the response starts.
    Request,
    /// A response was written; the next byte read starts a new request head.
    Responded,
    /// HTTP/2 (prior knowledge): frames, not heads; only the idle timeout applies.
    Http2,
}

/// A client connection holding one of the acceptor's places until it is dropped.
pub struct GuardedIo<T> {
    inner: T,
    phase: Phase,
    deadline: Pin<Box<Sleep>>,
    header_read_timeout: Duration,
    _place: OwnedSemaphorePermit,
}

impl<T> GuardedIo<T> {
    fn new(inner: T, place: OwnedSemaphorePermit, header_read_timeout: Duration) -> Self {
        Self {
            inner,
            phase: Phase::Head(HeadScanner::default()),
            deadline: Box::pin(tokio::time::sleep(header_read_timeout)),
            header_read_timeout,
            _place: place,
        }
    }

    /// Follows the request head through the bytes just read.
    fn on_read(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if matches!(self.phase, Phase::Responded) {
            self.phase = Phase::Head(HeadScanner::default());
            let deadline = Instant::now() + self.header_read_timeout;
            self.deadline.as_mut().reset(deadline);
        }
        if let Phase::Head(scanner) = &mut self.phase {
            self.phase = match scanner.scan(bytes) {
                Scan::Partial => return,
                Scan::Whole => Phase::Request,
                Scan::Http2 => Phase::Http2,
            };
        }
    }

    /// A response that is not informational (`100 Continue`) ends the request.
    fn on_write(&mut self, bytes: &[u8]) {
        if matches!(self.phase, Phase::Request) && !bytes.starts_with(b"HTTP/1.1 1") && !bytes.is_empty() {
            self.phase = Phase::Responded;
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for GuardedIo<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.inner).poll_read(cx, buf);
        if let Poll::Ready(Ok(())) = polled {
            this.on_read(&buf.filled()[before..]);
        }
        if !matches!(this.phase, Phase::Head(_)) {
            return polled;
        }
        // A trickle of bytes does not push the deadline back: it is checked on every read.
        match (polled, this.deadline.as_mut().poll(cx)) {
            (Poll::Ready(Err(err)), _) => Poll::Ready(Err(err)),
            (_, Poll::Ready(())) => {
                tracing::debug!("closing a connection whose request head did not arrive in time");
                Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request head did not arrive in time",
                )))
            }
            (polled, Poll::Pending) => polled,
        }
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for GuardedIo<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.inner).poll_write(cx, buf);
        if let Poll::Ready(Ok(count)) = written {
            this.on_write(&buf[..count]);
        }
        written
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        let written = Pin::new(&mut this.inner).poll_write_vectored(cx, bufs);
        if let (Poll::Ready(Ok(count)), Some(first)) = (&written, bufs.iter().find(|b| !b.is_empty())) {
            this.on_write(&first[..(*count).min(first.len())]);
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// What the bytes read so far say about a request head.
#[derive(Debug, PartialEq, Eq)]
enum Scan {
    Partial,
    Whole,
    Http2,
}

/// Finds the end of an HTTP/1 request head: the first empty line after a non-empty one (line
/// ends may be CRLF or a bare LF; empty lines before the request line are ignored, as
/// RFC 9112 allows).
#[derive(Debug, Default)]
struct HeadScanner {
    /// Bytes of the current line, carriage returns left out.
    line_length: usize,
    /// Whether the request line has started.
    started: bool,
    /// The first bytes of the request line, to recognise the HTTP/2 preface.
    first_line: Vec<u8>,
    /// Whether the request line is over.
    past_first_line: bool,
}

const HTTP2_PREFACE_LINE: &[u8] = b"PRI * HTTP/2.0";

impl HeadScanner {
    fn scan(&mut self, bytes: &[u8]) -> Scan {
        for &byte in bytes {
            match byte {
                b'\r' => {}
                b'\n' if !self.started => {}
                b'\n' if self.line_length == 0 => return Scan::Whole,
                b'\n' => {
                    if !self.past_first_line && self.first_line == HTTP2_PREFACE_LINE {
                        return Scan::Http2;
                    }
                    self.past_first_line = true;
                    self.line_length = 0;
                }
                _ => {
                    self.started = true;
                    self.line_length += 1;
                    if !self.past_first_line && self.first_line.len() <= HTTP2_PREFACE_LINE.len() {
                        self.first_line.push(byte);
                    }
                }
            }
        }
        Scan::Partial
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scan(chunks: &[&[u8]]) -> Scan {
        let mut scanner = HeadScanner::default();
        for chunk in chunks {
            match scanner.scan(chunk) {
                Scan::Partial => continue,
                done => return done,
            }
        }
        Scan::Partial
    }

    #[test]
    fn a_head_is_whole_at_its_empty_line_however_it_is_split() {
        assert_eq!(scan(&[b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"]), Scan::Whole);
        assert_eq!(
            scan(&[b"GET / HTTP/1.1\r\nHost: a\r", b"\n", b"\r", b"\n"]),
            Scan::Whole
        );
        assert_eq!(scan(&[b"GET / HTTP/1.1\nHost: a\n\n"]), Scan::Whole);
        assert_eq!(scan(&[b"\r\n\r\nGET / HTT"]), Scan::Partial);
        assert_eq!(scan(&[b"GET / HTTP/1.1\r\nHost: a\r\n"]), Scan::Partial);
    }

    #[test]
    fn the_http2_preface_is_recognised() {
        assert_eq!(scan(&[b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"]), Scan::Http2);
        assert_eq!(scan(&[b"PRI * HTTP/2.0X\r\n\r\n"]), Scan::Whole);
    }

    #[test]
    fn the_cap_leaves_descriptors_for_the_rest_of_the_server() {
        let limits = ConnectionLimits::default();
        assert_eq!(limits.cap(Some(1024)), 768);
        assert_eq!(limits.cap(Some(100)), 36);
        assert_eq!(limits.cap(Some(1 << 20)), (1 << 20) - 1024);
        let fixed = ConnectionLimits {
            max_connections: Some(3),
            ..ConnectionLimits::default()
        };
        assert_eq!(fixed.cap(Some(1024)), 3);
    }
}
