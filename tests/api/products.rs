use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem, assert_problem_at, content_type, ebook, error_paths, isbn_for, spawn_app,
    spawn_app_with, ticket,
};

#[tokio::test]
async fn merchant_creates_an_ebook_and_anyone_reads_it_back() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let response = app.post_product(&merchant, &ebook(1)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(content_type(response.headers()), "application/hal+json");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let created: Value = response.json().await.unwrap();
    assert_eq!(
        location,
        app.url(&format!("/products/{}", created["uid"].as_str().unwrap()))
    );
    assert_eq!(created["isbn"], isbn_for(1));
    assert_eq!(created["price"], json!({"amount": "12.50", "currency": "EUR"}));
    assert_eq!(created["max_per_order"], 1);
    assert_eq!(
        created["refund_policy"],
        json!({"refund_days": 14, "usage_limit_percent": 10})
    );
    assert_eq!(created["available"], true);

    let response = app.get(&location).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["etag"].to_str().unwrap(), etag);
    let read: Value = response.json().await.unwrap();
    assert_eq!(read["_links"]["self"]["href"], location);
    assert_eq!(read["title"], "Book number 1");
    assert_eq!(
        read["created_at"].as_str().unwrap().len(),
        20,
        "RFC 3339, whole seconds, Z"
    );
}

#[tokio::test]
async fn a_ticket_defaults_its_format_and_keeps_its_max_per_order() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let created = app.create_product(&merchant, &ticket(1)).await;
    assert_eq!(created["format"], "ticket");
    assert_eq!(created["max_per_order"], 4);
    assert!(created.get("isbn").is_none());
}

#[tokio::test]
async fn isbn_inputs_are_normalised_or_refused_with_the_expected_digit() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let good = [
        ("978-0-306-40615-7", "9780306406157"),
        ("0-8044-2957-X", "9780804429573"),
        ("979 10 90636 07 1", "9791090636071"),
    ];
    for (n, (input, stored)) in good.iter().enumerate() {
        let mut body = ebook(500 + n as u32);
        body["isbn"] = json!(input);
        let created = app.create_product(&merchant, &body).await;
        assert_eq!(created["isbn"], *stored, "{input}");
    }
    let bad = [
        ("9780306406158", "check digit is 8, expected 7"),
        ("0306406153", "check digit is 3, expected 2"),
        (
            "97803064061",
            "an ISBN has 13 digits (or 10 for an ISBN-10); found 11",
        ),
        ("1234567890128", "an ISBN-13 starts with 978 or 979; found 123"),
        (
            "978-0-306-4061a-7",
            "an ISBN holds only digits (and X as the last character of an ISBN-10), hyphens and spaces; found 'a'",
        ),
    ];
    for (input, message) in bad {
        let mut body = ebook(600);
        body["isbn"] = json!(input);
        let problem = assert_problem(
            app.post_product(&merchant, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
        )
        .await;
        assert_eq!(
            problem["errors"],
            json!([{"path": "/isbn", "message": message}]),
            "{input}"
        );
    }
    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 3, "refused products are not stored");
}

#[tokio::test]
async fn the_same_isbn_in_the_same_format_is_a_conflict_but_another_format_is_fine() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    app.create_product(&merchant, &ebook(1)).await;

    let mut same = ebook(2);
    same["isbn"] = json!(isbn_for(1));
    let problem = assert_problem(
        app.post_product(&merchant, &same).await,
        StatusCode::CONFLICT,
        "isbn_taken",
    )
    .await;
    assert_eq!(problem["errors"][0]["path"], "/isbn");

    let other_merchant = app.merchant_named("Another shop").await;
    assert_problem(
        app.post_product(&other_merchant, &same).await,
        StatusCode::CONFLICT,
        "isbn_taken",
    )
    .await;

    let mut pdf = same.clone();
    pdf["format"] = json!("pdf");
    let created = app.create_product(&merchant, &pdf).await;
    assert_eq!(created["format"], "pdf");
}

