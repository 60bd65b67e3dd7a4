//! Events: `/events`, `/events/{uid}`, their cancellation and their revoked tickets.

mod actions;
mod input;
mod problems;
mod view;

use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

pub use self::{
    input::{EventInput, ScannerInput},
    problems::{
        EventCancelProblems, EventCreateProblems, EventListProblems, EventReadProblems, EventUpdateProblems,
    },
    view::{EventCollection, EventRepr, EventResponse, events_search},
};
use self::{
    problems::{RevokedProblems, ScannerCreateProblems, ScannerReadProblems},
    view::{
        CreatedScannerRepr, EventCreatedResponse, EventListResponse, RevokedTicketsRepr,
        RevokedTicketsResponse, ScannerCreatedResponse, ScannerRepr, ScannerResponse, etag,
    },
};
use super::{ApiTags, refunds::WithdrawalInput};
use crate::{
    auth::{DoorCaller, MaybeMerchant, MerchantAuth},
    domain::{
        events::{self, EventError, EventFilter},
        tickets::{self, scanners},
    },
    http::{
        error::{ApiError, Problems},
        hal::{HalJson, Paging},
        headers,
        idempotency::IdempotencyKey,
        json::JsonBody,
        middleware::version_matches,
        round_trip::RoundTrip,
    },
    state::{AppState, SharedState},
};

/// The event at `uid` if it is one of `merchant_id`'s.
async fn own_event(state: &AppState, uid: &str, merchant_id: i64) -> Result<entity::event::Model, ApiError> {
    events::find(&state.db, uid)
        .await?
        .filter(|event| event.merchant_id == merchant_id)
        .ok_or_else(|| ApiError::not_found("No event of yours has this uid."))
}

/// The event with its products embedded, and the merchant's templates for its seller.
async fn full_repr(
    state: &AppState,
    event: &entity::event::Model,
    self_link: crate::http::hal::Link,
    seller: bool,
) -> Result<EventRepr, ApiError> {
    let products = events::products_of(&state.db, event.id).await?;
    let mut repr = EventRepr::new(&state.hal, event, Some(&products), self_link, seller)?;
    if seller {
        repr.templates = actions::event_templates(&state.hal, event);
    }
    Ok(repr)
}

#[derive(Default)]
pub struct EventsApi;

#[OpenApi(tag = "ApiTags::Catalogue")]
impl EventsApi {
    /// List events
    ///
    /// Events soonest first, paged, with their places left (`available`) and status
    /// (`on_sale`, `sold_out`, `cancelled`, `ended`). Follow an event's `self` for its
    /// ticket products.
    #[oai(path = "/events", method = "get", operation_id = "list_events")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MaybeMerchant,
        /// Text searched, case-insensitively, in title and venue.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Only events starting at or after this time (RFC 3339).
        starts_gte: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Events per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<EventListResponse, Problems<EventListProblems>> {
        let paging = Paging {
            page: page.0.unwrap_or(1),
            page_size: page_size.0.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
        };
        let filter = EventFilter {
            q: q.0,
            starts_gte: starts_gte.0,
        };
        let (items, item_count) = events::list(&state.db, &filter, paging.offset(), paging.page_size).await?;
        let mut collection = EventCollection::new(&state.hal, req, paging, &items, item_count)?;
        if merchant.0.is_some() {
            collection.templates = actions::events_templates(&state.hal);
        }
        Ok(EventListResponse::Ok(HalJson(collection)))
    }

