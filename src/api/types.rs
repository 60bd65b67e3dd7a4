//! Wire types shared by several resources: timestamps, money and the links of a page.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use poem::Request;
use poem_openapi::{
    Object,
    registry::{MetaSchema, MetaSchemaRef},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::{
    domain::{email::Email, money::Money},
    http::hal::{Curie, Hal, Link, Paging},
};

/// Whether a text is an e-mail address (`name@example.com`) as [`Email::parse`] accepts it,
/// with no whitespace around it.
pub fn valid_email(email: &str) -> bool {
    Email::parse(email).is_ok_and(|parsed| parsed.as_str() == email)
}

/// Pushes a pointer segment for nested validation.
pub fn pointer(parent: &str, field: &str) -> String {
    format!("{parent}/{field}")
}

/// A UTC timestamp, written as RFC 3339 with whole seconds: `2022-11-14T11:20:23Z`. Its
/// default, the Unix epoch, is there for read-only fields, which poem-openapi fills with one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Timestamp(pub DateTime<Utc>);

impl From<DateTime<Utc>> for Timestamp {
    fn from(value: DateTime<Utc>) -> Self {
        Timestamp(value)
    }
}

impl Type for Timestamp {
    const IS_REQUIRED: bool = true;
    type RawValueType = Self;
    type RawElementValueType = Self;

    fn name() -> Cow<'static, str> {
        "string_date-time".into()
    }

    fn schema_ref() -> MetaSchemaRef {
        let mut schema = MetaSchema::new_with_format("string", "date-time");
        schema.example = Some(Value::String("2022-11-14T11:20:23Z".into()));
        MetaSchemaRef::Inline(Box::new(schema))
    }

    fn as_raw_value(&self) -> Option<&Self::RawValueType> {
        Some(self)
    }

    fn raw_element_iter<'a>(&'a self) -> Box<dyn Iterator<Item = &'a Self::RawElementValueType> + 'a> {
        Box::new(self.as_raw_value().into_iter())
    }
}

impl ToJSON for Timestamp {
    fn to_json(&self) -> Option<Value> {
        Some(Value::String(self.0.to_rfc3339_opts(SecondsFormat::Secs, true)))
    }
}

impl ParseFromJSON for Timestamp {
    fn parse_from_json(value: Option<Value>) -> ParseResult<Self> {
        match value.unwrap_or_default() {
            Value::String(text) => DateTime::parse_from_rfc3339(&text)
                .map(|dt| Timestamp(dt.with_timezone(&Utc)))
                .map_err(|err| ParseError::custom(err.to_string())),
            other => Err(ParseError::expected_type(other)),
        }
    }
}

/// An amount of money: a decimal string with the currency's minor units, and an ISO 4217 code.
#[derive(Debug, Clone, PartialEq, Eq, Object, Deserialize, Serialize)]
#[oai(example)]
#[serde(deny_unknown_fields)]
pub struct MoneyRepr {
    /// Decimal amount as a string, e.g. `"12.50"` (`"1500"` for JPY).
    #[oai(validator(pattern = r"^[0-9]{1,10}(\.[0-9]{1,2})?$"))]
    pub amount: String,
    /// ISO 4217 code: EUR, CAD, USD, GBP or JPY.
    #[oai(validator(pattern = "^(EUR|CAD|USD|GBP|JPY)$"))]
    pub currency: String,
}

impl poem_openapi::types::Example for MoneyRepr {
    fn example() -> Self {
        MoneyRepr {
            amount: "19.99".into(),
            currency: "CAD".into(),
        }
    }
}

impl From<Money> for MoneyRepr {
    fn from(money: Money) -> Self {
        MoneyRepr {
            amount: money.amount_string(),
            currency: money.currency().code().into(),
        }
    }
}

/// Links of a page of the catalogue.
#[derive(Debug, Clone, Object)]
pub struct PageLinksRepr {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub first: Link,
    #[oai(skip_serializing_if_is_none)]
    pub prev: Option<Link>,
    #[oai(skip_serializing_if_is_none)]
    pub next: Option<Link>,
    pub last: Link,
    /// Templated link describing the filters of this collection.
    pub search: Link,
    pub curies: Vec<Curie>,
}

impl PageLinksRepr {
    pub fn new(hal: &Hal, req: &Request, paging: Paging, item_count: u64, search: Link) -> Self {
        let pages = hal.page_links(req, paging, item_count);
        PageLinksRepr {
            self_link: hal.self_link(req),
            first: pages.first,
            prev: pages.prev,
            next: pages.next,
            last: pages.last,
            search,
            curies: hal.curies(),
        }
    }
}

/// The templated search link of the catalogue.
pub fn products_search(hal: &Hal) -> Link {
    hal.templated("/products{?q,isbn,format,kind,available,page,page_size}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_whole_seconds_and_z() {
        let ts = Timestamp(
            DateTime::parse_from_rfc3339("2022-11-14T11:20:23.456+00:00")
                .unwrap()
                .with_timezone(&Utc),
        );
        assert_eq!(ts.to_json(), Some(Value::String("2022-11-14T11:20:23Z".into())));
    }
}
