//! The HAL representations of bills and orders, built from data already loaded, and the
//! wire mirror of the order status.

use entity::{order, order_line, voucher};
use poem::Request;
use poem_openapi::{ApiResponse, Enum, Object};
use serde::{Deserialize, Serialize};

use super::super::{
    deliveries::DeliveryRepr,
    payments::sandbox_page_url,
    refunds::{OrderRefundBillRepr, RefundEligibilityRepr, order_refund_bill},
    types::{MoneyRepr, Timestamp},
};
use super::actions::{OrderActions, order_templates};
use crate::{
    domain::{
        money::Money,
        orders::{self, Bill, Contact},
        refunds::Refundability,
        sandbox::SandboxKey,
        status,
        taxes::{TaxAmount, percent},
    },
    http::error::ApiError,
    http::{
        forms::Templates,
        hal::{Curie, Hal, HalJson, HalText, Link},
    },
};

/// A tax, on a line or summed over an order.
#[derive(Debug, Clone, Object, Serialize)]
pub struct TaxRepr {
    /// Name of the tax: GST, QST, HST, TVA, …
    pub name: String,
    /// Rate in percent, as a decimal string (`"9.975"`).
    pub rate: String,
    pub amount: MoneyRepr,
}

fn tax_reprs(taxes: &[TaxAmount]) -> Vec<TaxRepr> {
    taxes
        .iter()
        .map(|tax| TaxRepr {
            name: tax.name.clone(),
            rate: percent(tax.rate),
            amount: tax.amount.into(),
        })
        .collect()
}

#[derive(Debug, Clone, Object, Serialize)]
pub struct LineLinks {
    /// The line as a resource of its own (order lines only; a bill saves nothing).
    #[oai(rename = "self", skip_serializing_if_is_none)]
    #[serde(rename = "self", skip_serializing_if = "Option::is_none")]
    pub self_link: Option<Link>,
    pub curies: Vec<Curie>,
    /// The order the line belongs to (order lines only).
    #[oai(rename = "shop:order", skip_serializing_if_is_none)]
    #[serde(rename = "shop:order", skip_serializing_if = "Option::is_none")]
    pub order: Option<Link>,
    /// The product as it is in the catalogue now (the line keeps it as it was sold).
    #[oai(rename = "shop:product")]
    #[serde(rename = "shop:product")]
    pub product: Link,
}

/// A line of a bill or an order: the product as sold and its price.
#[derive(Debug, Clone, Object, Serialize)]
#[oai(example)]
pub struct OrderLineRepr {
    #[oai(rename = "_links")]
    #[serde(rename = "_links")]
    pub links: LineLinks,
    /// Position in the order, from 0.
    pub position: i64,
    /// URI of the product.
    pub product: String,
    pub title: String,
    pub sku: String,
    pub kind: String,
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub isbn: Option<String>,
    pub format: String,
    pub protection: String,
    pub quantity: i64,
    pub unit_price: MoneyRepr,
    pub price_includes_tax: bool,
    /// The line without taxes.
    pub net: MoneyRepr,
    pub taxes: Vec<TaxRepr>,
    /// What the buyer pays for the line.
    pub total: MoneyRepr,
    /// In a bill, for a ticket whose places are counted: how many places are left now.
    #[oai(skip_serializing_if_is_none)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available: Option<i64>,
}

/// A voucher used to pay part of an order.
#[derive(Debug, Clone, Object, Serialize)]
pub struct AppliedVoucher {
    pub code: String,
    /// The part of the order it pays.
    pub applied: MoneyRepr,
}

#[derive(Debug, Clone, Object, Serialize)]
pub struct BillLinks {
    #[oai(rename = "self")]
    #[serde(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// POST the same body here to place the order.
    #[oai(rename = "shop:orders")]
    #[serde(rename = "shop:orders")]
    pub orders: Link,
}

