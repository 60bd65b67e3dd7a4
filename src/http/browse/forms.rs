//! HAL-FORMS `_templates` as HTML forms: one form per template, a labelled field per property
//! (its `type`, `required`, `readOnly`, `regex`, `min`/`max`, `minLength`/`maxLength`, `step`,
//! `placeholder`, default `value`, and `options.inline` as a select), and a submit button
//! named by the template's title. The page's script builds the body and sends it; the buttons
//! stay disabled until it runs.

use serde_json::{Map, Value};

use super::{page::Renderer, values::is_web_url};
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

fn text<'v>(object: &'v Map<String, Value>, name: &str) -> Option<&'v str> {
    object
        .get(name)
        .and_then(Value::as_str)
        .filter(|text| !text.is_empty())
}

fn flag(object: &Map<String, Value>, name: &str) -> bool {
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
fn attribute(name: &str, value: &str) -> String {
    format!(" {name}=\"{}\"", escape(value))
}

/// The templates to show: a `default` that repeats another template (same title, method and
/// target) is shown once, under the other's key.
fn distinct(templates: &Map<String, Value>) -> Vec<(&str, &Map<String, Value>)> {
    let same = |a: &Map<String, Value>, b: &Map<String, Value>| {
        let method = |t: &Map<String, Value>| text(t, "method").map(str::to_ascii_uppercase);
        a.get("title") == b.get("title") && method(a) == method(b) && a.get("target") == b.get("target")
    };
    let all: Vec<(&str, &Map<String, Value>)> = templates
        .iter()
        .filter_map(|(key, template)| Some((key.as_str(), template.as_object()?)))
        .collect();
    all.iter()
        .filter(|(key, template)| {
            *key != "default"
                || !all
                    .iter()
                    .any(|(other, candidate)| *other != "default" && same(template, candidate))
        })
        .copied()
        .collect()
}

/// Where a template is sent: its `target` (read relative to the resource), else the resource.
fn target_of(template: &Map<String, Value>, self_href: Option<&str>) -> Option<String> {
    let resource = self_href.and_then(|href| url::Url::parse(href).ok());
    let target = match (text(template, "target"), resource) {
        (Some(target), Some(resource)) => resource.join(target).ok()?.to_string(),
        (Some(target), None) => target.to_owned(),
        (None, Some(resource)) => resource.to_string(),
        (None, None) => return None,
    };
    is_web_url(&target).then_some(target)
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

impl Renderer<'_> {
    /// The `_templates` of a resource whose `self` is `self_href` (a template's default target).
    pub fn templates(&mut self, templates: &Map<String, Value>, self_href: Option<&str>, level: usize) {
        let forms = distinct(templates);
        if forms.is_empty() {
            return;
        }
        let tag = Self::heading_tag(level);
        self.push(&format!("<section class=\"templates\"><h{tag}>Actions</h{tag}>"));
        for (key, template) in forms {
            self.template(key, template, self_href);
        }
        self.push("</section>");
    }

    fn template(&mut self, key: &str, template: &Map<String, Value>, self_href: Option<&str>) {
        let title = text(template, "title").unwrap_or(key);
        let method = text(template, "method").unwrap_or("GET").to_ascii_uppercase();
        let target = target_of(template, self_href).unwrap_or_default();
        let content_type = text(template, "contentType").unwrap_or("application/json");
        self.push(&format!(
            "<form class=\"hal-form\"{}{}{}{}><p class=\"request\"><code>{}</code> <code>{}</code></p>",
            attribute("data-method", &method),
            attribute("data-target", &target),
            attribute("data-content-type", content_type),
            attribute("aria-label", title),
            escape(&method),
            escape(&target),
        ));
        let properties = template.get("properties").and_then(Value::as_array);
        for property in properties.into_iter().flatten().filter_map(Value::as_object) {
            self.field(property);
        }
        self.push(&format!(
            "<p><button type=\"submit\" disabled>{}</button></p>\
             <div class=\"result\" aria-live=\"polite\"></div></form>",
            escape(title)
        ));
    }

    fn field(&mut self, property: &Map<String, Value>) {
        let Some(name) = text(property, "name") else {
            return;
        };
        let declared = text(property, "type").unwrap_or("text");
        let id = self.id();
        let (value, json) = initial_value(property);
        let mut common = attribute("id", &id) + &attribute("name", name) + &attribute("data-field", name);
        common += &attribute("data-type", declared);
        // A checkbox is always sent (true or false): `required` would force it checked.
        let required = if flag(property, "required") {
            " required"
        } else {
            ""
        };
        if declared == "hidden" {
            let value = value.map(|v| attribute("value", &v)).unwrap_or_default();
            self.push(&format!("<input type=\"hidden\"{common}{value}>"));
            return;
        }
        self.label(&id, name, property);
        let inline = property
            .get("options")
            .and_then(|options| options.get("inline"))
            .and_then(Value::as_array);
        let with_required = common.clone() + required;
        match (declared, inline) {
            (_, Some(items)) => self.select(&with_required, property, items),
            ("checkbox", _) => self.checkbox(&common, property),
            ("textarea", _) => self.textarea(&with_required, property, value, false),
            (_, _) if json => self.textarea(&with_required, property, value, true),
            (_, _) => self.input(&with_required, declared, property, value),
        }
        self.push("</p>");
    }

    fn label(&mut self, id: &str, name: &str, property: &Map<String, Value>) {
        let prompt = text(property, "prompt").unwrap_or(name);
        let class = if flag(property, "required") {
            " class=\"required\""
        } else {
            ""
        };
        let name_hint = if prompt == name {
            String::new()
        } else {
            format!(" <code class=\"name\">{}</code>", escape(name))
        };
        self.push(&format!(
            "<p class=\"field\"><label for=\"{id}\"{class}>{}{name_hint}</label> ",
            escape(prompt)
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
    fn select(&mut self, common: &str, property: &Map<String, Value>, items: &[Value]) {
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
        let multiple = max_items.is_some_and(|max| max > 1);
        let mut attributes = common.to_owned();
        if multiple {
            attributes += " multiple";
        }
        if flag(property, "readOnly") {
            attributes += " disabled data-readonly";
        }
        self.push(&format!("<select{attributes}>"));
        if !multiple && !flag(property, "required") {
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
        let shown = |value: &Value| match value {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_default_template_that_repeats_another_is_shown_once() {
        let same = json!({"title": "Cancel", "method": "post", "target": "http://h/x"});
        let templates = json!({"default": same, "cancel": same, "other": {"method": "PUT"}});
        let keys: Vec<&str> = distinct(templates.as_object().unwrap())
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["cancel", "other"]);
    }

    fn form_of(property: Value) -> String {
        let hal = crate::http::hal::Hal::new(url::Url::parse("http://h/").unwrap());
        let document = json!({
            "_links": {"self": {"href": "http://h/things/1"}},
            "_templates": {"default": {"title": "Change", "method": "put", "properties": [property]}}
        });
        let page = super::super::page::resource_page(&document, &hal, None);
        let start = page.find("<form class=\"hal-form\"").unwrap();
        let end = start + page[start..].find("</form>").unwrap();
        page[start..end].to_owned()
    }

    #[test]
    fn a_template_targets_its_resource_unless_it_names_a_target() {
        let form = form_of(json!({"name": "note"}));
        assert!(
            form.contains(" data-method=\"PUT\" data-target=\"http://h/things/1\""),
            "{form}"
        );
        assert!(
            form.contains("<button type=\"submit\" disabled>Change</button>"),
            "{form}"
        );
    }

    #[test]
    fn a_relative_target_is_read_against_the_resource() {
        let template = json!({"target": "/things/1/notes"});
        let target = target_of(template.as_object().unwrap(), Some("http://h/things/1"));
        assert_eq!(target.as_deref(), Some("http://h/things/1/notes"));
        let elsewhere = json!({"target": "javascript:alert(1)"});
        assert_eq!(target_of(elsewhere.as_object().unwrap(), Some("http://h/")), None);
    }

    #[test]
    fn a_property_becomes_a_labelled_input_with_its_constraints() {
        let form = form_of(json!({
            "name": "quantity", "prompt": "How many", "type": "number", "required": true,
            "min": 1, "max": 4, "value": 2, "readOnly": true
        }));
        assert!(form.contains("<label for=\"field-1\" class=\"required\">How many <code class=\"name\">quantity</code></label>"), "{form}");
        assert!(form.contains(
            "<input type=\"number\" id=\"field-1\" name=\"quantity\" data-field=\"quantity\" data-type=\"number\" required \
             min=\"1\" max=\"4\" step=\"any\" readonly value=\"2\">"
        ), "{form}");
    }

    #[test]
    fn a_regex_becomes_a_pattern_and_unknown_types_text() {
        let form = form_of(json!({"name": "isbn", "type": "isbn", "regex": "^[0-9]{13}$", "maxLength": 13}));
        assert!(
            form.contains("<input type=\"text\" id=\"field-1\" name=\"isbn\""),
            "{form}"
        );
        assert!(
            form.contains(" pattern=\"^[0-9]{13}$\" maxlength=\"13\">"),
            "{form}"
        );
    }

    #[test]
    fn inline_options_become_a_select_of_prompts_and_values() {
        let form = form_of(json!({
            "name": "format", "value": "pdf",
            "options": {"inline": ["epub", {"prompt": "Portable document", "value": "pdf"}, {"prompt": "Three", "value": 3}]}
        }));
        assert!(
            form.contains("<option value=\"\">—</option><option value=\"epub\">epub</option>"),
            "{form}"
        );
        assert!(
            form.contains("<option value=\"pdf\" selected>Portable document</option>"),
            "{form}"
        );
        assert!(
            form.contains("<option value=\"3\" data-json-value=\"3\">Three</option>"),
            "{form}"
        );
    }

    #[test]
    fn a_checkbox_is_never_required_and_json_values_go_in_a_text_area() {
        let checkbox = form_of(json!({"name": "keep", "type": "checkbox", "required": true, "value": true}));
        assert!(checkbox.contains("data-type=\"checkbox\" checked>"), "{checkbox}");
        let structured = form_of(json!({"name": "consumer", "value": {"email": "<a@b>"}}));
        assert!(
            structured.contains(" data-json>{\n  &quot;email&quot;: &quot;&lt;a@b&gt;&quot;\n}</textarea>"),
            "{structured}"
        );
    }

    #[test]
    fn a_lone_default_template_is_shown() {
        let templates = json!({"default": {"method": "POST"}});
        assert_eq!(distinct(templates.as_object().unwrap()).len(), 1);
    }
}
