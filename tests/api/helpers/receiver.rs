//! A webhook receiver on a free port, verifying every message with its own Standard
//! Webhooks verifier (HMAC-SHA256 by hand, not halshop's signer), and recording what came:
//! each message, the answers it gave, and whether two requests of one `webhook-id` were
//! ever being handled at the same time.

use std::{
    collections::{HashMap, HashSet},
    sync::{
        Arc, Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::Duration,
};

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use poem::{
    Request, Response, Server,
    endpoint::make,
    http::StatusCode,
    listener::{Acceptor, Listener, TcpListener},
};
use serde_json::Value;
use sha2::Sha256;

/// One message received.
#[derive(Debug, Clone)]
pub struct Received {
    pub id: String,
    pub timestamp: i64,
    /// Every `v1,` signature of the header, as sent.
    pub signatures: Vec<String>,
    /// Whether one of them verifies with the receiver's secret.
    pub verified: bool,
    pub body: Value,
    /// The status the receiver answered.
    pub answered: u16,
    pub path: String,
}

#[derive(Default)]
struct Shared {
    secrets: Mutex<Vec<String>>,
    failures_left: AtomicUsize,
    received: Mutex<Vec<Received>>,
    in_flight: Mutex<HashSet<String>>,
    overlaps: AtomicUsize,
    hold: Mutex<Duration>,
}

pub struct Receiver {
    /// Base URL, without a trailing slash.
    pub address: String,
    shared: Arc<Shared>,
}

/// Whether `signature_header` holds a `v1` signature of the message by `secret`.
pub fn verifies(secret: &str, id: &str, timestamp: &str, body: &[u8], signature_header: &str) -> bool {
    let Ok(key) = STANDARD.decode(secret.trim_start_matches("whsec_")) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(body);
    let expected = mac.finalize().into_bytes();
    signature_header.split(' ').any(|part| {
        part.strip_prefix("v1,")
            .and_then(|sig| STANDARD.decode(sig).ok())
            .is_some_and(|sig| sig.as_slice() == expected.as_slice())
    })
}

impl Receiver {
    /// Starts a receiver that answers 200 (after `failures` answers of 500).
    pub async fn start(failures: usize) -> Receiver {
        let shared = Arc::new(Shared::default());
        shared.failures_left.store(failures, Ordering::SeqCst);
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
        let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
        let handler = shared.clone();
        let endpoint = make(move |req: Request| {
            let shared = handler.clone();
            async move { handle(shared, req).await }
        });
        tokio::spawn(Server::new_with_acceptor(acceptor).run(endpoint));
        Receiver {
            address: format!("http://127.0.0.1:{port}"),
            shared,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    /// The secrets the receiver verifies with (any one suffices).
    pub fn trust(&self, secret: &str) {
        self.shared.secrets.lock().unwrap().push(secret.to_owned());
    }

    /// How long each request is held before it is answered.
    pub fn hold(&self, duration: Duration) {
        *self.shared.hold.lock().unwrap() = duration;
    }

    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }

    /// How many times a request came while another of the same `webhook-id` to the same
    /// path was in hand.
    pub fn overlaps(&self) -> usize {
        self.shared.overlaps.load(Ordering::SeqCst)
    }

    /// Waits until `done` holds for what was received (up to `seconds`).
    pub async fn wait_for(&self, seconds: u64, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        for _ in 0..seconds * 20 {
            let received = self.received();
            if done(&received) {
                return received;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.received()
    }

    /// How many messages were accepted (2xx), per path and `webhook-id`.
    pub fn accepted(&self) -> HashMap<(String, String), usize> {
        let mut counts = HashMap::new();
        for message in self.received().into_iter().filter(|m| m.answered == 200) {
            *counts.entry((message.path, message.id)).or_insert(0) += 1;
        }
        counts
    }
}

async fn handle(shared: Arc<Shared>, mut req: Request) -> Response {
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (id, timestamp, signature) = (
        header("webhook-id"),
        header("webhook-timestamp"),
        header("webhook-signature"),
    );
    let path = req.uri().path().to_owned();
    let body = req.take_body().into_bytes().await.unwrap_or_default();
    // The same event goes to several endpoints (paths) at once legitimately; to one, never.
    let key = format!("{path} {id}");
    if !shared.in_flight.lock().unwrap().insert(key.clone()) {
        shared.overlaps.fetch_add(1, Ordering::SeqCst);
    }
    let hold = *shared.hold.lock().unwrap();
    if !hold.is_zero() {
        tokio::time::sleep(hold).await;
    }
    let verified = shared
        .secrets
        .lock()
        .unwrap()
        .iter()
        .any(|secret| verifies(secret, &id, &timestamp, &body, &signature));
    let fail = shared
        .failures_left
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| left.checked_sub(1))
        .is_ok();
    let answered = if fail || !verified { 500 } else { 200 };
    shared.received.lock().unwrap().push(Received {
        id: id.clone(),
        timestamp: timestamp.parse().unwrap_or_default(),
        signatures: signature.split(' ').map(str::to_owned).collect(),
        verified,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        answered,
        path,
    });
    shared.in_flight.lock().unwrap().remove(&key);
    Response::builder()
        .status(StatusCode::from_u16(answered).unwrap())
        .body("")
}

/// A URL where nothing listens: a port that was free a moment ago.
pub async fn nobody_listening() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    format!("http://127.0.0.1:{port}/hooks")
}
