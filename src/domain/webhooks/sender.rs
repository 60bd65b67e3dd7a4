//! The delivery worker every instance runs: it sequences committed events (fanning them
//! out), claims due deliveries, sends them as Standard Webhooks and records each attempt.
//!
//! A message is `{"type", "timestamp", "data"}`: `timestamp` is when the event happened
//! and `data` the resource it reports, with absolute links. It is signed at every attempt
//! with `webhook-id` = the event's uid (the same on every retry and redelivery: receivers
//! deduplicate by it), `webhook-timestamp` = the attempt's time and `webhook-signature`.
//! A 2xx answer delivers it; anything else, no answer within 10 s, or a target resolving
//! to a private address is a failed attempt. Redirects are not followed.

use std::{sync::Arc, time::Instant};

use chrono::{SecondsFormat, Utc};
use entity::outbox_event;
use reqwest::{Client, redirect::Policy};
use sea_orm::DatabaseConnection;
use serde_json::Value;

use super::{
    SEND_TIMEOUT, Schedule,
    deliveries::{self, Claimed, Outcome},
    endpoints,
    sealing::SealingKey,
    sequencer, signing, targets,
};
use crate::{domain::outbox, http::hal::Hal};

/// Deliveries sent at once by one worker.
const CONCURRENCY: u64 = 16;

/// What the worker needs.
#[derive(Debug, Clone)]
pub struct Worker {
    pub db: DatabaseConnection,
    pub hal: Arc<Hal>,
    pub key: SealingKey,
    pub schedule: Schedule,
    /// `HALSHOP_ALLOW_HTTP_WEBHOOKS`: private targets allowed (development).
    pub allow_private: bool,
}

impl Worker {
    /// Runs until the task is aborted.
    pub async fn run(self) {
        let client = client(None);
        loop {
            let busy = match self.round(&client).await {
                Ok(busy) => busy,
                Err(err) => {
                    tracing::warn!(error = %err, "webhook worker round failed");
                    false
                }
            };
            if !busy {
                tokio::time::sleep(self.schedule.poll()).await;
            }
        }
    }

    /// One round: sequence, claim, send, record. Answers whether there was anything to do.
    pub async fn round(&self, client: &Client) -> Result<bool, sea_orm::DbErr> {
        let sequenced = sequencer::sequence(&self.db, &self.schedule).await?;
        let claimed = deliveries::claim(&self.db, &self.schedule, CONCURRENCY).await?;
        let busy = sequenced > 0 || !claimed.is_empty();
        let mut sending = tokio::task::JoinSet::new();
        for claim in claimed {
            let worker = self.clone();
            let client = client.clone();
            sending.spawn(async move {
                let outcome = worker.send(&client, &claim).await;
                match deliveries::record(&worker.db, &worker.schedule, &claim, &outcome).await {
                    Ok(status) => tracing::info!(
                        delivery = %claim.delivery.uid, event = %claim.event.uid,
                        status = status.as_str(), code = ?outcome.status_code, "webhook attempt"
                    ),
                    Err(err) => tracing::warn!(error = %err, delivery = %claim.delivery.uid, "cannot record a webhook attempt"),
                }
            });
        }
        while sending.join_next().await.is_some() {}
        Ok(busy)
    }

    /// Sends one delivery once.
    async fn send(&self, shared: &Client, claim: &Claimed) -> Outcome {
        let attempted_at = Utc::now();
        let started = Instant::now();
        let result = self.post(shared, claim).await;
        let latency_ms = started.elapsed().as_millis() as i64;
        match result {
            Ok(code) => Outcome {
                attempted_at,
                status_code: Some(code),
                latency_ms,
                error: None,
            },
            Err(error) => Outcome {
                attempted_at,
                status_code: None,
                latency_ms,
                error: Some(error),
            },
        }
    }

    async fn post(&self, shared: &Client, claim: &Claimed) -> Result<u16, String> {
        let url =
            targets::check_url(&claim.endpoint.url, self.allow_private).map_err(|err| err.to_string())?;
        // Sent to the addresses checked now, so that a second lookup cannot lead elsewhere.
        let pinned;
        let client = if self.allow_private {
            shared
        } else {
            let addrs = targets::resolve(&url, false).await?;
            pinned = client(url.host_str().map(|host| (host.to_owned(), addrs)));
            &pinned
        };
        let body = message(&self.hal, &claim.event);
        let timestamp = Utc::now().timestamp();
        let secrets = endpoints::signing_secrets(&self.key, &claim.endpoint);
        let signature = signing::signature_header(
            secrets.iter().map(String::as_str),
            &claim.event.uid,
            timestamp,
            &body,
        )
        .filter(|signature| !signature.is_empty())
        .ok_or("the endpoint's secret cannot be read: rotate it")?;
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &claim.event.uid)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body)
            .send()
            .await
            .map_err(|err| describe(&err))?;
        Ok(response.status().as_u16())
    }
}

fn describe(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        format!("no answer within {} s", SEND_TIMEOUT.as_secs())
    } else if err.is_connect() {
        "cannot connect".into()
    } else {
        "the request failed".into()
    }
}

/// An HTTP client that never follows redirects and gives up after 10 s; pinned to the
/// given addresses of a host when there are some.
fn client(pinned: Option<(String, Vec<std::net::SocketAddr>)>) -> Client {
    let mut builder = Client::builder()
        .redirect(Policy::none())
        .timeout(SEND_TIMEOUT)
        .user_agent(concat!("halshop-webhooks/", env!("CARGO_PKG_VERSION")));
    if let Some((host, addrs)) = pinned {
        builder = builder.resolve_to_addrs(&host, &addrs);
    }
    builder.build().unwrap_or_default()
}

/// The body of the message of an event: `{"type", "timestamp", "data"}`.
pub fn message(hal: &Hal, event: &outbox_event::Model) -> String {
    serde_json::json!({
        "type": event.event_type,
        "timestamp": event.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": data(hal, event),
    })
    .to_string()
}

/// The resource an event reports, its links made absolute: its representation when it has
/// one, otherwise the facts the event was written with.
pub fn data(hal: &Hal, event: &outbox_event::Model) -> Value {
    if let Some(representation) = &event.representation {
        return serde_json::from_str(&on_base(hal, representation)).unwrap_or(Value::Null);
    }
    let mut data: Value = serde_json::from_str(&event.payload).unwrap_or(Value::Null);
    absolute_links(hal, &mut data);
    data
}

/// `representation` with its drawing base replaced by the public base URL, as it is and
/// percent-encoded (a link with the order's URI in its query).
fn on_base(hal: &Hal, representation: &str) -> String {
    let base = hal.prefix();
    let encoded = |text: &str| url::form_urlencoded::byte_serialize(text.as_bytes()).collect::<String>();
    representation
        .replace(outbox::REPRESENTATION_BASE, base)
        .replace(&encoded(outbox::REPRESENTATION_BASE), &encoded(base))
}

/// Makes every `href` that is a path absolute.
fn absolute_links(hal: &Hal, value: &mut Value) {
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                match member {
                    Value::String(href) if name == "href" && href.starts_with('/') => {
                        *href = match href.split_once('?') {
                            Some((path, query)) => {
                                let mut url = hal.url(path);
                                url.set_query(Some(query));
                                url.into()
                            }
                            None => hal.href(href),
                        };
                    }
                    other => absolute_links(hal, other),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| absolute_links(hal, item)),
        _ => {}
    }
}
