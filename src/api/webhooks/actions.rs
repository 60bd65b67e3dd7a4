//! What the merchant may do with their webhook endpoints, as HAL-FORMS templates.

use entity::webhook_endpoint;

use super::input::WebhookEndpointInput;
use crate::{
    domain::webhooks::event_types_of,
    http::{
        forms::{FormTemplate, Templates, templates},
        hal::Hal,
    },
};

/// The `_templates` of the endpoint collection: `create`.
pub fn collection_templates(hal: &Hal) -> Option<Templates> {
    templates(vec![(
        "create",
        FormTemplate::of::<WebhookEndpointInput>(
            "POST",
            "Add a webhook endpoint",
            hal.href("/webhook_endpoints"),
        ),
    )])
}

/// The `_templates` of an endpoint: `edit` (from the current values), `delete` and
/// `rotate_secret`.
pub fn endpoint_templates(hal: &Hal, endpoint: &webhook_endpoint::Model) -> Option<Templates> {
    let target = hal.href(&format!("/webhook_endpoints/{}", endpoint.uid));
    let edit = FormTemplate::of::<WebhookEndpointInput>("PUT", "Save the endpoint", target.clone())
        .prefilled("url", endpoint.url.clone())
        .prefilled("description", endpoint.description.clone())
        .prefilled("event_types", event_types_of(&endpoint.event_types).join(","))
        .prefilled("enabled", endpoint.enabled.to_string());
    let delete = FormTemplate::empty("DELETE", "Delete the endpoint", target);
    let rotate = FormTemplate::empty(
        "POST",
        "Issue a new signing secret",
        hal.href(&format!("/webhook_endpoints/{}/secret_rotations", endpoint.uid)),
    );
    templates(vec![
        ("edit", edit),
        ("delete", delete),
        ("rotate_secret", rotate),
    ])
}
