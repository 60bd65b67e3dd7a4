use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{
    MerchantCredentials, TestApp, Who, assert_problem, assert_problem_detail,
    cli::{create_store, json_stdout, run_on, stderr},
    ebook, expect_json,
    identity::customer_token_with_email,
    isbn_for, json_of, link,
    refunds::sold_days_ago,
    sales::count_deliveries,
    send, spawn_app,
};

pub struct Till {
    pub app: TestApp,
    pub merchant: MerchantCredentials,
    pub token: String,
    pub product_uid: String,
}

const SAN: &str = "123-4560";

pub async fn till() -> Till {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ebook(1)).await;
    let token = create_store(&app, &merchant, "Librairie du Plateau", SAN);
    Till {
        app,
        merchant,
        token,
        product_uid: product["uid"].as_str().unwrap().to_owned(),
    }
}

impl Till {
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.app.post_form(Who::Anonymous, path, fields).await
    }

    /// Buys `BOOK-1` under `ptid`; returns the access code.
    pub async fn code(&self, ptid: &str) -> String {
        let bought = json_of(self.buy(ptid).await).await;
        bought["access_code"].as_str().unwrap().to_owned()
    }

    /// The customer's library.
    pub async fn library(&self, token: &str) -> Value {
        self.app.get_json(Who::Bearer(token), "/me/library").await
    }

    pub async fn buy(&self, ptid: &str) -> reqwest::Response {
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

    pub async fn void(&self, ptid: &str, purchase: &str) -> reqwest::Response {
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

    pub async fn customer_token(&self, sub: &str, email: &str) -> String {
        customer_token_with_email(&self.app, sub, email).await
    }

    pub async fn redeem(&self, token: &str, code: &str) -> reqwest::Response {
        let body = json!({"code": code});
        self.app
            .post_json(Who::Bearer(token), "/code_redemptions", &body)
            .await
    }
}

#[tokio::test]
async fn a_form_purchase_replayed_three_times_gives_one_access_code() {
    let till = till().await;
    let first = expect_json(till.buy("878341937616").await, StatusCode::CREATED).await;
    let code = first["access_code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 10);
    assert_eq!(first["partner_transact_id"], "878341937616");
    assert_eq!(first["access_url"], till.app.url("/code_redemptions"));
    for _ in 0..2 {
        let again = expect_json(till.buy("878341937616").await, StatusCode::OK).await;
        assert_eq!(again["access_code"], code.as_str());
        assert_eq!(again["vendor_transact_id"], first["vendor_transact_id"]);
    }
    let store_orders = entity::order::Entity::find().filter(entity::order::Column::Channel.eq("store"));
    assert_eq!(store_orders.count(&till.app.db).await.unwrap(), 1);
}

#[tokio::test]
async fn a_partner_transact_id_replayed_with_other_fields_is_refused() {
    let till = till().await;
    till.buy("878341937616").await;
    let fields = [
        ("token", till.token.as_str()),
        ("partner_transact_id", "878341937616"),
        ("book_id", "BOOK-1"),
        ("email", "a@example.com"),
    ];
    let conflicting = till.form("/stores/1234560/purchases", &fields).await;
    let detail = "The submitted partner_transact_id has already been submitted for this store";
    assert_problem_detail(
        conflicting,
        StatusCode::CONFLICT,
        "partner_transact_id_reused",
        detail,
    )
    .await;
}

#[tokio::test]
async fn identical_purchases_racing_make_one_order_and_json_with_bearer_works() {
    let till = till().await;
    let body = json!({"partner_transact_id": 42, "book_id": "BOOK-1"});
    let buy = || {
        till.app
            .post_json(Who::Bearer(&till.token), "/stores/1234560/purchases", &body)
    };
    let responses = futures::future::join_all((0..6).map(|_| buy())).await;
    let mut codes = std::collections::HashSet::new();
    for response in responses {
        assert!(response.status().is_success(), "{}", response.status());
        let bought = json_of(response).await;
        codes.insert(bought["access_code"].as_str().unwrap().to_owned());
    }
    assert_eq!(codes.len(), 1);
    assert_eq!(count_deliveries(&till.app).await, 1);
}

#[tokio::test]
async fn a_purchase_for_an_email_goes_straight_to_that_library() {
    let till = till().await;
    let fields = [
        ("token", till.token.as_str()),
        ("partner_transact_id", "9"),
        ("book_id", "BOOK-1"),
        ("email", "lea@example.com"),
        ("first_name", "Léa"),
        ("last_name", "Roy"),
        ("send_email", "False"),
    ];
    let response = till.form("/stores/1234560/purchases", &fields).await;
    let body = expect_json(response, StatusCode::CREATED).await;
    assert!(body.get("access_code").is_none() && body.get("access_url").is_none());
    let token = till.customer_token("lea-sub", "lea@example.com").await;
    let library = till.library(&token).await;
    assert_eq!(library["item_count"], 1);
    assert_eq!(
        library["_embedded"]["shop:deliveries"][0]["title"],
        "Book number 1"
    );
}

#[tokio::test]
async fn a_void_is_answered_and_a_replayed_void_is_the_same_void() {
    let till = till().await;
    till.buy("p1").await;
    let voided = expect_json(till.void("v1", "p1").await, StatusCode::OK).await;
    assert_eq!(voided["partner_transact_id"], "v1");
    assert!(voided["timestamp"].as_str().unwrap().ends_with('Z'));
    let again = json_of(till.void("v1", "p1").await).await;
    assert_eq!(
        again["vendor_transact_id"], voided["vendor_transact_id"],
        "a replayed void is the same void"
    );
}

#[tokio::test]
async fn a_purchase_is_voided_once_and_its_code_then_is_inactive() {
    let till = till().await;
    let code = till.code("p1").await;
    assert_eq!(till.void("v1", "p1").await.status(), StatusCode::OK);
    let detail = "The submitted purchase_transact_id has already been voided";
    assert_problem_detail(
        till.void("v2", "p1").await,
        StatusCode::CONFLICT,
        "already_voided",
        detail,
    )
    .await;
    let token = till.customer_token("sam", "sam@example.com").await;
    let redeemed = till.redeem(&token, &code).await;
    assert_problem(redeemed, StatusCode::CONFLICT, "code_inactive").await;
}

#[tokio::test]
async fn a_redeemed_code_describes_the_book_in_any_letter_case() {
    let till = till().await;
    let code = till.code("p2").await;
    let token = till.customer_token("sam", "sam@example.com").await;
    let redeemed = expect_json(till.redeem(&token, &code.to_lowercase()).await, StatusCode::OK).await;
    assert_eq!(redeemed["email"], "sam@example.com");
    assert_eq!(redeemed["hash"], till.product_uid.as_str());
    assert_eq!(redeemed["purchased_sku"], "BOOK-1");
    assert_eq!(redeemed["current_sku"], "BOOK-1");
    assert_eq!(redeemed["isbn"], isbn_for(1));
    assert_eq!(redeemed["price"], json!({"amount": "12.50", "currency": "EUR"}));
    assert_eq!(redeemed["expiration_date"], "LIFETIME");
}

/// A till whose purchase `p2` Sam redeemed: its code and Sam's token.
async fn redeemed_by_sam() -> (Till, String, String) {
    let till = till().await;
    let code = till.code("p2").await;
    let token = till.customer_token("sam", "sam@example.com").await;
    assert_eq!(till.redeem(&token, &code).await.status(), StatusCode::OK);
    (till, code, token)
}

#[tokio::test]
async fn a_redeemed_code_can_be_neither_voided_nor_redeemed_again() {
    let (till, code, token) = redeemed_by_sam().await;
    let detail = "The access code created by this purchase transaction has already been redeemed";
    assert_problem_detail(
        till.void("v3", "p2").await,
        StatusCode::CONFLICT,
        "code_redeemed",
        detail,
    )
    .await;
    let again = till.redeem(&token, &code).await;
    assert_problem(again, StatusCode::CONFLICT, "code_inactive").await;
}

#[tokio::test]
async fn a_redeemed_code_puts_the_book_in_the_library_for_its_owner_to_download() {
    let (till, _code, token) = redeemed_by_sam().await;
    let library = till.library(&token).await;
    assert_eq!(library["item_count"], 1);
    let url = link(&library["_embedded"]["shop:deliveries"][0], "shop:download_links");
    let response = send(till.app.request(reqwest::Method::POST, &url, Who::Bearer(&token))).await;
    assert_eq!(
        response.status(),
        StatusCode::CREATED,
        "the library's owner may download"
    );
}

#[tokio::test]
async fn a_void_over_the_time_limit_is_refused_with_the_limit() {
    let till = till().await;
    till.buy("old").await;
    sold_days_ago(&till.app, 15).await;
    let detail =
        "The order created by this purchase transaction is over the time limit allowed for refunds(14 days)";
    let refused = till.void("v-old", "old").await;
    assert_problem_detail(refused, StatusCode::FORBIDDEN, "store_refund_time_limit", detail).await;
}

#[tokio::test]
async fn a_void_over_the_usage_limit_is_refused_with_the_limit() {
    let till = till().await;
    till.buy("read").await;
    entity::delivery::Entity::update_many()
        .col_expr(entity::delivery::Column::UsagePercent, Expr::value(50))
        .exec(&till.app.db)
        .await
        .unwrap();
    let detail = "The order created by this purchase transaction is over the usage limit allowed for refunds(10% viewed)";
    let refused = till.void("v-read", "read").await;
    assert_problem_detail(refused, StatusCode::FORBIDDEN, "store_refund_usage_limit", detail).await;
}

#[tokio::test]
async fn the_same_partner_transact_id_is_fine_at_another_store() {
    let till = till().await;
    till.buy("same").await;
    let other = create_store(&till.app, &till.merchant, "Other", "000006X");
    let fields = [
        ("token", other.as_str()),
        ("partner_transact_id", "same"),
        ("book_id", "BOOK-1"),
    ];
    let response = till.form("/stores/000006X/purchases", &fields).await;
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// A merchant made with `halshop merchant create`; its app key.
fn cli_merchant(url: &str) -> String {
    let merchant = json_stdout(&run_on(url, &["merchant", "create", "--name", "Shop", "--json"]));
    merchant["app_key"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn store_create_prints_json_with_the_normalised_san_and_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database_url(&dir).await;
    let key = cli_merchant(&url);
    let args = [
        "store",
        "create",
        "--merchant",
        &key,
        "--san",
        "123-4560",
        "--json",
    ];
    let store = json_stdout(&run_on(&url, &args));
    assert_eq!(crate::helpers::cli::keys(&store), ["san", "token", "uid"]);
    assert_eq!(store["san"], "1234560");
}

#[tokio::test]
async fn store_create_refuses_a_registered_san_and_a_bad_check_character() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database_url(&dir).await;
    let key = cli_merchant(&url);
    json_stdout(&run_on(
        &url,
        &[
            "store",
            "create",
            "--merchant",
            &key,
            "--san",
            "123-4560",
            "--json",
        ],
    ));
    let again = run_on(
        &url,
        &[
            "store",
            "create",
            "--merchant",
            &key,
            "--san",
            "1234560",
            "--json",
        ],
    );
    assert!(!again.status.success());
    let bad = run_on(
        &url,
        &["store", "create", "--merchant", "mk_x", "--san", "1234567"],
    );
    assert!(stderr(&bad).contains("check character"));
}
