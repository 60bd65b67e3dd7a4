//! `_links` as HTML: a link per relation, named by the relation and its title; a templated
//! link (RFC 6570) as a small GET form with a labelled field per variable, which the page's
//! script expands; a link to the page documenting each `shop:` relation.

use serde_json::{Map, Value};

use super::{page::Renderer, values::is_web_url};
use crate::http::html::escape;

/// One expression of a URI template: its operator and variable names (without modifiers).
#[derive(Debug, PartialEq, Eq)]
pub struct Expression {
    pub operator: Option<char>,
    pub variables: Vec<String>,
}

/// The expressions of an RFC 6570 template, in order.
pub fn expressions(template: &str) -> Vec<Expression> {
    let mut found = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let inner = &rest[open + 1..open + close];
        let operator = inner.chars().next().filter(|c| "+#./;?&".contains(*c));
        let names = operator.map_or(inner, |op| &inner[op.len_utf8()..]);
        let variables = names
            .split(',')
            .map(|name| name.trim_end_matches('*').split(':').next().unwrap_or_default())
            .filter(|name| !name.is_empty())
            .map(str::to_owned)
            .collect();
        found.push(Expression { operator, variables });
        rest = &rest[open + close + 1..];
    }
    found
}

/// The template with every variable undefined, when that is still a useful URL: only for
/// templates whose expressions are all query parameters (`/products{?q,page}` → `/products`).
pub fn without_variables(template: &str) -> Option<String> {
    let expressions = expressions(template);
    if expressions
        .iter()
        .any(|expression| !matches!(expression.operator, Some('?' | '&')))
    {
        return None;
    }
    let mut plain = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        plain.push_str(&rest[..open]);
        rest = rest[open..]
            .find('}')
            .map_or("", |close| &rest[open + close + 1..]);
    }
    plain.push_str(rest);
    Some(plain)
}

/// How a link is named: its relation, then its title (or name).
fn link_name(rel: &str, link: &Map<String, Value>) -> String {
    let text = |name: &str| link.get(name).and_then(Value::as_str).filter(|t| !t.is_empty());
    match text("title").or_else(|| text("name")) {
        Some(title) => format!("{rel} — {title}"),
        None => rel.to_owned(),
    }
}

impl Renderer<'_> {
    /// The `_links` of a resource (the curies are used for the documentation links instead).
    pub fn links(&mut self, links: &Map<String, Value>, level: usize) {
        let tag = Self::heading_tag(level);
        self.push(&format!("<section class=\"links\"><h{tag}>Links</h{tag}><ul>"));
        for (rel, value) in links.iter().filter(|(rel, _)| rel.as_str() != "curies") {
            let items = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for link in items.into_iter().filter_map(Value::as_object) {
                self.link(rel, link);
            }
        }
        self.push("</ul></section>");
    }

    fn link(&mut self, rel: &str, link: &Map<String, Value>) {
        let href = link.get("href").and_then(Value::as_str).unwrap_or_default();
        let name = link_name(rel, link);
        let templated = link.get("templated").and_then(Value::as_bool) == Some(true);
        self.push("<li>");
        let target = if templated {
            without_variables(href)
        } else {
            Some(href.to_owned())
        };
        match target.filter(|target| is_web_url(target)) {
            Some(target) => self.anchor(&target, &name, link.get("type").and_then(Value::as_str)),
            None if templated => self.push(&format!("<span class=\"rel\">{}</span>", escape(&name))),
            None => self.push(&format!("{} <code>{}</code>", escape(&name), escape(href))),
        }
        if let Some(about) = self.rel_documentation(rel) {
            self.push(&format!(
                " <a class=\"about\" href=\"{}\" type=\"text/html\" aria-label=\"About {}\">about</a>",
                escape(&about),
                escape(rel)
            ));
        }
        if templated {
            self.uri_template_form(href, &name);
        }
        self.push("</li>");
    }

    /// A link; one to a HAL resource of this API is followed by the page's script when
    /// credentials are kept.
    fn anchor(&mut self, href: &str, name: &str, media_type: Option<&str>) {
        let hal = media_type.is_none_or(|media| media.contains("hal+json")) && self.is_api_url(href);
        let class = if hal { " class=\"hal\"" } else { "" };
        let media = media_type
            .map(|media| format!(" type=\"{}\"", escape(media)))
            .unwrap_or_default();
        self.push(&format!(
            "<a href=\"{}\"{class}{media}>{}</a>",
            escape(href),
            escape(name)
        ));
    }

    /// A GET form that fills in a URI template. Its button stays disabled until the script
    /// runs: only the script expands the template.
    /// A variable of the path (not of the query) must be filled in: the URL means nothing
    /// without it.
    fn uri_template_form(&mut self, template: &str, name: &str) {
        let mut variables: Vec<(String, bool)> = Vec::new();
        for expression in expressions(template) {
            let required = !matches!(expression.operator, Some('?' | '&'));
            for variable in expression.variables {
                if !variables.iter().any(|(known, _)| *known == variable) {
                    variables.push((variable, required));
                }
            }
        }
        self.push(&format!(
            "<form class=\"uri-template\" data-template=\"{}\" aria-label=\"{}\"><code class=\"template\">{}</code>",
            escape(template),
            escape(&format!("Fill in {name}")),
            escape(template)
        ));
        for (variable, required) in variables {
            let id = self.id();
            let variable = escape(&variable);
            let required = if required { " required" } else { "" };
            self.push(&format!(
                "<span class=\"variable\"><label for=\"{id}\">{variable}</label> \
                 <input id=\"{id}\" name=\"{variable}\" data-variable=\"{variable}\"{required}></span>"
            ));
        }
        self.push(&format!(
            "<button type=\"submit\" disabled aria-label=\"{}\">Open</button></form>",
            escape(&format!("Open {name}"))
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_variables_are_read_without_modifiers() {
        let found = expressions("http://h/orders/{uid}/lines{/n}{?q,page*,isbn:13}");
        assert_eq!(found.len(), 3);
        assert_eq!(found[0].operator, None);
        assert_eq!(found[0].variables, ["uid"]);
        assert_eq!(found[1].operator, Some('/'));
        assert_eq!(found[2].variables, ["q", "page", "isbn"]);
    }

    #[test]
    fn query_templates_have_a_plain_url_and_path_templates_none() {
        assert_eq!(
            without_variables("http://h/products{?q,page}").as_deref(),
            Some("http://h/products")
        );
        assert_eq!(without_variables("http://h/products/{uid}"), None);
        assert_eq!(
            without_variables("http://h/products").as_deref(),
            Some("http://h/products")
        );
    }
}
