//! The field of one plain HAL-FORMS property: a label (its prompt, with the member's name
//! beside it when they differ) and an input, text area, checkbox or select carrying the
//! property's `type`, `readOnly`, `regex`, `min`/`max`, `minLength`/`maxLength`, `step`,
//! `placeholder`, default `value`, and `options.inline` as a select. Each field names its
//! member in `data-field` and its declared type in `data-type`: the page's script reads them
//! to build the body.

use serde_json::{Map, Value};

use super::page::Renderer;
use crate::http::html::escape;

/// The input types a property may ask for; any other is a text field.
const INPUT_TYPES: [&str; 15] = [
    "text",
    "hidden",
    "search",
    "tel",
    "url",
    "email",
    "password",
    "date",
    "time",
    "datetime-local",
    "month",
    "week",
    "number",
    "range",
    "color",
];

pub(super) fn text<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v str> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

pub(super) fn flag(object: &Map<String, Value>, name: &str) -> bool {
    object.get(name).and_then(Value::as_bool) == Some(true)
}

/// A number or string attribute value (`min`, `max`, `step`…).
fn scalar(object: &Map<String, Value>, name: &str) -> Option<String> {
    match object.get(name)? {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        _ => None,
    }
}

/// ` name="value"`, escaped.
pub(super) fn attribute(name: &str, value: &str) -> String {
    format!(" {name}=\"{}\"", escape(value))
}

/// The value a field starts with, and whether it is JSON (an object or a list).
fn initial_value(property: &Map<String, Value>) -> (Option<String>, bool) {
    match property.get("value") {
        None | Some(Value::Null) => (None, false),
        Some(Value::String(text)) => (Some(text.clone()), false),
        Some(structured @ (Value::Object(_) | Value::Array(_))) => {
            (serde_json::to_string_pretty(structured).ok(), true)
        }
        Some(other) => (Some(other.to_string()), false),
    }
}

/// A value as text: a string as it is, anything else as JSON.
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// What a property is called on the page: its prompt, and its member name beside it when the
/// two differ.
pub(super) fn caption(name: &str, property: &Map<String, Value>) -> String {
    let prompt = text(property, "prompt").unwrap_or(name);
    if prompt == name {
        escape(prompt)
    } else {
        format!("{} <code class=\"name\">{}</code>", escape(prompt), escape(name))
    }
}

/// ` class="required"` for what must be filled in.
pub(super) fn required_class(required: bool) -> &'static str {
    if required { " class=\"required\"" } else { "" }
}

