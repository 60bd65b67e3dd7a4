//! The wire forms of a cart and of a cancellation, and their shape checks: each bad field
//! is named by its JSON pointer here, and the domain's refusals are turned into pointers
//! here too.

use poem_openapi::Object;
use serde::Deserialize;

use crate::{
    api::types::valid_email,
    auth::{MaybeCustomer, OrderLister},
    domain::{
        money::Currency,
        orders::{Buyer, Cart, CartLine, Consumer, Field, Owner},
    },
    http::error::{ApiError, FieldError},
    http::hal::Hal,
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
                product: format!("/products/{}", crate::seed::DEMO_EBOOK_UID),
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
            currency: Some("EUR".into()),
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
        let lines = self.lines(hal, &mut errors);
        let consumer = self.consumer.consumer(&mut errors);
        let currency = self.currency(&mut errors);
        let vouchers = self.vouchers(&mut errors);
        let external_reference = trimmed(self.external_reference.as_deref());
        if external_reference
            .as_ref()
            .is_some_and(|r| r.chars().count() > 100)
        {
            errors.push(FieldError::new("/external_reference", "at most 100 characters"));
        }
        let redirect_url = trimmed(self.redirect_url.as_deref());
        if let Some(url) = &redirect_url
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
            consumer,
            currency,
            vouchers,
            external_reference,
            redirect_url,
        })
    }

    fn lines(&self, hal: &Hal, errors: &mut Vec<FieldError>) -> Vec<CartLine> {
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
                    pointer(Field::Quantity(index)),
                    "quantity is at least 1",
                ));
            }
            lines.push(CartLine {
                product_uid: hal.uid_from_uri(line.product.trim(), "/products"),
                quantity: u32::try_from(line.quantity.max(1)).unwrap_or(u32::MAX),
            });
        }
        lines
    }

    fn currency(&self, errors: &mut Vec<FieldError>) -> Option<Currency> {
        let code = self.currency.as_deref()?;
        code.parse::<Currency>()
            .map_err(|err| errors.push(FieldError::new("/currency", err.to_string())))
            .ok()
    }

    fn vouchers(&self, errors: &mut Vec<FieldError>) -> Vec<String> {
        let vouchers = self.vouchers.clone().unwrap_or_default();
        for (index, code) in vouchers.iter().enumerate() {
            if code.trim().is_empty() || code.len() > 32 {
                errors.push(FieldError::new(
                    pointer(Field::Voucher(index)),
                    "a voucher code is 1 to 32 characters",
                ));
            }
        }
        vouchers
    }
}

impl ConsumerInput {
    pub fn consumer(&self, errors: &mut Vec<FieldError>) -> Consumer {
        let email = self.email.trim();
        if email.len() > 254 || !valid_email(email) {
            errors.push(FieldError::new(
                "/consumer/email",
                "not an e-mail address such as name@example.com",
            ));
        }
        let first_name = self.first_name.trim();
        let last_name = self.last_name.trim();
        for (path, value) in [
            ("/consumer/first_name", first_name),
            ("/consumer/last_name", last_name),
        ] {
            if value.is_empty() || value.chars().count() > 100 {
                errors.push(FieldError::new(path, "1 to 100 characters"));
            }
        }
        let country = self.country.trim().to_ascii_uppercase();
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            errors.push(FieldError::new(
                "/consumer/country",
                "an ISO 3166-1 alpha-2 code such as CA or FR",
            ));
        }
        let region = trimmed(self.region.as_deref()).map(|r| r.to_ascii_uppercase());
        if region
            .as_ref()
            .is_some_and(|r| r.len() > 3 || !r.bytes().all(|b| b.is_ascii_alphanumeric()))
        {
            errors.push(FieldError::new(
                pointer(Field::Region),
                "a region code such as QC",
            ));
        }
        Consumer {
            email: email.to_owned(),
            first_name: first_name.to_owned(),
            last_name: last_name.to_owned(),
            country,
            region,
        }
    }
}

/// The value without surrounding blanks, or `None` when nothing is left.
fn trimmed(value: Option<&str>) -> Option<String> {
    value.map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned)
}

/// The JSON pointer of a cart field the domain refused.
pub fn pointer(field: Field) -> String {
    match field {
        Field::Product(index) => format!("/products/{index}/product"),
        Field::Quantity(index) => format!("/products/{index}/quantity"),
        Field::Region => "/consumer/region".into(),
        Field::Voucher(index) => format!("/vouchers/{index}"),
    }
}

/// Who places the order: the customer whose token came with the request, or a guest.
pub fn buyer(customer: MaybeCustomer) -> Buyer {
    match customer.0 {
        Some(claims) => Buyer::Customer { sub: claims.sub },
        None => Buyer::Guest,
    }
}

/// Whose orders a listing shows.
pub fn owner(lister: OrderLister) -> Owner {
    match lister {
        OrderLister::Customer(claims) => Owner::Customer(claims.sub),
        OrderLister::Merchant(merchant) => Owner::Merchant(merchant.id),
    }
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

impl CancellationInput {
    /// The reason, trimmed, once its length is checked.
    pub fn reason(&self) -> Result<&str, ApiError> {
        let reason = self.reason.trim();
        if reason.is_empty() || reason.chars().count() > 500 {
            return Err(ApiError::validation(vec![FieldError::new(
                "/reason",
                "1 to 500 characters",
            )]));
        }
        Ok(reason)
    }

    /// The uid of the order the URI names; a URI naming no order is the 404 of an order
    /// these credentials may not see.
    pub fn order_uid(&self, hal: &Hal) -> Result<String, ApiError> {
        hal.uid_from_uri(self.order.trim(), "/orders")
            .ok_or_else(|| ApiError::not_found("No order is visible at this URI with these credentials."))
    }
}
