//! Representations of the event feed and of redeliveries, built from loaded rows.

use entity::{outbox_event, webhook_delivery};
use poem::Request;
use poem_openapi::{ApiResponse, Object};

use super::super::{types::Timestamp, webhooks::WebhookDeliveryStatusRepr};
use crate::{
    domain::webhooks::{DeliveryStatus, sender},
    http::hal::{Curie, Hal, HalJson, Link},
};

/// Links of an event of the feed.
#[derive(Debug, Clone, Object)]
pub struct FeedItemLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// POST here to send the event again now to your endpoints.
    #[oai(rename = "shop:redeliveries")]
    pub redeliveries: Link,
    /// The feed from this event on.
    #[oai(rename = "shop:events_feed")]
    pub feed: Link,
}

/// An event: what happened, when, and the resource it concerns as it was then.
#[derive(Debug, Clone, Object)]
pub struct FeedItemRepr {
    #[oai(rename = "_links")]
    pub links: FeedItemLinks,
    /// The event's uid: the `webhook-id` of its webhook messages.
    pub uid: String,
    /// Its place in commit order: the feed's cursor (`after`).
    pub seq: i64,
    /// `order.completed`, `refund.created`, …
    #[oai(rename = "type")]
    pub event_type: String,
    /// When it happened.
    pub timestamp: Timestamp,
    /// The resource the event concerns, with its `_links.self` — what a webhook message's
    /// `data` holds.
    pub data: serde_json::Value,
}

impl FeedItemRepr {
    pub fn new(hal: &Hal, event: &outbox_event::Model, self_link: Option<Link>) -> Self {
        let seq = event.seq.unwrap_or_default();
        FeedItemRepr {
            links: FeedItemLinks {
                self_link: self_link.unwrap_or_else(|| hal.link(&format!("/events_feed/{}", event.uid))),
                curies: hal.curies(),
                redeliveries: hal.link(&format!("/events/{}/redeliveries", event.uid)),
                feed: Hal::link_to(
                    hal.url_with_query("/events_feed", [("after", Some((seq - 1).to_string()))]),
                ),
            },
            uid: event.uid.clone(),
            seq,
            event_type: event.event_type.clone(),
            timestamp: event.created_at.into(),
            data: sender::data(hal, event),
        }
    }
}

/// Links of a page of the feed.
#[derive(Debug, Clone, Object)]
pub struct FeedLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The events after this page: always present, so a client polls it (it is empty until
    /// something happens).
    pub next: Link,
    /// The feed's template: `after` (a `seq`), `types` (comma-separated types or
    /// `prefix.*`), `limit`.
    pub search: Link,
}

#[derive(Debug, Clone, Object)]
pub struct FeedEmbedded {
    #[oai(rename = "shop:events_feed")]
    pub events: Vec<FeedItemRepr>,
}

/// A page of the merchant's events in commit order.
#[derive(Debug, Clone, Object)]
pub struct FeedPage {
    #[oai(rename = "_links")]
    pub links: FeedLinks,
    /// The cursor this page starts after.
    pub after: i64,
    /// The `seq` of the last event of this page (the `after` of the next), or `after` when
    /// the page is empty.
    pub last_seq: i64,
    /// Events on this page.
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: FeedEmbedded,
}

impl FeedPage {
    pub fn new(hal: &Hal, req: &Request, after: i64, events: &[outbox_event::Model]) -> Self {
        let last_seq = events.last().and_then(|event| event.seq).unwrap_or(after);
        let mut next = hal.request_url(req);
        let kept: Vec<(String, String)> = next
            .query_pairs()
            .filter(|(name, _)| name != "after")
            .map(|(name, value)| (name.into_owned(), value.into_owned()))
            .collect();
        next.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .append_pair("after", &last_seq.to_string());
        FeedPage {
            links: FeedLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                next: Hal::link_to(next),
                search: hal.templated("/events_feed{?after,types,limit}"),
            },
            after,
            last_seq,
            item_count: events.len() as u64,
            embedded: FeedEmbedded {
                events: events
                    .iter()
                    .map(|event| FeedItemRepr::new(hal, event, None))
                    .collect(),
            },
        }
    }
}

/// A delivery a redelivery planned.
#[derive(Debug, Clone, Object)]
pub struct RedeliveredRepr {
    /// The endpoint it goes to.
    pub endpoint: String,
    /// The delivery in the endpoint's log.
    pub delivery: String,
    pub status: WebhookDeliveryStatusRepr,
    /// When it is due (now).
    #[oai(skip_serializing_if_is_none)]
    pub next_attempt_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Object)]
pub struct RedeliveryLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The event.
    #[oai(rename = "shop:event_feed_item")]
    pub event: Link,
}

/// A redelivery: the event goes out again now, once, to each of your enabled endpoints
/// that wants it.
#[derive(Debug, Clone, Object)]
pub struct RedeliveryRepr {
    #[oai(rename = "_links")]
    pub links: RedeliveryLinks,
    pub event_uid: String,
    /// One per endpoint; empty when no enabled endpoint wants the event.
    pub deliveries: Vec<RedeliveredRepr>,
}

impl RedeliveryRepr {
    pub fn new(
        hal: &Hal,
        req: &Request,
        event: &outbox_event::Model,
        deliveries: &[(webhook_delivery::Model, String)],
    ) -> Self {
        RedeliveryRepr {
            links: RedeliveryLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                event: hal.link(&format!("/events_feed/{}", event.uid)),
            },
            event_uid: event.uid.clone(),
            deliveries: deliveries
                .iter()
                .map(|(delivery, endpoint)| RedeliveredRepr {
                    endpoint: hal.href(&format!("/webhook_endpoints/{endpoint}")),
                    delivery: hal.href(&format!(
                        "/webhook_endpoints/{endpoint}/deliveries/{}",
                        delivery.uid
                    )),
                    status: match DeliveryStatus::from_stored(&delivery.status) {
                        Some(DeliveryStatus::Delivered) => WebhookDeliveryStatusRepr::Delivered,
                        Some(DeliveryStatus::Failed) => WebhookDeliveryStatusRepr::Failed,
                        _ => WebhookDeliveryStatusRepr::Pending,
                    },
                    next_attempt_at: delivery.next_attempt_at.map(Into::into),
                })
                .collect(),
        }
    }
}

#[derive(ApiResponse)]
pub enum FeedResponse {
    /// A page of the feed.
    #[oai(status = 200)]
    Ok(HalJson<FeedPage>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum FeedItemResponse {
    /// The event.
    #[oai(status = 200)]
    Ok(HalJson<FeedItemRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum RedeliveryResponse {
    /// The event is queued to be sent again now; follow each `delivery` to see the attempt.
    #[oai(status = 202)]
    Accepted(HalJson<RedeliveryRepr>),
}
