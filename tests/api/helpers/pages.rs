//! Reading the HTML pages a browser gets: requests with a browser's `Accept`, and the few
//! facts about a page the tests check (a field's label, an attribute).

use reqwest::{Method, Response, StatusCode};

use super::{TestApp, content_type, send};

/// The `Accept` header Chromium and Firefox send when following a link.
pub const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

impl TestApp {
    /// A request made the way a browser follows a link.
    pub async fn browse(&self, path_or_url: &str) -> Response {
        self.browse_with(Method::GET, path_or_url, &[]).await
    }

    /// A browser's request with more headers.
    pub async fn browse_with(&self, method: Method, path_or_url: &str, headers: &[(&str, &str)]) -> Response {
        let mut request = self
            .client
            .request(method, self.href(path_or_url))
            .header("accept", BROWSER_ACCEPT);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        send(request).await
    }
}

/// Asserts an HTML page with this status; returns its markup.
pub async fn expect_page(response: Response, status: StatusCode) -> String {
    let actual = response.status();
    let media = content_type(response.headers());
    let body = response.text().await.expect("page text");
    assert_eq!(actual, status, "{body}");
    assert_eq!(media, "text/html; charset=utf-8", "{body}");
    assert!(body.starts_with("<!doctype html>\n<html lang=\"en\">"), "{body}");
    body
}

/// The value of `attribute` in the first tag that holds `marker`.
pub fn attribute_of(page: &str, marker: &str, attribute: &str) -> Option<String> {
    let at = page.find(marker)?;
    let start = page[..at].rfind('<')?;
    let end = at + page[at..].find('>')?;
    let tag = &page[start..end];
    let needle = format!(" {attribute}=\"");
    let value_start = tag.find(&needle)? + needle.len();
    let value_end = value_start + tag[value_start..].find('"')?;
    Some(tag[value_start..value_end].to_owned())
}

/// The markup of the form whose accessible name (`aria-label`) is `title`, `<form` to `</form>`.
pub fn form_named<'p>(page: &'p str, title: &str) -> Option<&'p str> {
    let name = format!(" aria-label=\"{title}\"");
    page.match_indices("<form ").find_map(|(start, _)| {
        let tag_end = start + page[start..].find('>')?;
        if !page[start..tag_end].contains(&name) {
            return None;
        }
        let end = tag_end + page[tag_end..].find("</form>")? + "</form>".len();
        Some(&page[start..end])
    })
}

/// The markup of the fieldset for the member `name`, `<fieldset` to its own `</fieldset>`.
pub fn fieldset_of<'p>(markup: &'p str, name: &str) -> Option<&'p str> {
    let at = markup.find(&format!(" data-field=\"{name}\" data-kind="))?;
    let start = markup[..at].rfind("<fieldset")?;
    let mut depth = 0;
    let mut cursor = start;
    loop {
        let open = markup[cursor..].find("<fieldset").map(|i| cursor + i);
        let close = cursor + markup[cursor..].find("</fieldset>")?;
        match open {
            Some(open) if open < close => {
                depth += 1;
                cursor = open + 1;
            }
            _ => {
                depth -= 1;
                cursor = close + "</fieldset>".len();
                if depth == 0 {
                    return Some(&markup[start..cursor]);
                }
            }
        }
    }
}

/// Every `id` given in a page, in order.
pub fn ids(page: &str) -> Vec<&str> {
    page.split(" id=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect()
}

/// The text of the label of the form field named `name` (markup stripped).
pub fn label_of(page: &str, name: &str) -> Option<String> {
    let id = attribute_of(page, &format!(" name=\"{name}\""), "id")?;
    let open = format!("<label for=\"{id}\"");
    let start = page.find(&open)?;
    let text_start = start + page[start..].find('>')? + 1;
    let text_end = text_start + page[text_start..].find("</label>")?;
    Some(strip_tags(&page[text_start..text_end]))
}

fn strip_tags(markup: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in markup.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text
}
