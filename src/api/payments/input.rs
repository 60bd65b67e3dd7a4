//! The bodies a payment provider and the sandbox send, and their signature.

use std::marker::PhantomData;

use chrono::{SecondsFormat, Utc};
use entity::order;
use hmac::{Hmac, Mac};
use poem::{Request, RequestBody};
use poem_openapi::{
    Enum, Object,
    payload::{ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
    types::Type,
};
use sea_orm::DbErr;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::{
    api::types::MoneyRepr,
    domain::{ids, money::Money, orders},
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize, Serialize)]
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

/// `sha256=<hex>` (or bare hex) of the HMAC-SHA256 of `body`.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

pub(super) fn signature_ok(secret: &str, body: &[u8], header: Option<&str>) -> bool {
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

/// The notification the sandbox sends for `order` (at `order_uri`), as a provider would:
/// the order's grand total, captured or declined, under a fresh provider reference.
pub(super) fn sandbox_notification(
    order: &order::Model,
    order_uri: &str,
    decision: Decision,
) -> Result<String, DbErr> {
    let amount = Money::from_minor(order.grand_total_minor, orders::currency_of(order)?);
    let status = match decision {
        Decision::Pay => NotifiedStatus::Captured,
        Decision::Decline => NotifiedStatus::Declined,
    };
    Ok(serde_json::json!({
        "provider_reference": format!("sandbox_{}", ids::new_uid()),
        "order": order_uri,
        "amount": {"amount": amount.amount_string(), "currency": order.currency},
        "status": status,
        "timestamp": Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true),
    })
    .to_string())
}

/// An example of an order's payment secret, as its `payment` link carries it.
pub(super) fn payment_secret_example() -> Option<String> {
    Some("As6i0LYYXZwnkC_3CygXFJLZSVPNUNI21sjYhXUspyo".to_owned())
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
