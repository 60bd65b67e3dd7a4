use std::sync::atomic::{AtomicU32, Ordering};

use halshop::{
    config::Settings,
    domain::merchants::{self, NewMerchant, SaleState},
    startup::Application,
};
use reqwest::{Client, Response, StatusCode, header::HeaderMap};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{Value, json};

pub struct TestApp {
    /// Base URL, without a trailing slash.
    pub address: String,
    pub client: Client,
    pub db: DatabaseConnection,
    pub database_url: String,
    pub payment_secret: String,
    pub content_dir: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

pub struct MerchantCredentials {
    pub app_key: String,
    pub secret: String,
}

static COUNTER: AtomicU32 = AtomicU32::new(0);

/// A database of its own for one test.
pub async fn fresh_database_url(dir: &tempfile::TempDir) -> String {
    match std::env::var("TEST_DATABASE_URL") {
        Ok(server_url) if !server_url.is_empty() => {
            let name = format!(
                "halshop_t_{}_{}_{}",
                std::process::id(),
                COUNTER.fetch_add(1, Ordering::Relaxed),
                halshop::domain::ids::new_uid().get(..8).unwrap_or("0")
            );
            let admin = Database::connect(&server_url)
                .await
                .expect("connect to TEST_DATABASE_URL");
            admin
                .execute_unprepared(&format!("CREATE DATABASE {name}"))
                .await
                .expect("create test database");
            admin.close().await.ok();
            let mut url = url::Url::parse(&server_url).expect("TEST_DATABASE_URL is a URL");
            url.set_path(&format!("/{name}"));
            url.to_string()
        }
        _ => format!("sqlite://{}?mode=rwc", dir.path().join("halshop.db").display()),
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database_url(&dir).await;
    let mut settings = Settings::for_database(database_url.clone());
    settings.content_dir = dir.path().join("content");
    configure(&mut settings);
    let app = Application::build(settings).await.expect("application builds");
    let port = app.port();
    let db = app.state().db.clone();
    let payment_secret = app.state().payment_secret.clone();
    let content_dir = app.state().settings.content_dir.clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        db,
        database_url,
        payment_secret,
        content_dir,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path_or_url: &str) -> Response {
        let url = if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            self.url(path_or_url)
        };
        self.client.get(url).send().await.expect("request sent")
    }

    pub async fn merchant(&self) -> MerchantCredentials {
        self.merchant_named("Test bookstore").await
    }

    pub async fn merchant_named(&self, name: &str) -> MerchantCredentials {
        let created = merchants::create(
            &self.db,
            NewMerchant {
                name: name.into(),
                can_refund: true,
                sale_state: SaleState::Test,
                support_email: "help@bookstore.example".into(),
                support_phone: "+33 1 23 45 67 89".into(),
            },
        )
        .await
        .expect("merchant created");
        MerchantCredentials {
            app_key: created.merchant.app_key,
            secret: created.secret,
        }
    }

    pub async fn post_product(&self, merchant: &MerchantCredentials, body: &Value) -> Response {
        self.client
            .post(self.url("/products"))
            .basic_auth(&merchant.app_key, Some(&merchant.secret))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }

    /// Creates a product and returns its representation.
    pub async fn create_product(&self, merchant: &MerchantCredentials, body: &Value) -> Value {
        let response = self.post_product(merchant, body).await;
        let status = response.status();
        let body = response.json::<Value>().await.expect("json body");
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body
    }
}

/// A valid ebook body; `n` varies SKU and ISBN so that many can be created.
pub fn ebook(n: u32) -> Value {
    json!({
        "sku": format!("BOOK-{n}"),
        "kind": "ebook",
        "title": format!("Book number {n}"),
        "isbn": isbn_for(n),
        "format": "epub",
        "protection": "watermark",
        "price": {"amount": "12.50", "currency": "EUR"},
        "price_includes_tax": true
    })
}

/// A valid ISBN-13 derived from `n`.
pub fn isbn_for(n: u32) -> String {
    let stem = format!("978{:09}", n);
    let sum: u32 = stem
        .chars()
        .enumerate()
        .map(|(i, c)| c.to_digit(10).unwrap() * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    format!("{stem}{}", (10 - sum % 10) % 10)
}

pub fn ticket(n: u32) -> Value {
    json!({
        "sku": format!("TICKET-{n}"),
        "kind": "ticket",
        "title": format!("Reading night {n}"),
        "price": {"amount": "25.00", "currency": "CAD"},
        "max_per_order": 4
    })
}

pub fn content_type(headers: &HeaderMap) -> String {
    headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Asserts a problem+json response with this status and code; returns the body.
pub async fn assert_problem(response: Response, status: StatusCode, code: &str) -> Value {
    let actual = response.status();
    let media = content_type(response.headers());
    let body: Value = response.json().await.expect("problem body is JSON");
    assert_eq!(actual, status, "{body}");
    assert_eq!(media, "application/problem+json", "{body}");
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status.as_u16(), "{body}");
    assert!(
        body["type"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/problems/{code}")),
        "{body}"
    );
    assert!(body["title"].is_string() && body["detail"].is_string(), "{body}");
    assert!(body["instance"].as_str().unwrap().starts_with("http"), "{body}");
    body
}
