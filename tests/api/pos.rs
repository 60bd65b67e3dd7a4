use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{MerchantCredentials, TestApp, assert_problem, ebook, spawn_app};

struct Till {
    app: TestApp,
    merchant: MerchantCredentials,
    token: String,
    product_uid: String,
}

const SAN: &str = "123-4560";

async fn till() -> Till {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;
    let merchant_id = entity::merchant::Entity::find()
        .filter(entity::merchant::Column::AppKey.eq(merchant.app_key.clone()))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let store = halshop::domain::stores::create(
        &app.db,
        merchant_id,
        "Librairie du Plateau",
        &halshop::domain::san::San::parse(SAN).unwrap(),
    )
    .await
    .unwrap();
    Till {
        app,
        merchant,
        token: store.token,
        product_uid: product["uid"].as_str().unwrap().to_owned(),
    }
}

impl Till {
    async fn form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    async fn buy(&self, ptid: &str) -> reqwest::Response {
        self.form(
            "/stores/1234560/purchases",
            &[
                ("token", &self.token),
                ("san", "1234560"),
                ("partner_transact_id", ptid),
                ("book_id", "BOOK-1"),
            ],
        )
        .await
    }

    async fn void(&self, ptid: &str, purchase: &str) -> reqwest::Response {
        self.form(
            "/stores/123-4560/refunds",
            &[
                ("token", &self.token),
                ("partner_transact_id", ptid),
                ("purchase_transact_id", purchase),
            ],
        )
        .await
    }

    async fn customer_token(&self, sub: &str, email: &str) -> String {
        let key = halshop::auth::dev_idp::load_or_create(&self.app.db)
            .await
            .unwrap();
        let now = chrono::Utc::now().timestamp();
        key.sign(
            &json!({"sub": sub, "email": email, "iss": self.app.url("/dev-idp"), "token_use": "access",
                          "client_id": "halshop-dev", "exp": now + 600}),
        )
        .unwrap()
    }

