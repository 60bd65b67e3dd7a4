//! The wire shapes of refund requests and withdrawals, turned into domain commands. Only
//! shape checks here; the rules (shares add up, IBAN check digits) are the domain's.

use poem_openapi::{Enum, Object};
use serde::Deserialize;

use crate::{
    api::types::MoneyRepr,
    domain::{
        money::Money,
        refunds::{BankDetails, Decision, HolderChange, NewRequest, Shares, Split},
        status::{RefundRequestStatus, RefundSource},
    },
    http::error::{ApiError, FieldError},
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

/// A refund request's status, to filter a list by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum RequestStatusFilter {
    New,
    Approved,
    Processed,
    Rejected,
    Cancelled,
}

impl From<RequestStatusFilter> for RefundRequestStatus {
    fn from(status: RequestStatusFilter) -> Self {
        match status {
            RequestStatusFilter::New => RefundRequestStatus::New,
            RequestStatusFilter::Approved => RefundRequestStatus::Approved,
            RequestStatusFilter::Processed => RefundRequestStatus::Processed,
            RequestStatusFilter::Rejected => RefundRequestStatus::Rejected,
            RequestStatusFilter::Cancelled => RefundRequestStatus::Cancelled,
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
    /// By the merchant, while new, or once approved if it can no longer be processed.
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

/// Withdraw a product (an event is cancelled).
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct WithdrawalInput {
    /// Why, shown to the buyers (1 to 500 characters).
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

/// Trims a free text; blank is none.
fn trimmed(text: Option<&str>) -> Option<String> {
    text.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned)
}

fn bank_details(input: Option<&BankDetailsInput>) -> Result<Option<BankDetails>, ApiError> {
    input
        .map(|input| BankDetails::new(&input.account_holder, &input.iban))
        .transpose()
        .map_err(ApiError::from)
}

impl RefundRequestInput {
    fn shares(&self) -> Shares<'_> {
        shares_of(
            &self.refund_percentage,
            &self.change_order_percentage,
            &self.voucher_percentage,
            &self.donation_percentage,
        )
    }

    /// The request to open, and the amount the holder states, if any.
    pub fn into_new_request(
        self,
        offers_change_order: bool,
    ) -> Result<(NewRequest, Option<Money>), ApiError> {
        let split = Split::new(self.shares(), offers_change_order)?;
        let bank_details = bank_details(self.bank_details.as_ref())?;
        let stated = match &self.amount {
            Some(amount) => Some(
                Money::parse(&amount.amount, &amount.currency)
                    .map_err(|err| ApiError::validation(vec![FieldError::new("/amount", err.to_string())]))?,
            ),
            None => None,
        };
        let new = NewRequest {
            source: RefundSource::CustomerRequest,
            split,
            keep_tickets: self.keep_tickets.unwrap_or(false),
            reason: trimmed(self.reason.as_deref()),
            bank_details,
        };
        Ok((new, stated))
    }
}

impl RefundRequestUpdate {
    fn shares(&self) -> Shares<'_> {
        shares_of(
            &self.refund_percentage,
            &self.change_order_percentage,
            &self.voucher_percentage,
            &self.donation_percentage,
        )
    }

    /// The merchant's decision this update asks for, if it asks for one.
    pub fn decision(&self) -> Option<Decision> {
        match self.status? {
            RequestedStatus::Approved => Some(Decision::Approve),
            RequestedStatus::Rejected => Some(Decision::Reject),
            RequestedStatus::Processed => Some(Decision::Process),
            RequestedStatus::Cancelled => None,
        }
    }

    /// Whether it changes what only the holder may change.
    pub fn changes_holder_fields(&self) -> bool {
        self.shares().any() || self.keep_tickets.is_some() || self.bank_details.is_some()
    }

    /// The merchant's reason for a decision.
    pub fn decision_reason(&self) -> Option<String> {
        trimmed(self.reason.as_deref())
    }

    /// The holder's change.
    pub fn holder_change(&self, offers_change_order: bool) -> Result<HolderChange, ApiError> {
        let shares = self.shares();
        let split = match shares.any() {
            true => Some(Split::new(shares, offers_change_order)?),
            false => None,
        };
        Ok(HolderChange {
            split,
            keep_tickets: self.keep_tickets,
            bank_details: bank_details(self.bank_details.as_ref())?,
            cancel: self.status == Some(RequestedStatus::Cancelled),
        })
    }
}

impl WithdrawalInput {
    /// The reason, trimmed: 1 to 500 characters.
    pub fn reason(&self) -> Result<String, ApiError> {
        let reason = self.reason.trim().to_owned();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ApiError::validation(vec![FieldError::new(
                "/reason",
                "1 to 500 characters",
            )]));
        }
        Ok(reason)
    }
}

/// The shares as written, in a body or in query parameters.
pub fn shares_of<'a>(
    refund: &'a Option<String>,
    change_order: &'a Option<String>,
    voucher: &'a Option<String>,
    donation: &'a Option<String>,
) -> Shares<'a> {
    Shares {
        refund: refund.as_deref(),
        change_order: change_order.as_deref(),
        voucher: voucher.as_deref(),
        donation: donation.as_deref(),
    }
}

/// The version the caller read, from `If-Match`: required, and it must be the current one.
pub fn version_read(if_match: Option<&str>, current_etag: &str, version: i32) -> Result<i32, ApiError> {
    let Some(if_match) = if_match else {
        return Err(ApiError::new(
            &crate::http::error::problems::PRECONDITION_REQUIRED,
            "Send If-Match with the ETag of the refund request you read.",
        ));
    };
    if !crate::http::middleware::etag_matches(if_match, current_etag) {
        return Err(crate::domain::refunds::RefundError::VersionMismatch.into());
    }
    Ok(version)
}
