//! Identifiers, secrets and their hashes.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::fill(&mut buffer[..]);
    hex::encode(buffer)
}

/// A resource uid: 32 lowercase hex characters (128 random bits), unguessable.
pub fn new_uid() -> String {
    random_hex(16)
}

/// Whether `text` has the shape of a uid. Anything else cannot name a resource.
pub fn is_uid(text: &str) -> bool {
    text.len() == 32
        && text
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// A secret credential with a readable prefix (`sk_…`), 256 random bits.
pub fn new_secret(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(32))
}

/// A public identifier with a readable prefix (`mk_…`).
pub fn new_public_key(prefix: &str) -> String {
    format!("{prefix}{}", random_hex(12))
}

/// SHA-256 of a secret, hex-encoded: what the database keeps instead of the secret.
pub fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Compares a presented secret with a stored hash in constant time.
pub fn secret_matches(presented: &str, stored_hash: &str) -> bool {
    sha256_hex(presented)
        .as_bytes()
        .ct_eq(stored_hash.as_bytes())
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uids_are_32_lowercase_hex_and_distinct() {
        let (a, b) = (new_uid(), new_uid());
        assert!(is_uid(&a) && is_uid(&b));
        assert_ne!(a, b);
        assert!(!is_uid("ABCDEF0123456789abcdef0123456789"));
        assert!(!is_uid("abc"));
    }

    #[test]
    fn secret_matches_only_its_own_hash() {
        let secret = new_secret("sk_");
        let hash = sha256_hex(&secret);
        assert!(secret_matches(&secret, &hash));
        assert!(!secret_matches("sk_wrong", &hash));
    }
}
