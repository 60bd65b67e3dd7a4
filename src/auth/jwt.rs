//! Verification of Cognito-style customer JWTs: RS256 only, keys from a JWKS fetched over
//! HTTPS and cached, `iss`, `exp`, `token_use` and the client checked.

use std::{
    collections::HashMap,
    sync::{
        Arc, RwLock,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header, errors::ErrorKind};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// How long after a JWKS fetch an unknown `kid` is answered without fetching again.
pub const REFETCH_BACKOFF: Duration = Duration::from_secs(10);
/// Time limit of one JWKS fetch.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Most verified tokens remembered.
pub const VERIFIED_CACHE_CAPACITY: usize = 10_000;

/// Which kind of Cognito token customers present.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenUse {
    Access,
    Id,
}

impl TokenUse {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenUse::Access => "access",
            TokenUse::Id => "id",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "access" => Some(TokenUse::Access),
            "id" => Some(TokenUse::Id),
            _ => None,
        }
    }
}

/// What a token must satisfy.
#[derive(Debug, Clone)]
pub struct VerifierConfig {
    pub issuer: String,
    pub client_ids: Vec<String>,
    pub token_use: TokenUse,
    /// Seconds of clock skew tolerated on `exp`.
    pub leeway: u64,
}

/// Where the signing keys come from.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// A JWKS document at this URL (Cognito: `<issuer>/.well-known/jwks.json`).
    Remote(url::Url),
    /// Keys held in process (the development identity provider); never fetched.
    Local,
}

/// Why a token is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthError {
    Expired,
    Invalid(String),
    WrongIssuer,
    WrongClient,
    WrongTokenUse { expected: TokenUse },
    UnknownKey,
    ProviderUnavailable,
}

/// The verified identity of a customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CustomerClaims {
    pub sub: String,
    pub username: Option<String>,
    pub email: Option<String>,
    pub exp: i64,
}

#[derive(Debug, Deserialize)]
struct RawClaims {
    sub: String,
    exp: i64,
    token_use: Option<String>,
    client_id: Option<String>,
    aud: Option<Audience>,
    username: Option<String>,
    #[serde(rename = "cognito:username")]
    cognito_username: Option<String>,
    email: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl Audience {
    fn contains_any(&self, wanted: &[String]) -> bool {
        match self {
            Audience::One(aud) => wanted.contains(aud),
            Audience::Many(auds) => auds.iter().any(|aud| wanted.contains(aud)),
        }
    }
}

#[derive(Debug, Deserialize)]
struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug, Deserialize)]
struct Jwk {
    kty: String,
    kid: Option<String>,
    #[serde(rename = "use")]
    key_use: Option<String>,
    alg: Option<String>,
    n: Option<String>,
    e: Option<String>,
}

#[derive(Debug, Default)]
struct RefreshState {
    last_attempt: Option<Instant>,
    last_failed: bool,
}

/// Verifies customer tokens. One per process; cheap to share behind an `Arc`.
pub struct Verifier {
    config: VerifierConfig,
    source: KeySource,
    http: reqwest::Client,
    keys: RwLock<HashMap<String, Arc<DecodingKey>>>,
    refresh: tokio::sync::Mutex<RefreshState>,
    verified: RwLock<HashMap<[u8; 32], CustomerClaims>>,
    fetches: AtomicU64,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("config", &self.config)
            .field("source", &self.source)
            .finish_non_exhaustive()
    }
}

impl Verifier {
    pub fn new(config: VerifierConfig, source: KeySource) -> Self {
        let http = reqwest::Client::builder()
            .timeout(FETCH_TIMEOUT)
            .connect_timeout(Duration::from_secs(3))
            .build()
            .unwrap_or_default();
        Self {
            config,
            source,
            http,
            keys: RwLock::new(HashMap::new()),
            refresh: tokio::sync::Mutex::new(RefreshState::default()),
            verified: RwLock::new(HashMap::new()),
            fetches: AtomicU64::new(0),
        }
    }

    pub fn config(&self) -> &VerifierConfig {
        &self.config
    }

    /// Number of JWKS fetches made so far.
    pub fn fetch_count(&self) -> u64 {
        self.fetches.load(Ordering::Relaxed)
    }

    /// Adds a key by id (the development provider's own key).
    pub fn insert_key(&self, kid: &str, key: DecodingKey) {
        if let Ok(mut keys) = self.keys.write() {
            keys.insert(kid.to_owned(), Arc::new(key));
        }
    }

    /// Fetches the JWKS once so that the first customer request does not wait for it.
    /// A failure is logged, not fatal: the fetch is retried on demand.
    pub async fn warm_up(&self) {
        if let KeySource::Remote(_) = self.source {
            let mut state = self.refresh.lock().await;
            if let Err(err) = self.fetch_into_cache(&mut state).await {
                tracing::warn!(error = %err, "could not fetch the identity provider's JWKS at start-up");
            }
        }
    }

    /// Verifies a token and returns who it identifies.
    pub async fn verify(&self, token: &str) -> Result<CustomerClaims, AuthError> {
        let fingerprint: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        let now = chrono::Utc::now().timestamp();
        if let Some(claims) = self
            .verified
            .read()
            .ok()
            .and_then(|cache| cache.get(&fingerprint).cloned())
            && claims.exp + self.config.leeway as i64 > now
        {
            return Ok(claims);
        }
        let claims = self.verify_uncached(token).await?;
        self.remember(fingerprint, claims.clone(), now);
        Ok(claims)
    }

