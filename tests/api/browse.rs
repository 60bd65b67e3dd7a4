//! The browsable API: a browser following links gets HTML pages of the same resources; every
//! other client keeps getting HAL+JSON.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::helpers::{
    content_type, ebook, header,
    pages::{BROWSER_ACCEPT, attribute_of, expect_page, fieldset_of, form_named, ids, label_of},
    refunds::paid,
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
async fn the_bill_page_offers_pricing_and_placing_an_order_each_as_a_form() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/bill").await, StatusCode::OK).await;

    for (title, target) in [("Price the cart", "/bill"), ("Place the order", "/orders")] {
        let form = form_named(&page, title).unwrap_or_else(|| panic!("no form {title}: {page}"));
        assert_eq!(
            attribute_of(form, "class=\"hal-form\"", "data-target"),
            Some(app.url(target))
        );
        assert_eq!(
            attribute_of(form, "class=\"hal-form\"", "data-method").as_deref(),
            Some("POST")
        );
        assert_eq!(label_of(form, "currency").as_deref(), Some("Currency currency"));
        let button = format!("<button type=\"submit\" disabled>{title}</button>");
        assert!(form.contains(&button), "{form}");
    }
    // `default` repeats `price`: it is not offered a second time.
    assert_eq!(page.matches("<form class=\"hal-form\"").count(), 2, "{page}");
}

#[tokio::test]
async fn every_field_of_the_bill_page_has_an_id_of_its_own_and_a_label() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/bill").await, StatusCode::OK).await;

    let ids = ids(&page);
    let distinct: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(distinct.len(), ids.len(), "{ids:?}");
    let fields = ids
        .iter()
        .filter(|id| id.starts_with("field-") && !id.ends_with("-hint"));
    for id in fields {
        let label = format!("<label for=\"{id}\"");
        assert_eq!(page.matches(&label).count(), 1, "{id}: {page}");
    }
    assert_eq!(page.matches(" data-field=\"email\"").count(), 2, "{page}");
}

#[tokio::test]
async fn an_object_property_is_a_fieldset_of_labelled_fields() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/bill").await, StatusCode::OK).await;

    let form = form_named(&page, "Price the cart").expect("the pricing form");
    let consumer = fieldset_of(form, "consumer").expect("a consumer fieldset");
    assert!(
        consumer.starts_with(
            "<fieldset class=\"object\" data-field=\"consumer\" data-kind=\"object\" data-required>\
             <legend class=\"required\">Consumer <code class=\"name\">consumer</code></legend>"
        ),
        "{consumer}"
    );
    for (name, label) in [
        ("email", "Email email"),
        ("first_name", "First name first_name"),
        ("last_name", "Last name last_name"),
        ("country", "Country country"),
        ("region", "Region region"),
    ] {
        assert_eq!(label_of(consumer, name).as_deref(), Some(label), "{consumer}");
    }
    assert!(
        consumer.contains(" data-field=\"country\" data-type=\"text\" required pattern=\"^[A-Za-z]{2}$\">"),
        "{consumer}"
    );
    assert!(
        consumer.contains(" data-field=\"region\" data-type=\"text\" pattern="),
        "{consumer}"
    );
}

#[tokio::test]
async fn a_list_of_objects_is_a_fieldset_of_one_numbered_item_and_an_add_button() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/bill").await, StatusCode::OK).await;

    let form = form_named(&page, "Place the order").expect("the order form");
    let products = fieldset_of(form, "products").expect("a products fieldset");
    assert!(
        products.starts_with(
            "<fieldset class=\"list\" data-field=\"products\" data-kind=\"list\" data-required \
             data-item-prompt=\"Products\"><legend class=\"required\">Products <code class=\"name\">products</code>\
             </legend><fieldset class=\"item\" data-item><legend>Products 1</legend>"
        ),
        "{products}"
    );
    assert_eq!(label_of(products, "product").as_deref(), Some("Product product"));
    assert_eq!(
        label_of(products, "quantity").as_deref(),
        Some("Quantity quantity")
    );
    assert!(
        products
            .contains(" data-field=\"quantity\" data-type=\"number\" required min=\"1.0\" max=\"1000.0\""),
        "{products}"
    );
    assert!(
        products.ends_with(
            "</fieldset><p class=\"add\"><button type=\"button\" data-add disabled>Add another product</button></p></fieldset>"
        ),
        "{products}"
    );
}

#[tokio::test]
async fn a_list_of_plain_values_is_one_field_of_comma_separated_values() {
    let app = spawn_app().await;

    let page = expect_page(app.browse("/bill").await, StatusCode::OK).await;

    let form = form_named(&page, "Place the order").expect("the order form");
    assert_eq!(label_of(form, "vouchers").as_deref(), Some("Vouchers vouchers"));
    let id = attribute_of(form, " name=\"vouchers\"", "id").expect("a vouchers field");
    let field = format!(
        "<input type=\"text\" id=\"{id}\" name=\"vouchers\" data-field=\"vouchers\" data-type=\"text\" \
         data-multi aria-describedby=\"{id}-hint\"> <small id=\"{id}-hint\" class=\"hint\">\
         Several values: separate them with commas.</small>"
    );
    assert!(form.contains(&field), "{form}");
}

#[tokio::test]
async fn an_optional_object_asks_for_nothing_until_it_is_filled_in() {
    let paid = paid().await;
    let order = paid.order_uri();
    let token = [("order-token", paid.placed.token.as_str())];

    let page = expect_page(
        paid.app.browse_with(Method::GET, &order, &token).await,
        StatusCode::OK,
    )
    .await;

    let form = form_named(&page, "Request a refund").expect("the refund request form");
    let bank = fieldset_of(form, "bank_details").expect("a bank details fieldset");
    assert!(
        bank.starts_with(
            "<fieldset class=\"object\" data-field=\"bank_details\" data-kind=\"object\">\
             <legend>Bank details <code class=\"name\">bank_details</code></legend>"
        ),
        "{bank}"
    );
    assert_eq!(
        label_of(bank, "account_holder").as_deref(),
        Some("Account holder account_holder")
    );
    assert_eq!(label_of(bank, "iban").as_deref(), Some("IBAN iban"));
    assert!(!bank.contains(" required"), "{bank}");
    let fixed = format!(
        "data-field=\"order\" data-type=\"text\" required maxlength=\"2048\" readonly value=\"{order}\">"
    );
    assert!(form.contains(&fixed), "{form}");
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
