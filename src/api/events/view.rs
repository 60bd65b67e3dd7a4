//! Representations of events, built from events and products already loaded.

use chrono::Utc;
use entity::{event, product};
use poem::Request;
use poem_openapi::{ApiResponse, Enum, Object};

use super::super::{
    products::ProductRepr,
    types::{PageLinksRepr, Timestamp},
};
use crate::{
    domain::events::{self, EventStatus},
    http::{
        error::ApiError,
        forms::Templates,
        hal::{Curie, Hal, HalJson, Link, Paging},
        middleware::held_etag,
    },
};

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Enum)]
#[oai(rename_all = "snake_case")]
pub enum EventStatusRepr {
    /// Tickets can be bought: places are left.
    #[default]
    OnSale,
    /// Every place is held by an order (an unpaid one may still expire and free its places).
    SoldOut,
    /// The merchant cancelled it; its ticket holders were offered an event refund.
    Cancelled,
    /// It is over.
    Ended,
}

impl From<EventStatus> for EventStatusRepr {
    fn from(status: EventStatus) -> Self {
        match status {
            EventStatus::OnSale => EventStatusRepr::OnSale,
            EventStatus::SoldOut => EventStatusRepr::SoldOut,
            EventStatus::Cancelled => EventStatusRepr::Cancelled,
            EventStatus::Ended => EventStatusRepr::Ended,
        }
    }
}

/// The ETag of an event as read now: its version and the places held.
pub fn etag(event: &event::Model) -> String {
    held_etag(&event.uid, event.version, event.held)
}

/// Links of an event.
#[derive(Debug, Clone, Object)]
pub struct EventLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// Every event.
    #[oai(rename = "shop:events")]
    pub events: Link,
    /// For the merchant: tickets of this event voided since a cursor, for offline scanners.
    #[oai(rename = "shop:revoked_tickets", skip_serializing_if_is_none)]
    pub revoked_tickets: Option<Link>,
    /// For the merchant: look a ticket of this event up by its barcode (`code`).
    #[oai(rename = "shop:tickets", skip_serializing_if_is_none)]
    pub tickets: Option<Link>,
}

#[derive(Debug, Clone, Object)]
pub struct EventEmbedded {
    /// The ticket products of the event.
    #[oai(rename = "shop:products")]
    pub products: Vec<ProductRepr>,
}

/// An event: when and where, how many places, how many are left.
#[derive(Debug, Clone, Object)]
pub struct EventRepr {
    #[oai(rename = "_links")]
    pub links: EventLinks,
    /// Unique identifier (32 hex characters).
    #[oai(read_only)]
    pub uid: String,
    pub title: String,
    pub venue: String,
    pub starts_at: Timestamp,
    pub ends_at: Timestamp,
    /// IANA time zone of the venue, for showing local times.
    pub time_zone: String,
    /// Places of the event, over all its ticket products.
    pub capacity: i64,
    /// Places not held by any order now; exact whenever read.
    #[oai(read_only)]
    pub available: i64,
    #[oai(read_only)]
    pub status: EventStatusRepr,
    #[oai(read_only, skip_serializing_if_is_none)]
    pub cancelled_at: Option<Timestamp>,
    #[oai(read_only)]
    pub created_at: Timestamp,
    #[oai(read_only)]
    pub updated_at: Timestamp,
    #[oai(rename = "_embedded", skip_serializing_if_is_none)]
    pub embedded: Option<EventEmbedded>,
    /// HAL-FORMS for the merchant: `edit` and `add_ticket`, and `cancel` until cancelled.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl EventRepr {
    /// An event; `products` (its ticket products) are embedded when given; `seller` adds
    /// the merchant's links.
    pub fn new(
        hal: &Hal,
        event: &event::Model,
        products: Option<&[product::Model]>,
        self_link: Link,
        seller: bool,
    ) -> Result<Self, ApiError> {
        let path = format!("/events/{}", event.uid);
        let event_uri = hal.href(&path);
        let embedded = match products {
            Some(products) => Some(EventEmbedded {
                products: products
                    .iter()
                    .map(|p| {
                        let link = hal.link(&format!("/products/{}", p.uid));
                        ProductRepr::new(hal, p, std::slice::from_ref(event), link)
                    })
                    .collect::<Result<_, _>>()?,
            }),
            None => None,
        };
        Ok(EventRepr {
            links: EventLinks {
                self_link,
                curies: hal.curies(),
                events: hal.link("/events"),
                revoked_tickets: seller.then(|| hal.link(&format!("{path}/revoked_tickets"))),
                tickets: seller.then(|| {
                    Hal::link_to(hal.url_with_query("/tickets", [("event", Some(event_uri.clone()))]))
                }),
            },
            uid: event.uid.clone(),
            title: event.title.clone(),
            venue: event.venue.clone(),
            starts_at: event.starts_at.into(),
            ends_at: event.ends_at.into(),
            time_zone: event.time_zone.clone(),
            capacity: event.capacity.into(),
            available: events::available(event),
            status: events::status(event, Utc::now()).into(),
            cancelled_at: event.cancelled_at.map(Timestamp::from),
            created_at: event.created_at.into(),
            updated_at: event.updated_at.into(),
            embedded,
            templates: None,
        })
    }
}

