//! PUT takes back what GET gave: the body of a PUT may be the representation a GET answered,
//! edited, as generic HAL clients send it back.
//!
//! - `_links`, `_embedded` and `_templates` are hypermedia controls, not state: ignored,
//!   whatever they hold (each must be a JSON object).
//! - A read-only field — a field of the representation that the PUT body has no place for —
//!   is ignored when it equals what a GET would show now, and refused (422, its JSON
//!   pointer named) when it differs. Nothing is changed then.
//! - Every other field is the writable body, parsed and checked as any body is; a field
//!   that is in neither is unknown and refused.
//!
//! Which fields are writable and which read-only comes from the types alone: the writable
//! body's schema and the representation's. The PUT body's schema is built from the same two,
//! so the OpenAPI document lists the read-only fields with `readOnly: true`.
//!
//! "Equal" follows the wire, where a value may be written more than one way: `null` and an
//! absent field are equal; two strings are equal when they are the same text, the same
//! instant (RFC 3339: `2022-11-14T11:20:23Z` is `2022-11-14T12:20:23+01:00`) or the same
//! decimal number (`"4.99"` is `"4.990"`); numbers compare by value; objects member by
//! member and arrays item by item, under the same rule.

use chrono::DateTime;
use poem::{Request, RequestBody};
use poem_openapi::{
    payload::{ParsePayload, Payload},
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::{ToJSON, Type},
};
use rust_decimal::Decimal;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{
    error::{ApiError, FieldError},
    json::{self, JsonBody},
};

/// The members of a HAL representation that are hypermedia controls, not state.
pub const HYPERMEDIA: [&str; 3] = ["_links", "_embedded", "_templates"];

/// What the PUT body's schema says of each hypermedia member.
const HYPERMEDIA_DESCRIPTION: &str = "Hypermedia controls, as a GET gave them: any JSON object, ignored.";

/// The writable body of a PUT, tied to the representation a GET of the same resource gives.
pub trait Editable: Type + DeserializeOwned + Send {
    /// What a GET of the resource answers.
    type Repr: Type + ToJSON;
    /// Name of the PUT body's schema in the OpenAPI document.
    const SCHEMA_NAME: &'static str;
}

/// A PUT body: the writable fields, and the read-only ones sent back with them.
#[derive(Debug, Clone)]
pub struct RoundTrip<W> {
    /// The writable fields, parsed and shape-checked like any body.
    pub writable: W,
    /// The read-only fields sent, as sent, to compare with the representation now.
    read_only: Map<String, Value>,
}

impl<W: Editable> RoundTrip<W> {
    /// Reads a body: hypermedia controls dropped, read-only fields set aside, unknown
    /// fields refused, the writable ones parsed into `W` (each bad one named).
    pub fn parse(bytes: &[u8]) -> Result<Self, ApiError> {
        let body: Map<String, Value> = json::parse_json(bytes)?;
        let fields = Fields::of::<W>(&mut Registry::new());
        let (mut writable, mut read_only, mut errors) = (Map::new(), Map::new(), Vec::new());
        for (key, value) in body {
            if HYPERMEDIA.contains(&key.as_str()) {
                if !value.is_object() {
                    let message = format!("{key} holds hypermedia controls: a JSON object (ignored)");
                    errors.push(FieldError::new(pointer(&key), message));
                }
            } else if fields.is_writable(&key) {
                writable.insert(key, value);
            } else if fields.is_read_only(&key) {
                read_only.insert(key, value);
            } else {
                errors.push(FieldError::new(pointer(&key), format!("unknown field `{key}`")));
            }
        }
        if !errors.is_empty() {
            return Err(ApiError::validation(errors));
        }
        let writable = json::from_value(Value::Object(writable))?;
        Ok(RoundTrip { writable, read_only })
    }

    /// Refuses the body if a read-only field was sent with a value other than the one in
    /// `shown`, the representation as a GET would give it now; each such field is named.
    pub fn check(&self, shown: &W::Repr) -> Result<(), ApiError> {
        let shown = shown.to_json().unwrap_or_default();
        let errors: Vec<FieldError> = self
            .read_only
            .iter()
            .filter(|(key, sent)| !same(sent, shown.get(key.as_str()).unwrap_or(&Value::Null)))
            .map(|(key, _)| {
                let message = format!("{key} is read-only; send it as it is or leave it out");
                FieldError::new(pointer(key), message)
            })
            .collect();
        match errors.is_empty() {
            true => Ok(()),
            false => Err(ApiError::validation(errors)),
        }
    }

