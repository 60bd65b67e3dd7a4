//! The built-in sandbox payment provider: which orders it serves, and the payment secret
//! that opens an order's sandbox page.
//!
//! The page shows the buyer's name, the order reference and the amount, and pays the order:
//! knowing an order's uid is not enough to reach it. Each order has a payment secret of its
//! own, derived (never stored) as `base64url(HMAC-SHA256(key, "sandbox-payment:" + uid))`
//! with a server key kept in the database, so that every instance derives the same one. It
//! is given only in the order's `payment` link and opens nothing but that page.

use std::fmt;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use entity::order;
use hmac::{Hmac, Mac};
use sea_orm::{ConnectionTrait, DbErr};
use sha2::Sha256;

use super::{merchants::SaleState, orders, secrets, status::OrderStatus};

/// What the HMAC of a payment secret covers besides the uid, so that the key can never
/// produce a value meant for something else.
const PURPOSE: &str = "sandbox-payment:";

/// The server key from which every order's payment secret is derived.
#[derive(Clone)]
pub struct SandboxKey(String);

impl fmt::Debug for SandboxKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SandboxKey(…)")
    }
}

impl SandboxKey {
    /// The key kept in the database, created on first use.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        secrets::get_or_create(db, secrets::SANDBOX_PAYMENT_KEY)
            .await
            .map(SandboxKey)
    }

    fn mac(&self, order_uid: &str) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(self.0.as_bytes()).expect("HMAC takes any key length");
        mac.update(PURPOSE.as_bytes());
        mac.update(order_uid.as_bytes());
        mac
    }

    /// The payment secret of the order `order_uid`.
    pub fn secret_for(&self, order_uid: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(order_uid).finalize().into_bytes())
    }

    /// Whether `presented` is the payment secret of `order_uid`, compared in constant time.
    pub fn opens(&self, order_uid: &str, presented: &str) -> bool {
        let Ok(presented) = URL_SAFE_NO_PAD.decode(presented.trim()) else {
            return false;
        };
        self.mac(order_uid).verify_slice(&presented).is_ok()
    }

    /// The secret for the order's `payment` link: only for an order the sandbox serves and
    /// only while it awaits payment.
    pub fn payment_secret(&self, order: &order::Model) -> Result<Option<String>, DbErr> {
        let payable = serves(order) && orders::status_of(order)? == OrderStatus::AwaitingPayment;
        Ok(payable.then(|| self.secret_for(&order.uid)))
    }
}

/// Whether the sandbox deals with this order at all: test sales only. A live sale is paid
/// through a real provider, and the sandbox does not know it.
pub fn serves(order: &order::Model) -> bool {
    order.sale_state == SaleState::Test.as_str()
}

/// The order whose sandbox page `secret` opens. `None` alike for a missing or wrong secret,
/// an unknown uid and a live sale, so that the answer tells nothing about the order. The
/// secret is checked before the database is read: a wrong one costs the same for any uid.
pub async fn order_opened_by(
    db: &impl ConnectionTrait,
    key: &SandboxKey,
    uid: &str,
    secret: Option<&str>,
) -> Result<Option<order::Model>, DbErr> {
    match secret {
        Some(secret) if key.opens(uid, secret) => Ok(orders::find(db, uid).await?.filter(serves)),
        _ => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const UID: &str = "f6284ab0fd3147e5b6ea40cc0ba1b69a";

    fn key(value: &str) -> SandboxKey {
        SandboxKey(value.to_owned())
    }

    #[test]
    fn a_payment_secret_is_base64url_of_the_keyed_hmac_of_the_purpose_and_uid() {
        let mut mac = Hmac::<Sha256>::new_from_slice(b"k").unwrap();
        mac.update(format!("sandbox-payment:{UID}").as_bytes());
        let expected = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
        assert_eq!(key("k").secret_for(UID), expected);
        assert_eq!(expected.len(), 43);
    }

    #[test]
    fn a_payment_secret_opens_only_its_own_order_under_its_own_key() {
        let secret = key("k").secret_for(UID);
        assert!(key("k").opens(UID, &secret));
        assert!(!key("other").opens(UID, &secret));
        assert!(!key("k").opens("0e5c5e3d0a6a4b6f9d1c2b3a49586776", &secret));
        assert!(!key("k").opens(UID, &secret[1..]));
        assert!(!key("k").opens(UID, ""));
        assert!(!key("k").opens(UID, "not base64!"));
    }

    #[test]
    fn the_key_is_not_shown_in_debug_output() {
        assert_eq!(format!("{:?}", key("very-secret")), "SandboxKey(…)");
    }
}
