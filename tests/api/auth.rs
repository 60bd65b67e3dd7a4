use std::{
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering},
    },
    time::Duration,
};

use aws_lc_rs::{rsa::KeyPair, signature::KeyPair as _};
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use poem::{
    EndpointExt, Route, Server, get, handler,
    listener::{Acceptor, Listener, TcpListener},
    web::{Data, Json},
};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, Who, assert_problem,
    cli::{halshop, stderr},
    expect_json,
    identity::{generate_key_pair, now, sign_rs256},
    settings_from_args, spawn_app, spawn_app_with,
};

const ISSUER: &str = "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_Halshop1";
const CLIENT: &str = "shop-web-client";

struct TestKey {
    kid: String,
    pair: KeyPair,
}

impl TestKey {
    fn new(kid: &str) -> Self {
        Self {
            kid: kid.into(),
            pair: generate_key_pair(),
        }
    }

    fn jwk(&self) -> Value {
        let public = self.pair.public_key();
        json!({
            "kty": "RSA", "kid": self.kid, "use": "sig", "alg": "RS256",
            "n": URL_SAFE_NO_PAD.encode(public.modulus().big_endian_without_leading_zero()),
            "e": URL_SAFE_NO_PAD.encode(public.exponent().big_endian_without_leading_zero()),
        })
    }

    fn sign(&self, claims: &Value) -> String {
        sign_rs256(
            &self.pair,
            &json!({"alg": "RS256", "typ": "JWT", "kid": self.kid}),
            claims,
        )
    }

    fn public_key_pem(&self) -> String {
        use aws_lc_rs::encoding::AsDer;
        let der = self.pair.public_key().as_der().unwrap();
        let body = base64::engine::general_purpose::STANDARD.encode(der.as_ref());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }
}

#[derive(Clone, Default)]
struct JwksState {
    keys: Arc<Mutex<Vec<Value>>>,
    fetches: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
}

struct JwksServer {
    url: String,
    state: JwksState,
}

#[handler]
async fn serve_jwks(state: Data<&JwksState>) -> poem::Result<Json<Value>> {
    state.fetches.fetch_add(1, Ordering::SeqCst);
    if state.down.load(Ordering::SeqCst) {
        return Err(poem::Error::from_status(StatusCode::SERVICE_UNAVAILABLE));
    }
    // A real provider takes a moment; concurrent verifications must still share one fetch.
    tokio::time::sleep(Duration::from_millis(50)).await;
    Ok(Json(json!({"keys": state.keys.lock().unwrap().clone()})))
}

impl JwksServer {
    async fn start(keys: &[&TestKey]) -> Self {
        let state = JwksState::default();
        *state.keys.lock().unwrap() = keys.iter().map(|k| k.jwk()).collect();
        let acceptor = TcpListener::bind("127.0.0.1:0").into_acceptor().await.unwrap();
        let port = acceptor.local_addr()[0].as_socket_addr().unwrap().port();
        let app = Route::new()
            .at("/.well-known/jwks.json", get(serve_jwks))
            .data(state.clone());
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        Self {
            url: format!("http://127.0.0.1:{port}/.well-known/jwks.json"),
            state,
        }
    }

    fn publish(&self, key: &TestKey) {
        self.state.keys.lock().unwrap().push(key.jwk());
    }

    fn fetches(&self) -> usize {
        self.state.fetches.load(Ordering::SeqCst)
    }
}

fn access_claims(sub: &str) -> Value {
    json!({
        "sub": sub, "iss": ISSUER, "token_use": "access", "client_id": CLIENT,
        "username": "alice", "scope": "openid", "iat": now(), "exp": now() + 3600,
    })
}

fn id_claims(sub: &str) -> Value {
    json!({
        "sub": sub, "iss": ISSUER, "token_use": "id", "aud": CLIENT,
        "cognito:username": "alice", "email": "alice@example.com", "iat": now(), "exp": now() + 3600,
    })
}

