//! Tickets: `/tickets`, `/tickets/{uid}`, their check-ins, and the public keys that verify
//! their QR payloads at `/.well-known/ticket-keys`.

mod problems;
mod view;

use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

pub use self::view::{TicketKeySet, TicketRepr};
use self::{
    problems::{CheckInProblems, TicketKeysProblems, TicketListProblems, TicketReadProblems},
    view::{CheckInResponse, TicketCollection, TicketKeysResponse, TicketListResponse, TicketResponse},
};
use super::ApiTags;
use crate::{
    auth::{DoorCaller, OrderCaller},
    domain::{events, tickets},
    http::{
        error::{ApiError, FieldError, Problems},
        hal::{HalJson, Paging},
        idempotency::IdempotencyKey,
    },
    state::{AppState, SharedState},
};

/// Whose tickets a lookup searches, and of which event: the merchant's, of the event named
/// if any; a scanner's event's only (another event named finds nothing, as an unknown
/// barcode would).
async fn lookup_scope(
    state: &AppState,
    caller: &DoorCaller,
    event_uri: Option<&str>,
) -> Result<(i64, Option<i64>), ApiError> {
    let named = match event_uri.map(str::trim) {
        Some(uri) => {
            let not_an_event =
                || ApiError::validation(vec![FieldError::new("event", "not the URI of an event")]);
            let uid = state.hal.uid_from_uri(uri, "/events").ok_or_else(not_an_event)?;
            Some(events::find(&state.db, &uid).await?.ok_or_else(not_an_event)?)
        }
        None => None,
    };
    Ok(match caller {
        DoorCaller::Merchant(merchant) => (merchant.id, named.map(|event| event.id)),
        DoorCaller::Scanner(scanner) => {
            let own = events::find_by_id(&state.db, scanner.event_id).await?;
            let event_id = match named {
                Some(event) if event.id != scanner.event_id => -1,
                _ => scanner.event_id,
            };
            (own.map_or(0, |event| event.merchant_id), Some(event_id))
        }
    })
}

#[derive(Default)]
pub struct TicketsApi;

#[OpenApi(tag = "ApiTags::Tickets")]
impl TicketsApi {
    /// Look tickets up (merchant or scanner)
    ///
    /// The merchant's tickets, optionally of one event (`event`, its URI) and with one
    /// barcode (`code`): what a door scanner asks when a barcode is read online. A scanner
    /// (`Scanner-Token`) sees the tickets of its own event only.
    #[oai(path = "/tickets", method = "get", operation_id = "list_tickets")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: DoorCaller,
        /// URI of the event.
        #[oai(validator(max_length = 2048))]
        event: Query<Option<String>>,
        /// The barcode read.
        #[oai(validator(max_length = 64))]
        code: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Tickets per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<TicketListResponse, Problems<TicketListProblems>> {
        let paging = Paging {
            page: page.0.unwrap_or(1),
            page_size: page_size.0.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
        };
        let (merchant_id, event_id) = lookup_scope(&state, &caller, event.0.as_deref()).await?;
        let (items, item_count) = tickets::lookup(
            &state.db,
            merchant_id,
            event_id,
            code.0.as_deref(),
            paging.offset(),
            paging.page_size,
        )
        .await?;
        let collection = TicketCollection::new(&state.hal, req, paging, &items, item_count);
        Ok(TicketListResponse::Ok(HalJson(collection)))
    }

    /// Read a ticket
    ///
    /// Its barcode, signed QR payload and status. For whoever may see its order: its
    /// `Order-Token`, the customer who bought it, the merchant; anyone else gets 404.
    #[oai(path = "/tickets/:uid", method = "get", operation_id = "get_ticket")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The ticket's uid.
        uid: Path<String>,
    ) -> Result<TicketResponse, Problems<TicketReadProblems>> {
        let found = tickets::find(&state.db, &uid.0)
            .await?
            .filter(|found| caller.may_see(&found.order))
            .ok_or_else(|| {
                ApiError::not_found("No ticket with this uid is visible with these credentials.")
            })?;
        let seller = caller.sells(&found.order);
        let repr = TicketRepr::new(&state.hal, &found, state.hal.self_link(req), seller);
        Ok(TicketResponse::Ok(HalJson(repr)))
    }

    /// Check a ticket in (merchant or scanner)
    ///
    /// At the door, by the merchant or a scanner of the ticket's event (`Scanner-Token`):
    /// the ticket is checked in once. Of any number of scans of one ticket,
    /// even at the same moment, one is answered 201; the others `already_checked_in` (409,
    /// with when). A voided (refunded) ticket is answered `ticket_voided` (410).
    #[oai(
        path = "/tickets/:uid/check_ins",
        method = "post",
        operation_id = "check_in_ticket"
    )]
    async fn check_in(
        &self,
        state: Data<&SharedState>,
        caller: DoorCaller,
        /// The ticket's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key returns the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
    ) -> Result<CheckInResponse, Problems<CheckInProblems>> {
        let found = tickets::find(&state.db, &uid.0)
            .await?
            .filter(|found| caller.may_scan(found.order.merchant_id, found.ticket.event_id))
            .ok_or_else(|| ApiError::not_found("No ticket of yours has this uid."))?;
        let ticket = tickets::check_in(&state.db, &found.ticket).await??;
        let path = format!("/tickets/{}", ticket.uid);
        let found = tickets::TicketDetails { ticket, ..found };
        let seller = matches!(caller, DoorCaller::Merchant(_));
        let repr = TicketRepr::new(&state.hal, &found, state.hal.link(&path), seller);
        Ok(CheckInResponse::Created(HalJson(repr), state.hal.href(&path)))
    }

    /// Keys verifying ticket QR codes
    ///
    /// The Ed25519 public keys (a JWK Set: `kty: OKP`, `crv: Ed25519`, `kid`) with which a
    /// door scanner verifies a ticket's `qr` offline. Keys rotate: a new key signs new
    /// tickets, and every older key stays listed for the tickets it signed.
    #[oai(
        path = "/.well-known/ticket-keys",
        method = "get",
        operation_id = "get_ticket_keys"
    )]
    async fn keys(
        &self,
        state: Data<&SharedState>,
        req: &Request,
    ) -> Result<TicketKeysResponse, Problems<TicketKeysProblems>> {
        let mut keys = tickets::keys::published(&state.db).await?;
        if keys.is_empty() {
            keys.push(tickets::keys::rotate(&state.db).await?);
        }
        Ok(TicketKeysResponse::Ok(HalJson(TicketKeySet::new(
            &state.hal,
            state.hal.self_link(req),
            keys,
        ))))
    }
}
