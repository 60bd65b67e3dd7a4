//! `/me`: the logged-in customer, and the development identity provider's JWKS.

use poem::Request;
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi, payload::Json};

use super::ApiTags;
use crate::{
    auth::Customer,
    http::error::{ApiError, Problems},
    http::hal::{Curie, HalJson, Link},
    problem_set,
    state::SharedState,
};

#[derive(Debug, Clone, Object)]
pub struct MeLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The API root.
    #[oai(rename = "shop:root")]
    pub root: Link,
    /// The orders this customer placed.
    #[oai(rename = "shop:orders")]
    pub orders: Link,
    /// What this customer owns: redeemed codes and till purchases made for their e-mail.
    #[oai(rename = "shop:library")]
    pub library: Link,
}

/// The logged-in customer, as the identity provider's token describes them.
#[derive(Debug, Clone, Object)]
pub struct MeRepr {
    #[oai(rename = "_links")]
    pub links: MeLinks,
    /// Stable customer id: the token's `sub`. Orders record it as their `customer_id`.
    pub customer_id: String,
    /// The user name (`cognito:username` or `username`), when the token carries one.
    #[oai(skip_serializing_if_is_none)]
    pub username: Option<String>,
    /// The e-mail address, when the token carries one (id tokens do; access tokens usually not).
    #[oai(skip_serializing_if_is_none)]
    pub email: Option<String>,
}

#[derive(ApiResponse)]
pub enum MeResponse {
    /// Who is logged in.
    #[oai(status = 200)]
    Ok(HalJson<MeRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

/// One public key of a JWKS.
#[derive(Debug, Clone, Object)]
pub struct Jwk {
    pub kty: String,
    pub kid: String,
    #[oai(rename = "use")]
    pub key_use: String,
    pub alg: String,
    /// RSA modulus, base64url.
    pub n: String,
    /// RSA public exponent, base64url.
    pub e: String,
}

/// A JSON Web Key Set (RFC 7517).
#[derive(Debug, Clone, Object)]
pub struct Jwks {
    pub keys: Vec<Jwk>,
}

#[derive(ApiResponse)]
pub enum JwksResponse {
    /// The development identity provider's public keys.
    #[oai(status = 200)]
    Ok(Json<Jwks>),
}

problem_set!(
    /// Errors of `/me`.
    MeProblems:
    401 => "`unauthorized` (no token), `token_expired`, `token_invalid`, `wrong_issuer`, `wrong_client`, `wrong_token_use` or `unknown_key`. The `WWW-Authenticate` header says the same.",
    405 => "`method_not_allowed`.",
    503 => "`identity_provider_unavailable`: the token's key is not cached and the JWKS cannot be fetched; retry later."
);

problem_set!(
    /// Errors of the development JWKS.
    DevIdpProblems:
    404 => "`not_found`: the development identity provider is off (COGNITO_ISSUER is set).",
    405 => "`method_not_allowed`."
);

#[derive(Default)]
pub struct MeApi;

#[OpenApi(tag = "ApiTags::Customers")]
impl MeApi {
    /// Who am I
    ///
    /// The logged-in customer: their customer id (the token's `sub`), user name and e-mail
    /// when the token carries them, and links to what they can do.
    #[oai(path = "/me", method = "get", operation_id = "get_me")]
    async fn me(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        customer: Customer,
    ) -> Result<MeResponse, Problems<MeProblems>> {
        let hal = &state.hal;
        let claims = customer.0;
        Ok(MeResponse::Ok(HalJson(MeRepr {
            links: MeLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                root: hal.link("/"),
                orders: hal.link("/orders"),
                library: hal.link("/me/library"),
            },
            customer_id: claims.sub,
            username: claims.username,
            email: claims.email,
        })))
    }

    /// Development identity provider keys
    ///
    /// The JWKS of the development identity provider, active only when no `COGNITO_ISSUER`
    /// is configured. Its tokens come from `halshop dev-token --sub NAME`.
    #[oai(
        path = "/dev-idp/.well-known/jwks.json",
        method = "get",
        operation_id = "get_dev_jwks"
    )]
    async fn dev_jwks(&self, state: Data<&SharedState>) -> Result<JwksResponse, Problems<DevIdpProblems>> {
        let key = state.customers.dev_key.as_ref().ok_or_else(|| {
            ApiError::not_found("The development identity provider is off: COGNITO_ISSUER is set.")
        })?;
        let jwks = key.jwks();
        let keys = jwks["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|jwk| Jwk {
                kty: text(jwk, "kty"),
                kid: text(jwk, "kid"),
                key_use: text(jwk, "use"),
                alg: text(jwk, "alg"),
                n: text(jwk, "n"),
                e: text(jwk, "e"),
            })
            .collect();
        Ok(JwksResponse::Ok(Json(Jwks { keys })))
    }
}

fn text(value: &serde_json::Value, field: &str) -> String {
    value[field].as_str().unwrap_or_default().to_owned()
}
