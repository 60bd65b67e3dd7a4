//! The HAL-FORMS description of `POST /bill`: what a client following links learns to send.

use poem::Request;
use poem_openapi::{ApiResponse, Object};

use super::super::products::products_search as products_search_link;
use crate::http::hal::{Curie, Hal, HalJson, Link};

/// A field of a HAL-FORMS template.
#[derive(Debug, Clone, Object)]
pub struct FormProperty {
    pub name: String,
    pub required: bool,
    /// What to put there.
    pub prompt: String,
}

/// A HAL-FORMS template: how to submit to this resource.
#[derive(Debug, Clone, Object)]
pub struct FormTemplate {
    pub method: String,
    #[oai(rename = "contentType")]
    pub content_type: String,
    pub target: String,
    pub properties: Vec<FormProperty>,
}

#[derive(Debug, Clone, Object)]
pub struct FormTemplates {
    pub default: FormTemplate,
}

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
    #[oai(rename = "_templates")]
    pub templates: FormTemplates,
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
    let property = |name: &str, required: bool, prompt: &str| FormProperty {
        name: name.into(),
        required,
        prompt: prompt.into(),
    };
    BillFormRepr {
        links: BillFormLinks {
            self_link: hal.self_link(req),
            curies: hal.curies(),
            products: products_search_link(hal),
        },
        templates: FormTemplates {
            default: FormTemplate {
                method: "POST".into(),
                content_type: "application/json".into(),
                target: hal.href("/bill"),
                properties: vec![
                    property(
                        "products",
                        true,
                        "[{\"product\": <product URI>, \"quantity\": 1}]",
                    ),
                    property(
                        "consumer",
                        true,
                        "{email, first_name, last_name, country, region}",
                    ),
                    property("currency", false, "ISO 4217 code the order is paid in"),
                    property("vouchers", false, "voucher codes"),
                    property("external_reference", false, "your own reference"),
                    property("redirect_url", false, "where the payment page returns the buyer"),
                ],
            },
        },
    }
}
