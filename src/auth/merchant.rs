//! Merchants authenticate with HTTP Basic `app_key:secret`.

use entity::merchant;
use poem::Request;
use poem_openapi::{SecurityScheme, auth::Basic};
use sea_orm::DatabaseConnection;

use super::request_data;
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
