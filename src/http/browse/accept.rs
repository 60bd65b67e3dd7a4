//! Which representation a request prefers, read from its `Accept` header with q-values.

use poem::http::{HeaderMap, header};

/// Whether the request prefers an HTML page to a JSON document: `text/html` must be accepted
/// with a higher quality than every JSON type halshop answers (`application/hal+json`,
/// `application/json`, `application/problem+json`). A tie goes to JSON, so `*/*` and a missing
/// `Accept` get JSON; a browser's `text/html,…,*/*;q=0.8` gets HTML.
pub fn prefers_html(headers: &HeaderMap) -> bool {
    let values = || {
        headers
            .get_all(header::ACCEPT)
            .iter()
            .filter_map(|value| value.to_str().ok())
    };
    // The JSON clients' path: nothing is parsed or allocated unless `text/html` is named.
    if !values().any(names_html) {
        return false;
    }
    let ranges: Vec<Range> = values().flat_map(ranges).collect();
    let html = quality(&ranges, "text", "html");
    let json = ["hal+json", "json", "problem+json"]
        .into_iter()
        .map(|subtype| quality(&ranges, "application", subtype))
        .fold(0.0, f32::max);
    html > json
}

/// Whether the request prefers `text/csv` to every JSON type halshop answers: `text/csv`
/// (or `text/*`) must be accepted with a higher quality than the JSON types; a tie, `*/*` and
/// a missing `Accept` get JSON.
pub fn prefers_csv(headers: &HeaderMap) -> bool {
    let ranges: Vec<Range> = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(ranges)
        .collect();
    let csv = quality(&ranges, "text", "csv");
    let json = ["hal+json", "json"]
        .into_iter()
        .map(|subtype| quality(&ranges, "application", subtype))
        .fold(0.0, f32::max);
    csv > json
}

fn names_html(value: &str) -> bool {
    value
        .as_bytes()
        .windows(b"text/html".len())
        .any(|window| window.eq_ignore_ascii_case(b"text/html"))
}

/// One media range of an `Accept` header.
#[derive(Debug)]
struct Range<'a> {
    kind: &'a str,
    subtype: &'a str,
    quality: f32,
}

impl Range<'_> {
    /// How specifically this range names `kind/subtype` (2 exactly, 1 `kind/*`, 0 `*/*`), if
    /// it matches at all.
    fn specificity(&self, kind: &str, subtype: &str) -> Option<u8> {
        let same = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
        match (self.kind, self.subtype) {
            ("*", "*") => Some(0),
            (k, "*") if same(k, kind) => Some(1),
            (k, s) if same(k, kind) && same(s, subtype) => Some(2),
            _ => None,
        }
    }
}

fn ranges(value: &str) -> impl Iterator<Item = Range<'_>> {
    value.split(',').filter_map(|part| {
        let mut parameters = part.split(';');
        let (kind, subtype) = parameters.next()?.trim().split_once('/')?;
        let quality = parameters
            .filter_map(|parameter| parameter.split_once('='))
            .find(|(name, _)| name.trim().eq_ignore_ascii_case("q"))
            .map_or(Some(1.0), |(_, q)| q.trim().parse::<f32>().ok())?;
        Some(Range {
            kind: kind.trim(),
            subtype: subtype.trim(),
            quality: quality.clamp(0.0, 1.0),
        })
    })
}

/// The quality the most specific matching range gives `kind/subtype` (0 when none matches).
fn quality(ranges: &[Range], kind: &str, subtype: &str) -> f32 {
    ranges
        .iter()
        .filter_map(|range| Some((range.specificity(kind, subtype)?, range.quality)))
        .fold(
            None,
            |best: Option<(u8, f32)>, (specificity, quality)| match best {
                Some((known, known_quality)) if known > specificity => Some((known, known_quality)),
                Some((known, known_quality)) if known == specificity => {
                    Some((known, known_quality.max(quality)))
                }
                _ => Some((specificity, quality)),
            },
        )
        .map_or(0.0, |(_, quality)| quality)
}

#[cfg(test)]
mod tests {
    use poem::http::HeaderValue;

    use super::*;

    fn accept(value: &str) -> bool {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        prefers_html(&headers)
    }

    #[test]
    fn a_browser_prefers_html() {
        assert!(accept(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        ));
        assert!(accept("text/html"));
        assert!(accept("TEXT/HTML; charset=utf-8"));
    }

    #[test]
    fn json_clients_and_wildcards_prefer_json() {
        for value in [
            "*/*",
            "application/json",
            "application/hal+json",
            "application/hal+json, text/html;q=0.5",
            "application/json, text/html",
            "text/html;q=0.8, application/*",
            "text/html;q=0",
            "text/html;q=nonsense",
            "text/*;q=0.1, */*;q=0.5",
        ] {
            assert!(!accept(value), "{value}");
        }
        assert!(!prefers_html(&HeaderMap::new()));
    }

    #[test]
    fn csv_is_chosen_only_when_preferred_to_json() {
        let csv = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
            prefers_csv(&headers)
        };
        assert!(csv("text/csv"));
        assert!(csv("text/csv, application/hal+json;q=0.5"));
        assert!(!csv("*/*"));
        assert!(!csv("application/hal+json, text/csv"));
        assert!(!csv("text/html"));
        assert!(!prefers_csv(&HeaderMap::new()));
    }

    #[test]
    fn the_most_specific_range_decides() {
        assert!(accept("text/html;q=0.9, */*;q=0.1"));
        assert!(!accept("text/html;q=0.1, text/*;q=1, application/json;q=0.5"));
    }
}
