//! A paid order of tickets (or of an ebook) and its refund requests.

use reqwest::{Method, Response, StatusCode};
use sea_orm::{EntityTrait, sea_query::Expr};
use serde_json::{Value, json};

use super::{
    MerchantCredentials, TestApp, Who, ebook, expect_json, link, money,
    orders::{NOOR, Placed, cart, place_paid_order},
    self_href, send, spawn_app, store_epub_for, ticket,
};

pub struct Paid {
    pub app: TestApp,
    pub merchant: MerchantCredentials,
    pub product: String,
    pub placed: Placed,
}

/// EUR money.
pub fn eur(amount: &str) -> Value {
    money(amount, "EUR")
}

/// A paid order of two EUR tickets (25.00 each, no tax for a buyer in Belgium).
pub async fn paid() -> Paid {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    let mut body = ticket(1);
    body["price"] = eur("25.00");
    let product = app.create_product_href(&merchant, &body).await;
    let placed = place_paid_order(&app, &cart(NOOR).line(&product, 2)).await;
    Paid {
        app,
        merchant,
        product,
        placed,
    }
}

/// A paid order of one watermarked EPUB (12.50 EUR) whose file is in the content store.
pub async fn paid_ebook() -> Paid {
    let app = spawn_app().await;
    let merchant = app.merchant().await;
    store_epub_for(&app, 1);
    let product = app.create_product_href(&merchant, &ebook(1)).await;
    let placed = place_paid_order(&app, &cart(NOOR).line(&product, 1)).await;
    Paid {
        app,
        merchant,
        product,
        placed,
    }
}

/// Moves every sale of the app `days` days into the past.
pub async fn sold_days_ago(app: &TestApp, days: i64) {
    let sold_at = chrono::Utc::now() - chrono::Duration::days(days);
    entity::order::Entity::update_many()
        .col_expr(entity::order::Column::CompletedAt, Expr::value(sold_at))
        .exec(&app.db)
        .await
        .expect("sales moved into the past");
}

/// Takes the right to refund sales from every merchant of the app.
pub async fn forbid_refunds(app: &TestApp) {
    entity::merchant::Entity::update_many()
        .col_expr(entity::merchant::Column::CanRefund, Expr::value(false))
        .exec(&app.db)
        .await
        .expect("refunds forbidden");
}

impl Paid {
    pub fn order_uri(&self) -> String {
        self.placed.url()
    }

    pub fn holder(&self) -> Who<'_> {
        self.placed.who()
    }

    pub fn as_merchant(&self) -> Who<'_> {
        Who::Merchant(&self.merchant)
    }

    /// `POST /refund_requests` for the order with these extra fields, as its holder.
    pub async fn open(&self, extra: Value) -> Response {
        let mut body = json!({"order": self.order_uri()});
        for (key, value) in extra.as_object().unwrap() {
            body[key] = value.clone();
        }
        self.app.post_json(self.holder(), "/refund_requests", &body).await
    }

    /// Opens a request; asserts 201 and returns its URL.
    pub async fn open_url(&self, extra: Value) -> String {
        self_href(&expect_json(self.open(extra).await, StatusCode::CREATED).await)
    }

    pub async fn get_as_holder(&self, url: &str) -> Response {
        self.app.get_as(self.holder(), url).await
    }

    pub async fn read(&self, url: &str) -> Value {
        self.app.get_json(self.holder(), url).await
    }

    /// PUT with the current ETag, as the holder (`merchant` false) or the merchant.
    pub async fn put(&self, url: &str, body: Value, merchant: bool) -> Response {
        let writer = if merchant {
            self.as_merchant()
        } else {
            self.holder()
        };
        self.app.put_current(self.holder(), writer, url, &body).await
    }

    /// Sets the request's status as the merchant; asserts 200 and returns the request.
    pub async fn set_status(&self, url: &str, status: &str) -> Value {
        let response = self.put(url, json!({"status": status}), true).await;
        expect_json(response, StatusCode::OK).await
    }

    pub async fn order_now(&self) -> Value {
        self.read(&self.order_uri()).await
    }

    /// The refunds of a processed request.
    pub async fn refunds_of(&self, processed: &Value) -> Value {
        self.read(&link(processed, "shop:refunds")).await
    }

    /// The order's first delivery as its holder reads it now.
    pub async fn first_delivery(&self) -> Value {
        self.order_now().await["_embedded"]["shop:deliveries"][0].clone()
    }

    /// A new download link of the first delivery, as its holder; the URL that serves the file.
    pub async fn download_href(&self) -> String {
        let url = link(&self.first_delivery().await, "shop:download_links");
        let response = send(self.app.request(Method::POST, &url, self.holder())).await;
        let download = expect_json(response, StatusCode::CREATED).await;
        download["href"].as_str().unwrap().to_owned()
    }

    /// Opens a request for the whole order and approves it; returns its URL.
    pub async fn approved_url(&self) -> String {
        let url = self.open_url(json!({})).await;
        self.set_status(&url, "approved").await;
        url
    }
}