impl Renderer<'_> {
    /// A plain property. `required` says whether it must be filled in here: its own
    /// `required`, inside groups that must be sent themselves.
    pub(super) fn field(&mut self, property: &Map<String, Value>, required: bool) {
        let Some(name) = text(property, "name") else {
            return;
        };
        let declared = text(property, "type").unwrap_or("text");
        let id = self.id();
        let (value, json) = initial_value(property);
        let mut common = attribute("id", &id) + &attribute("name", name) + &attribute("data-field", name);
        common += &attribute("data-type", declared);
        if flag(property, "multi") {
            common += " data-multi";
        }
        if declared == "hidden" {
            let value = value.map(|v| attribute("value", &v)).unwrap_or_default();
            self.push(&format!("<input type=\"hidden\"{common}{value}>"));
            return;
        }
        self.label(&id, name, property, required);
        let inline = property
            .get("options")
            .and_then(|options| options.get("inline"))
            .and_then(Value::as_array);
        // A checkbox is always sent (true or false): `required` would force it checked.
        let with_required = common.clone() + if required { " required" } else { "" };
        match (declared, inline) {
            (_, Some(items)) => self.select(&with_required, property, items, required),
            ("checkbox", _) => self.checkbox(&common, property),
            ("textarea", _) => self.textarea(&with_required, property, value, false),
            (_, _) if json => self.textarea(&with_required, property, value, true),
            (_, _) => self.input(&with_required, declared, property, value),
        }
        self.push("</p>");
    }

    /// A list of plain values (`multi` with no nested properties) typed into one field,
    /// separated by commas; the script sends them as a list. The constraints of a single value
    /// cannot apply to the whole text, so they are left to the server.
    pub(super) fn values_field(&mut self, property: &Map<String, Value>, required: bool) {
        let Some(name) = text(property, "name") else {
            return;
        };
        let id = self.id();
        self.label(&id, name, property, required);
        let mut attributes = attribute("type", "text") + &attribute("id", &id) + &attribute("name", name);
        attributes += &attribute("data-field", name);
        attributes += &attribute("data-type", text(property, "type").unwrap_or("text"));
        attributes += &format!(" data-multi aria-describedby=\"{id}-hint\"");
        if required {
            attributes += " required";
        }
        if flag(property, "readOnly") {
            attributes += " readonly";
        }
        let value = match property.get("value") {
            Some(Value::Array(items)) => Some(items.iter().map(shown).collect::<Vec<_>>().join(", ")),
            Some(Value::Null) | None => None,
            Some(other) => Some(shown(other)),
        };
        if let Some(value) = value {
            attributes += &attribute("value", &value);
        }
        self.push(&format!(
            "<input{attributes}> <small id=\"{id}-hint\" class=\"hint\">Several values: separate them with commas.</small></p>"
        ));
    }

    fn label(&mut self, id: &str, name: &str, property: &Map<String, Value>, required: bool) {
        self.push(&format!(
            "<p class=\"field\"><label for=\"{id}\"{}>{}</label> ",
            required_class(required),
            caption(name, property)
        ));
    }

    fn input(&mut self, common: &str, declared: &str, property: &Map<String, Value>, value: Option<String>) {
        let kind = if INPUT_TYPES.contains(&declared) {
            declared
        } else {
            "text"
        };
        let mut attributes = attribute("type", kind) + common;
        for (wire, html) in [
            ("regex", "pattern"),
            ("min", "min"),
            ("max", "max"),
            ("minLength", "minlength"),
            ("maxLength", "maxlength"),
            ("step", "step"),
            ("placeholder", "placeholder"),
        ] {
            if let Some(found) = scalar(property, wire) {
                attributes += &attribute(html, &found);
            }
        }
        if matches!(kind, "number" | "range") && !property.contains_key("step") {
            attributes += " step=\"any\"";
        }
        if flag(property, "readOnly") {
            attributes += " readonly";
        }
        if let Some(value) = value {
            attributes += &attribute("value", &value);
        }
        self.push(&format!("<input{attributes}>"));
    }

    fn textarea(&mut self, common: &str, property: &Map<String, Value>, value: Option<String>, json: bool) {
        let mut attributes = common.to_owned();
        for (wire, html) in [
            ("rows", "rows"),
            ("cols", "cols"),
            ("minLength", "minlength"),
            ("maxLength", "maxlength"),
            ("placeholder", "placeholder"),
        ] {
            if let Some(found) = scalar(property, wire) {
                attributes += &attribute(html, &found);
            }
        }
        if json {
            attributes += " data-json";
        }
        if flag(property, "readOnly") {
            attributes += " readonly";
        }
        let value = escape(&value.unwrap_or_default());
        self.push(&format!("<textarea{attributes}>{value}</textarea>"));
    }

    /// A checkbox; a read-only one cannot be changed, but is sent all the same.
    fn checkbox(&mut self, common: &str, property: &Map<String, Value>) {
        let checked = match property.get("value") {
            Some(Value::Bool(value)) => *value,
            Some(Value::String(value)) => value == "true",
            _ => false,
        };
        let checked = if checked { " checked" } else { "" };
        let read_only = if flag(property, "readOnly") {
            " disabled data-readonly"
        } else {
            ""
        };
        self.push(&format!("<input type=\"checkbox\"{common}{checked}{read_only}>"));
    }

    /// A select of `options.inline`: strings, or objects with a prompt and a value (named by
    /// `promptField` and `valueField`). More than one may be chosen when `maxItems` allows it.
    fn select(&mut self, common: &str, property: &Map<String, Value>, items: &[Value], required: bool) {
        let options = property.get("options").and_then(Value::as_object);
        let field = |name: &str, default: &'static str| {
            options
                .and_then(|options| text(options, name))
                .unwrap_or(default)
                .to_owned()
        };
        let (prompt_field, value_field) = (field("promptField", "prompt"), field("valueField", "value"));
        let selected: Vec<&Value> = match options.and_then(|options| options.get("selectedValues")) {
            Some(Value::Array(values)) => values.iter().collect(),
            _ => property.get("value").into_iter().collect(),
        };
        let max_items = options
            .and_then(|options| options.get("maxItems"))
            .and_then(Value::as_u64);
        let multiple = max_items.map_or(flag(property, "multi"), |max| max > 1);
        let mut attributes = common.to_owned();
        if multiple {
            attributes += " multiple";
        }
        if flag(property, "readOnly") {
            attributes += " disabled data-readonly";
        }
        self.push(&format!("<select{attributes}>"));
        if !multiple && !required {
            self.push("<option value=\"\">—</option>");
        }
        for item in items {
            let (prompt, value) = match item {
                Value::Object(object) => (object.get(&prompt_field), object.get(&value_field)),
                other => (Some(other), Some(other)),
            };
            let Some(value) = value.or(prompt) else {
                continue;
            };
            self.option(prompt.unwrap_or(value), value, &selected);
        }
        self.push("</select>");
    }

    fn option(&mut self, prompt: &Value, value: &Value, selected: &[&Value]) {
        let is_selected = selected
            .iter()
            .any(|chosen| *chosen == value || shown(chosen) == shown(value));
        let json = if value.is_string() {
            String::new()
        } else {
            attribute("data-json-value", &value.to_string())
        };
        self.push(&format!(
            "<option{}{json}{}>{}</option>",
            attribute("value", &shown(value)),
            if is_selected { " selected" } else { "" },
            escape(&shown(prompt))
        ));
    }
}
