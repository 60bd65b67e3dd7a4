//! What can go wrong with tickets.

use chrono::SecondsFormat;

use crate::{
    domain::tickets::CheckInRefusal,
    http::error::{ApiError, problems},
    problem_set,
};

problem_set!(
    /// Errors of looking tickets up.
    TicketListProblems:
    400 => "`malformed_request`: a query parameter has the wrong form.",
    401 => "`unauthorized`: neither merchant credentials nor a `Scanner-Token`, or a wrong one.",
    405 => "`method_not_allowed`.",
    422 => "`validation_failed`: `event` is not the URI of an event."
);

problem_set!(
    /// Errors of reading a ticket.
    TicketReadProblems, customer:
    401 => "No credentials, or a refused customer token or merchant secret.",
    404 => "`not_found`: no ticket with this uid that these credentials may see.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of checking a ticket in.
    CheckInProblems:
    400 => "`idempotency_key_invalid`.",
    401 => "`unauthorized`: neither merchant credentials nor a `Scanner-Token`, or a wrong one.",
    404 => "`not_found`: no ticket of yours (or of this scanner's event) has this uid.",
    409 => "`already_checked_in`: the ticket was checked in before (the detail says when); or `idempotency_key_in_flight`.",
    410 => "`ticket_voided`: the ticket was refunded and lets nobody in.",
    422 => "`idempotency_key_reused`."
);

problem_set!(
    /// Errors of the ticket keys.
    TicketKeysProblems:
    405 => "`method_not_allowed`."
);

impl From<CheckInRefusal> for ApiError {
    fn from(refusal: CheckInRefusal) -> Self {
        match refusal {
            CheckInRefusal::AlreadyCheckedIn(at) => ApiError::new(
                &problems::ALREADY_CHECKED_IN,
                format!(
                    "This ticket was already checked in at {}.",
                    at.to_rfc3339_opts(SecondsFormat::Secs, true)
                ),
            ),
            CheckInRefusal::Voided(at) => ApiError::new(
                &problems::TICKET_VOIDED,
                format!(
                    "This ticket was voided at {}: it lets nobody in.",
                    at.to_rfc3339_opts(SecondsFormat::Secs, true)
                ),
            ),
        }
    }
}
