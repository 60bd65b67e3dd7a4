//! Carts, orders, payment notifications and order cancellations.

use hmac::{Hmac, Mac};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use super::{TestApp, Who, header, self_href, send};

/// Who a cart is for.
#[derive(Clone, Copy)]
pub struct Buyer {
    pub email: &'static str,
    pub first_name: &'static str,
    pub last_name: &'static str,
    pub country: &'static str,
    pub region: Option<&'static str>,
}

/// A guest in Quebec (GST and QST).
pub const MARIE: Buyer = Buyer {
    email: "Marie.Tremblay@example.com",
    first_name: "Marie",
    last_name: "Tremblay",
    country: "CA",
    region: Some("QC"),
};

/// A guest in France, whose name goes into watermarks.
pub const ZOE: Buyer = Buyer {
    email: "zoe@example.com",
    first_name: "Zoë",
    last_name: "Lambert",
    country: "FR",
    region: None,
};

/// A guest in Belgium, where no tax is configured.
pub const NOOR: Buyer = Buyer {
    email: "noor@example.com",
    first_name: "Noor",
    last_name: "Peeters",
    country: "BE",
    region: None,
};

/// The body of `POST /bill` and `POST /orders`.
#[derive(Clone)]
pub struct Cart(Value);

/// A cart for `buyer` with no lines yet.
pub fn cart(buyer: Buyer) -> Cart {
    let mut consumer = json!({
        "email": buyer.email,
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "country": buyer.country,
    });
    if let Some(region) = buyer.region {
        consumer["region"] = json!(region);
    }
    Cart(json!({"products": [], "consumer": consumer}))
}

impl Cart {
    pub fn line(mut self, product: &str, quantity: impl Into<Value>) -> Self {
        let line = json!({"product": product, "quantity": quantity.into()});
        self.0["products"].as_array_mut().unwrap().push(line);
        self
    }

    /// Sets a top-level field (`vouchers`, `external_reference`, `redirect_url`, …).
    pub fn with(mut self, field: &str, value: impl Into<Value>) -> Self {
        self.0[field] = value.into();
        self
    }

    /// Sets a field of the consumer; `null` removes it.
    pub fn consumer(mut self, field: &str, value: impl Into<Value>) -> Self {
        let value = value.into();
        let consumer = self.0["consumer"].as_object_mut().unwrap();
        if value.is_null() {
            consumer.remove(field);
        } else {
            consumer.insert(field.into(), value);
        }
        self
    }

    /// Drops a top-level field.
    pub fn without(mut self, field: &str) -> Self {
        self.0.as_object_mut().unwrap().remove(field);
        self
    }

    pub fn body(&self) -> &Value {
        &self.0
    }
}

/// A placed order and the token that reads it.
pub struct Placed {
    pub order: Value,
    pub token: String,
}

impl Placed {
    pub fn url(&self) -> String {
        self_href(&self.order)
    }

    pub fn who(&self) -> Who<'_> {
        Who::OrderToken(&self.token)
    }

    /// The order as its token holder reads it now.
    pub async fn read(&self, app: &TestApp) -> Value {
        app.get_json(self.who(), &self.url()).await
    }
}

/// Places a guest order; asserts 201 and that the `Order-Token` header is the body's token.
pub async fn place_order(app: &TestApp, cart: &Cart) -> Placed {
    let response = app.post_json(Who::Anonymous, "/orders", cart.body()).await;
    let status = response.status();
    let header_token = response
        .headers()
        .get("order-token")
        .map(|v| v.to_str().unwrap().to_owned());
    let order: Value = response.json().await.expect("order body");
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let token = order["token"]
        .as_str()
        .expect("a guest order has a token")
        .to_owned();
    assert_eq!(header_token.as_deref(), Some(token.as_str()));
    Placed { order, token }
}

/// Places an order as a logged-in customer; asserts 201.
pub async fn place_customer_order(app: &TestApp, bearer: &str, cart: &Cart) -> Value {
    let response = app.post_json(Who::Bearer(bearer), "/orders", cart.body()).await;
    super::expect_json(response, StatusCode::CREATED).await
}

/// `POST /ordercancellation` as the holder of `token`.
pub async fn cancel_order(app: &TestApp, token: &str, order_url: &str, reason: &str) -> Response {
    let body = json!({"order": order_url, "reason": reason});
    app.post_json(Who::OrderToken(token), "/ordercancellation", &body)
        .await
}

