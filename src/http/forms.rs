//! HAL-FORMS templates (`_templates`): the actions a caller may take on a resource now.
//!
//! A template's properties are derived from the OpenAPI schema of the request body type the
//! action accepts — the same Rust type poem-openapi documents — so the form and the schema
//! cannot disagree. Derived property lists are cached per type.

use std::{
    any::TypeId,
    collections::{BTreeMap, HashMap},
    sync::{Arc, LazyLock, RwLock},
};

use poem_openapi::{
    Object,
    registry::{MetaSchema, MetaSchemaRef, Registry},
    types::Type,
};
use serde_json::Value;

/// Media type of a HAL-FORMS document.
pub const HAL_FORMS_JSON: &str = "application/prs.hal-forms+json";

/// Whether an `Accept` header asks for HAL-FORMS at least as much as for plain HAL: the
/// same document is then labelled `application/prs.hal-forms+json`.
pub fn prefers_hal_forms(accept: &str) -> bool {
    let quality = |wanted: &str| {
        accept.split(',').find_map(|range| {
            let mut parts = range.split(';');
            let media = parts.next()?.trim();
            if !media.eq_ignore_ascii_case(wanted) {
                return None;
            }
            let q = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some(q)
        })
    };
    match (quality(HAL_FORMS_JSON), quality(super::hal::HAL_JSON)) {
        (Some(forms), Some(hal)) => forms > 0.0 && forms >= hal,
        (Some(forms), None) => forms > 0.0,
        _ => false,
    }
}

/// One value a property may take.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct FormOption {
    /// What to show.
    pub prompt: String,
    /// What to send.
    pub value: String,
}

/// The values a property may take.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct FormOptions {
    /// The allowed values, listed in the template itself.
    pub inline: Vec<FormOption>,
    /// At most this many values may be chosen (1: a single choice).
    #[oai(rename = "maxItems", skip_serializing_if_is_none)]
    pub max_items: Option<u64>,
    /// At least this many values must be chosen.
    #[oai(rename = "minItems", skip_serializing_if_is_none)]
    pub min_items: Option<u64>,
}

/// A field of a HAL-FORMS template: one member of the JSON body to send.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct FormProperty {
    /// Name of the body member.
    pub name: String,
    /// Label to show for it.
    #[oai(skip_serializing_if_is_none)]
    pub prompt: Option<String>,
    /// Whether it must be sent.
    pub required: bool,
    /// True when the value is fixed: send `value` as it is.
    #[oai(rename = "readOnly", skip_serializing_if_is_none)]
    pub read_only: Option<bool>,
    /// Input type hint (`text`, `email`, `url`, `number`, `checkbox`, `datetime-local`, ...).
    #[oai(rename = "type", skip_serializing_if_is_none)]
    pub input_type: Option<String>,
    /// Pattern (HTML `pattern` syntax) the value must match.
    #[oai(skip_serializing_if_is_none)]
    pub regex: Option<String>,
    /// Value to start from (or to send, when read-only).
    #[oai(skip_serializing_if_is_none)]
    pub value: Option<String>,
    /// Smallest number allowed.
    #[oai(skip_serializing_if_is_none)]
    pub min: Option<f64>,
    /// Largest number allowed.
    #[oai(skip_serializing_if_is_none)]
    pub max: Option<f64>,
    /// Shortest text allowed.
    #[oai(rename = "minLength", skip_serializing_if_is_none)]
    pub min_length: Option<u64>,
    /// Longest text allowed.
    #[oai(rename = "maxLength", skip_serializing_if_is_none)]
    pub max_length: Option<u64>,
    /// True when the value is a list.
    #[oai(skip_serializing_if_is_none)]
    pub multi: Option<bool>,
    /// The members of an object value (or of each list item).
    #[oai(skip_serializing_if_is_none)]
    pub properties: Option<Vec<FormProperty>>,
    /// The values it may take.
    #[oai(skip_serializing_if_is_none)]
    pub options: Option<FormOptions>,
}

