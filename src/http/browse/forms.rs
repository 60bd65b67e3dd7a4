//! HAL-FORMS `_templates` as HTML forms: one form per template, named by its title, with a
//! labelled field per property (see `fields`) and a submit button. A property with nested
//! `properties` is a fieldset of its own fields, recursively; a `multi` one with nested
//! properties is a list of such fieldsets that grows with an "Add another" button; a `multi`
//! one without is a single field of comma-separated values. The page's script builds the
//! body from that structure and sends it; the buttons stay disabled until it runs.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::{
    fields::{attribute, caption, flag, required_class, text},
    page::Renderer,
    values::is_web_url,
};
use crate::http::html::escape;

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

/// A member of an object, started from the object's value when it has none of its own.
fn with_value<'p>(
    member: &'p Map<String, Value>,
    values: Option<&Map<String, Value>>,
) -> Cow<'p, Map<String, Value>> {
    let given = text(member, "name").and_then(|name| values?.get(name));
    match given {
        Some(value) if !member.contains_key("value") => {
            let mut started = member.clone();
            started.insert("value".into(), value.clone());
            Cow::Owned(started)
        }
        _ => Cow::Borrowed(member),
    }
}

/// One item of a list, for a button: "Products" → "product".
fn one_of(prompt: &str) -> String {
    let singular = if let Some(stem) = prompt.strip_suffix("ies") {
        format!("{stem}y")
    } else if ["sses", "xes", "ches", "shes"]
        .iter()
        .any(|end| prompt.ends_with(end))
    {
        prompt[..prompt.len() - 2].to_owned()
    } else {
        match prompt.strip_suffix('s') {
            Some(stem) if !stem.is_empty() && !stem.ends_with('s') => stem.to_owned(),
            _ => prompt.to_owned(),
        }
    };
    let mut chars = singular.chars();
    let (Some(first), second) = (chars.next(), chars.next()) else {
        return singular;
    };
    // An initialism keeps its capitals ("URLs" → "URL").
    if second.is_some_and(char::is_uppercase) {
        return singular;
    }
    first.to_lowercase().chain(singular.chars().skip(1)).collect()
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
            self.member(property, true);
        }
        self.push(&format!(
            "<p><button type=\"submit\" disabled>{}</button></p>\
             <div class=\"result\" aria-live=\"polite\"></div></form>",
            escape(title)
        ));
    }

    /// One property, `within_required` when the group holding it must be sent.
    fn member(&mut self, property: &Map<String, Value>, within_required: bool) {
        let required = within_required && flag(property, "required");
        let nested = property
            .get("properties")
            .and_then(Value::as_array)
            .filter(|nested| !nested.is_empty());
        let multi = flag(property, "multi");
        // A list that starts with items is edited as JSON rather than lose them.
        let has_items = matches!(property.get("value"), Some(Value::Array(items)) if !items.is_empty());
        let has_options = property
            .get("options")
            .is_some_and(|options| options.get("inline").is_some());
        match nested {
            Some(nested) if !multi => self.object_group(property, nested, required),
            Some(nested) if !has_items => self.list_group(property, nested, required),
            None if multi && !has_options => self.values_field(property, required),
            _ => self.field(property, required),
        }
    }

    /// An object: a fieldset, named by the prompt, of a field per member. A `value` given for
    /// the object starts the members that have none of their own.
    fn object_group(&mut self, property: &Map<String, Value>, nested: &[Value], required: bool) {
        let Some(name) = text(property, "name") else {
            return;
        };
        self.group_start("object", name, property, required, "");
        let values = property.get("value").and_then(Value::as_object);
        for member in nested.iter().filter_map(Value::as_object) {
            self.member(&with_value(member, values), required);
        }
        self.push("</fieldset>");
    }

    /// A list of objects: a fieldset holding one item (a fieldset of the members, numbered),
    /// and a button that adds another; the script numbers the items and removes them.
    fn list_group(&mut self, property: &Map<String, Value>, nested: &[Value], required: bool) {
        let Some(name) = text(property, "name") else {
            return;
        };
        let prompt = text(property, "prompt").unwrap_or(name);
        self.group_start(
            "list",
            name,
            property,
            required,
            &attribute("data-item-prompt", prompt),
        );
        self.push(&format!(
            "<fieldset class=\"item\" data-item><legend>{} 1</legend>",
            escape(prompt)
        ));
        for member in nested.iter().filter_map(Value::as_object) {
            self.member(member, required);
        }
        self.push(&format!(
            "</fieldset><p class=\"add\"><button type=\"button\" data-add disabled>Add another {}</button></p></fieldset>",
            escape(&one_of(prompt))
        ));
    }

    /// Opens the fieldset of an object or list: its member name, kind and whether it must be
    /// sent, for the script; its prompt as the legend.
    fn group_start(
        &mut self,
        kind: &str,
        name: &str,
        property: &Map<String, Value>,
        required: bool,
        extra: &str,
    ) {
        let required_flag = if required { " data-required" } else { "" };
        self.push(&format!(
            "<fieldset class=\"{kind}\"{}{}{required_flag}{extra}><legend{}>{}</legend>",
            attribute("data-field", name),
            attribute("data-kind", kind),
            required_class(required),
            caption(name, property)
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
    fn an_object_is_a_fieldset_whose_members_start_from_its_value() {
        let form = form_of(json!({
            "name": "price", "prompt": "Price", "required": true, "value": {"currency": "EUR"},
            "properties": [
                {"name": "amount", "type": "number", "required": true},
                {"name": "currency", "prompt": "Currency", "required": false}
            ]
        }));
        assert!(form.contains(
            "<fieldset class=\"object\" data-field=\"price\" data-kind=\"object\" data-required>\
             <legend class=\"required\">Price <code class=\"name\">price</code></legend>\
             <p class=\"field\"><label for=\"field-1\" class=\"required\">amount</label> \
             <input type=\"number\" id=\"field-1\" name=\"amount\" data-field=\"amount\" data-type=\"number\" required step=\"any\"></p>"
        ), "{form}");
        assert!(
            form.contains(" data-field=\"currency\" data-type=\"text\" value=\"EUR\"></p></fieldset>"),
            "{form}"
        );
    }

    #[test]
    fn inside_an_optional_object_nothing_is_required() {
        let form = form_of(json!({
            "name": "bank", "properties": [
                {"name": "iban", "required": true},
                {"name": "kind", "required": true, "options": {"inline": ["a", "b"], "maxItems": 1}}
            ]
        }));
        assert!(!form.contains("required"), "{form}");
        assert!(form.contains("<option value=\"\">—</option>"), "{form}");
    }

    #[test]
    fn a_list_of_objects_holds_one_item_and_a_button_adding_another() {
        let form = form_of(json!({
            "name": "lines", "prompt": "Lines", "multi": true,
            "properties": [{"name": "sku", "required": true}, {"name": "tags", "multi": true, "properties": [{"name": "tag"}]}]
        }));
        assert!(form.contains(
            "<fieldset class=\"list\" data-field=\"lines\" data-kind=\"list\" data-item-prompt=\"Lines\">\
             <legend>Lines <code class=\"name\">lines</code></legend><fieldset class=\"item\" data-item><legend>Lines 1</legend>"
        ), "{form}");
        assert!(form.contains("<legend>tags 1</legend>"), "{form}");
        assert!(form.contains(">Add another tag</button>"), "{form}");
        assert!(
            form.contains(">Add another line</button></p></fieldset>"),
            "{form}"
        );
    }

    #[test]
    fn a_list_that_starts_with_items_is_edited_as_json() {
        let form = form_of(json!({
            "name": "lines", "multi": true, "value": [{"sku": "a"}], "properties": [{"name": "sku"}]
        }));
        assert!(form.contains(" data-json>[\n  {\n    &quot;sku&quot;"), "{form}");
    }

    #[test]
    fn a_list_of_plain_values_is_one_field_or_a_multiple_select() {
        let codes = form_of(
            json!({"name": "codes", "multi": true, "type": "text", "value": ["A", "B"], "maxLength": 9}),
        );
        assert!(
            codes.contains(
                "<input type=\"text\" id=\"field-1\" name=\"codes\" data-field=\"codes\" data-type=\"text\" \
             data-multi aria-describedby=\"field-1-hint\" value=\"A, B\">"
            ),
            "{codes}"
        );
        let colours =
            form_of(json!({"name": "colours", "multi": true, "options": {"inline": ["red", "blue"]}}));
        assert!(colours.contains(" data-multi multiple>"), "{colours}");
    }

    #[test]
    fn an_added_item_is_named_in_the_singular() {
        assert_eq!(one_of("Products"), "product");
        assert_eq!(one_of("Addresses"), "address");
        assert_eq!(one_of("Categories"), "category");
        assert_eq!(one_of("URLs"), "URL");
        assert_eq!(one_of("Glass"), "glass");
        assert_eq!(one_of("s"), "s");
    }

    #[test]
    fn a_lone_default_template_is_shown() {
        let templates = json!({"default": {"method": "POST"}});
        assert_eq!(distinct(templates.as_object().unwrap()).len(), 1);
    }
}
