//! What can go wrong with webhook endpoints, and how their refusals become problems.

use crate::{
    domain::webhooks::endpoints::EndpointError,
    http::error::{ApiError, problems},
    problem_set,
};

problem_set!(
    /// Errors of listing webhook endpoints.
    ListProblems:
    400 => "`malformed_request`: `page` or `page_size` has the wrong form.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of reading one webhook endpoint or delivery, or deleting an endpoint.
    ReadProblems:
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no webhook endpoint (or delivery) of yours has this uid.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of creating a webhook endpoint.
    CreateProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    409 => "`idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`webhook_url_refused` (`/url` is not public https), `validation_failed` (each bad field in `errors`) or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of replacing a webhook endpoint.
    UpdateProblems:
    400 => "`malformed_request`: the body is not JSON, or `If-Match` is not a list of ETags.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no webhook endpoint of yours has this uid.",
    412 => "`precondition_failed`: the endpoint changed since the ETag in `If-Match`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`webhook_url_refused` or `validation_failed` (each bad field in `errors`, a read-only field sent changed among them).",
    428 => "`precondition_required`: send `If-Match` with the endpoint's ETag."
);

problem_set!(
    /// Errors of rotating a secret or asking for a redelivery.
    ActionProblems:
    400 => "`idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: nothing of yours has this uid.",
    409 => "`idempotency_key_in_flight`.",
    422 => "`idempotency_key_reused`."
);

problem_set!(
    /// Errors of reading a delivery log.
    LogProblems:
    400 => "`malformed_request`: `status`, `page` or `page_size` has the wrong form.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no webhook endpoint of yours has this uid.",
    405 => "`method_not_allowed`."
);

impl From<EndpointError> for ApiError {
    fn from(err: EndpointError) -> Self {
        match err {
            EndpointError::NotFound => ApiError::not_found("No webhook endpoint of yours has this uid."),
            EndpointError::VersionMismatch => ApiError::new(
                &problems::PRECONDITION_FAILED,
                "The endpoint changed since you read it; read it again and retry.",
            ),
            EndpointError::Db(err) => ApiError::from(err),
        }
    }
}

/// A replacement sent without `If-Match`.
pub fn if_match_missing() -> ApiError {
    ApiError::new(
        &problems::PRECONDITION_REQUIRED,
        "Send If-Match with the ETag of the endpoint you read.",
    )
}

/// No endpoint of the merchant has this uid.
pub fn no_endpoint() -> ApiError {
    ApiError::not_found("No webhook endpoint of yours has this uid.")
}
