//! The till API's errors carry the reference implementation's exact messages.

use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::{
    helpers::{Who, assert_problem, assert_problem_detail, ebook, expect_json},
    pos::{Till, till},
};

/// `fields` as `name=value&…`, `T` standing for the till's token.
fn fields<'a>(till: &'a Till, query: &'a str) -> Vec<(&'a str, &'a str)> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split_once('=').unwrap())
        .map(|(name, value)| (name, if value == "T" { till.token.as_str() } else { value }))
        .collect()
}

/// Asserts each (path, fields, status, code, detail).
async fn assert_each_refused(till: &Till, cases: &[Case]) {
    for &(path, query, status, code, detail) in cases {
        let response = till.form(path, &fields(till, query)).await;
        let status = StatusCode::from_u16(status).unwrap();
        assert_problem_detail(response, status, code, detail).await;
    }
}

const PURCHASE: &str = "/stores/1234560/purchases";
const VOID: &str = "/stores/1234560/refunds";
/// A purchase with every field right.
const OK: &str = "token=T&partner_transact_id=1&book_id=BOOK-1";

/// (path, fields, status, code, detail)
type Case = (&'static str, &'static str, u16, &'static str, &'static str);

const PURCHASE_ERRORS: &[Case] = &[
    (
        "/stores/12a4560/purchases",
        OK,
        400,
        "san_malformed",
        "The san parameter has not been provided or is malformed",
    ),
    (
        PURCHASE,
        "partner_transact_id=1&book_id=BOOK-1",
        400,
        "token_malformed",
        "The token parameter has not been provided or is malformed",
    ),
    (
        PURCHASE,
        "token=T&book_id=BOOK-1",
        400,
        "partner_transact_id_malformed",
        "The partner_transact_id parameter has not been provided or is malformed",
    ),
    (
        PURCHASE,
        "token=T&partner_transact_id=1",
        400,
        "book_id_malformed",
        "The book_id parameter has not been provided or is malformed",
    ),
    (
        "/stores/1234567/purchases",
        OK,
        400,
        "san_nonconforming",
        "SAN does not conform to SAN specifications",
    ),
    (
        "/stores/0000000/purchases",
        OK,
        404,
        "store_not_registered",
        "The store is not registered on halshop",
    ),
    (
        PURCHASE,
        "token=st_wrong&partner_transact_id=1&book_id=BOOK-1",
        403,
        "store_token_invalid",
        "Invalid Authorization Token",
    ),
    (
        PURCHASE,
        "token=T&partner_transact_id=taken&book_id=BOOK-2",
        409,
        "partner_transact_id_reused",
        "The submitted partner_transact_id has already been submitted for this store",
    ),
    (
        PURCHASE,
        "token=T&partner_transact_id=1&book_id=NO-SUCH-BOOK",
        404,
        "book_id_unknown",
        "The submitted book_id cannot be found in system",
    ),
    (
        PURCHASE,
        "token=T&partner_transact_id=1&book_id=BOOK-2",
        409,
        "book_id_unavailable",
        "The submitted book_id is not available for fulfillment at this time",
    ),
    (
        PURCHASE,
        "token=T&partner_transact_id=1&book_id=BOOK-1&email=not-an-email",
        400,
        "email_malformed",
        "The submitted email is incorrectly formatted",
    ),
];

const VOID_ERRORS: &[Case] = &[
    (
        VOID,
        "token=T&purchase_transact_id=taken",
        400,
        "partner_transact_id_malformed",
        "The partner_transact_id parameter has not been provided or is malformed",
    ),
    (
        VOID,
        "token=T&partner_transact_id=v",
        400,
        "purchase_transact_id_malformed",
        "The purchase_transact_id parameter has not been provided or is malformed",
    ),
    (
        VOID,
        "token=T&partner_transact_id=v&purchase_transact_id=never",
        404,
        "purchase_not_found",
        "The submitted purchase_transact_id cannot be found for this store",
    ),
    (
        VOID,
        "token=T&partner_transact_id=taken&purchase_transact_id=taken",
        409,
        "partner_transact_id_reused",
        "The submitted partner_transact_id has already been submitted for this store. The partner_transact_id value needs to be unique for each store",
    ),
];

#[tokio::test]
async fn every_purchase_error_answers_the_reference_message() {
    let till = till().await;
    let mut unavailable = ebook(2);
    unavailable["available"] = json!(false);
    till.app.create_product(&till.merchant, &unavailable).await;
    till.buy("taken").await;
    assert_each_refused(&till, PURCHASE_ERRORS).await;
}

#[tokio::test]
async fn every_void_error_answers_the_reference_message() {
    let till = till().await;
    till.buy("taken").await;
    assert_each_refused(&till, VOID_ERRORS).await;
}

