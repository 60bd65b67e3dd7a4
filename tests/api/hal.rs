use std::collections::{BTreeSet, HashSet};

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{content_type, ebook, spawn_app, ticket};

/// Every `href` of every link in a HAL document, with its relation name.
fn links(document: &Value, found: &mut Vec<(String, Value)>) {
    match document {
        Value::Object(map) => {
            if let Some(Value::Object(links)) = map.get("_links") {
                for (rel, link) in links {
                    match link {
                        Value::Array(items) => found.extend(items.iter().map(|l| (rel.clone(), l.clone()))),
                        other => found.push((rel.clone(), other.clone())),
                    }
                }
            }
            for value in map.values() {
                links(value, found);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| links(item, found)),
        _ => {}
    }
}

#[tokio::test]
async fn every_link_from_the_root_answers_200_with_its_declared_media_type() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    app.create_product(&merchant, &ebook(1)).await;

    let root = app.get("/").await;
    assert_eq!(root.status(), StatusCode::OK);
    assert_eq!(content_type(root.headers()), "application/hal+json");
    let root: Value = root.json().await.unwrap();
    assert_eq!(root["_links"]["self"]["href"], app.url("/"));
    assert_eq!(root["customer_service"]["email"], "help@bookstore.example");
    assert_eq!(root["customer_service"]["phone"], "+33 1 23 45 67 89");

    let mut found = Vec::new();
    links(&root, &mut found);
    let followed: Vec<_> = found
        .iter()
        .filter(|(rel, link)| rel != "curies" && link["templated"] != true)
        .collect();
    assert!(followed.len() >= 3, "{root}");
    for (rel, link) in followed {
        let href = link["href"].as_str().unwrap();
        assert!(href.starts_with(&app.address), "{rel}: {href}");
        let response = app.get(href).await;
        if matches!(
            rel.as_str(),
            "shop:orders" | "shop:me" | "shop:library" | "shop:webhook_endpoints" | "shop:lending"
        ) {
            // Listing orders needs a customer or merchant, `/me` and the library a
            // customer, webhook endpoints a merchant, lending a library: anonymous callers
            // are told so.
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{rel}: {href}");
            assert_eq!(content_type(response.headers()), "application/problem+json");
            continue;
        }
        if rel == "shop:dev_tokens" {
            // Development sign-in is a POST only.
            assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED, "{rel}: {href}");
            continue;
        }
        assert_eq!(response.status(), StatusCode::OK, "{rel}: {href}");
        let media = content_type(response.headers());
        match link["type"].as_str() {
            Some("text/html") => assert!(media.starts_with("text/html"), "{rel}: {media}"),
            Some(_) => assert!(media.contains("json"), "{rel}: {media}"),
            None => assert_eq!(media, "application/hal+json", "{rel}"),
        }
    }
}

#[tokio::test]
async fn templated_root_links_expand_to_working_urls() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(2)).await;
    let root: Value = app.get("/").await.json().await.unwrap();

    let product_template = root["_links"]["shop:product"]["href"].as_str().unwrap();
    assert_eq!(root["_links"]["shop:product"]["templated"], true);
    let url = product_template.replace("{uid}", product["uid"].as_str().unwrap());
    let response = app.get(&url).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["uid"], product["uid"]);
    assert_eq!(body["_links"]["self"]["href"], url);

    assert_eq!(
        root["_links"]["shop:refund_requests"]["href"],
        app.url("/refund_requests{?order,status,page,page_size}")
    );
    assert_eq!(root["_links"]["shop:order"]["href"], app.url("/orders/{uid}"));
    let search = root["_links"]["shop:products"]["href"].as_str().unwrap();
    let (base, expression) = search.split_once('{').unwrap();
    assert_eq!(expression, "?q,isbn,format,kind,available,page,page_size}");
    let response = app.get(&format!("{base}?q=number&page=1")).await;
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["item_count"], 1, "{body}");
}

