//! What a merchant sends for a product, and the catalogue's query parameters, turned into
//! domain values. The catalogue's rules are in `domain::catalogue`; this file checks shapes
//! and names each refused field by its JSON pointer.

use poem_openapi::Object;
use serde::Deserialize;

use super::view::{Format, Kind, ProductRepr, Protection, RefundPolicy};
use crate::{
    api::types::MoneyRepr,
    domain::{
        catalogue::{NewProduct, ProductDraft, ProductField, ProductFilter},
        isbn::Isbn,
    },
    http::{
        error::{ApiError, FieldError},
        hal::{Hal, Paging},
        round_trip::Editable,
    },
};

/// What a merchant sends to create or replace a product.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Title identifier, unique among the merchant's products: 1–64 letters, digits, `.`, `_`, `-`.
    #[oai(validator(pattern = r"^[A-Za-z0-9._-]{1,64}$"))]
    pub sku: String,
    pub kind: Kind,
    /// 1–300 characters.
    #[oai(validator(min_length = 1, max_length = 300))]
    pub title: String,
    /// ISBN-13 or ISBN-10, hyphens and spaces allowed; stored as ISBN-13 digits. Required for
    /// ebooks, absent for tickets.
    #[oai(validator(max_length = 32))]
    pub isbn: Option<String>,
    /// `epub`, `pdf` or `mp3` for ebooks; `ticket` (the default) for tickets.
    pub format: Option<Format>,
    /// Default `none`.
    pub protection: Option<Protection>,
    pub price: MoneyRepr,
    /// Default false: taxes are added on top of the price.
    pub price_includes_tax: Option<bool>,
    /// Default true.
    pub available: Option<bool>,
    /// Ebooks: 1 (the only value allowed). Tickets: 1–100, default 10.
    #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
    pub max_per_order: Option<i64>,
    /// Default: 14 days, 10 % usage.
    pub refund_policy: Option<RefundPolicy>,
    /// Tickets: URI of the event the ticket lets its holder into (one of yours). Its places
    /// limit the product's. Cannot change once orders hold places of the product.
    #[oai(validator(max_length = 2048))]
    pub event: Option<String>,
    /// Tickets: places of this product alone (1–1000000), inside its event's, e.g. 100 VIP
    /// places of a 2,000-place event; the lower limit binds. Absent: only the event limits
    /// it. Not below the places already held.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
    pub capacity: Option<i64>,
}

impl poem_openapi::types::Example for ProductInput {
    fn example() -> Self {
        ProductInput {
            sku: "HUGO-MISERABLES-EPUB".into(),
            kind: Kind::Ebook,
            title: "Les Misérables".into(),
            isbn: Some("978-2-07-036822-8".into()),
            format: Some(Format::Epub),
            protection: Some(Protection::Watermark),
            price: MoneyRepr {
                amount: "9.99".into(),
                currency: "EUR".into(),
            },
            price_includes_tax: Some(true),
            available: Some(true),
            max_per_order: Some(1),
            refund_policy: Some(RefundPolicy {
                refund_days: 14,
                usage_limit_percent: 10,
            }),
            event: None,
            capacity: None,
        }
    }
}

/// A replacement may be the product as a GET gave it, edited: what it cannot change comes
/// back unchanged.
impl Editable for ProductInput {
    type Repr = ProductRepr;
    const SCHEMA_NAME: &'static str = "ProductReplacement";
}

impl ProductInput {
    /// Checks every rule and collects every broken one, each with its JSON pointer.
    pub fn draft(&self, hal: &Hal) -> Result<ProductDraft, ApiError> {
        let policy = self.refund_policy.as_ref();
        let event_uid = match self.event.as_deref().map(str::trim) {
            Some(uri) => Some(hal.uid_from_uri(uri, "/events").ok_or_else(|| {
                ApiError::validation(vec![FieldError::new("/event", "not the URI of an event")])
            })?),
            None => None,
        };
        NewProduct {
            sku: &self.sku,
            kind: self.kind.into(),
            title: &self.title,
            isbn: self.isbn.as_deref(),
            format: self.format.map(Into::into),
            protection: self.protection.map(Into::into),
            price_amount: &self.price.amount,
            price_currency: &self.price.currency,
            price_includes_tax: self.price_includes_tax,
            available: self.available,
            max_per_order: self.max_per_order,
            refund_policy: policy.map(|policy| (policy.refund_days, policy.usage_limit_percent)),
            event_uid: event_uid.as_deref(),
            capacity: self.capacity,
        }
        .draft()
        .map_err(|refusals| {
            ApiError::validation(
                refusals
                    .into_iter()
                    .map(|refusal| FieldError::new(pointer(refusal.field), refusal.message))
                    .collect(),
            )
        })
    }
}

/// Where a product field is in the body.
pub fn pointer(field: ProductField) -> &'static str {
    match field {
        ProductField::Sku => "/sku",
        ProductField::Title => "/title",
        ProductField::Format => "/format",
        ProductField::Isbn => "/isbn",
        ProductField::PriceAmount => "/price/amount",
        ProductField::PriceCurrency => "/price/currency",
        ProductField::MaxPerOrder => "/max_per_order",
        ProductField::RefundDays => "/refund_policy/refund_days",
        ProductField::UsageLimitPercent => "/refund_policy/usage_limit_percent",
        ProductField::Event => "/event",
        ProductField::Capacity => "/capacity",
    }
}

/// The catalogue's filters, from the query parameters; a blank `isbn` filters nothing.
pub fn filter(
    q: Option<String>,
    isbn: Option<&str>,
    format: Option<Format>,
    kind: Option<Kind>,
    available: Option<bool>,
) -> Result<ProductFilter, ApiError> {
    let isbn = match isbn.filter(|text| !text.trim().is_empty()) {
        Some(text) => Some(
            Isbn::parse(text)
                .map_err(|err| ApiError::validation(vec![FieldError::new("isbn", err.to_string())]))?,
        ),
        None => None,
    };
    Ok(ProductFilter {
        q,
        isbn,
        format: format.map(Into::into),
        kind: kind.map(Into::into),
        available,
    })
}

/// The requested page, 1 and the default size when absent.
pub fn paging(page: Option<u64>, page_size: Option<u64>) -> Paging {
    Paging {
        page: page.unwrap_or(1),
        page_size: page_size.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::round_trip::mismarked_read_only;

    #[test]
    fn the_product_schema_marks_exactly_what_a_replacement_cannot_change_as_read_only() {
        assert!(mismarked_read_only::<ProductInput>().is_empty());
    }
}
