//! The HAL representation of a page of orders, built from orders already loaded.

use poem::Request;
use poem_openapi::{ApiResponse, Object};

use super::actions::OrderActions;
use super::view::{OrderRepr, OrderView, order_repr};
use crate::{
    api::products::PageLinksRepr,
    domain::{orders, sandbox::SandboxKey},
    http::{
        error::ApiError,
        hal::{Hal, HalJson, Link, Paging},
    },
};

/// A page of orders from orders already loaded with their vouchers, contacts and
/// refundability.
pub fn order_collection(
    hal: &Hal,
    req: &Request,
    paging: Paging,
    page: &orders::OrderPage,
    sandbox: &SandboxKey,
) -> Result<OrderCollection, ApiError> {
    let mut reprs = Vec::with_capacity(page.orders.len());
    for order in &page.orders {
        let contact = page
            .contacts
            .get(&order.merchant_id)
            .ok_or_else(|| ApiError::internal(format!("merchant {} missing", order.merchant_id)))?;
        let refundability = page
            .refundability
            .get(&order.id)
            .ok_or_else(|| ApiError::internal(format!("order {} not evaluated", order.uid)))?;
        let view = OrderView {
            order,
            lines: None,
            deliveries: None,
            vouchers: page.vouchers.get(&order.id).map_or(&[], Vec::as_slice),
            contact,
            sandbox,
            refundability,
            actions: OrderActions::default(),
        };
        reprs.push(order_repr(
            hal,
            view,
            hal.link(&format!("/orders/{}", order.uid)),
        )?);
    }
    Ok(OrderCollection {
        links: PageLinksRepr::new(hal, req, paging, page.item_count, orders_search(hal)),
        item_count: page.item_count,
        page: paging.page,
        page_size: paging.page_size,
        embedded: OrdersEmbedded { orders: reprs },
    })
}

/// The templated search link of the order listing.
pub fn orders_search(hal: &Hal) -> Link {
    hal.templated("/orders{?status,created_gte,created_lt,external_reference,page,page_size}")
}

#[derive(Debug, Clone, Object)]
pub struct OrdersEmbedded {
    #[oai(rename = "shop:orders")]
    pub orders: Vec<OrderRepr>,
}

/// A page of orders, newest first.
#[derive(Debug, Clone, Object)]
pub struct OrderCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: OrdersEmbedded,
}

#[derive(ApiResponse)]
pub enum OrderListResponse {
    /// A page of orders.
    #[oai(status = 200)]
    Ok(HalJson<OrderCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
