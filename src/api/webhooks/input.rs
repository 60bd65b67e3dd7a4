//! What a merchant sends for a webhook endpoint, checked in shape and turned into a draft.

use poem_openapi::Object;
use serde::Deserialize;

use super::view::WebhookEndpointRepr;
use crate::{
    domain::webhooks::{
        endpoints::EndpointDraft,
        targets::{self, TargetError},
    },
    http::{
        error::{ApiError, FieldError, problems},
        hal::Paging,
        round_trip::Editable,
    },
};

/// What a merchant sends to create or replace a webhook endpoint.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct WebhookEndpointInput {
    /// Where to POST events: an `https` URL on the public internet.
    #[oai(validator(min_length = 1, max_length = 2048))]
    pub url: String,
    /// What the endpoint is for (up to 500 characters).
    #[oai(validator(max_length = 500))]
    pub description: Option<String>,
    /// The event types to send: exact types (`order.completed`) or a prefix and `*`
    /// (`refund.*`). Absent or empty: every event.
    #[oai(validator(max_items = 50))]
    pub event_types: Option<Vec<String>>,
    /// Whether events are sent (default true). Setting it true again re-enables an endpoint
    /// halshop disabled.
    pub enabled: Option<bool>,
}

impl poem_openapi::types::Example for WebhookEndpointInput {
    fn example() -> Self {
        WebhookEndpointInput {
            url: "https://backoffice.example.com/halshop/events".into(),
            description: Some("Back office".into()),
            event_types: Some(vec!["order.completed".into(), "refund.*".into()]),
            enabled: Some(true),
        }
    }
}

impl Editable for WebhookEndpointInput {
    type Repr = WebhookEndpointRepr;
    const SCHEMA_NAME: &'static str = "WebhookEndpointReplacement";
}

/// Whether `text` is an event type or a `prefix.*` pattern.
fn is_event_type(text: &str) -> bool {
    let name = text.strip_suffix(".*").unwrap_or(text);
    !name.is_empty()
        && text.len() <= 100
        && name.split('.').all(|part| {
            part.starts_with(|c: char| c.is_ascii_lowercase())
                && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
        })
}

impl WebhookEndpointInput {
    /// Checks every field; the URL against the target rules (`allow_private`: development).
    pub fn draft(&self, allow_private: bool) -> Result<EndpointDraft, ApiError> {
        let mut errors = Vec::new();
        let event_types = self.event_types.clone().unwrap_or_default();
        for (at, event_type) in event_types.iter().enumerate() {
            if !is_event_type(event_type) {
                errors.push(FieldError::new(
                    format!("/event_types/{at}"),
                    "an event type (`order.completed`) or a prefix and `*` (`refund.*`)",
                ));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let url = targets::check_url(&self.url, allow_private).map_err(url_refused)?;
        Ok(EndpointDraft {
            url: url.into(),
            description: self.description.clone().unwrap_or_default(),
            event_types,
            enabled: self.enabled.unwrap_or(true),
        })
    }
}

/// A URL that cannot receive webhooks: 422 `webhook_url_refused`, naming `/url`.
fn url_refused(error: TargetError) -> ApiError {
    let detail = match error {
        TargetError::NotHttps => "The webhook URL must use https.".to_owned(),
        TargetError::PrivateAddress => {
            "The webhook URL points at a loopback, private, link-local or unspecified address.".to_owned()
        }
        ref other => format!("The webhook URL is refused: it {other}."),
    };
    ApiError::new(&problems::WEBHOOK_URL_REFUSED, detail)
        .with_errors(vec![FieldError::new("/url", error.to_string())])
}

/// The page asked for.
pub fn paging(page: Option<u64>, page_size: Option<u64>) -> Paging {
    Paging {
        page: page.unwrap_or(1),
        page_size: page_size.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_types_are_names_or_prefixes() {
        for good in [
            "order.completed",
            "refund.*",
            "sales_summary.daily",
            "refund_request.*",
        ] {
            assert!(is_event_type(good), "{good}");
        }
        for bad in [
            "",
            "*",
            "Order.completed",
            "order..completed",
            "order.*.x",
            "order completed",
        ] {
            assert!(!is_event_type(bad), "{bad}");
        }
    }
}
