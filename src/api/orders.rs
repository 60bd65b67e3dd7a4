//! Checkout: `/bill` (the sale simulation), `/orders`, `/orders/{uid}`, `/ordercancellation`.

use entity::{order, order_line, voucher};
use poem::Request;
use poem_openapi::{
    ApiResponse, Enum, Object, OpenApi,
    param::{Header, Path, Query},
};
use serde::Deserialize;

use super::{
    ApiTags,
    deliveries::{DeliveryRepr, deliveries_with_lines, delivery_repr},
    products::{PageLinksRepr, products_search as products_search_link},
    types::valid_email,
    types::{MoneyRepr, Timestamp},
};
use crate::http::json::JsonBody;
use crate::{
    auth::{MaybeCustomer, OrderCaller, OrderLister},
    domain::{
        merchants,
        money::{Currency, Money},
        orders::{
            self, Bill, Buyer, Cart, CartLine, CheckoutError, Consumer, OrderFilter, Owner, Reason, Status,
        },
        taxes::{TaxAmount, percent},
    },
    http::error::{ApiError, FieldError, Problems, problems},
    http::hal::{Curie, Hal, HalJson, Link, Paging},
    problem_set,
    state::SharedState,
};

/// One product of a cart.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct OrderLineInput {
    /// URI of the product, as its `self` link gives it.
    #[oai(validator(max_length = 2048))]
    pub product: String,
    /// How many: 1 for an ebook; up to the product's `max_per_order` for tickets.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
    pub quantity: i64,
}

/// The buyer.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ConsumerInput {
    #[oai(validator(max_length = 254))]
    pub email: String,
    #[oai(validator(min_length = 1, max_length = 100))]
    pub first_name: String,
    #[oai(validator(min_length = 1, max_length = 100))]
    pub last_name: String,
    /// ISO 3166-1 alpha-2 country code (`CA`, `FR`): decides the taxes.
    #[oai(validator(pattern = "^[A-Za-z]{2}$"))]
    pub country: String,
    /// Region within the country (`QC`), required where taxes differ by region (Canada).
    #[oai(validator(pattern = "^[A-Za-z0-9]{1,3}$"))]
    pub region: Option<String>,
}

/// A cart: the body of both `POST /bill` and `POST /orders`.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// 1 to 50 products, each once.
    #[oai(validator(min_items = 1, max_items = 50))]
    pub products: Vec<OrderLineInput>,
    pub consumer: ConsumerInput,
    /// Your own reference for this order (up to 100 characters); filterable in the listing.
    #[oai(validator(max_length = 100))]
    pub external_reference: Option<String>,
    /// The currency to pay in; every product must be priced in it. Default: the products'.
    #[oai(validator(pattern = "^[A-Z]{3}$"))]
    pub currency: Option<String>,
    /// Voucher codes to pay part of the order with (each used once).
    #[oai(validator(max_items = 10))]
    pub vouchers: Option<Vec<String>>,
    /// Where the payment page sends the buyer back to (absolute http(s) URL).
    #[oai(validator(max_length = 2048))]
    pub redirect_url: Option<String>,
}

impl poem_openapi::types::Example for OrderInput {
    fn example() -> Self {
        OrderInput {
            products: vec![OrderLineInput {
                product: "https://shop.example.com/products/5c8f0e3b9a7d4c21b6e2f4a1d3c5b7e9".into(),
                quantity: 1,
            }],
            consumer: ConsumerInput {
                email: "marie.tremblay@example.com".into(),
                first_name: "Marie".into(),
                last_name: "Tremblay".into(),
                country: "CA".into(),
                region: Some("QC".into()),
            },
            external_reference: Some("cart-20261122-0042".into()),
            currency: Some("CAD".into()),
            vouchers: None,
            redirect_url: Some("https://books.example.com/thank-you".into()),
        }
    }
}