#[derive(Debug, Clone, Object)]
pub struct EventsEmbedded {
    #[oai(rename = "shop:events")]
    pub events: Vec<EventRepr>,
}

/// A page of events, soonest first.
#[derive(Debug, Clone, Object)]
pub struct EventCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    /// Number of events matching the filters, over all pages.
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: EventsEmbedded,
    /// HAL-FORMS for a merchant: `create`.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

/// The templated link of the events listing and its filters.
pub fn events_search(hal: &Hal) -> Link {
    hal.templated("/events{?q,starts_gte,page,page_size}")
}

impl EventCollection {
    pub fn new(
        hal: &Hal,
        req: &Request,
        paging: Paging,
        items: &[event::Model],
        item_count: u64,
    ) -> Result<Self, ApiError> {
        let events = items
            .iter()
            .map(|event| {
                EventRepr::new(
                    hal,
                    event,
                    None,
                    hal.link(&format!("/events/{}", event.uid)),
                    false,
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(EventCollection {
            links: PageLinksRepr::new(hal, req, paging, item_count, events_search(hal)),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: EventsEmbedded { events },
            templates: None,
        })
    }
}

/// A ticket voided since the scanner's cursor: it must not let anyone in.
#[derive(Debug, Clone, Object)]
pub struct RevokedTicketRepr {
    #[oai(rename = "_links")]
    pub links: RevokedTicketLinks,
    /// Position in the list: pass the last one read as `since` to get only newer ones.
    pub seq: i64,
    /// URI of the ticket.
    pub ticket: String,
    pub barcode: String,
    pub revoked_at: Timestamp,
}

#[derive(Debug, Clone, Object)]
pub struct RevokedTicketLinks {
    /// The ticket itself.
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
}

#[derive(Debug, Clone, Object)]
pub struct RevokedEmbedded {
    #[oai(rename = "shop:revoked_tickets")]
    pub revoked: Vec<RevokedTicketRepr>,
}

#[derive(Debug, Clone, Object)]
pub struct RevokedLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:event")]
    pub event: Link,
    /// What was voided after this page: follow it to keep the list current.
    pub next: Link,
}

/// Tickets of an event voided after a cursor, oldest first.
#[derive(Debug, Clone, Object)]
pub struct RevokedTicketsRepr {
    #[oai(rename = "_links")]
    pub links: RevokedLinks,
    /// The cursor after this page: send it as `since` next time.
    pub cursor: i64,
    /// Tickets in this page.
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: RevokedEmbedded,
}

impl RevokedTicketsRepr {
    pub fn new(
        hal: &Hal,
        req: &Request,
        event: &event::Model,
        since: i64,
        page_size: u64,
        revoked: Vec<crate::domain::tickets::Revocation>,
    ) -> Self {
        let cursor = revoked.last().map_or(since, |r| r.seq);
        let path = format!("/events/{}/revoked_tickets", event.uid);
        let next = hal.url_with_query(
            &path,
            [
                ("since", Some(cursor.to_string())),
                ("page_size", Some(page_size.to_string())),
            ],
        );
        let revoked: Vec<RevokedTicketRepr> = revoked
            .into_iter()
            .map(|r| {
                let ticket = format!("/tickets/{}", r.ticket_uid);
                RevokedTicketRepr {
                    links: RevokedTicketLinks {
                        self_link: hal.link(&ticket),
                        curies: hal.curies(),
                    },
                    seq: r.seq,
                    ticket: hal.href(&ticket),
                    barcode: r.barcode,
                    revoked_at: r.revoked_at.into(),
                }
            })
            .collect();
        RevokedTicketsRepr {
            links: RevokedLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                event: hal.link(&format!("/events/{}", event.uid)),
                next: Hal::link_to(next),
            },
            cursor,
            item_count: revoked.len() as u64,
            embedded: RevokedEmbedded { revoked },
        }
    }
}

#[derive(ApiResponse)]
pub enum EventListResponse {
    /// A page of events.
    #[oai(status = 200)]
    Ok(HalJson<EventCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum EventResponse {
    /// The event, with its ticket products embedded.
    #[oai(status = 200)]
    Ok(
        HalJson<EventRepr>,
        /// Version of the event (and places held); send it as `If-Match` to replace it.
        #[oai(header = "ETag")]
        String,
    ),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum EventCreatedResponse {
    /// The event was added.
    #[oai(status = 201)]
    Created(
        HalJson<EventRepr>,
        /// URL of the new event.
        #[oai(header = "Location")]
        String,
        /// Version of the new event.
        #[oai(header = "ETag")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum RevokedTicketsResponse {
    /// Tickets voided after `since`, oldest first.
    #[oai(status = 200)]
    Ok(HalJson<RevokedTicketsRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(Debug, Clone, Object)]
pub struct ScannerLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The event whose tickets it checks in.
    #[oai(rename = "shop:event")]
    pub event: Link,
    /// What it must refuse even when offline.
    #[oai(rename = "shop:revoked_tickets")]
    pub revoked_tickets: Link,
}

/// A door scanner of one event.
#[derive(Debug, Clone, Object)]
pub struct ScannerRepr {
    #[oai(rename = "_links")]
    pub links: ScannerLinks,
    pub uid: String,
    /// What the merchant calls it (`Gate A, left`).
    pub name: String,
    /// URI of the event.
    pub event: String,
    pub created_at: Timestamp,
}

impl ScannerRepr {
    pub fn new(hal: &Hal, scanner: &entity::scanner::Model, event: &event::Model, self_link: Link) -> Self {
        let event_path = format!("/events/{}", event.uid);
        ScannerRepr {
            links: ScannerLinks {
                self_link,
                curies: hal.curies(),
                event: hal.link(&event_path),
                revoked_tickets: hal.link(&format!("{event_path}/revoked_tickets")),
            },
            uid: scanner.uid.clone(),
            name: scanner.name.clone(),
            event: hal.href(&event_path),
            created_at: scanner.created_at.into(),
        }
    }
}

/// A scanner just registered, with its token (shown only here).
#[derive(Debug, Clone, Object)]
pub struct CreatedScannerRepr {
    /// Send it as `Scanner-Token` to check tickets of this event in and to read its revoked
    /// tickets. Returned once; only a hash is kept.
    pub token: String,
    #[oai(flatten)]
    pub scanner: ScannerRepr,
}

#[derive(ApiResponse)]
pub enum ScannerCreatedResponse {
    /// The scanner was registered; its token is in the body, once.
    #[oai(status = 201)]
    Created(
        HalJson<CreatedScannerRepr>,
        /// URL of the scanner.
        #[oai(header = "Location")]
        String,
        /// `no-store`: the body holds a secret.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum ScannerResponse {
    /// The scanner.
    #[oai(status = 200)]
    Ok(HalJson<ScannerRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