    /// Read an event
    ///
    /// The event, its places left and its ticket products (`shop:products`, each with its
    /// own `available_places`). The ETag changes whenever a place is taken or given back.
    #[oai(path = "/events/:uid", method = "get", operation_id = "get_event")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MaybeMerchant,
        /// The event's uid.
        uid: Path<String>,
    ) -> Result<EventResponse, Problems<EventReadProblems>> {
        let event = events::find(&state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No event has this uid."))?;
        let seller = merchant.0.is_some_and(|m| m.id == event.merchant_id);
        let repr = full_repr(&state, &event, state.hal.self_link(req), seller).await?;
        Ok(EventResponse::Ok(HalJson(repr), etag(&event)))
    }

    /// Add an event (merchant)
    ///
    /// An event with its places. Then add its ticket products (`POST /products` with
    /// `kind: ticket` and `event` the event's URI; the `add_ticket` template does it).
    /// Accepts `Idempotency-Key`.
    #[oai(path = "/events", method = "post", operation_id = "create_event")]
    async fn create(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<EventInput>,
    ) -> Result<EventCreatedResponse, Problems<EventCreateProblems>> {
        let draft = body.0.draft()?;
        let event = events::add(&state.db, merchant.0.id, &draft).await?;
        let path = format!("/events/{}", event.uid);
        let repr = full_repr(&state, &event, state.hal.link(&path), true).await?;
        Ok(EventCreatedResponse::Created(
            HalJson(repr),
            state.hal.href(&path),
            etag(&event),
        ))
    }

    /// Replace an event (merchant)
    ///
    /// Send the ETag you read as `If-Match` (places taken since do not make it stale; an
    /// edit by someone else does: 412). The capacity cannot go below the places held. The
    /// body may be the event as a GET gave it, edited: `_links`, `_embedded`, `_templates`
    /// and unchanged read-only fields are ignored.
    #[oai(path = "/events/:uid", method = "put", operation_id = "replace_event")]
    async fn replace(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The event's uid.
        uid: Path<String>,
        /// The ETag of the version being replaced. Without it the answer is 428.
        #[oai(
            name = "If-Match",
            validator(max_length = 1024, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#)
        )]
        if_match: Header<Option<String>>,
        body: RoundTrip<EventInput>,
    ) -> Result<EventResponse, Problems<EventUpdateProblems>> {
        let draft = body.writable.draft()?;
        let current = own_event(&state, &uid.0, merchant.0.id).await?;
        let Some(if_match) = if_match.0 else {
            return Err(problems::if_match_missing().into());
        };
        if !version_matches(&if_match, &current.uid, current.version) {
            return Err(EventError::VersionMismatch.into());
        }
        body.check(&EventRepr::new(
            &state.hal,
            &current,
            None,
            state.hal.self_link(req),
            true,
        )?)?;
        let event = events::update(&state.db, &current, current.version, &draft).await?;
        let repr = full_repr(&state, &event, state.hal.self_link(req), true).await?;
        Ok(EventResponse::Ok(HalJson(repr), etag(&event)))
    }

    /// Cancel an event (merchant)
    ///
    /// No ticket of it can be bought any more: its ticket products are withdrawn, and every
    /// paid order holding one of its tickets gets a refund request with source
    /// `event_refund` (a full refund by default; each holder may then choose refund, voucher
    /// or donation). Final. Accepts `Idempotency-Key`.
    #[oai(
        path = "/events/:uid/cancellation",
        method = "post",
        operation_id = "cancel_event"
    )]
    async fn cancel(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// The event's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<WithdrawalInput>,
    ) -> Result<EventResponse, Problems<EventCancelProblems>> {
        let reason = body.0.reason()?;
        let event = own_event(&state, &uid.0, merchant.0.id).await?;
        let (cancelled, _opened) = events::cancel(&state.db, &event, &reason).await?;
        let link = state.hal.link(&format!("/events/{}", cancelled.uid));
        let repr = full_repr(&state, &cancelled, link, true).await?;
        Ok(EventResponse::Ok(HalJson(repr), etag(&cancelled)))
    }

    /// Revoked tickets of an event (merchant or scanner)
    ///
    /// Tickets of this event voided (refunded) after the cursor `since`, oldest first: what
    /// an offline door scanner must refuse even though their QR signature verifies. Keep
    /// the `cursor` of each answer and follow `next` to learn only what is new. For the
    /// merchant, or a scanner of this event (`Scanner-Token`).
    #[oai(
        path = "/events/:uid/revoked_tickets",
        method = "get",
        operation_id = "list_revoked_tickets"
    )]
    async fn revoked(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: DoorCaller,
        /// The event's uid.
        uid: Path<String>,
        /// The cursor of the last answer read; 0 (the default) for every revoked ticket.
        #[oai(validator(minimum(value = "0")))]
        since: Query<Option<i64>>,
        /// Tickets per answer, 1–500 (default 100).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<RevokedTicketsResponse, Problems<RevokedProblems>> {
        let event = events::find(&state.db, &uid.0)
            .await?
            .filter(|event| caller.may_scan(event.merchant_id, Some(event.id)))
            .ok_or_else(|| ApiError::not_found("No event of yours has this uid."))?;
        let since = since.0.unwrap_or(0);
        let page_size = page_size.0.unwrap_or(100);
        let revoked = tickets::revocations(&state.db, event.id, since, page_size).await?;
        let repr = RevokedTicketsRepr::new(&state.hal, req, &event, since, page_size, revoked);
        Ok(RevokedTicketsResponse::Ok(HalJson(repr)))
    }

    /// Register a door scanner (merchant)
    ///
    /// A device at the door of this event: its token, returned once as `token`, lets it
    /// check tickets of this event in and read the event's revoked tickets — nothing else.
    /// Send it as `Scanner-Token`. Accepts `Idempotency-Key` (a retry answers the scanner
    /// without its token).
    #[oai(
        path = "/events/:uid/scanners",
        method = "post",
        operation_id = "register_scanner"
    )]
    async fn register_scanner(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// The event's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<ScannerInput>,
    ) -> Result<ScannerCreatedResponse, Problems<ScannerCreateProblems>> {
        let name = body.0.name()?;
        let event = own_event(&state, &uid.0, merchant.0.id).await?;
        if event.cancelled_at.is_some() {
            return Err(EventError::Cancelled.into());
        }
        let created = scanners::register(&state.db, event.id, &name).await?;
        let path = format!("/scanners/{}", created.scanner.uid);
        let scanner = ScannerRepr::new(&state.hal, &created.scanner, &event, state.hal.link(&path));
        Ok(ScannerCreatedResponse::Created(
            HalJson(CreatedScannerRepr {
                token: created.token,
                scanner,
            }),
            state.hal.href(&path),
            headers::NO_STORE.to_owned(),
        ))
    }

    /// Read a door scanner (merchant)
    ///
    /// Its name and event; never its token.
    #[oai(path = "/scanners/:uid", method = "get", operation_id = "get_scanner")]
    async fn scanner(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The scanner's uid.
        uid: Path<String>,
    ) -> Result<ScannerResponse, Problems<ScannerReadProblems>> {
        let not_found = || ApiError::not_found("No scanner of your events has this uid.");
        let scanner = scanners::find(&state.db, &uid.0).await?.ok_or_else(not_found)?;
        let event = events::find_by_id(&state.db, scanner.event_id)
            .await?
            .filter(|event| event.merchant_id == merchant.0.id)
            .ok_or_else(not_found)?;
        let repr = ScannerRepr::new(&state.hal, &scanner, &event, state.hal.self_link(req));
        Ok(ScannerResponse::Ok(HalJson(repr)))
    }
}
