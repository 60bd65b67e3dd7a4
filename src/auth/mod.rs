//! Who is calling: typed security schemes used as handler parameters.
//!
//! - merchants: HTTP Basic `app_key:secret` ([`MerchantAuth`], `merchant.rs`);
//! - customers: a Cognito-style JWT in `Cognito-Token` or `Authorization: Bearer`
//!   ([`Customer`], or [`MaybeCustomer`] where guests are welcome too; `customer.rs`);
//! - libraries: HTTP Basic `api_key:secret` ([`LibraryAuth`], `library.rs`);
//! - stores: a till's token ([`StoreBearer`], `store.rs`);
//! - door scanners of an event: `Scanner-Token`, or the merchant ([`DoorCaller`], `door.rs`);
//! - `order_access.rs`: the one place that decides who may see or act on an order, its
//!   deliveries and its refund requests.
//!
//! The extractors read what they need (the database, the customer verifier) from the
//! request's data, set once by `startup`.

pub mod customer;
pub mod dev_idp;
pub mod door;
pub mod jwt;
pub mod library;
pub mod merchant;
pub mod order_access;
pub mod store;

use poem::{Request, http::header};
use poem_openapi::registry::MetaSecurityScheme;

pub use self::{
    customer::{Customer, CustomerAuthentication, MaybeCustomer},
    door::DoorCaller,
    library::LibraryAuth,
    merchant::{MaybeMerchant, MerchantAuth},
    order_access::{OrderCaller, OrderLister},
    store::StoreBearer,
};
use crate::http::error::ApiError;

/// A value `startup` attached to every request (the database, the customer verifier).
fn request_data<T: Send + Sync + 'static>(req: &Request) -> Result<&T, ApiError> {
    req.data::<T>()
        .ok_or_else(|| ApiError::internal(format!("{} missing from the request", std::any::type_name::<T>())))
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(req: &Request) -> Option<&str> {
    let authorization = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = authorization.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// An OpenAPI security scheme: a credential in a request header.
fn header_scheme(header: &'static str, description: &'static str) -> MetaSecurityScheme {
    MetaSecurityScheme {
        ty: "apiKey",
        description: Some(description),
        name: Some(header),
        key_in: Some("header"),
        scheme: None,
        bearer_format: None,
        flows: None,
        openid_connect_url: None,
    }
}

/// An OpenAPI security scheme: `Authorization: Bearer`.
fn bearer_scheme(bearer_format: Option<&'static str>, description: &'static str) -> MetaSecurityScheme {
    MetaSecurityScheme {
        ty: "http",
        description: Some(description),
        name: None,
        key_in: None,
        scheme: Some("bearer"),
        bearer_format,
        flows: None,
        openid_connect_url: None,
    }
}

/// The items every security-scheme extractor declares: what it registers in the OpenAPI
/// document and which schemes an operation using it lists.
macro_rules! security_extractor {
    ($register:expr, [$($scheme:literal),* $(,)?]) => {
        const TYPES: &'static [poem_openapi::ApiExtractorType] =
            &[poem_openapi::ApiExtractorType::SecurityScheme];
        type ParamType = ();
        type ParamRawType = ();

        fn register(registry: &mut poem_openapi::registry::Registry) {
            $register(registry);
        }

        fn security_schemes() -> Vec<&'static str> {
            vec![$($scheme),*]
        }
    };
}
use security_extractor;
