//! The catalogue: `/products`, `/products/{uid}`, `/products/{uid}/sales_points`.

use entity::{product, store};
use poem::Request;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path, Query},
};
use serde::Deserialize;

use super::{
    ApiTags,
    types::{MoneyRepr, Timestamp, pointer},
};
use crate::http::json::JsonBody;
use crate::{
    auth::MerchantAuth,
    domain::{
        catalogue::{self, CatalogueError, Format, Kind, ProductDraft, ProductFilter, Protection},
        isbn::Isbn,
        money::{Currency, Money},
        stores,
    },
    http::error::{ApiError, FieldError, Problems, problems},
    http::hal::{Curie, Hal, HalJson, Link, Paging},
    problem_set,
    state::SharedState,
};

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
}

/// A product of the catalogue.
#[derive(Debug, Clone, Object)]
pub struct ProductRepr {
    #[oai(rename = "_links")]
    pub links: ProductLinks,
    /// Unique identifier (32 hex characters).
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
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl ProductRepr {
    pub fn new(hal: &Hal, model: &product::Model, self_link: Link) -> Result<Self, ApiError> {
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
            },
            uid: model.uid.clone(),
            sku: model.sku.clone(),
            kind: Kind::from_stored(&model.kind)?,
            title: model.title.clone(),
            isbn: model.isbn.clone(),
            format: Format::from_stored(&model.format)?,
            protection: Protection::from_stored(&model.protection)?,
            price: Money::from_minor(model.price_minor, currency).into(),
            price_includes_tax: model.price_includes_tax,
            available: model.available,
            max_per_order: model.max_per_order.into(),
            refund_policy: RefundPolicy {
                refund_days: model.refund_days.into(),
                usage_limit_percent: model.usage_limit_percent.into(),
            },
            created_at: model.created_at.into(),
            updated_at: model.updated_at.into(),
        })
    }
}

/// What a merchant sends to create or replace a product.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ProductInput {
    /// Title identifier, unique among the merchant's products: 1–64 letters, digits, `.`, `_`, `-`.
    #[oai(validator(pattern = r"^[A-Za-z0-9._-]{1,64}$"))]
    pub sku: String,
    pub kind: Kind,
    /// 1–300 characters.
    #[oai(validator(min_length = 1, max_length = 300))]
    pub title: String,
    /// ISBN-13 or ISBN-10, hyphens and spaces allowed; stored as ISBN-13 digits. Required for
    /// ebooks, absent for tickets.
    #[oai(validator(max_length = 32))]
    pub isbn: Option<String>,
    /// `epub`, `pdf` or `mp3` for ebooks; `ticket` (the default) for tickets.
    pub format: Option<Format>,
    /// Default `none`.
    pub protection: Option<Protection>,
    pub price: MoneyRepr,
    /// Default false: taxes are added on top of the price.
    pub price_includes_tax: Option<bool>,
    /// Default true.
    pub available: Option<bool>,
    /// Ebooks: 1 (the only value allowed). Tickets: 1–100, default 10.
    #[oai(validator(minimum(value = "1"), maximum(value = "100")))]
    pub max_per_order: Option<i64>,
    /// Default: 14 days, 10 % usage.
    pub refund_policy: Option<RefundPolicy>,
}

impl poem_openapi::types::Example for ProductInput {
    fn example() -> Self {
        ProductInput {
            sku: "HUGO-MISERABLES-EPUB".into(),
            kind: Kind::Ebook,
            title: "Les Misérables".into(),
            isbn: Some("978-2-07-036822-8".into()),
            format: Some(Format::Epub),
            protection: Some(Protection::Watermark),
            price: MoneyRepr {
                amount: "9.99".into(),
                currency: "EUR".into(),
            },
            price_includes_tax: Some(true),
            available: Some(true),
            max_per_order: Some(1),
            refund_policy: Some(RefundPolicy {
                refund_days: 14,
                usage_limit_percent: 10,
            }),
        }
    }
}

