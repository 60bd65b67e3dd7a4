//! Vouchers: store credit a merchant issues (refunds issue them too), used once in an order.

use entity::voucher;
use poem::Request;
use poem::web::Data;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::{Header, Path},
};
use serde::Deserialize;

use super::{
    ApiTags,
    types::{MoneyRepr, Timestamp},
};
use crate::http::{idempotency::IdempotencyKey, json::JsonBody};
use crate::{
    auth::MerchantAuth,
    domain::{
        money::{Currency, Money},
        vouchers,
    },
    http::error::{ApiError, FieldError, Problems},
    http::hal::{Curie, Hal, HalJson, Link},
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

#[derive(Debug, Clone, Object)]
pub struct VoucherLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
}

/// A voucher.
#[derive(Debug, Clone, Object)]
pub struct VoucherRepr {
    #[oai(rename = "_links")]
    pub links: VoucherLinks,
    /// The code to type in an order's `vouchers`.
    pub code: String,
    pub amount: MoneyRepr,
    /// `active` (usable), `redeemed` (used by an order) or `void`.
    pub status: String,
    /// `merchant` (issued by hand) or `refund`.
    pub source: String,
    pub created_at: Timestamp,
    #[oai(skip_serializing_if_is_none)]
    pub redeemed_at: Option<Timestamp>,
}

fn voucher_repr(hal: &Hal, voucher: &voucher::Model, self_link: Link) -> Result<VoucherRepr, ApiError> {
    let currency: Currency = voucher
        .currency
        .parse()
        .map_err(|_| ApiError::internal(format!("voucher {} has an unknown currency", voucher.id)))?;
    Ok(VoucherRepr {
        links: VoucherLinks {
            self_link,
            curies: hal.curies(),
        },
        code: voucher.code.clone(),
        amount: Money::from_minor(voucher.amount_minor, currency).into(),
        status: voucher.status.clone(),
        source: voucher.source.clone(),
        created_at: voucher.created_at.into(),
        redeemed_at: voucher.redeemed_at.map(Timestamp::from),
    })
}

#[derive(ApiResponse)]
pub enum VoucherCreatedResponse {
    /// The voucher was issued.
    #[oai(status = 201)]
    Created(
        HalJson<VoucherRepr>,
        /// URL of the voucher.
        #[oai(header = "Location")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum VoucherResponse {
    /// The voucher.
    #[oai(status = 200)]
    Ok(HalJson<VoucherRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
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
    /// Errors of reading a voucher.
    VoucherReadProblems:
    404 => "`not_found`: no voucher has this code.",
    405 => "`method_not_allowed`."
);

#[derive(Default)]
pub struct VouchersApi;

#[OpenApi(tag = "ApiTags::Checkout")]
impl VouchersApi {
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
        let amount = Money::parse(&body.0.amount.amount, &body.0.amount.currency).map_err(|err| {
            let field = match err {
                crate::domain::money::MoneyError::UnknownCurrency(_) => "/amount/currency",
                _ => "/amount/amount",
            };
            ApiError::validation(vec![FieldError::new(field, err.to_string())])
        })?;
        if amount.minor() <= 0 {
            return Err(ApiError::validation(vec![FieldError::new(
                "/amount/amount",
                "a voucher is worth more than zero",
            )])
            .into());
        }
        let voucher = vouchers::issue_requested(&state.db, merchant.0.id, amount).await?;
        let hal = &state.hal;
        let location = hal.href(&format!("/vouchers/{}", voucher.code));
        let repr = voucher_repr(hal, &voucher, hal.link(&format!("/vouchers/{}", voucher.code)))?;
        Ok(VoucherCreatedResponse::Created(HalJson(repr), location))
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
        let repr = voucher_repr(&state.hal, &voucher, state.hal.self_link(req))?;
        Ok(VoucherResponse::Ok(HalJson(repr)))
    }
}
