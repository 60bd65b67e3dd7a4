//! Payment: `POST /payment_notifications` (provider → halshop, HMAC-signed) and the
//! built-in sandbox provider at `/sandbox/payments/{uid}`, which goes through the very same
//! notification handling.

use poem::web::Data;
use std::marker::PhantomData;

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use poem::{Request, RequestBody};
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path},
    payload::{Form, Html, ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
    types::Type,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::{ApiTags, types::MoneyRepr};
use crate::{
    domain::{
        ids,
        money::{Currency, Money},
        orders,
        sales::{self, Notification, Outcome, PaymentStatus},
        status::OrderStatus,
    },
    http::error::{ApiError, FieldError, Problems, problems},
    http::hal::{Curie, HalJson, Link},
    http::html::{Page, escape},
    problem_set,
    state::{AppState, SharedState},
};

/// How far a notification's timestamp may be from now.
pub const MAX_AGE_SECONDS: i64 = 5 * 60;

/// A JSON body kept as raw bytes, so that its signature can be checked before it is read.
pub struct RawJson<T>(pub Vec<u8>, PhantomData<T>);

impl<T: Type> Payload for RawJson<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        <crate::http::json::JsonBody<T> as Payload>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + Send> ParsePayload for RawJson<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = body.take()?.into_bytes().await?;
        Ok(RawJson(bytes.to_vec(), PhantomData))
    }
}

poem_openapi::impl_apirequest_for_payload!(RawJson<T>, T: Type + Send);

/// What the provider says happened to the payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum NotifiedStatus {
    Captured,
    Declined,
}

/// A payment notification, signed by the provider.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct NotificationInput {
    /// The provider's id of this payment; a notification is processed once per reference.
    #[oai(validator(min_length = 1, max_length = 128))]
    pub provider_reference: String,
    /// URI of the order paid.
    #[oai(validator(max_length = 2048))]
    pub order: String,
    /// What was paid; must equal the order's `grand_total`.
    pub amount: MoneyRepr,
    pub status: NotifiedStatus,
    /// When the provider sent it (RFC 3339); refused when more than 5 minutes from now.
    #[oai(validator(max_length = 64))]
    pub timestamp: String,
}

impl poem_openapi::types::Example for NotificationInput {
    fn example() -> Self {
        NotificationInput {
            provider_reference: "psp_3P9kXq2L".into(),
            order: "https://shop.example.com/orders/f6284ab0fd3147e5b6ea40cc0ba1b69a".into(),
            amount: MoneyRepr {
                amount: "22.98".into(),
                currency: "CAD".into(),
            },
            status: NotifiedStatus::Captured,
            timestamp: "2026-11-22T11:20:23Z".into(),
        }
    }
}

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

problem_set!(
    /// Errors of a payment notification.
    NotificationProblems:
    400 => "`malformed_request` (not JSON) or `notification_stale` (timestamp more than 5 minutes away).",
    401 => "`signature_invalid`: `Payment-Signature` missing or wrong.",
    404 => "`not_found`: no order at this URI (the notification is recorded).",
    409 => "`order_not_payable` (already paid or cancelled) or `provider_reference_reused`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `amount_mismatch` (the order stays unpaid; recorded)."
);

/// `sha256=<hex>` (or bare hex) of the HMAC-SHA256 of `body`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn signature_ok(secret: &str, body: &[u8], header: Option<&str>) -> bool {
    let Some(header) = header else { return false };
    let presented = header.trim();
    let presented = presented.strip_prefix("sha256=").unwrap_or(presented);
    let Ok(presented) = hex::decode(presented) else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    // Constant-time comparison.
    mac.verify_slice(&presented).is_ok()
}