    /// The writable fields, once [`RoundTrip::check`] finds the read-only ones unchanged.
    pub fn into_writable(self, shown: &W::Repr) -> Result<W, ApiError> {
        self.check(shown)?;
        Ok(self.writable)
    }
}

/// The fields of the representation of `W` that are read-only but not marked `readOnly`
/// in its schema, and those marked but writable: none when the schema tells the truth.
pub fn mismarked_read_only<W: Editable>() -> Vec<&'static str> {
    let fields = Fields::of::<W>(&mut Registry::new());
    fields
        .repr
        .properties
        .iter()
        .filter(|(name, schema)| {
            !HYPERMEDIA.contains(name) && fields.is_read_only(name) != is_marked_read_only(schema)
        })
        .map(|(name, _)| *name)
        .collect()
}

fn is_marked_read_only(schema: &MetaSchemaRef) -> bool {
    matches!(schema, MetaSchemaRef::Inline(schema) if schema.read_only)
}

/// The schemas of a writable body and of its representation.
struct Fields {
    writable: MetaSchema,
    repr: MetaSchema,
}

impl Fields {
    fn of<W: Editable>(registry: &mut Registry) -> Self {
        Fields {
            writable: registry.create_fake_schema::<W>(),
            repr: registry.create_fake_schema::<W::Repr>(),
        }
    }

    fn is_writable(&self, key: &str) -> bool {
        self.writable.properties.iter().any(|(name, _)| *name == key)
    }

    /// A field of the representation that is neither writable nor a hypermedia control.
    fn is_read_only(&self, key: &str) -> bool {
        !HYPERMEDIA.contains(&key)
            && !self.is_writable(key)
            && self.repr.properties.iter().any(|(name, _)| *name == key)
    }

    /// The PUT body's schema: the hypermedia members as free-form objects, the writable
    /// fields as the writable body has them, the read-only fields as the representation
    /// has them, marked `readOnly`. Whatever may be left out may also be `null`.
    fn body_schema(&self, name: &'static str) -> MetaSchema {
        let optional = |schema: &MetaSchema, field: &str| !schema.required.contains(&field);
        let hypermedia = HYPERMEDIA.iter().map(|field| {
            let mut schema = MetaSchema::new("object");
            schema.description = Some(HYPERMEDIA_DESCRIPTION);
            (*field, MetaSchemaRef::Inline(Box::new(schema)))
        });
        let writable = self.writable.properties.iter().map(|(field, schema)| {
            let patch = patch(false, optional(&self.writable, field));
            (*field, schema.clone().merge(patch))
        });
        let read_only = self
            .repr
            .properties
            .iter()
            .filter(|(field, _)| self.is_read_only(field));
        let read_only = read_only.map(|(field, schema)| {
            let patch = patch(true, optional(&self.repr, field));
            (*field, schema.clone().merge(patch))
        });
        MetaSchema {
            title: Some(name.to_owned()),
            description: self.writable.description,
            required: self.writable.required.clone(),
            properties: hypermedia.chain(writable).chain(read_only).collect(),
            example: self.writable.example.clone(),
            ..MetaSchema::new("object")
        }
    }
}

fn patch(read_only: bool, nullable: bool) -> MetaSchema {
    MetaSchema {
        read_only,
        nullable,
        ..MetaSchema::ANY
    }
}

/// A body member's JSON pointer.
fn pointer(key: &str) -> String {
    format!("/{}", key.replace('~', "~0").replace('/', "~1"))
}

/// Whether a value sent back is the value shown, as the wire may write it (module docs).
fn same(sent: &Value, shown: &Value) -> bool {
    match (sent, shown) {
        (Value::String(sent), Value::String(shown)) => {
            sent == shown || same_instant(sent, shown) || same_decimal(sent, shown)
        }
        (Value::Number(sent), Value::Number(shown)) => sent == shown || sent.as_f64() == shown.as_f64(),
        (Value::Array(sent), Value::Array(shown)) => {
            sent.len() == shown.len() && sent.iter().zip(shown).all(|(a, b)| same(a, b))
        }
        (Value::Object(sent), Value::Object(shown)) => sent
            .keys()
            .chain(shown.keys())
            .all(|key| same(member(sent, key), member(shown, key))),
        (sent, shown) => sent == shown,
    }
}

