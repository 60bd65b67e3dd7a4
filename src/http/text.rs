//! Which characters text input may hold, checked once at the edge for every request.
//!
//! Control characters have no place in names, addresses, codes or search terms: U+0000 cannot
//! even be stored in a PostgreSQL text column, and the others (the rest of C0, DEL, C1) corrupt
//! logs, mails and CSV reports. They are refused before any handler runs, the same on every
//! database:
//! - in a request body (JSON strings and form fields) every control character is refused except
//!   tab, line feed and carriage return, which free text such as a refund reason or a product
//!   description may legitimately hold;
//! - in a query parameter or a path segment every control character is refused, and so is a
//!   percent-encoding that is not UTF-8.

use std::borrow::Cow;

use serde_json::Value;

use super::error::FieldError;

/// Whether a body text (a JSON string, a form field) may not hold `c`.
pub fn refused_in_body(c: char) -> bool {
    c.is_control() && !matches!(c, '\t' | '\n' | '\r')
}

/// Whether a query parameter or a path segment may not hold `c`.
pub fn refused_in_parameter(c: char) -> bool {
    c.is_control()
}

fn control_message(c: char, allowed: &str) -> String {
    format!("contains the control character U+{:04X}; {allowed}", u32::from(c))
}

const BODY_RULE: &str = "text may hold tab, line feed and carriage return but no other control character";
const PARAMETER_RULE: &str = "parameters may not hold control characters";

/// Every string of a JSON document that holds a refused character, named by JSON pointer.
/// A member name that holds one is reported at the object that contains it.
pub fn controls_in_json(document: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let mut pointer = String::new();
    walk(document, &mut pointer, &mut errors);
    errors
}

fn walk(value: &Value, pointer: &mut String, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(text) => {
            if let Some(c) = text.chars().find(|&c| refused_in_body(c)) {
                errors.push(FieldError::new(pointer.clone(), control_message(c, BODY_RULE)));
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&index.to_string());
                walk(item, pointer, errors);
                pointer.truncate(length);
            }
        }
        Value::Object(members) => {
            for (name, member) in members {
                if let Some(c) = name.chars().find(|&c| refused_in_body(c)) {
                    let message = format!("a member name {}", control_message(c, BODY_RULE));
                    errors.push(FieldError::new(pointer.clone(), message));
                    continue;
                }
                let length = pointer.len();
                pointer.push('/');
                pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
                walk(member, pointer, errors);
                pointer.truncate(length);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

/// The fields of a form body (`application/x-www-form-urlencoded`) that hold a refused
/// character, named by JSON pointer (`/first_name`) as a JSON body's would be.
pub fn controls_in_form(body: &[u8]) -> Vec<FieldError> {
    let mut errors = Vec::new();
    for (name, value) in url::form_urlencoded::parse(body) {
        let shown = printable(&name);
        if let Some(c) = name.chars().find(|&c| refused_in_body(c)) {
            errors.push(FieldError::new(
                format!("/{shown}"),
                format!("the field name {}", control_message(c, BODY_RULE)),
            ));
        } else if let Some(c) = value.chars().find(|&c| refused_in_body(c)) {
            errors.push(FieldError::new(
                format!("/{shown}"),
                control_message(c, BODY_RULE),
            ));
        }
    }
    errors
}

/// The first query parameter that is not UTF-8 or holds a control character, named as the
/// client wrote it.
pub fn bad_query_parameter(query: &str) -> Option<FieldError> {
    for pair in query.split('&').filter(|pair| !pair.is_empty()) {
        let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
        let name = decode_component(raw_name, true);
        let shown = match &name {
            Ok(name) => printable(name),
            Err(()) => raw_name.to_owned(),
        };
        let problem = match (name, decode_component(raw_value, true)) {
            (Err(()), _) | (_, Err(())) => Some("is not valid UTF-8 once percent-decoded".to_owned()),
            (Ok(name), Ok(value)) => name
                .chars()
                .chain(value.chars())
                .find(|&c| refused_in_parameter(c))
                .map(|c| control_message(c, PARAMETER_RULE)),
        };
        if let Some(message) = problem {
            return Some(FieldError::new(shown, message));
        }
    }
    None
}

/// The index and the problem of the first path segment that is not UTF-8 or holds a control
/// character once percent-decoded.
pub fn bad_path_segment(path: &str) -> Option<(usize, String)> {
    let segments = path.split('/').filter(|segment| !segment.is_empty());
    for (index, segment) in segments.enumerate() {
        let problem = match decode_component(segment, false) {
            Err(()) => Some("is not valid UTF-8 once percent-decoded".to_owned()),
            Ok(text) => text
                .chars()
                .find(|&c| refused_in_parameter(c))
                .map(|c| control_message(c, PARAMETER_RULE)),
        };
        if let Some(message) = problem {
            return Some((index, message));
        }
    }
    None
}

/// Percent-decodes one URL component (`+` is a space in a query); `Err` when the bytes are not
/// UTF-8.
fn decode_component(raw: &str, plus_is_space: bool) -> Result<Cow<'_, str>, ()> {
    if !raw.contains(['%', '+']) {
        return Ok(Cow::Borrowed(raw));
    }
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        let escaped = (byte == b'%')
            .then(|| raw.get(index + 1..index + 3))
            .flatten()
            .filter(|hex| hex.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(value) => {
                decoded.push(value);
                index += 3;
            }
            None => {
                decoded.push(if byte == b'+' && plus_is_space { b' ' } else { byte });
                index += 1;
            }
        }
    }
    String::from_utf8(decoded).map(Cow::Owned).map_err(|_| ())
}

