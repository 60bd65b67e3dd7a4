//! What every test module shares: a fresh app, merchants and products, requests made as
//! somebody, problem assertions; orders and payments in [`orders`], customer tokens in
//! [`identity`], the command line in [`cli`].

pub mod cli;
pub mod events;
pub mod identity;
pub mod lending;
pub mod orders;
pub mod pages;
pub mod receiver;
pub mod refunds;
pub mod sales;
pub mod smtp;

use std::sync::atomic::{AtomicU32, Ordering};

use halshop::{
    config::Settings,
    domain::merchants::{self, NewMerchant, SaleState},
    startup::Application,
};
use reqwest::{Client, Method, RequestBuilder, Response, StatusCode, header::HeaderMap};
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
    /// Where mails are written as `.eml` files when no SMTP server is configured.
    pub mail_dir: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

#[derive(Clone)]
pub struct MerchantCredentials {
    pub app_key: String,
    pub secret: String,
}

impl MerchantCredentials {
    /// The same app key with a wrong secret.
    pub fn with_wrong_secret(&self) -> Self {
        Self {
            app_key: self.app_key.clone(),
            secret: "sk_wrong".into(),
        }
    }
}

/// Who a request is made as.
#[derive(Clone, Copy)]
pub enum Who<'a> {
    Anonymous,
    /// HTTP Basic with the merchant's app key and secret.
    Merchant(&'a MerchantCredentials),
    /// The `Order-Token` header of a guest order.
    OrderToken(&'a str),
    /// `Authorization: Bearer`.
    Bearer(&'a str),
    /// The `Cognito-Token` header.
    CognitoToken(&'a str),
}

impl Who<'_> {
    pub fn apply(self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Who::Anonymous => request,
            Who::Merchant(m) => request.basic_auth(&m.app_key, Some(&m.secret)),
            Who::OrderToken(token) => request.header("order-token", token),
            Who::Bearer(token) => request.bearer_auth(token),
            Who::CognitoToken(token) => request.header("cognito-token", token),
        }
    }
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
    spawn_on(dir, database_url, configure).await
}

/// Another instance of halshop serving the database of `app` (as several instances share
/// one PostgreSQL database in production).
pub async fn spawn_instance_of(app: &TestApp, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    spawn_on(dir, app.database_url.clone(), configure).await
}

async fn spawn_on(
    dir: tempfile::TempDir,
    database_url: String,
    configure: impl FnOnce(&mut Settings),
) -> TestApp {
    let mut settings = Settings::for_database(database_url.clone());
    settings.content_dir = dir.path().join("content");
    settings.workers.mail_dir = dir.path().join("mail");
    settings.workers.mail_poll_ms = 100;
    configure(&mut settings);
    let app = Application::build(settings).await.expect("application builds");
    let port = app.port();
    let db = app.state().db.clone();
    let payment_secret = app.state().payment_secret.clone();
    let content_dir = app.state().settings.content_dir.clone();
    let mail_dir = app.state().settings.workers.mail_dir.clone();
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
        mail_dir,
        _dir: dir,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// An absolute URL: a path is put under the app's address, a URL is kept.
    pub fn href(&self, path_or_url: &str) -> String {
        if path_or_url.starts_with("http") {
            path_or_url.to_owned()
        } else {
            self.url(path_or_url)
        }
    }

    /// A request to a path or URL, made as `who`.
    pub fn request(&self, method: Method, path_or_url: &str, who: Who) -> RequestBuilder {
        who.apply(self.client.request(method, self.href(path_or_url)))
    }

    pub async fn get(&self, path_or_url: &str) -> Response {
        self.get_as(Who::Anonymous, path_or_url).await
    }

    pub async fn get_as(&self, who: Who<'_>, path_or_url: &str) -> Response {
        send(self.request(Method::GET, path_or_url, who)).await
    }

    /// GETs a JSON document whatever the status.
    pub async fn get_json(&self, who: Who<'_>, path_or_url: &str) -> Value {
        json_of(self.get_as(who, path_or_url).await).await
    }

    /// `item_count` of a listing.
    pub async fn count(&self, who: Who<'_>, path_or_url: &str) -> u64 {
        let listing = self.get_json(who, path_or_url).await;
        listing["item_count"]
            .as_u64()
            .unwrap_or_else(|| panic!("{listing}"))
    }

    pub async fn post_json(&self, who: Who<'_>, path_or_url: &str, body: &Value) -> Response {
        send(self.request(Method::POST, path_or_url, who).json(body)).await
    }

    pub async fn post_form(&self, who: Who<'_>, path_or_url: &str, fields: &[(&str, &str)]) -> Response {
        send(self.request(Method::POST, path_or_url, who).form(fields)).await
    }

    pub async fn put_json(&self, who: Who<'_>, path_or_url: &str, body: &Value) -> Response {
        send(self.request(Method::PUT, path_or_url, who).json(body)).await
    }

    /// PUT with the `If-Match` of the resource as `reader` sees it now.
    pub async fn put_current(&self, reader: Who<'_>, writer: Who<'_>, url: &str, body: &Value) -> Response {
        let etag = etag_of(&self.get_as(reader, url).await);
        let request = self.request(Method::PUT, url, writer).header("if-match", etag);
        send(request.json(body)).await
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
        self.post_json(Who::Merchant(merchant), "/products", body).await
    }

    /// Creates a product and returns its URL.
    pub async fn create_product_href(&self, merchant: &MerchantCredentials, body: &Value) -> String {
        self_href(&self.create_product(merchant, body).await)
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

/// A body of money.
pub fn money(amount: &str, currency: &str) -> Value {
    json!({"amount": amount, "currency": currency})
}

/// Writes the repository's sample file `sample` (from `content/`) into the app's content
/// store as `name`.
pub fn store_content(app: &TestApp, sample: &str, name: &str) {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("content")
        .join(sample);
    std::fs::create_dir_all(&app.content_dir).expect("content dir");
    std::fs::write(
        app.content_dir.join(name),
        std::fs::read(source).expect("sample content"),
    )
    .expect("content written");
}

/// The sample EPUB stored as the file of the ebook `ebook(n)`.
pub fn store_epub_for(app: &TestApp, n: u32) {
    store_content(app, "9780141439518.epub", &format!("{}.epub", isbn_for(n)));
}

/// The sample PDF stored as the file of the ebook `ebook(n)` in PDF.
pub fn store_pdf_for(app: &TestApp, n: u32) {
    store_content(app, "9780141439518.pdf", &format!("{}.pdf", isbn_for(n)));
}

pub async fn send(request: RequestBuilder) -> Response {
    request.send().await.expect("request sent")
}

/// The JSON body of a response, whatever its status.
pub async fn json_of(response: Response) -> Value {
    response.json().await.expect("JSON body")
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(response: Response, status: StatusCode) -> Value {
    let actual = response.status();
    let body: Value = response.json().await.expect("JSON body");
    assert_eq!(actual, status, "{body}");
    body
}

/// `_links.self.href` of a representation.
pub fn self_href(document: &Value) -> String {
    link(document, "self")
}

/// `_links.<rel>.href` of a representation.
pub fn link(document: &Value, rel: &str) -> String {
    document["_links"][rel]["href"]
        .as_str()
        .unwrap_or_else(|| panic!("no {rel} link: {document}"))
        .to_owned()
}

pub fn etag_of(response: &Response) -> String {
    header(response, "etag")
}

pub fn header(response: &Response, name: &str) -> String {
    response.headers()[name]
        .to_str()
        .expect("ASCII header")
        .to_owned()
}

/// `path` of each entry of a problem's `errors`.
pub fn error_paths(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {problem}"))
        .iter()
        .map(|e| e["path"].as_str().unwrap().to_owned())
        .collect()
}

pub fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
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

/// Asserts a problem whose `detail` is exactly `detail`.
pub async fn assert_problem_detail(response: Response, status: StatusCode, code: &str, detail: &str) {
    let problem = assert_problem(response, status, code).await;
    assert_eq!(problem["detail"], detail, "{problem}");
}

/// Asserts a problem whose `detail` contains `part`; returns the body.
pub async fn assert_problem_mentions(
    response: Response,
    status: StatusCode,
    code: &str,
    part: &str,
) -> Value {
    let problem = assert_problem(response, status, code).await;
    assert!(problem["detail"].as_str().unwrap().contains(part), "{problem}");
    problem
}

/// Asserts a problem whose first entry of `errors` is at `path`; returns the body.
pub async fn assert_problem_at(response: Response, status: StatusCode, code: &str, path: &str) -> Value {
    let problem = assert_problem(response, status, code).await;
    assert_eq!(problem["errors"][0]["path"], path, "{problem}");
    problem
}

/// Settings as the command line gives them for these arguments (and no others).
pub fn settings_from_args(args: &[&str]) -> Settings {
    #[derive(clap::Parser)]
    struct Arguments {
        #[command(flatten)]
        settings: Settings,
    }
    let all = std::iter::once("halshop").chain(args.iter().copied());
    <Arguments as clap::Parser>::try_parse_from(all)
        .expect("arguments parse")
        .settings
}

/// The events feed's items of `types` as `who` reads it, once there are at least `count` of them.
pub async fn events_of(app: &TestApp, who: Who<'_>, types: &str, count: usize) -> Vec<Value> {
    let url = format!("/events_feed?types={types}");
    for _ in 0..200 {
        let page = app.get_json(who, &url).await;
        let events = page["_embedded"]["shop:events_feed"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if events.len() >= count {
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("fewer than {count} events of {types}");
}
