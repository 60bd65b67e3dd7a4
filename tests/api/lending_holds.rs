//! Holds: patrons queued for a title, served in order when copies come back or run out.

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::json;

use crate::helpers::{
    assert_problem, expect_json,
    lending::{borrow, give_back, hold, loan_of, one_at_a_time, run_out, stocked_library},
    link, spawn_app,
};

#[tokio::test]
async fn a_returned_copy_is_set_aside_for_the_first_hold_and_only_that_patron_may_borrow_it() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 6, one_at_a_time(None), 1).await;
    let loan = loan_of(&app, &library, &product, "ada").await;
    let first = expect_json(hold(&app, &library, &product, "bob").await, StatusCode::CREATED).await;
    let second = expect_json(hold(&app, &library, &product, "cy").await, StatusCode::CREATED).await;
    assert_eq!(
        (first["position"].as_u64(), second["position"].as_u64()),
        (Some(1), Some(2))
    );
    give_back(&app, &library, &loan).await;
    let ready = app.get_json(library.who(), &link(&first, "self")).await;
    assert_eq!(ready["status"], "ready", "{ready}");
    assert!(ready["offer_expires_at"].is_string());
    assert_problem(
        borrow(&app, &library, &product, "cy").await,
        StatusCode::CONFLICT,
        "no_copy_available",
    )
    .await;
    let lent = loan_of(&app, &library, &product, "bob").await;
    assert_eq!(lent["patron_id"], "bob");
    let closed = app.get_json(library.who(), &link(&first, "self")).await;
    assert_eq!(closed["status"], "borrowed");
}

#[tokio::test]
async fn holds_are_served_in_the_order_they_were_placed() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 7, one_at_a_time(None), 1).await;
    let loan = loan_of(&app, &library, &product, "ada").await;
    let first = expect_json(hold(&app, &library, &product, "bob").await, StatusCode::CREATED).await;
    let second = expect_json(hold(&app, &library, &product, "cy").await, StatusCode::CREATED).await;
    give_back(&app, &library, &loan).await;
    let cancel = format!("{}/cancellation", link(&first, "self"));
    expect_json(
        app.post_json(library.who(), &cancel, &json!({})).await,
        StatusCode::OK,
    )
    .await;
    let next = app.get_json(library.who(), &link(&second, "self")).await;
    assert_eq!(next["status"], "ready", "{next}");
}

#[tokio::test]
async fn a_hold_is_refused_while_a_copy_is_free() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 8, one_at_a_time(None), 1).await;
    assert_problem(
        hold(&app, &library, &product, "ada").await,
        StatusCode::CONFLICT,
        "copy_available",
    )
    .await;
}

#[tokio::test]
async fn a_loan_past_due_expires_by_itself_and_its_copy_goes_to_the_next_hold() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 9, one_at_a_time(None), 1).await;
    let loan = loan_of(&app, &library, &product, "ada").await;
    let waiting = expect_json(hold(&app, &library, &product, "bob").await, StatusCode::CREATED).await;
    run_out(&app, &loan).await;
    let expired = app.get_json(library.who(), &link(&loan, "self")).await;
    assert_eq!(expired["status"], "expired", "{expired}");
    let ready = app.get_json(library.who(), &link(&waiting, "self")).await;
    assert_eq!(ready["status"], "ready", "{ready}");
}

#[tokio::test]
async fn a_copy_set_aside_on_a_licence_that_expires_is_not_lent_and_the_hold_waits_again() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 19, one_at_a_time(None), 2).await;
    let first = loan_of(&app, &library, &product, "ada").await;
    loan_of(&app, &library, &product, "bob").await;
    let waiting = expect_json(hold(&app, &library, &product, "cy").await, StatusCode::CREATED).await;
    give_back(&app, &library, &first).await;
    entity::licence::Entity::update_many()
        .col_expr(
            entity::licence::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(entity::licence::Column::Uid.eq(link(&first, "shop:licence").rsplit('/').next().unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
    assert_problem(
        borrow(&app, &library, &product, "cy").await,
        StatusCode::CONFLICT,
        "no_copy_available",
    )
    .await;
    let again = app.get_json(library.who(), &link(&waiting, "self")).await;
    assert_eq!(
        (again["status"].as_str(), again["position"].as_u64()),
        (Some("waiting"), Some(1)),
        "{again}"
    );
}

#[tokio::test]
async fn a_hold_that_no_loan_left_could_serve_is_refused() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(
        &app,
        &merchant,
        22,
        json!({"max_concurrent_loans": 1, "max_total_loans": 2}),
        1,
    )
    .await;
    loan_of(&app, &library, &product, "ada").await;
    expect_json(hold(&app, &library, &product, "bob").await, StatusCode::CREATED).await;
    assert_problem(
        hold(&app, &library, &product, "cy").await,
        StatusCode::CONFLICT,
        "licences_exhausted",
    )
    .await;
}