    async fn redeem(&self, token: &str, code: &str) -> reqwest::Response {
        self.app
            .client
            .post(self.app.url("/code_redemptions"))
            .bearer_auth(token)
            .json(&json!({"code": code}))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_form_purchase_replayed_three_times_gives_one_access_code() {
    let till = till().await;
    let first = till.buy("878341937616").await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first: Value = first.json().await.unwrap();
    let code = first["access_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 10);
    assert_eq!(first["partner_transact_id"], "878341937616");
    assert_eq!(first["access_url"], till.app.url("/code_redemptions"));
    for _ in 0..2 {
        let again = till.buy("878341937616").await;
        assert_eq!(again.status(), StatusCode::OK);
        let again: Value = again.json().await.unwrap();
        assert_eq!(again["access_code"], code.as_str());
        assert_eq!(again["vendor_transact_id"], first["vendor_transact_id"]);
    }
    let orders = entity::order::Entity::find()
        .filter(entity::order::Column::Channel.eq("store"))
        .count(&till.app.db)
        .await
        .unwrap();
    assert_eq!(orders, 1);

    let conflicting = till
        .form(
            "/stores/1234560/purchases",
            &[
                ("token", &till.token),
                ("partner_transact_id", "878341937616"),
                ("book_id", "BOOK-1"),
                ("email", "a@example.com"),
            ],
        )
        .await;
    let problem = assert_problem(conflicting, StatusCode::CONFLICT, "partner_transact_id_reused").await;
    assert_eq!(
        problem["detail"],
        "The submitted partner_transact_id has already been submitted for this store"
    );
}

#[tokio::test]
async fn identical_purchases_racing_make_one_order_and_json_with_bearer_works() {
    let till = till().await;
    let buy = || {
        till.app
            .client
            .post(till.app.url("/stores/1234560/purchases"))
            .bearer_auth(&till.token)
            .json(&json!({"partner_transact_id": 42, "book_id": "BOOK-1"}))
            .send()
    };
    let responses = futures::future::join_all((0..6).map(|_| buy())).await;
    let mut codes = std::collections::HashSet::new();
    for response in responses {
        let response = response.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        codes.insert(
            response.json::<Value>().await.unwrap()["access_code"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(codes.len(), 1);
    assert_eq!(
        entity::delivery::Entity::find()
            .count(&till.app.db)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_purchase_for_an_email_goes_straight_to_that_library() {
    let till = till().await;
    let response = till
        .form(
            "/stores/1234560/purchases",
            &[
                ("token", &till.token),
                ("partner_transact_id", "9"),
                ("book_id", "BOOK-1"),
                ("email", "lea@example.com"),
                ("first_name", "Léa"),
                ("last_name", "Roy"),
                ("send_email", "False"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("access_code").is_none() && body.get("access_url").is_none());
    let token = till.customer_token("lea-sub", "lea@example.com").await;
    let library: Value = till
        .app
        .client
        .get(till.app.url("/me/library"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(library["item_count"], 1);
    assert_eq!(
        library["_embedded"]["shop:deliveries"][0]["title"],
        "Book number 1"
    );
}

#[tokio::test]
async fn a_void_kills_the_code_and_a_redeemed_code_cannot_be_voided() {
    let till = till().await;
    let code = till.buy("p1").await.json::<Value>().await.unwrap()["access_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = till.void("v1", "p1").await;
    assert_eq!(response.status(), StatusCode::OK);
    let voided: Value = response.json().await.unwrap();
    assert_eq!(voided["partner_transact_id"], "v1");
    assert!(voided["timestamp"].as_str().unwrap().ends_with('Z'));
    let again: Value = till.void("v1", "p1").await.json().await.unwrap();
    assert_eq!(
        again["vendor_transact_id"], voided["vendor_transact_id"],
        "a replayed void is the same void"
    );
    let problem = assert_problem(
        till.void("v2", "p1").await,
        StatusCode::CONFLICT,
        "already_voided",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "The submitted purchase_transact_id has already been voided"
    );
    let token = till.customer_token("sam", "sam@example.com").await;
    assert_problem(
        till.redeem(&token, &code).await,
        StatusCode::CONFLICT,
        "code_inactive",
    )
    .await;

    let code = till.buy("p2").await.json::<Value>().await.unwrap()["access_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let redeemed = till.redeem(&token, &code.to_lowercase()).await;
    assert_eq!(redeemed.status(), StatusCode::OK);
    let redeemed: Value = redeemed.json().await.unwrap();
    assert_eq!(redeemed["email"], "sam@example.com");
    assert_eq!(redeemed["hash"], till.product_uid.as_str());
    assert_eq!(redeemed["purchased_sku"], "BOOK-1");
    assert_eq!(redeemed["current_sku"], "BOOK-1");
    assert_eq!(redeemed["isbn"], crate::helpers::isbn_for(1));
    assert_eq!(redeemed["price"], json!({"amount": "12.50", "currency": "EUR"}));
    assert_eq!(redeemed["expiration_date"], "LIFETIME");
    let problem = assert_problem(till.void("v3", "p2").await, StatusCode::CONFLICT, "code_redeemed").await;
    assert_eq!(
        problem["detail"],
        "The access code created by this purchase transaction has already been redeemed"
    );
    assert_problem(
        till.redeem(&token, &code).await,
        StatusCode::CONFLICT,
        "code_inactive",
    )
    .await;

    let library: Value = till
        .app
        .client
        .get(till.app.url("/me/library"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(library["item_count"], 1);
    let link = library["_embedded"]["shop:deliveries"][0]["_links"]["shop:download_links"]["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = till
        .app
        .client
        .post(link)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the library's owner may download"
    );
}

#[tokio::test]
async fn voids_over_the_time_or_usage_limit_are_refused_with_the_limit() {
    let till = till().await;
    till.buy("old").await;
    entity::store_transaction::Entity::update_many()
        .col_expr(
            entity::store_transaction::Column::CreatedAt,
            Expr::value(chrono::Utc::now() - chrono::Duration::days(15)),
        )
        .exec(&till.app.db)
        .await
        .unwrap();
    let problem = assert_problem(
        till.void("v-old", "old").await,
        StatusCode::FORBIDDEN,
        "store_refund_time_limit",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "The order created by this purchase transaction is over the time limit allowed for refunds(14 days)"
    );

    till.buy("read").await;
    entity::delivery::Entity::update_many()
        .col_expr(entity::delivery::Column::UsagePercent, Expr::value(50))
        .exec(&till.app.db)
        .await
        .unwrap();
    let problem = assert_problem(
        till.void("v-read", "read").await,
        StatusCode::FORBIDDEN,
        "store_refund_usage_limit",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "The order created by this purchase transaction is over the usage limit allowed for refunds(10% viewed)"
    );
}

/// (path, form fields, status, code, detail)
type Case<'a> = (&'a str, Vec<(&'a str, &'a str)>, StatusCode, &'a str, &'a str);

#[tokio::test]
async fn every_reference_error_message_is_reachable() {
    let till = till().await;
    let mut unavailable = ebook(2);
    unavailable["available"] = json!(false);
    till.app.create_product(&till.merchant, &unavailable).await;
    till.buy("taken").await;
    let t = till.token.as_str();
    let cases: Vec<Case> = vec![
        (
            "/stores/12a4560/purchases",
            vec![("token", t), ("partner_transact_id", "1"), ("book_id", "BOOK-1")],
            StatusCode::BAD_REQUEST,
            "san_malformed",
            "The san parameter has not been provided or is malformed",
        ),
        (
            "/stores/1234560/purchases",
            vec![("partner_transact_id", "1"), ("book_id", "BOOK-1")],
            StatusCode::BAD_REQUEST,
            "token_malformed",
            "The token parameter has not been provided or is malformed",
        ),
        (
            "/stores/1234560/purchases",
            vec![("token", t), ("book_id", "BOOK-1")],
            StatusCode::BAD_REQUEST,
            "partner_transact_id_malformed",
            "The partner_transact_id parameter has not been provided or is malformed",
        ),
        (
            "/stores/1234560/purchases",
            vec![("token", t), ("partner_transact_id", "1")],
            StatusCode::BAD_REQUEST,
            "book_id_malformed",
            "The book_id parameter has not been provided or is malformed",
        ),
        (
            "/stores/1234567/purchases",
            vec![("token", t), ("partner_transact_id", "1"), ("book_id", "BOOK-1")],
            StatusCode::BAD_REQUEST,
            "san_nonconforming",
            "SAN does not conform to SAN specifications",
        ),
        (
            "/stores/0000000/purchases",
            vec![("token", t), ("partner_transact_id", "1"), ("book_id", "BOOK-1")],
            StatusCode::NOT_FOUND,
            "store_not_registered",
            "The store is not registered on halshop",
        ),
        (
            "/stores/1234560/purchases",
            vec![
                ("token", "st_wrong"),
                ("partner_transact_id", "1"),
                ("book_id", "BOOK-1"),
            ],
            StatusCode::FORBIDDEN,
            "store_token_invalid",
            "Invalid Authorization Token",
        ),
        (
            "/stores/1234560/purchases",
            vec![
                ("token", t),
                ("partner_transact_id", "taken"),
                ("book_id", "BOOK-2"),
            ],
            StatusCode::CONFLICT,
            "partner_transact_id_reused",
            "The submitted partner_transact_id has already been submitted for this store",
        ),
        (
            "/stores/1234560/purchases",
            vec![
                ("token", t),
                ("partner_transact_id", "1"),
                ("book_id", "NO-SUCH-BOOK"),
            ],
            StatusCode::NOT_FOUND,
            "book_id_unknown",
            "The submitted book_id cannot be found in system",
        ),
        (
            "/stores/1234560/purchases",
            vec![("token", t), ("partner_transact_id", "1"), ("book_id", "BOOK-2")],
            StatusCode::CONFLICT,
            "book_id_unavailable",
            "The submitted book_id is not available for fulfillment at this time",
        ),
        (
            "/stores/1234560/purchases",
            vec![
                ("token", t),
                ("partner_transact_id", "1"),
                ("book_id", "BOOK-1"),
                ("email", "not-an-email"),
            ],
            StatusCode::BAD_REQUEST,
            "email_malformed",
            "The submitted email is incorrectly formatted",
        ),
        (
            "/stores/1234560/refunds",
            vec![("token", t), ("purchase_transact_id", "taken")],
            StatusCode::BAD_REQUEST,
            "partner_transact_id_malformed",
            "The partner_transact_id parameter has not been provided or is malformed",
        ),
        (
            "/stores/1234560/refunds",
            vec![("token", t), ("partner_transact_id", "v")],
            StatusCode::BAD_REQUEST,
            "purchase_transact_id_malformed",
            "The purchase_transact_id parameter has not been provided or is malformed",
        ),
        (
            "/stores/1234560/refunds",
            vec![
                ("token", t),
                ("partner_transact_id", "v"),
                ("purchase_transact_id", "never"),
            ],
            StatusCode::NOT_FOUND,
            "purchase_not_found",
            "The submitted purchase_transact_id cannot be found for this store",
        ),
        (
            "/stores/1234560/refunds",
            vec![
                ("token", t),
                ("partner_transact_id", "taken"),
                ("purchase_transact_id", "taken"),
            ],
            StatusCode::CONFLICT,
            "partner_transact_id_reused",
            "The submitted partner_transact_id has already been submitted for this store. The partner_transact_id value needs to be unique for each store",
        ),
    ];
    for (path, fields, status, code, detail) in cases {
        let problem = assert_problem(till.form(path, &fields).await, status, code).await;
        assert_eq!(problem["detail"], detail, "{path} {fields:?}");
    }

    let code = till.buy("fresh").await.json::<Value>().await.unwrap()["access_code"]
        .as_str()
        .unwrap()
        .to_owned();
    let form = |fields: &[(&str, &str)]| {
        till.app
            .client
            .post(till.app.url("/code_redemptions"))
            .form(fields)
            .send()
    };
    let problem = assert_problem(
        form(&[("email", "nobody@example.com"), ("code", &code)])
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
        "account_unknown",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "No halshop account exists for the provided email address"
    );
    let token = till.customer_token("kim", "kim@example.com").await;
    let problem = assert_problem(
        till.redeem(&token, "ZZZZZZZZZZ").await,
        StatusCode::NOT_FOUND,
        "code_unknown",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "No halshop code exists for the code provided to this API"
    );
    assert_eq!(till.redeem(&token, &code).await.status(), StatusCode::OK);
    // Now kim has an account (a library entry): the e-mail form works, and the code is spent.
    let problem = assert_problem(
        form(&[("email", "kim@example.com"), ("code", &code)])
            .await
            .unwrap(),
        StatusCode::CONFLICT,
        "code_inactive",
    )
    .await;
    assert_eq!(
        problem["detail"],
        "Code has already been redeemed or has been marked inactive"
    );
}

#[tokio::test]
async fn the_same_partner_transact_id_is_fine_at_another_store() {
    let till = till().await;
    till.buy("same").await;
    let merchant_id = entity::merchant::Entity::find()
        .one(&till.app.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    let other = halshop::domain::stores::create(
        &till.app.db,
        merchant_id,
        "Other",
        &halshop::domain::san::San::parse("000006X").unwrap(),
    )
    .await
    .unwrap();
    let response = till
        .form(
            "/stores/000006X/purchases",
            &[
                ("token", &other.token),
                ("partner_transact_id", "same"),
                ("book_id", "BOOK-1"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

#[test]
fn store_create_prints_json_with_a_working_token() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = runtime.block_on(crate::helpers::fresh_database_url(&dir));
    let merchant = std::process::Command::new(env!("CARGO_BIN_EXE_halshop"))
        .args(["merchant", "create", "--name", "Shop", "--json"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let merchant: Value = serde_json::from_slice(&merchant.stdout).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_halshop"))
        .args([
            "store",
            "create",
            "--merchant",
            merchant["app_key"].as_str().unwrap(),
            "--san",
            "123-4560",
            "--json",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let store: Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<&String> = store.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["san", "token", "uid"]);
    assert_eq!(store["san"], "1234560");
    let again = std::process::Command::new(env!("CARGO_BIN_EXE_halshop"))
        .args([
            "store",
            "create",
            "--merchant",
            merchant["app_key"].as_str().unwrap(),
            "--san",
            "1234560",
            "--json",
        ])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(!again.status.success());
    let bad = std::process::Command::new(env!("CARGO_BIN_EXE_halshop"))
        .args(["store", "create", "--merchant", "mk_x", "--san", "1234567"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&bad.stderr).contains("check character"));
}