async fn app_with_provider(jwks: &JwksServer) -> TestApp {
    let url = jwks.url.clone();
    spawn_app_with(move |settings| {
        settings.cognito_issuer = Some(ISSUER.into());
        settings.cognito_jwks_url = Some(url.parse().unwrap());
        settings.cognito_client_ids = vec!["another-client".into(), CLIENT.into()];
    })
    .await
}

async fn me(app: &TestApp, token: &str) -> reqwest::Response {
    app.get_as(Who::CognitoToken(token), "/me").await
}

async fn assert_refused(app: &TestApp, token: &str, code: &str) -> Value {
    let response = me(app, token).await;
    let challenge = response
        .headers()
        .get("www-authenticate")
        .map(|v| v.to_str().unwrap().to_owned());
    let problem = assert_problem(response, StatusCode::UNAUTHORIZED, code).await;
    let challenge = challenge.expect("a 401 carries WWW-Authenticate");
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    assert!(challenge.contains("invalid_token"), "{challenge}");
    problem
}

#[tokio::test]
async fn a_valid_access_token_is_accepted_in_either_header() {
    let key = TestKey::new("key-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_with_provider(&jwks).await;
    let token = key.sign(&access_claims("7d8f6a2e-customer"));

    let response = me(&app, &token).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/hal+json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["customer_id"], "7d8f6a2e-customer");
    assert_eq!(body["username"], "alice");
    assert!(body.get("email").is_none());
    assert_eq!(body["_links"]["self"]["href"], app.url("/me"));
    assert_eq!(body["_links"]["shop:root"]["href"], app.url("/"));

    let body = expect_json(app.get_as(Who::Bearer(&token), "/me").await, StatusCode::OK).await;
    assert_eq!(body["customer_id"], "7d8f6a2e-customer");
}

#[tokio::test]
async fn no_credentials_is_a_401_with_a_bearer_challenge() {
    let app = spawn_app().await;
    let response = app.get("/me").await;
    assert_eq!(response.headers()["www-authenticate"], "Bearer realm=\"halshop\"");
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let stranger = crate::helpers::MerchantCredentials {
        app_key: "mk_x".into(),
        secret: "sk_y".into(),
    };
    let response = app.get_as(Who::Merchant(&stranger), "/me").await;
    assert_problem(response, StatusCode::UNAUTHORIZED, "unauthorized").await;
}

/// A key that `app` trusts through its provider's JWKS, and the app.
async fn provider_app() -> (TestKey, JwksServer, TestApp) {
    let key = TestKey::new("key-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_with_provider(&jwks).await;
    (key, jwks, app)
}

/// Access claims for `c1` with `field` set to `value` (`null`: removed).
fn access_claims_with(field: &str, value: Value) -> Value {
    let mut claims = access_claims("c1");
    if value.is_null() {
        claims.as_object_mut().unwrap().remove(field);
    } else {
        claims[field] = value;
    }
    claims
}

#[tokio::test]
async fn each_bad_claim_is_refused_with_its_own_code() {
    let (key, _jwks, app) = provider_app().await;
    let other_pool = "https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_Other";
    let cases = [
        ("exp", json!(now() - 3600), "token_expired"),
        ("iss", json!(other_pool), "wrong_issuer"),
        ("client_id", json!("someone-elses-app"), "wrong_client"),
        ("client_id", Value::Null, "wrong_client"),
        ("sub", Value::Null, "token_invalid"),
    ];
    for (field, value, code) in cases {
        assert_refused(&app, &key.sign(&access_claims_with(field, value)), code).await;
    }
}

#[tokio::test]
async fn an_id_token_where_access_tokens_are_expected_is_refused_with_wrong_token_use() {
    let (key, _jwks, app) = provider_app().await;
    let problem = assert_refused(&app, &key.sign(&id_claims("c1")), "wrong_token_use").await;
    assert!(problem["detail"].as_str().unwrap().contains("access"));
}

#[tokio::test]
async fn a_token_signed_by_a_stranger_or_without_a_kid_is_refused_as_invalid() {
    let (key, _jwks, app) = provider_app().await;
    // Signed by another key that claims the same kid: a forgery.
    let stranger = TestKey::new("key-1");
    assert_refused(&app, &stranger.sign(&access_claims("c1")), "token_invalid").await;
    let header = json!({"alg": "RS256", "typ": "JWT"});
    let no_kid = sign_rs256(&key.pair, &header, &access_claims("c1"));
    assert_refused(&app, &no_kid, "token_invalid").await;
}

#[tokio::test]
async fn an_unsigned_or_malformed_token_is_refused_as_invalid() {
    let (_key, _jwks, app) = provider_app().await;
    let none = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(json!({"alg": "none", "typ": "JWT", "kid": "key-1"}).to_string()),
        URL_SAFE_NO_PAD.encode(access_claims("c1").to_string())
    );
    assert_refused(&app, &none, "token_invalid").await;
    assert_refused(&app, "not-a-jwt", "token_invalid").await;
}

