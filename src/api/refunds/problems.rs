//! The problems of the refund operations, and how the refund domain's refusals become
//! problems: fields named by the domain become JSON pointers here.

use crate::{
    domain::refunds::{BankDetailsRefused, Ineligible, RefundError, SplitRefused},
    http::error::{ApiError, FieldError, problems},
    problem_set,
};

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
    409 => "`refund_request_state` (not possible in its status, or back to `new`) or `already_refunded`.",
    412 => "`precondition_failed`: the request changed since the ETag in `If-Match`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: shares, bank details, reason, an unknown field, or a read-only field sent changed.",
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

impl From<RefundError> for ApiError {
    fn from(err: RefundError) -> Self {
        match err {
            RefundError::Ineligible(why) => why.into(),
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

impl From<Ineligible> for ApiError {
    fn from(why: Ineligible) -> Self {
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
}

/// Each refused share points at its field (a body member, or the query parameter of the
/// same name).
impl From<SplitRefused> for ApiError {
    fn from(SplitRefused(refused): SplitRefused) -> Self {
        ApiError::validation(
            refused
                .into_iter()
                .map(|(share, why)| FieldError::new(format!("/{}", share.field()), why.to_string()))
                .collect(),
        )
    }
}

impl From<BankDetailsRefused> for ApiError {
    fn from(BankDetailsRefused(refused): BankDetailsRefused) -> Self {
        ApiError::validation(
            refused
                .into_iter()
                .map(|why| FieldError::new(format!("/bank_details/{}", why.field()), why.message()))
                .collect(),
        )
    }
}
