//! What merchants and libraries send: an offer, a library's order, a loan, a hold.

use poem_openapi::Object;
use serde::Deserialize;

use super::super::{orders::ConsumerInput, types::MoneyRepr};
use crate::{
    domain::{
        lending::{
            Terms,
            buying::{LicenceCart, OfferLine},
        },
        money::Money,
    },
    http::{
        error::{ApiError, FieldError},
        hal::{Hal, Paging},
    },
};

/// A licence offer for an ebook.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct LibraryOfferInput {
    /// The price of one copy, in the product's currency.
    pub price: MoneyRepr,
    /// How many patrons may have a copy at once (at least 1).
    #[oai(validator(minimum(value = "1"), maximum(value = "10000")))]
    pub max_concurrent_loans: i32,
    /// How many loans a copy makes in all; absent or null: unlimited.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
    #[oai(nullable)]
    pub max_total_loans: Option<i32>,
    /// How long a licence lasts from its purchase; absent or null: perpetual.
    #[oai(validator(minimum(value = "1"), maximum(value = "1200")))]
    #[oai(nullable)]
    pub valid_months: Option<i32>,
    /// The longest loan, in days.
    #[oai(validator(minimum(value = "1"), maximum(value = "366")))]
    pub max_loan_days: i32,
}

impl poem_openapi::types::Example for LibraryOfferInput {
    fn example() -> Self {
        LibraryOfferInput {
            price: MoneyRepr {
                amount: "49.00".into(),
                currency: "CAD".into(),
            },
            max_concurrent_loans: 1,
            max_total_loans: Some(55),
            valid_months: None,
            max_loan_days: 21,
        }
    }
}

impl LibraryOfferInput {
    /// The price and terms, each bad field named.
    pub fn offer(&self) -> Result<(Money, Terms), ApiError> {
        let price = Money::parse(&self.price.amount, &self.price.currency)
            .map_err(|err| ApiError::validation(vec![FieldError::new("/price", err.to_string())]))?;
        let terms = Terms {
            max_concurrent_loans: self.max_concurrent_loans,
            max_total_loans: self.max_total_loans,
            valid_months: self.valid_months,
            max_loan_days: self.max_loan_days,
        };
        let errors: Vec<FieldError> = terms
            .check()
            .into_iter()
            .map(|e| FieldError::new(format!("/{}", e.field), e.message))
            .collect();
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok((price, terms))
    }
}

/// One offer of a library's order.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct OfferLineInput {
    /// URI of the library offer, as its `self` link gives it (or its path).
    #[oai(validator(max_length = 2048))]
    pub offer: String,
    /// How many copies (licences).
    #[oai(validator(minimum(value = "1"), maximum(value = "1000")))]
    pub copies: i64,
}

/// A library's order for licences.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct LicenceOrderInput {
    /// 1 to 50 offers, each once.
    #[oai(validator(min_items = 1, max_items = 50))]
    pub offers: Vec<OfferLineInput>,
    /// Who is billed: the library's contact and its country (which decides the taxes).
    pub consumer: ConsumerInput,
    /// Your own reference for this order (up to 100 characters; absent or null: none).
    #[oai(nullable, validator(max_length = 100))]
    pub external_reference: Option<String>,
}

impl poem_openapi::types::Example for LicenceOrderInput {
    fn example() -> Self {
        LicenceOrderInput {
            offers: vec![OfferLineInput {
                offer: format!("/library_offers/{}", crate::seed::DEMO_OFFER_UID),
                copies: 2,
            }],
            consumer: ConsumerInput {
                email: "acquisitions@library.example.org".into(),
                first_name: "Acquisitions".into(),
                last_name: "Desk".into(),
                country: "CA".into(),
                region: Some("QC".into()),
            },
            external_reference: Some("PO-2026-118".into()),
        }
    }
}

