//! The OpenAPI document's examples work: Swagger UI's prefilled requests succeed against the
//! demo data, and each problem response shows a problem of its own status.

use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{Who, spawn_app_with};

fn spec() -> Value {
    serde_json::from_str(&halshop::api::spec_json()).unwrap()
}

fn order_input_example() -> Value {
    spec()["components"]["schemas"]["OrderInput"]["example"].clone()
}

#[tokio::test]
async fn the_documented_bill_example_prices_against_the_demo_catalogue() {
    let app = spawn_app_with(|settings| settings.seed_demo = true).await;
    let response = app
        .post_json(Who::Anonymous, "/bill", &order_input_example())
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    let bill: Value = response.json().await.unwrap();
    assert_eq!(bill["grand_total"]["amount"], "4.99", "{bill}");
    assert_eq!(bill["lines"][0]["title"], "Pride and Prejudice", "{bill}");
}

#[tokio::test]
async fn the_documented_order_example_places_an_order_on_the_demo_catalogue() {
    let app = spawn_app_with(|settings| settings.seed_demo = true).await;
    let response = app
        .post_json(Who::Anonymous, "/orders", &order_input_example())
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let order: Value = response.json().await.unwrap();
    assert_eq!(order["status"], "awaiting_payment", "{order}");
}

#[test]
fn every_problem_response_has_an_example_of_its_own_status_and_a_real_code() {
    let spec = spec();
    let mut checked = 0;
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                let Some(media) = response["content"].get("application/problem+json") else {
                    continue;
                };
                let example = &media["example"];
                let at = format!("{method} {path} {status}");
                assert_eq!(example["status"].to_string(), *status, "{at}");
                let code = example["code"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{at}: no code"));
                let kind = halshop::http::problems::by_code(code).unwrap_or_else(|| panic!("{at}: {code}"));
                assert_eq!(kind.status.to_string(), *status, "{at}");
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "{checked}");
}
