//! Customers authenticate with a Cognito-style JWT (RS256) in `Cognito-Token` or
//! `Authorization: Bearer`, verified against the identity provider's JWKS, or against the
//! development provider's own key when `COGNITO_ISSUER` is unset.

use std::sync::Arc;

use anyhow::Context;
use poem::{Request, RequestBody, http::header};
use poem_openapi::{ApiExtractor, ExtractParamOptions, registry::Registry};
use sea_orm::DatabaseConnection;

use super::{
    bearer_scheme, bearer_token,
    dev_idp::{self, DevKey},
    header_scheme,
    jwt::{AuthError, CustomerClaims, KeySource, TokenUse, Verifier, VerifierConfig},
    request_data, security_extractor,
};
use crate::{
    config::{Settings, TokenUseArg},
    http::{
        error::{ApiError, CUSTOMER_CHALLENGE, problems},
        hal::Hal,
        headers,
    },
};

/// How customer tokens are verified, and the development provider when it is active.
#[derive(Debug, Clone)]
pub struct CustomerAuthentication {
    pub verifier: Arc<Verifier>,
    pub dev_key: Option<Arc<DevKey>>,
}

impl CustomerAuthentication {
    /// With `COGNITO_ISSUER`: verify against that issuer's JWKS. Without: the development
    /// identity provider, whose key lives in the database.
    pub async fn configure(settings: &Settings, db: &DatabaseConnection, hal: &Hal) -> anyhow::Result<Self> {
        let token_use = match settings.cognito_token_use {
            TokenUseArg::Access => TokenUse::Access,
            TokenUseArg::Id => TokenUse::Id,
        };
        let client_ids: Vec<String> = settings
            .cognito_client_ids
            .iter()
            .map(|id| id.trim().to_owned())
            .filter(|id| !id.is_empty())
            .collect();
        match settings
            .cognito_issuer
            .as_deref()
            .map(str::trim)
            .filter(|i| !i.is_empty())
        {
            Some(issuer) => {
                anyhow::ensure!(
                    !client_ids.is_empty(),
                    "COGNITO_CLIENT_IDS is required with COGNITO_ISSUER: the app client ids whose tokens are accepted"
                );
                let jwks_url = match &settings.cognito_jwks_url {
                    Some(url) => url.clone(),
                    None => {
                        url::Url::parse(&format!("{}/.well-known/jwks.json", issuer.trim_end_matches('/')))
                            .context("COGNITO_ISSUER is not a URL")?
                    }
                };
                let verifier = Arc::new(Verifier::new(
                    VerifierConfig {
                        issuer: issuer.to_owned(),
                        client_ids,
                        token_use,
                        leeway: settings.cognito_leeway_seconds,
                    },
                    KeySource::Remote(jwks_url.clone()),
                ));
                tracing::info!(%issuer, %jwks_url, token_use = token_use.as_str(), "customer tokens verified against the configured identity provider");
                let warming = verifier.clone();
                tokio::spawn(async move { warming.warm_up().await });
                Ok(Self {
                    verifier,
                    dev_key: None,
                })
            }
            None => {
                let key = dev_idp::load_or_create(db)
                    .await
                    .context("cannot load the development identity provider's key")?;
                let issuer = hal.href(dev_idp::ISSUER_PATH);
                let mut accepted = vec![dev_idp::DEV_CLIENT_ID.to_owned()];
                accepted.extend(client_ids);
                let verifier = Verifier::new(
                    VerifierConfig {
                        issuer: issuer.clone(),
                        client_ids: accepted,
                        token_use: TokenUse::Access,
                        leeway: settings.cognito_leeway_seconds,
                    },
                    KeySource::Local,
                );
                verifier.insert_key(&key.kid, key.decoding_key());
                tracing::warn!(
                    %issuer,
                    "DEVELOPMENT identity provider active: COGNITO_ISSUER is not set, so halshop accepts tokens it signs itself (`halshop dev-token --sub NAME`). Set COGNITO_ISSUER in production."
                );
                Ok(Self {
                    verifier: Arc::new(verifier),
                    dev_key: Some(Arc::new(key)),
                })
            }
        }
    }
}

