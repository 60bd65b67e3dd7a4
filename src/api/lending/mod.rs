//! Library lending: `/lending` and `/libraries/{uid}` (the library), its orders for
//! licences, `/licences`, the report, and the merchant's `/products/{uid}/library_offers`.
//! Loans and holds are in `circulation.rs`.

mod actions;
mod circulation;
pub mod events;
mod input;
mod problems;
mod responses;
mod view;

use chrono::Utc;
use entity::licence;
use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

pub use self::{circulation::CirculationApi, input::LibraryOfferInput};
use self::{
    input::{LicenceOrderInput, paging},
    problems::{BuyProblems, OfferProblems, OfferReadProblems, ReadProblems, not_found},
    responses::{
        LendingReportResponse, LibraryResponse, LicenceResponse, LicencesResponse, OfferCreatedResponse,
        OfferResponse, OffersResponse,
    },
    view::{
        LendingLibraryRepr, LendingReportLinks, LendingReportRepr, LibraryOfferCollection, LibraryOfferRepr,
        LibraryOffersEmbedded, LibraryOffersLinks, LicenceCollection, LicenceRepr, LicenceSubjects,
        ReportTitleRepr,
    },
};
use super::{ApiTags, orders::OrderCreatedResponse, reports::ReportFormat};
use crate::{
    api::orders::{OrderActions, OrderView, order_repr},
    auth::{LibraryAuth, MaybeMerchant, MerchantAuth},
    domain::{
        catalogue,
        lending::{LicenceStatus, buying, licences, names, offers, reports},
        orders,
    },
    http::{
        browse::prefers_csv,
        error::{ApiError, Problems},
        hal::{Hal, HalJson},
        idempotency::IdempotencyKey,
        json::JsonBody,
    },
    state::SharedState,
};

#[derive(Default)]
pub struct LendingApi;

#[OpenApi(tag = "ApiTags::Lending")]
impl LendingApi {
    /// Read your library (library)
    ///
    /// The library whose credentials are sent: where its licences, loans, holds and
    /// report are, and the forms to lend, queue and buy.
    #[oai(path = "/lending", method = "get", operation_id = "get_own_library")]
    async fn own(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        library: LibraryAuth,
    ) -> Result<LibraryResponse, Problems<ReadProblems>> {
        let templates = actions::library_templates(&state.hal, &library.0);
        let repr = LendingLibraryRepr::new(&state.hal, &library.0, state.hal.self_link(req), templates);
        Ok(LibraryResponse::Ok(HalJson(repr)))
    }

