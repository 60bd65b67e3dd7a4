//! The development identity provider: when no `COGNITO_ISSUER` is configured, halshop
//! issues and verifies Cognito-style tokens itself, with an RSA key generated once and kept
//! in the database, so that logged-in flows can be tried with no identity provider at all.

use aws_lc_rs::{
    encoding::AsDer,
    rand::SystemRandom,
    rsa::{KeyPair, KeySize},
    signature::{KeyPair as _, RSA_PKCS1_SHA256},
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::Utc;
use entity::dev_idp_key;
use jsonwebtoken::DecodingKey;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// The client id of tokens issued by the development provider.
pub const DEV_CLIENT_ID: &str = "halshop-dev";
/// Path of the development provider's issuer, under the public base URL.
pub const ISSUER_PATH: &str = "/dev-idp";

/// The development provider's signing key.
pub struct DevKey {
    pub kid: String,
    key_pair: KeyPair,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevKey")
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl DevKey {
    fn from_pkcs8(der: &[u8]) -> Result<Self, String> {
        let key_pair = KeyPair::from_pkcs8(der).map_err(|err| format!("stored key rejected: {err}"))?;
        let kid = kid_of(&key_pair);
        Ok(Self { kid, key_pair })
    }

    fn modulus(&self) -> Vec<u8> {
        self.key_pair
            .public_key()
            .modulus()
            .big_endian_without_leading_zero()
            .to_vec()
    }

    fn exponent(&self) -> Vec<u8> {
        self.key_pair
            .public_key()
            .exponent()
            .big_endian_without_leading_zero()
            .to_vec()
    }

    /// The key as a verifier uses it.
    pub fn decoding_key(&self) -> DecodingKey {
        DecodingKey::from_rsa_raw_components(&self.modulus(), &self.exponent())
    }

    /// The public JWKS document (`/dev-idp/.well-known/jwks.json`).
    pub fn jwks(&self) -> Value {
        json!({"keys": [{
            "kty": "RSA",
            "kid": self.kid,
            "use": "sig",
            "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(self.modulus()),
            "e": URL_SAFE_NO_PAD.encode(self.exponent()),
        }]})
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub fn sign(&self, claims: &Value) -> Result<String, String> {
        sign_rs256(
            &self.key_pair,
            &json!({"alg": "RS256", "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }

    /// A Cognito-style access token for `sub`.
    pub fn mint(
        &self,
        issuer: &str,
        sub: &str,
        email: Option<&str>,
        ttl: chrono::Duration,
    ) -> Result<String, String> {
        let now = Utc::now().timestamp();
        let mut claims = json!({
            "sub": sub,
            "iss": issuer,
            "token_use": "access",
            "client_id": DEV_CLIENT_ID,
            "username": sub,
            "scope": "openid email",
            "iat": now,
            "auth_time": now,
            "exp": now + ttl.num_seconds(),
            "jti": crate::domain::ids::new_uid(),
        });
        if let Some(email) = email {
            claims["email"] = Value::String(email.to_owned());
        }
        self.sign(&claims)
    }
}

fn kid_of(key_pair: &KeyPair) -> String {
    let modulus = key_pair
        .public_key()
        .modulus()
        .big_endian_without_leading_zero()
        .to_vec();
    hex::encode(&Sha256::digest(&modulus)[..8])
}

/// Signs a JWT with an RSA key: `base64url(header).base64url(claims).base64url(signature)`.
pub fn sign_rs256(key_pair: &KeyPair, header: &Value, claims: &Value) -> Result<String, String> {
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0u8; key_pair.public_modulus_len()];
    key_pair
        .sign(
            &RSA_PKCS1_SHA256,
            &SystemRandom::new(),
            signing_input.as_bytes(),
            &mut signature,
        )
        .map_err(|err| format!("signing failed: {err}"))?;
    Ok(format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}

/// A new 2048-bit RSA key pair.
pub fn generate_key_pair() -> Result<KeyPair, String> {
    KeyPair::generate(KeySize::Rsa2048).map_err(|err| format!("RSA key generation failed: {err}"))
}

/// The provider's key: the oldest stored one, or a new one stored now. Two instances
/// racing here both insert; both then use the oldest, so they agree.
pub async fn load_or_create(db: &impl ConnectionTrait) -> Result<DevKey, DbErr> {
    let oldest = || {
        dev_idp_key::Entity::find()
            .order_by_asc(dev_idp_key::Column::Id)
            .one(db)
    };
    let row = match oldest().await? {
        Some(row) => row,
        None => {
            let key_pair = generate_key_pair().map_err(DbErr::Custom)?;
            let der = key_pair
                .as_der()
                .map_err(|err| DbErr::Custom(format!("key export failed: {err}")))?;
            dev_idp_key::ActiveModel {
                kid: Set(kid_of(&key_pair)),
                private_key_pkcs8: Set(URL_SAFE_NO_PAD.encode(der.as_ref())),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await?;
            oldest()
                .await?
                .ok_or_else(|| DbErr::Custom("development key vanished".into()))?
        }
    };
    let der = URL_SAFE_NO_PAD
        .decode(&row.private_key_pkcs8)
        .map_err(|err| DbErr::Custom(format!("stored development key is not base64: {err}")))?;
    DevKey::from_pkcs8(&der).map_err(DbErr::Custom)
}

/// Parses a lifetime such as `90s`, `15m`, `1h` or `7d`.
pub fn parse_ttl(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let value: i64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a lifetime such as 90s, 15m, 1h or 7d"))?;
    let seconds = match unit {
        "" | "s" => value,
        "m" => value * 60,
        "h" => value * 3600,
        "d" => value * 86_400,
        _ => return Err(format!("{text:?} is not a lifetime such as 90s, 15m, 1h or 7d")),
    };
    if seconds <= 0 || seconds > 30 * 86_400 {
        return Err("a lifetime is between 1 second and 30 days".into());
    }
    Ok(chrono::Duration::seconds(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_parsed() {
        assert_eq!(parse_ttl("1h").unwrap(), chrono::Duration::hours(1));
        assert_eq!(parse_ttl("90s").unwrap(), chrono::Duration::seconds(90));
        assert_eq!(parse_ttl("15m").unwrap(), chrono::Duration::minutes(15));
        assert_eq!(parse_ttl("7d").unwrap(), chrono::Duration::days(7));
        assert_eq!(parse_ttl("120").unwrap(), chrono::Duration::seconds(120));
        assert!(parse_ttl("1y").is_err());
        assert!(parse_ttl("0s").is_err());
        assert!(parse_ttl("").is_err());
        assert!(parse_ttl("31d").is_err());
    }
}
