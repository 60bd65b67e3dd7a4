//! Property values as HTML: scalars as text, money as "4.99 EUR", URLs as links, objects as
//! definition lists, lists of like objects as tables.

use serde_json::{Map, Value};

use super::page::Renderer;
use crate::http::html::escape;

/// Whether `text` is an absolute http(s) URL: the only kind of text put into an `href`.
pub fn is_web_url(text: &str) -> bool {
    url::Url::parse(text).is_ok_and(|url| matches!(url.scheme(), "http" | "https"))
}

/// `{amount, currency}` written as "4.99 EUR".
pub fn money(object: &Map<String, Value>) -> Option<String> {
    if object.len() != 2 {
        return None;
    }
    let currency = object.get("currency")?.as_str()?;
    match object.get("amount")? {
        Value::String(amount) => Some(format!("{amount} {currency}")),
        Value::Number(amount) => Some(format!("{amount} {currency}")),
        _ => None,
    }
}

/// Whether a value is shown on one line (so that it fits a table cell).
fn is_inline(value: &Value) -> bool {
    match value {
        Value::Object(object) => money(object).is_some(),
        Value::Array(items) => items.is_empty(),
        _ => true,
    }
}

/// The columns of a table for a list of objects, if every item is an object of one-line
/// values (in the order the names first appear).
fn columns(items: &[Value]) -> Option<Vec<&str>> {
    let mut columns: Vec<&str> = Vec::new();
    for item in items {
        let object = item.as_object().filter(|object| money(object).is_none())?;
        for (name, value) in object {
            if !is_inline(value) {
                return None;
            }
            if !columns.contains(&name.as_str()) {
                columns.push(name);
            }
        }
    }
    (!columns.is_empty()).then_some(columns)
}

impl Renderer<'_> {
    /// The properties of a resource (everything but `_links`, `_embedded` and `_templates`).
    pub fn properties(&mut self, document: &Map<String, Value>) {
        let properties: Vec<(&String, &Value)> = document
            .iter()
            .filter(|(name, _)| !matches!(name.as_str(), "_links" | "_embedded" | "_templates"))
            .collect();
        if properties.is_empty() {
            return;
        }
        self.push("<dl class=\"properties\">");
        for (name, value) in properties {
            self.push(&format!("<dt>{}</dt><dd>", escape(name)));
            self.value(value);
            self.push("</dd>");
        }
        self.push("</dl>");
    }

    /// Any JSON value.
    pub fn value(&mut self, value: &Value) {
        match value {
            Value::Null => self.push("<span class=\"null\">null</span>"),
            Value::Bool(flag) => self.push(&format!("<span class=\"boolean\">{flag}</span>")),
            Value::Number(number) => self.push(&format!("<span class=\"number\">{number}</span>")),
            Value::String(text) if is_web_url(text) => self.url(text),
            Value::String(text) => self.push(&escape(text)),
            Value::Object(object) => match money(object) {
                Some(money) => self.push(&format!("<span class=\"money\">{}</span>", escape(&money))),
                None => self.object(object),
            },
            Value::Array(items) if items.is_empty() => self.push("<span class=\"empty\">none</span>"),
            Value::Array(items) => match columns(items) {
                Some(columns) => self.table(&columns, items),
                None => self.list(items),
            },
        }
    }

    /// A URL found in a property: a link, followed like any other when it is a resource of
    /// this API.
    fn url(&mut self, url: &str) {
        let class = if self.is_api_url(url) {
            " class=\"hal\""
        } else {
            ""
        };
        let url = escape(url);
        self.push(&format!("<a href=\"{url}\"{class}>{url}</a>"));
    }

    fn object(&mut self, object: &Map<String, Value>) {
        if object.is_empty() {
            self.push("<span class=\"empty\">{}</span>");
            return;
        }
        self.push("<dl>");
        for (name, value) in object {
            self.push(&format!("<dt>{}</dt><dd>", escape(name)));
            self.value(value);
            self.push("</dd>");
        }
        self.push("</dl>");
    }

    fn list(&mut self, items: &[Value]) {
        self.push("<ol>");
        for item in items {
            self.push("<li>");
            self.value(item);
            self.push("</li>");
        }
        self.push("</ol>");
    }

    fn table(&mut self, columns: &[&str], items: &[Value]) {
        self.push("<table><thead><tr>");
        for column in columns {
            self.push(&format!("<th scope=\"col\">{}</th>", escape(column)));
        }
        self.push("</tr></thead><tbody>");
        for item in items {
            self.push("<tr>");
            for column in columns {
                self.push("<td>");
                if let Some(value) = item.get(*column) {
                    self.value(value);
                }
                self.push("</td>");
            }
            self.push("</tr>");
        }
        self.push("</tbody></table>");
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn money_reads_as_amount_and_currency() {
        let price = json!({"amount": "4.99", "currency": "EUR"});
        assert_eq!(money(price.as_object().unwrap()).as_deref(), Some("4.99 EUR"));
        let more = json!({"amount": "4.99", "currency": "EUR", "note": "x"});
        assert_eq!(money(more.as_object().unwrap()), None);
    }

    #[test]
    fn only_http_urls_become_links() {
        assert!(is_web_url("https://shop.example.com/products"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url("/products"));
    }

    #[test]
    fn lists_of_like_objects_become_tables() {
        let taxes = json!([{"name": "GST", "amount": {"amount": "1", "currency": "CAD"}}, {"name": "QST"}]);
        assert_eq!(columns(taxes.as_array().unwrap()), Some(vec!["amount", "name"]));
        let nested = json!([{"lines": [1]}]);
        assert_eq!(columns(nested.as_array().unwrap()), None);
    }
}
