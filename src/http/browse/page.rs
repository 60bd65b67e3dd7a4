//! The HTML page of a HAL resource or of a problem: the page shell, the resource's heading,
//! properties, links and embedded resources (rendered recursively). Every text taken from the
//! document is escaped; only http(s) URLs become `href`s.

use poem::http::StatusCode;
use serde_json::{Map, Value};

use super::{assets, values::is_web_url};
use crate::http::{hal::Hal, html::escape};

/// Builds one page; ids of form fields are unique within it.
pub struct Renderer<'a> {
    out: String,
    ids: usize,
    hal: &'a Hal,
    /// `(name, href template)` of the curies met so far.
    curies: Vec<(String, String)>,
}

/// The properties that name a resource, in order of preference, for its heading.
const NAMING: [&str; 6] = ["title", "name", "reference", "sku", "code", "uid"];

/// What a resource is called: its title, name or reference, else the path of its `self`.
pub fn heading(document: &Map<String, Value>) -> String {
    NAMING
        .iter()
        .find_map(|name| {
            document
                .get(*name)?
                .as_str()
                .filter(|text| !text.trim().is_empty())
        })
        .map(str::to_owned)
        .or_else(|| {
            let href = self_href(document)?;
            let url = url::Url::parse(href).ok()?;
            Some(match url.query() {
                Some(query) => format!("{}?{query}", url.path()),
                None => url.path().to_owned(),
            })
        })
        .unwrap_or_else(|| "Resource".to_owned())
}

/// `_links.self.href`.
pub fn self_href(document: &Map<String, Value>) -> Option<&str> {
    document.get("_links")?.get("self")?.get("href")?.as_str()
}

/// The page of a HAL resource. `etag` is the JSON representation's, for `If-Match`.
pub fn resource_page(document: &Value, hal: &Hal, etag: Option<&str>) -> String {
    let empty = Map::new();
    let document = document.as_object().unwrap_or(&empty);
    let title = heading(document);
    let mut renderer = Renderer::new(hal);
    let self_href = self_href(document).filter(|href| is_web_url(href));
    renderer.push(&format!("<h1>{}</h1>", escape(&title)));
    if let Some(href) = self_href {
        let href = escape(href);
        renderer.push(&format!(
            "<p class=\"self\"><a href=\"{href}\" class=\"hal\">{href}</a></p>"
        ));
    }
    renderer.resource(document, 1);
    renderer.source(&Value::Object(document.clone()));
    let mut attributes = String::new();
    if let Some(href) = self_href {
        attributes.push_str(&format!(" data-self=\"{}\"", escape(href)));
    }
    if let Some(etag) = etag {
        attributes.push_str(&format!(" data-etag=\"{}\"", escape(etag)));
    }
    shell(hal, &title, &attributes, &renderer.out)
}

/// The page of a problem+json body, for the same status.
pub fn problem_page(problem: &Value, status: StatusCode, hal: &Hal) -> String {
    let text = |name: &str| problem.get(name).and_then(Value::as_str).unwrap_or_default();
    let title = format!("{} {}", status.as_u16(), text("title"));
    let mut renderer = Renderer::new(hal);
    renderer.push(&format!(
        "<h1>{}</h1><p class=\"detail\">{}</p>",
        escape(&title),
        escape(text("detail"))
    ));
    if let Some(errors) = problem.get("errors").and_then(Value::as_array) {
        renderer.push("<h2>What is wrong</h2><ul class=\"errors\">");
        for error in errors {
            let field = |name: &str| error.get(name).and_then(Value::as_str).unwrap_or_default();
            renderer.push(&format!(
                "<li><code>{}</code>: {}</li>",
                escape(field("path")),
                escape(field("message"))
            ));
        }
        renderer.push("</ul>");
    }
    if matches!(status.as_u16(), 401 | 403 | 404) {
        renderer.push(
            "<p class=\"hint\">Some resources answer only to their owner: an order to its order token \
             or its customer's bearer token, merchant resources to the merchant's key and secret. \
             Enter them under “Credentials” and this page is loaded again with them.</p>",
        );
    }
    renderer.push("<dl class=\"properties\">");
    renderer.push(&format!("<dt>code</dt><dd>{}</dd>", escape(text("code"))));
    if is_web_url(text("type")) {
        let about = escape(text("type"));
        renderer.push(&format!(
            "<dt>type</dt><dd><a href=\"{about}\" type=\"text/html\">{about}</a></dd>"
        ));
    }
    for name in ["instance", "logref"] {
        if !text(name).is_empty() {
            renderer.push(&format!("<dt>{name}</dt><dd>"));
            renderer.value(&Value::String(text(name).to_owned()));
            renderer.push("</dd>");
        }
    }
    renderer.push("</dl>");
    renderer.source(problem);
    let attributes = format!(" class=\"problem\" data-status=\"{}\"", status.as_u16());
    shell(hal, &title, &attributes, &renderer.out)
}