// Served with serde (`HalText::serialized`): a cart is priced on each of its changes, so
// bills are among the most frequent answers.
/// The priced cart: what the order would cost, nothing saved.
#[derive(Debug, Clone, Object, Serialize)]
pub struct BillRepr {
    #[oai(rename = "_links")]
    #[serde(rename = "_links")]
    pub links: BillLinks,
    pub currency: String,
    pub lines: Vec<OrderLineRepr>,
    /// Taxes summed over the lines, by name and rate.
    pub taxes: Vec<TaxRepr>,
    /// The products, without taxes.
    pub product_total: MoneyRepr,
    pub tax_total: MoneyRepr,
    pub vouchers: Vec<AppliedVoucher>,
    pub voucher_total: MoneyRepr,
    /// What the buyer pays: products + taxes − vouchers.
    pub grand_total: MoneyRepr,
}

pub fn bill_repr(hal: &Hal, req: &Request, bill: &Bill) -> BillRepr {
    let lines = bill
        .lines
        .iter()
        .enumerate()
        .map(|(position, line)| {
            let product = &line.product;
            let currency = bill.currency;
            OrderLineRepr {
                links: LineLinks {
                    self_link: None,
                    curies: hal.curies(),
                    order: None,
                    product: hal.link(&format!("/products/{}", product.uid)),
                },
                position: position as i64,
                product: hal.href(&format!("/products/{}", product.uid)),
                title: product.title.clone(),
                sku: product.sku.clone(),
                kind: product.kind.clone(),
                isbn: product.isbn.clone(),
                format: product.format.clone(),
                protection: product.protection.clone(),
                quantity: line.quantity.into(),
                unit_price: Money::from_minor(product.price_minor, currency).into(),
                price_includes_tax: product.price_includes_tax,
                net: line.priced.net.into(),
                taxes: tax_reprs(&line.priced.taxes),
                total: line.priced.total.into(),
                available: line.available,
            }
        })
        .collect();
    BillRepr {
        links: BillLinks {
            self_link: hal.self_link(req),
            curies: hal.curies(),
            orders: hal.link("/orders"),
        },
        currency: bill.currency.code().into(),
        lines,
        taxes: tax_reprs(&bill.taxes),
        product_total: bill.product_total.into(),
        tax_total: bill.tax_total.into(),
        vouchers: bill
            .vouchers
            .iter()
            .map(|(voucher, applied)| AppliedVoucher {
                code: voucher.code.clone(),
                applied: (*applied).into(),
            })
            .collect(),
        voucher_total: bill.voucher_total.into(),
        grand_total: bill.grand_total.into(),
    }
}

