//! The API root: where every client starts.

use poem::Request;
use poem::web::Data;
use poem_openapi::{ApiResponse, Object, OpenApi};

use super::{
    ApiTags, events::events_search, orders::checkout_templates, products::products_search,
    vouchers::vouchers_search,
};
use crate::{
    domain::merchants,
    http::error::{ApiError, Problems},
    http::forms::Templates,
    http::hal::{Curie, HalJson, Link},
    problem_set,
    state::SharedState,
};

/// Links from the root to every entry point.
#[derive(Debug, Clone, Object)]
pub struct RootLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The catalogue, with its filters.
    #[oai(rename = "shop:products")]
    pub products: Link,
    /// One product by uid.
    #[oai(rename = "shop:product")]
    pub product: Link,
    /// Events with places: concerts, fairs, shows, with their ticket products.
    #[oai(rename = "shop:events")]
    pub events: Link,
    /// One event by uid.
    #[oai(rename = "shop:event")]
    pub event: Link,
    /// The public keys (JWKS) that verify the signed QR payload of every ticket, offline.
    #[oai(rename = "shop:ticket_keys")]
    pub ticket_keys: Link,
    /// Price a cart without saving anything (POST an order body).
    #[oai(rename = "shop:bill")]
    pub bill: Link,
    /// Place an order (POST), or list your orders (GET, customer or merchant).
    #[oai(rename = "shop:orders")]
    pub orders: Link,
    /// One order by uid (with its `Order-Token`, its customer's token or merchant credentials).
    #[oai(rename = "shop:order")]
    pub order: Link,
    /// The logged-in customer (a customer token): who they are and what they may do.
    #[oai(rename = "shop:me")]
    pub me: Link,
    /// The logged-in customer's library (a customer token).
    #[oai(rename = "shop:library")]
    pub library: Link,
    /// The refund requests of an order, by the order's URI.
    #[oai(rename = "shop:refund_requests")]
    pub refund_requests: Link,
    /// Your vouchers (merchant): store credit issued by hand or by refunds; issue one.
    #[oai(rename = "shop:vouchers")]
    pub vouchers: Link,
    /// Your webhook endpoints (merchant): where halshop sends your events, signed.
    #[oai(rename = "shop:webhook_endpoints")]
    pub webhook_endpoints: Link,
    /// Your events in commit order, for polling (merchant).
    #[oai(rename = "shop:events_feed")]
    pub events_feed: Link,
    /// Your daily sales summary, in HAL or CSV (merchant).
    #[oai(rename = "shop:daily_sales")]
    pub daily_sales: Link,
    /// Your library, with its licences, loans, holds and report (library).
    #[oai(rename = "shop:lending")]
    pub lending: Link,
    /// The web shop for customers (HTML).
    #[oai(rename = "shop:storefront")]
    pub storefront: Link,
    /// The back office for the merchant (HTML).
    #[oai(rename = "shop:back_office")]
    pub back_office: Link,
    /// Development only: POST `{sub, email?}` for a customer token. Present only while the
    /// development identity provider is active (no `COGNITO_ISSUER`).
    #[oai(rename = "shop:dev_tokens", skip_serializing_if_is_none)]
    pub dev_tokens: Option<Link>,
    /// The OpenAPI document of this API (RFC 8631).
    #[oai(rename = "service-desc")]
    pub service_desc: Link,
    /// Interactive documentation (Swagger UI) (RFC 8631).
    #[oai(rename = "service-doc")]
    pub service_doc: Link,
}

/// How a buyer reaches the shop's customer service.
#[derive(Debug, Clone, Object)]
pub struct CustomerService {
    pub email: String,
    pub phone: String,
}

/// The API root.
#[derive(Debug, Clone, Object)]
pub struct RootRepr {
    #[oai(rename = "_links")]
    pub links: RootLinks,
    /// Name of the shop.
    pub name: String,
    /// Version of the halshop server.
    pub version: String,
    /// Shown to buyers so they can reach someone in case of difficulty.
    #[oai(skip_serializing_if_is_none)]
    pub customer_service: Option<CustomerService>,
    /// HAL-FORMS: `price` a cart (`POST /bill`) and `create_order` (`POST /orders`).
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

#[derive(ApiResponse)]
pub enum RootResponse {
    /// Links to every entry point of the API.
    #[oai(status = 200)]
    Ok(HalJson<RootRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

problem_set!(
    /// Errors of the root.
    RootProblems:
    405 => "`method_not_allowed`."
);

#[derive(Default)]
pub struct RootApi;

#[OpenApi(tag = "ApiTags::Root")]
impl RootApi {
    /// Start here
    ///
    /// Links to every entry point of the API, and the shop's customer-service contact.
    /// A client needs only this URL: everything else is reached by following links.
    #[oai(path = "/", method = "get", operation_id = "get_root")]
    async fn root(
        &self,
        state: Data<&SharedState>,
        req: &Request,
    ) -> Result<RootResponse, Problems<RootProblems>> {
        let hal = &state.hal;
        let operator = merchants::cached_shop_operator(&state.db, &state.shop_operator)
            .await
            .map_err(ApiError::from)?;
        Ok(RootResponse::Ok(HalJson(RootRepr {
            links: RootLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                products: products_search(hal),
                product: hal.templated("/products/{uid}"),
                events: events_search(hal),
                event: hal.templated("/events/{uid}"),
                ticket_keys: hal
                    .link("/.well-known/ticket-keys")
                    .with_type("application/jwk-set+json"),
                bill: hal.link("/bill").with_title("POST a cart to price it"),
                orders: hal.link("/orders"),
                order: hal.templated("/orders/{uid}"),
                me: hal.link("/me"),
                library: hal.link("/me/library"),
                refund_requests: hal.templated("/refund_requests{?order,status,page,page_size}"),
                vouchers: vouchers_search(hal),
                webhook_endpoints: hal.link("/webhook_endpoints"),
                events_feed: hal.templated("/events_feed{?after,types,limit}"),
                daily_sales: hal.templated("/reports/daily_sales{?date,currency,format}"),
                lending: hal.link("/lending"),
                storefront: hal.link("/shop/").with_type("text/html"),
                back_office: hal.link("/admin/").with_type("text/html"),
                dev_tokens: state.customers.dev_key.is_some().then(|| hal.link("/dev/tokens")),
                service_desc: hal
                    .link("/openapi.json")
                    .with_type("application/vnd.oai.openapi+json"),
                service_doc: hal.link("/docs").with_type("text/html"),
            },
            name: operator
                .as_ref()
                .map(|m| m.name.clone())
                .unwrap_or_else(|| "halshop".into()),
            version: env!("CARGO_PKG_VERSION").into(),
            customer_service: operator.map(|m| CustomerService {
                email: m.support_email.clone(),
                phone: m.support_phone.clone(),
            }),
            templates: checkout_templates(hal),
        })))
    }
}