/// A HAL-FORMS template: how to take one action.
#[derive(Debug, Clone, PartialEq, Object)]
pub struct FormTemplate {
    /// What the action does, for a button.
    pub title: String,
    /// HTTP method to use.
    pub method: String,
    /// Media type of the body to send.
    #[oai(rename = "contentType")]
    pub content_type: String,
    /// Absolute URL to send it to.
    pub target: String,
    /// The body members.
    pub properties: Vec<FormProperty>,
}

/// The `_templates` of a resource, by action name. The first action is also offered as
/// `default`, the name HAL-FORMS clients look for when they take a resource's one action.
pub type Templates = BTreeMap<String, FormTemplate>;

impl FormTemplate {
    /// A template whose body is `T`, every writable member of `T` a property.
    pub fn of<T: Type + 'static>(method: &str, title: &str, target: String) -> Self {
        Self {
            title: title.into(),
            method: method.into(),
            content_type: "application/json".into(),
            target,
            properties: properties_of::<T>().to_vec(),
        }
    }

    /// A template that sends no body.
    pub fn empty(method: &str, title: &str, target: String) -> Self {
        Self {
            title: title.into(),
            method: method.into(),
            content_type: "application/json".into(),
            target,
            properties: Vec::new(),
        }
    }

    /// Keeps only the named properties, in the order of `T`.
    pub fn only(mut self, names: &[&str]) -> Self {
        self.properties.retain(|p| names.contains(&p.name.as_str()));
        self
    }

    /// Leaves the named properties out.
    pub fn without(mut self, names: &[&str]) -> Self {
        self.properties.retain(|p| !names.contains(&p.name.as_str()));
        self
    }

    /// Fixes a property to one value: shown, required, not editable.
    pub fn fixed(self, name: &str, value: &str) -> Self {
        self.edit(name, |p| {
            p.value = Some(value.into());
            p.read_only = Some(true);
            p.required = true;
            if let Some(options) = &mut p.options {
                options.inline.retain(|option| option.value == value);
            }
        })
    }

    /// Starts a property from a value.
    pub fn prefilled(self, name: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.edit(name, |p| p.value = Some(value))
    }

    /// Starts a member of an object property from a value: `price` → `amount`.
    pub fn prefilled_member(self, name: &str, member: &str, value: impl Into<String>) -> Self {
        let value = value.into();
        self.edit(name, |p| {
            let members = p.properties.iter_mut().flatten();
            if let Some(found) = members.into_iter().find(|m| m.name == member) {
                found.value = Some(value);
            }
        })
    }

    /// Restricts a property to these values (a single choice).
    pub fn choices(self, name: &str, choices: Vec<FormOption>) -> Self {
        self.edit(name, |p| {
            p.options = Some(FormOptions {
                inline: choices,
                max_items: Some(1),
                min_items: None,
            })
        })
    }

    /// Marks a property as required for this action.
    pub fn requiring(self, name: &str) -> Self {
        self.edit(name, |p| p.required = true)
    }

    fn edit(mut self, name: &str, change: impl FnOnce(&mut FormProperty)) -> Self {
        if let Some(property) = self.properties.iter_mut().find(|p| p.name == name) {
            change(property);
        }
        self
    }
}

/// The `_templates` of a resource from its allowed actions (first = `default`); `None`, so
/// that the member is left out, when the caller may do nothing.
pub fn templates(actions: Vec<(&str, FormTemplate)>) -> Option<Templates> {
    let first = actions.first()?.1.clone();
    let mut templates: Templates = actions
        .into_iter()
        .map(|(name, template)| (name.to_owned(), template))
        .collect();
    templates.entry("default".into()).or_insert(first);
    Some(templates)
}

type PropertyCache = RwLock<HashMap<TypeId, Arc<Vec<FormProperty>>>>;

static PROPERTIES: LazyLock<PropertyCache> = LazyLock::new(Default::default);

