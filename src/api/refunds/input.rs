//! The wire shapes of refund requests and withdrawals, turned into domain commands. Only
//! shape checks here; the rules (shares add up, IBAN check digits) are the domain's.

use poem_openapi::{Enum, Object};
use serde::Deserialize;

use super::view::RefundRequestRepr;
use crate::{
    api::types::MoneyRepr,
    domain::{
        money::Money,
        percentage::Percentage,
        refunds::{BankDetails, Decision, HolderChange, NewRequest, RefundError, Shares, Split},
        status::{RefundRequestStatus, RefundSource},
    },
    http::{
        error::{ApiError, FieldError},
        round_trip::{Editable, RoundTrip},
    },
};

/// Longest reason a request or a decision may give, in characters.
const REASON_MAX: usize = 500;

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

/// What a request can be moved to, or the status it has (sent back unchanged).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RequestedStatus {
    /// Only as the status the request has: a request never goes back to new.
    New,
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
/// or cancels, while it is new; the merchant approves, rejects or processes it. The request
/// as a GET gave it may be sent back, edited: a field sent as it is changes nothing.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct RefundRequestUpdate {
    /// Share refunded through the payment provider ("0.00"–"1.00"). The shares, when one is
    /// changed, must add up to "1.00"; a share left out is "0.00". The holder's.
    pub refund_percentage: Option<String>,
    /// Share used to change the order; only where the shop offers it. The holder's.
    pub change_order_percentage: Option<String>,
    /// Share returned as a voucher. The holder's.
    pub voucher_percentage: Option<String>,
    /// Share donated to the organiser. The holder's.
    pub donation_percentage: Option<String>,
    /// Keep the tickets (deliveries stay valid). The holder's.
    pub keep_tickets: Option<bool>,
    /// Bank account for a refund by transfer. The holder's; never shown back (a GET tells
    /// only `submitted_bank_details`).
    pub bank_details: Option<BankDetailsInput>,
    /// `cancelled` (the holder), `approved`, `rejected` or `processed` (the merchant); the
    /// status the request has changes nothing.
    pub status: Option<RequestedStatus>,
    /// The merchant's reason for approving or rejecting (up to 500 characters).
    #[oai(validator(max_length = 500))]
    pub decision_reason: Option<String>,
    /// The older name of `decision_reason`, used when that is absent. The request's own
    /// `reason` (the holder's, as a GET shows it) sent back changes nothing.
    #[oai(validator(max_length = 500))]
    pub reason: Option<String>,
}

/// A change may be the request as a GET gave it, edited.
impl Editable for RefundRequestUpdate {
    type Repr = RefundRequestRepr;
    const SCHEMA_NAME: &'static str = "RefundRequestChange";
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

    /// The change a body asks of the request `shown` (its representation now). Its
    /// read-only fields must be as shown; a writable field sent as shown changes nothing,
    /// so that the merchant may send the holder's split back with a decision.
    pub fn of_round_trip(body: RoundTrip<Self>, shown: &RefundRequestRepr) -> Result<Self, ApiError> {
        let mut update = body.into_writable(shown)?;
        update.drop_restated(shown);
        if update.status == Some(RequestedStatus::New) {
            let why = format!("the request is {}; it never goes back to new", shown.status);
            return Err(RefundError::WrongState(why).into());
        }
        update.check_reasons()?;
        Ok(update)
    }

    /// Forgets what is sent as `shown` has it: the status it has, the split it has (all
    /// shares equal as percentages), its `keep_tickets`, the holder's reason, and the
    /// decision's reason unless the request is being approved or rejected.
    fn drop_restated(&mut self, shown: &RefundRequestRepr) {
        if self.status.is_some_and(|status| status.as_str() == shown.status) {
            self.status = None;
        }
        let same_split = same_share(&self.refund_percentage, &shown.refund_percentage)
            && same_share(&self.change_order_percentage, &shown.change_order_percentage)
            && same_share(&self.voucher_percentage, &shown.voucher_percentage)
            && same_share(&self.donation_percentage, &shown.donation_percentage);
        if same_split {
            self.refund_percentage = None;
            self.change_order_percentage = None;
            self.voucher_percentage = None;
            self.donation_percentage = None;
        }
        if self.keep_tickets == Some(shown.keep_tickets) {
            self.keep_tickets = None;
        }
        if self.reason.is_some() && self.reason == shown.reason {
            self.reason = None;
        }
        if !self.gives_reason() && self.decision_reason == shown.decision_reason {
            self.decision_reason = None;
        }
    }