/// Handles a notification body exactly as a provider sends it: the endpoint and the sandbox
/// both come here.
pub async fn handle_notification(
    state: &AppState,
    signature: Option<&str>,
    raw: &[u8],
) -> Result<Outcome, ApiError> {
    if !signature_ok(&state.payment_secret, raw, signature) {
        return Err(ApiError::new(
            &problems::SIGNATURE_INVALID,
            "Payment-Signature is missing or does not match the body.",
        ));
    }
    let input: NotificationInput = crate::http::json::parse_json(raw)?;
    let timestamp = DateTime::parse_from_rfc3339(input.timestamp.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| {
            ApiError::validation(vec![FieldError::new(
                "/timestamp",
                "an RFC 3339 time such as 2026-11-22T11:20:23Z",
            )])
        })?;
    if (Utc::now() - timestamp).num_seconds().abs() > MAX_AGE_SECONDS {
        return Err(ApiError::new(
            &problems::NOTIFICATION_STALE,
            "The notification's timestamp is more than 5 minutes from now.",
        ));
    }
    let amount = Money::parse(&input.amount.amount, &input.amount.currency)
        .map_err(|err| ApiError::validation(vec![FieldError::new("/amount", err.to_string())]))?;
    let reference = input.provider_reference.trim();
    if reference.is_empty() || reference.len() > 128 {
        return Err(ApiError::validation(vec![FieldError::new(
            "/provider_reference",
            "1 to 128 characters",
        )]));
    }
    let order_uid = state.hal.uid_from_uri(input.order.trim(), "/orders");
    let note = Notification {
        provider_reference: reference.to_owned(),
        order_uid,
        order_uri: input.order.trim().to_owned(),
        amount,
        status: match input.status {
            NotifiedStatus::Captured => PaymentStatus::Captured,
            NotifiedStatus::Declined => PaymentStatus::Declined,
        },
        timestamp,
    };
    let request_hash = hex::encode(Sha256::digest(raw));
    Ok(sales::record(&state.db, &note, &request_hash).await?)
}

/// The answer to a notification: 200 for a sale or a decline (first time or replay), a
/// problem otherwise — the same one for a replay as for the first delivery.
fn respond(state: &AppState, outcome: Outcome) -> Result<NotificationResult, ApiError> {
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

/// The sandbox's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Pay,
    Decline,
}

/// The sandbox payment form.
#[derive(Debug, Clone, Object, Deserialize)]
pub struct SandboxForm {
    pub decision: Decision,
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

problem_set!(
    /// Errors of the sandbox provider.
    SandboxProblems:
    400 => "`malformed_request`: the form is not `decision=pay` or `decision=decline`.",
    404 => "`not_found`: no order has this uid.",
    405 => "`method_not_allowed`.",
    409 => "`sandbox_refused` (a live sale, or an order not awaiting payment) or `order_not_payable`.",
    415 => "`unsupported_media_type`: send a form.",
    422 => "`amount_mismatch`."
);

/// The shell of a sandbox page.
fn page(title: &str, body: &str) -> String {
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

#[derive(Default)]
pub struct PaymentsApi;

#[OpenApi(tag = "ApiTags::Payment")]
impl PaymentsApi {
    /// Receive a payment notification (provider)
    ///
    /// The payment provider tells halshop that an order's payment was captured or declined.
    /// Authenticated by `Payment-Signature: sha256=<hex>`, the HMAC-SHA256 of the raw body
    /// with the shared secret; the body's `timestamp` must be within 5 minutes. A captured
    /// payment of exactly the grand total registers the sale once: the order is paid, its
    /// deliveries issued, and it completes. Processed once per `provider_reference`.
    #[oai(
        path = "/payment_notifications",
        method = "post",
        operation_id = "notify_payment"
    )]
    async fn notify(
        &self,
        state: Data<&SharedState>,
        /// `sha256=<hex>`: HMAC-SHA256 of the raw body with the shared secret.
        #[oai(name = "Payment-Signature", validator(max_length = 200))]
        signature: Header<Option<String>>,
        body: RawJson<NotificationInput>,
    ) -> Result<NotificationResponse, Problems<NotificationProblems>> {
        let outcome = handle_notification(state.0, signature.0.as_deref(), &body.0).await?;
        Ok(NotificationResponse::Ok(HalJson(respond(state.0, outcome)?)))
    }