/// The document around the `<main>` of a page: the site header with the credentials form.
fn shell(hal: &Hal, title: &str, main_attributes: &str, main: &str) -> String {
    let version = &*assets::VERSION;
    let asset = |path: &str| escape(&format!("{}?v={version}", hal.href(path)));
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width\"><title>{title} — halshop</title>\
         <link rel=\"stylesheet\" href=\"{style}\"><script src=\"{script}\" defer></script></head>\
         <body><header class=\"site\"><nav aria-label=\"halshop\"><a href=\"{root}\" class=\"hal\">API root</a> \
         <a href=\"{docs}\">API reference</a></nav>{credentials}</header>\
         <main id=\"resource\"{main_attributes}>{main}</main></body></html>\n",
        title = escape(title),
        style = asset(assets::STYLE.path),
        script = asset(assets::SCRIPT.path),
        root = escape(&hal.href("/")),
        docs = escape(&hal.href("/docs")),
        credentials = CREDENTIALS,
    )
}

/// The credentials form: the script shows it and keeps what is typed for the tab. Its fields
/// have no `name`, so that nothing typed there could ever be sent as part of a URL.
const CREDENTIALS: &str = "<details id=\"credentials\" hidden><summary>Credentials</summary>\
<form id=\"credentials-form\"><p>Kept in this tab only, and sent with every request this page makes. \
Merchant credentials are sent rather than a bearer token when both are given.</p>\
<p><label for=\"credential-order-token\">Order token</label> \
<input id=\"credential-order-token\" data-credential=\"order_token\" autocomplete=\"off\" spellcheck=\"false\"></p>\
<p><label for=\"credential-bearer\">Bearer token</label> \
<input id=\"credential-bearer\" data-credential=\"bearer\" autocomplete=\"off\" spellcheck=\"false\"></p>\
<p><label for=\"credential-merchant-key\">Merchant key</label> \
<input id=\"credential-merchant-key\" data-credential=\"merchant_key\" autocomplete=\"off\" spellcheck=\"false\"></p>\
<p><label for=\"credential-merchant-secret\">Merchant secret</label> \
<input id=\"credential-merchant-secret\" type=\"password\" data-credential=\"merchant_secret\" autocomplete=\"off\"></p>\
<p><button type=\"submit\">Use these credentials</button> <button type=\"button\" id=\"credentials-forget\">Forget credentials</button></p>\
<p id=\"credentials-status\" role=\"status\"></p></form></details>";

impl<'a> Renderer<'a> {
    fn new(hal: &'a Hal) -> Self {
        Self {
            out: String::new(),
            ids: 0,
            hal,
            curies: Vec::new(),
        }
    }

    pub fn push(&mut self, html: &str) {
        self.out.push_str(html);
    }

    /// A fresh id for a form field.
    pub fn id(&mut self) -> String {
        self.ids += 1;
        format!("field-{}", self.ids)
    }