/// A name fit to be shown back: its control characters written as `\u{…}`.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| match c.is_control() {
            true => c.escape_unicode().to_string(),
            false => c.to_string(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_nul_in_a_nested_string_is_named_by_its_pointer() {
        let document = json!({"consumer": {"first_name": "a\u{0}b"}, "products": [{"x": "ok"}, "\u{7f}"]});
        let paths: Vec<String> = controls_in_json(&document).into_iter().map(|e| e.path).collect();
        assert_eq!(paths, ["/consumer/first_name", "/products/1"]);
    }

    #[test]
    fn tabs_and_line_breaks_are_allowed_in_body_text_but_not_other_controls() {
        assert!(controls_in_json(&json!({"reason": "line one\r\nline two\tend"})).is_empty());
        for refused in ["\u{1}", "\u{1b}[31m", "\u{7f}", "\u{85}", "\u{9f}"] {
            assert_eq!(
                controls_in_json(&json!({"reason": refused})).len(),
                1,
                "{refused:?}"
            );
        }
    }

    #[test]
    fn a_control_in_a_member_name_is_reported_at_its_object() {
        let errors = controls_in_json(&json!({"consumer": {"na\u{0}me": "x"}}));
        assert_eq!(errors[0].path, "/consumer");
        assert!(errors[0].message.starts_with("a member name contains"));
    }

    #[test]
    fn pointers_escape_tilde_and_slash() {
        let errors = controls_in_json(&json!({"a/b~c": "\u{0}"}));
        assert_eq!(errors[0].path, "/a~1b~0c");
    }

    #[test]
    fn form_fields_are_checked_like_json_strings() {
        let errors = controls_in_form(b"token=abc&first_name=a%00b&reason=two%0Alines");
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].path, "/first_name");
        assert!(errors[0].message.contains("U+0000"));
    }

    #[test]
    fn query_parameters_refuse_every_control_and_bad_utf8() {
        assert_eq!(bad_query_parameter("q=a%00b&page=1").unwrap().path, "q");
        assert_eq!(bad_query_parameter("page=1&q=tab%09").unwrap().path, "q");
        assert_eq!(bad_query_parameter("q=%0A").unwrap().path, "q");
        assert!(bad_query_parameter("q=%FF").unwrap().message.contains("UTF-8"));
        assert_eq!(bad_query_parameter("a%00=1").unwrap().path, "a\\u{0}");
        assert!(bad_query_parameter("q=caf%C3%A9+cr%C3%A8me&isbn=978-2").is_none());
        assert!(bad_query_parameter("q=100%").is_none());
    }

    #[test]
    fn path_segments_are_decoded_before_the_check() {
        assert_eq!(bad_path_segment("/products/a%00b").unwrap().0, 1);
        assert_eq!(bad_path_segment("/products/%E2%82").unwrap().0, 1);
        assert!(bad_path_segment("/stores/123-4560/purchases").is_none());
        assert!(bad_path_segment("/rels/a+b").is_none());
    }
}
