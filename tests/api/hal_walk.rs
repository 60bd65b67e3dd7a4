//! A generic HAL client's walk: from the root URL alone, by following links and nothing
//! else, a buyer browses, orders, pays on the sandbox page, and asks for a refund; every
//! embedded resource met on the way answers its `self`.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, Who, ebook, expect_json, link, self_href, send, spawn_app};

/// Expands an RFC 6570 form-style template (`…{?a,b}`) with `values`; unset names are left out.
fn expand(template: &str, values: &[(&str, &str)]) -> String {
    let Some(open) = template.find("{?") else {
        return template.to_owned();
    };
    let names = template[open + 2..].trim_end_matches('}').split(',');
    let pairs: Vec<String> = names
        .filter_map(|name| values.iter().find(|(n, _)| *n == name))
        .map(|(name, value)| format!("{name}={}", crate::helpers::urlencode(value)))
        .collect();
    let base = &template[..open];
    if pairs.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", pairs.join("&"))
    }
}

/// The `self` of every item embedded anywhere in `document`.
fn embedded_selves(document: &Value, found: &mut Vec<String>) {
    if let Some(embedded) = document["_embedded"].as_object() {
        for items in embedded.values() {
            let items = items.as_array().cloned().unwrap_or_else(|| vec![items.clone()]);
            for item in items {
                found.push(self_href(&item));
                embedded_selves(&item, found);
            }
        }
    }
}

/// GETs `href` as `who`; asserts 200 and follows every embedded item's `self` (200 too).
async fn visit(app: &TestApp, who: Who<'_>, href: &str) -> Value {
    let document = expect_json(app.get_as(who, href).await, StatusCode::OK).await;
    let mut selves = Vec::new();
    embedded_selves(&document, &mut selves);
    for item in selves {
        let response = app.get_as(who, &item).await;
        assert_eq!(response.status(), StatusCode::OK, "{item}, embedded in {href}");
    }
    document
}

/// Submits the sandbox page's Pay button: the form's action, as the page gives it.
async fn pay_on_the_sandbox_page(app: &TestApp, page_url: &str) {
    let page = app.get(page_url).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let start = html.find("action=\"").expect("the page has a form") + "action=\"".len();
    let action = html[start..][..html[start..].find('"').unwrap()].replace("&amp;", "&");
    assert!(html.contains("name=\"decision\" value=\"pay\""), "{html}");
    let paid = send(
        app.request(Method::POST, &action, Who::Anonymous)
            .form(&[("decision", "pay")]),
    )
    .await;
    assert!(
        paid.status().is_success() || paid.status().is_redirection(),
        "{}",
        paid.status()
    );
}

#[tokio::test]
async fn a_buyer_goes_from_the_root_to_a_refund_by_links_alone() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    app.create_product(&merchant, &ebook(1)).await;

    let root = visit(&app, Who::Anonymous, &app.url("/")).await;
    let products = expand(&link(&root, "shop:products"), &[("kind", "ebook")]);
    let products = visit(&app, Who::Anonymous, &products).await;
    let product = visit(
        &app,
        Who::Anonymous,
        &self_href(&products["_embedded"]["shop:products"][0]),
    )
    .await;

    let cart = json!({
        "products": [{"product": self_href(&product), "quantity": 1}],
        "consumer": {"email": "noor@example.com", "first_name": "Noor", "last_name": "Haddad",
                     "country": "BE"},
    });
    let bill = expect_json(
        app.post_json(Who::Anonymous, &link(&root, "shop:bill"), &cart)
            .await,
        StatusCode::OK,
    )
    .await;
    let placed = app
        .post_json(Who::Anonymous, &link(&bill, "shop:orders"), &cart)
        .await;
    let placed = expect_json(placed, StatusCode::CREATED).await;
    let token = placed["token"].as_str().unwrap().to_owned();
    let holder = Who::OrderToken(&token);
    let order = visit(&app, holder, &self_href(&placed)).await;

    pay_on_the_sandbox_page(&app, &link(&order, "payment")).await;
    let order = visit(&app, holder, &self_href(&order)).await;
    assert_eq!(order["status"], "completed", "{order}");
    assert_eq!(order["_embedded"]["shop:deliveries"].as_array().unwrap().len(), 1);
    visit(&app, holder, &link(&order, "shop:deliveries")).await;
    visit(&app, holder, &link(&order, "shop:refund_bill")).await;

    let requests = link(&order, "shop:refund_requests");
    let body = json!({"order": self_href(&order), "refund_percentage": "1.00"});
    let opened = expect_json(app.post_json(holder, &requests, &body).await, StatusCode::CREATED).await;
    let request = visit(&app, holder, &self_href(&opened)).await;
    assert_eq!(request["status"], "new");
    assert_eq!(link(&request, "shop:order"), self_href(&order));
    let listed = visit(&app, holder, &requests).await;
    assert_eq!(listed["item_count"], 1);
}
