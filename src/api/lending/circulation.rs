//! Lending to patrons: `/libraries/{uid}/loans`, `/loans/{uid}` (return, download links),
//! `/loan_downloads/{token}`, `/libraries/{uid}/holds` and `/holds/{uid}` (cancellation).

use entity::{library, library_hold, loan};
use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

use super::{
    actions,
    input::{HoldInput, LoanInput, paging},
    problems::{
        BorrowProblems, EndProblems, HoldProblems, LoanDownloadProblems, LoanLinkProblems, ReadProblems,
        loan_ended, not_found,
    },
    responses::{
        HoldCreatedResponse, HoldEndedResponse, HoldResponse, HoldsResponse, LoanCreatedResponse,
        LoanDownloadResponse, LoanEndedResponse, LoanLinkResponse, LoanResponse, LoansResponse,
    },
    view::{HoldCollection, HoldRepr, HoldsEmbedded, LoanCollection, LoanLinkRepr, LoanRepr, LoansEmbedded},
};
use crate::{
    api::{ApiTags, types::PageLinksRepr},
    auth::LibraryAuth,
    domain::{
        catalogue,
        lending::{holds, links, loans, names},
        status::{HoldStatus, LoanStatus},
    },
    http::{
        error::{ApiError, Problems},
        hal::{Hal, HalJson},
        headers,
        idempotency::IdempotencyKey,
        json::JsonBody,
    },
    state::SharedState,
};

#[derive(Default)]
pub struct CirculationApi;

#[OpenApi(tag = "ApiTags::Lending")]
impl CirculationApi {
    /// Lend a copy to a patron (library)
    ///
    /// Takes a free copy of the title (the licence expiring soonest first), or the copy
    /// set aside for the patron's ready hold, until `due_at`. Accepts `Idempotency-Key`.
    #[oai(path = "/libraries/:uid/loans", method = "post", operation_id = "borrow")]
    async fn borrow(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<LoanInput>,
    ) -> Result<LoanCreatedResponse, Problems<BorrowProblems>> {
        let library = library.owns(&uid.0)?;
        let (product_uid, patron, days) = body.0.parts(&state.hal)?;
        let product = catalogue::find(&state.db, &product_uid)
            .await?
            .ok_or_else(|| ApiError::not_found("No product has this URI."))?;
        let loan = loans::borrow(&state.db, library, product.id, &patron, days).await?;
        let repr = loan_reprs(&state, library, std::slice::from_ref(&loan))
            .await?
            .remove(0);
        let path = format!("/loans/{}", loan.uid);
        Ok(LoanCreatedResponse::Created(HalJson(repr), state.hal.href(&path)))
    }