#[tokio::test]
async fn a_sku_is_unique_per_merchant_only() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    app.create_product(&merchant, &ticket(1)).await;
    let problem = assert_problem(
        app.post_product(&merchant, &ticket(1)).await,
        StatusCode::CONFLICT,
        "sku_taken",
    )
    .await;
    assert_eq!(problem["errors"][0]["path"], "/sku");
    let other = app.merchant_named("Another shop").await;
    app.create_product(&other, &ticket(1)).await;
}

#[tokio::test]
async fn invalid_products_are_refused_with_every_bad_field_named() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"max_per_order": 2}), vec!["/max_per_order"]),
        (json!({"format": "ticket"}), vec!["/format"]),
        (json!({"format": null}), vec!["/format"]),
        (json!({"isbn": null}), vec!["/isbn"]),
        (json!({"sku": "has space"}), vec!["/sku"]),
        (json!({"title": "  "}), vec!["/title"]),
        (
            json!({"price": {"amount": "1.999", "currency": "EUR"}}),
            vec!["/price/amount"],
        ),
        (
            json!({"price": {"amount": "-1.00", "currency": "EUR"}}),
            vec!["/price/amount"],
        ),
        (
            json!({"price": {"amount": "5.00", "currency": "XXX"}}),
            vec!["/price/currency"],
        ),
        (
            json!({"refund_policy": {"refund_days": 400, "usage_limit_percent": 101}}),
            vec!["/refund_policy/refund_days", "/refund_policy/usage_limit_percent"],
        ),
        (json!({"sku": "", "title": ""}), vec!["/sku", "/title"]),
        (json!({"kind": "vinyl"}), vec!["/kind"]),
        (json!({"max_per_order": "one"}), vec!["/max_per_order"]),
        (
            json!({"price": {"amount": 12.5, "currency": "EUR"}}),
            vec!["/price/amount"],
        ),
        (json!({"colour": "red"}), vec!["/colour"]),
    ];
    for (change, paths) in cases {
        let mut body = ebook(700);
        for (key, value) in change.as_object().unwrap() {
            body[key] = value.clone();
        }
        let response = app.post_product(&merchant, &body).await;
        let invalid = StatusCode::UNPROCESSABLE_ENTITY;
        let problem = assert_problem(response, invalid, "validation_failed").await;
        assert_eq!(error_paths(&problem), paths, "{change}: {problem}");
    }
    assert_eq!(app.count(Who::Anonymous, "/products").await, 0);
}

#[tokio::test]
async fn a_ticket_with_an_isbn_is_refused_at_the_isbn() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut ticket_with_isbn = ticket(9);
    ticket_with_isbn["isbn"] = json!(isbn_for(9));
    let response = app.post_product(&merchant, &ticket_with_isbn).await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem_at(response, invalid, "validation_failed", "/isbn").await;
    assert_eq!(app.count(Who::Anonymous, "/products").await, 0);
}

#[tokio::test]
async fn filters_select_by_text_isbn_format_and_kind() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut pride = ebook(1);
    pride["title"] = json!("Pride and Prejudice");
    pride["isbn"] = json!("0-306-40615-2");
    app.create_product(&merchant, &pride).await;
    let mut pdf = ebook(2);
    pdf["format"] = json!("pdf");
    pdf["title"] = json!("100% Pure_Fun");
    app.create_product(&merchant, &pdf).await;
    app.create_product(&merchant, &ticket(1)).await;

    let count = |path: String| {
        let app = &app;
        async move {
            let body: Value = app.get(&path).await.json().await.unwrap();
            assert_eq!(
                body["_embedded"]["shop:products"].as_array().unwrap().len() as u64,
                body["item_count"].as_u64().unwrap()
            );
            body["item_count"].as_u64().unwrap()
        }
    };
    assert_eq!(count("/products?q=PRIDE".into()).await, 1);
    assert_eq!(count("/products?q=prejudice&kind=ticket".into()).await, 0);
    assert_eq!(
        count("/products?q=%25".into()).await,
        1,
        "a % in the text is literal"
    );
    assert_eq!(
        count("/products?q=_".into()).await,
        1,
        "an _ in the text is literal"
    );
    assert_eq!(count("/products?isbn=978-0-306-40615-7".into()).await, 1);
    assert_eq!(
        count("/products?isbn=0306406152".into()).await,
        1,
        "ISBN-10 filter is converted"
    );
    assert_eq!(count("/products?format=pdf".into()).await, 1);
    assert_eq!(count("/products?kind=ebook".into()).await, 2);
    assert_eq!(count("/products?kind=ticket".into()).await, 1);
    assert_eq!(count("/products?available=false".into()).await, 0);
}

