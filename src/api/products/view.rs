//! Representations of the catalogue, built from products and stores already loaded.

use entity::{event, product, store};
use poem::Request;
use poem_openapi::{ApiResponse, Enum, Object};
use serde::{Deserialize, Serialize};

use super::super::types::{MoneyRepr, PageLinksRepr, Timestamp, products_search};
use crate::{
    domain::{
        catalogue, holds,
        money::{Currency, Money},
    },
    http::{
        error::ApiError,
        forms::Templates,
        hal::{Curie, Hal, HalJson, Link, Paging},
        middleware::{self, held_etag, version_etag},
    },
};

/// What kind of good a product is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// An electronic book (EPUB, PDF) or audiobook (MP3); one copy per order.
    Ebook,
    /// An event ticket; several per order, up to the product's `max_per_order`.
    Ticket,
}

/// File format of what is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Format {
    Epub,
    Pdf,
    Mp3,
    Ticket,
}

/// How a delivered file is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum, Serialize, Deserialize)]
#[oai(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Protection {
    /// Delivered as is.
    None,
    /// The buyer's name is written into the delivered file.
    Watermark,
    /// Delivered through a DRM licence.
    Drm,
}

/// Both directions between a wire enum and its domain enum, variant for variant.
macro_rules! mirror {
    ($wire:ident <=> $domain:path { $($variant:ident),* }) => {
        impl From<$wire> for $domain {
            fn from(value: $wire) -> Self {
                match value { $($wire::$variant => <$domain>::$variant),* }
            }
        }

        impl From<$domain> for $wire {
            fn from(value: $domain) -> Self {
                match value { $(<$domain>::$variant => $wire::$variant),* }
            }
        }
    };
}

mirror!(Kind <=> catalogue::Kind { Ebook, Ticket });
mirror!(Format <=> catalogue::Format { Epub, Pdf, Mp3, Ticket });
mirror!(Protection <=> catalogue::Protection { None, Watermark, Drm });

/// The ETag of a product as read now: its version, and for a ticket the places held, so
/// that a cached `available_places` is never served stale.
pub fn etag(product: &product::Model) -> String {
    if holds::counts_places(product) {
        held_etag(&product.uid, product.version, product.held)
    } else {
        version_etag("", &product.uid, product.version)
    }
}

/// Whether `If-Match` names the product's current version (places held left out).
pub fn version_matches(if_match: &str, product: &product::Model) -> bool {
    middleware::version_matches(if_match, &product.uid, product.version)
}

/// A product's refund rules.
#[derive(Debug, Clone, Object, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefundPolicy {
    /// Days after the sale during which a refund may be requested (0–365).
    #[oai(validator(minimum(value = "0"), maximum(value = "365")))]
    pub refund_days: i64,
    /// Share of an ebook that may have been read and still be refunded, in percent (0–100).
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    pub usage_limit_percent: i64,
}

/// Links of a product.
#[derive(Debug, Clone, Object)]
pub struct ProductLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    /// The catalogue.
    #[oai(rename = "shop:products")]
    pub products: Link,
    /// Stores that sell this product at the counter.
    #[oai(rename = "shop:sales_points")]
    pub sales_points: Link,
    /// The event a ticket lets its holder into.
    #[oai(rename = "shop:event", skip_serializing_if_is_none)]
    pub event: Option<Link>,
    /// Ebooks: the licences libraries may buy to lend it.
    #[oai(rename = "shop:library_offers", skip_serializing_if_is_none)]
    pub library_offers: Option<Link>,
}
/// A product of the catalogue.
#[derive(Debug, Clone, Object)]
pub struct ProductRepr {
    #[oai(rename = "_links")]
    pub links: ProductLinks,
    /// Unique identifier (32 hex characters).
    #[oai(read_only)]
    pub uid: String,
    /// The merchant's title identifier, unique per merchant (the point-of-sale `book_id`).
    pub sku: String,
    pub kind: Kind,
    pub title: String,
    /// ISBN-13, digits only. Absent for tickets.
    #[oai(skip_serializing_if_is_none)]
    pub isbn: Option<String>,
    pub format: Format,
    pub protection: Protection,
    /// Unit price.
    pub price: MoneyRepr,
    /// Whether `price` already includes the buyer's taxes (they are then extracted, not added).
    pub price_includes_tax: bool,
    /// Whether the product can be bought now.
    pub available: bool,
    /// Most units of this product in one order (always 1 for ebooks).
    pub max_per_order: i64,
    pub refund_policy: RefundPolicy,
    /// Tickets: URI of the event the ticket lets its holder into.
    #[oai(skip_serializing_if_is_none)]
    pub event: Option<String>,
    /// Tickets: places of this product alone, inside its event's.
    #[oai(skip_serializing_if_is_none)]
    pub capacity: Option<i64>,
    /// Tickets: places left now, the lower of the product's own and its event's; exact
    /// whenever read. Absent when nothing limits the product.
    #[oai(read_only, skip_serializing_if_is_none)]
    pub available_places: Option<i64>,
    /// When the product was added.
    #[oai(read_only)]
    pub created_at: Timestamp,
    /// When the product was last replaced.
    #[oai(read_only)]
    pub updated_at: Timestamp,
    /// HAL-FORMS for the merchant who sells it: `edit`, and `withdraw` while on sale.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

impl ProductRepr {
    /// A product, its event found among `events` (loaded by the caller).
    pub fn new(
        hal: &Hal,
        model: &product::Model,
        events: &[event::Model],
        self_link: Link,
    ) -> Result<Self, ApiError> {
        let event = model
            .event_id
            .and_then(|id| events.iter().find(|event| event.id == id));
        let event_path = event.map(|event| format!("/events/{}", event.uid));
        let counted = holds::counts_places(model);
        let currency: Currency = model
            .currency
            .parse()
            .map_err(|err| ApiError::internal(format!("product {}: {err}", model.uid)))?;
        Ok(ProductRepr {
            links: ProductLinks {
                self_link,
                curies: hal.curies(),
                products: hal.link("/products"),
                sales_points: hal.link(&format!("/products/{}/sales_points", model.uid)),
                event: event_path.as_deref().map(|path| hal.link(path)),
                library_offers: (model.kind == "ebook")
                    .then(|| hal.link(&format!("/products/{}/library_offers", model.uid))),
            },
            uid: model.uid.clone(),
            sku: model.sku.clone(),
            kind: catalogue::Kind::from_stored(&model.kind)?.into(),
            title: model.title.clone(),
            isbn: model.isbn.clone(),
            format: catalogue::Format::from_stored(&model.format)?.into(),
            protection: catalogue::Protection::from_stored(&model.protection)?.into(),
            price: Money::from_minor(model.price_minor, currency).into(),
            price_includes_tax: model.price_includes_tax,
            available: model.available,
            max_per_order: model.max_per_order.into(),
            refund_policy: RefundPolicy {
                refund_days: model.refund_days.into(),
                usage_limit_percent: model.usage_limit_percent.into(),
            },
            event: event_path.as_deref().map(|path| hal.href(path)),
            capacity: model.capacity.map(Into::into),
            available_places: counted.then(|| holds::places_left(model, event)).flatten(),
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
            templates: None,
        })
    }
}

#[derive(Debug, Clone, Object)]
pub struct ProductsEmbedded {
    #[oai(rename = "shop:products")]
    pub products: Vec<ProductRepr>,
}

/// A page of the catalogue.
#[derive(Debug, Clone, Object)]
pub struct ProductCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    /// Number of products matching the filters, over all pages.
    pub item_count: u64,
    /// This page's number (1-based).
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: ProductsEmbedded,
    /// HAL-FORMS for a merchant: `create`.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

/// A store selling a product.
#[derive(Debug, Clone, Object)]
pub struct SalesPointRepr {
    #[oai(rename = "_links")]
    pub links: SalesPointLinks,
    pub uid: String,
    pub name: String,
    /// Standard Address Number of the store.
    pub san: String,
}

#[derive(Debug, Clone, Object)]
pub struct SalesPointLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
}

