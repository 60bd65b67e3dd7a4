//! Representations of webhook endpoints and their delivery log, built from loaded rows.

use entity::{webhook_attempt, webhook_delivery, webhook_endpoint};
use poem::Request;
use poem_openapi::{ApiResponse, Enum, Object};

use super::super::types::{PageLinksRepr, Timestamp};
use crate::{
    domain::webhooks::{DeliveryStatus, deliveries::Logged, event_types_of},
    http::{
        forms::Templates,
        hal::{Curie, Hal, HalJson, Link, Paging},
        middleware::version_etag,
    },
};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum WebhookDeliveryStatusRepr {
    /// Waiting for its first attempt or a retry (see `next_attempt_at`).
    Pending,
    /// An attempt was answered with a 2xx.
    Delivered,
    /// Every attempt failed for 3 days; `POST` to the event's `shop:redeliveries` to send it again.
    Failed,
}

impl From<WebhookDeliveryStatusRepr> for DeliveryStatus {
    fn from(value: WebhookDeliveryStatusRepr) -> Self {
        match value {
            WebhookDeliveryStatusRepr::Pending => DeliveryStatus::Pending,
            WebhookDeliveryStatusRepr::Delivered => DeliveryStatus::Delivered,
            WebhookDeliveryStatusRepr::Failed => DeliveryStatus::Failed,
        }
    }
}

fn status_of(stored: &str) -> WebhookDeliveryStatusRepr {
    match DeliveryStatus::from_stored(stored) {
        Some(DeliveryStatus::Delivered) => WebhookDeliveryStatusRepr::Delivered,
        Some(DeliveryStatus::Failed) => WebhookDeliveryStatusRepr::Failed,
        _ => WebhookDeliveryStatusRepr::Pending,
    }
}

/// The ETag of an endpoint.
pub fn etag(endpoint: &webhook_endpoint::Model) -> String {
    version_etag("", &endpoint.uid, endpoint.version)
}

/// Links of a webhook endpoint.
#[derive(Debug, Clone, Object)]
pub struct WebhookEndpointLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// All of the merchant's endpoints.
    #[oai(rename = "shop:webhook_endpoints")]
    pub endpoints: Link,
    /// The delivery log of this endpoint, filterable by status.
    #[oai(rename = "shop:webhook_deliveries")]
    pub deliveries: Link,
    /// POST here to issue a new signing secret (the old one signs 24 more hours).
    #[oai(rename = "shop:secret_rotations")]
    pub secret_rotations: Link,
}