#[tokio::test]
async fn redeeming_by_email_without_an_account_is_refused_with_account_unknown() {
    let till = till().await;
    let code = till.code("fresh").await;
    let fields = [("email", "nobody@example.com"), ("code", code.as_str())];
    let response = till
        .app
        .post_form(Who::Anonymous, "/code_redemptions", &fields)
        .await;
    let detail = "No halshop account exists for the provided email address";
    assert_problem_detail(response, StatusCode::NOT_FOUND, "account_unknown", detail).await;
}

#[tokio::test]
async fn redeeming_an_unknown_code_is_refused_with_code_unknown() {
    let till = till().await;
    let token = till.customer_token("kim", "kim@example.com").await;
    let detail = "No halshop code exists for the code provided to this API";
    let response = till.redeem(&token, "ZZZZZZZZZZ").await;
    assert_problem_detail(response, StatusCode::NOT_FOUND, "code_unknown", detail).await;
}

#[tokio::test]
async fn redeeming_a_spent_code_by_email_is_refused_with_code_inactive() {
    let till = till().await;
    let code = till.code("fresh").await;
    let token = till.customer_token("kim", "kim@example.com").await;
    assert_eq!(till.redeem(&token, &code).await.status(), StatusCode::OK);
    // Now kim has an account (a library entry): the e-mail form works, and the code is spent.
    let fields = [("email", "kim@example.com"), ("code", code.as_str())];
    let response = till
        .app
        .post_form(Who::Anonymous, "/code_redemptions", &fields)
        .await;
    let detail = "Code has already been redeemed or has been marked inactive";
    assert_problem_detail(response, StatusCode::CONFLICT, "code_inactive", detail).await;
}

/// `POST /code_redemptions` of `code` for `email`, without a customer token.
async fn redeem_for(till: &Till, email: &str, code: &str) -> Response {
    let fields = [("email", email), ("code", code)];
    till.app
        .post_form(Who::Anonymous, "/code_redemptions", &fields)
        .await
}

/// An e-mail that has ordered: a till sold a book straight to it.
async fn email_that_has_ordered(till: &Till) -> &'static str {
    let email = "ana@example.com";
    let fields = [
        ("token", till.token.as_str()),
        ("partner_transact_id", "for-ana"),
        ("book_id", "BOOK-1"),
        ("email", email),
    ];
    let bought = till.form(PURCHASE, &fields).await;
    assert_eq!(bought.status(), StatusCode::CREATED);
    email
}

/// What a refusal says, leaving out where it was made.
fn answer(problem: &Value) -> Value {
    json!([
        problem["type"],
        problem["title"],
        problem["status"],
        problem["code"],
        problem["detail"]
    ])
}

#[tokio::test]
async fn a_wrong_code_is_refused_alike_whether_the_email_has_ordered_or_not() {
    let till = till().await;
    let known = email_that_has_ordered(&till).await;
    let unknown = "nobody@example.com";
    let detail = "No halshop code exists for the code provided to this API";
    let for_known = redeem_for(&till, known, "ZZZZZZZZZZ").await;
    let for_known = assert_problem(for_known, StatusCode::NOT_FOUND, "code_unknown").await;
    let for_unknown = redeem_for(&till, unknown, "ZZZZZZZZZZ").await;
    let for_unknown = assert_problem(for_unknown, StatusCode::NOT_FOUND, "code_unknown").await;
    assert_eq!(for_known["detail"], detail);
    assert_eq!(answer(&for_known), answer(&for_unknown));
}

#[tokio::test]
async fn a_spent_code_is_refused_alike_whether_the_email_has_ordered_or_not() {
    let till = till().await;
    let known = email_that_has_ordered(&till).await;
    let code = till.code("spent").await;
    assert_eq!(till.void("void-spent", "spent").await.status(), StatusCode::OK);
    let for_known = redeem_for(&till, known, &code).await;
    let for_known = assert_problem(for_known, StatusCode::CONFLICT, "code_inactive").await;
    let for_unknown = redeem_for(&till, "nobody@example.com", &code).await;
    let for_unknown = assert_problem(for_unknown, StatusCode::CONFLICT, "code_inactive").await;
    assert_eq!(answer(&for_known), answer(&for_unknown));
}

#[tokio::test]
async fn a_valid_code_is_redeemed_for_an_email_that_has_ordered() {
    let till = till().await;
    let known = email_that_has_ordered(&till).await;
    let code = till.code("fresh").await;
    let redeemed = expect_json(redeem_for(&till, known, &code).await, StatusCode::OK).await;
    assert_eq!(redeemed["email"], known);
    assert_eq!(redeemed["purchased_sku"], "BOOK-1");
}
