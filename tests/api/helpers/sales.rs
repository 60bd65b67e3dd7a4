//! A shop of downloadable ebooks and tickets, and an order of it that was paid.

use reqwest::{Method, Response, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::Value;

use super::{
    MerchantCredentials, TestApp, Who, ebook, json_of, link, money,
    orders::{Cart, Placed, ZOE, capture, cart, notify, place_order},
    send, store_epub_for, store_pdf_for, ticket,
};

/// A watermarked EPUB (`ebook(1)`), a watermarked PDF (`ebook(2)`) with their files in the
/// content store, and a EUR ticket.
pub struct DigitalShop {
    pub app: TestApp,
    pub merchant: MerchantCredentials,
    pub epub: String,
    pub pdf: String,
    pub ticket: String,
}

pub async fn digital_shop() -> DigitalShop {
    digital_shop_with(|_| {}).await
}

/// The same shop on a server configured by `configure`.
pub async fn digital_shop_with(configure: impl FnOnce(&mut halshop::config::Settings)) -> DigitalShop {
    let app = crate::helpers::spawn_app_with(configure).await;
    let merchant = app.merchant().await;
    store_epub_for(&app, 1);
    store_pdf_for(&app, 2);
    let mut pdf = ebook(2);
    pdf["format"] = "pdf".into();
    let mut euro_ticket = ticket(1);
    euro_ticket["price"] = money("25.00", "EUR");
    let epub = app.create_product_href(&merchant, &ebook(1)).await;
    let pdf = app.create_product_href(&merchant, &pdf).await;
    let ticket = app.create_product_href(&merchant, &euro_ticket).await;
    DigitalShop {
        app,
        merchant,
        epub,
        pdf,
        ticket,
    }
}

impl DigitalShop {
    /// A cart for Zoë in France with one EPUB.
    pub fn one_epub(&self) -> Cart {
        cart(ZOE).line(&self.epub, 1)
    }

    pub async fn place(&self, cart: &Cart) -> Placed {
        place_order(&self.app, cart).await
    }

    /// The order's status as its token holder reads it now.
    pub async fn status_of(&self, placed: &Placed) -> Value {
        placed.read(&self.app).await["status"].clone()
    }

    /// Asserts that the order is still awaiting payment and nothing was delivered.
    pub async fn assert_unpaid(&self, placed: &Placed) {
        assert_eq!(self.status_of(placed).await, "awaiting_payment");
        assert_eq!(count_deliveries(&self.app).await, 0);
    }
}

/// An EPUB, a PDF and two tickets bought by Zoë and paid under the reference `psp_1`.
pub struct Sold {
    pub shop: DigitalShop,
    pub placed: Placed,
}

pub async fn sold() -> Sold {
    let shop = digital_shop().await;
    let cart = cart(ZOE)
        .line(&shop.epub, 1)
        .line(&shop.pdf, 1)
        .line(&shop.ticket, 2);
    let placed = shop.place(&cart).await;
    let response = notify(&shop.app, &capture(&placed.order, "psp_1")).await;
    assert_eq!(response.status(), StatusCode::OK);
    Sold { shop, placed }
}

impl Sold {
    pub fn app(&self) -> &TestApp {
        &self.shop.app
    }

    pub fn who(&self) -> Who<'_> {
        self.placed.who()
    }

    /// The order as its holder reads it now.
    pub async fn order(&self) -> Value {
        self.placed.read(self.app()).await
    }

    /// The delivery of the given format (`epub`, `pdf`, `ticket`).
    pub async fn delivery(&self, format: &str) -> Value {
        let order = self.order().await;
        order["_embedded"]["shop:deliveries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["format"] == format)
            .cloned()
            .unwrap_or_else(|| panic!("no {format} delivery: {order}"))
    }

    /// Asks for a download link of `delivery` as the order's holder.
    pub async fn download_link(&self, delivery: &Value) -> Response {
        let url = link(delivery, "shop:download_links");
        send(self.app().request(Method::POST, &url, self.who())).await
    }

    /// A download link of `delivery`; the URL that serves the file.
    pub async fn download_href(&self, delivery: &Value) -> String {
        let link = json_of(self.download_link(delivery).await).await;
        link["href"]
            .as_str()
            .unwrap_or_else(|| panic!("{link}"))
            .to_owned()
    }
}

pub async fn count_deliveries(app: &TestApp) -> u64 {
    entity::delivery::Entity::find().count(&app.db).await.unwrap()
}

/// How many `order.completed` events were written.
pub async fn count_completed_events(app: &TestApp) -> u64 {
    entity::outbox_event::Entity::find()
        .filter(entity::outbox_event::Column::EventType.eq("order.completed"))
        .count(&app.db)
        .await
        .unwrap()
}
