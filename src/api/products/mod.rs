//! The catalogue: `/products`, `/products/{uid}`, `/products/{uid}/sales_points`.

mod actions;
mod input;
mod problems;
mod view;

use crate::http::idempotency::IdempotencyKey;
use poem::Request;
use poem::web::Data;
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

pub use self::{
    input::ProductInput,
    problems::{CreateProblems, ListProblems, ReadProblems, StoreReadProblems, UpdateProblems},
    view::{
        Format, Kind, ProductCollection, ProductCreatedResponse, ProductListResponse, ProductRepr,
        ProductResponse, Protection, RefundPolicy, SalesPointCollection, SalesPointRepr, SalesPointResponse,
        SalesPointsResponse, etag, version_matches,
    },
};
use super::ApiTags;
pub use super::types::{PageLinksRepr, products_search};
use crate::{
    auth::{MaybeMerchant, MerchantAuth},
    domain::{
        catalogue::{self, CatalogueError},
        stores,
    },
    http::{
        error::{ApiError, Problems},
        hal::HalJson,
        json::JsonBody,
        round_trip::RoundTrip,
    },
    state::SharedState,
};

#[derive(Default)]
pub struct ProductsApi;

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
        state: Data<&SharedState>,
        req: &Request,
        merchant: MaybeMerchant,
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
        let filter = input::filter(q.0, isbn.0.as_deref(), format.0, kind.0, available.0)?;
        let paging = input::paging(page.0, page_size.0);
        let (items, item_count) =
            catalogue::list(&state.db, &filter, paging.offset(), paging.page_size).await?;
        let events = catalogue::events_of(&state.db, &items).await?;
        let mut collection = ProductCollection::new(&state.hal, req, paging, &items, &events, item_count)?;
        if merchant.0.is_some() {
            collection.templates = actions::catalogue_templates(&state.hal);
        }
        Ok(ProductListResponse::Ok(HalJson(collection)))
    }

    /// Read a product
    #[oai(path = "/products/:uid", method = "get", operation_id = "get_product")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MaybeMerchant,
        /// The product's uid.
        uid: Path<String>,
    ) -> Result<ProductResponse, Problems<ReadProblems>> {
        let product = catalogue::find(&state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No product has this uid."))?;
        let events = catalogue::events_of(&state.db, std::slice::from_ref(&product)).await?;
        let mut repr = ProductRepr::new(&state.hal, &product, &events, state.hal.self_link(req))?;
        if merchant
            .0
            .is_some_and(|merchant| merchant.id == product.merchant_id)
        {
            repr.templates =
                actions::product_templates(&state.hal, &product, events.first().map(|e| e.uid.as_str()));
        }
        Ok(ProductResponse::Ok(HalJson(repr), etag(&product)))
    }

    /// Add a product (merchant)
    ///
    /// Adds a product to the authenticated merchant's catalogue. An ebook needs a valid
    /// ISBN and a format; its `max_per_order` is always 1. Accepts `Idempotency-Key`.
    #[oai(path = "/products", method = "post", operation_id = "create_product")]
    async fn create(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<ProductInput>,
    ) -> Result<ProductCreatedResponse, Problems<CreateProblems>> {
        let draft = body.0.draft(&state.hal)?;
        let product = catalogue::add(&state.db, merchant.0.id, &draft).await?;
        let hal = &state.hal;
        let location = hal.href(&format!("/products/{}", product.uid));
        let events = catalogue::events_of(&state.db, std::slice::from_ref(&product)).await?;
        let mut repr = ProductRepr::new(
            hal,
            &product,
            &events,
            hal.link(&format!("/products/{}", product.uid)),
        )?;
        repr.templates = actions::product_templates(hal, &product, events.first().map(|e| e.uid.as_str()));
        Ok(ProductCreatedResponse::Created(
            HalJson(repr),
            location,
            etag(&product),
        ))
    }

    /// Replace a product (merchant)
    ///
    /// Replaces the description of one of the merchant's products. Send the ETag you read
    /// as `If-Match`: a product changed by someone else in between is not overwritten (412).
    /// Orders already placed keep the price and details they were placed with.
    ///
    /// The body may be the product as a GET gave it, edited: `_links`, `_embedded` and
    /// `_templates` are ignored, and so are the read-only fields (`readOnly` in the schema)
    /// sent unchanged; a read-only field sent changed is refused (422, named in `errors`).
    /// Values compare as the wire writes them: the same instant, the same decimal number
    /// (`"4.99"` is `"4.990"`), `null` as an absent field.
    #[oai(path = "/products/:uid", method = "put", operation_id = "replace_product")]
    async fn replace(
        &self,
        state: Data<&SharedState>,
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
        body: RoundTrip<ProductInput>,
    ) -> Result<ProductResponse, Problems<UpdateProblems>> {
        let draft = body.writable.draft(&state.hal)?;
        let db = &state.db;
        let current = catalogue::find(db, &uid.0)
            .await?
            .filter(|product| product.merchant_id == merchant.0.id)
            .ok_or_else(|| ApiError::not_found("No product of yours has this uid."))?;
        let Some(if_match) = if_match.0 else {
            return Err(problems::if_match_missing().into());
        };
        if !version_matches(&if_match, &current) {
            return Err(CatalogueError::VersionMismatch.into());
        }
        let events = catalogue::events_of(db, std::slice::from_ref(&current)).await?;
        body.check(&ProductRepr::new(
            &state.hal,
            &current,
            &events,
            state.hal.self_link(req),
        )?)?;
        let product = catalogue::update(db, merchant.0.id, &uid.0, current.version, &draft).await?;
        let events = catalogue::events_of(db, std::slice::from_ref(&product)).await?;
        let mut repr = ProductRepr::new(&state.hal, &product, &events, state.hal.self_link(req))?;
        repr.templates =
            actions::product_templates(&state.hal, &product, events.first().map(|e| e.uid.as_str()));
        Ok(ProductResponse::Ok(HalJson(repr), etag(&product)))
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
        state: Data<&SharedState>,
        req: &Request,
        /// The product's uid.
        uid: Path<String>,
    ) -> Result<SalesPointsResponse, Problems<ReadProblems>> {
        let db = &state.db;
        let product = catalogue::find(db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No product has this uid."))?;
        let stores = stores::of_merchant(db, product.merchant_id).await?;
        let collection = SalesPointCollection::new(&state.hal, req, &product, stores);
        Ok(SalesPointsResponse::Ok(HalJson(collection)))
    }

    /// Read a store
    ///
    /// A point-of-sale store selling the merchant's products at the counter: its name and
    /// Standard Address Number. Each sales point of a product links here as its `self`.
    #[oai(path = "/stores/:uid", method = "get", operation_id = "get_store")]
    async fn store(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        /// The store's uid.
        uid: Path<String>,
    ) -> Result<SalesPointResponse, Problems<StoreReadProblems>> {
        let store = stores::find(&state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No store has this uid."))?;
        let repr = SalesPointRepr::new(&state.hal, store, Some(state.hal.self_link(req)));
        Ok(SalesPointResponse::Ok(HalJson(repr)))
    }
}