impl ProductInput {
    /// Checks every rule and collects every broken one, each with its JSON pointer.
    pub fn draft(&self) -> Result<ProductDraft, ApiError> {
        let mut errors = Vec::new();
        let sku = self.sku.trim();
        if sku.is_empty()
            || sku.len() > 64
            || !sku
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        {
            errors.push(FieldError::new(
                "/sku",
                "a SKU is 1 to 64 letters, digits, '.', '_' or '-'",
            ));
        }
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 300 {
            errors.push(FieldError::new("/title", "a title is 1 to 300 characters"));
        }
        let format = match (self.kind, self.format) {
            (Kind::Ebook, Some(format @ (Format::Epub | Format::Pdf | Format::Mp3))) => Some(format),
            (Kind::Ebook, Some(Format::Ticket)) => {
                errors.push(FieldError::new(
                    "/format",
                    "an ebook is delivered as epub, pdf or mp3",
                ));
                None
            }
            (Kind::Ebook, None) => {
                errors.push(FieldError::new(
                    "/format",
                    "an ebook needs a format: epub, pdf or mp3",
                ));
                None
            }
            (Kind::Ticket, None | Some(Format::Ticket)) => Some(Format::Ticket),
            (Kind::Ticket, Some(_)) => {
                errors.push(FieldError::new("/format", "a ticket has the format ticket"));
                None
            }
        };
        let isbn = match (self.kind, self.isbn.as_deref()) {
            (Kind::Ebook, Some(text)) => match Isbn::parse(text) {
                Ok(isbn) => Some(isbn),
                Err(err) => {
                    errors.push(FieldError::new("/isbn", err.to_string()));
                    None
                }
            },
            (Kind::Ebook, None) => {
                errors.push(FieldError::new("/isbn", "an ebook needs an ISBN"));
                None
            }
            (Kind::Ticket, Some(_)) => {
                errors.push(FieldError::new("/isbn", "a ticket has no ISBN"));
                None
            }
            (Kind::Ticket, None) => None,
        };
        let price = match Money::parse(&self.price.amount, &self.price.currency) {
            Ok(price) => Some(price),
            Err(err) => {
                let field = match err {
                    crate::domain::money::MoneyError::UnknownCurrency(_) => "currency",
                    _ => "amount",
                };
                errors.push(FieldError::new(pointer("/price", field), err.to_string()));
                None
            }
        };
        let max_per_order = match (self.kind, self.max_per_order) {
            (Kind::Ebook, None | Some(1)) => 1,
            (Kind::Ebook, Some(_)) => {
                errors.push(FieldError::new(
                    "/max_per_order",
                    "an ebook is sold one copy per order: max_per_order must be 1",
                ));
                1
            }
            (Kind::Ticket, None) => catalogue::DEFAULT_TICKETS_PER_ORDER,
            (Kind::Ticket, Some(n)) if (1..=i64::from(catalogue::MAX_TICKETS_PER_ORDER)).contains(&n) => {
                n as i32
            }
            (Kind::Ticket, Some(_)) => {
                errors.push(FieldError::new(
                    "/max_per_order",
                    "max_per_order is between 1 and 100",
                ));
                1
            }
        };
        let (refund_days, usage_limit_percent) = match &self.refund_policy {
            None => (
                catalogue::DEFAULT_REFUND_DAYS,
                catalogue::DEFAULT_USAGE_LIMIT_PERCENT,
            ),
            Some(policy) => {
                if !(0..=i64::from(catalogue::MAX_REFUND_DAYS)).contains(&policy.refund_days) {
                    errors.push(FieldError::new(
                        "/refund_policy/refund_days",
                        "refund_days is between 0 and 365",
                    ));
                }
                if !(0..=100).contains(&policy.usage_limit_percent) {
                    errors.push(FieldError::new(
                        "/refund_policy/usage_limit_percent",
                        "usage_limit_percent is between 0 and 100",
                    ));
                }
                (
                    policy.refund_days.clamp(0, 365) as i32,
                    policy.usage_limit_percent.clamp(0, 100) as i32,
                )
            }
        };
        match (format, price) {
            (Some(format), Some(price)) if errors.is_empty() => Ok(ProductDraft {
                sku: sku.to_owned(),
                kind: self.kind,
                title: title.to_owned(),
                isbn,
                format,
                protection: self.protection.unwrap_or(Protection::None),
                price,
                price_includes_tax: self.price_includes_tax.unwrap_or(false),
                available: self.available.unwrap_or(true),
                max_per_order,
                refund_days,
                usage_limit_percent,
            }),
            _ => Err(ApiError::validation(errors)),
        }
    }
}

/// Links of a page of the catalogue.
#[derive(Debug, Clone, Object)]
pub struct PageLinksRepr {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub first: Link,
    #[oai(skip_serializing_if_is_none)]
    pub prev: Option<Link>,
    #[oai(skip_serializing_if_is_none)]
    pub next: Option<Link>,
    pub last: Link,
    /// Templated link describing the filters of this collection.
    pub search: Link,
    pub curies: Vec<Curie>,
}