impl LicenceOrderInput {
    /// Checks the form of every field and resolves the offer URIs.
    pub fn cart(&self, hal: &Hal) -> Result<LicenceCart, ApiError> {
        let mut errors = Vec::new();
        let buyer = self.consumer.consumer(&mut errors);
        if self.offers.is_empty() || self.offers.len() > 50 {
            errors.push(FieldError::new("/offers", "1 to 50 offers"));
        }
        let lines = self
            .offers
            .iter()
            .enumerate()
            .map(|(index, line)| {
                if !(1..=1000).contains(&line.copies) {
                    errors.push(FieldError::new(
                        format!("/offers/{index}/copies"),
                        "from 1 to 1000 copies",
                    ));
                }
                OfferLine {
                    offer_uid: hal.uid_from_uri(line.offer.trim(), "/library_offers"),
                    copies: u32::try_from(line.copies.clamp(1, 1000)).unwrap_or(1),
                }
            })
            .collect();
        let external_reference = self
            .external_reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_owned);
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        Ok(LicenceCart {
            lines,
            buyer,
            external_reference,
        })
    }
}

/// A patron of the library, by the library's own identifier: 1 to 100 characters, no
/// control characters. halshop keeps nothing else about the patron.
fn patron(value: &str, errors: &mut Vec<FieldError>) -> String {
    let patron = value.trim();
    if patron.is_empty() || patron.chars().count() > 100 {
        errors.push(FieldError::new(
            "/patron_id",
            "1 to 100 characters: the library's own id of the patron",
        ));
    }
    patron.to_owned()
}

/// A loan to make.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct LoanInput {
    /// URI of the ebook, as its `self` link gives it.
    #[oai(validator(max_length = 2048))]
    pub product: String,
    /// The library's own identifier of the patron (never an e-mail halshop would keep).
    #[oai(validator(min_length = 1, max_length = 100))]
    pub patron_id: String,
    /// How many days; at most the licence's `max_loan_days` (its value when absent or null).
    #[oai(nullable, validator(minimum(value = "1"), maximum(value = "366")))]
    pub days: Option<i32>,
}

impl poem_openapi::types::Example for LoanInput {
    fn example() -> Self {
        LoanInput {
            product: format!("/products/{}", crate::seed::DEMO_EBOOK_UID),
            patron_id: "patron-20931".into(),
            days: Some(14),
        }
    }
}

/// A hold to place.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct HoldInput {
    /// URI of the ebook, as its `self` link gives it.
    #[oai(validator(max_length = 2048))]
    pub product: String,
    /// The library's own identifier of the patron.
    #[oai(validator(min_length = 1, max_length = 100))]
    pub patron_id: String,
}

impl poem_openapi::types::Example for HoldInput {
    fn example() -> Self {
        HoldInput {
            product: format!("/products/{}", crate::seed::DEMO_EBOOK_UID),
            patron_id: "patron-20931".into(),
        }
    }
}

/// A product uid from its URI, or a validation error naming `/product`.
fn product_uid(hal: &Hal, uri: &str, errors: &mut Vec<FieldError>) -> String {
    match hal.uid_from_uri(uri.trim(), "/products") {
        Some(uid) => uid,
        None => {
            errors.push(FieldError::new(
                "/product",
                "the URI of a product, as its `self` link gives it",
            ));
            String::new()
        }
    }
}

impl LoanInput {
    /// The product's uid, the patron and the days asked for.
    pub fn parts(&self, hal: &Hal) -> Result<(String, String, Option<i32>), ApiError> {
        let mut errors = Vec::new();
        let product = product_uid(hal, &self.product, &mut errors);
        let patron = patron(&self.patron_id, &mut errors);
        if self.days.is_some_and(|d| !(1..=366).contains(&d)) {
            errors.push(FieldError::new("/days", "from 1 to 366"));
        }
        match errors.is_empty() {
            true => Ok((product, patron, self.days)),
            false => Err(ApiError::validation(errors)),
        }
    }
}

impl HoldInput {
    /// The product's uid and the patron.
    pub fn parts(&self, hal: &Hal) -> Result<(String, String), ApiError> {
        let mut errors = Vec::new();
        let product = product_uid(hal, &self.product, &mut errors);
        let patron = patron(&self.patron_id, &mut errors);
        match errors.is_empty() {
            true => Ok((product, patron)),
            false => Err(ApiError::validation(errors)),
        }
    }
}

/// The page asked for.
pub fn paging(page: Option<u64>, page_size: Option<u64>) -> Paging {
    Paging {
        page: page.unwrap_or(1),
        page_size: page_size.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
    }
}