    /// A reason is recorded only by approving or rejecting, and holds 500 characters at most;
    /// a blank one is no reason.
    fn check_reasons(&self) -> Result<(), ApiError> {
        let reasons = [
            ("/decision_reason", &self.decision_reason),
            ("/reason", &self.reason),
        ];
        let errors: Vec<FieldError> = reasons
            .into_iter()
            .filter_map(|(path, reason)| match trimmed(reason.as_deref()) {
                Some(_) if !self.gives_reason() => Some(FieldError::new(
                    path,
                    "a reason is given only with `status` approved or rejected",
                )),
                Some(text) if text.chars().count() > REASON_MAX => {
                    Some(FieldError::new(path, format!("at most {REASON_MAX} characters")))
                }
                _ => None,
            })
            .collect();
        match errors.is_empty() {
            true => Ok(()),
            false => Err(ApiError::validation(errors)),
        }
    }

    /// Whether this update approves or rejects: the decisions that record a reason.
    fn gives_reason(&self) -> bool {
        matches!(self.decision(), Some(Decision::Approve | Decision::Reject))
    }

    /// The merchant's decision this update asks for, if it asks for one.
    pub fn decision(&self) -> Option<Decision> {
        match self.status? {
            RequestedStatus::Approved => Some(Decision::Approve),
            RequestedStatus::Rejected => Some(Decision::Reject),
            RequestedStatus::Processed => Some(Decision::Process),
            RequestedStatus::Cancelled | RequestedStatus::New => None,
        }
    }

    /// Whether it changes what only the holder may change.
    pub fn changes_holder_fields(&self) -> bool {
        self.shares().any() || self.keep_tickets.is_some() || self.bank_details.is_some()
    }

    /// The merchant's reason for a decision.
    pub fn decision_reason(&self) -> Option<String> {
        trimmed(self.decision_reason.as_deref().or(self.reason.as_deref()))
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

impl RequestedStatus {
    /// The status as stored and shown.
    fn as_str(self) -> &'static str {
        let status = match self {
            RequestedStatus::New => RefundRequestStatus::New,
            RequestedStatus::Cancelled => RefundRequestStatus::Cancelled,
            RequestedStatus::Approved => RefundRequestStatus::Approved,
            RequestedStatus::Rejected => RefundRequestStatus::Rejected,
            RequestedStatus::Processed => RefundRequestStatus::Processed,
        };
        status.as_str()
    }
}

/// Whether a share sent is the share shown: both absent, or the same percentage.
fn same_share(sent: &Option<String>, shown: &Option<String>) -> bool {
    match (sent, shown) {
        (None, None) => true,
        (Some(sent), Some(shown)) => matches!(
            (Percentage::parse(sent), Percentage::parse(shown)),
            (Ok(sent), Ok(shown)) if sent == shown
        ),
        _ => false,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::round_trip::mismarked_read_only;

    #[test]
    fn the_refund_request_schema_marks_exactly_what_a_change_cannot_change_as_read_only() {
        assert!(mismarked_read_only::<RefundRequestUpdate>().is_empty());
    }

    #[test]
    fn shares_sent_as_shown_are_the_same_percentages() {
        let text = |t: &str| Some(t.to_owned());
        assert!(same_share(&text("0.5"), &text("0.50")));
        assert!(same_share(&None, &None));
        assert!(!same_share(&text("0.00"), &None));
        assert!(!same_share(&text("half"), &text("half")));
    }
}
