//! The HAL-FORMS description of `POST /bill`: what a client following links learns to send.

use poem::Request;
use poem_openapi::{ApiResponse, Object};

use super::super::products::products_search as products_search_link;
use super::input::OrderInput;
use crate::http::{
    forms::{FormTemplate, Templates, templates},
    hal::{Curie, Hal, HalJson, Link},
};

#[derive(Debug, Clone, Object)]
pub struct BillFormLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// Where the product URIs come from.
    #[oai(rename = "shop:products")]
    pub products: Link,
}

/// How to price a cart: POST an order body here.
#[derive(Debug, Clone, Object)]
pub struct BillFormRepr {
    #[oai(rename = "_links")]
    pub links: BillFormLinks,
    /// HAL-FORMS: `price` (this resource) and `create_order` (`POST /orders`), one body.
    #[oai(rename = "_templates")]
    pub templates: Templates,
}

#[derive(ApiResponse)]
pub enum BillFormResponse {
    /// How to use the bill (a HAL-FORMS template).
    #[oai(status = 200)]
    Ok(HalJson<BillFormRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

/// How to price a cart: a HAL-FORMS template of `POST /bill`.
pub fn bill_form_repr(hal: &Hal, req: &Request) -> BillFormRepr {
    BillFormRepr {
        links: BillFormLinks {
            self_link: hal.self_link(req),
            curies: hal.curies(),
            products: products_search_link(hal),
        },
        templates: checkout_templates(hal).unwrap_or_default(),
    }
}

/// Pricing a cart and placing it as an order: the same body, sent to `/bill` or `/orders`.
pub fn checkout_templates(hal: &Hal) -> Option<Templates> {
    templates(vec![
        (
            "price",
            FormTemplate::of::<OrderInput>("POST", "Price the cart", hal.href("/bill")),
        ),
        (
            "create_order",
            FormTemplate::of::<OrderInput>("POST", "Place the order", hal.href("/orders")),
        ),
    ])
}