impl PageLinksRepr {
    pub fn new(hal: &Hal, req: &Request, paging: Paging, item_count: u64, search: Link) -> Self {
        let pages = hal.page_links(req, paging, item_count);
        PageLinksRepr {
            self_link: hal.self_link(req),
            first: pages.first,
            prev: pages.prev,
            next: pages.next,
            last: pages.last,
            search,
            curies: hal.curies(),
        }
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
}

/// A store selling a product.
#[derive(Debug, Clone, Object)]
pub struct SalesPointRepr {
    #[oai(rename = "_links")]
    pub links: CuriesOnly,
    pub uid: String,
    pub name: String,
    /// Standard Address Number of the store.
    pub san: String,
}

#[derive(Debug, Clone, Object)]
pub struct CuriesOnly {
    pub curies: Vec<Curie>,
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

problem_set!(
    /// Errors of the catalogue listing.
    ListProblems:
    400 => "`malformed_request`: a query parameter has the wrong form (`page`, `page_size`, `format`, `kind`, …).",
    405 => "`method_not_allowed`.",
    422 => "`validation_failed`: the `isbn` filter is not a valid ISBN."
);

problem_set!(
    /// Errors of reading one product.
    ReadProblems:
    404 => "`not_found`: no product has this uid.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of creating a product.
    CreateProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    409 => "`sku_taken`, `isbn_taken`, or `idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` (each bad field in `errors`) or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of replacing a product.
    UpdateProblems:
    400 => "`malformed_request`: the body is not JSON, or `If-Match` is not a list of ETags.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: no product of this merchant has this uid.",
    409 => "`sku_taken` or `isbn_taken`.",
    412 => "`precondition_failed`: the product changed since the ETag in `If-Match`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: each bad field in `errors`.",
    428 => "`precondition_required`: send `If-Match` with the product's ETag."
);

impl From<CatalogueError> for ApiError {
    fn from(err: CatalogueError) -> Self {
        match err {
            CatalogueError::NotFound => ApiError::not_found("No product of yours has this uid."),
            CatalogueError::SkuTaken(sku) => ApiError::new(
                &problems::SKU_TAKEN,
                format!("You already have a product with SKU {sku:?}."),
            )
            .with_errors(vec![FieldError::new("/sku", "already in use")]),
            CatalogueError::IsbnTaken(isbn) => ApiError::new(
                &problems::ISBN_TAKEN,
                format!("ISBN {isbn} is already registered in this format."),
            )
            .with_errors(vec![FieldError::new(
                "/isbn",
                "already registered in this format",
            )]),
            CatalogueError::VersionMismatch => ApiError::new(
                &problems::PRECONDITION_FAILED,
                "The product changed since you read it; read it again and retry.",
            ),
            CatalogueError::Db(err) => ApiError::from(err),
        }
    }
}

pub struct ProductsApi {
    pub state: SharedState,
}

#[OpenApi(tag = "ApiTags::Catalogue")]
impl ProductsApi {
    /// List the catalogue
    ///
    /// Products in creation order, paged, optionally filtered. Withdrawn products are listed
    /// with `available: false`. Follow `next` to walk every page; `search` is the template
    /// of the filters.
    #[oai(path = "/products", method = "get", operation_id = "list_products")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        req: &Request,
        /// Text searched, case-insensitively, in title, SKU and ISBN.
        #[oai(validator(max_length = 200))]
        q: Query<Option<String>>,
        /// Exact ISBN (ISBN-13 or ISBN-10, hyphens and spaces allowed).
        #[oai(validator(max_length = 32, pattern = r"^[0-9][0-9 -]{8,15}[0-9Xx]$"))]
        isbn: Query<Option<String>>,
        /// Only this format.
        format: Query<Option<Format>>,
        /// Only this kind.
        kind: Query<Option<Kind>>,
        /// Only products that can (true) or cannot (false) be bought now.
        available: Query<Option<bool>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Products per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<ProductListResponse, Problems<ListProblems>> {
        let hal = &self.state.hal;
        let isbn = match isbn.0.as_deref().filter(|text| !text.trim().is_empty()) {
            Some(text) => Some(
                Isbn::parse(text)
                    .map_err(|err| ApiError::validation(vec![FieldError::new("isbn", err.to_string())]))?,
            ),
            None => None,
        };
        let paging = Paging {
            page: page.0.unwrap_or(1),
            page_size: page_size.0.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
        };
        let filter = ProductFilter {
            q: q.0,
            isbn,
            format: format.0,
            kind: kind.0,
            available: available.0,
        };
        let (items, item_count) =
            catalogue::list(&self.state.db, &filter, paging.offset(), paging.page_size).await?;
        let products = items
            .iter()
            .map(|model| ProductRepr::new(hal, model, hal.link(&format!("/products/{}", model.uid))))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProductListResponse::Ok(HalJson(ProductCollection {
            links: PageLinksRepr::new(hal, req, paging, item_count, products_search(hal)),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: ProductsEmbedded { products },
        })))
    }

