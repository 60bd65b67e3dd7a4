//! The browsable API: a browser following links gets HTML pages of the same resources; every
//! other client keeps getting HAL+JSON.

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{
    content_type, ebook, header,
    pages::{BROWSER_ACCEPT, attribute_of, expect_page, label_of},
    send, spawn_app,
};

#[tokio::test]
async fn the_root_for_a_browser_is_a_page_linking_to_the_catalogue() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/").await, StatusCode::OK).await;

    let catalogue = format!(
        "<a href=\"{}\" class=\"hal\">shop:products</a>",
        app.url("/products")
    );
    assert!(page.contains(&catalogue), "{page}");
    assert!(page.contains("<title>halshop — halshop</title>"), "{page}");
}

#[tokio::test]
async fn a_product_page_shows_its_title_and_its_price() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product_href(&merchant, &ebook(1)).await;

    let page = expect_page(app.browse(&product).await, StatusCode::OK).await;

    assert!(page.contains("<title>Book number 1 — halshop</title>"), "{page}");
    assert!(page.contains("<h1>Book number 1</h1>"), "{page}");
    assert!(
        page.contains("<dt>price</dt><dd><span class=\"money\">12.50 EUR</span></dd>"),
        "{page}"
    );
}

#[tokio::test]
async fn embedded_resources_are_shown_each_with_a_link_to_itself() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product_href(&merchant, &ebook(1)).await;

    let page = expect_page(app.browse("/products").await, StatusCode::OK).await;

    assert!(
        page.contains("shop:products <span class=\"count\">(1)</span>"),
        "{page}"
    );
    let item = format!("<h3><a href=\"{product}\" class=\"hal\">Book number 1</a></h3>");
    assert!(page.contains(&item), "{page}");
}

#[tokio::test]
async fn the_bill_template_is_a_form_with_a_labelled_field_per_property() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/bill").await, StatusCode::OK).await;

    assert_eq!(
        attribute_of(&page, "class=\"hal-form\"", "data-target"),
        Some(app.url("/bill"))
    );
    assert_eq!(
        attribute_of(&page, "class=\"hal-form\"", "data-method").as_deref(),
        Some("POST")
    );
    assert_eq!(
        label_of(&page, "currency").as_deref(),
        Some("ISO 4217 code the order is paid in currency")
    );
    assert!(
        page.contains("data-field=\"products\" data-type=\"text\" required>"),
        "{page}"
    );
    assert!(
        page.contains("<button type=\"submit\" disabled>default</button>"),
        "{page}"
    );
}

#[tokio::test]
async fn templated_links_are_forms_with_a_labelled_field_per_variable() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/").await, StatusCode::OK).await;

    assert_eq!(
        attribute_of(&page, "aria-label=\"Fill in shop:product\"", "data-template"),
        Some(app.url("/products/{uid}"))
    );
    assert_eq!(label_of(&page, "uid").as_deref(), Some("uid"));
    assert_eq!(label_of(&page, "page_size").as_deref(), Some("page_size"));
}

#[tokio::test]
async fn every_page_has_a_labelled_credentials_form() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/").await, StatusCode::OK).await;

    for (id, label) in [
        ("credential-order-token", "Order token"),
        ("credential-bearer", "Bearer token"),
        ("credential-merchant-key", "Merchant key"),
        ("credential-merchant-secret", "Merchant secret"),
    ] {
        let labelled = format!("<label for=\"{id}\">{label}</label> <input id=\"{id}\"");
        assert!(page.contains(&labelled), "{label}: {page}");
    }
}

#[tokio::test]
async fn json_clients_still_get_hal_json() {
    let app = spawn_app().await;
    for accept in [
        None,
        Some("*/*"),
        Some("application/json"),
        Some("application/hal+json"),
        Some("application/hal+json, text/html;q=0.5"),
    ] {
        let mut request = app.client.get(app.url("/"));
        if let Some(accept) = accept {
            request = request.header("accept", accept);
        }
        let response = send(request).await;

        assert_eq!(response.status(), StatusCode::OK, "{accept:?}");
        assert_eq!(
            content_type(response.headers()),
            "application/hal+json",
            "{accept:?}"
        );
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(body["_links"]["self"]["href"], app.url("/"), "{accept:?}");
    }
}

#[tokio::test]
async fn both_representations_vary_on_accept() {
    let app = spawn_app().await;

    let json = app.get("/").await;
    let html = app.browse("/").await;

    assert_eq!(header(&json, "vary"), "Accept");
    assert_eq!(header(&html, "vary"), "Accept");
    let body: Value = json.json().await.expect("JSON body");
    assert_eq!(body["_links"]["self"]["href"], app.url("/"));
    expect_page(html, StatusCode::OK).await;
}