impl OrderInput {
    /// Checks the form of every field (each bad one named by its JSON pointer) and resolves
    /// product URIs. Business rules (availability, limits, taxes) are the domain's.
    pub fn cart(&self, hal: &Hal) -> Result<Cart, ApiError> {
        let mut errors = Vec::new();
        if self.products.is_empty() {
            errors.push(FieldError::new("/products", "an order has at least one product"));
        }
        if self.products.len() > 50 {
            errors.push(FieldError::new("/products", "an order has at most 50 products"));
        }
        let mut lines = Vec::with_capacity(self.products.len());
        for (index, line) in self.products.iter().enumerate() {
            if line.quantity < 1 {
                errors.push(FieldError::new(
                    format!("/products/{index}/quantity"),
                    "quantity is at least 1",
                ));
            }
            lines.push(CartLine {
                product_uid: hal.uid_from_uri(line.product.trim(), "/products"),
                quantity: u32::try_from(line.quantity.max(1)).unwrap_or(u32::MAX),
            });
        }
        let consumer = &self.consumer;
        let email = consumer.email.trim();
        if email.len() > 254 || !valid_email(email) {
            errors.push(FieldError::new(
                "/consumer/email",
                "not an e-mail address such as name@example.com",
            ));
        }
        let first_name = consumer.first_name.trim();
        let last_name = consumer.last_name.trim();
        for (path, value) in [
            ("/consumer/first_name", first_name),
            ("/consumer/last_name", last_name),
        ] {
            if value.is_empty() || value.chars().count() > 100 {
                errors.push(FieldError::new(path, "1 to 100 characters"));
            }
        }
        let country = consumer.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "/consumer/country",
                "an ISO 3166-1 alpha-2 code such as CA or FR",
            ));
        }
        let region = consumer
            .region
            .as_deref()
            .map(|r| r.trim().to_ascii_uppercase())
            .filter(|r| !r.is_empty());
        if region
            .as_ref()
            .is_some_and(|r| r.len() > 3 || !r.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            errors.push(FieldError::new("/consumer/region", "a region code such as QC"));
        }
        let currency = match self.currency.as_deref() {
            Some(code) => match code.parse::<Currency>() {
                Ok(currency) => Some(currency),
                Err(err) => {
                    errors.push(FieldError::new("/currency", err.to_string()));
                    None
                }
            },
            None => None,
        };
        let vouchers = self.vouchers.clone().unwrap_or_default();
        for (index, code) in vouchers.iter().enumerate() {
            if code.trim().is_empty() || code.len() > 32 {
                errors.push(FieldError::new(
                    format!("/vouchers/{index}"),
                    "a voucher code is 1 to 32 characters",
                ));
            }
        }
        let external_reference = self
            .external_reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        if external_reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > 100)
        {
            errors.push(FieldError::new("/external_reference", "at most 100 characters"));
        }
        let redirect_url = self
            .redirect_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty());
        if let Some(url) = redirect_url
            && !url::Url::parse(url)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
        {
            errors.push(FieldError::new("/redirect_url", "an absolute http or https URL"));
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(Cart {
            lines,
            consumer: Consumer {
                email: email.to_owned(),
                first_name: first_name.to_owned(),
                last_name: last_name.to_owned(),
                country,
                region,
            },
            currency,
            vouchers,
            external_reference,
            redirect_url: redirect_url.map(str::to_owned),
        })
    }
}

/// A tax, on a line or summed over an order.
#[derive(Debug, Clone, Object)]
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

#[derive(Debug, Clone, Object)]
pub struct LineLinks {
    pub curies: Vec<Curie>,
    /// The product as it is in the catalogue now (the line keeps it as it was sold).
    #[oai(rename = "shop:product")]
    pub product: Link,
}

/// A line of a bill or an order: the product as sold and its price.
#[derive(Debug, Clone, Object)]
pub struct OrderLineRepr {
    #[oai(rename = "_links")]
    pub links: LineLinks,
    /// Position in the order, from 0.
    pub position: i64,
    /// URI of the product.
    pub product: String,
    pub title: String,
    pub sku: String,
    pub kind: String,
    #[oai(skip_serializing_if_is_none)]
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
}

/// A voucher used to pay part of an order.
#[derive(Debug, Clone, Object)]
pub struct AppliedVoucher {
    pub code: String,
    /// The part of the order it pays.
    pub applied: MoneyRepr,
}

#[derive(Debug, Clone, Object)]
pub struct BillLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// POST the same body here to place the order.
    #[oai(rename = "shop:orders")]
    pub orders: Link,
}