fn member<'a>(object: &'a Map<String, Value>, key: &str) -> &'a Value {
    object.get(key).unwrap_or(&Value::Null)
}

fn same_instant(a: &str, b: &str) -> bool {
    matches!(
        (DateTime::parse_from_rfc3339(a), DateTime::parse_from_rfc3339(b)),
        (Ok(a), Ok(b)) if a == b
    )
}

fn same_decimal(a: &str, b: &str) -> bool {
    matches!((decimal(a), decimal(b)), (Some(a), Some(b)) if a == b)
}

/// A decimal number written plainly (`-12.50`): digits, at most one point, no exponent.
fn decimal(text: &str) -> Option<Decimal> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    let plain = !digits.is_empty()
        && !digits.starts_with('.')
        && !digits.ends_with('.')
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.matches('.').count() <= 1;
    plain.then(|| Decimal::from_str_exact(text).ok()).flatten()
}

impl<W: Editable> Payload for RoundTrip<W> {
    const CONTENT_TYPE: &'static str = "application/json";

    fn check_content_type(content_type: &str) -> bool {
        <JsonBody<W> as Payload>::check_content_type(content_type)
    }

    fn schema_ref() -> MetaSchemaRef {
        MetaSchemaRef::Reference(W::SCHEMA_NAME.to_owned())
    }

    fn register(registry: &mut Registry) {
        registry.create_schema::<Self, _>(W::SCHEMA_NAME.to_owned(), |registry| {
            Fields::of::<W>(registry).body_schema(W::SCHEMA_NAME)
        });
    }
}

impl<W: Editable> ParsePayload for RoundTrip<W> {
    const IS_REQUIRED: bool = true;

    async fn from_request(_request: &Request, body: &mut RequestBody) -> poem::Result<Self> {
        let bytes = body.take()?.into_bytes().await?;
        Ok(Self::parse(&bytes)?)
    }
}

poem_openapi::impl_apirequest_for_payload!(RoundTrip<W>, W: Editable);

