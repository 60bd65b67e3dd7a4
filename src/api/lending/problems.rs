//! What can go wrong with library lending, and how its refusals become problems.

use crate::{
    domain::lending::{
        buying::{BuyError, BuyRefusal},
        holds::{CancelHoldError, HoldError},
        links::LoanLinkError,
        loans::{BorrowError, ReturnError},
        offers::OfferError,
    },
    http::error::{ApiError, FieldError, problems},
    problem_set,
};

problem_set!(
    /// Errors of reading a library's own resources.
    ReadProblems:
    400 => "`malformed_request`: a query parameter has the wrong form.",
    401 => "`unauthorized`: library credentials missing or wrong.",
    404 => "`not_found`: nothing of this library has this uid.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of reading an offer or a product's offers.
    OfferReadProblems:
    401 => "`unauthorized`: merchant credentials sent, and wrong.",
    404 => "`not_found`: no such offer or product.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of adding an offer.
    OfferProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no product of yours has this uid.",
    409 => "`idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`cannot_lend` (not an ebook, or a price in another currency), `validation_failed` (each bad field in `errors`) or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of a library's order for licences.
    BuyProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: library credentials missing or wrong.",
    404 => "`not_found`: the uid is not this library's.",
    409 => "`idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: each bad field in `errors` (an unknown or repeated offer, a title not for sale, mixed currencies, a region missing) or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of lending a copy.
    BorrowProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: library credentials missing or wrong.",
    404 => "`not_found`: the uid is not this library's, or no such product.",
    409 => "`no_copy_available` (the detail says when the next copy is due back and how many patrons wait), `not_licensed`, `licences_expired`, `licences_exhausted`, `already_borrowed` or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`loan_too_long` (`/days` over `max_loan_days`), `validation_failed` or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of placing a hold.
    HoldProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: library credentials missing or wrong.",
    404 => "`not_found`: the uid is not this library's, or no such product.",
    409 => "`copy_available` (borrow instead), `already_on_hold`, `already_borrowed`, `not_licensed`, `licences_exhausted` or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of returning a loan or cancelling a hold.
    EndProblems:
    400 => "`idempotency_key_invalid`.",
    401 => "`unauthorized`: library credentials missing or wrong.",
    404 => "`not_found`: nothing of this library has this uid.",
    409 => "`loan_not_running` (already returned or run out), `hold_closed` or `idempotency_key_in_flight`.",
    422 => "`idempotency_key_reused`."
);

problem_set!(
    /// Errors of asking for a loan's download link.
    LoanLinkProblems:
    400 => "`idempotency_key_invalid`.",
    401 => "`unauthorized`: library credentials missing or wrong.",
    404 => "`not_found`: no loan of this library has this uid.",
    409 => "`idempotency_key_in_flight`.",
    410 => "`loan_ended`: the loan was returned or ran out.",
    422 => "`idempotency_key_reused`."
);

problem_set!(
    /// Errors of following a loan's download link.
    LoanDownloadProblems:
    400 => "`malformed_request`: the token is longer than any link's.",
    404 => "`not_found`: no such download link.",
    405 => "`method_not_allowed`.",
    410 => "`loan_ended` (returned or run out), `link_expired` or `link_used`.",
    503 => "`content_unavailable`: the file is missing from the content store; nothing was recorded."
);

impl From<OfferError> for ApiError {
    fn from(err: OfferError) -> Self {
        match err {
            OfferError::NotAnEbook => {
                ApiError::new(&problems::CANNOT_LEND, "Only ebooks are lent to libraries.")
            }
            OfferError::CurrencyMismatch { expected } => ApiError::new(
                &problems::CANNOT_LEND,
                format!("The price must be in the product's currency, {expected}."),
            ),
            OfferError::Terms(errors) => ApiError::validation(
                errors
                    .into_iter()
                    .map(|e| FieldError::new(format!("/{}", e.field), e.message))
                    .collect(),
            ),
            OfferError::Db(err) => err.into(),
        }
    }
}

