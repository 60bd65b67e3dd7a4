//! Everything is reachable by links: the root and `/me` lead to the library, a delivery to
//! code redemption, and the relation and problem pages have indexes.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{
    Who, content_type, expect_json, identity::customer_token, link, sales::sold, spawn_app,
};

#[tokio::test]
async fn me_links_to_the_customers_library() {
    let app = spawn_app().await;
    let alice = customer_token(&app, "alice").await;
    let me = expect_json(app.get_as(Who::Bearer(&alice), "/me").await, StatusCode::OK).await;
    let library = app.get_as(Who::Bearer(&alice), &link(&me, "shop:library")).await;
    let library = expect_json(library, StatusCode::OK).await;
    assert_eq!(library["item_count"], 0);
}

#[tokio::test]
async fn the_root_links_to_me_and_the_library() {
    let app = spawn_app().await;
    let root = expect_json(app.get("/").await, StatusCode::OK).await;
    assert_eq!(link(&root, "shop:me"), app.url("/me"));
    assert_eq!(link(&root, "shop:library"), app.url("/me/library"));
}

#[tokio::test]
async fn a_delivery_with_an_active_code_links_to_code_redemption() {
    let sold = sold().await;
    let epub = sold.delivery("epub").await;
    let target = link(&epub, "shop:code_redemption");
    let alice = customer_token(sold.app(), "alice").await;
    let body = json!({"code": epub["access_code"]});
    let redeemed = sold.app().post_json(Who::Bearer(&alice), &target, &body).await;
    let redeemed = expect_json(redeemed, StatusCode::OK).await;
    assert_eq!(link(&redeemed, "shop:delivery"), link(&epub, "self"));
}

#[tokio::test]
async fn a_redeemed_delivery_no_longer_links_to_code_redemption() {
    let sold = sold().await;
    let epub = sold.delivery("epub").await;
    let alice = customer_token(sold.app(), "alice").await;
    let body = json!({"code": epub["access_code"]});
    let target = link(&epub, "shop:code_redemption");
    sold.app().post_json(Who::Bearer(&alice), &target, &body).await;
    let now = sold.delivery("epub").await;
    assert_eq!(now["status"], "redeemed");
    assert!(now["_links"].get("shop:code_redemption").is_none(), "{now}");
}

#[tokio::test]
async fn the_relations_index_links_every_relation_page_with_a_summary() {
    let app = spawn_app().await;
    let response = app.get("/rels/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(response.headers()).starts_with("text/html"));
    let page = response.text().await.unwrap();
    for rel in [
        "orders",
        "order_lines",
        "library",
        "code_redemption",
        "refund_requests",
    ] {
        let href = app.url(&format!("/rels/{rel}"));
        assert!(
            page.contains(&format!("<a href=\"{href}\"><code>shop:{rel}</code></a> — ")),
            "{rel}: {page}"
        );
        assert_eq!(app.get(&href).await.status(), StatusCode::OK, "{rel}");
    }
}

#[tokio::test]
async fn the_problems_index_lists_every_code_with_its_title() {
    let app = spawn_app().await;
    let response = app.get("/problems/").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(response.headers()).starts_with("text/html"));
    let page = response.text().await.unwrap();
    for problem in halshop::http::problems::ALL {
        let href = app.url(&format!("/problems/{}", problem.code));
        let entry = format!("<a href=\"{href}\"><code>{}</code></a> — ", problem.code);
        assert!(page.contains(&entry), "{}: {page}", problem.code);
    }
    assert!(page.contains("Malformed request"), "{page}");
}
