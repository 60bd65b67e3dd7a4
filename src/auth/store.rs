//! Bookstore tills authenticate with their store's SAN and token, checked in the order and
//! with the messages of the point-of-sale reference.

use entity::store;
use poem::{Request, RequestBody};
use poem_openapi::{ApiExtractor, ExtractParamOptions, registry::Registry};
use sea_orm::DatabaseConnection;

use super::{bearer_scheme, bearer_token, security_extractor};
use crate::{
    domain::{ids, pos, san::San},
    http::error::{ApiError, problems},
};

/// The store's token from `Authorization: Bearer` (it may also come as the `token` field).
pub struct StoreBearer(pub Option<String>);

fn register_store_scheme(registry: &mut Registry) {
    registry.create_security_scheme(
        "store_token",
        bearer_scheme(
            None,
            "A store's token (`halshop store create`), as `Authorization: Bearer <token>` or as the `token` form field.",
        ),
    );
}

impl<'a> ApiExtractor<'a> for StoreBearer {
    security_extractor!(register_store_scheme, ["store_token"]);

    fn has_security_fallback() -> bool {
        true
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let token = bearer_token(req).map(str::to_owned);
        Ok(StoreBearer(token))
    }
}

/// A till transaction id: 1 to 64 visible ASCII characters.
pub fn valid_transact_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && visible_ascii(id)
}

fn visible_ascii(text: &str) -> bool {
    text.bytes().all(|b| (0x21..=0x7e).contains(&b))
}

/// What a till sent to identify itself and its transaction.
#[derive(Debug, Clone, Copy)]
pub struct TillCredentials<'a> {
    /// The SAN in the path.
    pub path_san: &'a str,
    /// The `san` field, which must match the path's when sent.
    pub body_san: Option<&'a str>,
    /// The `token` field, preferred to the bearer token.
    pub body_token: Option<&'a str>,
    /// The token from `Authorization: Bearer`.
    pub bearer: Option<&'a str>,
    pub partner_transact_id: Option<&'a str>,
}

/// The SAN, token, partner_transact_id (then the other fields, by `more`) and store of a
/// till request, checked in the reference's order.
pub async fn authenticate_store(
    db: &DatabaseConnection,
    till: TillCredentials<'_>,
    more: impl FnOnce() -> Result<(), ApiError>,
) -> Result<store::Model, ApiError> {
    let raw_san = shaped_san(till.path_san, till.body_san)?;
    let token = shaped_token(till.body_token, till.bearer)?;
    if !till.partner_transact_id.is_some_and(valid_transact_id) {
        return Err(ApiError::new(
            &problems::PARTNER_TRANSACT_ID_MALFORMED,
            "The partner_transact_id parameter has not been provided or is malformed",
        ));
    }
    more()?;
    let san = San::parse(raw_san).map_err(|_| {
        ApiError::new(
            &problems::SAN_NONCONFORMING,
            "SAN does not conform to SAN specifications",
        )
    })?;
    let store = pos::store_by_san(db, san.as_str()).await?.ok_or_else(|| {
        ApiError::new(
            &problems::STORE_NOT_REGISTERED,
            "The store is not registered on halshop",
        )
    })?;
    if !ids::secret_matches(token, &store.token_hash) {
        return Err(ApiError::new(
            &problems::STORE_TOKEN_INVALID,
            "Invalid Authorization Token",
        ));
    }
    Ok(store)
}

/// The path's SAN, trimmed, when it has a SAN's characters and length and the body's
/// `san` (if any) names the same store.
fn shaped_san<'a>(path_san: &'a str, body_san: Option<&str>) -> Result<&'a str, ApiError> {
    let raw_san = path_san.trim();
    let shaped = !raw_san.is_empty()
        && raw_san.len() <= 16
        && raw_san
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-' | ' '))
        && body_san.is_none_or(|s| bare(s) == bare(raw_san));
    if !shaped {
        return Err(ApiError::new(
            &problems::SAN_MALFORMED,
            "The san parameter has not been provided or is malformed",
        ));
    }
    Ok(raw_san)
}

/// The `token` field (trimmed, when not blank), or else the bearer token: up to 128
/// visible ASCII characters.
fn shaped_token<'a>(body_token: Option<&'a str>, bearer: Option<&'a str>) -> Result<&'a str, ApiError> {
    body_token
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .or(bearer)
        .filter(|t| t.len() <= 128 && visible_ascii(t))
        .ok_or_else(|| {
            ApiError::new(
                &problems::TOKEN_MALFORMED,
                "The token parameter has not been provided or is malformed",
            )
        })
}

fn bare(san: &str) -> String {
    san.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .collect::<String>()
        .to_ascii_uppercase()
}
