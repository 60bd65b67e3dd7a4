//! The HAL representations of refund requests, refund bills, refunds and withdrawals,
//! built from data the domain already loaded.

use entity::{order, order_line, refund_request};
use poem::Request;
use poem_openapi::{ApiResponse, Object};

use super::eligibility_view::RefundEligibilityRepr;
use crate::{
    api::types::{MoneyRepr, Timestamp},
    domain::{
        money::Money,
        refunds::{self, Eligibility, OrderRequests, RefundBill, RefundDetails, RequestDetails},
        status::RefundRequestStatus,
    },
    http::forms::Templates,
    http::hal::{Curie, Hal, HalJson, Link, Paging},
};

#[derive(Debug, Clone, Object)]
pub struct RefundBillSelf {
    #[oai(rename = "self")]
    pub self_link: Link,
}

/// The refund bill embedded in a refund request.
#[derive(Debug, Clone, Object)]
pub struct EmbeddedRefundBill {
    #[oai(rename = "_links")]
    pub links: RefundBillSelf,
    pub refund_amount: MoneyRepr,
    pub voucher_amount: MoneyRepr,
}

#[derive(Debug, Clone, Object)]
pub struct RefundRequestEmbedded {
    #[oai(rename = "shop:refund_bill")]
    pub refund_bill: EmbeddedRefundBill,
}

/// One product's part of a refund.
#[derive(Debug, Clone, Object)]
pub struct TicketAmount {
    pub product_name: String,
    pub amount: MoneyRepr,
}

/// How an amount splits over the order's products.
#[derive(Debug, Clone, Object)]
pub struct AmountBreakdown {
    pub total: MoneyRepr,
    /// Amounts not tied to a product (fees).
    pub other: MoneyRepr,
    pub by_tickets: Vec<TicketAmount>,
}

#[derive(Debug, Clone, Object)]
pub struct RefundRequestLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    #[oai(rename = "shop:order")]
    pub order: Link,
    pub curies: Vec<Curie>,
    /// The refunds made, once processed.
    #[oai(rename = "shop:refunds", skip_serializing_if_is_none)]
    pub refunds: Option<Link>,
}

/// A refund request (field names as in the reference shopping API).
#[derive(Debug, Clone, Object)]
pub struct RefundRequestRepr {
    #[oai(rename = "_links")]
    pub links: RefundRequestLinks,
    /// Unique identifier (32 hex characters).
    #[oai(read_only)]
    pub uid: String,
    /// `new`, `approved`, `processed`, `rejected` or `cancelled`.
    pub status: String,
    /// When the request was opened.
    #[oai(read_only)]
    pub created_at: Timestamp,
    /// Share refunded through the payment provider.
    #[oai(nullable)]
    pub refund_percentage: Option<String>,
    /// Share used to change the order; `null` where the shop does not offer it.
    #[oai(nullable)]
    pub change_order_percentage: Option<String>,
    /// Share returned as a voucher.
    #[oai(nullable)]
    pub voucher_percentage: Option<String>,
    /// Share donated.
    #[oai(nullable)]
    pub donation_percentage: Option<String>,
    /// What goes back through the payment provider; `null` when nothing does.
    #[oai(read_only, nullable)]
    pub direct_refundable_amount_breakdown: Option<AmountBreakdown>,
    /// Whether the holder gave bank details for a refund by transfer.
    #[oai(read_only)]
    pub submitted_bank_details: bool,
    /// Whether the deliveries stay valid once the request is processed.
    pub keep_tickets: bool,
    /// `customer_request` or `event_refund`.
    #[oai(read_only)]
    pub source: String,
    /// Why the holder asked, as given when the request was opened.
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
    /// The merchant's reason for approving or rejecting.
    #[oai(skip_serializing_if_is_none)]
    pub decision_reason: Option<String>,
    /// When the merchant approved or rejected it, or the holder cancelled it.
    #[oai(read_only, skip_serializing_if_is_none)]
    pub decided_at: Option<Timestamp>,
    /// When the money was returned.
    #[oai(read_only, skip_serializing_if_is_none)]
    pub processed_at: Option<Timestamp>,
    /// Receipt token of the processing (also on each refund).
    #[oai(read_only, skip_serializing_if_is_none)]
    pub receipt: Option<String>,
    #[oai(rename = "_embedded")]
    pub embedded: RefundRequestEmbedded,
    /// HAL-FORMS: `update`, `cancel` (holder); `approve`, `reject`, `process` (merchant) —
    /// each present only while the caller may take it.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

#[derive(Debug, Clone, Object)]
pub struct RefundRequestsLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The pages of a merchant's list; absent on one order's list.
    #[oai(skip_serializing_if_is_none)]
    pub first: Option<Link>,
    #[oai(skip_serializing_if_is_none)]
    pub prev: Option<Link>,
    #[oai(skip_serializing_if_is_none)]
    pub next: Option<Link>,
    #[oai(skip_serializing_if_is_none)]
    pub last: Option<Link>,
}

