//! Checkout: `/bill` (the sale simulation), `/orders`, `/orders/{uid}`, `/ordercancellation`.

mod actions;
mod collection;
mod form;
pub use actions::OrderActions;
mod input;
pub mod kept;
mod lines;
mod problems;
mod view;

use bytes::Bytes;
use entity::{merchant, order};
use kept::Drawn;
use poem::web::Data;
use poem::{Request, http::HeaderValue};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

pub use collection::{OrderCollection, OrderListResponse, orders_search};
pub use form::{BillFormRepr, BillFormResponse, checkout_templates};
pub use input::{CancellationInput, ConsumerInput, OrderInput, OrderLineInput};
pub use lines::OrderLineResponse;
pub use problems::{
    BillProblems, CancelProblems, FormProblems, OrderLineReadProblems, OrderListProblems, OrderReadProblems,
    PlaceProblems,
};
pub use view::{
    AppliedVoucher, BillRepr, BillResponse, CreatedOrderRepr, CustomerServiceRepr, OrderCreatedResponse,
    OrderLineRepr, OrderRepr, OrderResponse, OrderStatus, OrderView, TaxRepr, order_repr,
};

use super::{ApiTags, deliveries::delivery_repr};
use crate::http::{headers, idempotency::IdempotencyKey, json::JsonBody};
use crate::{
    auth::{MaybeCustomer, OrderCaller, OrderLister},
    domain::{
        holds,
        orders::{self, OrderDetails, OrderFilter},
        refunds::{self, Refundability},
        sandbox::SandboxKey,
    },
    http::error::{ApiError, Problems},
    http::hal::{Hal, HalJson, HalText, Link, Paging},
    state::{AppState, SharedState},
};

#[derive(Default)]
pub struct OrdersApi;

fn order_uid_example() -> String {
    "f6284ab0fd3147e5b6ea40cc0ba1b69a".into()
}

fn line_number_example() -> u32 {
    1
}

/// The whole order: lines, deliveries, vouchers, customer service and refund bill.
async fn full_repr(
    state: &AppState,
    order: &order::Model,
    merchant: &merchant::Model,
    self_link: Link,
    caller: &OrderCaller,
) -> Result<OrderRepr, ApiError> {
    let details = orders::details(&state.db, order, merchant).await?;
    let actions = actions_for(caller, order, merchant, &details.refundability)?;
    repr_of_details(
        &state.hal,
        &state.sandbox_key,
        (order, &details),
        actions,
        self_link,
    )
}

/// The whole order from its loaded details, with what its reader may do.
pub fn repr_of_details(
    hal: &Hal,
    sandbox: &SandboxKey,
    (order, details): (&order::Model, &OrderDetails),
    actions: OrderActions,
    self_link: Link,
) -> Result<OrderRepr, ApiError> {
    let deliveries = details
        .deliveries
        .iter()
        .map(|(delivery, line)| delivery_repr(hal, delivery, line, order))
        .collect();
    let view = OrderView {
        order,
        lines: Some(&details.lines),
        deliveries: Some(deliveries),
        vouchers: &details.vouchers,
        contact: &details.contact,
        sandbox,
        refundability: &details.refundability,
        actions,
    };
    order_repr(hal, view, self_link)
}

/// The order as `caller` reads it, with its ETag: its kept copy if that is current (see
/// [`kept`]), otherwise drawn from its details and kept.
async fn read_body(
    state: &AppState,
    caller: &OrderCaller,
    (order, merchant, mark): (&order::Model, &merchant::Model, i64),
    self_link: Link,
) -> Result<(Bytes, HeaderValue), ApiError> {
    let now = chrono::Utc::now();
    let self_href = self_link.href.clone();
    let drawn = Drawn {
        order,
        merchant,
        mark,
        holder: caller.holds(order),
        self_href: &self_href,
    };
    if let Some(kept) = state.kept_orders.get(&drawn, now) {
        return Ok(kept);
    }
    let details = orders::details(&state.db, order, merchant).await?;
    let actions = actions_for(caller, order, merchant, &details.refundability)?;
    let ends_at = refunds::changes_by_itself_at(order, &details.lines, now);
    let repr = repr_of_details(
        &state.hal,
        &state.sandbox_key,
        (order, &details),
        actions,
        self_link,
    )?;
    let body = HalText::of(&repr).body().clone();
    let etag = state.kept_orders.keep(&drawn, ends_at, body.clone());
    Ok((body, etag))
}