impl From<BuyError> for ApiError {
    fn from(err: BuyError) -> Self {
        let refusals = match err {
            BuyError::Db(err) => return err.into(),
            BuyError::Refused(refusals) => refusals,
        };
        let errors = refusals
            .into_iter()
            .map(|refusal| match refusal {
                BuyRefusal::UnknownOffer(i) => FieldError::new(
                    format!("/offers/{i}/offer"),
                    "no library offer of this shop has this URI",
                ),
                BuyRefusal::DuplicateOffer(i) => FieldError::new(
                    format!("/offers/{i}/offer"),
                    "this offer is already in the order: raise its copies instead",
                ),
                BuyRefusal::Unavailable(i) => {
                    FieldError::new(format!("/offers/{i}/offer"), "this title is not for sale now")
                }
                BuyRefusal::CurrencyMismatch(i) => FieldError::new(
                    format!("/offers/{i}/offer"),
                    "every offer of an order must be in one currency",
                ),
                BuyRefusal::RegionRequired(regions) => FieldError::new(
                    "/consumer/region",
                    format!("taxes differ by region here: one of {}", regions.join(", ")),
                ),
            })
            .collect::<Vec<_>>();
        match errors.is_empty() {
            true => ApiError::validation(vec![FieldError::new("/offers", "at least one offer")]),
            false => ApiError::validation(errors),
        }
    }
}

impl From<BorrowError> for ApiError {
    fn from(err: BorrowError) -> Self {
        match err {
            BorrowError::NotLicensed => not_licensed(),
            BorrowError::LicencesExpired => ApiError::new(
                &problems::LICENCES_EXPIRED,
                "Every licence of this title is past its date; buy a new one.",
            ),
            BorrowError::LicencesExhausted => exhausted(),
            BorrowError::TooLong { max_days } => ApiError::new(
                &problems::LOAN_TOO_LONG,
                format!("The licences of this title lend for at most {max_days} days."),
            )
            .with_errors(vec![FieldError::new("/days", format!("at most {max_days}"))]),
            BorrowError::AlreadyBorrowed => already_borrowed(),
            BorrowError::NoCopy {
                next_due_at,
                holds_waiting,
            } => {
                let when = match next_due_at {
                    Some(at) => format!(
                        "The next copy is due back at {}",
                        at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                    ),
                    None => "No copy is due back".into(),
                };
                ApiError::new(
                    &problems::NO_COPY_AVAILABLE,
                    format!(
                        "Every copy of this title is out. {when}; {holds_waiting} patron(s) wait. Place a hold to be served in turn."
                    ),
                )
            }
            BorrowError::Db(err) => err.into(),
        }
    }
}

fn not_licensed() -> ApiError {
    ApiError::new(
        &problems::NOT_LICENSED,
        "The library holds no licence of this title.",
    )
}

fn exhausted() -> ApiError {
    ApiError::new(
        &problems::LICENCES_EXHAUSTED,
        "Every licence of this title has made all its loans or expired; buy a new one.",
    )
}

fn already_borrowed() -> ApiError {
    ApiError::new(
        &problems::ALREADY_BORROWED,
        "The patron already has a running loan of this title.",
    )
}

impl From<HoldError> for ApiError {
    fn from(err: HoldError) -> Self {
        match err {
            HoldError::NotLicensed => not_licensed(),
            HoldError::NoUsableLicence => exhausted(),
            HoldError::CopyAvailable => ApiError::new(
                &problems::COPY_AVAILABLE,
                "A copy of this title is free now: borrow it instead.",
            ),
            HoldError::AlreadyBorrowed => already_borrowed(),
            HoldError::AlreadyOnHold { .. } => ApiError::new(
                &problems::ALREADY_ON_HOLD,
                "The patron already waits for this title.",
            ),
            HoldError::Db(err) => err.into(),
        }
    }
}

impl From<ReturnError> for ApiError {
    fn from(err: ReturnError) -> Self {
        match err {
            ReturnError::Ended(status) => ApiError::new(
                &problems::LOAN_NOT_RUNNING,
                format!("The loan is already {}; nothing was changed.", status.as_str()),
            ),
            ReturnError::Db(err) => err.into(),
        }
    }
}

impl From<CancelHoldError> for ApiError {
    fn from(err: CancelHoldError) -> Self {
        match err {
            CancelHoldError::Closed(status) => ApiError::new(
                &problems::HOLD_CLOSED,
                format!("The hold is already {}; nothing was changed.", status.as_str()),
            ),
            CancelHoldError::Db(err) => err.into(),
        }
    }
}

/// A loan that ended: its book cannot be downloaded.
pub fn loan_ended() -> ApiError {
    ApiError::new(
        &problems::LOAN_ENDED,
        "The loan was returned or ran out; its book can no longer be downloaded.",
    )
}

impl From<LoanLinkError> for ApiError {
    fn from(err: LoanLinkError) -> Self {
        match err {
            LoanLinkError::LoanEnded => loan_ended(),
            LoanLinkError::Link(err) => err.into(),
        }
    }
}

/// Nothing of this library has this uid.
pub fn not_found() -> ApiError {
    ApiError::not_found("Nothing of this library has this uid.")
}
