//! Representations of tickets and of the keys that verify them, from data already loaded.

use poem::Request;
use poem_openapi::{ApiResponse, Enum, Object};

use super::super::types::{PageLinksRepr, Timestamp};
use crate::{
    domain::tickets::{TicketDetails, TicketStatus, keys::PublicKey},
    http::{
        forms::{FormTemplate, Templates, templates},
        hal::{Curie, Hal, HalJson, Link, Paging},
    },
};

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum TicketStatusRepr {
    /// Lets its holder in, once.
    Valid,
    /// Already used at the door (`checked_in_at`).
    CheckedIn,
    /// Refunded: lets nobody in.
    Voided,
}

impl From<TicketStatus> for TicketStatusRepr {
    fn from(status: TicketStatus) -> Self {
        match status {
            TicketStatus::Valid => TicketStatusRepr::Valid,
            TicketStatus::CheckedIn => TicketStatusRepr::CheckedIn,
            TicketStatus::Voided => TicketStatusRepr::Voided,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct TicketLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The event it lets its holder into.
    #[oai(rename = "shop:event", skip_serializing_if_is_none)]
    pub event: Option<Link>,
    #[oai(rename = "shop:product")]
    pub product: Link,
    #[oai(rename = "shop:order")]
    pub order: Link,
    /// The delivery this ticket is.
    #[oai(rename = "shop:delivery")]
    pub delivery: Link,
    /// For the merchant, while the ticket is valid: POST here to check it in.
    #[oai(rename = "shop:check_ins", skip_serializing_if_is_none)]
    pub check_ins: Option<Link>,
}

/// A ticket: what the door checks.
#[derive(Debug, Clone, Object)]
pub struct TicketRepr {
    #[oai(rename = "_links")]
    pub links: TicketLinks,
    /// The ticket's uid (the uid of its delivery).
    pub uid: String,
    /// Unguessable, unique code printed as a barcode.
    pub barcode: String,
    /// Compact JWS (RFC 7515, `alg: EdDSA`, Ed25519) to print as a QR code. Its claims:
    /// `ticket` (uid), `event` (uid), `barcode`, `holder`, `nbf` and `exp` (valid from and
    /// until, Unix seconds). A scanner verifies it offline with the key named by its `kid`
    /// among `/.well-known/ticket-keys`, and refuses the barcodes of the event's revoked
    /// tickets.
    pub qr: String,
    pub status: TicketStatusRepr,
    /// The buyer's name.
    pub holder_name: String,
    pub valid_from: Timestamp,
    /// When the event ends; absent for a ticket of no event.
    #[oai(skip_serializing_if_is_none)]
    pub valid_until: Option<Timestamp>,
    #[oai(skip_serializing_if_is_none)]
    pub checked_in_at: Option<Timestamp>,
    #[oai(skip_serializing_if_is_none)]
    pub voided_at: Option<Timestamp>,
    /// URI of the event.
    #[oai(skip_serializing_if_is_none)]
    pub event: Option<String>,
    /// URI of the ticket product.
    pub product: String,
    /// URI of the order it was sold in.
    pub order: String,
    /// HAL-FORMS for the merchant: `check_in` while the ticket is valid.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl TicketRepr {
    /// A ticket; `seller` adds the merchant's check-in link and template.
    pub fn new(hal: &Hal, found: &TicketDetails, self_link: Link, seller: bool) -> Self {
        let ticket = &found.ticket;
        let path = format!("/tickets/{}", ticket.uid);
        let event = found.event.as_ref().map(|e| format!("/events/{}", e.uid));
        let product = format!("/products/{}", found.product.uid);
        let order = format!("/orders/{}", found.order.uid);
        let status = TicketStatus::of(ticket);
        let check_in = (seller && status == TicketStatus::Valid).then(|| format!("{path}/check_ins"));
        TicketRepr {
            links: TicketLinks {
                self_link,
                curies: hal.curies(),
                event: event.as_deref().map(|p| hal.link(p)),
                product: hal.link(&product),
                order: hal.link(&order),
                delivery: hal.link(&format!("/deliveries/{}", ticket.uid)),
                check_ins: check_in.as_deref().map(|p| hal.link(p)),
            },
            uid: ticket.uid.clone(),
            barcode: ticket.barcode.clone(),
            qr: ticket.qr.clone(),
            status: status.into(),
            holder_name: ticket.holder_name.clone(),
            valid_from: ticket.valid_from.into(),
            valid_until: ticket.valid_until.map(Timestamp::from),
            checked_in_at: ticket.checked_in_at.map(Timestamp::from),
            voided_at: ticket.voided_at.map(Timestamp::from),
            event: event.as_deref().map(|p| hal.href(p)),
            product: hal.href(&product),
            order: hal.href(&order),
            templates: check_in.and_then(|p| {
                templates(vec![(
                    "check_in",
                    FormTemplate::empty("POST", "Check the ticket in", hal.href(&p)),
                )])
            }),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct TicketsEmbedded {
    #[oai(rename = "shop:tickets")]
    pub tickets: Vec<TicketRepr>,
}

/// The merchant's tickets matching a lookup.
#[derive(Debug, Clone, Object)]
pub struct TicketCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: TicketsEmbedded,
}

impl TicketCollection {
    pub fn new(hal: &Hal, req: &Request, paging: Paging, items: &[TicketDetails], item_count: u64) -> Self {
        let tickets = items
            .iter()
            .map(|found| {
                TicketRepr::new(
                    hal,
                    found,
                    hal.link(&format!("/tickets/{}", found.ticket.uid)),
                    true,
                )
            })
            .collect();
        TicketCollection {
            links: PageLinksRepr::new(
                hal,
                req,
                paging,
                item_count,
                hal.templated("/tickets{?event,code,page,page_size}"),
            ),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: TicketsEmbedded { tickets },
        }
    }
}

/// A public key of the ticket signatures (RFC 8037 OKP key).
#[derive(Debug, Clone, Object)]
pub struct TicketJwk {
    /// `OKP`.
    pub kty: String,
    /// `Ed25519`.
    pub crv: String,
    /// The public key, base64url.
    pub x: String,
    /// The key's id, as named by the `kid` of a QR payload's header.
    pub kid: String,
    /// `EdDSA`.
    pub alg: String,
    /// `sig`.
    #[oai(rename = "use")]
    pub usage: String,
}

#[derive(Debug, Clone, Object)]
pub struct TicketKeysLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
}

/// The keys that verify ticket QR payloads: a JWK Set (RFC 7517), newest first, which JOSE
/// libraries read as is (they ignore `_links`). Every key that ever signed a ticket stays
/// listed.
#[derive(Debug, Clone, Object)]
pub struct TicketKeySet {
    #[oai(rename = "_links")]
    pub links: TicketKeysLinks,
    pub keys: Vec<TicketJwk>,
}

impl TicketKeySet {
    pub fn new(hal: &Hal, self_link: Link, keys: Vec<PublicKey>) -> Self {
        TicketKeySet {
            links: TicketKeysLinks {
                self_link,
                curies: hal.curies(),
            },
            keys: keys
                .into_iter()
                .map(|key| TicketJwk {
                    kty: "OKP".into(),
                    crv: "Ed25519".into(),
                    x: key.x,
                    kid: key.kid,
                    alg: "EdDSA".into(),
                    usage: "sig".into(),
                })
                .collect(),
        }
    }
}

#[derive(ApiResponse)]
pub enum TicketResponse {
    /// The ticket.
    #[oai(status = 200)]
    Ok(HalJson<TicketRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum CheckInResponse {
    /// Checked in now: the ticket, with `checked_in_at`.
    #[oai(status = 201)]
    Created(
        HalJson<TicketRepr>,
        /// URL of the ticket.
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum TicketListResponse {
    /// The matching tickets.
    #[oai(status = 200)]
    Ok(HalJson<TicketCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum TicketKeysResponse {
    /// The public keys, as a JWK Set.
    #[oai(status = 200)]
    Ok(HalJson<TicketKeySet>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