/// What `caller` may do with `order` now: cancel it while it awaits payment; ask for a
/// refund, as its holder, while one can be granted and none is open.
fn actions_for(
    caller: &OrderCaller,
    order: &order::Model,
    merchant: &merchant::Model,
    refundability: &Refundability,
) -> Result<OrderActions, ApiError> {
    Ok(OrderActions {
        cancel: orders::status_of(order)?.awaits_payment(),
        request_refund: caller.holds(order) && refundability.can_open_request(),
        offers_change_order: merchant.offers_change_order,
    })
}

/// The order at `uid`, with its merchant and its change mark, if `caller` may see it;
/// otherwise the same 404 as for no order.
async fn visible(
    state: &AppState,
    uid: &str,
    caller: &OrderCaller,
) -> Result<(order::Model, merchant::Model, i64), ApiError> {
    let (order, merchant, mark) = state
        .order_reads
        .get(uid)
        .await?
        .filter(|(order, _, _)| caller.may_see(order))
        .ok_or_else(|| ApiError::not_found("No order with this uid is visible with these credentials."))?;
    if !holds::is_past_hold(&order, chrono::Utc::now()) {
        return Ok((order, merchant, mark));
    }
    let settled = holds::settle(&state.db, order).await?;
    // Expiring it gave places back: the copies of events and products are stale.
    state.public_cache.invalidate();
    Ok((settled, merchant, mark))
}

#[OpenApi(tag = "ApiTags::Checkout")]
impl OrdersApi {
    /// Price a cart (sale simulation)
    ///
    /// Takes the body of an order and answers the priced lines, the taxes for the buyer's
    /// country and region, vouchers and totals — saving nothing. Call it when a product is
    /// put in the cart and before payment: a refusal here says exactly which line cannot be
    /// sold and why.
    #[oai(path = "/bill", method = "post", operation_id = "price_cart")]
    async fn bill(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        _customer: MaybeCustomer,
        body: JsonBody<OrderInput>,
    ) -> Result<BillResponse, Problems<BillProblems>> {
        let cart = body.0.cart(&state.hal)?;
        let bill = orders::price_with_copies(&state.db, &cart, &state.checkout).await?;
        Ok(BillResponse::Ok(HalText::serialized(&view::bill_repr(
            &state.hal, req, &bill,
        ))))
    }

    /// How to price a cart
    ///
    /// A HAL-FORMS description of `POST /bill`, so that a client following links from the
    /// root learns what to send.
    #[oai(path = "/bill", method = "get", operation_id = "describe_bill")]
    async fn bill_form(
        &self,
        state: Data<&SharedState>,
        req: &Request,
    ) -> Result<BillFormResponse, Problems<FormProblems>> {
        Ok(BillFormResponse::Ok(HalJson(form::bill_form_repr(
            &state.hal, req,
        ))))
    }

    /// Place an order
    ///
    /// As a guest (no credentials) or as a logged-in customer (their token). The order
    /// awaits payment; its token — shown only in this response, as `token` and in the
    /// `Order-Token` header — lets whoever holds it read, pay and cancel the order.
    /// Accepts `Idempotency-Key`: a retry never places a second order. A retry is answered
    /// with the same status and `Location` and the order as the caller may read it, never
    /// with the token again: it is given once.
    #[oai(path = "/orders", method = "post", operation_id = "place_order")]
    async fn place(
        &self,
        state: Data<&SharedState>,
        customer: MaybeCustomer,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<OrderInput>,
    ) -> Result<OrderCreatedResponse, Problems<PlaceProblems>> {
        let hal = &state.hal;
        let db = &state.db;
        let cart = body.0.cart(hal)?;
        let buyer = input::buyer(customer);
        let placed = orders::place(db, &cart, &buyer, &state.checkout, state.settings.hold()).await?;
        if placed.holds_places {
            // Fewer places are left: the copies of events and products are stale.
            state.public_cache.invalidate();
        }
        crate::telemetry::order_placed();
        let details = orders::placed_details(db, &placed).await?;
        let view = OrderView {
            order: &placed.order,
            lines: Some(&details.lines),
            deliveries: None,
            vouchers: &details.vouchers,
            contact: &details.contact,
            sandbox: &state.sandbox_key,
            refundability: &details.refundability,
            actions: OrderActions {
                cancel: true,
                ..OrderActions::default()
            },
        };
        let path = format!("/orders/{}", placed.order.uid);
        let order = order_repr(hal, view, hal.link(&path))?;
        Ok(OrderCreatedResponse::Created(
            HalJson(CreatedOrderRepr {
                token: placed.token.clone(),
                order,
            }),
            hal.href(&path),
            placed.token,
            headers::NO_STORE.to_owned(),
        ))
    }

