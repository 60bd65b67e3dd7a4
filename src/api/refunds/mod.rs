//! Refund requests, refund bills and refunds, in the shape of the reference shopping API
//! (`shop:refund_requests`, embedded `shop:refund_bill`), and event refunds.

mod access;
mod actions;
mod eligibility_view;
mod input;
mod problems;
mod view;

use crate::http::idempotency::IdempotencyKey;
use poem::Request;
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

pub use self::{
    eligibility_view::{
        OrderRefundBillLinks, OrderRefundBillRepr, RefundCheckCode, RefundCheckRepr, RefundEligibilityRepr,
        order_refund_bill,
    },
    input::{
        BankDetailsInput, RefundRequestInput, RefundRequestUpdate, RequestStatusFilter, RequestedStatus,
        WithdrawalInput,
    },
    problems::{RefundCreateProblems, RefundReadProblems, RefundUpdateProblems, WithdrawalProblems},
    view::*,
};
use super::ApiTags;
use crate::{
    auth::{MerchantAuth, OrderCaller},
    domain::{catalogue, refunds, status::RefundRequestStatus},
    http::{
        error::{ApiError, FieldError, Problems, problems as kinds},
        forms::Templates,
        hal::{HalJson, Paging},
        json::JsonBody,
        round_trip::RoundTrip,
    },
    state::{AppState, SharedState},
};
use actions::Role;

/// The templates `caller` gets on the one request `loaded` holds: the merchant's decisions,
/// or the holder's changes (which need to know whether the shop offers a change of order).
async fn templates_for(
    state: &AppState,
    caller: &OrderCaller,
    loaded: &refunds::OrderRequests,
) -> Result<Option<Templates>, ApiError> {
    let Some(details) = loaded.requests.first() else {
        return Ok(None);
    };
    let role = if caller.sells(&loaded.order) {
        Role::Merchant
    } else if caller.holds(&loaded.order) && details.status == RefundRequestStatus::New {
        let merchant = refunds::merchant_of(&state.db, &loaded.order).await?;
        Role::Holder {
            offers_change_order: merchant.offers_change_order,
        }
    } else {
        return Ok(None);
    };
    Ok(actions::request_templates(&state.hal, &details.request, role)?)
}

#[derive(Default)]
pub struct RefundsApi;

#[OpenApi(tag = "ApiTags::Refunds")]
impl RefundsApi {
    /// List refund requests
    ///
    /// With `order`: that order's requests, for whoever may see the order. Without it: the
    /// merchant's queue — the requests on their shop's orders, newest first, paged, `status`
    /// to filter (e.g. `new` for those waiting for a decision); anyone else must name an
    /// order (401 without one).
    #[oai(
        path = "/refund_requests",
        method = "get",
        operation_id = "list_refund_requests"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// URI of the order; required unless the merchant lists their shop's requests.
        #[oai(validator(max_length = 2048))]
        order: Query<Option<String>>,
        /// Only requests in this status.
        status: Query<Option<RequestStatusFilter>>,
        /// Page number, from 1 (the merchant's list).
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Requests per page, 1–500 (default 50; the merchant's list).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<RefundRequestListResponse, Problems<RefundReadProblems>> {
        let db = &state.db;
        let status = status.0.map(RefundRequestStatus::from);
        let Some(order) = order.0 else {
            let merchant = access::lister(&caller)?;
            let paging = Paging {
                page: page.0.unwrap_or(1),
                page_size: page_size.0.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
            };
            let (found, total) =
                refunds::page_of_merchant(db, merchant.id, status, paging.offset(), paging.page_size).await?;
            let collection = view::merchant_collection(&state.hal, req, paging, &found, total);
            return Ok(RefundRequestListResponse::Ok(HalJson(collection)));
        };
        let order = access::order_at(db, &state.hal, &order, &caller).await?;
        let mut requests = refunds::of_order(db, order.id).await?;
        requests.retain(|request| status.is_none_or(|status| request.status == status.as_str()));
        let loaded = refunds::load_requests(db, order, requests).await?;
        let collection = view::request_collection(&state.hal, &loaded, state.hal.self_link(req));
        Ok(RefundRequestListResponse::Ok(HalJson(collection)))
    }

