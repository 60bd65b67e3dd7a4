//! Payment: `POST /payment_notifications` (provider → halshop, HMAC-signed) and the
//! built-in sandbox provider at `/sandbox/payments/{uid}`, which goes through the very same
//! notification handling.

mod input;
mod problems;
mod view;

use poem::web::Data;

use chrono::{DateTime, Utc};
use poem_openapi::{
    OpenApi,
    param::{Header, Path},
    payload::{Form, Html},
};
use sha2::{Digest, Sha256};

use crate::api::ApiTags;
use crate::{
    domain::{
        ids,
        money::{Currency, Money},
        orders,
        sales::{self, Notification, Outcome, PaymentStatus},
        status::OrderStatus,
    },
    http::error::{ApiError, FieldError, Problems},
    http::hal::HalJson,
    http::html::escape,
    http::problems as kinds,
    state::{AppState, SharedState},
};

use self::{
    input::{
        Decision, MAX_AGE_SECONDS, NotificationInput, NotifiedStatus, RawJson, SandboxForm, sign,
        signature_ok,
    },
    problems::{NotificationProblems, SandboxProblems},
    view::{NotificationResponse, SandboxPageResponse, page, respond},
};

/// Handles a notification body exactly as a provider sends it: the endpoint and the sandbox
/// both come here.
pub async fn handle_notification(
    state: &AppState,
    signature: Option<&str>,
    raw: &[u8],
) -> Result<Outcome, ApiError> {
    if !signature_ok(&state.payment_secret, raw, signature) {
        return Err(ApiError::new(
            &kinds::SIGNATURE_INVALID,
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
            &kinds::NOTIFICATION_STALE,
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
    /// deliveries issued, and it completes. Processed once per `provider_reference`. A
    /// capture no sale uses (the order already paid or cancelled, or another amount) is
    /// refused but kept, and raises a `payment.requires_refund` event: the money must go back.
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
                &kinds::SANDBOX_REFUSED,
                "The sandbox provider does not pay live sales.",
            )
            .into());
        }
        if order.status != OrderStatus::AwaitingPayment.as_str() {
            return Err(ApiError::new(
                &kinds::SANDBOX_REFUSED,
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
