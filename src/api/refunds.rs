//! Refund requests, refund bills and refunds, in the shape of the reference shopping API
//! (`shop:refund_requests`, embedded `shop:refund_bill`), and event refunds.

use entity::{merchant, order, refund, refund_request};
use poem::Request;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path, Query},
};
use sea_orm::EntityTrait;
use serde::Deserialize;

use super::{
    ApiTags,
    types::{MoneyRepr, Timestamp},
};
use crate::http::json::JsonBody;
use crate::{
    auth::{MerchantAuth, OrderCaller},
    domain::{
        catalogue,
        money::{Currency, Money},
        orders,
        refunds::{
            self, BankDetails, Decision, HolderChange, Ineligible, NewRequest, Percentage, RefundError,
            Source, Split,
        },
    },
    http::error::{ApiError, FieldError, Problems, problems},
    http::hal::{Curie, Hal, HalJson, Link},
    http::middleware::etag_matches,
    problem_set,
    state::SharedState,
};

/// Bank account for a refund by transfer.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct BankDetailsInput {
    #[oai(validator(min_length = 1, max_length = 100))]
    pub account_holder: String,
    /// IBAN, spaces allowed.
    #[oai(validator(min_length = 15, max_length = 42))]
    pub iban: String,
}

/// Open a refund request for an order.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestInput {
    /// URI of the order.
    #[oai(validator(max_length = 2048))]
    pub order: String,
    /// Share refunded through the payment provider ("0.00"–"1.00"). Default "1.00" when no
    /// share is given.
    pub refund_percentage: Option<String>,
    /// Share used to change the order; only where the shop offers it.
    pub change_order_percentage: Option<String>,
    /// Share returned as a voucher.
    pub voucher_percentage: Option<String>,
    /// Share donated to the organiser.
    pub donation_percentage: Option<String>,
    /// Keep the tickets (deliveries stay valid) — for a donation, say.
    pub keep_tickets: Option<bool>,
    /// Why (up to 500 characters); shown to the merchant.
    #[oai(validator(max_length = 500))]
    pub reason: Option<String>,
    /// If given, must equal what is still refundable (`cost_mismatch` otherwise).
    pub amount: Option<MoneyRepr>,
    pub bank_details: Option<BankDetailsInput>,
}

impl poem_openapi::types::Example for RefundRequestInput {
    fn example() -> Self {
        RefundRequestInput {
            order: "https://shop.example.com/orders/f6284ab0fd3147e5b6ea40cc0ba1b69a".into(),
            refund_percentage: Some("0.50".into()),
            change_order_percentage: None,
            voucher_percentage: Some("0.50".into()),
            donation_percentage: Some("0.00".into()),
            keep_tickets: Some(false),
            reason: Some("Cannot attend anymore".into()),
            amount: None,
            bank_details: None,
        }
    }
}

/// What a request can be moved to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RequestedStatus {
    /// By the holder, while new.
    Cancelled,
    /// By the merchant, while new (eligibility is checked again).
    Approved,
    /// By the merchant, while new.
    Rejected,
    /// By the merchant, once approved: the money is returned.
    Processed,
}