#[cfg(test)]
mod tests {
    use poem_openapi::Object;
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    /// A thing's writable fields.
    #[derive(Debug, Clone, Object, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct ThingInput {
        name: String,
        price: Option<String>,
    }

    #[derive(Debug, Clone, Object)]
    struct ThingLinks {
        #[oai(rename = "self")]
        self_link: String,
    }

    #[derive(Debug, Clone, Object)]
    struct ThingRepr {
        #[oai(rename = "_links")]
        links: ThingLinks,
        #[oai(read_only)]
        uid: String,
        name: String,
        price: Option<String>,
        #[oai(read_only)]
        created_at: String,
        #[oai(read_only, skip_serializing_if_is_none)]
        note: Option<String>,
    }

    /// A representation whose `created_at` is not marked read-only.
    #[derive(Debug, Clone, Object)]
    struct CarelessRepr {
        #[oai(read_only)]
        uid: String,
        #[oai(read_only)]
        name: String,
        created_at: String,
    }

    impl Editable for ThingInput {
        type Repr = ThingRepr;
        const SCHEMA_NAME: &'static str = "ThingEdit";
    }

    #[derive(Debug, Clone, Object, Deserialize)]
    struct CarelessInput {
        name: String,
    }

    impl Editable for CarelessInput {
        type Repr = CarelessRepr;
        const SCHEMA_NAME: &'static str = "CarelessEdit";
    }

    fn shown() -> ThingRepr {
        ThingRepr {
            links: ThingLinks {
                self_link: "https://shop.example/things/1".into(),
            },
            uid: "a1".into(),
            name: "Lamp".into(),
            price: Some("4.99".into()),
            created_at: "2022-11-14T11:20:23Z".into(),
            note: None,
        }
    }

    fn parse(body: Value) -> Result<RoundTrip<ThingInput>, ApiError> {
        RoundTrip::parse(body.to_string().as_bytes())
    }

    fn paths(err: &ApiError) -> Vec<(&str, &str)> {
        let errors = err.errors.iter();
        errors.map(|e| (e.path.as_str(), e.message.as_str())).collect()
    }

    #[test]
    fn the_representation_sent_back_edited_gives_its_writable_fields() {
        let mut body = shown().to_json().unwrap();
        body["name"] = json!("Desk lamp");
        body["_templates"] = json!({"default": {"method": "PUT"}});
        let writable = parse(body).unwrap().into_writable(&shown()).unwrap();
        assert_eq!(writable.name, "Desk lamp");
        assert_eq!(writable.price.as_deref(), Some("4.99"));
    }

    #[test]
    fn read_only_fields_written_another_way_are_unchanged() {
        let body = json!({
            "name": "Lamp", "uid": "a1", "note": null,
            "created_at": "2022-11-14T12:20:23+01:00", "_embedded": {}
        });
        assert!(parse(body).unwrap().check(&shown()).is_ok());
    }

    #[test]
    fn a_changed_read_only_field_is_refused_by_its_pointer() {
        let body = json!({"name": "Lamp", "uid": "b2", "created_at": "2022-11-14T11:20:24Z"});
        let err = parse(body).unwrap().check(&shown()).unwrap_err();
        assert_eq!(err.kind.code, "validation_failed");
        assert_eq!(
            paths(&err),
            [
                (
                    "/created_at",
                    "created_at is read-only; send it as it is or leave it out"
                ),
                ("/uid", "uid is read-only; send it as it is or leave it out"),
            ]
        );
    }

    #[test]
    fn unknown_fields_and_hypermedia_that_is_not_an_object_are_refused() {
        let err = parse(json!({"name": "Lamp", "colour": "red", "_links": []})).unwrap_err();
        assert_eq!(
            paths(&err),
            [
                (
                    "/_links",
                    "_links holds hypermedia controls: a JSON object (ignored)"
                ),
                ("/colour", "unknown field `colour`"),
            ]
        );
    }

    #[test]
    fn writable_fields_are_parsed_as_any_body_is() {
        let err = parse(json!({"name": 3, "uid": "a1"})).unwrap_err();
        assert_eq!(paths(&err)[0].0, "/name");
        let err = RoundTrip::<ThingInput>::parse(b"[1]").unwrap_err();
        assert_eq!(err.kind.code, "validation_failed");
    }

    #[test]
    fn values_are_equal_as_the_wire_writes_them() {
        assert!(same(&json!("4.99"), &json!("4.990")));
        assert!(same(
            &json!({"amount": "5", "currency": "EUR"}),
            &json!({"amount": "5.00", "currency": "EUR"})
        ));
        assert!(same(&json!(1), &json!(1.0)));
        assert!(same(&json!([{"a": null}]), &json!([{}])));
        assert!(!same(&json!("4.99"), &json!("4.98")));
        assert!(!same(&json!("EUR"), &json!("eur")));
        assert!(!same(&json!("1e2"), &json!("100")));
        assert!(!same(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!same(&json!(true), &json!("true")));
    }

    #[test]
    fn the_body_schema_marks_read_only_fields_and_takes_any_hypermedia() {
        let mut registry = Registry::new();
        let schema = Fields::of::<ThingInput>(&mut registry).body_schema("ThingEdit");
        let property = |name: &str| match &schema.properties.iter().find(|(n, _)| *n == name).unwrap().1 {
            MetaSchemaRef::Inline(schema) => *schema.clone(),
            MetaSchemaRef::Reference(name) => panic!("{name} is a reference"),
        };
        assert!(property("uid").read_only && !property("uid").nullable);
        assert!(property("note").read_only && property("note").nullable);
        assert!(!property("name").read_only && !property("name").nullable);
        assert!(property("price").nullable);
        assert_eq!(property("_templates").ty, "object");
        assert!(property("_links").properties.is_empty());
        assert_eq!(schema.required, ["name"]);
    }

    #[test]
    fn a_read_only_field_not_marked_so_is_found() {
        assert!(mismarked_read_only::<ThingInput>().is_empty());
        assert_eq!(mismarked_read_only::<CarelessInput>(), ["name", "created_at"]);
    }
}