    /// Read a library (library)
    #[oai(
        path = "/libraries/:uid",
        method = "get",
        operation_id = "get_lending_library"
    )]
    async fn library(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
    ) -> Result<LibraryResponse, Problems<ReadProblems>> {
        let library = library.owns(&uid.0)?;
        let templates = actions::library_templates(&state.hal, library);
        let repr = LendingLibraryRepr::new(&state.hal, library, state.hal.self_link(req), templates);
        Ok(LibraryResponse::Ok(HalJson(repr)))
    }

    /// Buy licences (library)
    ///
    /// An order for library offers, each with a number of copies. It awaits payment like
    /// any order (its token, shown only here, pays and reads it); once paid, each copy
    /// becomes a licence of the library. Accepts `Idempotency-Key`.
    #[oai(
        path = "/libraries/:uid/orders",
        method = "post",
        operation_id = "buy_licences"
    )]
    async fn buy(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<LicenceOrderInput>,
    ) -> Result<OrderCreatedResponse, Problems<BuyProblems>> {
        let library = library.owns(&uid.0)?;
        let cart = body.0.cart(&state.hal)?;
        let placed = buying::place(&state.db, library, &cart).await?;
        let details = orders::placed_details(&state.db, &placed).await?;
        let view = OrderView {
            order: &placed.order,
            lines: Some(&details.lines),
            deliveries: None,
            vouchers: &details.vouchers,
            contact: &details.contact,
            sandbox: &state.sandbox_key,
            refundability: &details.refundability,
            actions: OrderActions {
                cancel: true,
                ..OrderActions::default()
            },
        };
        let path = format!("/orders/{}", placed.order.uid);
        let order = order_repr(&state.hal, view, state.hal.link(&path))?;
        Ok(OrderCreatedResponse::created(
            &state.hal,
            &path,
            order,
            placed.token,
        ))
    }

    /// List your licences (library)
    #[oai(
        path = "/libraries/:uid/licences",
        method = "get",
        operation_id = "list_licences"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn licences(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
        /// Only licences of this product (its URI).
        #[oai(validator(max_length = 2048))]
        product: Query<Option<String>>,
        /// Only licences in this status: `active`, `exhausted` or `expired`.
        #[oai(validator(pattern = "^(active|exhausted|expired)$"))]
        status: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Licences per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<LicencesResponse, Problems<ReadProblems>> {
        let library = library.owns(&uid.0)?;
        let paging = paging(page.0, page_size.0);
        let filter = licences::LicenceFilter {
            product_id: product_filter(&state, product.0.as_deref()).await?,
            status: status.0.as_deref().map(|s| match s {
                "exhausted" => LicenceStatus::Exhausted,
                "expired" => LicenceStatus::Expired,
                _ => LicenceStatus::Active,
            }),
        };
        let (items, count) =
            licences::list(&state.db, library.id, &filter, paging.offset(), paging.page_size).await?;
        let reprs = licence_reprs(&state, &library.uid, &items).await?;
        let collection = LicenceCollection::new(&state.hal, req, paging, &library.uid, reprs, count);
        Ok(LicencesResponse::Ok(HalJson(collection)))
    }

    /// Read a licence (library)
    #[oai(path = "/licences/:uid", method = "get", operation_id = "get_licence")]
    async fn licence(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The licence's uid.
        uid: Path<String>,
    ) -> Result<LicenceResponse, Problems<ReadProblems>> {
        let licence = licences::find(&state.db, library.0.id, &uid.0)
            .await?
            .ok_or_else(not_found)?;
        let mut reprs = licence_reprs(&state, &library.0.uid, std::slice::from_ref(&licence)).await?;
        Ok(LicenceResponse::Ok(HalJson(reprs.remove(0))))
    }

    /// Read your lending report (library)
    ///
    /// Per title: copies bought and usable, loans running and made this month, holds
    /// waiting, licences expiring within 30 days. `Accept: text/csv` (or `format=csv`) for CSV.
    #[oai(
        path = "/libraries/:uid/report",
        method = "get",
        operation_id = "get_lending_report"
    )]
    async fn report(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
        /// `csv` or `hal`: this representation whatever `Accept` says.
        format: Query<Option<ReportFormat>>,
    ) -> Result<LendingReportResponse, Problems<ReadProblems>> {
        let library = library.owns(&uid.0)?;
        let now = Utc::now();
        let rows = reports::titles(&state.db, library.id, now).await?;
        let csv = format
            .0
            .map_or_else(|| prefers_csv(req.headers()), |f| f == ReportFormat::Csv);
        if csv {
            return Ok(LendingReportResponse::Csv(
                reports::csv(&rows).map_err(ApiError::internal)?,
            ));
        }
        let hal = &state.hal;
        let path = format!("/libraries/{}/report", library.uid);
        Ok(LendingReportResponse::Hal(LendingReportRepr {
            links: LendingReportLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                library: hal.link(&format!("/libraries/{}", library.uid)),
                alternate: Hal::link_to(hal.url_with_query(&path, [("format", Some("csv".into()))]))
                    .with_type("text/csv"),
            },
            generated_at: now.into(),
            titles: rows.iter().map(|row| ReportTitleRepr::new(hal, row)).collect(),
        }))
    }

    /// List an ebook's library offers
    ///
    /// The licences libraries may buy for this ebook. Its merchant also gets the form to
    /// add one.
    #[oai(
        path = "/products/:uid/library_offers",
        method = "get",
        operation_id = "list_library_offers"
    )]
    async fn offers(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MaybeMerchant,
        /// The product's uid.
        uid: Path<String>,
    ) -> Result<OffersResponse, Problems<OfferReadProblems>> {
        let product = catalogue::find(&state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No product has this uid."))?;
        let items = offers::of_products(&state.db, [product.id]).await?;
        let hal = &state.hal;
        let sells = merchant.0.is_some_and(|m| m.id == product.merchant_id);
        let offers: Vec<LibraryOfferRepr> = items
            .iter()
            .map(|o| LibraryOfferRepr::new(hal, o, &product.uid))
            .collect();
        Ok(OffersResponse::Ok(HalJson(LibraryOfferCollection {
            links: LibraryOffersLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                product: hal.link(&format!("/products/{}", product.uid)),
            },
            item_count: offers.len() as u64,
            embedded: LibraryOffersEmbedded { offers },
            templates: sells
                .then(|| actions::offers_templates(hal, &product.uid))
                .flatten(),
        })))
    }

    /// Offer an ebook to libraries (merchant)
    ///
    /// A licence libraries may buy: the price of a copy and its terms. Accepts
    /// `Idempotency-Key`.
    #[oai(
        path = "/products/:uid/library_offers",
        method = "post",
        operation_id = "create_library_offer"
    )]
    async fn create_offer(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// The product's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<LibraryOfferInput>,
    ) -> Result<OfferCreatedResponse, Problems<OfferProblems>> {
        let (price, terms) = body.0.offer()?;
        let product = catalogue::find(&state.db, &uid.0)
            .await?
            .filter(|p| p.merchant_id == merchant.0.id)
            .ok_or_else(|| ApiError::not_found("No product of yours has this uid."))?;
        let offer = offers::create(&state.db, &product, price, terms).await?;
        let path = format!("/library_offers/{}", offer.uid);
        let repr = LibraryOfferRepr::new(&state.hal, &offer, &product.uid);
        Ok(OfferCreatedResponse::Created(
            HalJson(repr),
            state.hal.href(&path),
        ))
    }

    /// Read a library offer
    #[oai(
        path = "/library_offers/:uid",
        method = "get",
        operation_id = "get_library_offer"
    )]
    async fn offer(
        &self,
        state: Data<&SharedState>,
        /// The offer's uid.
        uid: Path<String>,
    ) -> Result<OfferResponse, Problems<OfferReadProblems>> {
        let offer = offers::find(&state.db, &uid.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No library offer has this uid."))?;
        let uids = names::uids(
            &state.db,
            &names::Wanted {
                products: vec![offer.product_id],
                ..Default::default()
            },
        )
        .await?;
        let repr = LibraryOfferRepr::new(&state.hal, &offer, uids.product(offer.product_id));
        Ok(OfferResponse::Ok(HalJson(repr)))
    }
}

