//! The relation catalogue is consistent: names unique, examples well-formed and documented.

use std::collections::BTreeSet;

use serde_json::Value;

use super::*;

const BASE: &str = "http://127.0.0.1:8080/";

/// The JSON body of an HTTP message, if it has one.
fn body(message: &str) -> Option<Value> {
    let (_, body) = message.split_once("\n\n")?;
    Some(serde_json::from_str(body).unwrap_or_else(|err| panic!("{err}: {body}")))
}

/// Every `href` anywhere in a document.
fn hrefs(document: &Value, found: &mut Vec<String>) {
    match document {
        Value::Object(members) => {
            for (name, value) in members {
                match (name.as_str(), value) {
                    ("href", Value::String(href)) => found.push(href.clone()),
                    _ => hrefs(value, found),
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|item| hrefs(item, found)),
        _ => {}
    }
}

#[test]
fn every_relation_is_named_once() {
    let names: BTreeSet<_> = all().map(|rel| rel.name).collect();
    assert_eq!(names.len(), all().count());
}

#[test]
fn every_example_is_a_request_to_the_default_address_and_a_success() {
    for rel in all() {
        let example = rel.example();
        let request_line = example.request.lines().next().unwrap_or_default();
        let mut words = request_line.split(' ');
        let method = words.next().unwrap_or_default();
        assert!(
            ["GET", "POST", "PUT"].contains(&method),
            "{}: {request_line}",
            rel.name
        );
        assert!(
            words.next().is_some_and(|url| url.starts_with(BASE)),
            "{}",
            rel.name
        );
        assert_eq!(words.next(), Some("HTTP/1.1"), "{}", rel.name);
        assert!(example.response.starts_with("HTTP/1.1 20"), "{}", rel.name);
        let media = match rel.is_html() {
            true => "\nContent-Type: text/html; charset=utf-8\n",
            false => "\nContent-Type: application/hal+json\n",
        };
        assert!(example.response.contains(media), "{}", rel.name);
    }
}

#[test]
fn every_example_body_is_json_and_every_link_absolute() {
    for rel in all().filter(|rel| !rel.is_html()) {
        let example = rel.example();
        body(example.request);
        let response = body(example.response).unwrap_or_else(|| panic!("{}: no body", rel.name));
        let curies = &response["_links"]["curies"][0]["href"];
        assert_eq!(curies, "http://127.0.0.1:8080/rels/{rel}", "{}", rel.name);
        let mut found = Vec::new();
        hrefs(&response, &mut found);
        assert!(
            found.iter().all(|href| href.starts_with(BASE)),
            "{}: {found:?}",
            rel.name
        );
    }
}

#[test]
fn the_templates_of_every_example_response_are_documented() {
    for rel in all().filter(|rel| !rel.is_html()) {
        let response = body(rel.example().response).unwrap_or_default();
        let shown: BTreeSet<&str> = response["_templates"]
            .as_object()
            .map(|templates| templates.keys().map(String::as_str).collect())
            .unwrap_or_default();
        let documented: BTreeSet<&str> = rel
            .forms
            .map(|forms| forms.templates.iter().map(|t| t.key).collect())
            .unwrap_or_default();
        assert!(shown.is_subset(&documented), "{}: {shown:?}", rel.name);
    }
}
