//! The one place that decides who may see or act on an order, its deliveries and its
//! refund requests: the holder of the order's token, the customer who placed it (or the
//! library, for its order of licences), the merchant who sells it (and, for a delivery, the
//! customer whose library holds it).
//! Whoever may not gets a 404, never a 403, so that nobody learns that a resource exists.

use entity::{delivery, library, merchant as merchant_entity, order};
use poem::{Request, RequestBody, http::header};
use poem_openapi::{
    ApiExtractor, ExtractParamOptions,
    auth::{Basic, BasicAuthorization},
    registry::Registry,
};

use super::{
    MerchantAuth,
    customer::{customer_of, register_customer_schemes},
    header_scheme,
    jwt::CustomerClaims,
    merchant, security_extractor,
};
use crate::{
    domain::{ids, lending::libraries},
    http::{
        error::{ApiError, CUSTOMER_CHALLENGE, MERCHANT_CHALLENGE, problems},
        headers,
    },
};

/// Everyone who may be entitled to one order: the holder of its token, the customer who
/// created it, the merchant who sells it. Whether they are is decided per order by
/// [`OrderCaller::may_see`]; a caller who is not gets a 404, never a 403, so that
/// nobody learns that an order exists.
#[derive(Debug, Clone, Default)]
pub struct OrderCaller {
    pub order_token: Option<String>,
    pub customer: Option<CustomerClaims>,
    pub merchant: Option<merchant_entity::Model>,
    /// A library, for the orders it placed to buy licences.
    pub library: Option<library::Model>,
}

impl OrderCaller {
    /// Holds the order: presents its token, or is the customer who placed it. The holder
    /// reads, pays, cancels and asks for refunds.
    pub fn holds(&self, order: &order::Model) -> bool {
        self.order_token
            .as_deref()
            .is_some_and(|token| ids::secret_matches(token, &order.token_hash))
            || self
                .customer
                .as_ref()
                .is_some_and(|customer| order.customer_sub.as_deref() == Some(customer.sub.as_str()))
            || self
                .library
                .as_ref()
                .is_some_and(|library| order.library_id == Some(library.id))
    }

    /// Sells the order: the merchant reads it and decides on its refund requests.
    pub fn sells(&self, order: &order::Model) -> bool {
        self.merchant
            .as_ref()
            .is_some_and(|merchant| merchant.id == order.merchant_id)
    }

    /// May see the order, and its deliveries and refund requests.
    pub fn may_see(&self, order: &order::Model) -> bool {
        self.holds(order) || self.sells(order)
    }

    /// May see a delivery: whoever may see its order, or the customer whose library holds
    /// it (a till purchase put straight into an account).
    pub fn may_see_delivery(&self, delivery: &delivery::Model, order: &order::Model) -> bool {
        let owner = self
            .customer
            .as_ref()
            .is_some_and(|customer| delivery.owner_sub.as_deref() == Some(customer.sub.as_str()));
        owner || self.may_see(order)
    }

    /// `order` if this caller may see it; otherwise the same 404 as for no order at all.
    pub fn visible_order(&self, order: Option<order::Model>, what: &str) -> Result<order::Model, ApiError> {
        order
            .filter(|order| self.may_see(order))
            .ok_or_else(|| not_visible(what))
    }
}

/// The 404 for a resource that does not exist or that the caller may not see: the same
/// answer for both, so that it is no oracle.
pub fn not_visible(what: &str) -> ApiError {
    ApiError::not_found(format!("No {what} is visible with these credentials."))
}

fn register_order_caller_schemes(registry: &mut Registry) {
    registry.create_security_scheme(
        "order_token",
        header_scheme(
            "Order-Token",
            "The token of one order, returned once when the order is created, in the `Order-Token` header.",
        ),
    );
    register_order_lister_schemes(registry);
    <super::LibraryAuth as ApiExtractor>::register(registry);
}

fn register_order_lister_schemes(registry: &mut Registry) {
    register_customer_schemes(registry);
    <MerchantAuth as ApiExtractor>::register(registry);
}

impl<'a> ApiExtractor<'a> for OrderCaller {
    security_extractor!(
        register_order_caller_schemes,
        [
            "order_token",
            "customer_token",
            "customer_bearer",
            "merchant",
            "library"
        ]
    );

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        let order_token = req
            .headers()
            .get(headers::ORDER_TOKEN)
            .and_then(|value| value.to_str().ok())
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty());
        let customer = customer_of(req).await?;
        let (merchant, library) = match Basic::from_request(req) {
            Ok(basic) if basic.username.starts_with(libraries::API_KEY_PREFIX) => {
                (None, Some(super::library::check_library(req, basic).await?))
            }
            Ok(basic) => (Some(merchant::check_merchant(req, basic).await?), None),
            Err(_) => (None, None),
        };
        if order_token.is_none() && customer.is_none() && merchant.is_none() && library.is_none() {
            return Err(ApiError::new(
                &problems::UNAUTHORIZED,
                "Send the order's `Order-Token`, your customer token, or merchant credentials.",
            )
            .with_header(header::WWW_AUTHENTICATE, CUSTOMER_CHALLENGE)
            .into());
        }
        Ok(OrderCaller {
            order_token,
            customer,
            merchant,
            library,
        })
    }
}

/// A logged-in customer or a merchant: whoever may list orders.
#[derive(Debug, Clone)]
pub enum OrderLister {
    Customer(CustomerClaims),
    Merchant(merchant_entity::Model),
}

impl<'a> ApiExtractor<'a> for OrderLister {
    security_extractor!(
        register_order_lister_schemes,
        ["customer_token", "customer_bearer", "merchant"]
    );

    async fn from_request(
        req: &'a Request,
        _body: &mut RequestBody,
        _param_opts: ExtractParamOptions<Self::ParamType>,
    ) -> poem::Result<Self> {
        if let Some(customer) = customer_of(req).await? {
            return Ok(OrderLister::Customer(customer));
        }
        match Basic::from_request(req) {
            Ok(basic) => Ok(OrderLister::Merchant(merchant::check_merchant(req, basic).await?)),
            Err(_) => Err(ApiError::new(
                &problems::UNAUTHORIZED,
                "Sign in as a customer (Cognito-Token or Bearer) or as a merchant (HTTP Basic).",
            )
            .with_header(header::WWW_AUTHENTICATE, CUSTOMER_CHALLENGE)
            .with_header(header::WWW_AUTHENTICATE, MERCHANT_CHALLENGE)
            .into()),
        }
    }
}