/// The writable members of `T`'s schema as HAL-FORMS properties (derived once per type).
pub fn properties_of<T: Type + 'static>() -> Arc<Vec<FormProperty>> {
    let key = TypeId::of::<T>();
    if let Some(found) = PROPERTIES.read().ok().and_then(|cache| cache.get(&key).cloned()) {
        return found;
    }
    let mut registry = Registry::new();
    T::register(&mut registry);
    let derived = Arc::new(object_properties(&registry, &T::schema_ref()));
    if let Ok(mut cache) = PROPERTIES.write() {
        cache.insert(key, derived.clone());
    }
    derived
}

/// A schema reference resolved: the schema it names and the description given where it is used.
fn resolve<'a>(registry: &'a Registry, schema: &'a MetaSchemaRef) -> (&'a MetaSchema, &'a MetaSchema) {
    match schema {
        MetaSchemaRef::Reference(name) => match registry.schemas.get(name) {
            Some(target) => (target, target),
            None => (&EMPTY, &EMPTY),
        },
        MetaSchemaRef::Inline(inline) => match inline.all_of.first() {
            Some(base) if inline.ty.is_empty() || inline.ty == "object" && inline.properties.is_empty() => {
                (resolve(registry, base).0, inline)
            }
            _ => (inline, inline),
        },
    }
}

static EMPTY: LazyLock<MetaSchema> = LazyLock::new(|| MetaSchema::new("object"));

fn object_properties(registry: &Registry, schema: &MetaSchemaRef) -> Vec<FormProperty> {
    let (object, _) = resolve(registry, schema);
    object
        .properties
        .iter()
        .filter_map(|(name, member)| {
            let required = object.required.contains(name);
            property(registry, name, member, required)
        })
        .collect()
}

fn property(registry: &Registry, name: &str, member: &MetaSchemaRef, required: bool) -> Option<FormProperty> {
    let (schema, usage) = resolve(registry, member);
    // Hypermedia members (`_links`, `_embedded`, `_templates`) and read-only ones are given
    // back as they were read, never filled in.
    if name.starts_with('_') || schema.read_only || usage.read_only {
        return None;
    }
    let mut property = FormProperty {
        name: name.into(),
        prompt: prompt(name),
        required,
        read_only: None,
        input_type: None,
        regex: usage.pattern.clone().or_else(|| schema.pattern.clone()),
        value: None,
        min: usage.minimum.or(schema.minimum),
        max: usage.maximum.or(schema.maximum),
        min_length: usage.min_length.or(schema.min_length).map(|n| n as u64),
        max_length: usage.max_length.or(schema.max_length).map(|n| n as u64),
        multi: None,
        properties: None,
        options: options(&schema.enum_items),
    };
    match schema.ty {
        "array" => {
            property.multi = Some(true);
            if let Some(items) = &schema.items {
                let nested = object_properties(registry, items);
                if nested.is_empty() {
                    let (item, _) = resolve(registry, items);
                    property.input_type = input_type(item);
                    property.options = options(&item.enum_items);
                } else {
                    property.properties = Some(nested);
                }
            }
        }
        "object" => property.properties = Some(object_properties(registry, member)),
        _ => property.input_type = input_type(schema),
    }
    Some(property)
}

/// The HTML input type that suits a schema.
fn input_type(schema: &MetaSchema) -> Option<String> {
    let kind = match (schema.ty, schema.format) {
        ("string", Some("email")) => "email",
        ("string", Some("uri" | "url")) => "url",
        ("string", Some("date-time")) => "datetime-local",
        ("string", Some("date")) => "date",
        ("string", _) => "text",
        ("integer" | "number", _) => "number",
        ("boolean", _) => "checkbox",
        _ => return None,
    };
    Some(kind.into())
}

fn options(items: &[Value]) -> Option<FormOptions> {
    let inline: Vec<FormOption> = items
        .iter()
        .filter_map(|item| item.as_str())
        .map(|value| FormOption {
            prompt: value.replace('_', " "),
            value: value.into(),
        })
        .collect();
    (!inline.is_empty()).then_some(FormOptions {
        inline,
        max_items: Some(1),
        min_items: None,
    })
}

