//! What a notification and the sandbox answer.

use entity::order;
use poem_openapi::{ApiResponse, Object, payload::Html};
use url::Url;

use crate::{
    domain::{money::Money, orders, sales::Outcome},
    http::error::{ApiError, problems},
    http::hal::{Curie, Hal, HalJson, Link},
    http::html::{Page, escape},
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
            "order_expired" => {
                return Err(ApiError::new(
                    &problems::ORDER_EXPIRED,
                    "This notification was already recorded: the order had expired unpaid. The payment provider must refund the money.",
                ));
            }
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
        Outcome::Expired(order) => return Err(expired(&order)),
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

/// A payment for an order that expired unpaid: recorded, used by no sale, to be refunded.
fn expired(order: &order::Model) -> ApiError {
    let when = order
        .expires_at
        .map(|at| format!(" at {}", at.format("%Y-%m-%dT%H:%M:%SZ")))
        .unwrap_or_default();
    ApiError::new(
        &problems::ORDER_EXPIRED,
        format!(
            "The order expired unpaid{when} and its ticket places went back on sale. The payment is recorded but no sale uses it: the payment provider must refund it to the buyer."
        ),
    )
}

#[derive(ApiResponse)]
pub enum SandboxPageResponse {
    /// The sandbox payment page: the order's reference, buyer and amount, and Pay / Decline
    /// buttons while it awaits payment.
    #[oai(status = 200)]
    Ok(Html<String>),
}

#[derive(ApiResponse)]
pub enum SandboxPayResponse {
    /// The result page, for an order without a `redirect_url`.
    #[oai(status = 200)]
    Ok(Html<String>),
    /// Paid or declined: back to the shop's `redirect_url`.
    #[oai(status = 303)]
    Redirect(#[oai(header = "Location")] String),
}

/// The URL of an order's sandbox payment page, with the payment secret that opens it. The
/// order's `payment` link and the page's own form both point here.
pub fn sandbox_page_url(hal: &Hal, order_uid: &str, secret: String) -> Url {
    hal.url_with_query(
        &format!("/sandbox/payments/{order_uid}"),
        [("secret", Some(secret))],
    )
}

/// The sandbox page of an order: Pay / Decline posting to `action` while it awaits payment,
/// what it stands at otherwise.
pub(super) fn payment_page(order: &order::Model, action: &Url) -> Result<String, ApiError> {
    let amount = Money::from_minor(order.grand_total_minor, orders::currency_of(order)?).to_string();
    let status = orders::status_of(order)?;
    let body = if status.awaits_payment() {
        format!(
            "<form method=\"post\" action=\"{action}\"><button type=\"submit\" name=\"decision\" value=\"pay\">Pay {amount}</button>\
             <button type=\"submit\" name=\"decision\" value=\"decline\">Decline</button></form>\
             <p class=\"note\">Sandbox: no money moves. Pay sends a signed <code>captured</code> notification, Decline a <code>declined</code> one.</p>",
            action = escape(action.as_str()),
            amount = escape(&amount),
        )
    } else {
        format!(
            "<p>This order is <strong>{}</strong>; there is nothing to pay.</p>",
            status.as_str()
        )
    };
    let html = format!(
        "<h1>halshop sandbox payment</h1><p>Order <strong>{reference}</strong> for {name}</p><p class=\"amount\">{amount}</p>{body}",
        reference = escape(&order.reference),
        name = escape(&format!("{} {}", order.first_name, order.last_name)),
        amount = escape(&amount),
    );
    Ok(page("Payment", &html))
}

/// Where the browser goes after paying or declining: the order's `redirect_url`, told the
/// order and the result; `None` when the order has none.
pub(super) fn redirect(order: &order::Model, order_uri: &str, result: &str) -> Option<String> {
    let mut redirect = Url::parse(order.redirect_url.as_deref()?).ok()?;
    redirect
        .query_pairs_mut()
        .append_pair("order", order_uri)
        .append_pair("result", result);
    Some(redirect.into())
}

/// The page shown after paying or declining, for an order without a `redirect_url`: it
/// links back to the order (its browsable page; reading it needs the order's credentials).
pub(super) fn result_page(order: &order::Model, order_uri: &str, result: &str) -> String {
    let message = match result {
        "sold" => "Payment captured: the order is complete and its goods are delivered.",
        _ => "Payment declined: the order can be paid again.",
    };
    let html = format!(
        "<h1>halshop sandbox payment</h1><p>Order <strong>{}</strong>: {}</p>\
         <p><a href=\"{}\">Back to order {}</a></p>",
        escape(&order.reference),
        message,
        escape(order_uri),
        escape(&order.reference)
    );
    page("Payment result", &html)
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