/// Change a refund request: the holder changes the split, bank details or `keep_tickets`,
/// or cancels, while it is new; the merchant approves, rejects or processes it.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestUpdate {
    pub refund_percentage: Option<String>,
    pub change_order_percentage: Option<String>,
    pub voucher_percentage: Option<String>,
    pub donation_percentage: Option<String>,
    pub keep_tickets: Option<bool>,
    pub bank_details: Option<BankDetailsInput>,
    pub status: Option<RequestedStatus>,
    /// The merchant's reason for a decision (up to 500 characters).
    #[oai(validator(max_length = 500))]
    pub reason: Option<String>,
}

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
    pub uid: String,
    /// `new`, `approved`, `processed`, `rejected` or `cancelled`.
    pub status: String,
    pub created_at: Timestamp,
    /// Share refunded through the payment provider.
    pub refund_percentage: Option<String>,
    /// Share used to change the order; `null` where the shop does not offer it.
    pub change_order_percentage: Option<String>,
    pub voucher_percentage: Option<String>,
    pub donation_percentage: Option<String>,
    /// What goes back through the payment provider; `null` when nothing does.
    pub direct_refundable_amount_breakdown: Option<AmountBreakdown>,
    pub submitted_bank_details: bool,
    pub keep_tickets: bool,
    /// `customer_request` or `event_refund`.
    pub source: String,
    #[oai(skip_serializing_if_is_none)]
    pub reason: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub decision_reason: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub decided_at: Option<Timestamp>,
    #[oai(skip_serializing_if_is_none)]
    pub processed_at: Option<Timestamp>,
    /// Receipt token of the processing (also on each refund).
    #[oai(skip_serializing_if_is_none)]
    pub receipt: Option<String>,
    #[oai(rename = "_embedded")]
    pub embedded: RefundRequestEmbedded,
}

#[derive(Debug, Clone, Object)]
pub struct RefundRequestsLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
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
    /// What is still refundable: paid minus already refunded.
    pub refundable_amount: MoneyRepr,
    pub refund_amount: MoneyRepr,
    pub voucher_amount: MoneyRepr,
    pub donation_amount: MoneyRepr,
    #[oai(skip_serializing_if_is_none)]
    pub change_order_amount: Option<MoneyRepr>,
    pub direct_refundable_amount_breakdown: Option<AmountBreakdown>,
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

/// Withdraw a product (an event is cancelled).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalInput {
    /// Why, shown to the buyers (1 to 500 characters).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
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

impl From<RefundError> for ApiError {
    fn from(err: RefundError) -> Self {
        match err {
            RefundError::Ineligible(why) => ineligible(why),
            RefundError::OpenExists => ApiError::new(
                &problems::REFUND_REQUEST_OPEN,
                "This order already has an open refund request; change or cancel it instead.",
            ),
            RefundError::WrongState(why) => ApiError::new(
                &problems::REFUND_REQUEST_STATE,
                format!("Not possible now: {why}."),
            ),
            RefundError::VersionMismatch => ApiError::new(
                &problems::PRECONDITION_FAILED,
                "The refund request changed since you read it; read it again and retry.",
            ),
            RefundError::Db(err) => ApiError::from(err),
        }
    }
}

fn ineligible(why: Ineligible) -> ApiError {
    match why {
        Ineligible::NotAllowed => ApiError::new(
            &problems::REFUND_UNAUTHORIZED,
            "This shop does not have the right to refund sales.",
        ),
        Ineligible::NoSale => {
            ApiError::not_found("The referred sale was not found: the order was never paid.")
        }
        Ineligible::AlreadyRefunded => {
            ApiError::new(&problems::ALREADY_REFUNDED, "The order was already refunded.")
        }
        Ineligible::Fulfilled => ApiError::new(
            &problems::REFUND_UNAUTHORIZED,
            "The refund is unauthorized because it has already been fulfilled by the end user (a file was downloaded or a code redeemed).",
        ),
        Ineligible::TimeLimit { days } => ApiError::new(
            &problems::REFUND_TIME_LIMIT,
            format!("The order is over the time limit allowed for refunds ({days} days)."),
        ),
        Ineligible::UsageLimit { percent } => ApiError::new(
            &problems::REFUND_USAGE_LIMIT,
            format!("The order is over the usage limit allowed for refunds ({percent}% viewed)."),
        ),
        Ineligible::CostMismatch { refundable } => ApiError::new(
            &problems::COST_MISMATCH,
            format!("The amount does not match what is refundable: {refundable}."),
        )
        .with_errors(vec![FieldError::new("/amount", format!("must be {refundable}"))]),
    }
}