    /// Read a refund request
    #[oai(
        path = "/refund_requests/:uid",
        method = "get",
        operation_id = "get_refund_request"
    )]
    async fn get(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The refund request's uid.
        uid: Path<String>,
    ) -> Result<RefundRequestResponse, Problems<RefundReadProblems>> {
        let db = &state.db;
        let (request, order) = access::visible_request(db, &uid.0, &caller).await?;
        let loaded = refunds::load_requests(db, order, vec![request]).await?;
        let (mut repr, etag) = view::single_request(&state.hal, &loaded, Some(state.hal.self_link(req)))
            .ok_or_else(|| ApiError::internal("refund request not loaded"))?;
        repr.templates = templates_for(&state, &caller, &loaded).await?;
        Ok(RefundRequestResponse::Ok(HalJson(repr), etag))
    }

    /// Open a refund request
    ///
    /// By the order's holder (`Order-Token`) or the customer who placed it. Every rule of
    /// the sale cancellation is checked: the shop may refund, the sale exists, it is not
    /// refunded already, nothing was downloaded or redeemed, it is within the refund days
    /// and under the usage limit, and a stated `amount` equals what is refundable. One open
    /// request per order. Accepts `Idempotency-Key`.
    #[oai(
        path = "/refund_requests",
        method = "post",
        operation_id = "create_refund_request"
    )]
    async fn create(
        &self,
        state: Data<&SharedState>,
        caller: OrderCaller,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<RefundRequestInput>,
    ) -> Result<RefundRequestCreated, Problems<RefundCreateProblems>> {
        let db = &state.db;
        let order = access::order_at(db, &state.hal, &body.0.order, &caller).await?;
        access::may_request(&caller, &order)?;
        let merchant = refunds::merchant_of(db, &order).await?;
        let (new, stated) = body.0.into_new_request(merchant.offers_change_order)?;
        let request = refunds::request_refund(db, &order, &merchant, new, stated).await?;
        let location = state.hal.href(&format!("/refund_requests/{}", request.uid));
        let loaded = refunds::load_requests(db, order, vec![request]).await?;
        let (mut repr, etag) = view::single_request(&state.hal, &loaded, None)
            .ok_or_else(|| ApiError::internal("refund request not loaded"))?;
        repr.templates = templates_for(&state, &caller, &loaded).await?;
        Ok(RefundRequestCreated::Created(HalJson(repr), location, etag))
    }

    /// Change, decide or process a refund request
    ///
    /// The holder may change the split, submit bank details, set `keep_tickets` or cancel
    /// (`status: cancelled`) while the request is new. The merchant approves (rules checked
    /// again) or rejects (with a `reason`), then processes an approved request (rules checked
    /// once more as the money moves: a file downloaded since the approval refuses it, and
    /// nothing changes): refunds are made, a voucher issued for the voucher share, the
    /// deliveries voided unless `keep_tickets`. An approved request that can no longer be
    /// processed is closed by rejecting it. Send the ETag you read as `If-Match`.
    ///
    /// The body may be the request as a GET gave it, edited: `_links`, `_embedded` and
    /// `_templates` are ignored, and so are the read-only fields (`readOnly` in the schema)
    /// sent unchanged; a read-only field sent changed is refused (422, named in `errors`).
    /// A writable field sent as it is changes nothing: the merchant may send the holder's
    /// split back with a decision. Values compare as the wire writes them: the same
    /// instant, the same decimal number (`"0.5"` is `"0.50"`), `null` as an absent field.
    #[oai(
        path = "/refund_requests/:uid",
        method = "put",
        operation_id = "update_refund_request"
    )]
    async fn update(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The refund request's uid.
        uid: Path<String>,
        /// The ETag of the version being changed. Without it the answer is 428.
        #[oai(
            name = "If-Match",
            validator(max_length = 1024, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#)
        )]
        if_match: Header<Option<String>>,
        body: RoundTrip<RefundRequestUpdate>,
    ) -> Result<RefundRequestResponse, Problems<RefundUpdateProblems>> {
        let db = &state.db;
        let (request, order) = access::visible_request(db, &uid.0, &caller).await?;
        let version = input::version_read(if_match.0.as_deref(), &request_etag(&request), request.version)?;
        let shown = refunds::load_requests(db, order.clone(), vec![request.clone()]).await?;
        let (shown, _) = view::single_request(&state.hal, &shown, None)
            .ok_or_else(|| ApiError::internal("refund request not loaded"))?;
        let update = RefundRequestUpdate::of_round_trip(body, &shown)?;
        access::may_update(&caller, &order, &update)?;
        let updated = match update.decision() {
            Some(decision) => {
                refunds::decide(db, &request, version, decision, update.decision_reason()).await?
            }
            None => {
                let merchant = refunds::merchant_of(db, &order).await?;
                let change = update.holder_change(merchant.offers_change_order)?;
                refunds::change_by_holder(db, &request, version, change).await?
            }
        };
        let order = refunds::order_by_id(db, order.id)
            .await?
            .ok_or_else(|| ApiError::internal("order vanished"))?;
        let loaded = refunds::load_requests(db, order, vec![updated]).await?;
        let (mut repr, etag) = view::single_request(&state.hal, &loaded, Some(state.hal.self_link(req)))
            .ok_or_else(|| ApiError::internal("refund request not loaded"))?;
        repr.templates = templates_for(&state, &caller, &loaded).await?;
        Ok(RefundRequestResponse::Ok(HalJson(repr), etag))
    }

    /// Preview a refund bill
    ///
    /// `?refund_request=<uid>` shows a request's bill; `?order=<URI>` with shares previews
    /// what a split would come to, saving nothing (without shares: a full refund — the bill
    /// a paid order embeds). Amounts split what can be refunded now and add up to it to the
    /// cent: paid minus refunded while every rule of the sale cancellation holds, zero
    /// otherwise. `refund_eligibility` lists every rule with its outcome — the same answer a
    /// refund request gets (under a request's own rules with `refund_request`).
    #[oai(path = "/refund-bill", method = "get", operation_id = "get_refund_bill")]
    #[allow(clippy::too_many_arguments)]
    async fn refund_bill(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// URI of the order (for a preview).
        #[oai(validator(max_length = 2048))]
        order: Query<Option<String>>,
        /// The refund request whose bill to show.
        #[oai(validator(max_length = 64))]
        refund_request: Query<Option<String>>,
        /// Share refunded through the payment provider.
        #[oai(validator(max_length = 8))]
        refund_percentage: Query<Option<String>>,
        /// Share used to change the order (where offered).
        #[oai(validator(max_length = 8))]
        change_order_percentage: Query<Option<String>>,
        /// Share returned as a voucher.
        #[oai(validator(max_length = 8))]
        voucher_percentage: Query<Option<String>>,
        /// Share donated.
        #[oai(validator(max_length = 8))]
        donation_percentage: Query<Option<String>>,
    ) -> Result<RefundBillResponse, Problems<RefundReadProblems>> {
        let db = &state.db;
        let (order, request) = match (refund_request.0, order.0) {
            (Some(uid), _) => {
                let (request, order) = access::visible_request(db, &uid, &caller).await?;
                (order, Some(request))
            }
            (None, Some(uri)) => (access::order_at(db, &state.hal, &uri, &caller).await?, None),
            (None, None) => {
                return Err(ApiError::new(
                    &kinds::MALFORMED_REQUEST,
                    "Give `order` (with shares) or `refund_request`.",
                )
                .with_errors(vec![FieldError::new("order", "required without refund_request")])
                .into());
            }
        };
        let sale = refunds::load_sale(db, &order).await?;
        let split = match &request {
            Some(request) => refunds::split_of(request)?,
            None => {
                let shares = input::shares_of(
                    &refund_percentage.0,
                    &change_order_percentage.0,
                    &voucher_percentage.0,
                    &donation_percentage.0,
                );
                refunds::Split::new(shares, sale.merchant.offers_change_order)?
            }
        };
        let eligibility = sale.eligibility(&order, request.as_ref())?;
        let bill = refunds::bill(eligibility.refundable, &split);
        let self_link = state.hal.self_link(req);
        let repr = view::bill_repr(&state.hal, &order, &sale.lines, bill, &eligibility, self_link);
        Ok(RefundBillResponse::Ok(HalJson(repr)))
    }

    /// List an order's refunds
    #[oai(path = "/refunds", method = "get", operation_id = "list_refunds")]
    async fn refunds(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// URI of the order.
        #[oai(validator(max_length = 2048))]
        order: Query<String>,
    ) -> Result<RefundListResponse, Problems<RefundReadProblems>> {
        let db = &state.db;
        let order = access::order_at(db, &state.hal, &order.0, &caller).await?;
        let made = refunds::load_refunds(db, refunds::refunds_of(db, order.id).await?).await?;
        let collection = view::refund_collection(&state.hal, &order, &made, state.hal.self_link(req));
        Ok(RefundListResponse::Ok(HalJson(collection)))
    }

    /// Read a refund
    #[oai(path = "/refunds/:uid", method = "get", operation_id = "get_refund")]
    async fn refund(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The refund's uid.
        uid: Path<String>,
    ) -> Result<RefundResponse, Problems<RefundReadProblems>> {
        let db = &state.db;
        let (made, order) = access::visible_refund(db, &uid.0, &caller).await?;
        let loaded = refunds::load_refunds(db, vec![made]).await?;
        let details = loaded
            .first()
            .ok_or_else(|| ApiError::internal("refund not loaded"))?;
        let repr = view::refund_repr(&state.hal, &order, details, state.hal.self_link(req));
        Ok(RefundResponse::Ok(HalJson(repr)))
    }

    /// Withdraw a product (merchant)
    ///
    /// The product can no longer be bought, and every paid order holding it gets a refund
    /// request with source `event_refund` (a full refund by default); each holder may then
    /// choose refund, voucher or donation. Accepts `Idempotency-Key`.
    #[oai(
        path = "/products/:uid/withdrawal",
        method = "post",
        operation_id = "withdraw_product"
    )]
    async fn withdraw(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The product's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<WithdrawalInput>,
    ) -> Result<WithdrawalResponse, Problems<WithdrawalProblems>> {
        let reason = body.0.reason()?;
        let product = catalogue::find(&state.db, &uid.0)
            .await?
            .filter(|p| p.merchant_id == merchant.0.id)
            .ok_or_else(|| ApiError::not_found("No product of yours has this uid."))?;
        let opened = refunds::withdraw_product(&state.db, &product, &reason).await?;
        let repr = view::withdrawal_repr(&state.hal, &product.uid, opened, state.hal.self_link(req));
        Ok(WithdrawalResponse::Ok(HalJson(repr)))
    }
}
