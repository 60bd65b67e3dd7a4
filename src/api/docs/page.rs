//! The HTML of the documentation pages: the page shell, the indexes and the page of one
//! relation.

use super::rels::{Example, Forms, Rel};
use crate::http::html::{Page, escape};

/// The shell of a documentation page.
pub fn page(title: &str, body: &str) -> String {
    Page {
        title,
        site: "halshop",
        viewport: false,
        style: "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
                code{background:#f3f3f3;padding:0 .2rem}\
                pre{background:#f3f3f3;padding:.6rem;overflow-x:auto;line-height:1.3}pre code{padding:0}",
    }
    .render(body)
}

/// An HTML list of `(href, name, line)` entries.
pub fn index_list<'a>(entries: impl Iterator<Item = (String, String, &'a str)>) -> String {
    let items: String = entries
        .map(|(href, name, line)| {
            format!(
                "<li><a href=\"{href}\"><code>{name}</code></a> — {line}</li>",
                href = escape(&href),
                name = escape(&name),
                line = escape(line),
            )
        })
        .collect();
    format!("<ul>{items}</ul>")
}

/// The body of a relation's page: what it points to, methods, authentication, the
/// HAL-FORMS templates at its target, and an example exchange.
pub fn rel_body(rel: &Rel) -> String {
    let mut body = format!(
        "<h1>shop:{name}</h1><p>{target}</p><h2>Methods</h2><p>{methods}</p><h2>Authentication</h2><p>{auth}</p>",
        name = escape(rel.name),
        target = prose(rel.target),
        methods = prose(rel.methods),
        auth = prose(rel.auth),
    );
    if let Some(forms) = rel.forms {
        body.push_str(&forms_section(forms));
    }
    body.push_str(&example_section(rel.example()));
    body
}

fn forms_section(forms: &Forms) -> String {
    let items: String = forms
        .templates
        .iter()
        .map(|template| {
            format!(
                "<li><code>{key}</code> — {offered}</li>",
                key = escape(template.key),
                offered = prose(template.offered),
            )
        })
        .collect();
    format!(
        "<h2 id=\"hal-forms\">HAL-FORMS</h2><p>A client finds these HAL-FORMS templates under \
         <code>_templates</code> of {on}, each only while the caller may take that action now; \
         <code>default</code> repeats the first one offered.</p><ul>{items}</ul>",
        on = prose(forms.on),
    )
}

fn example_section(example: Example) -> String {
    format!(
        "<h2 id=\"example-request\">Example request</h2><p>To a server at the default address, \
         <code>http://127.0.0.1:8080</code>. Uids, tokens and credentials are placeholders: a \
         server makes its own.</p><pre><code>{request}</code></pre>\
         <h2 id=\"example-response\">Example response</h2><p>Long bodies are shortened: some \
         members and the <code>default</code> template are left out.</p><pre><code>{response}</code></pre>",
        request = escape(example.request),
        response = escape(example.response),
    )
}

/// Escapes text and sets what stands between backticks as code.
fn prose(text: &str) -> String {
    escape(text)
        .split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                format!("<code>{part}</code>")
            } else {
                part.to_owned()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_between_backticks_is_code_and_markup_is_escaped() {
        assert_eq!(
            prose("PUT `{\"percent\": 5}` <now>"),
            "PUT <code>{&quot;percent&quot;: 5}</code> &lt;now&gt;"
        );
    }
}
