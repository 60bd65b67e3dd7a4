//! What can go wrong with deliveries and downloads, and how refusals become problems.

use crate::{
    domain::{deliveries::NotDownloadable, downloads::LinkError},
    http::error::{ApiError, problems},
    problem_set,
};

problem_set!(
    /// Errors of reading deliveries.
    DeliveryReadProblems, customer:
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: nothing with this uid is visible with these credentials.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of asking for a download link.
    LinkProblems, customer:
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: no delivery with this uid is visible with these credentials.",
    405 => "`method_not_allowed`.",
    409 => "`not_downloadable`: a ticket, or a voided delivery."
);

problem_set!(
    /// Errors of following a download link.
    DownloadProblems:
    400 => "`malformed_request`: the token is longer than any link's.",
    404 => "`not_found`: no such link (never issued, or forged).",
    405 => "`method_not_allowed`.",
    410 => "`link_expired`, `link_used` or `delivery_voided`.",
    503 => "`content_unavailable`: the file is missing from the content store; nothing was recorded."
);

problem_set!(
    /// Errors of reporting usage.
    UsageProblems, customer:
    400 => "`malformed_request`: the body is not JSON.",
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: no delivery with this uid is visible with these credentials.",
    409 => "`usage_decrease`: lower than the usage recorded.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: percent is 0 to 100."
);

impl From<NotDownloadable> for ApiError {
    fn from(err: NotDownloadable) -> Self {
        match err {
            NotDownloadable::Voided => {
                ApiError::new(&problems::NOT_DOWNLOADABLE, "This delivery was voided.")
            }
            NotDownloadable::NoFile => {
                ApiError::new(&problems::NOT_DOWNLOADABLE, "A ticket has no file to download.")
            }
        }
    }
}

impl From<LinkError> for ApiError {
    fn from(err: LinkError) -> Self {
        match err {
            LinkError::Unknown => ApiError::not_found("No such download link."),
            LinkError::Expired => ApiError::new(
                &problems::LINK_EXPIRED,
                "This download link has expired; ask for a new one.",
            ),
            LinkError::Used => ApiError::new(
                &problems::LINK_USED,
                "This download link was already used; ask for a new one.",
            ),
            LinkError::Voided => ApiError::new(&problems::DELIVERY_VOIDED, "This delivery was voided."),
            LinkError::ContentMissing(what) => {
                tracing::error!(%what, "content file missing");
                ApiError::new(
                    &problems::CONTENT_UNAVAILABLE,
                    "The file is not available right now; nothing was recorded.",
                )
            }
            LinkError::Watermark(why) => ApiError::internal(format!("watermark failed: {why}")),
        }
    }
}

/// A usage report lower than what was recorded.
pub fn usage_decrease(recorded: i32) -> ApiError {
    ApiError::new(
        &problems::USAGE_DECREASE,
        format!("Usage is already {recorded} %; it cannot go down."),
    )
}
