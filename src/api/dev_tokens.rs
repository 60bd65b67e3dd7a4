//! `POST /dev/tokens`: a customer token of the development identity provider, for the
//! storefront's "sign in as" form. It exists only while that provider is active (no
//! `COGNITO_ISSUER`): with a real identity provider configured it answers 404, and the root
//! does not link it.

use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi};
use serde::Deserialize;

use super::ApiTags;
use crate::{
    auth::dev_idp,
    http::{
        error::{ApiError, FieldError, Problems},
        hal::{Curie, HalJson, Link},
        headers,
        json::JsonBody,
    },
    problem_set,
    state::SharedState,
};

/// How long a development token lives, in seconds.
const LIFETIME_SECONDS: i64 = 3600;

/// Who to sign in as.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct DevTokenInput {
    /// The customer id (`sub`): letters, digits, `.`, `_`, `-` and `@`.
    #[oai(validator(min_length = 1, max_length = 128, pattern = r"^[A-Za-z0-9._@-]+$"))]
    pub sub: String,
    /// An e-mail address the token carries (absent or null: none).
    #[oai(nullable, validator(max_length = 254))]
    pub email: Option<String>,
}

impl poem_openapi::types::Example for DevTokenInput {
    fn example() -> Self {
        DevTokenInput {
            sub: "alice".into(),
            email: Some("alice@example.com".into()),
        }
    }
}

#[derive(Debug, Clone, Object)]
pub struct DevTokenLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// Who the token signs in: send it as `Authorization: Bearer`.
    #[oai(rename = "shop:me")]
    pub me: Link,
}

/// A customer token of the development identity provider.
#[derive(Debug, Clone, Object)]
pub struct DevTokenRepr {
    #[oai(rename = "_links")]
    pub links: DevTokenLinks,
    /// The access token (a JWT); send it as `Authorization: Bearer <token>`.
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: i64,
}

#[derive(ApiResponse)]
pub enum DevTokenResponse {
    /// A token, valid one hour.
    #[oai(status = 201)]
    Created(
        HalJson<DevTokenRepr>,
        /// `no-store`: the response holds a credential.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

problem_set!(
    /// Errors of asking for a development token.
    DevTokenProblems:
    400 => "`malformed_request`: the body is not JSON.",
    404 => "`not_found`: the development identity provider is off (COGNITO_ISSUER is set).",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: `sub` or `email` has the wrong form."
);

#[derive(Default)]
pub struct DevTokensApi;

#[OpenApi(tag = "ApiTags::Customers")]
impl DevTokensApi {
    /// Sign in as a customer (development)
    ///
    /// A one-hour customer token signed by the development identity provider, for any
    /// `sub`: the storefront's "sign in as" form. Only while no `COGNITO_ISSUER` is set.
    #[oai(path = "/dev/tokens", method = "post", operation_id = "create_dev_token")]
    async fn create(
        &self,
        state: Data<&SharedState>,
        body: JsonBody<DevTokenInput>,
    ) -> Result<DevTokenResponse, Problems<DevTokenProblems>> {
        let key = state.customers.dev_key.as_ref().ok_or_else(|| {
            ApiError::not_found("The development identity provider is off: COGNITO_ISSUER is set.")
        })?;
        let input = body.0;
        let email = input.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        let mut errors = Vec::new();
        let allowed = |c: char| c.is_ascii_alphanumeric() || "._@-".contains(c);
        if input.sub.is_empty() || input.sub.len() > 128 || !input.sub.chars().all(allowed) {
            errors.push(FieldError::new(
                "/sub",
                "1 to 128 letters, digits, `.`, `_`, `-` or `@`",
            ));
        }
        if email.is_some_and(|e| e.len() > 254 || !super::types::valid_email(e)) {
            errors.push(FieldError::new(
                "/email",
                "an e-mail address such as alice@example.com",
            ));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors).into());
        }
        let hal = &state.hal;
        let lifetime = chrono::Duration::seconds(LIFETIME_SECONDS);
        let token = key
            .mint(&hal.href(dev_idp::ISSUER_PATH), &input.sub, email, lifetime)
            .map_err(ApiError::internal)?;
        Ok(DevTokenResponse::Created(
            HalJson(DevTokenRepr {
                links: DevTokenLinks {
                    self_link: hal.link("/dev/tokens"),
                    curies: hal.curies(),
                    me: hal.link("/me"),
                },
                access_token: token,
                token_type: "Bearer".into(),
                expires_in: LIFETIME_SECONDS,
            }),
            headers::NO_STORE.to_owned(),
        ))
    }
}
