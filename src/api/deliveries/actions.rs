//! What may be done with a delivery now, as HAL-FORMS templates: get a download link while
//! a file can be downloaded, redeem the access code while it is active, report reading
//! progress while the delivery is valid. Whoever may see a delivery may take these.

use entity::{delivery, order_line};

use super::input::UsageInput;
use crate::{
    api::pos::RedemptionInput,
    domain::{deliveries, status::DeliveryStatus},
    http::{
        forms::{FormTemplate, Templates, templates},
        hal::Hal,
    },
};

/// The `_templates` of a delivery.
pub fn delivery_templates(
    hal: &Hal,
    delivery: &delivery::Model,
    line: &order_line::Model,
) -> Option<Templates> {
    let path = format!("/deliveries/{}", delivery.uid);
    let mut offered = Vec::new();
    if deliveries::downloadable(delivery, line).is_ok() {
        let target = hal.href(&format!("{path}/download_links"));
        offered.push((
            "create_download_link",
            FormTemplate::empty("POST", "Get a download link", target),
        ));
    }
    if deliveries::redeemable(delivery) {
        let redeem =
            FormTemplate::of::<RedemptionInput>("POST", "Redeem the code", hal.href("/code_redemptions"))
                .fixed("code", &delivery.access_code);
        offered.push(("redeem_code", redeem));
    }
    if delivery.status != DeliveryStatus::Voided.as_str() {
        let report = FormTemplate::of::<UsageInput>(
            "PUT",
            "Report reading progress",
            hal.href(&format!("{path}/usage")),
        )
        .prefilled("percent", delivery.usage_percent.to_string());
        offered.push(("report_usage", report));
    }
    templates(offered)
}
