//! What can go wrong in the catalogue, and how catalogue refusals become problems.

use crate::{
    domain::catalogue::CatalogueError,
    http::error::{ApiError, FieldError, problems},
    problem_set,
};

problem_set!(
    /// Errors of the catalogue listing.
    ListProblems:
    400 => "`malformed_request`: a query parameter has the wrong form (`page`, `page_size`, `format`, `kind`, …).",
    405 => "`method_not_allowed`.",
    422 => "`validation_failed`: the `isbn` filter is not a valid ISBN."
);

problem_set!(
    /// Errors of reading one product.
    ReadProblems:
    404 => "`not_found`: no product has this uid.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of reading a store.
    StoreReadProblems:
    404 => "`not_found`: no store has this uid.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of creating a product.
    CreateProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    409 => "`sku_taken`, `isbn_taken`, or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` (each bad field in `errors`; `/event` when no event of yours has that URI) or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of replacing a product.
    UpdateProblems:
    400 => "`malformed_request`: the body is not JSON, or `If-Match` is not a list of ETags.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no product of this merchant has this uid.",
    409 => "`sku_taken`, `isbn_taken`, `capacity_below_held` (orders hold more places than the new capacity) or `event_locked` (orders hold places: the product stays with its event).",
    412 => "`precondition_failed`: the product changed since the ETag in `If-Match`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: each bad field in `errors` (an unknown field, or a read-only field sent changed, among them).",
    428 => "`precondition_required`: send `If-Match` with the product's ETag."
);

impl From<CatalogueError> for ApiError {
    fn from(err: CatalogueError) -> Self {
        match err {
            CatalogueError::NotFound => ApiError::not_found("No product of yours has this uid."),
            CatalogueError::SkuTaken(sku) => ApiError::new(
                &problems::SKU_TAKEN,
                format!("You already have a product with SKU {sku:?}."),
            )
            .with_errors(vec![FieldError::new("/sku", "already in use")]),
            CatalogueError::IsbnTaken(isbn) => ApiError::new(
                &problems::ISBN_TAKEN,
                format!("ISBN {isbn} is already registered in this format."),
            )
            .with_errors(vec![FieldError::new(
                "/isbn",
                "already registered in this format",
            )]),
            CatalogueError::VersionMismatch => ApiError::new(
                &problems::PRECONDITION_FAILED,
                "The product changed since you read it; read it again and retry.",
            ),
            CatalogueError::UnknownEvent => {
                ApiError::validation(vec![FieldError::new("/event", "no event of yours has this URI")])
            }
            CatalogueError::EventLocked => ApiError::new(
                &problems::EVENT_LOCKED,
                "Orders already hold places of this product: it stays with its event.",
            )
            .with_errors(vec![FieldError::new("/event", "places are held")]),
            CatalogueError::CapacityBelowHeld { held } => ApiError::new(
                &problems::CAPACITY_BELOW_HELD,
                format!("Orders already hold {held} places of this product: the capacity cannot be lower."),
            )
            .with_errors(vec![FieldError::new("/capacity", format!("at least {held}"))]),
            CatalogueError::Db(err) => ApiError::from(err),
        }
    }
}

/// A replacement sent without `If-Match`.
pub fn if_match_missing() -> ApiError {
    ApiError::new(
        &problems::PRECONDITION_REQUIRED,
        "Send If-Match with the ETag of the product you read.",
    )
}