impl RefundRequestsLinks {
    /// The links of a list that fits on one page (one order's requests or refunds).
    fn unpaged(hal: &Hal, self_link: Link) -> Self {
        RefundRequestsLinks {
            self_link,
            curies: hal.curies(),
            first: None,
            prev: None,
            next: None,
            last: None,
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct RefundRequestsEmbedded {
    #[oai(rename = "shop:refund_requests")]
    pub refund_requests: Vec<RefundRequestRepr>,
}

/// The refund requests of an order.
#[derive(Debug, Clone, Object)]
pub struct RefundRequestCollection {
    #[oai(rename = "_links")]
    pub links: RefundRequestsLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: RefundRequestsEmbedded,
}

#[derive(Debug, Clone, Object)]
pub struct RefundBillLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:order")]
    pub order: Link,
}

/// A refund bill: what a split of the refundable amount comes to.
#[derive(Debug, Clone, Object)]
pub struct RefundBillRepr {
    #[oai(rename = "_links")]
    pub links: RefundBillLinks,
    /// What can be refunded now: paid minus already refunded while every rule of the sale
    /// cancellation holds (`refund_eligibility`), zero otherwise.
    pub refundable_amount: MoneyRepr,
    pub refund_amount: MoneyRepr,
    pub voucher_amount: MoneyRepr,
    pub donation_amount: MoneyRepr,
    #[oai(skip_serializing_if_is_none)]
    pub change_order_amount: Option<MoneyRepr>,
    pub direct_refundable_amount_breakdown: Option<AmountBreakdown>,
    /// Whether the order can be refunded now, and why: the amounts are zero when not.
    pub refund_eligibility: RefundEligibilityRepr,
}

#[derive(Debug, Clone, Object)]
pub struct RefundLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:order")]
    pub order: Link,
    #[oai(rename = "shop:refund_request")]
    pub refund_request: Link,
}

/// Money returned.
#[derive(Debug, Clone, Object)]
pub struct RefundRepr {
    #[oai(rename = "_links")]
    pub links: RefundLinks,
    pub uid: String,
    pub status: String,
    /// `psp` (through the payment provider) or `voucher`.
    #[oai(rename = "type")]
    pub kind: String,
    pub amount_breakdown: AmountBreakdown,
    /// The voucher code, for a voucher refund.
    #[oai(skip_serializing_if_is_none)]
    pub voucher_code: Option<String>,
    /// Receipt token of the processing.
    pub receipt: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Object)]
pub struct RefundsEmbedded {
    #[oai(rename = "shop:refunds")]
    pub refunds: Vec<RefundRepr>,
}

/// The refunds of an order.
#[derive(Debug, Clone, Object)]
pub struct RefundCollection {
    #[oai(rename = "_links")]
    pub links: RefundRequestsLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: RefundsEmbedded,
}

#[derive(Debug, Clone, Object)]
pub struct WithdrawalLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:product")]
    pub product: Link,
}

/// The result of a withdrawal.
#[derive(Debug, Clone, Object)]
pub struct WithdrawalRepr {
    #[oai(rename = "_links")]
    pub links: WithdrawalLinks,
    /// Refund requests opened (source `event_refund`), one per paid order holding it.
    pub refund_requests_opened: u64,
}

fn breakdown(lines: &[entity::order_line::Model], amount: Money) -> AmountBreakdown {
    AmountBreakdown {
        total: amount.into(),
        other: Money::zero(amount.currency()).into(),
        by_tickets: refunds::by_lines(lines, amount)
            .into_iter()
            .map(|(product_name, amount)| TicketAmount {
                product_name,
                amount: amount.into(),
            })
            .collect(),
    }
}

