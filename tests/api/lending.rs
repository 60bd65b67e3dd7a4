//! Library lending: offers, licences bought through an order, loans held to the licence
//! terms by the database, expiry, downloads and isolation. Holds are in `lending_holds.rs`.

use std::io::Read;

use chrono::{Duration, Utc};
use reqwest::StatusCode;
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};

use crate::helpers::{
    Who, assert_problem,
    cli::{json_stdout, keys, run_on},
    error_paths, expect_json,
    lending::{
        Library, borrow, give_back, hold, library_of, loan_of, offered_ebook, one_at_a_time, run_out,
        stocked_library,
    },
    link, spawn_app, store_epub_for, ticket,
};

#[tokio::test]
async fn a_merchant_offers_an_ebook_to_libraries_and_the_product_links_the_offers() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (product, offer) = offered_ebook(
        &app,
        &merchant,
        1,
        json!({"max_concurrent_loans": 3, "valid_months": 12}),
    )
    .await;
    let product: Value = app.get(&product).await.json().await.unwrap();
    let offers: Value = app
        .get(&link(&product, "shop:library_offers"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(offers["item_count"], 1, "{offers}");
    let shown = &offers["_embedded"]["shop:library_offers"][0];
    assert_eq!(shown["_links"]["self"]["href"], offer);
    assert_eq!(shown["max_concurrent_loans"], 3);
    assert_eq!(shown["max_total_loans"], Value::Null);
    assert_eq!(shown["valid_months"], 12);
    assert_eq!(shown["price"], json!({"amount": "40.00", "currency": "EUR"}));
}

#[tokio::test]
async fn an_offer_on_a_ticket_is_refused_as_cannot_lend() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &ticket(1)).await;
    let url = format!("{}/library_offers", link(&product, "self"));
    let body = json!({"price": {"amount": "40.00", "currency": "CAD"}, "max_concurrent_loans": 1, "max_loan_days": 21});
    assert_problem(
        app.post_json(Who::Merchant(&merchant), &url, &body).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "cannot_lend",
    )
    .await;
}

#[tokio::test]
async fn a_paid_library_order_becomes_one_licence_per_copy_with_the_offers_terms() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, _) = stocked_library(
        &app,
        &merchant,
        2,
        json!({"max_concurrent_loans": 3, "max_total_loans": 55, "valid_months": 24}),
        2,
    )
    .await;
    let licences = app.get_json(library.who(), &library.path("/licences")).await;
    assert_eq!(licences["item_count"], 2, "{licences}");
    let licence = &licences["_embedded"]["shop:licences"][0];
    assert_eq!(licence["status"], "active");
    assert_eq!(licence["max_concurrent_loans"], 3);
    assert_eq!(licence["max_total_loans"], 55);
    assert_eq!(licence["loans_used"], 0);
    assert!(licence["expires_at"].is_string(), "{licence}");
}

#[tokio::test]
async fn ten_patrons_racing_for_two_copies_get_exactly_two_loans() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 3, one_at_a_time(Some(3)), 2).await;
    let attempts = (0..10).map(|n| {
        let (app, library, product) = (&app, &library, &product);
        async move {
            borrow(app, library, product, &format!("patron-{n}"))
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let lent = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    let refused = statuses.iter().filter(|s| **s == StatusCode::CONFLICT).count();
    assert_eq!((lent, refused), (2, 8), "{statuses:?}");
    let running = app
        .get_json(library.who(), &library.path("/loans?status=active"))
        .await;
    assert_eq!(running["item_count"], 2);
}

#[tokio::test]
async fn no_copy_available_says_when_the_next_copy_is_due_back() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 4, one_at_a_time(None), 1).await;
    let loan = loan_of(&app, &library, &product, "ada").await;
    let problem = assert_problem(
        borrow(&app, &library, &product, "bob").await,
        StatusCode::CONFLICT,
        "no_copy_available",
    )
    .await;
    let due = loan["due_at"].as_str().unwrap();
    assert!(
        problem["detail"].as_str().unwrap().contains(due),
        "{problem} {due}"
    );
}

#[tokio::test]
async fn the_third_loan_on_a_copy_exhausts_its_licence() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 5, one_at_a_time(Some(3)), 1).await;
    for patron in ["ada", "bob", "cy"] {
        let loan = loan_of(&app, &library, &product, patron).await;
        give_back(&app, &library, &loan).await;
    }
    assert_problem(
        borrow(&app, &library, &product, "dee").await,
        StatusCode::CONFLICT,
        "licences_exhausted",
    )
    .await;
    let licences = app.get_json(library.who(), &library.path("/licences")).await;
    let licence = &licences["_embedded"]["shop:licences"][0];
    assert_eq!(
        (licence["status"].as_str(), licence["loans_used"].as_i64()),
        (Some("exhausted"), Some(3))
    );
}

