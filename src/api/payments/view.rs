//! What a notification and the sandbox answer.

use poem_openapi::{ApiResponse, Object, payload::Html};

use crate::{
    domain::sales::Outcome,
    http::error::{ApiError, problems},
    http::hal::{Curie, HalJson, Link},
    http::html::Page,
    state::AppState,
};

#[derive(Debug, Clone, Object)]
pub struct NotificationLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:order", skip_serializing_if_is_none)]
    pub order: Option<Link>,
}

/// What halshop did with a notification.
#[derive(Debug, Clone, Object)]
pub struct NotificationResult {
    #[oai(rename = "_links")]
    pub links: NotificationLinks,
    /// `sold` (the sale is registered and the goods delivered) or `declined` (the order
    /// can be paid again).
    pub result: String,
    /// True when this provider reference had already been processed: nothing changed now.
    pub replayed: bool,
    #[oai(skip_serializing_if_is_none)]
    pub order_status: Option<String>,
}

#[derive(ApiResponse)]
pub enum NotificationResponse {
    /// The notification was processed (or had been, for a replay).
    #[oai(status = 200)]
    Ok(HalJson<NotificationResult>),
}

/// The answer to a notification: 200 for a sale or a decline (first time or replay), a
/// problem otherwise — the same one for a replay as for the first delivery.
pub(super) fn respond(state: &AppState, outcome: Outcome) -> Result<NotificationResult, ApiError> {
    let hal = &state.hal;
    let order_link = |uid: &str| hal.link(&format!("/orders/{uid}"));
    let (result, replayed, order_uid, order_status) = match outcome {
        Outcome::Sold(order) => ("sold".to_owned(), false, Some(order.uid), Some(order.status)),
        Outcome::Declined(order) => ("declined".to_owned(), false, Some(order.uid), Some(order.status)),
        Outcome::AlreadyProcessed { outcome, order_uid } => match outcome.as_str() {
            "sold" | "declined" => (outcome, true, order_uid, None),
            "amount_mismatch" => {
                return Err(ApiError::new(
                    &problems::AMOUNT_MISMATCH,
                    "This notification was already recorded: its amount is not the order's grand total.",
                ));
            }
            "unknown_order" => return Err(ApiError::not_found("No order at this URI.")),
            _ => {
                return Err(ApiError::new(
                    &problems::ORDER_NOT_PAYABLE,
                    "This notification was already recorded: the order could not be paid.",
                ));
            }
        },
        Outcome::ReferenceReused => {
            return Err(ApiError::new(
                &problems::PROVIDER_REFERENCE_REUSED,
                "This provider reference was already notified with different content.",
            ));
        }
        Outcome::AmountMismatch { expected, received } => {
            return Err(ApiError::new(
                &problems::AMOUNT_MISMATCH,
                format!(
                    "Received {received}, but the order's grand total is {expected}. The order stays unpaid."
                ),
            ));
        }
        Outcome::NotPayable(status) => {
            return Err(ApiError::new(
                &problems::ORDER_NOT_PAYABLE,
                format!("The order is {}; it cannot be paid.", status.as_str()),
            ));
        }
        Outcome::UnknownOrder => return Err(ApiError::not_found("No order at this URI.")),
    };
    Ok(NotificationResult {
        links: NotificationLinks {
            self_link: hal.link("/payment_notifications"),
            curies: hal.curies(),
            order: order_uid.as_deref().map(order_link),
        },
        result,
        replayed,
        order_status,
    })
}

#[derive(ApiResponse)]
pub enum SandboxPageResponse {
    /// The sandbox payment page (or its result page).
    #[oai(status = 200)]
    Ok(Html<String>),
    /// Paid or declined: back to the shop's `redirect_url`.
    #[oai(status = 303)]
    Redirect(#[oai(header = "Location")] String),
}

/// The shell of a sandbox page.
pub(super) fn page(title: &str, body: &str) -> String {
    Page {
        title,
        site: "halshop sandbox",
        viewport: true,
        style: "body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}\
                .amount{font-size:2rem;margin:1rem 0}button{font-size:1.1rem;padding:.6rem 1.4rem;margin-right:.6rem}\
                .note{color:#666;font-size:.9rem}",
    }
    .render(body)
}
