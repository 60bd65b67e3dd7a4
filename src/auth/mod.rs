//! Who is calling: typed security schemes used as handler parameters.
//!
//! - merchants: HTTP Basic `app_key:secret` ([`MerchantAuth`], `merchant.rs`);
//! - customers: a Cognito-style JWT in `Cognito-Token` or `Authorization: Bearer`
//!   ([`Customer`], or [`MaybeCustomer`] where guests are welcome too; `customer.rs`);
//! - stores: a till's token ([`StoreBearer`], `store.rs`);
//! - `order_access.rs`: the one place that decides who may see or act on an order, its
//!   deliveries and its refund requests.
//!
//! The extractors read what they need (the database, the customer verifier) from the
//! request's data, set once by `startup`.

pub mod customer;
pub mod dev_idp;
pub mod jwt;
pub mod merchant;
pub mod order_access;
pub mod store;

use poem::Request;

pub use self::{
    customer::{Customer, CustomerAuthentication, MaybeCustomer},
    merchant::MerchantAuth,
    order_access::{OrderCaller, OrderLister},
    store::StoreBearer,
};
use crate::http::error::ApiError;

/// A value `startup` attached to every request (the database, the customer verifier).
fn request_data<T: Send + Sync + 'static>(req: &Request) -> Result<&T, ApiError> {
    req.data::<T>()
        .ok_or_else(|| ApiError::internal(format!("{} missing from the request", std::any::type_name::<T>())))
}