    /// List your loans (library)
    #[oai(path = "/libraries/:uid/loans", method = "get", operation_id = "list_loans")]
    #[allow(clippy::too_many_arguments)]
    async fn loans(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
        /// Only this patron's loans.
        #[oai(validator(max_length = 100))]
        patron_id: Query<Option<String>>,
        /// Only loans of this product (its URI).
        #[oai(validator(max_length = 2048))]
        product: Query<Option<String>>,
        /// Only loans in this status.
        #[oai(validator(pattern = "^(active|returned|expired)$"))]
        status: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Loans per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<LoansResponse, Problems<ReadProblems>> {
        let library = library.owns(&uid.0)?;
        let paging = paging(page.0, page_size.0);
        let filter = loans::LoanFilter {
            patron_id: patron_id.0,
            status: status.0.as_deref().map(LoanStatus::from_stored).transpose()?,
            product_id: super::product_filter(&state, product.0.as_deref()).await?,
        };
        let (items, count) =
            loans::list(&state.db, library.id, &filter, paging.offset(), paging.page_size).await?;
        let hal = &state.hal;
        let search = hal.templated(&format!(
            "/libraries/{}/loans{{?patron_id,product,status,page,page_size}}",
            library.uid
        ));
        Ok(LoansResponse::Ok(HalJson(LoanCollection {
            links: PageLinksRepr::new(hal, req, paging, count, search),
            item_count: count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: LoansEmbedded {
                loans: loan_reprs(&state, library, &items).await?,
            },
            templates: actions::loans_templates(hal, &library.uid),
        })))
    }

    /// Read a loan (library)
    ///
    /// A loan past its `due_at` has expired, and its copy has gone back, by the time it is read.
    #[oai(path = "/loans/:uid", method = "get", operation_id = "get_loan")]
    async fn loan(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The loan's uid.
        uid: Path<String>,
    ) -> Result<LoanResponse, Problems<ReadProblems>> {
        let loan = loans::find(&state.db, library.0.id, &uid.0)
            .await?
            .ok_or_else(not_found)?;
        let repr = loan_reprs(&state, &library.0, std::slice::from_ref(&loan))
            .await?
            .remove(0);
        Ok(LoanResponse::Ok(HalJson(repr)))
    }

    /// Return a loan early (library)
    ///
    /// Its copy goes back to the library: to the first waiting hold, if any. Accepts
    /// `Idempotency-Key`.
    #[oai(path = "/loans/:uid/return", method = "post", operation_id = "return_loan")]
    async fn give_back(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The loan's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key returns the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
    ) -> Result<LoanEndedResponse, Problems<EndProblems>> {
        let loan = loans::find(&state.db, library.0.id, &uid.0)
            .await?
            .ok_or_else(not_found)?;
        let returned = loans::give_back(&state.db, &loan).await?;
        let repr = loan_reprs(&state, &library.0, std::slice::from_ref(&returned))
            .await?
            .remove(0);
        Ok(LoanEndedResponse::Ok(HalJson(repr)))
    }

    /// Get a download link for a loan (library)
    ///
    /// A one-time link, valid 60 seconds, to the book watermarked with the library's name
    /// and the patron's id. Only while the loan runs.
    #[oai(
        path = "/loans/:uid/download_links",
        method = "post",
        operation_id = "create_loan_download_link"
    )]
    async fn download_link(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The loan's uid.
        uid: Path<String>,
        /// Makes a retry safe.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
    ) -> Result<LoanLinkResponse, Problems<LoanLinkProblems>> {
        let loan = loans::find(&state.db, library.0.id, &uid.0)
            .await?
            .ok_or_else(not_found)?;
        let link = links::create(&state.db, &loan).await?.ok_or_else(loan_ended)?;
        let product = catalogue::find_by_id(&state.db, loan.product_id)
            .await?
            .ok_or_else(|| ApiError::internal("product of a loan vanished"))?;
        let repr = LoanLinkRepr::new(&state.hal, &loan, &product.format, &link);
        let href = repr.href.clone();
        Ok(LoanLinkResponse::Created(
            HalJson(repr),
            href,
            headers::NO_STORE.to_owned(),
        ))
    }

    /// Download a lent book
    ///
    /// Follows a loan's one-time link: it works once, within 60 seconds, while the loan runs.
    #[oai(
        path = "/loan_downloads/:token",
        method = "get",
        operation_id = "download_loan"
    )]
    async fn download(
        &self,
        state: Data<&SharedState>,
        /// The link's secret part.
        #[oai(validator(max_length = 128))]
        token: Path<String>,
    ) -> Result<LoanDownloadResponse, Problems<LoanDownloadProblems>> {
        let result = links::follow(&state.db, &token.0, &state.settings.content_dir).await?;
        Ok(LoanDownloadResponse::file(result.map_err(ApiError::from)?))
    }

    /// Queue a patron for a title (library)
    ///
    /// Only when no copy is free. When a copy comes back, the first hold is offered it for
    /// 48 hours (`hold.ready`); only that patron may borrow it then. Accepts `Idempotency-Key`.
    #[oai(path = "/libraries/:uid/holds", method = "post", operation_id = "place_hold")]
    async fn place_hold(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<HoldInput>,
    ) -> Result<HoldCreatedResponse, Problems<HoldProblems>> {
        let library = library.owns(&uid.0)?;
        let (product_uid, patron) = body.0.parts(&state.hal)?;
        let product = catalogue::find(&state.db, &product_uid)
            .await?
            .ok_or_else(|| ApiError::not_found("No product has this URI."))?;
        let hold = holds::place(&state.db, library, product.id, &patron).await?;
        let repr = hold_reprs(&state, library, std::slice::from_ref(&hold))
            .await?
            .remove(0);
        let path = format!("/holds/{}", hold.uid);
        Ok(HoldCreatedResponse::Created(HalJson(repr), state.hal.href(&path)))
    }

    /// List your holds (library)
    #[oai(path = "/libraries/:uid/holds", method = "get", operation_id = "list_holds")]
    #[allow(clippy::too_many_arguments)]
    async fn holds(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        library: LibraryAuth,
        /// The library's uid.
        uid: Path<String>,
        /// Only this patron's holds.
        #[oai(validator(max_length = 100))]
        patron_id: Query<Option<String>>,
        /// Only holds on this product (its URI).
        #[oai(validator(max_length = 2048))]
        product: Query<Option<String>>,
        /// Only holds in this status.
        #[oai(validator(pattern = "^(waiting|ready|borrowed|lapsed|cancelled)$"))]
        status: Query<Option<String>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Holds per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<HoldsResponse, Problems<ReadProblems>> {
        let library = library.owns(&uid.0)?;
        let paging = paging(page.0, page_size.0);
        let filter = holds::HoldFilter {
            patron_id: patron_id.0,
            status: status.0.as_deref().map(HoldStatus::from_stored).transpose()?,
            product_id: super::product_filter(&state, product.0.as_deref()).await?,
        };
        let (items, count) =
            holds::list(&state.db, library.id, &filter, paging.offset(), paging.page_size).await?;
        let hal = &state.hal;
        let search = hal.templated(&format!(
            "/libraries/{}/holds{{?patron_id,product,status,page,page_size}}",
            library.uid
        ));
        Ok(HoldsResponse::Ok(HalJson(HoldCollection {
            links: PageLinksRepr::new(hal, req, paging, count, search),
            item_count: count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: HoldsEmbedded {
                holds: hold_reprs(&state, library, &items).await?,
            },
            templates: actions::holds_templates(hal, &library.uid),
        })))
    }

    /// Read a hold (library)
    #[oai(path = "/holds/:uid", method = "get", operation_id = "get_hold")]
    async fn hold(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The hold's uid.
        uid: Path<String>,
    ) -> Result<HoldResponse, Problems<ReadProblems>> {
        let hold = holds::find(&state.db, library.0.id, &uid.0)
            .await?
            .ok_or_else(not_found)?;
        let repr = hold_reprs(&state, &library.0, std::slice::from_ref(&hold))
            .await?
            .remove(0);
        Ok(HoldResponse::Ok(HalJson(repr)))
    }

    /// Take a patron out of the queue (library)
    ///
    /// A copy set aside for the hold passes to the next one. Accepts `Idempotency-Key`.
    #[oai(
        path = "/holds/:uid/cancellation",
        method = "post",
        operation_id = "cancel_hold"
    )]
    async fn cancel_hold(
        &self,
        state: Data<&SharedState>,
        library: LibraryAuth,
        /// The hold's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key returns the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
    ) -> Result<HoldEndedResponse, Problems<EndProblems>> {
        let hold = holds::find(&state.db, library.0.id, &uid.0)
            .await?
            .ok_or_else(not_found)?;
        let cancelled = holds::cancel(&state.db, &hold).await?;
        let repr = hold_reprs(&state, &library.0, std::slice::from_ref(&cancelled))
            .await?
            .remove(0);
        Ok(HoldEndedResponse::Ok(HalJson(repr)))
    }
}

