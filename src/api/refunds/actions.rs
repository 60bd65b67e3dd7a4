//! What the caller may do with a refund request now, as HAL-FORMS templates: the holder
//! changes or cancels it while it is new; the merchant approves or rejects it while it is
//! new, and processes or rejects it once approved. Each is a `PUT` of the request.

use entity::refund_request;
use sea_orm::DbErr;

use super::input::RefundRequestUpdate;
use crate::{
    domain::status::RefundRequestStatus,
    http::{
        forms::{FormTemplate, Templates, templates},
        hal::Hal,
    },
};

/// Who is looking at the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Holds the order: changes the split, or cancels.
    Holder { offers_change_order: bool },
    /// Sells the order: decides.
    Merchant,
}

/// The `_templates` of a refund request for `role`.
pub fn request_templates(
    hal: &Hal,
    request: &refund_request::Model,
    role: Role,
) -> Result<Option<Templates>, DbErr> {
    let target = hal.href(&format!("/refund_requests/{}", request.uid));
    let status = RefundRequestStatus::from_stored(&request.status)?;
    let decide = |title: &str, to: &str| {
        FormTemplate::of::<RefundRequestUpdate>("PUT", title, target.clone())
            .only(&["status", "reason"])
            .fixed("status", to)
    };
    // Processing records no reason; approving and rejecting do.
    let process = || {
        FormTemplate::of::<RefundRequestUpdate>("PUT", "Process the refund", target.clone())
            .only(&["status"])
            .fixed("status", "processed")
    };
    let offered = match (role, status) {
        (Role::Holder { offers_change_order }, RefundRequestStatus::New) => {
            vec![
                ("update", update(target.clone(), request, offers_change_order)),
                ("cancel", {
                    FormTemplate::of::<RefundRequestUpdate>("PUT", "Cancel the request", target.clone())
                        .only(&["status"])
                        .fixed("status", "cancelled")
                }),
            ]
        }
        (Role::Merchant, RefundRequestStatus::New) => vec![
            ("approve", decide("Approve", "approved")),
            ("reject", decide("Reject", "rejected").requiring("reason")),
        ],
        (Role::Merchant, RefundRequestStatus::Approved) => vec![
            ("process", process()),
            ("reject", decide("Reject", "rejected").requiring("reason")),
        ],
        _ => Vec::new(),
    };
    Ok(templates(offered))
}

/// The holder's change: the split, bank details and `keep_tickets`, starting from the
/// request's current split.
fn update(target: String, request: &refund_request::Model, offers_change_order: bool) -> FormTemplate {
    let mut left_out = vec!["status", "reason", "decision_reason"];
    if !offers_change_order {
        left_out.push("change_order_percentage");
    }
    let mut form = FormTemplate::of::<RefundRequestUpdate>("PUT", "Change the request", target)
        .without(&left_out)
        .prefilled("keep_tickets", request.keep_tickets.to_string());
    let shares = [
        ("refund_percentage", &request.refund_percentage),
        ("change_order_percentage", &request.change_order_percentage),
        ("voucher_percentage", &request.voucher_percentage),
        ("donation_percentage", &request.donation_percentage),
    ];
    for (name, share) in shares {
        if let Some(share) = share {
            form = form.prefilled(name, share.clone());
        }
    }
    form
}
