//! What the caller may do with an order now, as HAL-FORMS templates: cancel it while it
//! awaits payment, ask for a refund while one can be granted.

use entity::order;

use super::input::CancellationInput;
use crate::{
    api::refunds::RefundRequestInput,
    http::{
        forms::{FormTemplate, Templates, templates},
        hal::Hal,
    },
};

/// The actions open to the caller on one order, decided before the view is built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrderActions {
    /// The order awaits payment and the caller may see it.
    pub cancel: bool,
    /// The caller holds the order and a refund can be granted now.
    pub request_refund: bool,
    /// The shop offers a change of order as a share of a refund.
    pub offers_change_order: bool,
}

/// The `_templates` of an order.
pub fn order_templates(hal: &Hal, order: &order::Model, actions: OrderActions) -> Option<Templates> {
    let order_uri = hal.href(&format!("/orders/{}", order.uid));
    let mut offered = Vec::new();
    if actions.cancel {
        let cancel =
            FormTemplate::of::<CancellationInput>("POST", "Cancel order", hal.href("/ordercancellation"))
                .fixed("order", &order_uri);
        offered.push(("cancel", cancel));
    }
    if actions.request_refund {
        offered.push(("request_refund", request_refund(hal, &order_uri, actions)));
    }
    templates(offered)
}

/// Opening a refund request: the order is fixed; the shares the shop offers are the
/// choices, the whole amount back by the payment provider unless the holder splits it.
fn request_refund(hal: &Hal, order_uri: &str, actions: OrderActions) -> FormTemplate {
    let mut left_out = vec!["amount"];
    if !actions.offers_change_order {
        left_out.push("change_order_percentage");
    }
    FormTemplate::of::<RefundRequestInput>("POST", "Request a refund", hal.href("/refund_requests"))
        .without(&left_out)
        .fixed("order", order_uri)
        .prefilled("refund_percentage", "1.00")
}
