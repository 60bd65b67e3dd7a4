//! Merchants authenticate with HTTP Basic `app_key:secret`.

use entity::merchant;
use poem::{Request, RequestBody};
use poem_openapi::{
    ApiExtractor, ExtractParamOptions, SecurityScheme,
    auth::{Basic, BasicAuthorization},
    registry::Registry,
};
use sea_orm::DatabaseConnection;

use super::{request_data, security_extractor};
use crate::{domain::merchants, http::error::ApiError};

/// A merchant, authenticated with HTTP Basic `app_key:secret`.
#[derive(SecurityScheme)]
#[oai(rename = "merchant", ty = "basic", checker = "check_merchant")]
pub struct MerchantAuth(pub merchant::Model);

pub(super) async fn check_merchant(req: &Request, basic: Basic) -> poem::Result<merchant::Model> {
    let db = request_data::<DatabaseConnection>(req)?;
    match merchants::authenticate(db, &basic.username, &basic.password).await {
        Ok(Some(merchant)) => Ok(merchant),
        Ok(None) => Err(ApiError::merchant_unauthorized("The merchant app key or secret is wrong.").into()),
        Err(err) => Err(ApiError::from(err).into()),
    }
}

/// The merchant when HTTP Basic credentials are sent (they must then be right), otherwise
/// nobody: for public resources that offer the merchant more (their actions).
#[derive(Debug, Clone)]
pub struct MaybeMerchant(pub Option<merchant::Model>);

fn register_merchant_scheme(registry: &mut Registry) {
    <MerchantAuth as ApiExtractor>::register(registry);
}

impl<'a> ApiExtractor<'a> for MaybeMerchant {
    security_extractor!(register_merchant_scheme, ["merchant"]);

    fn has_security_fallback() -> bool {
        true
    }

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        match Basic::from_request(req) {
            Ok(basic) => Ok(MaybeMerchant(Some(check_merchant(req, basic).await?))),
            Err(_) => Ok(MaybeMerchant(None)),
        }
    }
}
