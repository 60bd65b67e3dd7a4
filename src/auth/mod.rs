//! Who is calling: typed security schemes used as handler parameters.

use entity::merchant;
use poem::{Request, http::header};
use poem_openapi::{SecurityScheme, auth::Basic};

use crate::{
    domain::merchants,
    error::{ApiError, problems},
    state::SharedState,
};

/// `WWW-Authenticate` challenge for merchant credentials.
pub const MERCHANT_CHALLENGE: &str = "Basic realm=\"halshop merchant\"";

/// A merchant, authenticated with HTTP Basic `app_key:secret`.
#[derive(SecurityScheme)]
#[oai(rename = "merchant", ty = "basic", checker = "check_merchant")]
pub struct MerchantAuth(pub merchant::Model);

/// A 401 that tells the client how to authenticate as a merchant.
pub fn merchant_unauthorized(detail: &str) -> ApiError {
    ApiError::new(&problems::UNAUTHORIZED, detail).with_header(header::WWW_AUTHENTICATE, MERCHANT_CHALLENGE)
}

async fn check_merchant(req: &Request, basic: Basic) -> poem::Result<merchant::Model> {
    let state = req
        .data::<SharedState>()
        .ok_or_else(|| ApiError::internal("application state missing from request"))?;
    match merchants::authenticate(&state.db, &basic.username, &basic.password).await {
        Ok(Some(merchant)) => Ok(merchant),
        Ok(None) => Err(merchant_unauthorized("The merchant app key or secret is wrong.").into()),
        Err(err) => Err(ApiError::from(err).into()),
    }
}