/// The ETag of a refund request's current version.
pub fn request_etag(request: &refund_request::Model) -> String {
    format!(
        "\"rr-{}-v{}\"",
        request.uid.get(..12).unwrap_or(&request.uid),
        request.version
    )
}

#[derive(ApiResponse)]
pub enum RefundRequestCreated {
    /// The refund request was opened.
    #[oai(status = 201)]
    Created(
        HalJson<RefundRequestRepr>,
        #[oai(header = "Location")] String,
        /// Version of the request; send it as `If-Match` to change it.
        #[oai(header = "ETag")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum RefundRequestResponse {
    /// The refund request.
    #[oai(status = 200)]
    Ok(
        HalJson<RefundRequestRepr>,
        /// Version of the request; send it as `If-Match` to change it.
        #[oai(header = "ETag")]
        String,
    ),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum RefundRequestListResponse {
    /// The refund requests of the order.
    #[oai(status = 200)]
    Ok(HalJson<RefundRequestCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum RefundBillResponse {
    /// The refund bill.
    #[oai(status = 200)]
    Ok(HalJson<RefundBillRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum RefundListResponse {
    /// The refunds of the order.
    #[oai(status = 200)]
    Ok(HalJson<RefundCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum RefundResponse {
    /// The refund.
    #[oai(status = 200)]
    Ok(HalJson<RefundRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum WithdrawalResponse {
    /// The product is withdrawn; event refunds were opened.
    #[oai(status = 200)]
    Ok(HalJson<WithdrawalRepr>),
}

/// A refund request's representation; `self_link` is how the caller reached it.
pub fn request_repr(
    hal: &Hal,
    loaded: &OrderRequests,
    details: &RequestDetails,
    self_link: Link,
) -> RefundRequestRepr {
    let request = &details.request;
    let order_uri = hal.url(&format!("/orders/{}", loaded.order.uid));
    let processed = details.status == RefundRequestStatus::Processed;
    RefundRequestRepr {
        links: RefundRequestLinks {
            self_link,
            order: Hal::link_to(order_uri.clone()),
            curies: hal.curies(),
            refunds: processed.then(|| {
                Hal::link_to(hal.url_with_query("/refunds", [("order", Some(order_uri.to_string()))]))
            }),
        },
        uid: request.uid.clone(),
        status: details.status.as_str().to_owned(),
        created_at: request.created_at.into(),
        refund_percentage: request.refund_percentage.clone(),
        change_order_percentage: request.change_order_percentage.clone(),
        voucher_percentage: request.voucher_percentage.clone(),
        donation_percentage: request.donation_percentage.clone(),
        direct_refundable_amount_breakdown: (details.refund_amount.minor() > 0)
            .then(|| breakdown(&loaded.lines, details.refund_amount)),
        submitted_bank_details: request.bank_details.is_some(),
        keep_tickets: request.keep_tickets,
        source: request.source.clone(),
        reason: request.reason.clone(),
        decision_reason: request.decision_reason.clone(),
        decided_at: request.decided_at.map(Timestamp::from),
        processed_at: request.processed_at.map(Timestamp::from),
        receipt: details.receipt.clone(),
        embedded: RefundRequestEmbedded {
            refund_bill: EmbeddedRefundBill {
                links: RefundBillSelf {
                    self_link: Hal::link_to(
                        hal.url_with_query("/refund-bill", [("refund_request", Some(request.uid.clone()))]),
                    ),
                },
                refund_amount: details.refund_amount.into(),
                voucher_amount: details.voucher_amount.into(),
            },
        },
        templates: None,
    }
}

/// The one request `loaded` holds (after a read or a change), linked by its own URL.
pub fn single_request(
    hal: &Hal,
    loaded: &OrderRequests,
    self_link: Option<Link>,
) -> Option<(RefundRequestRepr, String)> {
    let details = loaded.requests.first()?;
    let self_link = self_link.unwrap_or_else(|| request_link(hal, &details.request));
    Some((
        request_repr(hal, loaded, details, self_link),
        request_etag(&details.request),
    ))
}

fn request_link(hal: &Hal, request: &refund_request::Model) -> Link {
    hal.link(&format!("/refund_requests/{}", request.uid))
}

pub fn request_collection(hal: &Hal, loaded: &OrderRequests, self_link: Link) -> RefundRequestCollection {
    let items: Vec<RefundRequestRepr> = loaded
        .requests
        .iter()
        .map(|details| request_repr(hal, loaded, details, request_link(hal, &details.request)))
        .collect();
    RefundRequestCollection {
        links: RefundRequestsLinks::unpaged(hal, self_link),
        item_count: items.len() as u64,
        embedded: RefundRequestsEmbedded {
            refund_requests: items,
        },
    }
}

/// A page of a merchant's refund requests, newest first; `item_count` counts them all.
pub fn merchant_collection(
    hal: &Hal,
    req: &Request,
    paging: Paging,
    page: &[OrderRequests],
    total: u64,
) -> RefundRequestCollection {
    let items: Vec<RefundRequestRepr> = page
        .iter()
        .flat_map(|loaded| {
            loaded
                .requests
                .iter()
                .map(|details| request_repr(hal, loaded, details, request_link(hal, &details.request)))
        })
        .collect();
    let pages = hal.page_links(req, paging, total);
    RefundRequestCollection {
        links: RefundRequestsLinks {
            self_link: hal.self_link(req),
            curies: hal.curies(),
            first: Some(pages.first),
            prev: pages.prev,
            next: pages.next,
            last: Some(pages.last),
        },
        item_count: total,
        embedded: RefundRequestsEmbedded {
            refund_requests: items,
        },
    }
}

pub fn bill_repr(
    hal: &Hal,
    order: &order::Model,
    lines: &[order_line::Model],
    bill: RefundBill,
    eligibility: &Eligibility,
    self_link: Link,
) -> RefundBillRepr {
    RefundBillRepr {
        links: RefundBillLinks {
            self_link,
            curies: hal.curies(),
            order: hal.link(&format!("/orders/{}", order.uid)),
        },
        refundable_amount: bill.refundable.into(),
        refund_amount: bill.refund.into(),
        voucher_amount: bill.voucher.into(),
        donation_amount: bill.donation.into(),
        change_order_amount: bill.change_order.map(Into::into),
        direct_refundable_amount_breakdown: (bill.refund.minor() > 0).then(|| breakdown(lines, bill.refund)),
        refund_eligibility: eligibility.into(),
    }
}

pub fn refund_repr(hal: &Hal, order: &order::Model, details: &RefundDetails, self_link: Link) -> RefundRepr {
    let made = &details.refund;
    let currency = details.currency;
    let by_tickets: Vec<serde_json::Value> = serde_json::from_str(&made.by_tickets).unwrap_or_default();
    RefundRepr {
        links: RefundLinks {
            self_link,
            curies: hal.curies(),
            order: hal.link(&format!("/orders/{}", order.uid)),
            refund_request: hal.link(&format!("/refund_requests/{}", details.request_uid)),
        },
        uid: made.uid.clone(),
        status: made.status.clone(),
        kind: details.kind.as_str().to_owned(),
        amount_breakdown: AmountBreakdown {
            total: Money::from_minor(made.amount_minor, currency).into(),
            other: Money::zero(currency).into(),
            by_tickets: by_tickets
                .iter()
                .map(|t| TicketAmount {
                    product_name: t["product_name"].as_str().unwrap_or_default().to_owned(),
                    amount: Money::from_minor(t["amount_minor"].as_i64().unwrap_or_default(), currency)
                        .into(),
                })
                .collect(),
        },
        voucher_code: details.voucher_code.clone(),
        receipt: made.receipt.clone(),
        created_at: made.created_at.into(),
    }
}

pub fn refund_collection(
    hal: &Hal,
    order: &order::Model,
    refunds: &[RefundDetails],
    self_link: Link,
) -> RefundCollection {
    let items: Vec<RefundRepr> = refunds
        .iter()
        .map(|details| {
            let link = hal.link(&format!("/refunds/{}", details.refund.uid));
            refund_repr(hal, order, details, link)
        })
        .collect();
    RefundCollection {
        links: RefundRequestsLinks::unpaged(hal, self_link),
        item_count: items.len() as u64,
        embedded: RefundsEmbedded { refunds: items },
    }
}

pub fn withdrawal_repr(hal: &Hal, product_uid: &str, opened: usize, self_link: Link) -> WithdrawalRepr {
    WithdrawalRepr {
        links: WithdrawalLinks {
            self_link,
            curies: hal.curies(),
            product: hal.link(&format!("/products/{product_uid}")),
        },
        refund_requests_opened: opened as u64,
    }
}