/// Parses the shares of a request: each "0.00"–"1.00" with two decimals, summing to exactly
/// 1.00 over the options offered. With no share at all, everything is refunded.
fn parse_split(
    refund: Option<&str>,
    change_order: Option<&str>,
    voucher: Option<&str>,
    donation: Option<&str>,
    offers_change_order: bool,
) -> Result<Split, ApiError> {
    let mut errors = Vec::new();
    let mut read = |field: &str, text: Option<&str>| -> Option<Percentage> {
        let text = text?;
        match Percentage::parse(text) {
            Ok(p) => Some(p),
            Err(why) => {
                errors.push(FieldError::new(format!("/{field}"), why));
                None
            }
        }
    };
    let given_any = [refund, change_order, voucher, donation]
        .iter()
        .any(Option::is_some);
    let refund_p = read("refund_percentage", refund);
    let change_p = read("change_order_percentage", change_order);
    let voucher_p = read("voucher_percentage", voucher);
    let donation_p = read("donation_percentage", donation);
    if change_order.is_some() && !offers_change_order {
        errors.push(FieldError::new(
            "/change_order_percentage",
            "this shop does not offer a change of order",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if !given_any {
        return Ok(Split::full_refund(offers_change_order));
    }
    let split = Split {
        refund: refund_p.unwrap_or(Percentage::ZERO),
        change_order: offers_change_order.then(|| change_p.unwrap_or(Percentage::ZERO)),
        voucher: voucher_p.unwrap_or(Percentage::ZERO),
        donation: donation_p.unwrap_or(Percentage::ZERO),
    };
    if split.total() != rust_decimal::Decimal::ONE {
        let mut total = split.total();
        total.rescale(2);
        return Err(ApiError::validation(vec![FieldError::new(
            "/refund_percentage",
            format!("the shares add up to {total}; they must add up to exactly 1.00"),
        )]));
    }
    Ok(split)
}

fn bank_details(input: &Option<BankDetailsInput>) -> Result<Option<BankDetails>, ApiError> {
    let Some(input) = input else { return Ok(None) };
    let iban: String = input
        .iban
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    let mut errors = Vec::new();
    if input.account_holder.trim().is_empty() {
        errors.push(FieldError::new(
            "/bank_details/account_holder",
            "1 to 100 characters",
        ));
    }
    if !iban_is_valid(&iban) {
        errors.push(FieldError::new(
            "/bank_details/iban",
            "not a valid IBAN (check digits)",
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Some(BankDetails {
        account_holder: input.account_holder.trim().to_owned(),
        iban,
    }))
}

/// ISO 13616 check: moved to the end, letters as numbers, mod 97 = 1.
fn iban_is_valid(iban: &str) -> bool {
    if !(15..=34).contains(&iban.len()) || !iban.chars().all(|c| c.is_ascii_alphanumeric()) {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut remainder: u32 = 0;
    for c in tail.chars().chain(head.chars()) {
        let value = match c.to_digit(36) {
            Some(v) => v,
            None => return false,
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
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

problem_set!(
    /// Errors of reading refund requests, bills and refunds.
    RefundReadProblems, customer:
    400 => "`malformed_request`: a query parameter is missing or has the wrong form.",
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: nothing with this URI or uid is visible with these credentials.",
    405 => "`method_not_allowed`.",
    422 => "`validation_failed`: the shares are invalid."
);

problem_set!(
    /// Errors of opening a refund request.
    RefundCreateProblems, customer:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "No credentials, or refused ones.",
    403 => "`refund_unauthorized` (the shop may not refund, or a file was downloaded / a code redeemed), `refund_time_limit`, `refund_usage_limit`, or `forbidden` (merchants decide, they do not request).",
    404 => "`not_found`: no order at this URI visible with these credentials, or no sale (never paid).",
    409 => "`already_refunded`, `refund_request_open` or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` (shares, bank details), `cost_mismatch` or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of changing a refund request.
    RefundUpdateProblems, customer:
    400 => "`malformed_request`: the body is not JSON, or `If-Match` is not a list of ETags.",
    401 => "No credentials, or refused ones.",
    403 => "`forbidden` (the holder cannot decide, the merchant cannot change the split), `refund_unauthorized`, `refund_time_limit` or `refund_usage_limit`.",
    404 => "`not_found`: no refund request with this uid visible with these credentials.",
    409 => "`refund_request_state` (not possible in its status) or `already_refunded`.",
    412 => "`precondition_failed`: the request changed since the ETag in `If-Match`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: shares, bank details or reason.",
    428 => "`precondition_required`: send `If-Match` with the request's ETag."
);

problem_set!(
    /// Errors of withdrawing a product.
    WithdrawalProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no product of yours has this uid.",
    409 => "`idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `idempotency_key_reused`."
);

pub struct RefundsApi {
    pub state: SharedState,
}

impl RefundsApi {
    fn hal(&self) -> &Hal {
        &self.state.hal
    }

    async fn order_at(&self, uri: &str, caller: &OrderCaller) -> Result<order::Model, ApiError> {
        let not_found = || ApiError::not_found("No order is visible at this URI with these credentials.");
        let uid = self
            .hal()
            .uid_from_uri(uri.trim(), "/orders")
            .ok_or_else(not_found)?;
        orders::find(&self.state.db, &uid)
            .await?
            .filter(|order| caller.may_see(order))
            .ok_or_else(not_found)
    }

    async fn merchant_of(&self, order: &order::Model) -> Result<merchant::Model, ApiError> {
        merchant::Entity::find_by_id(order.merchant_id)
            .one(&self.state.db)
            .await?
            .ok_or_else(|| ApiError::internal("merchant of an order missing"))
    }

    async fn visible_request(
        &self,
        uid: &str,
        caller: &OrderCaller,
    ) -> Result<(refund_request::Model, order::Model), ApiError> {
        let not_found =
            || ApiError::not_found("No refund request with this uid is visible with these credentials.");
        let request = refunds::find(&self.state.db, uid).await?.ok_or_else(not_found)?;
        let order = order::Entity::find_by_id(request.order_id)
            .one(&self.state.db)
            .await?
            .filter(|order| caller.may_see(order))
            .ok_or_else(not_found)?;
        Ok((request, order))
    }

    /// The amounts of a request: live for an open one, as made for a processed one,
    /// nothing for a closed one.
    async fn request_amounts(
        &self,
        request: &refund_request::Model,
        order: &order::Model,
    ) -> Result<(Money, Money), ApiError> {
        let currency: Currency = order
            .currency
            .parse()
            .map_err(|_| ApiError::internal("order currency"))?;
        match request.status.as_str() {
            "new" | "approved" => {
                let bill = refunds::bill(order, &refunds::split_of(request)?)?;
                Ok((bill.refund, bill.voucher))
            }
            "processed" => {
                let made = refunds::refunds_of(&self.state.db, order.id).await?;
                let sum = |kind: &str| {
                    Money::from_minor(
                        made.iter()
                            .filter(|r| r.refund_request_id == request.id && r.kind == kind)
                            .map(|r| r.amount_minor)
                            .sum(),
                        currency,
                    )
                };
                Ok((sum("psp"), sum("voucher")))
            }
            _ => Ok((Money::zero(currency), Money::zero(currency))),
        }
    }

    async fn request_repr(
        &self,
        request: &refund_request::Model,
        order: &order::Model,
        self_link: Link,
    ) -> Result<RefundRequestRepr, ApiError> {
        let hal = self.hal();
        let (refund_amount, voucher_amount) = self.request_amounts(request, order).await?;
        let lines = orders::lines_of(&self.state.db, order.id).await?;
        let order_uri = hal.url(&format!("/orders/{}", order.uid));
        let receipt = match request.status.as_str() {
            "processed" => refunds::refunds_of(&self.state.db, order.id)
                .await?
                .into_iter()
                .find(|made| made.refund_request_id == request.id)
                .map(|made| made.receipt),
            _ => None,
        };
        Ok(RefundRequestRepr {
            links: RefundRequestLinks {
                self_link,
                order: Hal::link_to(order_uri.clone()),
                curies: hal.curies(),
                refunds: (request.status == "processed").then(|| {
                    Hal::link_to(hal.url_with_query("/refunds", [("order", Some(order_uri.to_string()))]))
                }),
            },
            uid: request.uid.clone(),
            status: request.status.clone(),
            created_at: request.created_at.into(),
            refund_percentage: request.refund_percentage.clone(),
            change_order_percentage: request.change_order_percentage.clone(),
            voucher_percentage: request.voucher_percentage.clone(),
            donation_percentage: request.donation_percentage.clone(),
            direct_refundable_amount_breakdown: (refund_amount.minor() > 0)
                .then(|| breakdown(&lines, refund_amount)),
            submitted_bank_details: request.bank_details.is_some(),
            keep_tickets: request.keep_tickets,
            source: request.source.clone(),
            reason: request.reason.clone(),
            decision_reason: request.decision_reason.clone(),
            decided_at: request.decided_at.map(Timestamp::from),
            processed_at: request.processed_at.map(Timestamp::from),
            receipt,
            embedded: RefundRequestEmbedded {
                refund_bill: EmbeddedRefundBill {
                    links: RefundBillSelf {
                        self_link: Hal::link_to(
                            hal.url_with_query(
                                "/refund-bill",
                                [("refund_request", Some(request.uid.clone()))],
                            ),
                        ),
                    },
                    refund_amount: refund_amount.into(),
                    voucher_amount: voucher_amount.into(),
                },
            },
        })
    }
}

#[OpenApi(tag = "ApiTags::Refunds")]
impl RefundsApi {
    /// List an order's refund requests
    #[oai(
        path = "/refund_requests",
        method = "get",
        operation_id = "list_refund_requests"
    )]
    async fn list(
        &self,
        req: &Request,
        caller: OrderCaller,
        /// URI of the order.
        #[oai(validator(max_length = 2048))]
        order: Query<String>,
    ) -> Result<RefundRequestListResponse, Problems<RefundReadProblems>> {
        let order = self.order_at(&order.0, &caller).await?;
        let mut items = Vec::new();
        for request in refunds::of_order(&self.state.db, order.id).await? {
            let link = self.hal().link(&format!("/refund_requests/{}", request.uid));
            items.push(self.request_repr(&request, &order, link).await?);
        }
        Ok(RefundRequestListResponse::Ok(HalJson(RefundRequestCollection {
            links: RefundRequestsLinks {
                self_link: self.hal().self_link(req),
                curies: self.hal().curies(),
            },
            item_count: items.len() as u64,
            embedded: RefundRequestsEmbedded {
                refund_requests: items,
            },
        })))
    }

    /// Read a refund request
    #[oai(
        path = "/refund_requests/:uid",
        method = "get",
        operation_id = "get_refund_request"
    )]
    async fn get(
        &self,
        req: &Request,
        caller: OrderCaller,
        /// The refund request's uid.
        uid: Path<String>,
    ) -> Result<RefundRequestResponse, Problems<RefundReadProblems>> {
        let (request, order) = self.visible_request(&uid.0, &caller).await?;
        let repr = self
            .request_repr(&request, &order, self.hal().self_link(req))
            .await?;
        Ok(RefundRequestResponse::Ok(HalJson(repr), request_etag(&request)))
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
        caller: OrderCaller,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = r"^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<RefundRequestInput>,
    ) -> Result<RefundRequestCreated, Problems<RefundCreateProblems>> {
        let input = body.0;
        let order = self.order_at(&input.order, &caller).await?;
        if !caller.holds(&order) {
            return Err(ApiError::new(
                &problems::FORBIDDEN,
                "Refund requests are opened by the order's holder or the customer who placed it.",
            )
            .into());
        }
        let merchant = self.merchant_of(&order).await?;
        let split = parse_split(
            input.refund_percentage.as_deref(),
            input.change_order_percentage.as_deref(),
            input.voucher_percentage.as_deref(),
            input.donation_percentage.as_deref(),
            merchant.offers_change_order,
        )?;
        let details = bank_details(&input.bank_details)?;
        let stated = match &input.amount {
            Some(amount) => Some(
                Money::parse(&amount.amount, &amount.currency)
                    .map_err(|err| ApiError::validation(vec![FieldError::new("/amount", err.to_string())]))?,
            ),
            None => None,
        };
        let reason = input
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        let db = &self.state.db;
        if let Err(why) = refunds::check_eligibility(
            db,
            &order,
            &merchant,
            Source::CustomerRequest,
            stated,
            chrono::Utc::now(),
        )
        .await?
        {
            return Err(ineligible(why).into());
        }
        let request = refunds::open(
            db,
            &order,
            NewRequest {
                source: Source::CustomerRequest,
                split,
                keep_tickets: input.keep_tickets.unwrap_or(false),
                reason,
                bank_details: details,
            },
        )
        .await?;
        crate::domain::sales::write_event(
            db,
            "refund_request.created",
            &request.uid,
            serde_json::json!({"refund_request_uid": request.uid, "order_uid": order.uid, "source": "customer_request"}),
        )
        .await?;
        let location = self.hal().href(&format!("/refund_requests/{}", request.uid));
        let repr = self
            .request_repr(
                &request,
                &order,
                self.hal().link(&format!("/refund_requests/{}", request.uid)),
            )
            .await?;
        Ok(RefundRequestCreated::Created(
            HalJson(repr),
            location,
            request_etag(&request),
        ))
    }

    /// Change, decide or process a refund request
    ///
    /// The holder may change the split, submit bank details, set `keep_tickets` or cancel
    /// (`status: cancelled`) while the request is new. The merchant approves (rules checked
    /// again) or rejects (with a `reason`), then processes an approved request: refunds are
    /// made, a voucher issued for the voucher share, the deliveries voided unless
    /// `keep_tickets`. Send the ETag you read as `If-Match`.
    #[oai(
        path = "/refund_requests/:uid",
        method = "put",
        operation_id = "update_refund_request"
    )]
    async fn update(
        &self,
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
        body: JsonBody<RefundRequestUpdate>,
    ) -> Result<RefundRequestResponse, Problems<RefundUpdateProblems>> {
        let input = body.0;
        let (request, order) = self.visible_request(&uid.0, &caller).await?;
        let Some(if_match) = if_match.0 else {
            return Err(ApiError::new(
                &problems::PRECONDITION_REQUIRED,
                "Send If-Match with the ETag of the refund request you read.",
            )
            .into());
        };
        if !etag_matches(&if_match, &request_etag(&request)) {
            return Err(RefundError::VersionMismatch.into());
        }
        let holder_fields = input.refund_percentage.is_some()
            || input.change_order_percentage.is_some()
            || input.voucher_percentage.is_some()
            || input.donation_percentage.is_some()
            || input.keep_tickets.is_some()
            || input.bank_details.is_some();
        let db = &self.state.db;
        let updated = match input.status {
            Some(RequestedStatus::Approved | RequestedStatus::Rejected | RequestedStatus::Processed) => {
                if !caller.sells(&order) {
                    return Err(ApiError::new(
                        &problems::FORBIDDEN,
                        "Only the merchant approves, rejects or processes a refund request.",
                    )
                    .into());
                }
                if holder_fields {
                    return Err(ApiError::new(
                        &problems::FORBIDDEN,
                        "The merchant decides; the split is the holder's.",
                    )
                    .into());
                }
                let decision = match input.status {
                    Some(RequestedStatus::Approved) => Decision::Approve,
                    Some(RequestedStatus::Rejected) => Decision::Reject,
                    _ => Decision::Process,
                };
                let reason = input
                    .reason
                    .as_deref()
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned);
                refunds::decide(db, &request, request.version, decision, reason).await?
            }
            status @ (Some(RequestedStatus::Cancelled) | None) => {
                if !caller.holds(&order) {
                    return Err(ApiError::new(
                        &problems::FORBIDDEN,
                        "Only the holder changes or cancels a refund request.",
                    )
                    .into());
                }
                let merchant = self.merchant_of(&order).await?;
                let any_share = input.refund_percentage.is_some()
                    || input.change_order_percentage.is_some()
                    || input.voucher_percentage.is_some()
                    || input.donation_percentage.is_some();
                let split = if any_share {
                    Some(parse_split(
                        input.refund_percentage.as_deref(),
                        input.change_order_percentage.as_deref(),
                        input.voucher_percentage.as_deref(),
                        input.donation_percentage.as_deref(),
                        merchant.offers_change_order,
                    )?)
                } else {
                    None
                };
                let change = HolderChange {
                    split,
                    keep_tickets: input.keep_tickets,
                    bank_details: bank_details(&input.bank_details)?,
                    cancel: status.is_some(),
                };
                refunds::change_by_holder(db, &request, request.version, change).await?
            }
        };
        let order = order::Entity::find_by_id(order.id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal("order vanished"))?;
        let repr = self
            .request_repr(&updated, &order, self.hal().self_link(req))
            .await?;
        Ok(RefundRequestResponse::Ok(HalJson(repr), request_etag(&updated)))
    }

    /// Preview a refund bill
    ///
    /// `?refund_request=<uid>` shows a request's bill; `?order=<URI>` with shares previews
    /// what a split would come to, saving nothing. Amounts split what is still refundable
    /// (paid minus refunded) and add up to it to the cent.
    #[oai(path = "/refund-bill", method = "get", operation_id = "get_refund_bill")]
    #[allow(clippy::too_many_arguments)]
    async fn refund_bill(
        &self,
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
        let (order, split) = match (refund_request.0, order.0) {
            (Some(uid), _) => {
                let (request, order) = self.visible_request(&uid, &caller).await?;
                (order, refunds::split_of(&request)?)
            }
            (None, Some(uri)) => {
                let order = self.order_at(&uri, &caller).await?;
                let merchant = self.merchant_of(&order).await?;
                let split = parse_split(
                    refund_percentage.0.as_deref(),
                    change_order_percentage.0.as_deref(),
                    voucher_percentage.0.as_deref(),
                    donation_percentage.0.as_deref(),
                    merchant.offers_change_order,
                )?;
                (order, split)
            }
            (None, None) => {
                return Err(ApiError::new(
                    &problems::MALFORMED_REQUEST,
                    "Give `order` (with shares) or `refund_request`.",
                )
                .with_errors(vec![FieldError::new("order", "required without refund_request")])
                .into());
            }
        };
        let bill = refunds::bill(&order, &split)?;
        let lines = orders::lines_of(&self.state.db, order.id).await?;
        let hal = self.hal();
        Ok(RefundBillResponse::Ok(HalJson(RefundBillRepr {
            links: RefundBillLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                order: hal.link(&format!("/orders/{}", order.uid)),
            },
            refundable_amount: bill.refundable.into(),
            refund_amount: bill.refund.into(),
            voucher_amount: bill.voucher.into(),
            donation_amount: bill.donation.into(),
            change_order_amount: bill.change_order.map(Into::into),
            direct_refundable_amount_breakdown: (bill.refund.minor() > 0)
                .then(|| breakdown(&lines, bill.refund)),
        })))
    }

    /// List an order's refunds
    #[oai(path = "/refunds", method = "get", operation_id = "list_refunds")]
    async fn refunds(
        &self,
        req: &Request,
        caller: OrderCaller,
        /// URI of the order.
        #[oai(validator(max_length = 2048))]
        order: Query<String>,
    ) -> Result<RefundListResponse, Problems<RefundReadProblems>> {
        let order = self.order_at(&order.0, &caller).await?;
        let mut items = Vec::new();
        for made in refunds::refunds_of(&self.state.db, order.id).await? {
            let link = self.hal().link(&format!("/refunds/{}", made.uid));
            items.push(self.refund_repr(&made, &order, link).await?);
        }
        Ok(RefundListResponse::Ok(HalJson(RefundCollection {
            links: RefundRequestsLinks {
                self_link: self.hal().self_link(req),
                curies: self.hal().curies(),
            },
            item_count: items.len() as u64,
            embedded: RefundsEmbedded { refunds: items },
        })))
    }

    /// Read a refund
    #[oai(path = "/refunds/:uid", method = "get", operation_id = "get_refund")]
    async fn refund(
        &self,
        req: &Request,
        caller: OrderCaller,
        /// The refund's uid.
        uid: Path<String>,
    ) -> Result<RefundResponse, Problems<RefundReadProblems>> {
        let not_found = || ApiError::not_found("No refund with this uid is visible with these credentials.");
        let made = refunds::find_refund(&self.state.db, &uid.0)
            .await?
            .ok_or_else(not_found)?;
        let order = order::Entity::find_by_id(made.order_id)
            .one(&self.state.db)
            .await?
            .filter(|order| caller.may_see(order))
            .ok_or_else(not_found)?;
        let repr = self.refund_repr(&made, &order, self.hal().self_link(req)).await?;
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
        req: &Request,
        merchant: MerchantAuth,
        /// The product's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = r"^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<WithdrawalInput>,
    ) -> Result<WithdrawalResponse, Problems<WithdrawalProblems>> {
        let reason = body.0.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ApiError::validation(vec![FieldError::new("/reason", "1 to 500 characters")]).into());
        }
        let product = catalogue::find(&self.state.db, &uid.0)
            .await?
            .filter(|p| p.merchant_id == merchant.0.id)
            .ok_or_else(|| ApiError::not_found("No product of yours has this uid."))?;
        let opened = refunds::withdraw_product(&self.state.db, product.id, &reason).await?;
        let hal = self.hal();
        Ok(WithdrawalResponse::Ok(HalJson(WithdrawalRepr {
            links: WithdrawalLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{}", product.uid)),
            },
            refund_requests_opened: opened as u64,
        })))
    }
}