    /// Read a product
    #[oai(path = "/products/:uid", method = "get", operation_id = "get_product")]
    async fn get(
        &self,
        req: &Request,
        /// The product's uid.
        uid: Path<String>,
    ) -> Result<ProductResponse, Problems<ReadProblems>> {
        let product = catalogue::find(&self.state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No product has this uid."))?;
        let repr = ProductRepr::new(&self.state.hal, &product, self.state.hal.self_link(req))?;
        Ok(ProductResponse::Ok(HalJson(repr), catalogue::etag(&product)))
    }

    /// Add a product (merchant)
    ///
    /// Adds a product to the authenticated merchant's catalogue. An ebook needs a valid
    /// ISBN and a format; its `max_per_order` is always 1. Accepts `Idempotency-Key`.
    #[oai(path = "/products", method = "post", operation_id = "create_product")]
    async fn create(
        &self,
        merchant: MerchantAuth,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(
            name = "Idempotency-Key",
            validator(min_length = 1, max_length = 255, pattern = r"^[!-~]+$")
        )]
        _idempotency_key: Header<Option<String>>,
        body: JsonBody<ProductInput>,
    ) -> Result<ProductCreatedResponse, Problems<CreateProblems>> {
        let draft = body.0.draft()?;
        let product = catalogue::create(&self.state.db, merchant.0.id, &draft).await?;
        let hal = &self.state.hal;
        let location = hal.href(&format!("/products/{}", product.uid));
        let repr = ProductRepr::new(hal, &product, hal.link(&format!("/products/{}", product.uid)))?;
        Ok(ProductCreatedResponse::Created(
            HalJson(repr),
            location,
            catalogue::etag(&product),
        ))
    }

    /// Replace a product (merchant)
    ///
    /// Replaces the description of one of the merchant's products. Send the ETag you read
    /// as `If-Match`: a product changed by someone else in between is not overwritten (412).
    /// Orders already placed keep the price and details they were placed with.
    #[oai(path = "/products/:uid", method = "put", operation_id = "replace_product")]
    async fn replace(
        &self,
        req: &Request,
        merchant: MerchantAuth,
        /// The product's uid.
        uid: Path<String>,
        /// The ETag of the version being replaced. Without it the answer is 428.
        #[oai(
            name = "If-Match",
            validator(max_length = 1024, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#)
        )]
        if_match: Header<Option<String>>,
        body: JsonBody<ProductInput>,
    ) -> Result<ProductResponse, Problems<UpdateProblems>> {
        let draft = body.0.draft()?;
        let db = &self.state.db;
        let current = catalogue::find(db, &uid.0)
            .await?
            .filter(|product| product.merchant_id == merchant.0.id)
            .ok_or_else(|| ApiError::not_found("No product of yours has this uid."))?;
        let Some(if_match) = if_match.0 else {
            return Err(ApiError::new(
                &problems::PRECONDITION_REQUIRED,
                "Send If-Match with the ETag of the product you read.",
            )
            .into());
        };
        if !crate::http::middleware::etag_matches(&if_match, &catalogue::etag(&current)) {
            return Err(CatalogueError::VersionMismatch.into());
        }
        let product = catalogue::update(db, merchant.0.id, &uid.0, current.version, &draft).await?;
        let repr = ProductRepr::new(&self.state.hal, &product, self.state.hal.self_link(req))?;
        Ok(ProductResponse::Ok(HalJson(repr), catalogue::etag(&product)))
    }

    /// List the stores selling a product
    ///
    /// The point-of-sale stores where this product can be bought at the counter.
    #[oai(
        path = "/products/:uid/sales_points",
        method = "get",
        operation_id = "list_sales_points"
    )]
    async fn sales_points(
        &self,
        req: &Request,
        /// The product's uid.
        uid: Path<String>,
    ) -> Result<SalesPointsResponse, Problems<ReadProblems>> {
        let db = &self.state.db;
        let hal = &self.state.hal;
        let product = catalogue::find(db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No product has this uid."))?;
        let stores: Vec<store::Model> = stores::of_merchant(db, product.merchant_id).await?;
        let sales_points: Vec<SalesPointRepr> = stores
            .into_iter()
            .map(|store| SalesPointRepr {
                links: CuriesOnly { curies: hal.curies() },
                uid: store.uid,
                name: store.name,
                san: store.san,
            })
            .collect();
        Ok(SalesPointsResponse::Ok(HalJson(SalesPointCollection {
            links: SalesPointsLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{}", product.uid)),
            },
            item_count: sales_points.len() as u64,
            embedded: SalesPointsEmbedded { sales_points },
        })))
    }
}

/// The templated search link of the catalogue.
pub fn products_search(hal: &Hal) -> Link {
    hal.templated("/products{?q,isbn,format,kind,available,page,page_size}")
}
