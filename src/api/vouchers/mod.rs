//! Vouchers: store credit a merchant issues (refunds issue them too), used once in an order.

mod view;

use poem::Request;
use poem::web::Data;
use poem_openapi::{
    Object, OpenApi,
    param::{Header, Path, Query},
};
use serde::Deserialize;

pub use self::view::vouchers_search;
use self::view::{
    VoucherCollection, VoucherCreatedResponse, VoucherListResponse, VoucherRepr, VoucherResponse,
    VoucherSourceFilter, VoucherStatusFilter, voucher_path,
};
use super::{ApiTags, types::MoneyRepr};
use crate::http::{idempotency::IdempotencyKey, json::JsonBody};
use crate::{
    auth::MerchantAuth,
    domain::{
        money::{Money, MoneyError},
        vouchers::{self, VoucherFilter},
    },
    http::error::{ApiError, FieldError, Problems},
    http::forms::{FormTemplate, templates},
    http::hal::{HalJson, Paging},
    problem_set,
    state::SharedState,
};

/// A voucher to issue.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct VoucherInput {
    /// What the voucher is worth; more than zero.
    pub amount: MoneyRepr,
}

impl VoucherInput {
    /// The amount, checked: a known currency and more than zero.
    fn amount(&self) -> Result<Money, ApiError> {
        let amount = Money::parse(&self.amount.amount, &self.amount.currency).map_err(|err| {
            let field = match err {
                MoneyError::UnknownCurrency(_) => "/amount/currency",
                _ => "/amount/amount",
            };
            ApiError::validation(vec![FieldError::new(field, err.to_string())])
        })?;
        if amount.minor() <= 0 {
            return Err(ApiError::validation(vec![FieldError::new(
                "/amount/amount",
                "a voucher is worth more than zero",
            )]));
        }
        Ok(amount)
    }
}

problem_set!(
    /// Errors of issuing a voucher.
    IssueProblems:
    400 => "`malformed_request` (the body is not JSON) or `idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    409 => "`idempotency_key_in_flight`.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed` (the amount) or `idempotency_key_reused`."
);

problem_set!(
    /// Errors of listing vouchers.
    ListProblems:
    400 => "`malformed_request`: `status`, `source`, `page` or `page_size` has the wrong form.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of reading a voucher.
    VoucherReadProblems:
    404 => "`not_found`: no voucher has this code.",
    405 => "`method_not_allowed`."
);

#[derive(Default)]
pub struct VouchersApi;

#[OpenApi(tag = "ApiTags::Checkout")]
impl VouchersApi {
    /// List your vouchers (merchant)
    ///
    /// The vouchers of your shop, newest first: issued by hand or by refunds, used or not.
    /// The `create` template issues one.
    #[oai(path = "/vouchers", method = "get", operation_id = "list_vouchers")]
    #[allow(clippy::too_many_arguments)]
    async fn list(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// Only vouchers in this status.
        status: Query<Option<VoucherStatusFilter>>,
        /// Only vouchers issued this way.
        source: Query<Option<VoucherSourceFilter>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Vouchers per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<VoucherListResponse, Problems<ListProblems>> {
        let paging = Paging {
            page: page.0.unwrap_or(1),
            page_size: page_size.0.unwrap_or(Paging::DEFAULT_PAGE_SIZE),
        };
        let filter = VoucherFilter {
            status: status.0.map(Into::into),
            source: source.0.map(VoucherSourceFilter::as_str),
        };
        let (items, count) = vouchers::list(
            &state.db,
            merchant.0.id,
            filter,
            paging.offset(),
            paging.page_size,
        )
        .await?;
        let hal = &state.hal;
        let mut collection = VoucherCollection::new(hal, req, paging, &items, count)?;
        let issue = FormTemplate::of::<VoucherInput>("POST", "Issue a voucher", hal.href("/vouchers"));
        collection.templates = templates(vec![("create", issue)]);
        Ok(VoucherListResponse::Ok(HalJson(collection)))
    }

    /// Issue a voucher (merchant)
    ///
    /// Creates store credit worth `amount`, usable once in a later order of this shop.
    /// Accepts `Idempotency-Key`.
    #[oai(path = "/vouchers", method = "post", operation_id = "issue_voucher")]
    async fn issue(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<VoucherInput>,
    ) -> Result<VoucherCreatedResponse, Problems<IssueProblems>> {
        let amount = body.0.amount()?;
        let voucher = vouchers::issue_requested(&state.db, merchant.0.id, amount).await?;
        let hal = &state.hal;
        let path = voucher_path(&voucher);
        let repr = VoucherRepr::new(hal, &voucher, hal.link(&path))?;
        Ok(VoucherCreatedResponse::Created(HalJson(repr), hal.href(&path)))
    }

    /// Read a voucher
    ///
    /// Whoever holds the code can check what it is worth and whether it was used.
    #[oai(path = "/vouchers/:code", method = "get", operation_id = "get_voucher")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        /// The voucher code (hyphens and case are ignored).
        code: Path<String>,
    ) -> Result<VoucherResponse, Problems<VoucherReadProblems>> {
        let voucher = vouchers::find(&state.db, &code.0)
            .await?
            .ok_or_else(|| ApiError::not_found("No voucher has this code."))?;
        let repr = VoucherRepr::new(&state.hal, &voucher, state.hal.self_link(req))?;
        Ok(VoucherResponse::Ok(HalJson(repr)))
    }
}
