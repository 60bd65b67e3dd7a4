//! Voucher representations: one voucher, and a page of the merchant's vouchers.

use entity::voucher;
use poem::Request;
use poem_openapi::{ApiResponse, Enum, Object};

use crate::{
    api::types::{MoneyRepr, PageLinksRepr, Timestamp},
    domain::{
        money::{Currency, Money},
        status::VoucherStatus,
    },
    http::{
        error::ApiError,
        forms::Templates,
        hal::{Curie, Hal, HalJson, Link, Paging},
    },
};

/// Where a voucher stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum VoucherStatusFilter {
    /// Not used yet: it can pay part of an order.
    Active,
    /// Used by an order.
    Redeemed,
}

impl From<VoucherStatusFilter> for VoucherStatus {
    fn from(value: VoucherStatusFilter) -> Self {
        match value {
            VoucherStatusFilter::Active => VoucherStatus::Active,
            VoucherStatusFilter::Redeemed => VoucherStatus::Redeemed,
        }
    }
}

/// Why a voucher was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Enum)]
#[oai(rename_all = "snake_case")]
pub enum VoucherSourceFilter {
    /// Issued by hand by the merchant.
    Merchant,
    /// Issued by a refund, for its voucher part.
    Refund,
}

impl VoucherSourceFilter {
    pub fn as_str(self) -> &'static str {
        match self {
            VoucherSourceFilter::Merchant => "merchant",
            VoucherSourceFilter::Refund => "refund",
        }
    }
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
    /// `active` (usable) or `redeemed` (used by an order).
    pub status: String,
    /// `merchant` (issued by hand) or `refund`.
    pub source: String,
    pub created_at: Timestamp,
    #[oai(skip_serializing_if_is_none)]
    pub redeemed_at: Option<Timestamp>,
}

impl VoucherRepr {
    pub fn new(hal: &Hal, voucher: &voucher::Model, self_link: Link) -> Result<Self, ApiError> {
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
}

/// The path of a voucher.
pub fn voucher_path(voucher: &voucher::Model) -> String {
    format!("/vouchers/{}", voucher.code)
}

#[derive(Debug, Clone, Object)]
pub struct VouchersEmbedded {
    #[oai(rename = "shop:vouchers")]
    pub vouchers: Vec<VoucherRepr>,
}

/// A page of the merchant's vouchers, newest first.
#[derive(Debug, Clone, Object)]
pub struct VoucherCollection {
    #[oai(rename = "_links")]
    pub links: PageLinksRepr,
    pub item_count: u64,
    pub page: u64,
    pub page_size: u64,
    #[oai(rename = "_embedded")]
    pub embedded: VouchersEmbedded,
    /// HAL-FORMS: `create` (issue a voucher).
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

/// The templated link to the merchant's vouchers, with their filters.
pub fn vouchers_search(hal: &Hal) -> Link {
    hal.templated("/vouchers{?status,source,page,page_size}")
}

impl VoucherCollection {
    pub fn new(
        hal: &Hal,
        req: &Request,
        paging: Paging,
        items: &[voucher::Model],
        item_count: u64,
    ) -> Result<Self, ApiError> {
        let vouchers = items
            .iter()
            .map(|v| VoucherRepr::new(hal, v, hal.link(&voucher_path(v))))
            .collect::<Result<_, _>>()?;
        Ok(VoucherCollection {
            links: PageLinksRepr::new(hal, req, paging, item_count, vouchers_search(hal)),
            item_count,
            page: paging.page,
            page_size: paging.page_size,
            embedded: VouchersEmbedded { vouchers },
            templates: None,
        })
    }
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

#[derive(ApiResponse)]
pub enum VoucherListResponse {
    /// A page of the merchant's vouchers, with the form to issue one.
    #[oai(status = 200)]
    Ok(HalJson<VoucherCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}
