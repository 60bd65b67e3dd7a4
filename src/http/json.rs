//! The JSON request body: a body that does not fit the schema is refused with each bad
//! field named by a JSON pointer.

use poem::{Request, RequestBody};
use poem_openapi::{
    payload::{ParsePayload, Payload},
    registry::{MetaSchemaRef, Registry},
    types::Type,
};
use serde::de::DeserializeOwned;

use super::{
    error::{ApiError, FieldError, problems},
    text,
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

/// Parses a JSON document into `T`: a syntax error is a 400; a string holding a control
/// character (other than tab, line feed, carriage return) or a document of the wrong shape is
/// a 422 naming the field.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::new(
            &problems::MALFORMED_REQUEST,
            "The request body is empty; send a JSON object.",
        ));
    }
    refuse_controls(bytes)?;
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

/// Reads `T` from a JSON document already parsed: a document of the wrong shape is a 422
/// naming the field, as [`parse_json`] does.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|err| {
        let path = json_pointer(err.path());
        let message = clean_serde_message(&err.into_inner().to_string());
        ApiError::validation(vec![FieldError::new(path, message)])
    })
}

/// Refuses a document with a control character in a string, naming every such string. JSON
/// writes C0 controls only as escapes (`\u0000`, `\b`, `\f`; raw, they are a syntax error),
/// DEL and C1 controls raw or escaped; a body without any of these is not parsed twice.
fn refuse_controls(bytes: &[u8]) -> Result<(), ApiError> {
    let may_hold_control = bytes.contains(&0x7f)
        || bytes
            .windows(2)
            .any(|pair| matches!(pair, [b'\\', b'u' | b'b' | b'f'] | [0xc2, 0x80..=0x9f]));
    if !may_hold_control {
        return Ok(());
    }
    // A document that does not parse is refused as such by the caller.
    let Ok(document) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Ok(());
    };
    match text::controls_in_json(&document) {
        errors if errors.is_empty() => Ok(()),
        errors => Err(ApiError::validation(errors)),
    }
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

#[cfg(test)]
mod tests {
    use serde::Deserialize;

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
    fn a_nul_in_a_string_is_refused_before_the_shape_is_checked() {
        let err = parse_json::<Order>(br#"{"products":[{"quantity":"\u0000"}]}"#).unwrap_err();
        assert_eq!(err.kind.code, "validation_failed");
        assert_eq!(err.errors[0].path, "/products/0/quantity");
        assert!(err.errors[0].message.contains("U+0000"));
    }

    #[test]
    fn short_escapes_of_controls_are_refused_too() {
        for body in [br#"{"products":"\b"}"#, br#"{"products":"\f"}"#] {
            let err = parse_json::<Order>(body).unwrap_err();
            assert_eq!(err.errors[0].path, "/products");
        }
    }

    #[test]
    fn broken_json_is_a_malformed_request() {
        let err = parse_json::<Order>(b"{\"products\": [").unwrap_err();
        assert_eq!(err.kind.code, "malformed_request");
        let err = parse_json::<Order>(b"  ").unwrap_err();
        assert_eq!(err.kind.code, "malformed_request");
    }
}