/// A member's name in words, as a label: `first_name` → "First name".
/// A label for a body member: its words, the first capitalised, and the abbreviations a
/// shop writes in capitals (`sku` → "SKU", `webhook_url` → "Webhook URL").
fn prompt(name: &str) -> Option<String> {
    const CAPITALS: [&str; 7] = ["sku", "isbn", "url", "uid", "san", "iban", "bic"];
    let words: Vec<String> = name
        .split('_')
        .map(|word| match CAPITALS.contains(&word) {
            true => word.to_uppercase(),
            false => word.to_owned(),
        })
        .collect();
    let words = words.join(" ");
    let mut chars = words.chars();
    let first = chars.next()?;
    Some(first.to_uppercase().chain(chars).collect())
}

#[cfg(test)]
mod tests {
    use poem_openapi::{Enum, Object};

    use super::*;

    #[derive(Debug, Clone, Copy, Enum)]
    #[oai(rename_all = "snake_case")]
    enum Colour {
        DeepRed,
        Blue,
    }

    #[derive(Debug, Clone, Object)]
    struct Inner {
        count: Option<i64>,
    }

    #[derive(Debug, Clone, Object)]
    struct Sample {
        /// Shown to the buyer.
        #[oai(validator(pattern = "^[a-z]+$", max_length = 20))]
        code: String,
        #[oai(read_only)]
        uid: Option<String>,
        colour: Option<Colour>,
        flag: bool,
        inner: Inner,
        tags: Vec<String>,
        #[oai(rename = "_links")]
        links: Option<String>,
    }

    #[test]
    fn properties_follow_the_schema_of_the_body_type() {
        let properties = properties_of::<Sample>();
        let names: Vec<&str> = properties.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["code", "colour", "flag", "inner", "tags"]);
        let code = &properties[0];
        assert!(code.required);
        assert_eq!(code.regex.as_deref(), Some("^[a-z]+$"));
        assert_eq!(code.max_length, Some(20));
        assert_eq!(code.input_type.as_deref(), Some("text"));
        assert_eq!(code.prompt.as_deref(), Some("Code"));
        let colour = properties[1].options.as_ref().unwrap();
        assert_eq!(colour.inline[0].value, "deep_red");
        assert_eq!(colour.inline[0].prompt, "deep red");
        assert!(!properties[1].required);
        assert_eq!(properties[2].input_type.as_deref(), Some("checkbox"));
        let inner = properties[3].properties.as_ref().unwrap();
        assert_eq!(inner[0].name, "count");
        assert_eq!(inner[0].input_type.as_deref(), Some("number"));
        assert_eq!(properties[4].multi, Some(true));
    }

    #[test]
    fn a_fixed_property_is_read_only_with_its_one_option() {
        let template = FormTemplate::of::<Sample>("PUT", "Save", "http://h/s".into()).fixed("colour", "blue");
        let colour = template.properties.iter().find(|p| p.name == "colour").unwrap();
        assert_eq!(colour.read_only, Some(true));
        assert_eq!(colour.value.as_deref(), Some("blue"));
        assert_eq!(colour.options.as_ref().unwrap().inline.len(), 1);
    }

    #[test]
    fn the_first_action_is_also_the_default_template() {
        let one = FormTemplate::empty("POST", "Go", "http://h/go".into());
        let two = FormTemplate::empty("POST", "Stop", "http://h/stop".into());
        let offered = templates(vec![("go", one.clone()), ("stop", two)]).unwrap();
        assert_eq!(offered["default"], one);
        assert_eq!(offered.len(), 3);
        assert_eq!(templates(Vec::new()), None);
    }

    #[test]
    fn hal_forms_is_served_only_when_preferred() {
        assert!(prefers_hal_forms("application/prs.hal-forms+json"));
        assert!(prefers_hal_forms(
            "application/hal+json;q=0.5, application/prs.hal-forms+json"
        ));
        assert!(!prefers_hal_forms(
            "application/hal+json, application/prs.hal-forms+json;q=0.5"
        ));
        assert!(!prefers_hal_forms("application/prs.hal-forms+json;q=0"));
        assert!(!prefers_hal_forms("*/*"));
    }
}