#[tokio::test]
async fn an_expired_loans_download_link_answers_410() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 10, one_at_a_time(None), 1).await;
    store_epub_for(&app, 10);
    let loan = loan_of(&app, &library, &product, "ada").await;
    let created = app
        .post_json(library.who(), &link(&loan, "shop:download_links"), &json!({}))
        .await;
    let href = expect_json(created, StatusCode::CREATED).await["href"]
        .as_str()
        .unwrap()
        .to_owned();
    run_out(&app, &loan).await;
    assert_problem(app.get(&href).await, StatusCode::GONE, "loan_ended").await;
}

#[tokio::test]
async fn a_lent_book_is_watermarked_with_the_library_and_the_patron() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 11, one_at_a_time(None), 1).await;
    store_epub_for(&app, 11);
    let loan = loan_of(&app, &library, &product, "patron-4711").await;
    let created = app
        .post_json(library.who(), &link(&loan, "shop:download_links"), &json!({}))
        .await;
    let href = expect_json(created, StatusCode::CREATED).await["href"]
        .as_str()
        .unwrap()
        .to_owned();
    let file = app.get(&href).await;
    assert_eq!(file.status(), StatusCode::OK);
    let bytes = file.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut opf = String::new();
    archive
        .by_name("OEBPS/content.opf")
        .unwrap()
        .read_to_string(&mut opf)
        .unwrap();
    assert!(
        opf.contains("Lent by Riverside Public Library to patron patron-4711"),
        "{opf}"
    );
}

#[tokio::test]
async fn a_licence_past_its_valid_months_refuses_loans() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(
        &app,
        &merchant,
        12,
        json!({"max_concurrent_loans": 2, "valid_months": 12}),
        1,
    )
    .await;
    entity::licence::Entity::update_many()
        .col_expr(
            entity::licence::Column::ExpiresAt,
            Expr::value(Utc::now() - Duration::days(1)),
        )
        .exec(&app.db)
        .await
        .unwrap();
    assert_problem(
        borrow(&app, &library, &product, "ada").await,
        StatusCode::CONFLICT,
        "licences_expired",
    )
    .await;
}

#[tokio::test]
async fn another_librarys_credentials_see_nothing_of_this_one() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 13, one_at_a_time(None), 1).await;
    let loan = loan_of(&app, &library, &product, "ada").await;
    let other = library_of(&app, &merchant, "Hillside School Library").await;
    for url in [
        link(&loan, "self"),
        link(&loan, "shop:licence"),
        app.url(&library.path("")),
        app.url(&library.path("/loans")),
    ] {
        assert_problem(
            app.get_as(other.who(), &url).await,
            StatusCode::NOT_FOUND,
            "not_found",
        )
        .await;
    }
    assert_problem(
        borrow(&app, &other, &product, "ada").await,
        StatusCode::CONFLICT,
        "not_licensed",
    )
    .await;
}

#[tokio::test]
async fn lending_without_credentials_or_with_a_wrong_secret_is_unauthorized() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let library = library_of(&app, &merchant, "Riverside").await;
    assert_problem(
        app.get(&library.path("/loans")).await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let wrong = Library {
        uid: library.uid.clone(),
        credentials: library.credentials.with_wrong_secret(),
    };
    assert_problem(
        app.get_as(wrong.who(), "/lending").await,
        StatusCode::UNAUTHORIZED,
        "unauthorized",
    )
    .await;
    let own = app.get_json(library.who(), "/lending").await;
    assert_eq!(own["uid"], library.uid.as_str());
    assert!(own["_templates"]["borrow"].is_object(), "{own}");
}

#[tokio::test]
async fn the_lending_report_counts_copies_loans_and_holds_per_title() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(
        &app,
        &merchant,
        14,
        json!({"max_concurrent_loans": 1, "valid_months": 1}),
        2,
    )
    .await;
    loan_of(&app, &library, &product, "ada").await;
    loan_of(&app, &library, &product, "bob").await;
    expect_json(hold(&app, &library, &product, "cy").await, StatusCode::CREATED).await;
    let report = app.get_json(library.who(), &library.path("/report")).await;
    let title = &report["titles"][0];
    // Licences valid one month expire within 30 days unless this month has 31 days.
    let now = chrono::Utc::now();
    let expiry = now.checked_add_months(chrono::Months::new(1)).unwrap();
    let expiring = if expiry - now <= chrono::Duration::days(30) {
        2
    } else {
        0
    };
    assert_eq!(
        [
            &title["copies"],
            &title["active_loans"],
            &title["loans_this_month"],
            &title["holds_waiting"],
            &title["licences_expiring_in_30_days"]
        ],
        [&json!(2), &json!(2), &json!(2), &json!(1), &json!(expiring)],
        "{report}"
    );
    let alternate = report["_links"]["alternate"]["href"].as_str().unwrap();
    assert!(alternate.ends_with("/report?format=csv"), "{alternate}");
    let csv = app
        .get_as(library.who(), &library.path("/report?format=csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("title,isbn,copies,"), "{csv}");
    assert!(csv.contains("Book number 14"), "{csv}");
}

#[tokio::test]
async fn library_create_prints_its_uid_api_key_and_secret_as_json() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let output = run_on(
        &app.database_url,
        &[
            "library",
            "create",
            "--merchant",
            &merchant.app_key,
            "--name",
            "Riverside",
            "--json",
        ],
    );
    let created = json_stdout(&output);
    assert_eq!(keys(&created), ["api_key", "secret", "uid"]);
    let credentials = crate::helpers::MerchantCredentials {
        app_key: created["api_key"].as_str().unwrap().into(),
        secret: created["secret"].as_str().unwrap().into(),
    };
    let own = app.get_json(Who::Merchant(&credentials), "/lending").await;
    assert_eq!(own["uid"], created["uid"]);
}