#[tokio::test]
async fn self_link_is_the_exact_requested_url_with_its_query() {
    let app = spawn_app().await;
    let path = "/products?kind=ebook&q=a%20b&page_size=7";
    let body: Value = app.get(path).await.json().await.unwrap();
    assert_eq!(body["_links"]["self"]["href"], app.url(path));
}

#[tokio::test]
async fn paging_links_walk_the_whole_collection_exactly_once() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut created = BTreeSet::new();
    for n in 0..7 {
        let product = app.create_product(&merchant, &ebook(100 + n)).await;
        created.insert(product["uid"].as_str().unwrap().to_owned());
    }
    app.create_product(&merchant, &ticket(1)).await;

    let mut seen = Vec::new();
    let mut next = Some(app.url("/products?kind=ebook&page_size=3"));
    let mut pages = 0;
    while let Some(url) = next {
        let page: Value = app.get(&url).await.json().await.unwrap();
        pages += 1;
        assert_eq!(page["item_count"], 7, "{page}");
        assert_eq!(page["_links"]["self"]["href"], url);
        assert!(
            page["_links"]["first"]["href"]
                .as_str()
                .unwrap()
                .contains("kind=ebook")
        );
        for item in page["_embedded"]["shop:products"].as_array().unwrap() {
            seen.push(item["uid"].as_str().unwrap().to_owned());
        }
        next = page["_links"]["next"]["href"].as_str().map(str::to_owned);
        if next.is_none() {
            assert!(
                page["_links"]["self"]["href"]
                    .as_str()
                    .unwrap()
                    .contains("page=3")
            );
            assert!(
                page["_links"]["prev"]["href"]
                    .as_str()
                    .unwrap()
                    .contains("page=2")
            );
            assert_eq!(page["_links"]["last"], page["_links"]["self"]);
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 7, "no product twice");
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), created);
}

#[tokio::test]
async fn an_empty_collection_has_one_page_and_no_next() {
    let app = spawn_app().await;
    let page: Value = app.get("/products").await.json().await.unwrap();
    assert_eq!(page["item_count"], 0);
    assert_eq!(page["_embedded"]["shop:products"], Value::Array(vec![]));
    assert!(page["_links"].get("next").is_none() && page["_links"].get("prev").is_none());
    assert_eq!(
        page["_links"]["last"]["href"],
        app.url("/products?page=1&page_size=50")
    );
}

#[tokio::test]
async fn every_emitted_shop_relation_and_curie_is_documented() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(3)).await;
    let uid = product["uid"].as_str().unwrap();

    let mut rels = HashSet::new();
    for path in [
        "/".to_owned(),
        "/products".into(),
        format!("/products/{uid}"),
        format!("/products/{uid}/sales_points"),
    ] {
        let document: Value = app.get(&path).await.json().await.unwrap();
        let mut found = Vec::new();
        links(&document, &mut found);
        for (rel, link) in found {
            if rel == "curies" {
                assert_eq!(link["name"], "shop");
                assert_eq!(link["href"], app.url("/rels/{rel}"));
                assert_eq!(link["templated"], true);
            } else if let Some(name) = rel.strip_prefix("shop:") {
                rels.insert(name.to_owned());
            }
        }
        assert!(document["_links"]["curies"].is_array(), "{path}: {document}");
    }
    assert!(rels.len() >= 3, "{rels:?}");
    for rel in rels {
        let response = app.get(&format!("/rels/{rel}")).await;
        assert_eq!(response.status(), StatusCode::OK, "shop:{rel}");
        assert!(content_type(response.headers()).starts_with("text/html"));
        assert!(response.text().await.unwrap().contains(&format!("shop:{rel}")));
    }
}

#[tokio::test]
async fn every_embedded_item_repeats_the_curies() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    app.create_product(&merchant, &ebook(4)).await;
    let page: Value = app.get("/products").await.json().await.unwrap();
    for item in page["_embedded"]["shop:products"].as_array().unwrap() {
        assert_eq!(item["_links"]["curies"], page["_links"]["curies"]);
    }
}