#[tokio::test]
async fn bad_product_filters_are_refused_with_the_parameter_named() {
    let app = spawn_app().await;
    let response = app.get("/products?isbn=9780306406158").await;
    let invalid = StatusCode::UNPROCESSABLE_ENTITY;
    assert_problem_at(response, invalid, "validation_failed", "isbn").await;
    let response = app.get("/products?format=vinyl").await;
    assert_problem(response, StatusCode::BAD_REQUEST, "malformed_request").await;
    let response = app.get("/products?page_size=501").await;
    assert_problem_at(
        response,
        StatusCode::BAD_REQUEST,
        "malformed_request",
        "page_size",
    )
    .await;
}

#[tokio::test]
async fn an_unknown_product_is_a_404_problem() {
    let app = spawn_app().await;
    assert_problem(
        app.get("/products/0123456789abcdef0123456789abcdef").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/products/not-a-uid").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
    assert_problem(
        app.get("/products/not-a-uid/sales_points").await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn get_answers_304_to_a_matching_if_none_match() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;
    let path = format!("/products/{}", product["uid"].as_str().unwrap());
    for path in [path.as_str(), "/products", "/"] {
        let first = app.get(path).await;
        let etag = first.headers()["etag"].to_str().unwrap().to_owned();
        let again = app
            .client
            .get(app.url(path))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{path}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.text().await.unwrap().is_empty());
        let stale = app
            .client
            .get(app.url(path))
            .header("if-none-match", "\"stale\"")
            .send()
            .await
            .unwrap();
        assert_eq!(stale.status(), StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn put_needs_the_current_etag_in_if_match() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let response = app.post_product(&merchant, &ebook(1)).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let product: Value = response.json().await.unwrap();
    let url = app.url(&format!("/products/{}", product["uid"].as_str().unwrap()));
    let mut changed = ebook(1);
    changed["price"] = json!({"amount": "15.00", "currency": "EUR"});

    let put = |if_match: Option<String>, body: Value| {
        let mut request = app
            .client
            .put(&url)
            .basic_auth(&merchant.app_key, Some(&merchant.secret))
            .json(&body);
        if let Some(tag) = if_match {
            request = request.header("if-match", tag);
        }
        request.send()
    };
    assert_problem(
        put(None, changed.clone()).await.unwrap(),
        StatusCode::PRECONDITION_REQUIRED,
        "precondition_required",
    )
    .await;
    assert_problem(
        put(Some("\"other\"".into()), changed.clone()).await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    assert_problem(
        put(Some("no-quotes".into()), changed.clone()).await.unwrap(),
        StatusCode::BAD_REQUEST,
        "malformed_request",
    )
    .await;

    let response = put(Some(etag.clone()), changed.clone()).await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let new_etag = response.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(new_etag, etag);
    let updated: Value = response.json().await.unwrap();
    assert_eq!(updated["price"]["amount"], "15.00");
    assert_eq!(updated["uid"], product["uid"]);

    let problem = assert_problem(
        put(Some(etag), changed.clone()).await.unwrap(),
        StatusCode::PRECONDITION_FAILED,
        "precondition_failed",
    )
    .await;
    assert!(problem["detail"].as_str().unwrap().contains("changed"));
    let read: Value = app.get(&url).await.json().await.unwrap();
    assert_eq!(read["price"]["amount"], "15.00");
}

#[tokio::test]
async fn a_merchant_cannot_change_another_merchants_product() {
    let app = spawn_app().await;
    let owner = app.merchant().await;
    let other = app.merchant_named("Another shop").await;
    let response = app.post_product(&owner, &ebook(1)).await;
    let etag = response.headers()["etag"].to_str().unwrap().to_owned();
    let product: Value = response.json().await.unwrap();
    let response = app
        .client
        .put(app.url(&format!("/products/{}", product["uid"].as_str().unwrap())))
        .basic_auth(&other.app_key, Some(&other.secret))
        .header("if-match", etag)
        .json(&ebook(1))
        .send()
        .await
        .unwrap();
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}

#[tokio::test]
async fn merchant_credentials_are_required_to_add_a_product() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let none = app
        .client
        .post(app.url("/products"))
        .json(&ebook(1))
        .send()
        .await
        .unwrap();
    assert!(
        none.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
    assert_problem(none, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let wrong_secret = app
        .client
        .post(app.url("/products"))
        .basic_auth(&merchant.app_key, Some("sk_wrong"))
        .json(&ebook(1))
        .send()
        .await
        .unwrap();
    assert!(wrong_secret.headers().contains_key("www-authenticate"));
    assert_problem(wrong_secret, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let unknown_key = app
        .client
        .post(app.url("/products"))
        .basic_auth("mk_unknown", Some(&merchant.secret))
        .json(&ebook(1))
        .send()
        .await
        .unwrap();
    assert_problem(unknown_key, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let bearer = app
        .client
        .post(app.url("/products"))
        .bearer_auth(&merchant.secret)
        .json(&ebook(1))
        .send()
        .await
        .unwrap();
    assert_problem(bearer, StatusCode::UNAUTHORIZED, "unauthorized").await;

    let listed: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(listed["item_count"], 0);
    app.create_product(&merchant, &ebook(1)).await;
}

#[tokio::test]
async fn the_demo_catalogue_is_seeded_into_an_empty_database_with_its_store() {
    let app = spawn_app_with(|settings| settings.seed_demo = true).await;
    let page: Value = app.get("/products").await.json().await.unwrap();
    let products = page["_embedded"]["shop:products"].as_array().unwrap();
    assert!(products.len() >= 6);
    assert!(products.iter().any(|p| p["price_includes_tax"] == true));
    assert!(products.iter().any(|p| p["kind"] == "ticket"));
    assert!(products.iter().any(|p| p["format"] == "pdf") && products.iter().any(|p| p["format"] == "epub"));
    let sales_points = products[0]["_links"]["shop:sales_points"]["href"]
        .as_str()
        .unwrap();
    let stores: Value = app.get(sales_points).await.json().await.unwrap();
    assert_eq!(stores["item_count"], 1);
    assert_eq!(stores["_embedded"]["shop:sales_points"][0]["san"], "1234560");
    assert_eq!(
        stores["_links"]["shop:product"]["href"],
        products[0]["_links"]["self"]["href"]
    );

    let root: Value = app.get("/").await.json().await.unwrap();
    assert_eq!(root["customer_service"]["email"], "support@halshop.example");
}

#[tokio::test]
async fn each_sales_point_of_a_product_is_readable_at_its_own_self() {
    let app = spawn_app_with(|settings| settings.seed_demo = true).await;
    let page: Value = app.get("/products").await.json().await.unwrap();
    let sales_points = page["_embedded"]["shop:products"][0]["_links"]["shop:sales_points"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let stores: Value = app.get(&sales_points).await.json().await.unwrap();
    let listed = &stores["_embedded"]["shop:sales_points"][0];
    let store_url = listed["_links"]["self"]["href"].as_str().unwrap();
    let response = app.get(store_url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let store: Value = response.json().await.unwrap();
    assert_eq!(store["san"], "1234560");
    assert_eq!(store["name"], listed["name"]);
    assert_eq!(store["_links"]["self"]["href"], store_url);
}

#[tokio::test]
async fn an_unknown_store_is_not_found() {
    let app = spawn_app().await;
    let response = app.get("/stores/0123456789abcdef0123456789abcdef").await;
    assert_problem(response, StatusCode::NOT_FOUND, "not_found").await;
}