impl SalesPointRepr {
    /// A store, linked by its own URL unless `self_link` says how it was reached.
    pub fn new(hal: &Hal, store: store::Model, self_link: Option<Link>) -> Self {
        SalesPointRepr {
            links: SalesPointLinks {
                self_link: self_link.unwrap_or_else(|| hal.link(&format!("/stores/{}", store.uid))),
                curies: hal.curies(),
            },
            uid: store.uid,
            name: store.name,
            san: store.san,
        }
    }
}

#[derive(ApiResponse)]
pub enum SalesPointResponse {
    /// The store.
    #[oai(status = 200)]
    Ok(HalJson<SalesPointRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(Debug, Clone, Object)]
pub struct SalesPointsEmbedded {
    #[oai(rename = "shop:sales_points")]
    pub sales_points: Vec<SalesPointRepr>,
}

#[derive(Debug, Clone, Object)]
pub struct SalesPointsLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:product")]
    pub product: Link,
}

/// The stores where a product is sold at the counter.
#[derive(Debug, Clone, Object)]
pub struct SalesPointCollection {
    #[oai(rename = "_links")]
    pub links: SalesPointsLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: SalesPointsEmbedded,
}

impl ProductCollection {
    /// A page of products (`items`, of `item_count` matching ones).
    pub fn new(
        hal: &Hal,
        req: &Request,
        paging: Paging,
        items: &[product::Model],
        events: &[event::Model],
        item_count: u64,
    ) -> Result<Self, ApiError> {
        let products = items
            .iter()
            .map(|model| ProductRepr::new(hal, model, events, hal.link(&format!("/products/{}", model.uid))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProductCollection {
            links: PageLinksRepr::new(hal, req, paging, item_count, products_search(hal)),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: ProductsEmbedded { products },
            templates: None,
        })
    }
}

impl SalesPointCollection {
    /// The stores selling `product`.
    pub fn new(hal: &Hal, req: &Request, product: &product::Model, stores: Vec<store::Model>) -> Self {
        let sales_points: Vec<SalesPointRepr> = stores
            .into_iter()
            .map(|store| SalesPointRepr::new(hal, store, None))
            .collect();
        SalesPointCollection {
            links: SalesPointsLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{}", product.uid)),
            },
            item_count: sales_points.len() as u64,
            embedded: SalesPointsEmbedded { sales_points },
        }
    }
}
#[derive(ApiResponse)]
pub enum ProductListResponse {
    /// A page of the catalogue.
    #[oai(status = 200)]
    Ok(HalJson<ProductCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum ProductResponse {
    /// The product.
    #[oai(status = 200)]
    Ok(
        HalJson<ProductRepr>,
        /// Version of the product; send it as `If-Match` to replace it.
        #[oai(header = "ETag")]
        String,
    ),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum ProductCreatedResponse {
    /// The product was added to the catalogue.
    #[oai(status = 201)]
    Created(
        HalJson<ProductRepr>,
        /// URL of the new product.
        #[oai(header = "Location")]
        String,
        /// Version of the new product.
        #[oai(header = "ETag")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum SalesPointsResponse {
    /// The stores selling the product.
    #[oai(status = 200)]
    Ok(HalJson<SalesPointCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