    /// Read an order
    ///
    /// With the order's `Order-Token`, the token of the customer who placed it, or the
    /// merchant's credentials. Anyone else gets 404, as if the order did not exist.
    #[oai(path = "/orders/:uid", method = "get", operation_id = "get_order")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The order's uid.
        uid: Path<String>,
    ) -> Result<OrderResponse, Problems<OrderReadProblems>> {
        let (order, merchant, mark) = visible(&state, &uid.0, &caller).await?;
        let (body, etag) = read_body(
            &state,
            &caller,
            (&order, &merchant, mark),
            state.hal.self_link(req),
        )
        .await?;
        Ok(OrderResponse::Ok(HalText::with_etag(body, etag)))
    }

    /// Read a line of an order
    ///
    /// One line as embedded in the order: the product as it was sold, quantity, unit
    /// price, net, taxes and total. Lines are numbered from 1 in the order's `position`
    /// order (`n` is `position` + 1). Seen by whoever may see the order — its
    /// `Order-Token`, the customer who placed it, the merchant; anyone else gets 404, as
    /// if the order did not exist.
    #[oai(
        path = "/orders/:uid/lines/:n",
        method = "get",
        operation_id = "get_order_line"
    )]
    async fn line(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The order's uid.
        #[oai(example = "order_uid_example")]
        uid: Path<String>,
        /// The line's number, from 1.
        #[oai(example = "line_number_example", validator(minimum(value = "1")))]
        n: Path<u32>,
    ) -> Result<OrderLineResponse, Problems<OrderLineReadProblems>> {
        let (order, _, _) = visible(&state, &uid.0, &caller).await?;
        let line = match lines::position_of(n.0) {
            Some(position) => orders::line_at(&state.db, order.id, position).await?,
            None => None,
        }
        .ok_or_else(|| ApiError::not_found("This order has no line with this number."))?;
        let mut repr = view::line_repr(&state.hal, &order, &line)?;
        repr.links.self_link = Some(state.hal.self_link(req));
        Ok(OrderLineResponse::Ok(HalJson(repr)))
    }

    /// List orders
    ///
    /// A customer sees the orders they placed; a merchant the orders of their shop. Newest
    /// first, paged; embedded orders come without their lines, deliveries and refund bill
    /// (follow `self` for those), with `refundable_total` and `refund_eligibility`.
    #[oai(path = "/orders", method = "get", operation_id = "list_orders")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        lister: OrderLister,
        /// Only orders in this status.
        status: Query<Option<OrderStatus>>,
        /// Only orders created at or after this time (RFC 3339).
        created_gte: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Only orders created before this time (RFC 3339).
        created_lt: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Only orders with this external reference.
        #[oai(validator(max_length = 100))]
        external_reference: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Orders per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<OrderListResponse, Problems<OrderListProblems>> {
        let paging = Paging {
            page: page.0.unwrap_or(1),
            page_size: page_size.0.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
        };
        let filter = OrderFilter {
            status: status.0.map(Into::into),
            created_gte: created_gte.0,
            created_lt: created_lt.0,
            external_reference: external_reference.0,
        };
        let owner = input::owner(lister);
        let found = orders::page(&state.db, &owner, &filter, paging.offset(), paging.page_size).await?;
        let collection = collection::order_collection(&state.hal, req, paging, &found, &state.sandbox_key)?;
        Ok(OrderListResponse::Ok(HalJson(collection)))
    }

    /// Cancel an order
    ///
    /// Only while the order awaits payment (no payment recorded). Cancellation is final;
    /// the vouchers the order used are given back, usable again for their whole amount.
    /// Answers the cancelled order. Accepts `Idempotency-Key`.
    #[oai(path = "/ordercancellation", method = "post", operation_id = "cancel_order")]
    async fn cancel(
        &self,
        state: Data<&SharedState>,
        caller: OrderCaller,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<CancellationInput>,
    ) -> Result<OrderResponse, Problems<CancelProblems>> {
        let hal = &state.hal;
        let reason = body.0.reason()?;
        let uid = body.0.order_uid(hal)?;
        let (order, merchant, _) = visible(&state, &uid, &caller).await?;
        let cancelled = orders::cancel(&state.db, &order, reason).await?;
        let repr = full_repr(
            &state,
            &cancelled,
            &merchant,
            hal.link(&format!("/orders/{}", cancelled.uid)),
            &caller,
        )
        .await?;
        Ok(OrderResponse::Ok(HalText::of(&repr)))
    }
}
