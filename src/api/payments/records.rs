//! The payment notifications of an order, as recorded: what the provider said and what
//! halshop did with it.

use entity::{order, payment};
use poem::Request;
use poem_openapi::{ApiResponse, Object};

use crate::{
    api::types::{MoneyRepr, Timestamp},
    domain::money::{Currency, Money},
    http::{
        error::ApiError,
        hal::{Curie, Hal, HalJson, Link},
    },
};

#[derive(Debug, Clone, Object)]
pub struct PaymentLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:order")]
    pub order: Link,
}

/// One payment notification of an order.
#[derive(Debug, Clone, Object)]
pub struct PaymentRepr {
    #[oai(rename = "_links")]
    pub links: PaymentLinks,
    /// The provider's own reference of the payment.
    pub provider_reference: String,
    /// What the provider said: `captured` or `declined`.
    pub status: String,
    /// What halshop did: `sold` (the sale was registered), `declined` (the order can be
    /// paid again), `amount_mismatch` (not the order's grand total: nothing sold),
    /// `not_payable` or `order_expired` (the provider must give the money back).
    pub outcome: String,
    pub amount: MoneyRepr,
    pub received_at: Timestamp,
}

/// The path of the `n`th payment (from 1) of an order.
fn payment_path(order: &order::Model, n: usize) -> String {
    format!("/orders/{}/payments/{n}", order.uid)
}

impl PaymentRepr {
    pub fn new(
        hal: &Hal,
        order: &order::Model,
        (n, payment): (usize, &payment::Model),
    ) -> Result<Self, ApiError> {
        let currency: Currency = payment
            .currency
            .parse()
            .map_err(|_| ApiError::internal(format!("payment {} has an unknown currency", payment.id)))?;
        Ok(PaymentRepr {
            links: PaymentLinks {
                self_link: hal.link(&payment_path(order, n)),
                curies: hal.curies(),
                order: hal.link(&format!("/orders/{}", order.uid)),
            },
            provider_reference: payment.provider_reference.clone(),
            status: payment.status.clone(),
            outcome: payment.outcome.clone(),
            amount: Money::from_minor(payment.amount_minor, currency).into(),
            received_at: payment.received_at.into(),
        })
    }
}

#[derive(Debug, Clone, Object)]
pub struct PaymentsLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:order")]
    pub order: Link,
}

#[derive(Debug, Clone, Object)]
pub struct PaymentsEmbedded {
    #[oai(rename = "shop:payments")]
    pub payments: Vec<PaymentRepr>,
}

/// The payment notifications of an order, oldest first.
#[derive(Debug, Clone, Object)]
pub struct PaymentCollection {
    #[oai(rename = "_links")]
    pub links: PaymentsLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: PaymentsEmbedded,
}

impl PaymentCollection {
    pub fn new(
        hal: &Hal,
        req: &Request,
        order: &order::Model,
        payments: &[payment::Model],
    ) -> Result<Self, ApiError> {
        let payments = payments
            .iter()
            .enumerate()
            .map(|(i, payment)| PaymentRepr::new(hal, order, (i + 1, payment)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(PaymentCollection {
            links: PaymentsLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                order: hal.link(&format!("/orders/{}", order.uid)),
            },
            item_count: payments.len() as u64,
            embedded: PaymentsEmbedded { payments },
        })
    }
}

#[derive(ApiResponse)]
pub enum PaymentsResponse {
    /// The order's payment notifications, oldest first (none until the provider reports one).
    #[oai(status = 200)]
    Ok(HalJson<PaymentCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum PaymentResponse {
    /// One payment notification of the order.
    #[oai(status = 200)]
    Ok(HalJson<PaymentRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
