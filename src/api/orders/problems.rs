//! The problems of the checkout operations, and how the domain's refusals become them.

use super::input::pointer;
use crate::{
    domain::{
        catalogue::Kind,
        holds::Limited,
        orders::{CancelError, CancelRefusal, CheckoutError, Reason},
    },
    http::error::{ApiError, FieldError, ProblemType, problems},
    problem_set,
};

problem_set!(
    /// Errors of pricing a cart.
    BillProblems, customer:
    400 => "`malformed_request`: the body is not JSON.",
    401 => "A customer token was sent but refused (`token_expired`, `token_invalid`, …).",
    409 => "`voucher_used` (a voucher was already used) or `sold_out` (fewer places are left than asked for; the detail names the product or event and how many are left).",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`, `unknown_product`, `cannot_sell`, `quantity_limit`, `currency_mismatch` or `unknown_voucher`; `errors` points at each field (`/products/N/quantity`)."
);

problem_set!(
    /// Errors of placing an order.
    PlaceProblems, customer:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "A customer token was sent but refused (`token_expired`, `token_invalid`, …).",
    409 => "`voucher_used` (another order used it first), `sold_out` (fewer places are left than asked for: the detail names the product or event and how many are left) or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`, `unknown_product`, `cannot_sell`, `quantity_limit`, `currency_mismatch`, `unknown_voucher` or `idempotency_key_reused`; `errors` points at each field."
);

problem_set!(
    /// Errors of reading an order.
    OrderReadProblems, customer:
    401 => "No credentials, or a refused customer token or merchant secret.",
    404 => "`not_found`: no order with this uid that these credentials may see.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of reading an order's line.
    OrderLineReadProblems, customer:
    400 => "`malformed_request`: the line number is not a whole number from 1.",
    401 => "No credentials, or a refused customer token or merchant secret.",
    404 => "`not_found`: no order with this uid that these credentials may see, or no line with this number in it.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of listing orders.
    OrderListProblems, customer:
    400 => "`malformed_request`: a query parameter has the wrong form.",
    401 => "Neither a valid customer token nor merchant credentials.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of cancelling an order.
    CancelProblems, customer:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: no order at this URI that these credentials may see.",
    409 => "`cannot_cancel`: the order is paid (request a refund) or already cancelled; `order_expired`: it expired unpaid and its places were already released; or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of the bill form.
    FormProblems:
    405 => "`method_not_allowed`."
);

impl From<CheckoutError> for ApiError {
    fn from(err: CheckoutError) -> Self {
        let refusals = match err {
            CheckoutError::Db(err) => return ApiError::from(err),
            CheckoutError::Refused(refusals) => refusals,
        };
        let described: Vec<(&'static ProblemType, FieldError)> = refusals
            .into_iter()
            .map(|refusal| {
                let (kind, message) = described(refusal.reason);
                (kind, FieldError::new(pointer(refusal.field), message))
            })
            .collect();
        let Some((kind, first)) = described.first().cloned() else {
            return ApiError::validation(vec![FieldError::new("/products", "the order cannot be priced")]);
        };
        let detail = match described.len() {
            1 => format!("{}: {}.", first.path, first.message),
            n => format!(
                "{}: {}; and {} more problems, see `errors`.",
                first.path,
                first.message,
                n - 1
            ),
        };
        ApiError::new(kind, detail).with_errors(described.into_iter().map(|(_, error)| error).collect())
    }
}

/// The problem type of a refusal, and what to tell about the field.
fn described(reason: Reason) -> (&'static ProblemType, String) {
    match reason {
        Reason::UnknownProduct => (
            &problems::UNKNOWN_PRODUCT,
            "no product of the catalogue has this URI".to_owned(),
        ),
        Reason::DuplicateProduct => (
            &problems::VALIDATION_FAILED,
            "this product is already in the order; raise the quantity instead".to_owned(),
        ),
        Reason::CannotSell => (
            &problems::CANNOT_SELL,
            "this product cannot be sold now".to_owned(),
        ),
        Reason::QuantityLimit {
            kind: Kind::Ebook, ..
        } => (
            &problems::QUANTITY_LIMIT,
            "an ebook is sold one copy per order".to_owned(),
        ),
        Reason::QuantityLimit { max, .. } => (
            &problems::QUANTITY_LIMIT,
            format!("at most {max} of this product per order"),
        ),
        Reason::CurrencyMismatch { expected, found } => (
            &problems::CURRENCY_MISMATCH,
            format!("this product is priced in {found}, the order in {expected}"),
        ),
        Reason::OtherMerchant => (
            &problems::VALIDATION_FAILED,
            "all products of one order come from the same shop".to_owned(),
        ),
        Reason::RegionRequired { regions } => (
            &problems::VALIDATION_FAILED,
            format!(
                "taxes depend on the region here; give one of {}",
                regions.join(", ")
            ),
        ),
        Reason::UnknownVoucher => (
            &problems::UNKNOWN_VOUCHER,
            "no voucher of this shop has this code".to_owned(),
        ),
        Reason::VoucherUsed => (
            &problems::VOUCHER_USED,
            "this voucher was already used".to_owned(),
        ),
        Reason::VoucherCurrency { expected, found } => (
            &problems::CURRENCY_MISMATCH,
            format!("this voucher is in {found}, the order in {expected}"),
        ),
        Reason::DuplicateVoucher => (
            &problems::VALIDATION_FAILED,
            "this voucher is already listed".to_owned(),
        ),
        Reason::SoldOut { limited, left } => (&problems::SOLD_OUT, sold_out_message(&limited, left)),
    }
}

/// What ran out and how many places are left, in words.
fn sold_out_message(limited: &Limited, left: i64) -> String {
    let (what, uid, title) = match limited {
        Limited::Product { uid, title } => ("product", uid, title),
        Limited::Event { uid, title } => ("event", uid, title),
    };
    let places = match left {
        0 => "no place is left".to_owned(),
        1 => "only 1 place is left".to_owned(),
        n => format!("only {n} places are left"),
    };
    format!("sold out: {places} for the {what} {title:?} ({uid})")
}

impl From<CancelError> for ApiError {
    fn from(err: CancelError) -> Self {
        let detail = match err {
            CancelError::Db(err) => return ApiError::from(err),
            CancelError::Refused(CancelRefusal::AlreadyCancelled) => "The order is already cancelled.",
            CancelError::Refused(CancelRefusal::ChangedConcurrently) => {
                "The order changed while it was being cancelled; retry."
            }
            CancelError::Refused(CancelRefusal::Paid) => {
                "The order is paid, so it can no longer be cancelled; request a refund instead."
            }
            CancelError::Refused(CancelRefusal::Expired) => {
                return ApiError::new(
                    &problems::ORDER_EXPIRED,
                    "The order expired unpaid: its ticket places were already released, and there is nothing to cancel.",
                );
            }
        };
        ApiError::new(&problems::CANNOT_CANCEL, detail)
    }
}