#[tokio::test]
async fn patrons_racing_through_two_instances_never_get_more_loans_than_copies() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) =
        stocked_library(&app, &merchant, 15, json!({"max_concurrent_loans": 2}), 2).await;
    let second = crate::helpers::spawn_instance_of(&app, |_| {}).await;
    let attempts = (0..12).map(|n| {
        let (instance, library, product) = (if n % 2 == 0 { &app } else { &second }, &library, &product);
        async move {
            borrow(instance, library, product, &format!("patron-{n}"))
                .await
                .status()
        }
    });
    let statuses = futures::future::join_all(attempts).await;
    let lent = statuses.iter().filter(|s| **s == StatusCode::CREATED).count();
    assert_eq!(lent, 4, "{statuses:?}");
    let licences = app.get_json(library.who(), &library.path("/licences")).await;
    for licence in licences["_embedded"]["shop:licences"].as_array().unwrap() {
        assert_eq!(licence["active_loans"], 2, "{licence}");
    }
}

#[tokio::test]
async fn a_library_reads_its_licence_order_with_its_own_credentials_and_no_other_library_can() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let library = library_of(&app, &merchant, "Riverside").await;
    let (_, offer) = offered_ebook(&app, &merchant, 16, one_at_a_time(None)).await;
    let order = crate::helpers::lending::buy(&app, &library, &offer, 1).await;
    let url = link(&order, "self");
    let read = app.get_json(library.who(), &url).await;
    assert_eq!(read["status"], "completed", "{read}");
    let other = library_of(&app, &merchant, "Hillside").await;
    assert_problem(
        app.get_as(other.who(), &url).await,
        StatusCode::NOT_FOUND,
        "not_found",
    )
    .await;
}

#[tokio::test]
async fn a_licence_order_cannot_be_refunded_through_a_refund_request() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let library = library_of(&app, &merchant, "Riverside").await;
    let (_, offer) = offered_ebook(&app, &merchant, 17, one_at_a_time(None)).await;
    let order = crate::helpers::lending::buy(&app, &library, &offer, 1).await;
    let body = json!({"order": link(&order, "self")});
    let refused = app.post_json(library.who(), "/refund_requests", &body).await;
    assert_problem(refused, StatusCode::FORBIDDEN, "refund_unauthorized").await;
}

#[tokio::test]
async fn an_ebook_offers_its_merchant_the_form_to_offer_it_to_libraries() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let product = app.create_product(&merchant, &crate::helpers::ebook(18)).await;
    let own = app
        .get_json(Who::Merchant(&merchant), &link(&product, "self"))
        .await;
    let form = &own["_templates"]["offer_to_libraries"];
    assert_eq!(form["method"], "POST", "{own}");
    assert_eq!(
        form["target"],
        format!("{}/library_offers", link(&product, "self"))
    );
    let anonymous = app.get_json(Who::Anonymous, &link(&product, "self")).await;
    assert!(anonymous.get("_templates").is_none(), "{anonymous}");
}

#[tokio::test]
async fn a_retried_loan_with_the_same_idempotency_key_answers_the_first_loan() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 20, one_at_a_time(None), 1).await;
    let body = json!({"product": product, "patron_id": "ada"});
    let send = || {
        app.request(reqwest::Method::POST, &library.path("/loans"), library.who())
            .header("Idempotency-Key", "loan-ada-1")
            .json(&body)
            .send()
    };
    let first = expect_json(send().await.unwrap(), StatusCode::CREATED).await;
    let retried = expect_json(send().await.unwrap(), StatusCode::CREATED).await;
    assert_eq!(retried["uid"], first["uid"]);
    let loans = app.get_json(library.who(), &library.path("/loans")).await;
    assert_eq!(loans["item_count"], 1);
}

#[tokio::test]
async fn a_loan_longer_than_the_licence_allows_is_refused_naming_days() {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let (library, product) = stocked_library(&app, &merchant, 21, one_at_a_time(None), 1).await;
    let body = json!({"product": product, "patron_id": "ada", "days": 30});
    let refused = app.post_json(library.who(), &library.path("/loans"), &body).await;
    let problem = assert_problem(refused, StatusCode::UNPROCESSABLE_ENTITY, "loan_too_long").await;
    assert_eq!(error_paths(&problem), ["/days"]);
}