/// The product a `product` filter names; a URI naming none matches nothing.
async fn product_filter(state: &SharedState, uri: Option<&str>) -> Result<Option<i64>, ApiError> {
    let Some(uri) = uri else {
        return Ok(None);
    };
    let uid = state
        .hal
        .uid_from_uri(uri.trim(), "/products")
        .unwrap_or_default();
    Ok(Some(catalogue::find(&state.db, &uid).await?.map_or(-1, |p| p.id)))
}

/// The representations of licences, with the uids their links name.
async fn licence_reprs(
    state: &SharedState,
    library_uid: &str,
    items: &[licence::Model],
) -> Result<Vec<LicenceRepr>, ApiError> {
    let wanted = names::Wanted {
        products: items.iter().map(|l| l.product_id).collect(),
        orders: items.iter().map(|l| l.order_id).collect(),
        offers: items.iter().map(|l| l.offer_id).collect(),
        ..Default::default()
    };
    let uids = names::uids(&state.db, &wanted).await?;
    Ok(items
        .iter()
        .map(|licence| {
            let on = LicenceSubjects {
                library_uid,
                product_uid: uids.product(licence.product_id),
                order_uid: uids.order(licence.order_id),
                offer_uid: uids.offer(licence.offer_id),
            };
            LicenceRepr::new(&state.hal, licence, &on)
        })
        .collect())
}
