use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{content_type, spawn_app};

const COMMITTED: &str = include_str!("../../openapi/openapi.json");

#[tokio::test]
async fn the_committed_spec_matches_what_the_code_serves() {
    let app = spawn_app().await;
    let served: Value = app.get("/openapi.json").await.json().await.unwrap();
    let committed: Value = serde_json::from_str(COMMITTED).expect("openapi/openapi.json is JSON");
    assert!(
        served == committed,
        "openapi/openapi.json is stale: regenerate it with `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn every_operation_is_documented_with_a_summary_and_described_responses() {
    let spec: Value = serde_json::from_str(COMMITTED).unwrap();
    assert!(spec["openapi"].as_str().unwrap().starts_with("3."));
    let mut operations = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let name = format!("{method} {path}");
            assert!(
                operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{name} has no summary"
            );
            assert!(operation["operationId"].is_string(), "{name} has no operationId");
            for (status, response) in operation["responses"].as_object().unwrap() {
                assert!(
                    response["description"].as_str().is_some_and(|d| !d.is_empty()),
                    "{name} {status} has no description"
                );
                if status.starts_with('4') || status.starts_with('5') {
                    assert!(
                        response["content"]["application/problem+json"].is_object(),
                        "{name} {status}"
                    );
                }
            }
        }
    }
    assert!(operations >= 7);
    assert_eq!(
        spec["components"]["securitySchemes"]["merchant"]["scheme"],
        "basic"
    );
}

#[tokio::test]
async fn swagger_ui_is_served_at_docs() {
    let app = spawn_app().await;
    let response = app.get("/docs").await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(content_type(response.headers()).starts_with("text/html"));
    let page = response.text().await.unwrap();
    assert!(page.contains("swagger") || page.contains("Swagger"));
}
