//! Customer tokens: RS256 JWTs signed by the development identity provider's key (kept in
//! the app's database), or by RSA keys a test makes up for a provider of its own.

use aws_lc_rs::{
    rand::SystemRandom,
    rsa::{KeyPair, KeySize},
    signature::RSA_PKCS1_SHA256,
};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use sea_orm::{EntityTrait, QueryOrder};
use serde_json::{Value, json};

use super::TestApp;

pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// A dev-IdP access token for `sub`, valid for an hour.
pub async fn customer_token(app: &TestApp, sub: &str) -> String {
    dev_token(app, json!({"sub": sub})).await
}

/// A dev-IdP access token for `sub` carrying `email`.
pub async fn customer_token_with_email(app: &TestApp, sub: &str, email: &str) -> String {
    dev_token(app, json!({"sub": sub, "email": email})).await
}

/// A dev-IdP access token for `sub` that expired an hour ago.
pub async fn expired_customer_token(app: &TestApp, sub: &str) -> String {
    dev_token(app, json!({"sub": sub, "exp": now() - 3600})).await
}

/// A dev-IdP access token: the claims the development provider issues, with `claims` on top.
pub async fn dev_token(app: &TestApp, claims: Value) -> String {
    let mut all = json!({
        "iss": app.url("/dev-idp"), "token_use": "access", "client_id": "halshop-dev",
        "iat": now(), "exp": now() + 3600,
    });
    for (name, value) in claims.as_object().expect("claims object") {
        all[name] = value.clone();
    }
    let row = entity::dev_idp_key::Entity::find()
        .order_by_asc(entity::dev_idp_key::Column::Id)
        .one(&app.db)
        .await
        .expect("dev key read")
        .expect("the app made its development key at start");
    let der = URL_SAFE_NO_PAD
        .decode(&row.private_key_pkcs8)
        .expect("base64url key");
    let pair = KeyPair::from_pkcs8(&der).expect("PKCS#8 RSA key");
    sign_rs256(
        &pair,
        &json!({"alg": "RS256", "typ": "JWT", "kid": row.kid}),
        &all,
    )
}

/// A new 2048-bit RSA key pair.
pub fn generate_key_pair() -> KeyPair {
    KeyPair::generate(KeySize::Rsa2048).expect("RSA key generated")
}

/// `base64url(header).base64url(claims).base64url(RS256 signature)`.
pub fn sign_rs256(pair: &KeyPair, header: &Value, claims: &Value) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let mut signature = vec![0u8; pair.public_modulus_len()];
    pair.sign(
        &RSA_PKCS1_SHA256,
        &SystemRandom::new(),
        input.as_bytes(),
        &mut signature,
    )
    .expect("signed");
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}