/// The `Payment-Signature` of a raw notification body: `sha256=` and the hex HMAC-SHA256.
pub fn sign(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// A payment notification for `order`, timestamped when the order was placed (so that the
/// same notification built twice is the same body, as a provider's retry is, whichever
/// second it is built in).
pub fn notification(order: &Value, reference: &str, amount: &str, status: &str) -> Value {
    let placed = order["created_at"].as_str().map(str::to_owned);
    let now = || chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    json!({
        "provider_reference": reference,
        "order": order["_links"]["self"]["href"],
        "amount": {"amount": amount, "currency": order["currency"]},
        "status": status,
        "timestamp": placed.unwrap_or_else(now),
    })
}

/// A capture of the order's whole grand total under `reference`.
pub fn capture(order: &Value, reference: &str) -> Value {
    notification(order, reference, &grand_total(order), "captured")
}

pub fn grand_total(order: &Value) -> String {
    order["grand_total"]["amount"].as_str().unwrap().to_owned()
}

/// `POST /payment_notifications` of `body`, signed with the app's secret.
pub async fn notify(app: &TestApp, body: &Value) -> Response {
    let raw = body.to_string();
    let signature = sign(&app.payment_secret, raw.as_bytes());
    notify_raw(app, raw, Some(signature)).await
}

/// `POST /payment_notifications` of a raw body with the given signature header, if any.
pub async fn notify_raw(app: &TestApp, raw: String, signature: Option<String>) -> Response {
    let mut request = app
        .client
        .post(app.url("/payment_notifications"))
        .header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("payment-signature", signature);
    }
    send(request.body(raw)).await
}

/// Pays the whole order with a capture; asserts 200.
pub async fn pay(app: &TestApp, order: &Value) {
    let reference = format!("psp_{}", order["uid"].as_str().unwrap());
    let response = notify(app, &capture(order, &reference)).await;
    let status = response.status();
    assert_eq!(status, StatusCode::OK, "{}", response.text().await.unwrap());
}

/// Places a guest order and pays it.
pub async fn place_paid_order(app: &TestApp, cart: &Cart) -> Placed {
    let placed = place_order(app, cart).await;
    pay(app, &placed.order).await;
    placed
}

/// The order's `Order-Token` response header.
pub fn order_token_header(response: &Response) -> String {
    header(response, "order-token")
}

/// An app with one merchant and three products in two currencies.
pub struct Shop {
    pub app: TestApp,
    pub merchant: super::MerchantCredentials,
    /// CAD 19.99, tax not included.
    pub cad_ebook: String,
    /// EUR 4.99, tax included.
    pub eur_ebook: String,
    /// CAD 25.00, at most 4 per order.
    pub cad_ticket: String,
}

pub async fn shop() -> Shop {
    let app = super::spawn_app().await;
    let merchant = app.merchant().await;
    let mut cad = super::ebook(1);
    cad["price"] = super::money("19.99", "CAD");
    cad["price_includes_tax"] = json!(false);
    let mut eur = super::ebook(2);
    eur["price"] = super::money("4.99", "EUR");
    let cad_ebook = app.create_product_href(&merchant, &cad).await;
    let eur_ebook = app.create_product_href(&merchant, &eur).await;
    let cad_ticket = app.create_product_href(&merchant, &super::ticket(1)).await;
    Shop {
        app,
        merchant,
        cad_ebook,
        eur_ebook,
        cad_ticket,
    }
}

impl Shop {
    pub fn as_merchant(&self) -> Who<'_> {
        Who::Merchant(&self.merchant)
    }

    /// A cart of one CAD ebook for a guest in Quebec.
    pub fn one_ebook(&self) -> Cart {
        cart(MARIE).line(&self.cad_ebook, 1)
    }

    /// A cart of `n` CAD tickets for a guest in Quebec.
    pub fn tickets(&self, n: i64) -> Cart {
        cart(MARIE).line(&self.cad_ticket, n)
    }

    /// Places `cart` as a guest.
    pub async fn place(&self, cart: &Cart) -> Placed {
        place_order(&self.app, cart).await
    }

    /// `POST /bill`; asserts 200 and returns the bill.
    pub async fn bill(&self, cart: &Cart) -> Value {
        let response = self.app.post_json(Who::Anonymous, "/bill", cart.body()).await;
        super::expect_json(response, StatusCode::OK).await
    }

    /// How many orders the merchant lists with this query (`""` for all).
    pub async fn order_count(&self, query: &str) -> u64 {
        let url = format!("/orders{query}");
        self.app.count(self.as_merchant(), &url).await
    }
}