#[tokio::test]
async fn values_holding_markup_are_escaped() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut body = ebook(1);
    body["title"] = "<script>alert(\"owned\")</script>".into();
    let product = app.create_product_href(&merchant, &body).await;

    let page = expect_page(app.browse(&product).await, StatusCode::OK).await;

    assert!(!page.contains("<script>alert"), "{page}");
    assert!(
        page.contains("<h1>&lt;script&gt;alert(&quot;owned&quot;)&lt;/script&gt;</h1>"),
        "{page}"
    );
}

#[tokio::test]
async fn a_missing_resource_is_a_readable_page_for_a_browser() {
    let app = spawn_app().await;

    let response = app.browse("/products/0123456789abcdef0123456789abcdef").await;

    let page = expect_page(response, StatusCode::NOT_FOUND).await;
    assert!(page.contains("<h1>404 Not found</h1>"), "{page}");
    assert!(
        page.contains("<p class=\"detail\">No product has this uid.</p>"),
        "{page}"
    );
}

#[tokio::test]
async fn a_page_asking_for_credentials_opens_no_login_dialog() {
    let app = spawn_app().await;

    let response = app.browse("/orders").await;

    assert!(!response.headers().contains_key("www-authenticate"));
    let page = expect_page(response, StatusCode::UNAUTHORIZED).await;
    assert!(page.contains("Enter them under “Credentials”"), "{page}");
}

#[tokio::test]
async fn a_page_has_an_etag_of_its_own() {
    let app = spawn_app().await;
    let json_etag = header(&app.get("/").await, "etag");
    let page = app.browse("/").await;
    let page_etag = header(&page, "etag");
    assert_ne!(page_etag, json_etag);
    expect_page(page, StatusCode::OK).await;

    let revalidated = app
        .browse_with(Method::GET, "/", &[("if-none-match", &page_etag)])
        .await;
    assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED);
    assert_eq!(header(&revalidated, "etag"), page_etag);
    assert_eq!(revalidated.text().await.unwrap(), "");
}

#[tokio::test]
async fn the_json_etag_never_validates_a_page() {
    let app = spawn_app().await;
    let json_etag = header(&app.get("/").await, "etag");

    let response = app
        .browse_with(Method::GET, "/", &[("if-none-match", &json_etag)])
        .await;

    let page = expect_page(response, StatusCode::OK).await;
    assert!(page.contains("<main id=\"resource\""), "{page}");
}

#[tokio::test]
async fn head_for_a_browser_answers_the_page_headers_without_a_body() {
    let app = spawn_app().await;
    let page_etag = header(&app.browse("/").await, "etag");

    let response = app.browse_with(Method::HEAD, "/", &[]).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(response.headers()), "text/html; charset=utf-8");
    assert_eq!(header(&response, "etag"), page_etag);
    assert_eq!(response.text().await.unwrap(), "");
}

#[tokio::test]
async fn the_page_script_and_style_are_served_by_halshop_and_cached_long() {
    let app = spawn_app().await;
    let page = expect_page(app.browse("/").await, StatusCode::OK).await;
    let script = attribute_of(&page, "<script src=", "src").expect("a script");
    assert!(script.starts_with(&app.url("/assets/browse.js?v=")), "{script}");

    let response = app.get(&script).await;

    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(content_type(response.headers()), "text/javascript; charset=utf-8");
    assert_eq!(
        header(&response, "cache-control"),
        "public, max-age=31536000, immutable"
    );
    assert!(header(&response, "etag").starts_with('"'));
    assert!(response.text().await.unwrap().contains("sessionStorage"));
}

#[tokio::test]
async fn pages_that_are_html_already_are_untouched() {
    let app = spawn_app().await;
    let plain = app.get("/rels/products").await.text().await.unwrap();

    let response = app.browse("/rels/products").await;

    assert_eq!(response.status(), StatusCode::OK);
    assert!(!response.headers().contains_key("content-security-policy"));
    assert_eq!(response.text().await.unwrap(), plain);
}

#[tokio::test]
async fn a_post_from_a_browser_is_answered_in_json() {
    let app = spawn_app().await;

    let response = send(
        app.client
            .request(Method::POST, app.url("/bill"))
            .header("accept", BROWSER_ACCEPT)
            .json(&serde_json::json!({})),
    )
    .await;

    assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(content_type(response.headers()), "application/problem+json");
    let problem: Value = response.json().await.expect("problem body");
    assert_eq!(problem["code"], "validation_failed");
}
