//! Wire types shared by several resources: request bodies with JSON-pointer errors,
//! timestamps, money.

use std::borrow::Cow;

use chrono::{DateTime, SecondsFormat, Utc};
use poem::{Request, RequestBody};
use poem_openapi::{
    Object,
    payload::{ParsePayload, Payload},
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{ParseError, ParseFromJSON, ParseResult, ToJSON, Type},
};
use serde::{Deserialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{
    domain::money::Money,
    error::{ApiError, FieldError, problems},
};

/// A JSON request body. Unlike a plain JSON payload, a body that does not fit the schema is
/// refused with each bad field named by a JSON pointer (`/price/amount`).
#[derive(Debug, Clone)]
pub struct JsonBody<T>(pub T);

impl<T: Type> Payload for JsonBody<T> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        matches!(content_type.parse::<mime::Mime>(), Ok(mime) if mime.type_() == "application"
            && (mime.subtype() == "json" || mime.suffix().is_some_and(|suffix| suffix == "json")))
    }

    fn schema_ref() -> MetaSchemaRef {
        T::schema_ref()
    }

    fn register(registry: &mut Registry) {
        T::register(registry);
    }
}

impl<T: Type + DeserializeOwned + Send> ParsePayload for JsonBody<T> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = body.take()?.into_bytes().await?;
        Ok(JsonBody(parse_json(&bytes)?))
    }
}

poem_openapi::impl_apirequest_for_payload!(JsonBody<T>, T: Type + DeserializeOwned + Send);

/// Parses a JSON document into `T`: a syntax error is a 400, a document of the wrong shape
/// a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            &problems::MALFORMED_REQUEST,
            "The request body is empty; send a JSON object.",
        ));
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value: Result<T, _> = serde_path_to_error::deserialize(&mut deserializer);
    if value.is_ok()
        && let Err(err) = deserializer.end()
    {
        return Err(ApiError::new(
            &problems::MALFORMED_REQUEST,
            format!(
                "The request body is not valid JSON: {}.",
                clean_serde_message(&err.to_string())
            ),
        ));
    }
    value.map_err(|err| {
        let path = json_pointer(err.path());
        let inner = err.into_inner();
        let message = clean_serde_message(&inner.to_string());
        if inner.is_syntax() || inner.is_eof() {
            ApiError::new(
                &problems::MALFORMED_REQUEST,
                format!("The request body is not valid JSON: {message}."),
            )
        } else {
            ApiError::validation(vec![FieldError::new(path, message)])
        }
    })
}

fn json_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        pointer.push('/');
        match segment {
            Segment::Seq { index } => pointer.push_str(&index.to_string()),
            Segment::Map { key } | Segment::Enum { variant: key } => {
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"))
            }
            Segment::Unknown => pointer.push('?'),
        }
    }
    pointer
}

/// serde's messages end with " at line 1 column 17"; the pointer says where already.
fn clean_serde_message(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(at) => message[..at].to_owned(),
        None => message.to_owned(),
    }
}

/// Whether a text looks like an e-mail address (`name@example.com`): one `@`, a dotted
/// domain, no spaces.
pub fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    !local.is_empty()
        && local.len() <= 64
        && domain.len() >= 3
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && email
            .chars()
            .all(|c| c.is_ascii_graphic() || (!c.is_ascii() && !c.is_whitespace()))
        && !domain.contains('@')
}

/// Pushes a pointer segment for nested validation.
pub fn pointer(parent: &str, field: &str) -> String {
    format!("{parent}/{field}")
}

/// A UTC timestamp, written as RFC 3339 with whole seconds: `2022-11-14T11:20:23Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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
#[derive(Debug, Clone, PartialEq, Eq, Object, Deserialize)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Line {
        quantity: u32,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Order {
        products: Vec<Line>,
    }

    #[test]
    fn a_field_of_the_wrong_type_is_named_by_json_pointer() {
        let err = parse_json::<Order>(br#"{"products":[{"quantity":1},{"quantity":"x"}]}"#).unwrap_err();
        assert_eq!(err.kind.code, "validation_failed");
        assert_eq!(err.errors[0].path, "/products/1/quantity");
    }

    #[test]
    fn broken_json_is_a_malformed_request() {
        let err = parse_json::<Order>(b"{\"products\": [").unwrap_err();
        assert_eq!(err.kind.code, "malformed_request");
        let err = parse_json::<Order>(b"  ").unwrap_err();
        assert_eq!(err.kind.code, "malformed_request");
    }

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
