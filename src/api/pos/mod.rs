//! The point-of-sale store API for bookstore tills: purchases with access codes, voids,
//! code redemption and the customer's library. Tills send forms; JSON works too.

mod input;
mod problems;
mod view;

pub use self::input::RedemptionInput;

use poem::Request;
use poem::web::Data;
use poem_openapi::{OpenApi, param::Path};

use self::{
    input::{PurchaseBody, RedemptionBody, StoreRefundBody},
    problems::{LibraryProblems, PurchaseProblems, RedemptionProblems, StoreRefundProblems},
    view::{LibraryResponse, PurchaseResponse, RedemptionResponse, StoreRefundResponse},
};
use super::ApiTags;
use crate::{
    auth::{Customer, MaybeCustomer, StoreBearer, store::authenticate_store},
    domain::{
        library::{self, Owner},
        pos, redemption,
    },
    http::error::Problems,
    state::SharedState,
};

#[derive(Default)]
pub struct PosApi;

#[OpenApi(tag = "ApiTags::PointOfSale")]
impl PosApi {
    /// Sell a book at the till
    ///
    /// Creates a paid, completed order (channel `store`) with one delivery and returns its
    /// access code to print on the receipt — or, with `email`, puts the book straight into
    /// that buyer's library. Idempotent: the same parameters return the same result (200);
    /// the same `partner_transact_id` with other parameters is refused. Form or JSON.
    #[oai(
        path = "/stores/:san/purchases",
        method = "post",
        operation_id = "store_purchase"
    )]
    async fn purchase(
        &self,
        state: Data<&SharedState>,
        bearer: StoreBearer,
        /// The store's SAN (hyphens allowed).
        #[oai(validator(max_length = 32))]
        san: Path<String>,
        body: PurchaseBody,
    ) -> Result<PurchaseResponse, Problems<PurchaseProblems>> {
        let request = body.into_inner().into_request();
        let till = request.till(&san.0, bearer.0.as_deref());
        let store = authenticate_store(&state.db, till, || request.check_book()).await?;
        let purchase = request.into_purchase()?;
        let result = pos::purchase(&state.db, &store, &purchase).await??;
        Ok(view::purchase(&state.hal, result))
    }

    /// Void a till purchase
    ///
    /// Cancels a purchase of this store and voids its access code. A void is a refund, refused
    /// by the same rules as a refund request (the order's `refund_eligibility`): when the shop
    /// may not refund, the code was redeemed (or the file downloaded), over the refund time
    /// or usage limit, or voided already.
    #[oai(path = "/stores/:san/refunds", method = "post", operation_id = "store_refund")]
    async fn refund(
        &self,
        state: Data<&SharedState>,
        bearer: StoreBearer,
        /// The store's SAN (hyphens allowed).
        #[oai(validator(max_length = 32))]
        san: Path<String>,
        body: StoreRefundBody,
    ) -> Result<StoreRefundResponse, Problems<StoreRefundProblems>> {
        let request = body.into_inner().into_request();
        let till = request.till(&san.0, bearer.0.as_deref());
        let store = authenticate_store(&state.db, till, || request.check_purchase()).await?;
        let (partner, purchase) = request.ids();
        let result = pos::void(&state.db, &store, &partner, &purchase)
            .await?
            .map_err(problems::void_refused)?;
        Ok(view::store_refund(&state.hal, result))
    }

    /// Redeem an access code
    ///
    /// Puts the book of an access code into a library: the logged-in customer's (their
    /// token), or the account of `email`. A code is redeemed once; a voided code is refused.
    /// The code is checked first: a wrong one answers `code_unknown` whatever the e-mail,
    /// and the account of `email` is looked up only for a code that can be redeemed.
    #[oai(path = "/code_redemptions", method = "post", operation_id = "redeem_code")]
    async fn redeem(
        &self,
        state: Data<&SharedState>,
        customer: MaybeCustomer,
        body: RedemptionBody,
    ) -> Result<RedemptionResponse, Problems<RedemptionProblems>> {
        let input = body.into_inner();
        let code = input.code()?;
        let email = input.email()?;
        let signed_in = customer.0.map(|claims| Owner {
            sub: Some(claims.sub),
            email: claims.email,
        });
        let redeemed = redemption::redeem(&state.db, code, signed_in, email).await??;
        Ok(view::redemption(&state.hal, redeemed))
    }

    /// My library
    ///
    /// What the logged-in customer owns: codes they redeemed and books bought at a till for
    /// their e-mail, with download links.
    #[oai(path = "/me/library", method = "get", operation_id = "get_library")]
    async fn library(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        customer: Customer,
    ) -> Result<LibraryResponse, Problems<LibraryProblems>> {
        let hal = &state.hal;
        let claims = customer.0;
        let entries = library::entries(&state.db, &claims.sub, claims.email.as_deref()).await?;
        Ok(view::library(hal, hal.self_link(req), &entries))
    }
}