    /// Whether a URL is one of this API's, to be followed with the kept credentials.
    pub fn is_api_url(&self, url: &str) -> bool {
        let base = self.hal.base().as_str().trim_end_matches('/');
        url.strip_prefix(base)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['/', '?', '#']))
    }

    /// A heading of `level` (1 to 6).
    pub fn heading_tag(level: usize) -> usize {
        level.clamp(1, 6)
    }

    /// The body of a resource whose own heading is at `level`: properties, forms, links,
    /// embedded resources.
    pub fn resource(&mut self, document: &Map<String, Value>, level: usize) {
        let links = document.get("_links").and_then(Value::as_object);
        if let Some(curies) = links
            .and_then(|links| links.get("curies"))
            .and_then(Value::as_array)
        {
            self.learn_curies(curies);
        }
        self.properties(document);
        if let Some(templates) = document.get("_templates").and_then(Value::as_object) {
            self.templates(templates, self_href(document), level + 1);
        }
        if let Some(links) = links {
            self.links(links, level + 1);
        }
        if let Some(embedded) = document.get("_embedded").and_then(Value::as_object) {
            self.embedded(embedded, level + 1);
        }
    }

    fn learn_curies(&mut self, curies: &[Value]) {
        for curie in curies {
            let (Some(name), Some(href)) = (
                curie.get("name").and_then(Value::as_str),
                curie.get("href").and_then(Value::as_str),
            ) else {
                continue;
            };
            if !self.curies.iter().any(|(known, _)| known == name) {
                self.curies.push((name.to_owned(), href.to_owned()));
            }
        }
    }

    /// The page documenting a `prefix:rel` relation, through its curie.
    pub fn rel_documentation(&self, rel: &str) -> Option<String> {
        let (prefix, name) = rel.split_once(':')?;
        let (_, template) = self.curies.iter().find(|(known, _)| known == prefix)?;
        let href = template.replace("{rel}", name);
        is_web_url(&href).then_some(href)
    }

    fn embedded(&mut self, embedded: &Map<String, Value>, level: usize) {
        let tag = Self::heading_tag(level);
        for (rel, items) in embedded {
            let items = match items {
                Value::Array(items) => items.iter().collect::<Vec<_>>(),
                other => vec![other],
            };
            self.push(&format!(
                "<section class=\"embedded\"><h{tag}>{} <span class=\"count\">({})</span></h{tag}>",
                escape(rel),
                items.len()
            ));
            for item in items {
                self.embedded_item(item, level + 1);
            }
            self.push("</section>");
        }
    }

    fn embedded_item(&mut self, item: &Value, level: usize) {
        let Some(document) = item.as_object() else {
            self.push("<div class=\"resource\">");
            self.value(item);
            self.push("</div>");
            return;
        };
        let tag = Self::heading_tag(level);
        let title = escape(&heading(document));
        self.push("<article class=\"resource\">");
        match self_href(document).filter(|href| is_web_url(href)) {
            Some(href) => {
                let class = if self.is_api_url(href) {
                    " class=\"hal\""
                } else {
                    ""
                };
                self.push(&format!(
                    "<h{tag}><a href=\"{}\"{class}>{title}</a></h{tag}>",
                    escape(href)
                ));
            }
            None => self.push(&format!("<h{tag}>{title}</h{tag}>")),
        }
        self.resource(document, level);
        self.push("</article>");
    }

    /// The document itself, pretty-printed, for those who want the JSON.
    fn source(&mut self, document: &Value) {
        let pretty = serde_json::to_string_pretty(document).unwrap_or_default();
        self.push(&format!(
            "<details class=\"source\"><summary>JSON</summary><pre>{}</pre></details>",
            escape(&pretty)
        ));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn only_urls_under_the_base_are_followed_with_credentials() {
        let hal = Hal::new(url::Url::parse("https://shop.example.com/api/").unwrap());
        let renderer = Renderer::new(&hal);
        assert!(renderer.is_api_url("https://shop.example.com/api/products"));
        assert!(renderer.is_api_url("https://shop.example.com/api"));
        assert!(!renderer.is_api_url("https://shop.example.com/apiary"));
        assert!(!renderer.is_api_url("https://shop.example.com.other.org/api/products"));
    }

    #[test]
    fn a_resource_is_named_by_its_title_else_by_its_path() {
        let titled = json!({"title": "Emma", "uid": "ab"});
        assert_eq!(heading(titled.as_object().unwrap()), "Emma");
        let listing = json!({"_links": {"self": {"href": "http://h/products?page=2"}}});
        assert_eq!(heading(listing.as_object().unwrap()), "/products?page=2");
    }
}
