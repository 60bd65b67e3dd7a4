//! An order's line as a resource of its own (`/orders/{uid}/lines/{n}`), so that every
//! line embedded in an order has a `self` a client can follow.

use entity::order_line;
use poem_openapi::{ApiResponse, types::Example};

use super::view::{LineLinks, OrderLineRepr, TaxRepr};
use crate::http::hal::{Curie, Hal, HalJson, Link};

/// The number of a line in its URL: its `position` + 1, so that the first line is `1`.
pub fn line_number(line: &order_line::Model) -> i64 {
    i64::from(line.position) + 1
}

/// The position (from 0) a line number from a URL names, if it can name one.
pub fn position_of(number: u32) -> Option<i32> {
    i32::try_from(number)
        .ok()?
        .checked_sub(1)
        .filter(|position| *position >= 0)
}

/// `<base>/orders/<uid>/lines/<n>`.
pub fn line_link(hal: &Hal, order_uid: &str, line: &order_line::Model) -> Link {
    hal.link(&format!("/orders/{order_uid}/lines/{}", line_number(line)))
}

#[derive(ApiResponse)]
pub enum OrderLineResponse {
    /// The line: the product as it was sold, quantity, unit price, net, taxes and total.
    #[oai(status = 200)]
    Ok(HalJson<OrderLineRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

impl Example for OrderLineRepr {
    fn example() -> Self {
        let base = "https://shop.example.com";
        let order = "f6284ab0fd3147e5b6ea40cc0ba1b69a";
        let product = format!("{base}/products/5c8f0e3b9a7d4c21b6e2f4a1d3c5b7e9");
        let eur = |amount: &str| crate::api::types::MoneyRepr {
            amount: amount.into(),
            currency: "EUR".into(),
        };
        OrderLineRepr {
            links: LineLinks {
                self_link: Some(Hal::link_to(
                    format!("{base}/orders/{order}/lines/1")
                        .parse()
                        .expect("example URL"),
                )),
                curies: vec![Curie {
                    name: "shop".into(),
                    href: format!("{base}/rels/{{rel}}"),
                    templated: true,
                    media_type: "text/html".into(),
                }],
                order: Some(Hal::link_to(
                    format!("{base}/orders/{order}").parse().expect("example URL"),
                )),
                product: Hal::link_to(product.parse().expect("example URL")),
            },
            position: 0,
            product,
            title: "Les Misérables".into(),
            sku: "HUGO-MISERABLES-EPUB".into(),
            kind: "ebook".into(),
            isbn: Some("9782070368228".into()),
            format: "epub".into(),
            protection: "watermark".into(),
            quantity: 1,
            unit_price: eur("9.99"),
            price_includes_tax: true,
            net: eur("9.47"),
            taxes: vec![TaxRepr {
                name: "TVA".into(),
                rate: "5.5".into(),
                amount: eur("0.52"),
            }],
            total: eur("9.99"),
            available: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use poem_openapi::types::ToJSON;

    use super::*;
    use crate::api::orders::view::{AppliedVoucher, BillLinks, BillRepr};

    /// A bill that uses every optional field both ways, and a link with every member.
    fn bill() -> BillRepr {
        let full = OrderLineRepr {
            available: Some(12),
            ..OrderLineRepr::example()
        };
        let mut bare = OrderLineRepr::example();
        bare.links.self_link = None;
        bare.links.order = None;
        bare.isbn = None;
        let mut orders = Hal::link_to("https://shop.example.com/orders".parse().unwrap());
        orders.templated = Some(false);
        orders.media_type = Some("application/hal+json".into());
        orders.title = Some("Place the order".into());
        BillRepr {
            links: BillLinks {
                self_link: full.links.product.clone(),
                curies: full.links.curies.clone(),
                orders,
            },
            currency: "EUR".into(),
            taxes: full.taxes.clone(),
            product_total: full.net.clone(),
            tax_total: full.taxes[0].amount.clone(),
            vouchers: vec![AppliedVoucher {
                code: "SPRING-10".into(),
                applied: full.unit_price.clone(),
            }],
            voucher_total: full.unit_price.clone(),
            grand_total: full.total.clone(),
            lines: vec![full, bare],
        }
    }

    #[test]
    fn a_bill_serialized_by_serde_is_the_json_its_schema_describes() {
        let bill = bill();
        assert_eq!(serde_json::to_value(&bill).unwrap(), bill.to_json().unwrap());
    }
}