/// A webhook endpoint: where halshop sends the merchant's events, signed per the Standard
/// Webhooks specification.
#[derive(Debug, Clone, Object)]
pub struct WebhookEndpointRepr {
    #[oai(rename = "_links")]
    pub links: WebhookEndpointLinks,
    /// Unique identifier (32 hex characters).
    #[oai(read_only)]
    pub uid: String,
    /// Where events are POSTed (https).
    pub url: String,
    pub description: String,
    /// The event types sent (exact types or `prefix.*`); empty: every event.
    pub event_types: Vec<String>,
    /// Whether events are sent. halshop disables an endpoint whose deliveries have all
    /// failed for 3 days (see `disabled_reason`).
    pub enabled: bool,
    /// Why halshop disabled the endpoint.
    #[oai(read_only, skip_serializing_if_is_none)]
    pub disabled_reason: Option<String>,
    /// The signing secret (`whsec_…`): shown only in the answer to the creation and to a
    /// secret rotation. Verify `webhook-signature` with it.
    #[oai(read_only, skip_serializing_if_is_none)]
    pub secret: Option<String>,
    /// Until when the previous secret also signs, after a rotation.
    #[oai(read_only, skip_serializing_if_is_none)]
    pub previous_secret_expires_at: Option<Timestamp>,
    #[oai(read_only)]
    pub created_at: Timestamp,
    #[oai(read_only)]
    pub updated_at: Timestamp,
    /// HAL-FORMS: `edit`, `delete`, `rotate_secret`.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl WebhookEndpointRepr {
    pub fn new(hal: &Hal, endpoint: &webhook_endpoint::Model, self_link: Link) -> Self {
        let path = format!("/webhook_endpoints/{}", endpoint.uid);
        WebhookEndpointRepr {
            links: WebhookEndpointLinks {
                self_link,
                curies: hal.curies(),
                endpoints: hal.link("/webhook_endpoints"),
                deliveries: hal.templated(&format!("{path}/deliveries{{?status,page,page_size}}")),
                secret_rotations: hal.link(&format!("{path}/secret_rotations")),
            },
            uid: endpoint.uid.clone(),
            url: endpoint.url.clone(),
            description: endpoint.description.clone(),
            event_types: event_types_of(&endpoint.event_types),
            enabled: endpoint.enabled,
            disabled_reason: endpoint.disabled_reason.clone(),
            secret: None,
            previous_secret_expires_at: endpoint
                .previous_secret_until
                .filter(|until| *until > chrono::Utc::now())
                .map(Into::into),
            created_at: endpoint.created_at.into(),
            updated_at: endpoint.updated_at.into(),
            templates: None,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct WebhookEndpointsEmbedded {
    #[oai(rename = "shop:webhook_endpoints")]
    pub endpoints: Vec<WebhookEndpointRepr>,
}

/// A page of the merchant's webhook endpoints.
#[derive(Debug, Clone, Object)]
pub struct WebhookEndpointCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: WebhookEndpointsEmbedded,
    /// HAL-FORMS: `create`.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl WebhookEndpointCollection {
    pub fn new(
        hal: &Hal,
        req: &Request,
        paging: Paging,
        items: &[webhook_endpoint::Model],
        item_count: u64,
    ) -> Self {
        let endpoints = items
            .iter()
            .map(|e| WebhookEndpointRepr::new(hal, e, hal.link(&format!("/webhook_endpoints/{}", e.uid))))
            .collect();
        WebhookEndpointCollection {
            links: PageLinksRepr::new(
                hal,
                req,
                paging,
                item_count,
                hal.templated("/webhook_endpoints{?page,page_size}"),
            ),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: WebhookEndpointsEmbedded { endpoints },
            templates: None,
        }
    }
}

/// One attempt to send a delivery.
#[derive(Debug, Clone, Object)]
pub struct WebhookAttemptRepr {
    /// 1 for the first attempt.
    pub number: i32,
    pub attempted_at: Timestamp,
    /// The receiver's answer; absent when none came (see `error`).
    #[oai(skip_serializing_if_is_none)]
    pub status_code: Option<i32>,
    /// How long the attempt took, in milliseconds.
    pub latency_ms: i64,
    /// Why there was no answer: a timeout, a refused connection, a private address.
    #[oai(skip_serializing_if_is_none)]
    pub error: Option<String>,
    /// When the next attempt was planned after this one.
    #[oai(skip_serializing_if_is_none)]
    pub next_attempt_at: Option<Timestamp>,
}

impl From<&webhook_attempt::Model> for WebhookAttemptRepr {
    fn from(attempt: &webhook_attempt::Model) -> Self {
        WebhookAttemptRepr {
            number: attempt.number,
            attempted_at: attempt.attempted_at.into(),
            status_code: attempt.status_code,
            latency_ms: attempt.latency_ms,
            error: attempt.error.clone(),
            next_attempt_at: attempt.next_attempt_at.map(Into::into),
        }
    }
}

/// Links of a delivery.
#[derive(Debug, Clone, Object)]
pub struct WebhookDeliveryLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The endpoint.
    #[oai(rename = "shop:webhook_endpoint")]
    pub endpoint: Link,
    /// The event, as the feed shows it.
    #[oai(rename = "shop:event_feed_item")]
    pub event: Link,
    /// POST here to send the event again now.
    #[oai(rename = "shop:redeliveries")]
    pub redeliveries: Link,
}

/// One event's delivery to one endpoint, with its attempts.
#[derive(Debug, Clone, Object)]
pub struct WebhookDeliveryRepr {
    #[oai(rename = "_links")]
    pub links: WebhookDeliveryLinks,
    pub uid: String,
    /// The event's uid: the `webhook-id` of every attempt.
    pub event_uid: String,
    pub event_type: String,
    pub status: WebhookDeliveryStatusRepr,
    /// Attempts made so far.
    pub attempt_count: i32,
    /// When the next attempt is due, while pending.
    #[oai(skip_serializing_if_is_none)]
    pub next_attempt_at: Option<Timestamp>,
    /// Status code of the last answer.
    #[oai(skip_serializing_if_is_none)]
    pub last_status_code: Option<i32>,
    /// Latency of the last attempt, in milliseconds.
    #[oai(skip_serializing_if_is_none)]
    pub last_latency_ms: Option<i64>,
    #[oai(skip_serializing_if_is_none)]
    pub delivered_at: Option<Timestamp>,
    pub created_at: Timestamp,
    /// Every attempt, oldest first.
    pub attempts: Vec<WebhookAttemptRepr>,
}

impl WebhookDeliveryRepr {
    pub fn new(hal: &Hal, endpoint_uid: &str, logged: &Logged) -> Self {
        let delivery: &webhook_delivery::Model = &logged.delivery;
        let endpoint = format!("/webhook_endpoints/{endpoint_uid}");
        WebhookDeliveryRepr {
            links: WebhookDeliveryLinks {
                self_link: hal.link(&format!("{endpoint}/deliveries/{}", delivery.uid)),
                curies: hal.curies(),
                endpoint: hal.link(&endpoint),
                event: hal.link(&format!("/events_feed/{}", logged.event.uid)),
                redeliveries: hal.link(&format!("/events/{}/redeliveries", logged.event.uid)),
            },
            uid: delivery.uid.clone(),
            event_uid: logged.event.uid.clone(),
            event_type: logged.event.event_type.clone(),
            status: status_of(&delivery.status),
            attempt_count: delivery.attempts,
            next_attempt_at: delivery.next_attempt_at.map(Into::into),
            last_status_code: delivery.last_status_code,
            last_latency_ms: delivery.last_latency_ms,
            delivered_at: delivery.delivered_at.map(Into::into),
            created_at: delivery.created_at.into(),
            attempts: logged.attempts.iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct WebhookDeliveriesEmbedded {
    #[oai(rename = "shop:webhook_deliveries")]
    pub deliveries: Vec<WebhookDeliveryRepr>,
}

/// A page of an endpoint's delivery log, newest event first.
#[derive(Debug, Clone, Object)]
pub struct WebhookDeliveryCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: WebhookDeliveriesEmbedded,
}

impl WebhookDeliveryCollection {
    pub fn new(
        hal: &Hal,
        req: &Request,
        paging: Paging,
        endpoint_uid: &str,
        items: &[Logged],
        item_count: u64,
    ) -> Self {
        let search = hal.templated(&format!(
            "/webhook_endpoints/{endpoint_uid}/deliveries{{?status,page,page_size}}"
        ));
        WebhookDeliveryCollection {
            links: PageLinksRepr::new(hal, req, paging, item_count, search),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: WebhookDeliveriesEmbedded {
                deliveries: items
                    .iter()
                    .map(|l| WebhookDeliveryRepr::new(hal, endpoint_uid, l))
                    .collect(),
            },
        }
    }
}

#[derive(ApiResponse)]
pub enum EndpointResponse {
    /// The endpoint.
    #[oai(status = 200)]
    Ok(
        HalJson<WebhookEndpointRepr>,
        /// Version of the endpoint; send it as `If-Match` to replace it.
        #[oai(header = "ETag")]
        String,
    ),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum EndpointCreatedResponse {
    /// The endpoint was created; its `secret` is shown this once.
    #[oai(status = 201)]
    Created(
        HalJson<WebhookEndpointRepr>,
        /// URL of the new endpoint.
        #[oai(header = "Location")]
        String,
        /// Version of the new endpoint.
        #[oai(header = "ETag")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum RotatedResponse {
    /// A new secret was issued, shown this once in `secret`; the previous one also signs
    /// until `previous_secret_expires_at`.
    #[oai(status = 201)]
    Created(
        HalJson<WebhookEndpointRepr>,
        /// Version of the endpoint.
        #[oai(header = "ETag")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum EndpointListResponse {
    /// A page of the merchant's endpoints.
    #[oai(status = 200)]
    Ok(HalJson<WebhookEndpointCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum DeletedResponse {
    /// The endpoint and its delivery log were deleted; no more events go to it.
    #[oai(status = 204)]
    Deleted,
}

#[derive(ApiResponse)]
pub enum DeliveryListResponse {
    /// A page of the endpoint's delivery log.
    #[oai(status = 200)]
    Ok(HalJson<WebhookDeliveryCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum DeliveryResponse {
    /// The delivery and its attempts.
    #[oai(status = 200)]
    Ok(HalJson<WebhookDeliveryRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