    fn remember(&self, fingerprint: [u8; 32], claims: CustomerClaims, now: i64) {
        let Ok(mut cache) = self.verified.write() else {
            return;
        };
        if cache.len() >= VERIFIED_CACHE_CAPACITY {
            let leeway = self.config.leeway as i64;
            cache.retain(|_, cached| cached.exp + leeway > now);
            if cache.len() >= VERIFIED_CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(fingerprint, claims);
    }

    /// The full check, without the cache of verified tokens.
    pub async fn verify_uncached(&self, token: &str) -> Result<CustomerClaims, AuthError> {
        let header = decode_header(token).map_err(|_| AuthError::Invalid("the token is not a JWT".into()))?;
        if header.alg != Algorithm::RS256 {
            return Err(AuthError::Invalid(format!(
                "tokens signed with {:?} are not accepted; only RS256",
                header.alg
            )));
        }
        let kid = header
            .kid
            .ok_or_else(|| AuthError::Invalid("the token header has no kid".into()))?;
        let key = self.key(&kid).await?;

        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[self.config.issuer.as_str()]);
        validation.leeway = self.config.leeway;
        validation.validate_aud = false;
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        let data = decode::<RawClaims>(token, &key, &validation).map_err(|err| match err.kind() {
            ErrorKind::ExpiredSignature => AuthError::Expired,
            ErrorKind::InvalidIssuer => AuthError::WrongIssuer,
            ErrorKind::InvalidSignature => AuthError::Invalid("the signature does not verify".into()),
            ErrorKind::MissingRequiredClaim(claim) => {
                AuthError::Invalid(format!("the token has no {claim} claim"))
            }
            ErrorKind::ImmatureSignature => AuthError::Invalid("the token is not valid yet".into()),
            _ => AuthError::Invalid("the token could not be verified".into()),
        })?;
        let claims = data.claims;

        if claims.token_use.as_deref() != Some(self.config.token_use.as_str()) {
            return Err(AuthError::WrongTokenUse {
                expected: self.config.token_use,
            });
        }
        let client_ok = match self.config.token_use {
            TokenUse::Access => claims
                .client_id
                .as_ref()
                .is_some_and(|client| self.config.client_ids.contains(client)),
            TokenUse::Id => claims
                .aud
                .as_ref()
                .is_some_and(|aud| aud.contains_any(&self.config.client_ids)),
        };
        if !client_ok {
            return Err(AuthError::WrongClient);
        }
        if claims.sub.trim().is_empty() {
            return Err(AuthError::Invalid("the token has an empty sub".into()));
        }
        Ok(CustomerClaims {
            username: claims.cognito_username.or(claims.username),
            sub: claims.sub,
            email: claims.email,
            exp: claims.exp,
        })
    }

    fn cached_key(&self, kid: &str) -> Option<Arc<DecodingKey>> {
        self.keys.read().ok().and_then(|keys| keys.get(kid).cloned())
    }

    /// The key for `kid`: from the cache, or after one JWKS fetch shared by every request
    /// waiting for it. After such a fetch, unknown ids are refused without fetching for
    /// [`REFETCH_BACKOFF`], so that tokens with random ids cannot flood the provider.
    async fn key(&self, kid: &str) -> Result<Arc<DecodingKey>, AuthError> {
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        if let KeySource::Local = self.source {
            return Err(AuthError::UnknownKey);
        }
        let mut state = self.refresh.lock().await;
        if let Some(key) = self.cached_key(kid) {
            return Ok(key);
        }
        if let Some(last) = state.last_attempt
            && last.elapsed() < REFETCH_BACKOFF
        {
            return Err(if state.last_failed {
                AuthError::ProviderUnavailable
            } else {
                AuthError::UnknownKey
            });
        }
        state.last_attempt = Some(Instant::now());
        match self.fetch_into_cache(&mut state).await {
            Ok(()) => self.cached_key(kid).ok_or(AuthError::UnknownKey),
            Err(err) => {
                tracing::warn!(error = %err, "identity provider's JWKS unavailable");
                Err(AuthError::ProviderUnavailable)
            }
        }
    }

    async fn fetch_into_cache(&self, state: &mut RefreshState) -> Result<(), String> {
        let KeySource::Remote(url) = &self.source else {
            return Ok(());
        };
        self.fetches.fetch_add(1, Ordering::Relaxed);
        let result = async {
            let response = self
                .http
                .get(url.clone())
                .send()
                .await
                .map_err(|err| format!("JWKS fetch failed: {err}"))?;
            if !response.status().is_success() {
                return Err(format!("JWKS fetch answered {}", response.status()));
            }
            let body = response
                .bytes()
                .await
                .map_err(|err| format!("JWKS read failed: {err}"))?;
            let jwks: Jwks =
                serde_json::from_slice(&body).map_err(|err| format!("JWKS is not valid: {err}"))?;
            Ok(jwks)
        }
        .await;
        let jwks = match result {
            Ok(jwks) => jwks,
            Err(err) => {
                state.last_failed = true;
                return Err(err);
            }
        };
        let mut fresh = HashMap::new();
        for jwk in jwks.keys {
            let usable = jwk.kty == "RSA"
                && jwk.key_use.as_deref().is_none_or(|u| u == "sig")
                && jwk.alg.as_deref().is_none_or(|alg| alg == "RS256");
            if let (true, Some(kid), Some(n), Some(e)) = (usable, jwk.kid, jwk.n, jwk.e)
                && let Ok(key) = DecodingKey::from_rsa_components(&n, &e)
            {
                fresh.insert(kid, Arc::new(key));
            }
        }
        tracing::info!(keys = fresh.len(), "fetched the identity provider's JWKS");
        if let Ok(mut keys) = self.keys.write() {
            *keys = fresh;
        }
        state.last_failed = false;
        Ok(())
    }
}
