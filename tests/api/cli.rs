use serde_json::Value;

use crate::helpers::{
    Who,
    cli::{halshop, json_stdout, keys, run_on, stderr},
    ebook,
    identity::customer_token,
    settings_from_args, spawn_app,
};

#[test]
fn the_openapi_command_prints_the_committed_spec() {
    let output = halshop(&["openapi"]).output().unwrap();
    assert!(output.status.success());
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    let committed: Value = serde_json::from_str(include_str!("../../openapi/openapi.json")).unwrap();
    assert!(
        printed == committed,
        "run `cargo run -- openapi > openapi/openapi.json`"
    );
}

#[tokio::test]
async fn merchant_create_prints_json_credentials_that_authenticate() {
    let dir = tempfile::tempdir().unwrap();
    let database_url = crate::helpers::fresh_database_url(&dir).await;
    let args = [
        "merchant",
        "create",
        "--name",
        "Librairie du Quartier",
        "--can-refund",
        "--sale-state",
        "live",
        "--json",
    ];
    let created = json_stdout(&run_on(&database_url, &args));
    assert_eq!(keys(&created), ["app_key", "secret", "uid"]);
    assert_eq!(created["uid"].as_str().unwrap().len(), 32);

    let db = sea_orm::Database::connect(&database_url).await.unwrap();
    let merchant = halshop::domain::merchants::authenticate(
        &db,
        created["app_key"].as_str().unwrap(),
        created["secret"].as_str().unwrap(),
    )
    .await
    .unwrap()
    .expect("the printed credentials authenticate");
    assert_eq!(merchant.name, "Librairie du Quartier");
    assert!(merchant.can_refund);
    assert_eq!(merchant.sale_state, "live");
    assert_ne!(
        merchant.secret_hash,
        created["secret"].as_str().unwrap(),
        "only a hash is stored"
    );
}

#[test]
fn help_lists_every_environment_variable() {
    let output = halshop(&["--help"]).output().unwrap();
    let help = String::from_utf8(output.stdout).unwrap();
    for name in [
        "DATABASE_URL",
        "HALSHOP_BIND",
        "HALSHOP_PUBLIC_URL",
        "HALSHOP_SEED_DEMO",
        "CONTENT_DIR",
        "HALSHOP_CORS_ORIGINS",
        "HALSHOP_HOLD_MINUTES",
    ] {
        assert!(help.contains(name), "{name} missing from --help");
    }
}

#[test]
fn a_bad_bind_address_is_reported_plainly() {
    let output = halshop(&["--bind", "not-an-address"])
        .env("DATABASE_URL", "sqlite::memory:")
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("HALSHOP_BIND"));
}

#[tokio::test]
async fn the_root_shows_the_first_merchant_created_with_the_cli_and_keeps_it_as_operator() {
    let app = spawn_app().await;
    let root = app.get_json(Who::Anonymous, "/").await;
    assert_eq!(root["name"], "halshop");
    assert!(root.get("customer_service").is_none(), "{root}");

    let create = |name: &str, email: &str| {
        let args = [
            "merchant",
            "create",
            "--name",
            name,
            "--support-email",
            email,
            "--json",
        ];
        json_stdout(&run_on(&app.database_url, &args))
    };
    create("Librairie du Quartier", "aide@quartier.example");
    // Another process wrote: the root shows it once its copy expires (within a second).
    let mut root = Value::Null;
    for _ in 0..30 {
        let response = app.get("/").await;
        assert_eq!(response.status(), reqwest::StatusCode::OK);
        root = response.json().await.unwrap();
        if root["name"] != "halshop" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(root["name"], "Librairie du Quartier");
    assert_eq!(root["customer_service"]["email"], "aide@quartier.example");
    assert_eq!(root["customer_service"]["phone"], "+1 514 555 0100");

    create("Second shop", "help@second.example");
    let root = app.get_json(Who::Anonymous, "/").await;
    assert_eq!(root["name"], "Librairie du Quartier");
    assert_eq!(root["customer_service"]["email"], "aide@quartier.example");
}

#[tokio::test]
async fn dev_seed_orders_writes_completed_orders_that_each_customer_lists() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;

    let output = run_on(&app.database_url, &["dev-seed-orders", "50", "--customers", "2"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let printed = String::from_utf8(output.stdout).unwrap();
    assert_eq!(printed.lines().count(), 1, "{printed}");
    assert!(
        printed.starts_with("seeded 50 completed orders of Test bookstore"),
        "{printed}"
    );

    let token = customer_token(&app, "seed-customer-1").await;
    assert_eq!(app.count(Who::Bearer(&token), "/orders").await, 25);
    let listing = app
        .get_json(Who::Bearer(&token), "/orders?status=completed")
        .await;
    assert_eq!(listing["item_count"], 25);
    let first = &listing["_embedded"]["shop:orders"][0];
    let order = app
        .get_json(Who::Bearer(&token), &crate::helpers::self_href(first))
        .await;
    assert_eq!(order["status"], "completed", "{order}");
    let lines = order["_embedded"]["shop:order_lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{order}");
    assert_eq!(lines[0]["sku"], product["sku"], "{order}");
    let other = customer_token(&app, "seed-customer-2").await;
    assert_eq!(app.count(Who::Bearer(&other), "/orders").await, 25);
}

#[test]
fn the_hold_of_unpaid_orders_is_given_in_minutes_and_may_be_a_fraction() {
    assert_eq!(settings_from_args(&[]).hold(), chrono::Duration::minutes(15));
    let short = settings_from_args(&["--hold-minutes", "0.5"]);
    assert_eq!(short.hold(), chrono::Duration::seconds(30));
    let output = halshop(&["--hold-minutes", "0", "openapi"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("more than 0"));
}
