//! Endpoint secrets at rest. A signing secret must be recoverable (it signs every delivery),
//! so it cannot be hashed like a merchant's secret: it is sealed with AES-256-GCM under a
//! key derived from a server secret shared by every instance through the database
//! (`server_secret`). A copy of the table alone does not give the secrets away.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use base64::{Engine, engine::general_purpose::STANDARD};
use sea_orm::{ConnectionTrait, DbErr};
use sha2::{Digest, Sha256};

use crate::domain::secrets;

/// Name of the server secret the sealing key is derived from.
const SEALING_SECRET: &str = "webhook_sealing_key";
const VERSION: &str = "s1:";

/// The key that seals and opens endpoint secrets.
#[derive(Clone)]
pub struct SealingKey([u8; 32]);

impl std::fmt::Debug for SealingKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SealingKey(..)")
    }
}

impl SealingKey {
    /// The key of this deployment, created on first use.
    pub async fn load(db: &impl ConnectionTrait) -> Result<Self, DbErr> {
        let secret = secrets::get_or_create(db, SEALING_SECRET).await?;
        Ok(Self::from_secret(&secret))
    }

    pub fn from_secret(secret: &str) -> Self {
        Self(Sha256::digest(format!("halshop webhook secrets\n{secret}").as_bytes()).into())
    }

    fn key(&self) -> LessSafeKey {
        LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &self.0).expect("a 32-byte AES-256 key"))
    }

    /// `plain` sealed: `s1:` and the base64 of a random nonce and the ciphertext.
    pub fn seal(&self, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce[..]);
        let mut sealed = plain.as_bytes().to_vec();
        self.key()
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::empty(), &mut sealed)
            .expect("sealing a short secret");
        let mut stored = nonce.to_vec();
        stored.extend_from_slice(&sealed);
        format!("{VERSION}{}", STANDARD.encode(stored))
    }

    /// The secret sealed in `stored`, or `None` when it was sealed with another key or is
    /// damaged.
    pub fn open(&self, stored: &str) -> Option<String> {
        let bytes = STANDARD.decode(stored.strip_prefix(VERSION)?).ok()?;
        if bytes.len() < NONCE_LEN {
            return None;
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).ok()?;
        let mut sealed = sealed.to_vec();
        let plain = self.key().open_in_place(nonce, Aad::empty(), &mut sealed).ok()?;
        String::from_utf8(plain.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_with_its_key_only() {
        let key = SealingKey::from_secret("one");
        let sealed = key.seal("whsec_abc");
        assert!(!sealed.contains("whsec_abc"));
        assert_eq!(key.open(&sealed).as_deref(), Some("whsec_abc"));
        assert_eq!(SealingKey::from_secret("two").open(&sealed), None);
        assert_ne!(sealed, key.seal("whsec_abc"), "a fresh nonce each time");
    }
}
