//! Payment: `POST /payment_notifications` (provider → halshop, HMAC-signed), the built-in
//! sandbox provider at `/sandbox/payments/{uid}`, which goes through the very same
//! notification handling, and the notifications recorded for an order
//! (`/orders/{uid}/payments`).

mod input;
mod problems;
mod records;
mod view;

use chrono::{DateTime, Utc};
use entity::order;
use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
    payload::{Form, Html},
};
use sha2::{Digest, Sha256};

use crate::api::ApiTags;
use crate::{
    auth::OrderCaller,
    domain::{
        money::Money,
        orders,
        sales::{self, Notification, Outcome, PaymentStatus},
        sandbox,
    },
    http::error::{ApiError, FieldError, Problems},
    http::hal::HalJson,
    http::problems as kinds,
    state::{AppState, SharedState},
};

pub use self::view::sandbox_page_url;
use self::{
    input::{
        MAX_AGE_SECONDS, NotificationInput, NotifiedStatus, RawJson, SandboxForm, payment_secret_example,
        sandbox_notification, sign, signature_ok,
    },
    problems::{NotificationProblems, PaymentReadProblems, SandboxPageProblems, SandboxPayProblems},
    records::{PaymentCollection, PaymentRepr, PaymentResponse, PaymentsResponse},
    view::{
        NotificationResponse, SandboxPageResponse, SandboxPayResponse, payment_page, redirect, respond,
        result_page,
    },
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
    let outcome = sales::record(&state.db, &note, &request_hash).await?;
    if let Outcome::Sold(order) = &outcome {
        crate::telemetry::sale(&order.currency, order.grand_total_minor);
    }
    Ok(outcome)
}

/// The order whose sandbox page the caller opened. A missing or wrong secret, an unknown
/// uid and a live sale all get this one 404, so that the answer tells nothing about the order.
async fn opened(state: &AppState, uid: &str, secret: Option<&str>) -> Result<order::Model, ApiError> {
    sandbox::order_opened_by(&state.db, &state.sandbox_key, uid, secret)
        .await?
        .ok_or_else(|| {
            ApiError::not_found("No payment page exists at this URL: follow the order's `payment` link.")
        })
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
    /// The built-in sandbox provider's page for an order of a test sale: its reference,
    /// buyer and amount, and Pay / Decline buttons while it awaits payment. Open it in a
    /// browser by following the order's `payment` link, whose `secret` opens this page and
    /// nothing else. Without the right secret the answer is 404, as for an order that does
    /// not exist; a live sale is never found here.
    #[oai(
        path = "/sandbox/payments/:uid",
        method = "get",
        operation_id = "sandbox_payment_page"
    )]
    async fn sandbox_page(
        &self,
        state: Data<&SharedState>,
        /// The order's uid.
        uid: Path<String>,
        /// The order's payment secret, as its `payment` link gives it.
        #[oai(example = "payment_secret_example")]
        secret: Query<Option<String>>,
    ) -> Result<SandboxPageResponse, Problems<SandboxPageProblems>> {
        let state = state.0;
        let order = opened(state, &uid.0, secret.0.as_deref()).await?;
        let action = sandbox_page_url(&state.hal, &order.uid, state.sandbox_key.secret_for(&order.uid));
        Ok(SandboxPageResponse::Ok(Html(payment_page(&order, &action)?)))
    }

    /// Pay or decline in the sandbox
    ///
    /// What the page's buttons post, with the same `secret`. Sends the provider notification
    /// for this order — signed with the shared secret, to the same handling as a real
    /// provider's — then returns the browser to the order's `redirect_url` (with `order` and
    /// `result` query parameters) or shows the result.
    #[oai(
        path = "/sandbox/payments/:uid",
        method = "post",
        operation_id = "sandbox_pay"
    )]
    async fn sandbox_pay(
        &self,
        state: Data<&SharedState>,
        /// The order's uid.
        uid: Path<String>,
        /// The order's payment secret, as its `payment` link gives it.
        #[oai(example = "payment_secret_example")]
        secret: Query<Option<String>>,
        form: Form<SandboxForm>,
    ) -> Result<SandboxPayResponse, Problems<SandboxPayProblems>> {
        let state = state.0;
        let order = opened(state, &uid.0, secret.0.as_deref()).await?;
        let status = orders::status_of(&order)?;
        if !status.awaits_payment() {
            return Err(ApiError::new(
                &kinds::SANDBOX_REFUSED,
                format!("The order is {}; there is nothing to pay.", status.as_str()),
            )
            .into());
        }
        let order_uri = state.hal.href(&format!("/orders/{}", order.uid));
        let body = sandbox_notification(&order, &order_uri, form.0.decision)?;
        let signature = sign(&state.payment_secret, body.as_bytes());
        let outcome = handle_notification(state, Some(&signature), body.as_bytes()).await?;
        let result = respond(state, outcome)?;
        Ok(match redirect(&order, &order_uri, &result.result) {
            Some(location) => SandboxPayResponse::Redirect(location),
            None => SandboxPayResponse::Ok(Html(result_page(&order, &order_uri, &result.result))),
        })
    }

    /// List an order's payments
    ///
    /// Every payment notification the provider sent for the order, oldest first, kept
    /// whatever its outcome: a declined attempt, the captured payment that sold the order,
    /// one that came too late. Seen by whoever may see the order.
    #[oai(
        path = "/orders/:uid/payments",
        method = "get",
        operation_id = "list_payments"
    )]
    async fn payments(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The order's uid.
        uid: Path<String>,
    ) -> Result<PaymentsResponse, Problems<PaymentReadProblems>> {
        let order = caller.visible_order(orders::find(&state.db, &uid.0).await?, "order with this uid")?;
        let payments = sales::payments_of(&state.db, order.id).await?;
        let collection = PaymentCollection::new(&state.hal, req, &order, &payments)?;
        Ok(PaymentsResponse::Ok(HalJson(collection)))
    }

    /// Read a payment of an order
    ///
    /// One payment notification of the order, numbered from 1 in the order they came.
    #[oai(
        path = "/orders/:uid/payments/:n",
        method = "get",
        operation_id = "get_payment"
    )]
    async fn payment(
        &self,
        state: Data<&SharedState>,
        caller: OrderCaller,
        /// The order's uid.
        uid: Path<String>,
        /// The payment's number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        n: Path<u32>,
    ) -> Result<PaymentResponse, Problems<PaymentReadProblems>> {
        let order = caller.visible_order(orders::find(&state.db, &uid.0).await?, "order with this uid")?;
        let payments = sales::payments_of(&state.db, order.id).await?;
        let n = n.0 as usize;
        let payment = payments
            .get(n - 1)
            .ok_or_else(|| ApiError::not_found("This order has no payment with this number."))?;
        Ok(PaymentResponse::Ok(HalJson(PaymentRepr::new(
            &state.hal,
            &order,
            (n, payment),
        )?)))
    }
}
