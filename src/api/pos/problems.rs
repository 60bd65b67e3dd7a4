//! The problems of the point-of-sale operations, and how refusals of the till rules become
//! them, worded as in the point-of-sale reference.

use crate::{
    domain::{email::EmailError, pos::PosError, redemption::RedeemError},
    http::error::{ApiError, problems},
    problem_set,
};

problem_set!(
    /// Errors of a till purchase.
    PurchaseProblems:
    400 => "`san_malformed`, `token_malformed`, `partner_transact_id_malformed`, `book_id_malformed`, `san_nonconforming`, `email_malformed` or `malformed_request`.",
    403 => "`store_token_invalid`: Invalid Authorization Token.",
    404 => "`store_not_registered` or `book_id_unknown`.",
    405 => "`method_not_allowed`.",
    409 => "`partner_transact_id_reused` or `book_id_unavailable`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send a form or JSON.",
    422 => "`validation_failed`: a field of the wrong JSON type."
);

problem_set!(
    /// Errors of a till void.
    StoreRefundProblems:
    400 => "`san_malformed`, `token_malformed`, `partner_transact_id_malformed`, `purchase_transact_id_malformed`, `san_nonconforming` or `malformed_request`.",
    403 => "`store_token_invalid`, `refund_unauthorized` (the shop may not refund sales), `store_refund_time_limit` or `store_refund_usage_limit`.",
    404 => "`store_not_registered` or `purchase_not_found`.",
    405 => "`method_not_allowed`.",
    409 => "`partner_transact_id_reused`, `code_redeemed` or `already_voided`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send a form or JSON.",
    422 => "`validation_failed`: a field of the wrong JSON type."
);

problem_set!(
    /// Errors of redeeming a code.
    RedemptionProblems, customer:
    400 => "`malformed_request` (no code) or `email_malformed`.",
    401 => "A customer token was sent but refused.",
    404 => "`code_unknown` (checked first, whatever the e-mail) or `account_unknown` (a redeemable code, an e-mail halshop does not know).",
    405 => "`method_not_allowed`.",
    409 => "`code_inactive`: redeemed already, or voided.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send a form or JSON.",
    422 => "`validation_failed`: a field of the wrong JSON type."
);

problem_set!(
    /// Errors of the library.
    LibraryProblems, customer:
    401 => "No customer token, or a refused one.",
    405 => "`method_not_allowed`."
);

impl From<EmailError> for ApiError {
    fn from(_: EmailError) -> Self {
        ApiError::new(
            &problems::EMAIL_MALFORMED,
            "The submitted email is incorrectly formatted",
        )
    }
}

/// A refused purchase or void. A reused transaction id is worded as for a purchase; a
/// void's wording is [`void_refused`]'s.
impl From<PosError> for ApiError {
    fn from(err: PosError) -> Self {
        match err {
            PosError::DuplicateTransaction => ApiError::new(
                &problems::PARTNER_TRANSACT_ID_REUSED,
                "The submitted partner_transact_id has already been submitted for this store",
            ),
            PosError::BookUnknown => ApiError::new(
                &problems::BOOK_ID_UNKNOWN,
                "The submitted book_id cannot be found in system",
            ),
            PosError::BookUnavailable => ApiError::new(
                &problems::BOOK_ID_UNAVAILABLE,
                "The submitted book_id is not available for fulfillment at this time",
            ),
            PosError::PurchaseNotFound => ApiError::new(
                &problems::PURCHASE_NOT_FOUND,
                "The submitted purchase_transact_id cannot be found for this store",
            ),
            PosError::NotAllowed => ApiError::new(
                &problems::REFUND_UNAUTHORIZED,
                "This shop does not have the right to refund sales.",
            ),
            PosError::Redeemed => ApiError::new(
                &problems::CODE_REDEEMED,
                "The access code created by this purchase transaction has already been redeemed",
            ),
            PosError::TimeLimit { days } => ApiError::new(
                &problems::STORE_REFUND_TIME_LIMIT,
                format!(
                    "The order created by this purchase transaction is over the time limit allowed for refunds({days} days)"
                ),
            ),
            PosError::UsageLimit { percent } => ApiError::new(
                &problems::STORE_REFUND_USAGE_LIMIT,
                format!(
                    "The order created by this purchase transaction is over the usage limit allowed for refunds({percent}% viewed)"
                ),
            ),
            PosError::AlreadyVoided => ApiError::new(
                &problems::ALREADY_VOIDED,
                "The submitted purchase_transact_id has already been voided",
            ),
        }
    }
}

/// A refused void: the reference words a reused transaction id longer for a void.
pub fn void_refused(err: PosError) -> ApiError {
    match err {
        PosError::DuplicateTransaction => ApiError::new(
            &problems::PARTNER_TRANSACT_ID_REUSED,
            "The submitted partner_transact_id has already been submitted for this store. The partner_transact_id value needs to be unique for each store",
        ),
        other => other.into(),
    }
}

impl From<RedeemError> for ApiError {
    fn from(err: RedeemError) -> Self {
        match err {
            RedeemError::UnknownCode => ApiError::new(
                &problems::CODE_UNKNOWN,
                "No halshop code exists for the code provided to this API",
            ),
            RedeemError::UnknownAccount => ApiError::new(
                &problems::ACCOUNT_UNKNOWN,
                "No halshop account exists for the provided email address",
            ),
            RedeemError::Inactive => ApiError::new(
                &problems::CODE_INACTIVE,
                "Code has already been redeemed or has been marked inactive",
            ),
        }
    }
}