    /// Sandbox payment page
    ///
    /// The built-in sandbox provider's page for an order: the amount, and Pay / Decline
    /// buttons. Follow an order's `payment` link here in a browser. Test sales only.
    #[oai(
        path = "/sandbox/payments/:uid",
        method = "get",
        operation_id = "sandbox_payment_page"
    )]
    async fn sandbox_page(
        &self,
        state: Data<&SharedState>,
        uid: Path<String>,
    ) -> Result<SandboxPageResponse, Problems<SandboxProblems>> {
        let order = orders::find(&state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No order has this uid."))?;
        let currency: Currency = order
            .currency
            .parse()
            .map_err(|_| ApiError::internal("order currency"))?;
        let amount = Money::from_minor(order.grand_total_minor, currency);
        let status = OrderStatus::from_stored(&order.status)?;
        let body = if order.sale_state != "test" {
            "<p>This is a live sale: the sandbox provider does not pay live sales.</p>".to_owned()
        } else if status != OrderStatus::AwaitingPayment {
            format!(
                "<p>This order is <strong>{}</strong>; there is nothing to pay.</p>",
                status.as_str()
            )
        } else {
            format!(
                "<form method=\"post\"><button type=\"submit\" name=\"decision\" value=\"pay\">Pay {amount}</button>\
                 <button type=\"submit\" name=\"decision\" value=\"decline\">Decline</button></form>\
                 <p class=\"note\">Sandbox: no money moves. Pay sends a signed <code>captured</code> notification, Decline a <code>declined</code> one.</p>",
                amount = escape(&amount.to_string())
            )
        };
        let html = format!(
            "<h1>halshop sandbox payment</h1><p>Order <strong>{reference}</strong> for {name}</p><p class=\"amount\">{amount}</p>{body}",
            reference = escape(&order.reference),
            name = escape(&format!("{} {}", order.first_name, order.last_name)),
            amount = escape(&amount.to_string()),
        );
        Ok(SandboxPageResponse::Ok(Html(page("Payment", &html))))
    }

    /// Pay or decline in the sandbox
    ///
    /// Sends the provider notification for this order — signed with the shared secret, to
    /// the same handling as a real provider's — then returns the browser to the order's
    /// `redirect_url` (with `order` and `result` query parameters) or shows the result.
    #[oai(
        path = "/sandbox/payments/:uid",
        method = "post",
        operation_id = "sandbox_pay"
    )]
    async fn sandbox_pay(
        &self,
        state: Data<&SharedState>,
        uid: Path<String>,
        form: Form<SandboxForm>,
    ) -> Result<SandboxPageResponse, Problems<SandboxProblems>> {
        let state = state.0;
        let order = orders::find(&state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No order has this uid."))?;
        if order.sale_state != "test" {
            return Err(ApiError::new(
                &problems::SANDBOX_REFUSED,
                "The sandbox provider does not pay live sales.",
            )
            .into());
        }
        if order.status != OrderStatus::AwaitingPayment.as_str() {
            return Err(ApiError::new(
                &problems::SANDBOX_REFUSED,
                format!("The order is {}; there is nothing to pay.", order.status),
            )
            .into());
        }
        let currency: Currency = order
            .currency
            .parse()
            .map_err(|_| ApiError::internal("order currency"))?;
        let order_uri = state.hal.href(&format!("/orders/{}", order.uid));
        let status = match form.0.decision {
            Decision::Pay => "captured",
            Decision::Decline => "declined",
        };
        let body = serde_json::json!({
            "provider_reference": format!("sandbox_{}", ids::new_uid()),
            "order": order_uri,
            "amount": {"amount": Money::from_minor(order.grand_total_minor, currency).amount_string(), "currency": order.currency},
            "status": status,
            "timestamp": Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        })
        .to_string();
        let signature = sign(&state.payment_secret, body.as_bytes());
        let outcome = handle_notification(state, Some(&signature), body.as_bytes()).await?;
        let result = respond(state, outcome)?;
        if let Some(redirect) = order
            .redirect_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
        {
            let mut redirect = redirect;
            redirect
                .query_pairs_mut()
                .append_pair("order", &order_uri)
                .append_pair("result", &result.result);
            return Ok(SandboxPageResponse::Redirect(redirect.into()));
        }
        let message = match result.result.as_str() {
            "sold" => "Payment captured: the order is complete and its goods are delivered.",
            _ => "Payment declined: the order can be paid again.",
        };
        let html = format!(
            "<h1>halshop sandbox payment</h1><p>Order <strong>{}</strong>: {}</p>",
            escape(&order.reference),
            message
        );
        Ok(SandboxPageResponse::Ok(Html(page("Payment result", &html))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_checked_in_either_form() {
        let signature = sign("secret", b"{}");
        assert!(signature_ok("secret", b"{}", Some(&signature)));
        assert!(signature_ok(
            "secret",
            b"{}",
            Some(signature.trim_start_matches("sha256="))
        ));
        assert!(!signature_ok("other", b"{}", Some(&signature)));
        assert!(!signature_ok("secret", b"{ }", Some(&signature)));
        assert!(!signature_ok("secret", b"{}", Some("sha256=zz")));
        assert!(!signature_ok("secret", b"{}", None));
    }
}