#[tokio::test]
async fn an_hs256_token_keyed_with_the_rsa_public_key_is_refused() {
    let (key, _jwks, app) = provider_app().await;
    // The key-confusion attack: HS256 with the RSA public key as the HMAC secret.
    let mut hs_header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    hs_header.kid = Some("key-1".into());
    let confused = jsonwebtoken::encode(
        &hs_header,
        &access_claims("c1"),
        &jsonwebtoken::EncodingKey::from_secret(key.public_key_pem().as_bytes()),
    )
    .unwrap();
    let problem = assert_refused(&app, &confused, "token_invalid").await;
    assert!(problem["detail"].as_str().unwrap().contains("RS256"));
}

#[tokio::test]
async fn a_token_whose_claims_were_changed_after_signing_is_refused() {
    let (key, _jwks, app) = provider_app().await;
    let signed = key.sign(&access_claims("c1"));
    let payload = URL_SAFE_NO_PAD.encode(access_claims("admin").to_string());
    let parts: Vec<&str> = signed.split('.').collect();
    let tampered = format!("{}.{}.{}", parts[0], payload, parts[2]);
    assert_refused(&app, &tampered, "token_invalid").await;
}

#[tokio::test]
async fn a_token_expired_within_the_leeway_is_still_accepted() {
    let key = TestKey::new("key-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_with_provider(&jwks).await;
    let mut claims = access_claims("c1");
    claims["exp"] = json!(now() - 10);
    assert_eq!(me(&app, &key.sign(&claims)).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn id_tokens_are_checked_against_aud_when_configured() {
    let key = TestKey::new("key-1");
    let jwks = JwksServer::start(&[&key]).await;
    let url = jwks.url.clone();
    let app = spawn_app_with(move |settings| {
        settings.cognito_issuer = Some(ISSUER.into());
        settings.cognito_jwks_url = Some(url.parse().unwrap());
        settings.cognito_client_ids = vec![CLIENT.into()];
        settings.cognito_token_use = settings_from_args(&["--cognito-token-use", "id"]).cognito_token_use;
    })
    .await;
    let response = me(&app, &key.sign(&id_claims("c9"))).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["email"], "alice@example.com");
    assert_eq!(body["username"], "alice");

    let mut other_aud = id_claims("c9");
    other_aud["aud"] = json!("someone-elses-app");
    assert_refused(&app, &key.sign(&other_aud), "wrong_client").await;
    assert_refused(&app, &key.sign(&access_claims("c9")), "wrong_token_use").await;
}

/// An app whose provider publishes the key `old`, already fetched once; the fetch count.
async fn warmed_provider() -> (TestKey, JwksServer, TestApp, usize) {
    let old = TestKey::new("old");
    let jwks = JwksServer::start(&[&old]).await;
    let app = app_with_provider(&jwks).await;
    assert!(accepted(&app, &old, "warm").await);
    let before = jwks.fetches();
    (old, jwks, app, before)
}

/// Whether `/me` accepts an access token of `sub` signed by `key`.
async fn accepted(app: &TestApp, key: &TestKey, sub: &str) -> bool {
    me(app, &key.sign(&access_claims(sub))).await.status() == StatusCode::OK
}

#[tokio::test]
async fn a_rotated_key_is_accepted_after_one_refetch() {
    let (_old, jwks, app, before) = warmed_provider().await;
    let new = TestKey::new("new");
    jwks.publish(&new);
    assert!(accepted(&app, &new, "c1").await);
    assert_eq!(jwks.fetches(), before + 1);
    assert!(accepted(&app, &new, "c2").await);
    assert_eq!(jwks.fetches(), before + 1, "the new key is cached");
}

#[tokio::test]
async fn a_hundred_concurrent_requests_with_a_new_kid_cause_one_fetch() {
    let (_old, jwks, app, before) = warmed_provider().await;
    let new = TestKey::new("new");
    jwks.publish(&new);
    let tokens: Vec<String> = (0..100)
        .map(|i| new.sign(&access_claims(&format!("c{i}"))))
        .collect();
    let responses = futures::future::join_all(tokens.iter().map(|token| me(&app, token))).await;
    assert!(responses.iter().all(|r| r.status() == StatusCode::OK));
    assert_eq!(jwks.fetches(), before + 1);
}

#[tokio::test]
async fn an_unknown_kid_is_refused_and_not_fetched_again_within_the_backoff() {
    let (_key, jwks, app, before) = warmed_provider().await;
    let unpublished = TestKey::new("never-published");
    assert_refused(&app, &unpublished.sign(&access_claims("c1")), "unknown_key").await;
    assert_refused(&app, &unpublished.sign(&access_claims("c2")), "unknown_key").await;
    assert_eq!(jwks.fetches(), before + 1);
}

#[tokio::test]
async fn with_the_provider_down_cached_keys_work_and_others_get_503() {
    let (key, jwks, app, _before) = warmed_provider().await;
    jwks.state.down.store(true, Ordering::SeqCst);
    assert!(accepted(&app, &key, "still-works").await);
    let other = TestKey::new("key-2");
    let response = me(&app, &other.sign(&access_claims("c1"))).await;
    assert_eq!(response.headers()["retry-after"], "10");
    assert_problem(
        response,
        StatusCode::SERVICE_UNAVAILABLE,
        "identity_provider_unavailable",
    )
    .await;
}

#[tokio::test]
async fn the_provider_is_required_to_name_its_clients() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings =
        halshop::config::Settings::for_database(crate::helpers::fresh_database_url(&dir).await);
    settings.cognito_issuer = Some(ISSUER.into());
    let err = halshop::startup::Application::build(settings)
        .await
        .err()
        .expect("refused");
    assert!(err.to_string().contains("COGNITO_CLIENT_IDS"), "{err}");
}

#[tokio::test]
async fn the_development_provider_issues_tokens_that_me_accepts() {
    let app = spawn_app().await;
    let jwks: Value = app
        .get("/dev-idp/.well-known/jwks.json")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(jwks["keys"][0]["alg"], "RS256");

    let args = [
        "dev-token",
        "--sub",
        "alice",
        "--email",
        "alice@example.com",
        "--ttl",
        "15m",
    ];
    let output = halshop(&args)
        .env("DATABASE_URL", &app.database_url)
        .env("HALSHOP_PUBLIC_URL", &app.address)
        .env_remove("COGNITO_ISSUER")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let token = stdout.trim();
    assert_eq!(stdout.lines().count(), 1, "the token alone on stdout");
    assert_eq!(token.split('.').count(), 3);

    let body = expect_json(app.get_as(Who::Bearer(token), "/me").await, StatusCode::OK).await;
    assert_eq!(body["customer_id"], "alice");
    assert_eq!(body["email"], "alice@example.com");
}

#[tokio::test]
async fn the_development_provider_is_off_when_an_issuer_is_configured() {
    let key = TestKey::new("key-1");
    let jwks = JwksServer::start(&[&key]).await;
    let app = app_with_provider(&jwks).await;
    assert_problem(
        app.get("/dev-idp/.well-known/jwks.json").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    let output = halshop(&["dev-token", "--sub", "alice"])
        .env("DATABASE_URL", &app.database_url)
        .env("COGNITO_ISSUER", ISSUER)
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(stderr(&output).contains("COGNITO_ISSUER"));
}
