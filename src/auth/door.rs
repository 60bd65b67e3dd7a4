//! Who may work the door of an event: the merchant who sells it (HTTP Basic), or one of
//! the event's scanners (`Scanner-Token`), whose token is good for that event alone.

use entity::{merchant as merchant_entity, scanner};
use poem::{Request, RequestBody, http::header};
use poem_openapi::{
    ApiExtractor, ExtractParamOptions,
    auth::{Basic, BasicAuthorization},
    registry::Registry,
};
use sea_orm::DatabaseConnection;

use super::{MerchantAuth, header_scheme, merchant, request_data, security_extractor};
use crate::{
    domain::tickets::scanners,
    http::{
        error::{ApiError, MERCHANT_CHALLENGE, problems},
        headers,
    },
};

/// The merchant, or a scanner of one event.
#[derive(Debug, Clone)]
pub enum DoorCaller {
    Merchant(merchant_entity::Model),
    Scanner(scanner::Model),
}

impl DoorCaller {
    /// May work the door of an event of `merchant_id` whose id is `event_id`.
    pub fn may_scan(&self, merchant_id: i64, event_id: Option<i64>) -> bool {
        match self {
            DoorCaller::Merchant(merchant) => merchant.id == merchant_id,
            DoorCaller::Scanner(scanner) => event_id == Some(scanner.event_id),
        }
    }
}

fn register_door_schemes(registry: &mut Registry) {
    registry.create_security_scheme(
        "scanner_token",
        header_scheme(
            "Scanner-Token",
            "The token of a door scanner of one event, returned once when the merchant registers the scanner.",
        ),
    );
    <MerchantAuth as ApiExtractor>::register(registry);
}

impl<'a> ApiExtractor<'a> for DoorCaller {
    security_extractor!(register_door_schemes, ["scanner_token", "merchant"]);

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let token = req
            .headers()
            .get(headers::SCANNER_TOKEN)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty());
        if let Some(token) = token {
            let db = request_data::<DatabaseConnection>(req)?;
            return match scanners::authenticate(db, token).await.map_err(ApiError::from)? {
                Some(scanner) => Ok(DoorCaller::Scanner(scanner)),
                None => Err(ApiError::new(
                    &problems::UNAUTHORIZED,
                    "The Scanner-Token is not one halshop issued.",
                )
                .into()),
            };
        }
        match Basic::from_request(req) {
            Ok(basic) => Ok(DoorCaller::Merchant(merchant::check_merchant(req, basic).await?)),
            Err(_) => Err(ApiError::new(
                &problems::UNAUTHORIZED,
                "Send a door scanner's `Scanner-Token` or merchant credentials (HTTP Basic).",
            )
            .with_header(header::WWW_AUTHENTICATE, MERCHANT_CHALLENGE)
            .into()),
        }
    }
}