/// The representations of loans, with the uids their links name.
async fn loan_reprs(
    state: &SharedState,
    library: &library::Model,
    items: &[loan::Model],
) -> Result<Vec<LoanRepr>, ApiError> {
    let wanted = names::Wanted {
        products: items.iter().map(|l| l.product_id).collect(),
        licences: items.iter().map(|l| l.licence_id).collect(),
        ..Default::default()
    };
    let uids = names::uids(&state.db, &wanted).await?;
    let hal: &Hal = &state.hal;
    Ok(items
        .iter()
        .map(|loan| {
            let on = (
                library.uid.as_str(),
                uids.product(loan.product_id),
                uids.licence(loan.licence_id),
            );
            LoanRepr::new(hal, loan, on, actions::loan_templates(hal, loan))
        })
        .collect())
}

/// The representations of holds, with their place in the queue.
async fn hold_reprs(
    state: &SharedState,
    library: &library::Model,
    items: &[library_hold::Model],
) -> Result<Vec<HoldRepr>, ApiError> {
    let wanted = names::Wanted {
        products: items.iter().map(|h| h.product_id).collect(),
        ..Default::default()
    };
    let uids = names::uids(&state.db, &wanted).await?;
    let hal: &Hal = &state.hal;
    let mut reprs = Vec::with_capacity(items.len());
    for hold in items {
        let position = holds::position(&state.db, hold).await?;
        let product_uid = uids.product(hold.product_id);
        let templates = actions::hold_templates(hal, hold, &library.uid, product_uid);
        reprs.push(HoldRepr::new(
            hal,
            hold,
            (&library.uid, product_uid),
            position,
            templates,
        ));
    }
    Ok(reprs)
}
