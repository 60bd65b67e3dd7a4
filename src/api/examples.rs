//! One problem example per documented problem response: its real status and code, taken
//! from the response's own description (the first `code` it names) or, when it names none,
//! from the catalogue of problem types. Without this every problem response would show the
//! schema's one example, a 422.

use serde_json::{Value, json};

use crate::http::problems::{self, ProblemType};

const PROBLEM_JSON: &str = "application/problem+json";
const EXAMPLE_BASE: &str = "https://shop.example.com";

/// Sets the example of every `application/problem+json` response of `spec`.
pub fn add_problem_examples(spec: &mut Value) {
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let Some(operations) = item.as_object_mut() else {
            continue;
        };
        for operation in operations.values_mut() {
            let Some(responses) = operation.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (status, response) in responses.iter_mut() {
                let description = response
                    .get("description")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                let Some(media) =
                    response.pointer_mut(&format!("/content/{}", PROBLEM_JSON.replace('/', "~1")))
                else {
                    continue;
                };
                if let (Some(kind), Some(media)) = (kind_for(status, &description), media.as_object_mut()) {
                    media.insert("example".into(), example(kind, path, &description));
                }
            }
        }
    }
}

/// The problem type a response documents: the first code its description names with this
/// status, or the catalogue's first type with this status.
fn kind_for(status: &str, description: &str) -> Option<&'static ProblemType> {
    let status: u16 = status.parse().ok()?;
    let named = description
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(problems::by_code)
        .find(|kind| kind.status == status);
    named.or_else(|| problems::ALL.iter().copied().find(|kind| kind.status == status))
}

fn example(kind: &ProblemType, path: &str, description: &str) -> Value {
    let detail = detail_from(kind, description);
    let mut problem = json!({
        "type": format!("{EXAMPLE_BASE}/problems/{}", kind.code),
        "title": kind.title,
        "status": kind.status,
        "detail": detail,
        "instance": format!("{EXAMPLE_BASE}{}", concrete(path)),
        "code": kind.code,
    });
    if kind.code == problems::VALIDATION_FAILED.code {
        problem["errors"] =
            json!([{"path": "/email", "message": "not an e-mail address such as name@example.com"}]);
    }
    if kind.status == 500 {
        problem["logref"] = json!("5f1c9a7e3b2d4c68");
    }
    problem
}

/// The description's words about this code (`` `code`: words ``), as a sentence; otherwise
/// the problem type's title.
fn detail_from(kind: &ProblemType, description: &str) -> String {
    let marker = format!("`{}`", kind.code);
    let words = description
        .find(&marker)
        .map(|at| &description[at + marker.len()..])
        .and_then(|rest| {
            rest.trim_start()
                .strip_prefix(':')
                .or_else(|| rest.trim_start().strip_prefix('('))
        })
        .map(|rest| rest.split(['.', ';', ')']).next().unwrap_or_default().trim())
        .filter(|words| !words.is_empty() && !words.contains('`'));
    match words {
        Some(words) => {
            let mut chars = words.chars();
            let first = chars
                .next()
                .map(|c| c.to_uppercase().collect::<String>())
                .unwrap_or_default();
            format!("{first}{}.", chars.as_str())
        }
        None => format!("{}.", kind.title),
    }
}

/// A path template with example values: `/products/{uid}` → `/products/5c8f…`.
fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            s if s.starts_with('{') && s.ends_with('}') => match &s[1..s.len() - 1] {
                "san" => "1234560",
                "isbn" => "9780141439518",
                _ => "5c8f0e3b9a7d4c21b6e2f4a1d3c5b7e9",
            },
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_naming_its_code_gets_an_example_with_that_code() {
        let kind = kind_for(
            "409",
            "`voucher_used` (a voucher was already used) or `sold_out` (…)",
        )
        .unwrap();
        assert_eq!(kind.code, "voucher_used");
        assert_eq!(
            detail_from(kind, "`voucher_used` (a voucher was already used) or"),
            "A voucher was already used."
        );
    }

    #[test]
    fn a_response_naming_no_code_gets_the_catalogue_type_of_its_status() {
        assert_eq!(
            kind_for("405", "The method is not allowed.").unwrap().code,
            "method_not_allowed"
        );
        assert_eq!(kind_for("500", "").unwrap().code, "internal_error");
    }
}
