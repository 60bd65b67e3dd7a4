//! Standard Webhooks signatures: `v1,<base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}"))>`,
//! the key being the base64 part of a `whsec_…` secret.

use base64::{Engine, engine::general_purpose::STANDARD};
use hmac::{Hmac, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A new signing secret: `whsec_` and the base64 of 32 random bytes.
pub fn new_secret() -> String {
    let mut key = [0u8; 32];
    rand::fill(&mut key[..]);
    format!("{PREFIX}{}", STANDARD.encode(key))
}

/// The `v1,…` signature of a message with `secret` (a `whsec_…` secret), or `None` when the
/// secret is not base64.
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &str) -> Option<String> {
    let key = STANDARD
        .decode(secret.strip_prefix(PREFIX).unwrap_or(secret))
        .ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).ok()?;
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    Some(format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes())))
}

/// The `webhook-signature` header: one signature per secret, space-separated (during a
/// rotation's grace period the old secret signs too, so a receiver that has not switched
/// yet still verifies).
pub fn signature_header<'a>(
    secrets: impl IntoIterator<Item = &'a str>,
    id: &str,
    timestamp: i64,
    body: &str,
) -> Option<String> {
    let signatures = secrets
        .into_iter()
        .map(|secret| sign(secret, id, timestamp, body))
        .collect::<Option<Vec<_>>>()?;
    Some(signatures.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The test vector of the Standard Webhooks reference libraries.
    #[test]
    fn signs_the_standard_webhooks_test_vector() {
        let signature = sign(
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            1649367553,
            r#"{"email":"test@example.com","username":"test_user"}"#,
        );
        assert_eq!(
            signature.as_deref(),
            Some("v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=")
        );
    }

    #[test]
    fn a_new_secret_holds_32_random_bytes() {
        let secret = new_secret();
        let key = STANDARD.decode(secret.strip_prefix(PREFIX).unwrap()).unwrap();
        assert_eq!(key.len(), 32);
        assert_ne!(secret, new_secret());
    }

    #[test]
    fn during_a_rotation_both_secrets_sign() {
        let (old, new) = (new_secret(), new_secret());
        let header = signature_header([new.as_str(), old.as_str()], "id", 1, "{}").unwrap();
        let parts: Vec<&str> = header.split(' ').collect();
        assert_eq!(
            parts,
            [
                sign(&new, "id", 1, "{}").unwrap(),
                sign(&old, "id", 1, "{}").unwrap()
            ]
        );
    }
}