impl RefundsApi {
    async fn refund_repr(
        &self,
        made: &refund::Model,
        order: &order::Model,
        self_link: Link,
    ) -> Result<RefundRepr, ApiError> {
        let hal = self.hal();
        let currency: Currency = made
            .currency
            .parse()
            .map_err(|_| ApiError::internal("refund currency"))?;
        let request = refund_request::Entity::find_by_id(made.refund_request_id)
            .one(&self.state.db)
            .await?
            .ok_or_else(|| ApiError::internal("refund without request"))?;
        let by_tickets: Vec<serde_json::Value> = serde_json::from_str(&made.by_tickets).unwrap_or_default();
        let voucher_code = match made.voucher_id {
            Some(id) => entity::voucher::Entity::find_by_id(id)
                .one(&self.state.db)
                .await?
                .map(|v| v.code),
            None => None,
        };
        Ok(RefundRepr {
            links: RefundLinks {
                self_link,
                curies: hal.curies(),
                order: hal.link(&format!("/orders/{}", order.uid)),
                refund_request: hal.link(&format!("/refund_requests/{}", request.uid)),
            },
            uid: made.uid.clone(),
            status: made.status.clone(),
            kind: made.kind.clone(),
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
            voucher_code,
            receipt: made.receipt.clone(),
            created_at: made.created_at.into(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ibans_are_checked() {
        assert!(iban_is_valid("FR1420041010050500013M02606"));
        assert!(iban_is_valid("DE89370400440532013000"));
        assert!(!iban_is_valid("DE89370400440532013001"));
        assert!(!iban_is_valid("XX"));
    }
}