/// The priced cart: what the order would cost, nothing saved.
#[derive(Debug, Clone, Object)]
pub struct BillRepr {
    #[oai(rename = "_links")]
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

fn bill_repr(hal: &Hal, req: &Request, bill: &Bill) -> BillRepr {
    let lines = bill
        .lines
        .iter()
        .enumerate()
        .map(|(position, line)| {
            let product = &line.product;
            let currency = bill.currency;
            OrderLineRepr {
                links: LineLinks {
                    curies: hal.curies(),
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

/// Where an order stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
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
}

impl From<Status> for OrderStatus {
    fn from(status: Status) -> Self {
        match status {
            Status::AwaitingPayment => OrderStatus::AwaitingPayment,
            Status::Paid => OrderStatus::Paid,
            Status::Completed => OrderStatus::Completed,
            Status::Cancelled => OrderStatus::Cancelled,
            Status::PartiallyRefunded => OrderStatus::PartiallyRefunded,
            Status::Refunded => OrderStatus::Refunded,
        }
    }
}

impl From<OrderStatus> for Status {
    fn from(status: OrderStatus) -> Self {
        match status {
            OrderStatus::AwaitingPayment => Status::AwaitingPayment,
            OrderStatus::Paid => Status::Paid,
            OrderStatus::Completed => Status::Completed,
            OrderStatus::Cancelled => Status::Cancelled,
            OrderStatus::PartiallyRefunded => Status::PartiallyRefunded,
            OrderStatus::Refunded => Status::Refunded,
        }
    }
}

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
    /// The payment page (HTML) of the payment provider; present while the order awaits
    /// payment.
    #[oai(skip_serializing_if_is_none)]
    pub payment: Option<Link>,
    /// The deliveries issued by the sale; present once the order is paid.
    #[oai(rename = "shop:deliveries", skip_serializing_if_is_none)]
    pub deliveries: Option<Link>,
    /// The refund requests of this order (`<base>/refund_requests?order=<order URI>`);
    /// present once the order is paid.
    #[oai(rename = "shop:refund_requests", skip_serializing_if_is_none)]
    pub refund_requests: Option<Link>,
    /// Preview what a refund would come to; present while something is refundable.
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
    pub consumer: ConsumerRepr,
    #[oai(skip_serializing_if_is_none)]
    pub external_reference: Option<String>,
    pub currency: String,
    /// The products, without taxes.
    pub product_total: MoneyRepr,
    /// Taxes summed over the lines, by name and rate.
    pub taxes: Vec<TaxRepr>,
    pub tax_total: MoneyRepr,
    pub vouchers: Vec<AppliedVoucher>,
    pub voucher_total: MoneyRepr,
    /// What the buyer pays: products + taxes − vouchers.
    pub grand_total: MoneyRepr,
    pub refunded_total: MoneyRepr,
    /// What can still be refunded: paid minus refunded (nothing before payment).
    pub refundable_total: MoneyRepr,
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

fn line_repr(hal: &Hal, line: &order_line::Model, currency: Currency) -> Result<OrderLineRepr, ApiError> {
    let product = format!("/products/{}", line.product_uid);
    Ok(OrderLineRepr {
        links: LineLinks {
            curies: hal.curies(),
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
    })
}

/// Everything needed to show an order.
pub struct OrderView<'a> {
    pub order: &'a order::Model,
    pub lines: Option<&'a [order_line::Model]>,
    pub deliveries: Option<Vec<DeliveryRepr>>,
    pub vouchers: &'a [voucher::Model],
    pub contact: CustomerServiceRepr,
}

pub fn order_repr(hal: &Hal, view: OrderView<'_>, self_link: Link) -> Result<OrderRepr, ApiError> {
    let order = view.order;
    let currency: Currency = order
        .currency
        .parse()
        .map_err(|_| ApiError::internal(format!("order {} has an unknown currency", order.uid)))?;
    let status = Status::from_stored(&order.status)?;
    let money = |minor: i64| -> MoneyRepr { Money::from_minor(minor, currency).into() };
    let paid = matches!(
        status,
        Status::Paid | Status::Completed | Status::PartiallyRefunded | Status::Refunded
    );
    let refundable = if paid {
        order.grand_total_minor - order.refunded_total_minor
    } else {
        0
    };
    let order_uri = hal.href(&format!("/orders/{}", order.uid));
    let embedded = match view.lines {
        Some(lines) => Some(OrderEmbedded {
            lines: lines
                .iter()
                .map(|line| line_repr(hal, line, currency))
                .collect::<Result<_, _>>()?,
            deliveries: view.deliveries.filter(|d| !d.is_empty()),
        }),
        None => None,
    };
    Ok(OrderRepr {
        links: OrderLinks {
            self_link,
            curies: hal.curies(),
            cancellation: (status == Status::AwaitingPayment).then(|| hal.link("/ordercancellation")),
            payment: (status == Status::AwaitingPayment).then(|| {
                hal.link(&format!("/sandbox/payments/{}", order.uid))
                    .with_type("text/html")
                    .with_title("Pay this order")
            }),
            deliveries: paid.then(|| hal.link(&format!("/orders/{}/deliveries", order.uid))),
            refund_requests: paid.then(|| {
                Hal::link_to(hal.url_with_query("/refund_requests", [("order", Some(order_uri.clone()))]))
            }),
            refund_bill: (paid && refundable > 0).then(|| {
                Hal::link_to(hal.url_with_query("/refund-bill", [("order", Some(order_uri.clone()))]))
            }),
        },
        uid: order.uid.clone(),
        reference: order.reference.clone(),
        status: status.into(),
        created_at: order.created_at.into(),
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
        refundable_total: money(refundable),
        transaction_id: order.transaction_id.clone(),
        customer_id: order.customer_id.clone(),
        sale_state: order.sale_state.clone(),
        channel: order.channel.clone(),
        redirect_url: order.redirect_url.clone(),
        cancel_reason: order.cancel_reason.clone(),
        cancelled_at: order.cancelled_at.map(Timestamp::from),
        customer_service: view.contact,
        embedded,
    })
}

impl From<CheckoutError> for ApiError {
    fn from(err: CheckoutError) -> Self {
        let refusals = match err {
            CheckoutError::Db(err) => return ApiError::from(err),
            CheckoutError::Refused(refusals) => refusals,
        };
        let described: Vec<(&'static crate::http::error::ProblemType, FieldError)> = refusals
            .into_iter()
            .map(|refusal| {
                let (kind, message) = match refusal.reason {
                    Reason::UnknownProduct => (
                        &problems::UNKNOWN_PRODUCT,
                        "no product of the catalogue has this URI".to_owned(),
                    ),
                    Reason::DuplicateProduct => (
                        &problems::VALIDATION_FAILED,
                        "this product is already in the order; raise the quantity instead".to_owned(),
                    ),
                    Reason::CannotSell => (
                        &problems::CANNOT_SELL,
                        "this product cannot be sold now".to_owned(),
                    ),
                    Reason::QuantityLimit {
                        kind: crate::domain::catalogue::Kind::Ebook,
                        ..
                    } => (
                        &problems::QUANTITY_LIMIT,
                        "an ebook is sold one copy per order".to_owned(),
                    ),
                    Reason::QuantityLimit { max, .. } => (
                        &problems::QUANTITY_LIMIT,
                        format!("at most {max} of this product per order"),
                    ),
                    Reason::CurrencyMismatch { expected, found } => (
                        &problems::CURRENCY_MISMATCH,
                        format!("this product is priced in {found}, the order in {expected}"),
                    ),
                    Reason::OtherMerchant => (
                        &problems::VALIDATION_FAILED,
                        "all products of one order come from the same shop".to_owned(),
                    ),
                    Reason::RegionRequired { regions } => (
                        &problems::VALIDATION_FAILED,
                        format!(
                            "taxes depend on the region here; give one of {}",
                            regions.join(", ")
                        ),
                    ),
                    Reason::UnknownVoucher => (
                        &problems::UNKNOWN_VOUCHER,
                        "no voucher of this shop has this code".to_owned(),
                    ),
                    Reason::VoucherUsed => (
                        &problems::VOUCHER_USED,
                        "this voucher was already used".to_owned(),
                    ),
                    Reason::VoucherCurrency { expected, found } => (
                        &problems::CURRENCY_MISMATCH,
                        format!("this voucher is in {found}, the order in {expected}"),
                    ),
                    Reason::DuplicateVoucher => (
                        &problems::VALIDATION_FAILED,
                        "this voucher is already listed".to_owned(),
                    ),
                };
                (kind, FieldError::new(refusal.path, message))
            })
            .collect();
        let Some((kind, first)) = described.first().cloned() else {
            return ApiError::validation(vec![FieldError::new("/products", "the order cannot be priced")]);
        };
        let detail = match described.len() {
            1 => format!("{}: {}.", first.path, first.message),
            n => format!(
                "{}: {}; and {} more problems, see `errors`.",
                first.path,
                first.message,
                n - 1
            ),
        };
        ApiError::new(kind, detail).with_errors(described.into_iter().map(|(_, error)| error).collect())
    }
}

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

problem_set!(
    /// Errors of the bill form.
    FormProblems:
    405 => "`method_not_allowed`."
);

#[derive(ApiResponse)]
pub enum BillResponse {
    /// The priced cart; nothing was saved.
    #[oai(status = 200)]
    Ok(HalJson<BillRepr>),
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
    ),
}

#[derive(ApiResponse)]
pub enum OrderResponse {
    /// The order.
    #[oai(status = 200)]
    Ok(HalJson<OrderRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
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

/// Cancel an order that awaits payment.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct CancellationInput {
    /// URI of the order.
    #[oai(validator(max_length = 2048))]
    pub order: String,
    /// Why (1 to 500 characters); kept with the order.
    #[oai(validator(min_length = 1, max_length = 500))]
    pub reason: String,
}

impl poem_openapi::types::Example for CancellationInput {
    fn example() -> Self {
        CancellationInput {
            order: "https://shop.example.com/orders/f6284ab0fd3147e5b6ea40cc0ba1b69a".into(),
            reason: "Ordered the wrong edition".into(),
        }
    }
}

problem_set!(
    /// Errors of pricing a cart.
    BillProblems, customer:
    400 => "`malformed_request`: the body is not JSON.",
    401 => "A customer token was sent but refused (`token_expired`, `token_invalid`, …).",
    409 => "`voucher_used`: a voucher was already used.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`, `unknown_product`, `cannot_sell`, `quantity_limit`, `currency_mismatch` or `unknown_voucher`; `errors` points at each field (`/products/N/quantity`)."
);

problem_set!(
    /// Errors of placing an order.
    PlaceProblems, customer:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "A customer token was sent but refused (`token_expired`, `token_invalid`, …).",
    409 => "`voucher_used` (another order used it first) or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`, `unknown_product`, `cannot_sell`, `quantity_limit`, `currency_mismatch`, `unknown_voucher` or `idempotency_key_reused`; `errors` points at each field."
);

problem_set!(
    /// Errors of reading an order.
    OrderReadProblems, customer:
    401 => "No credentials, or a refused customer token or merchant secret.",
    404 => "`not_found`: no order with this uid that these credentials may see.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of listing orders.
    OrderListProblems, customer:
    400 => "`malformed_request`: a query parameter has the wrong form.",
    401 => "Neither a valid customer token nor merchant credentials.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of cancelling an order.
    CancelProblems, customer:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: no order at this URI that these credentials may see.",
    409 => "`cannot_cancel`: the order is paid (request a refund) or already cancelled; or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` or `idempotency_key_reused`."
);

pub struct OrdersApi {
    pub state: SharedState,
}

impl OrdersApi {
    async fn contact(&self, merchant_id: i64) -> Result<CustomerServiceRepr, ApiError> {
        let merchant = merchants::find(&self.state.db, merchant_id)
            .await?
            .ok_or_else(|| ApiError::internal(format!("merchant {merchant_id} missing")))?;
        Ok(CustomerServiceRepr {
            email: merchant.support_email,
            phone: merchant.support_phone,
        })
    }

    async fn full_repr(&self, order: &order::Model, self_link: Link) -> Result<OrderRepr, ApiError> {
        let db = &self.state.db;
        let lines = orders::lines_of(db, order.id).await?;
        let vouchers = orders::vouchers_of(db, order.id).await?;
        let hal = &self.state.hal;
        let deliveries = deliveries_with_lines(db, order)
            .await?
            .iter()
            .map(|(delivery, line)| delivery_repr(hal, delivery, line, order))
            .collect();
        let view = OrderView {
            order,
            lines: Some(&lines),
            deliveries: Some(deliveries),
            vouchers: &vouchers,
            contact: self.contact(order.merchant_id).await?,
        };
        order_repr(&self.state.hal, view, self_link)
    }

    /// The order at `uid` if `caller` may see it; otherwise the same 404 as for no order.
    async fn visible(&self, uid: &str, caller: &OrderCaller) -> Result<order::Model, ApiError> {
        orders::find(&self.state.db, uid)
            .await?
            .filter(|order| caller.may_see(order))
            .ok_or_else(|| ApiError::not_found("No order with this uid is visible with these credentials."))
    }
}

#[OpenApi(tag = "ApiTags::Checkout")]
impl OrdersApi {
    /// Price a cart (sale simulation)
    ///
    /// Takes the body of an order and answers the priced lines, the taxes for the buyer's
    /// country and region, vouchers and totals — saving nothing. Call it when a product is
    /// put in the cart and before payment: a refusal here says exactly which line cannot be
    /// sold and why.
    #[oai(path = "/bill", method = "post", operation_id = "price_cart")]
    async fn bill(
        &self,
        req: &Request,
        _customer: MaybeCustomer,
        body: JsonBody<OrderInput>,
    ) -> Result<BillResponse, Problems<BillProblems>> {
        let cart = body.0.cart(&self.state.hal)?;
        let bill = orders::price(&self.state.db, &cart).await?;
        Ok(BillResponse::Ok(HalJson(bill_repr(&self.state.hal, req, &bill))))
    }

    /// How to price a cart
    ///
    /// A HAL-FORMS description of `POST /bill`, so that a client following links from the
    /// root learns what to send.
    #[oai(path = "/bill", method = "get", operation_id = "describe_bill")]
    async fn bill_form(&self, req: &Request) -> Result<BillFormResponse, Problems<FormProblems>> {
        let hal = &self.state.hal;
        let property = |name: &str, required: bool, prompt: &str| FormProperty {
            name: name.into(),
            required,
            prompt: prompt.into(),
        };
        Ok(BillFormResponse::Ok(HalJson(BillFormRepr {
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
        })))
    }

    /// Place an order
    ///
    /// As a guest (no credentials) or as a logged-in customer (their token). The order
    /// awaits payment; its token — shown only in this response, as `token` and in the
    /// `Order-Token` header — lets whoever holds it read, pay and cancel the order.
    /// Accepts `Idempotency-Key`: a retry never places a second order.
    #[oai(path = "/orders", method = "post", operation_id = "place_order")]
    async fn place(
        &self,
        customer: MaybeCustomer,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = r"^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<OrderInput>,
    ) -> Result<OrderCreatedResponse, Problems<PlaceProblems>> {
        let hal = &self.state.hal;
        let cart = body.0.cart(hal)?;
        let buyer = match customer.0 {
            Some(claims) => Buyer::Customer { sub: claims.sub },
            None => Buyer::Guest,
        };
        let placed = orders::place(&self.state.db, &cart, &buyer).await?;
        let location = hal.href(&format!("/orders/{}", placed.order.uid));
        let vouchers = orders::vouchers_of(&self.state.db, placed.order.id).await?;
        let view = OrderView {
            order: &placed.order,
            lines: Some(&placed.lines),
            deliveries: None,
            vouchers: &vouchers,
            contact: self.contact(placed.order.merchant_id).await?,
        };
        let order = order_repr(hal, view, hal.link(&format!("/orders/{}", placed.order.uid)))?;
        Ok(OrderCreatedResponse::Created(
            HalJson(CreatedOrderRepr {
                token: placed.token.clone(),
                order,
            }),
            location,
            placed.token,
        ))
    }

    /// Read an order
    ///
    /// With the order's `Order-Token`, the token of the customer who placed it, or the
    /// merchant's credentials. Anyone else gets 404, as if the order did not exist.
    #[oai(path = "/orders/:uid", method = "get", operation_id = "get_order")]
    async fn get(
        &self,
        req: &Request,
        caller: OrderCaller,
        /// The order's uid.
        uid: Path<String>,
    ) -> Result<OrderResponse, Problems<OrderReadProblems>> {
        let order = self.visible(&uid.0, &caller).await?;
        let repr = self.full_repr(&order, self.state.hal.self_link(req)).await?;
        Ok(OrderResponse::Ok(HalJson(repr)))
    }

    /// List orders
    ///
    /// A customer sees the orders they placed; a merchant the orders of their shop. Newest
    /// first, paged; embedded orders come without their lines (follow `self` for those).
    #[oai(path = "/orders", method = "get", operation_id = "list_orders")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        req: &Request,
        lister: OrderLister,
        /// Only orders in this status.
        status: Query<Option<OrderStatus>>,
        /// Only orders created at or after this time (RFC 3339).
        created_gte: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Only orders created before this time (RFC 3339).
        created_lt: Query<Option<chrono::DateTime<chrono::Utc>>>,
        /// Only orders with this external reference.
        #[oai(validator(max_length = 100))]
        external_reference: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Orders per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<OrderListResponse, Problems<OrderListProblems>> {
        let hal = &self.state.hal;
        let db = &self.state.db;
        let owner = match lister {
            OrderLister::Customer(claims) => Owner::Customer(claims.sub),
            OrderLister::Merchant(merchant) => Owner::Merchant(merchant.id),
        };
        let paging = Paging {
            page: page.0.unwrap_or(1),
            page_size: page_size.0.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
        };
        let filter = OrderFilter {
            status: status.0.map(Status::from),
            created_gte: created_gte.0,
            created_lt: created_lt.0,
            external_reference: external_reference.0,
        };
        let (items, item_count) =
            orders::list(db, &owner, &filter, paging.offset(), paging.page_size).await?;
        let mut reprs = Vec::with_capacity(items.len());
        // One merchant's contact serves all of its orders on the page.
        let mut contacts: std::collections::HashMap<i64, CustomerServiceRepr> =
            std::collections::HashMap::new();
        for order in &items {
            let vouchers = orders::vouchers_of(db, order.id).await?;
            let contact = match contacts.get(&order.merchant_id) {
                Some(contact) => contact.clone(),
                None => {
                    let contact = self.contact(order.merchant_id).await?;
                    contacts.insert(order.merchant_id, contact.clone());
                    contact
                }
            };
            let view = OrderView {
                order,
                lines: None,
                deliveries: None,
                vouchers: &vouchers,
                contact,
            };
            reprs.push(order_repr(
                hal,
                view,
                hal.link(&format!("/orders/{}", order.uid)),
            )?);
        }
        Ok(OrderListResponse::Ok(HalJson(OrderCollection {
            links: PageLinksRepr::new(hal, req, paging, item_count, orders_search(hal)),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: OrdersEmbedded { orders: reprs },
        })))
    }

    /// Cancel an order
    ///
    /// Only while the order awaits payment (no payment recorded). Cancellation is final.
    /// Answers the cancelled order. Accepts `Idempotency-Key`.
    #[oai(path = "/ordercancellation", method = "post", operation_id = "cancel_order")]
    async fn cancel(
        &self,
        caller: OrderCaller,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = r"^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<CancellationInput>,
    ) -> Result<OrderResponse, Problems<CancelProblems>> {
        let hal = &self.state.hal;
        let reason = body.0.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ApiError::validation(vec![FieldError::new("/reason", "1 to 500 characters")]).into());
        }
        let uid = hal
            .uid_from_uri(body.0.order.trim(), "/orders")
            .ok_or_else(|| ApiError::not_found("No order is visible at this URI with these credentials."))?;
        let order = self.visible(&uid, &caller).await?;
        let cancelled = match orders::cancel(&self.state.db, &order, reason).await? {
            Some(cancelled) => cancelled,
            None => {
                let current = orders::find(&self.state.db, &uid).await?.unwrap_or(order);
                let detail = match Status::from_stored(&current.status)? {
                    Status::Cancelled => "The order is already cancelled.",
                    Status::AwaitingPayment => "The order changed while it was being cancelled; retry.",
                    _ => "The order is paid, so it can no longer be cancelled; request a refund instead.",
                };
                return Err(ApiError::new(&problems::CANNOT_CANCEL, detail).into());
            }
        };
        let repr = self
            .full_repr(&cancelled, hal.link(&format!("/orders/{}", cancelled.uid)))
            .await?;
        Ok(OrderResponse::Ok(HalJson(repr)))
    }
}

/// The templated search link of the order listing.
pub fn orders_search(hal: &Hal) -> Link {
    hal.templated("/orders{?status,created_gte,created_lt,external_reference,page,page_size}")
}
