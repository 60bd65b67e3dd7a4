//! The page of every `shop:` relation shows an example request and its response, and names
//! the HAL-FORMS templates a client finds at the relation's target.

use halshop::api::docs::all_rels;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{
    TestApp, content_type,
    orders::{capture, notify},
    sales::digital_shop,
    spawn_app,
};

/// The HTML page documenting `shop:<rel>`, after checking it is a 200 HTML page.
async fn rel_page(app: &TestApp, rel: &str) -> String {
    let response = app.get(&format!("/rels/{rel}")).await;
    assert_eq!(response.status(), StatusCode::OK, "shop:{rel}");
    assert!(
        content_type(response.headers()).starts_with("text/html"),
        "shop:{rel}"
    );
    response.text().await.unwrap()
}

/// The text of the code block under the heading `heading`, unescaped.
fn example(page: &str, heading: &str) -> Option<String> {
    let section = &page[page.find(&format!(">{heading}</h2>"))?..];
    let start = section.find("<pre><code>")? + "<pre><code>".len();
    let end = start + section[start..].find("</code></pre>")?;
    let text = section[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    Some(text)
}

/// The JSON body of an HTTP message: what follows its first blank line.
fn json_body(message: &str) -> Option<Result<Value, serde_json::Error>> {
    let (_, body) = message.split_once("\n\n")?;
    Some(serde_json::from_str(body))
}

/// The names of the members of `value`, an object.
fn members(value: &Value) -> Vec<String> {
    value
        .as_object()
        .map(|object| object.keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn every_relation_page_shows_an_example_request_and_an_example_response() {
    let app = spawn_app().await;
    for rel in all_rels() {
        let page = rel_page(&app, rel.name).await;
        let request = example(&page, "Example request").unwrap_or_default();
        let response = example(&page, "Example response").unwrap_or_default();
        assert!(
            request.contains(" http://127.0.0.1:8080/") && request.contains(" HTTP/1.1"),
            "shop:{}: {request}",
            rel.name
        );
        assert!(
            response.starts_with("HTTP/1.1 2"),
            "shop:{}: {response}",
            rel.name
        );
    }
}

#[tokio::test]
async fn every_json_body_of_the_examples_on_the_relation_pages_parses() {
    let app = spawn_app().await;
    for rel in all_rels().filter(|rel| !rel.is_html()) {
        let page = rel_page(&app, rel.name).await;
        let request = example(&page, "Example request").unwrap_or_default();
        if let Some(body) = json_body(&request) {
            let body = body.unwrap_or_else(|err| panic!("shop:{} request: {err}", rel.name));
            assert!(body.is_object(), "shop:{}: {body}", rel.name);
        }
        let response = example(&page, "Example response").unwrap_or_default();
        let body = json_body(&response).unwrap_or_else(|| panic!("shop:{}: no response body", rel.name));
        let body = body.unwrap_or_else(|err| panic!("shop:{} response: {err}", rel.name));
        assert!(body["_links"]["curies"].is_array(), "shop:{}: {body}", rel.name);
    }
}

#[tokio::test]
async fn the_order_example_response_embeds_the_order_lines() {
    let app = spawn_app().await;
    let page = rel_page(&app, "order").await;
    let response = example(&page, "Example response").unwrap();
    assert!(response.contains("\"shop:order_lines\""), "{response}");
    let body = json_body(&response).unwrap().unwrap();
    assert_eq!(
        body["_embedded"]["shop:order_lines"][0]["sku"],
        "AUSTEN-PRIDE-EPUB"
    );
}

#[tokio::test]
async fn the_order_example_names_only_members_that_a_paid_order_has() {
    let shop = digital_shop().await;
    let cart = shop.one_epub().with("external_reference", "web-10042");
    let placed = shop.place(&cart).await;
    let paid = notify(&shop.app, &capture(&placed.order, "psp_1")).await;
    assert_eq!(paid.status(), StatusCode::OK);
    let page = rel_page(&shop.app, "order").await;
    let response = example(&page, "Example response").unwrap();
    let example = json_body(&response).unwrap().unwrap();
    let order = placed.read(&shop.app).await;
    for pointer in ["", "/_links", "/_templates", "/_embedded/shop:order_lines/0"] {
        let real = members(order.pointer(pointer).unwrap());
        for member in members(example.pointer(pointer).unwrap()) {
            assert!(real.contains(&member), "{pointer}/{member} not in {real:?}");
        }
    }
}

#[tokio::test]
async fn relation_pages_name_the_hal_forms_templates_found_at_their_target() {
    let app = spawn_app().await;
    let cases: &[(&str, &[&str])] = &[
        ("order", &["cancel", "request_refund"]),
        (
            "refund_request",
            &["update", "cancel", "approve", "reject", "process"],
        ),
        ("product", &["edit", "offer_to_libraries", "withdraw"]),
        ("loans", &["borrow", "return", "download"]),
        ("holds", &["place_hold", "borrow", "cancel"]),
        ("lending", &["borrow", "place_hold", "buy_licences"]),
        ("products", &["create"]),
        (
            "delivery",
            &["create_download_link", "redeem_code", "report_usage"],
        ),
        ("root", &["price", "create_order"]),
        ("bill", &["price", "create_order"]),
    ];
    for (rel, keys) in cases {
        let page = rel_page(&app, rel).await;
        let forms = &page[page
            .find(">HAL-FORMS</h2>")
            .unwrap_or_else(|| panic!("shop:{rel}"))..];
        let forms = &forms[..forms.find("</ul>").unwrap_or(forms.len())];
        for key in *keys {
            assert!(
                forms.contains(&format!("<li><code>{key}</code> — ")),
                "shop:{rel} {key}: {forms}"
            );
        }
    }
}

#[tokio::test]
async fn a_relation_whose_target_has_no_templates_has_no_hal_forms_section() {
    let app = spawn_app().await;
    let page = rel_page(&app, "me").await;
    assert!(!page.contains(">HAL-FORMS</h2>"), "{page}");
    assert!(page.contains(">Example response</h2>"), "{page}");
}

#[tokio::test]
async fn the_examples_are_escaped_in_the_page() {
    let app = spawn_app().await;
    let page = rel_page(&app, "orders").await;
    let start = page.find(">Example request</h2>").unwrap();
    let raw = &page[start..];
    let code = &raw[raw.find("<pre><code>").unwrap()..raw.find("</code></pre>").unwrap()];
    assert!(code.contains("&quot;consumer&quot;: {"), "{code}");
    assert!(!code.contains('"'), "{code}");
}
