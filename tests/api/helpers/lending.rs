//! Libraries, their licences and loans, for the lending tests.

use chrono::{Duration, Utc};
use halshop::domain::lending::libraries;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, sea_query::Expr};
use serde_json::{Value, json};

use super::{MerchantCredentials, TestApp, Who, ebook, expect_json, link, money, orders::pay, self_href};

/// A library: its uid and its Basic credentials (api key and secret).
pub struct Library {
    pub uid: String,
    pub credentials: MerchantCredentials,
}

impl Library {
    pub fn who(&self) -> Who<'_> {
        Who::Merchant(&self.credentials)
    }

    pub fn path(&self, tail: &str) -> String {
        format!("/libraries/{}{tail}", self.uid)
    }
}

/// A library of `merchant`, made as `halshop library create` makes it.
pub async fn library_of(app: &TestApp, merchant: &MerchantCredentials, name: &str) -> Library {
    let merchant = entity::merchant::Entity::find()
        .filter(entity::merchant::Column::AppKey.eq(merchant.app_key.as_str()))
        .one(&app.db)
        .await
        .unwrap()
        .expect("merchant");
    let created = libraries::create(&app.db, merchant.id, name)
        .await
        .expect("library created");
    Library {
        uid: created.library.uid,
        credentials: MerchantCredentials {
            app_key: created.library.api_key,
            secret: created.secret,
        },
    }
}

/// Offers the ebook `ebook(n)` (created here) to libraries with these terms; answers the
/// product's URI and the offer's.
pub async fn offered_ebook(
    app: &TestApp,
    merchant: &MerchantCredentials,
    n: u32,
    terms: Value,
) -> (String, String) {
    let product = app.create_product(merchant, &ebook(n)).await;
    let product_uri = self_href(&product);
    let mut body = json!({"price": money("40.00", "EUR"), "max_loan_days": 21});
    for (key, value) in terms.as_object().expect("terms").iter() {
        body[key] = value.clone();
    }
    let offers = format!("{product_uri}/library_offers");
    let offer = expect_json(
        app.post_json(Who::Merchant(merchant), &offers, &body).await,
        StatusCode::CREATED,
    )
    .await;
    (product_uri, self_href(&offer))
}

/// The library buys `copies` licences of the offer and pays; answers the paid order.
pub async fn buy(app: &TestApp, library: &Library, offer: &str, copies: u32) -> Value {
    let body = json!({
        "offers": [{"offer": offer, "copies": copies}],
        "consumer": {"email": "desk@library.example", "first_name": "Acquisitions", "last_name": "Desk", "country": "FR"}
    });
    let placed = expect_json(
        app.post_json(library.who(), &library.path("/orders"), &body)
            .await,
        StatusCode::CREATED,
    )
    .await;
    pay(app, &placed).await;
    placed
}

/// A library of `merchant` holding `copies` licences of a new ebook with these terms;
/// answers the library and the product's URI.
pub async fn stocked_library(
    app: &TestApp,
    merchant: &MerchantCredentials,
    n: u32,
    terms: Value,
    copies: u32,
) -> (Library, String) {
    let library = library_of(app, merchant, "Riverside Public Library").await;
    let (product, offer) = offered_ebook(app, merchant, n, terms).await;
    buy(app, &library, &offer, copies).await;
    (library, product)
}

/// `POST` a loan of the product to the patron.
pub async fn borrow(app: &TestApp, library: &Library, product: &str, patron: &str) -> reqwest::Response {
    app.post_json(
        library.who(),
        &library.path("/loans"),
        &json!({"product": product, "patron_id": patron}),
    )
    .await
}

/// `POST` a hold on the product for the patron.
pub async fn hold(app: &TestApp, library: &Library, product: &str, patron: &str) -> reqwest::Response {
    app.post_json(
        library.who(),
        &library.path("/holds"),
        &json!({"product": product, "patron_id": patron}),
    )
    .await
}

/// Terms: one patron at a time, `total` loans in all (null: unlimited).
pub fn one_at_a_time(total: Option<i64>) -> Value {
    json!({"max_concurrent_loans": 1, "max_total_loans": total})
}

/// A loan of the product to the patron; asserts 201.
pub async fn loan_of(app: &TestApp, library: &Library, product: &str, patron: &str) -> Value {
    expect_json(borrow(app, library, product, patron).await, StatusCode::CREATED).await
}

/// Returns the loan; asserts 200.
pub async fn give_back(app: &TestApp, library: &Library, loan: &Value) -> Value {
    let url = format!("{}/return", link(loan, "self"));
    expect_json(
        app.post_json(library.who(), &url, &json!({})).await,
        StatusCode::OK,
    )
    .await
}

/// Moves a loan's due date into the past, as time passing would.
pub async fn run_out(app: &TestApp, loan: &Value) {
    entity::loan::Entity::update_many()
        .col_expr(
            entity::loan::Column::DueAt,
            Expr::value(Utc::now() - Duration::minutes(1)),
        )
        .filter(entity::loan::Column::Uid.eq(loan["uid"].as_str().unwrap()))
        .exec(&app.db)
        .await
        .unwrap();
}
