//! The problems of payment notifications and of the sandbox.

use crate::problem_set;

problem_set!(
    /// Errors of a payment notification.
    NotificationProblems:
    400 => "`malformed_request` (not JSON) or `notification_stale` (timestamp more than 5 minutes away).",
    401 => "`signature_invalid`: `Payment-Signature` missing or wrong.",
    404 => "`not_found`: no order at this URI (the notification is recorded).",
    409 => "`order_not_payable` (already paid or cancelled), `order_expired` (the order expired unpaid: the payment is recorded and the provider must refund it) or `provider_reference_reused`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `amount_mismatch` (the order stays unpaid; recorded)."
);

problem_set!(
    /// Errors of the sandbox payment page.
    SandboxPageProblems:
    404 => "`not_found`: no payment page here. The same answer for a missing or wrong `secret`, an unknown uid and a live sale.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of paying or declining in the sandbox.
    SandboxPayProblems:
    400 => "`malformed_request`: the form is not `decision=pay` or `decision=decline`.",
    404 => "`not_found`: no payment page here. The same answer for a missing or wrong `secret`, an unknown uid and a live sale.",
    405 => "`method_not_allowed`.",
    409 => "`sandbox_refused` (the order is not awaiting payment) or `order_not_payable`.",
    415 => "`unsupported_media_type`: send a form.",
    422 => "`amount_mismatch`."
);

problem_set!(
    /// Errors of reading an order's payments.
    PaymentReadProblems, customer:
    400 => "`malformed_request`: the payment number is not a whole number from 1.",
    401 => "No credentials, or a refused customer token or merchant secret.",
    404 => "`not_found`: no order with this uid that these credentials may see, or no payment with this number in it.",
    405 => "`method_not_allowed`."
);