/// The customer token of a request, from `Cognito-Token` or `Authorization: Bearer`.
fn presented_token(req: &Request) -> Option<&str> {
    if let Some(value) = req.headers().get(headers::COGNITO_TOKEN) {
        return value.to_str().ok().map(str::trim);
    }
    bearer_token(req)
}

/// The problem answered for a refused token. The token itself is never logged.
pub fn customer_problem(err: AuthError) -> ApiError {
    let (kind, detail) = match err {
        AuthError::Expired => (
            &problems::TOKEN_EXPIRED,
            "The token has expired; sign in again.".to_owned(),
        ),
        AuthError::Invalid(reason) => (
            &problems::TOKEN_INVALID,
            format!("The token is not valid: {reason}."),
        ),
        AuthError::WrongIssuer => (
            &problems::WRONG_ISSUER,
            "The token was issued by another identity provider.".to_owned(),
        ),
        AuthError::WrongClient => (
            &problems::WRONG_CLIENT,
            "The token was issued to an app client this shop does not accept.".to_owned(),
        ),
        AuthError::WrongTokenUse { expected } => (
            &problems::WRONG_TOKEN_USE,
            format!("An {} token is required here.", expected.as_str()),
        ),
        AuthError::UnknownKey => (
            &problems::UNKNOWN_KEY,
            "The token is signed with a key the identity provider does not publish.".to_owned(),
        ),
        AuthError::ProviderUnavailable => {
            return ApiError::new(
                &problems::IDENTITY_PROVIDER_UNAVAILABLE,
                "The identity provider's keys cannot be fetched right now; retry shortly.",
            )
            .with_header(header::RETRY_AFTER, "10");
        }
    };
    let challenge = format!(
        "{CUSTOMER_CHALLENGE}, error=\"invalid_token\", error_description=\"{}\"",
        kind.title
    );
    ApiError::new(kind, detail).with_header(header::WWW_AUTHENTICATE, &challenge)
}

/// Verifies the customer token of a request, if one is presented.
pub(super) async fn customer_of(req: &Request) -> Result<Option<CustomerClaims>, ApiError> {
    let Some(token) = presented_token(req) else {
        return Ok(None);
    };
    request_data::<CustomerAuthentication>(req)?
        .verifier
        .verify(token)
        .await
        .map(Some)
        .map_err(customer_problem)
}

pub(super) fn register_customer_schemes(registry: &mut Registry) {
    registry.create_security_scheme(
        "customer_token",
        header_scheme(
            "Cognito-Token",
            "A customer's Cognito JWT (RS256) in the `Cognito-Token` header.",
        ),
    );
    registry.create_security_scheme(
        "customer_bearer",
        bearer_scheme(
            Some("JWT"),
            "The same customer JWT as `Authorization: Bearer <token>`.",
        ),
    );
}

/// A logged-in customer (required).
#[derive(Debug, Clone)]
pub struct Customer(pub CustomerClaims);

impl<'a> ApiExtractor<'a> for Customer {
    security_extractor!(register_customer_schemes, ["customer_token", "customer_bearer"]);

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match customer_of(req).await? {
            Some(claims) => Ok(Customer(claims)),
            None => Err(ApiError::new(
                &problems::UNAUTHORIZED,
                "Sign in: send your token as `Cognito-Token: <jwt>` or `Authorization: Bearer <jwt>`.",
            )
            .with_header(header::WWW_AUTHENTICATE, CUSTOMER_CHALLENGE)
            .into()),
        }
    }
}

/// A logged-in customer, or a guest. A token that is presented must be valid.
#[derive(Debug, Clone)]
pub struct MaybeCustomer(pub Option<CustomerClaims>);

impl<'a> ApiExtractor<'a> for MaybeCustomer {
    security_extractor!(register_customer_schemes, ["customer_token", "customer_bearer"]);

    fn has_security_fallback() -> bool {
        true
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        Ok(MaybeCustomer(customer_of(req).await?))
    }
}
