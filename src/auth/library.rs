//! Libraries authenticate with HTTP Basic `api_key:secret` (`lk_…`, `ls_…`).

use entity::library;
use poem::Request;
use poem_openapi::{SecurityScheme, auth::Basic};
use sea_orm::DatabaseConnection;

use super::request_data;
use crate::{
    domain::lending::libraries,
    http::error::{ApiError, problems},
};

/// The challenge sent with a library's 401.
const LIBRARY_CHALLENGE: &str = "Basic realm=\"halshop library\"";

/// A library, authenticated with HTTP Basic `api_key:secret`.
#[derive(SecurityScheme)]
#[oai(rename = "library", ty = "basic", checker = "check_library")]
pub struct LibraryAuth(pub library::Model);

pub(super) async fn check_library(req: &Request, basic: Basic) -> poem::Result<library::Model> {
    let db = request_data::<DatabaseConnection>(req)?;
    match libraries::authenticate(db, &basic.username, &basic.password).await {
        Ok(Some(library)) => Ok(library),
        Ok(None) => Err(
            ApiError::new(&problems::UNAUTHORIZED, "The library api key or secret is wrong.")
                .with_header(poem::http::header::WWW_AUTHENTICATE, LIBRARY_CHALLENGE)
                .into(),
        ),
        Err(err) => Err(ApiError::from(err).into()),
    }
}

impl LibraryAuth {
    /// The library, when the uid in the path is its own; anyone else's is not found.
    pub fn owns(&self, uid: &str) -> Result<&library::Model, ApiError> {
        match self.0.uid == uid {
            true => Ok(&self.0),
            false => Err(ApiError::not_found(
                "No library of these credentials has this uid.",
            )),
        }
    }
}
