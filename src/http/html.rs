//! The few HTML pages the API serves (documentation, the sandbox payment page): one page
//! shell and the one HTML escape.

/// Escapes text for HTML.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The shell of a page: its title (escaped here), the site named after it, and its style.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    pub title: &'a str,
    /// Shown after the title: `halshop`, `halshop sandbox`.
    pub site: &'a str,
    /// Adds the viewport meta tag, for pages used on phones.
    pub viewport: bool,
    pub style: &'a str,
}

impl Page<'_> {
    /// The whole document around `body` (HTML, already escaped where needed).
    pub fn render(&self, body: &str) -> String {
        let viewport = if self.viewport {
            "<meta name=\"viewport\" content=\"width=device-width\">"
        } else {
            ""
        };
        format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">{viewport}<title>{title} — {site}</title>\
             <style>{style}</style></head><body>{body}</body></html>\n",
            title = escape(self.title),
            site = self.site,
            style = self.style,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_in_text_is_escaped() {
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}
