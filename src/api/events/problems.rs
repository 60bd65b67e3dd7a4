//! What can go wrong with events, and how event refusals become problems.

use crate::{
    domain::events::EventError,
    http::error::{ApiError, FieldError, problems},
    problem_set,
};

problem_set!(
    /// Errors of the events listing.
    EventListProblems:
    400 => "`malformed_request`: a query parameter has the wrong form (`starts_gte`, `page`, `page_size`).",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of reading one event.
    EventReadProblems:
    404 => "`not_found`: no event has this uid.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of creating an event.
    EventCreateProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    409 => "`idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` (each bad field in `errors`) or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of replacing an event.
    EventUpdateProblems:
    400 => "`malformed_request`: the body is not JSON, or `If-Match` is not a list of ETags.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no event of this merchant has this uid.",
    409 => "`capacity_below_held` (orders hold more places than the new capacity) or `event_cancelled`.",
    412 => "`precondition_failed`: the event changed since the ETag in `If-Match`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: each bad field in `errors` (a read-only field sent changed among them).",
    428 => "`precondition_required`: send `If-Match` with the event's ETag."
);

problem_set!(
    /// Errors of cancelling an event.
    EventCancelProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no event of this merchant has this uid.",
    409 => "`event_cancelled` (already cancelled) or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of reading the revoked tickets of an event.
    RevokedProblems:
    400 => "`malformed_request`: `since` or `page_size` has the wrong form.",
    401 => "`unauthorized`: neither merchant credentials nor a `Scanner-Token`, or a wrong one.",
    404 => "`not_found`: no event of this merchant (or of this scanner) has this uid.",
    405 => "`method_not_allowed`."
);

impl From<EventError> for ApiError {
    fn from(err: EventError) -> Self {
        match err {
            EventError::NotFound => ApiError::not_found("No event of yours has this uid."),
            EventError::VersionMismatch => ApiError::new(
                &problems::PRECONDITION_FAILED,
                "The event changed since you read it; read it again and retry.",
            ),
            EventError::CapacityBelowHeld { held } => ApiError::new(
                &problems::CAPACITY_BELOW_HELD,
                format!("Orders already hold {held} places of this event: the capacity cannot be lower."),
            )
            .with_errors(vec![FieldError::new("/capacity", format!("at least {held}"))]),
            EventError::Cancelled => ApiError::new(&problems::EVENT_CANCELLED, "The event was cancelled."),
            EventError::Db(err) => ApiError::from(err),
        }
    }
}

/// A replacement sent without `If-Match`.
pub fn if_match_missing() -> ApiError {
    ApiError::new(
        &problems::PRECONDITION_REQUIRED,
        "Send If-Match with the ETag of the event you read.",
    )
}

problem_set!(
    /// Errors of registering a door scanner.
    ScannerCreateProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no event of this merchant has this uid.",
    409 => "`event_cancelled` or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of reading a door scanner.
    ScannerReadProblems:
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no scanner of this merchant's events has this uid.",
    405 => "`method_not_allowed`."
);