/// Declares the wire mirror of a domain status, with the conversions both ways.
macro_rules! mirror_status {
    ($(#[$meta:meta])* $wire:ident <=> $domain:path { $($(#[$vmeta:meta])* $variant:ident,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
        #[oai(rename_all = "snake_case")]
        #[serde(rename_all = "snake_case")]
        pub enum $wire {
            $($(#[$vmeta])* $variant,)+
        }

        impl From<$domain> for $wire {
            fn from(status: $domain) -> Self {
                use $domain as Domain;
                match status {
                    $(Domain::$variant => $wire::$variant,)+
                }
            }
        }

        impl From<$wire> for $domain {
            fn from(status: $wire) -> Self {
                use $domain as Domain;
                match status {
                    $($wire::$variant => Domain::$variant,)+
                }
            }
        }
    };
}

mirror_status!(
    /// Where an order stands.
    OrderStatus <=> status::OrderStatus {
        /// Placed, not paid yet; can be paid or cancelled.
        AwaitingPayment,
        /// Payment captured; the sale is being registered.
        Paid,
        /// Sale registered and goods delivered.
        Completed,
        /// Cancelled before payment; final.
        Cancelled,
        /// Part of what was paid has been refunded.
        PartiallyRefunded,
        /// Everything paid has been refunded.
        Refunded,
        /// Not paid before `expires_at`: its ticket places went back on sale. Final.
        Expired,
    }
);

#[derive(Debug, Clone, Object)]
pub struct ConsumerRepr {
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub country: String,
    #[oai(skip_serializing_if_is_none)]
    pub region: Option<String>,
}

#[derive(Debug, Clone, Object)]
pub struct CustomerServiceRepr {
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, Object)]
pub struct OrderLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// POST `{order, reason}` here to cancel; present only while the order awaits payment.
    #[oai(rename = "shop:ordercancellation", skip_serializing_if_is_none)]
    pub cancellation: Option<Link>,
    /// The payment page (HTML) of the built-in sandbox provider; present while a test sale
    /// awaits payment (a live sale is paid through the merchant's own provider). Its URL
    /// carries a secret that opens this order's payment page and nothing else: follow it as
    /// given.
    #[oai(skip_serializing_if_is_none)]
    pub payment: Option<Link>,
    /// The deliveries issued by the sale; present once the order is paid.
    #[oai(rename = "shop:deliveries", skip_serializing_if_is_none)]
    pub deliveries: Option<Link>,
    /// The payment notifications recorded for the order: declined attempts, the payment
    /// that sold it. Always present; empty until the provider reports a payment.
    #[oai(rename = "shop:payments")]
    pub payments: Link,
    /// The refund requests of this order (`<base>/refund_requests?order=<order URI>`);
    /// present while the order has refund requests to list or a new one can be made. Its
    /// presence alone never means a request can be made: `refund_eligibility.eligible` says.
    #[oai(rename = "shop:refund_requests", skip_serializing_if_is_none)]
    pub refund_requests: Option<Link>,
    /// Preview what a refund would come to; present only while a refund can be requested
    /// (`refund_eligibility.eligible`). The bill itself is embedded in every paid order.
    #[oai(rename = "shop:refund_bill", skip_serializing_if_is_none)]
    pub refund_bill: Option<Link>,
}

#[derive(Debug, Clone, Object)]
pub struct OrderEmbedded {
    #[oai(rename = "shop:order_lines")]
    pub lines: Vec<OrderLineRepr>,
    /// The deliveries, once the sale is registered.
    #[oai(rename = "shop:deliveries", skip_serializing_if_is_none)]
    pub deliveries: Option<Vec<DeliveryRepr>>,
    /// What a full refund comes to now, and why; once the order is paid.
    #[oai(rename = "shop:refund_bill", skip_serializing_if_is_none)]
    pub refund_bill: Option<OrderRefundBillRepr>,
}

/// An order.
#[derive(Debug, Clone, Object)]
pub struct OrderRepr {
    #[oai(rename = "_links")]
    pub links: OrderLinks,
    pub uid: String,
    /// Short code to quote to customer service.
    pub reference: String,
    pub status: OrderStatus,
    pub created_at: Timestamp,
    /// For an order holding ticket places: until when it holds them unpaid. Past it the
    /// order is `expired` and can no longer be paid.
    #[oai(skip_serializing_if_is_none)]
    pub expires_at: Option<Timestamp>,
    pub consumer: ConsumerRepr,
    #[oai(skip_serializing_if_is_none)]
    pub external_reference: Option<String>,
    pub currency: String,
    /// The products, without taxes.
    pub product_total: MoneyRepr,
    /// Taxes summed over the lines, by name and rate.
    pub taxes: Vec<TaxRepr>,
    pub tax_total: MoneyRepr,
    /// The vouchers paying part of the order; none once a cancellation gave them back.
    pub vouchers: Vec<AppliedVoucher>,
    pub voucher_total: MoneyRepr,
    /// What the buyer pays: products + taxes − vouchers.
    pub grand_total: MoneyRepr,
    pub refunded_total: MoneyRepr,
    /// What can be refunded now: paid minus refunded while every rule of the sale
    /// cancellation holds (`refund_eligibility`), `0.00` otherwise.
    pub refundable_total: MoneyRepr,
    /// Whether a refund can be requested now, and the outcome of every rule.
    pub refund_eligibility: RefundEligibilityRepr,
    /// Identifies this order's sale; unique per order.
    pub transaction_id: String,
    /// The buyer: the customer's `sub`, or for a guest a stable pseudonym of the e-mail.
    pub customer_id: String,
    /// `test` for a test sale, `live` for a real one.
    pub sale_state: String,
    /// `web` or `store`.
    pub channel: String,
    #[oai(skip_serializing_if_is_none)]
    pub redirect_url: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub cancel_reason: Option<String>,
    #[oai(skip_serializing_if_is_none)]
    pub cancelled_at: Option<Timestamp>,
    /// Whom to contact in case of difficulty.
    pub customer_service: CustomerServiceRepr,
    #[oai(rename = "_embedded", skip_serializing_if_is_none)]
    pub embedded: Option<OrderEmbedded>,
    /// HAL-FORMS: `cancel`, `request_refund` — each present only while the caller may take it.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

/// An order just placed, with its token (shown only here).
#[derive(Debug, Clone, Object)]
pub struct CreatedOrderRepr {
    /// The order's secret: send it as `Order-Token` to read, pay or cancel this order.
    /// Returned once; only a hash is kept.
    pub token: String,
    #[oai(flatten)]
    pub order: OrderRepr,
}

/// An order's line, linked as its own resource.
pub fn line_repr(
    hal: &Hal,
    order: &order::Model,
    line: &order_line::Model,
) -> Result<OrderLineRepr, ApiError> {
    let currency = orders::currency_of(order)?;
    let product = format!("/products/{}", line.product_uid);
    Ok(OrderLineRepr {
        links: LineLinks {
            self_link: Some(super::lines::line_link(hal, &order.uid, line)),
            curies: hal.curies(),
            order: Some(hal.link(&format!("/orders/{}", order.uid))),
            product: hal.link(&product),
        },
        position: line.position.into(),
        product: hal.href(&product),
        title: line.title.clone(),
        sku: line.sku.clone(),
        kind: line.kind.clone(),
        isbn: line.isbn.clone(),
        format: line.format.clone(),
        protection: line.protection.clone(),
        quantity: line.quantity.into(),
        unit_price: Money::from_minor(line.unit_price_minor, currency).into(),
        price_includes_tax: line.price_includes_tax,
        net: Money::from_minor(line.net_minor, currency).into(),
        taxes: tax_reprs(&orders::stored_taxes(&line.taxes, currency)?),
        total: Money::from_minor(line.total_minor, currency).into(),
        available: None,
    })
}

/// Everything needed to show an order.
pub struct OrderView<'a> {
    pub order: &'a order::Model,
    pub lines: Option<&'a [order_line::Model]>,
    pub deliveries: Option<Vec<DeliveryRepr>>,
    pub vouchers: &'a [voucher::Model],
    pub contact: &'a Contact,
    /// Derives the secret of the order's sandbox `payment` link.
    pub sandbox: &'a SandboxKey,
    /// Whether and how much it can be refunded now, and why.
    pub refundability: &'a Refundability,
    /// What the caller may do with the order now.
    pub actions: OrderActions,
}

impl From<&Contact> for CustomerServiceRepr {
    fn from(contact: &Contact) -> Self {
        CustomerServiceRepr {
            email: contact.email.clone(),
            phone: contact.phone.clone(),
        }
    }
}

/// A link to `path` about the order (`?order=<order URI>`).
fn about_order(hal: &Hal, order: &order::Model, path: &str) -> Link {
    let order_uri = hal.href(&format!("/orders/{}", order.uid));
    Hal::link_to(hal.url_with_query(path, [("order", Some(order_uri))]))
}

/// The links of an order: what can be done with it depends on where it stands.
fn order_links(hal: &Hal, view: &OrderView<'_>, self_link: Link) -> Result<OrderLinks, ApiError> {
    let order = view.order;
    let status = orders::status_of(order)?;
    let paid = status.is_paid();
    let eligible = view.refundability.eligibility.eligible;
    let listed = view.refundability.has_requests || eligible;
    Ok(OrderLinks {
        self_link,
        curies: hal.curies(),
        cancellation: status.awaits_payment().then(|| hal.link("/ordercancellation")),
        payment: view.sandbox.payment_secret(order)?.map(|secret| {
            Hal::link_to(sandbox_page_url(hal, &order.uid, secret))
                .with_type("text/html")
                .with_title("Pay this order")
        }),
        deliveries: paid.then(|| hal.link(&format!("/orders/{}/deliveries", order.uid))),
        payments: hal.link(&format!("/orders/{}/payments", order.uid)),
        refund_requests: listed.then(|| about_order(hal, order, "/refund_requests")),
        refund_bill: eligible.then(|| about_order(hal, order, "/refund-bill")),
    })
}

pub fn order_repr(hal: &Hal, view: OrderView<'_>, self_link: Link) -> Result<OrderRepr, ApiError> {
    let order = view.order;
    let links = order_links(hal, &view, self_link)?;
    let currency = orders::currency_of(order)?;
    let money = |minor: i64| -> MoneyRepr { Money::from_minor(minor, currency).into() };
    let eligibility = &view.refundability.eligibility;
    let embedded = match view.lines {
        Some(lines) => Some(OrderEmbedded {
            lines: lines
                .iter()
                .map(|line| line_repr(hal, order, line))
                .collect::<Result<_, _>>()?,
            deliveries: view.deliveries.filter(|d| !d.is_empty()),
            refund_bill: orders::status_of(order)?
                .is_paid()
                .then(|| order_refund_bill(hal, about_order(hal, order, "/refund-bill"), eligibility)),
        }),
        None => None,
    };
    Ok(OrderRepr {
        links,
        uid: order.uid.clone(),
        reference: order.reference.clone(),
        status: OrderStatus::from(orders::status_of(order)?),
        created_at: order.created_at.into(),
        expires_at: order.expires_at.map(Timestamp::from),
        consumer: ConsumerRepr {
            email: order.email.clone(),
            first_name: order.first_name.clone(),
            last_name: order.last_name.clone(),
            country: order.country.clone(),
            region: order.region.clone(),
        },
        external_reference: order.external_reference.clone(),
        currency: order.currency.clone(),
        product_total: money(order.product_total_minor),
        taxes: tax_reprs(&orders::stored_taxes(&order.taxes, currency)?),
        tax_total: money(order.tax_total_minor),
        vouchers: view
            .vouchers
            .iter()
            .map(|voucher| AppliedVoucher {
                code: voucher.code.clone(),
                applied: money(voucher.applied_minor.unwrap_or_default()),
            })
            .collect(),
        voucher_total: money(order.voucher_total_minor),
        grand_total: money(order.grand_total_minor),
        refunded_total: money(order.refunded_total_minor),
        refundable_total: eligibility.refundable.into(),
        refund_eligibility: eligibility.into(),
        transaction_id: order.transaction_id.clone(),
        customer_id: order.customer_id.clone(),
        sale_state: order.sale_state.clone(),
        channel: order.channel.clone(),
        redirect_url: order.redirect_url.clone(),
        cancel_reason: order.cancel_reason.clone(),
        cancelled_at: order.cancelled_at.map(Timestamp::from),
        customer_service: view.contact.into(),
        embedded,
        templates: order_templates(hal, order, view.actions),
    })
}

#[derive(ApiResponse)]
pub enum BillResponse {
    /// The priced cart; nothing was saved.
    #[oai(status = 200)]
    Ok(HalText<BillRepr>),
}

#[derive(ApiResponse)]
pub enum OrderCreatedResponse {
    /// The order was placed; it awaits payment. `token` (also in the `Order-Token` header)
    /// is shown only now.
    #[oai(status = 201)]
    Created(
        HalJson<CreatedOrderRepr>,
        /// URL of the new order.
        #[oai(header = "Location")]
        String,
        /// The order's token, as in the body.
        #[oai(header = "Order-Token")]
        String,
        /// `no-store`: the response holds the order's token, which nothing may keep.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

impl OrderCreatedResponse {
    /// The answer to a new order at `path`: the order with its token, shown this once.
    pub fn created(hal: &Hal, path: &str, order: OrderRepr, token: String) -> Self {
        OrderCreatedResponse::Created(
            HalJson(CreatedOrderRepr {
                token: token.clone(),
                order,
            }),
            hal.href(path),
            token,
            crate::http::headers::NO_STORE.to_owned(),
        )
    }
}

#[derive(ApiResponse)]
pub enum OrderResponse {
    /// The order.
    #[oai(status = 200)]
    Ok(HalText<OrderRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
