//! Lending events: each carries the loan, hold or licence as its library reads it.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    Who, events_of, expect_json,
    lending::{borrow, hold, stocked_library},
    link, spawn_app,
};

/// A document without its `_templates`: what the library reads, less what it may do.
fn without_templates(mut document: Value) -> Value {
    if let Some(object) = document.as_object_mut() {
        object.remove("_templates");
    }
    document
}

#[tokio::test]
async fn a_loan_created_event_carries_the_loan_as_its_library_reads_it() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 1, json!({"max_concurrent_loans": 1}), 1).await;
    let loan = expect_json(borrow(&app, &library, &product, "ada").await, StatusCode::CREATED).await;
    let events = events_of(&app, Who::Merchant(&merchant), "loan.created", 1).await;
    assert_eq!(events[0]["data"], without_templates(loan));
}

#[tokio::test]
async fn a_returned_copy_reports_the_return_and_the_hold_made_ready() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 2, json!({"max_concurrent_loans": 1}), 1).await;
    let loan = expect_json(borrow(&app, &library, &product, "ada").await, StatusCode::CREATED).await;
    let waiting = expect_json(hold(&app, &library, &product, "bob").await, StatusCode::CREATED).await;
    let url = format!("{}/return", link(&loan, "self"));
    expect_json(
        app.post_json(library.who(), &url, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let events = events_of(&app, Who::Merchant(&merchant), "loan.returned,hold.ready", 2).await;
    let kinds: Vec<&Value> = events.iter().map(|event| &event["type"]).collect();
    assert_eq!(kinds, [&json!("loan.returned"), &json!("hold.ready")]);
    assert_eq!(events[0]["data"]["status"], "returned");
    assert_eq!(events[1]["data"]["uid"], waiting["uid"]);
    assert_eq!(events[1]["data"]["status"], "ready");
}

#[tokio::test]
async fn the_last_loan_a_licence_may_make_reports_it_exhausted() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let terms = json!({"max_concurrent_loans": 1, "max_total_loans": 1});
    let (library, product) = stocked_library(&app, &merchant, 3, terms, 1).await;
    let loan = expect_json(borrow(&app, &library, &product, "ada").await, StatusCode::CREATED).await;
    let events = events_of(&app, Who::Merchant(&merchant), "licence.exhausted", 1).await;
    assert_eq!(
        events[0]["data"]["_links"]["self"]["href"],
        link(&loan, "shop:licence")
    );
    assert_eq!(events[0]["data"]["status"], "exhausted");
    assert_eq!(events[0]["data"]["loans_used"], 1);
}
