//! The HAL representations of the point-of-sale operations, built from what the domain
//! returned.

use poem_openapi::{ApiResponse, Object};

use crate::{
    api::{
        deliveries::{DeliveryRepr, delivery_repr},
        types::{MoneyRepr, Timestamp},
    },
    domain::{
        library::Entry,
        pos::{PurchaseResult, VoidResult},
        redemption::Redeemed,
    },
    http::hal::{Curie, Hal, HalJson, Link},
};

#[derive(Debug, Clone, Object)]
pub struct CuriesLinks {
    pub curies: Vec<Curie>,
}

/// The result of a purchase.
#[derive(Debug, Clone, Object)]
pub struct PurchaseRepr {
    #[oai(rename = "_links")]
    pub links: CuriesLinks,
    pub partner_transact_id: String,
    /// halshop's id of the transaction, for the till's audit.
    pub vendor_transact_id: String,
    /// The code to print on the receipt; absent when the book went into the buyer's library.
    #[oai(skip_serializing_if_is_none)]
    pub access_code: Option<String>,
    /// Where the buyer enters the code.
    #[oai(skip_serializing_if_is_none)]
    pub access_url: Option<String>,
}

/// The proof of a void.
#[derive(Debug, Clone, Object)]
pub struct StoreRefundRepr {
    #[oai(rename = "_links")]
    pub links: CuriesLinks,
    pub partner_transact_id: String,
    pub vendor_transact_id: String,
    /// When the access code was voided.
    pub timestamp: Timestamp,
}

/// What a redeemed code gave.
#[derive(Debug, Clone, Object)]
pub struct RedemptionRepr {
    #[oai(rename = "_links")]
    pub links: RedemptionLinks,
    pub email: String,
    /// Id of the product.
    pub hash: String,
    /// The SKU when the code was bought.
    pub purchased_sku: String,
    /// The product's SKU now.
    pub current_sku: String,
    pub isbn: String,
    /// What was paid.
    pub price: MoneyRepr,
    /// `LIFETIME`: halshop ebooks do not expire.
    pub expiration_date: String,
}

#[derive(Debug, Clone, Object)]
pub struct RedemptionLinks {
    pub curies: Vec<Curie>,
    /// The delivery now in the library.
    #[oai(rename = "shop:delivery")]
    pub delivery: Link,
}

#[derive(Debug, Clone, Object)]
pub struct LibraryLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
}

#[derive(Debug, Clone, Object)]
pub struct LibraryEmbedded {
    #[oai(rename = "shop:deliveries")]
    pub deliveries: Vec<DeliveryRepr>,
}

/// What the customer owns.
#[derive(Debug, Clone, Object)]
pub struct LibraryRepr {
    #[oai(rename = "_links")]
    pub links: LibraryLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: LibraryEmbedded,
}

#[derive(ApiResponse)]
pub enum PurchaseResponse {
    /// The purchase was made.
    #[oai(status = 201)]
    Created(HalJson<PurchaseRepr>),
    /// The same purchase was made before: the same result.
    #[oai(status = 200)]
    Replayed(HalJson<PurchaseRepr>),
}

#[derive(ApiResponse)]
pub enum StoreRefundResponse {
    /// The access code is voided (or was, by this same void).
    #[oai(status = 200)]
    Ok(HalJson<StoreRefundRepr>),
}

#[derive(ApiResponse)]
pub enum RedemptionResponse {
    /// The code is redeemed into the library.
    #[oai(status = 200)]
    Ok(HalJson<RedemptionRepr>),
}

#[derive(ApiResponse)]
pub enum LibraryResponse {
    /// The customer's library.
    #[oai(status = 200)]
    Ok(HalJson<LibraryRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

/// A purchase: 201 when made now, 200 when replayed.
pub fn purchase(hal: &Hal, result: PurchaseResult) -> PurchaseResponse {
    let repr = PurchaseRepr {
        links: CuriesLinks { curies: hal.curies() },
        partner_transact_id: result.partner_transact_id,
        vendor_transact_id: result.vendor_transact_id,
        access_url: result.access_code.as_ref().map(|_| hal.href("/code_redemptions")),
        access_code: result.access_code,
    };
    if result.replayed {
        PurchaseResponse::Replayed(HalJson(repr))
    } else {
        PurchaseResponse::Created(HalJson(repr))
    }
}

pub fn store_refund(hal: &Hal, result: VoidResult) -> StoreRefundResponse {
    StoreRefundResponse::Ok(HalJson(StoreRefundRepr {
        links: CuriesLinks { curies: hal.curies() },
        partner_transact_id: result.partner_transact_id,
        vendor_transact_id: result.vendor_transact_id,
        timestamp: result.timestamp.into(),
    }))
}

/// A redeemed code, with the e-mail of the library it went into (empty when none).
pub fn redemption(hal: &Hal, redeemed: Redeemed) -> RedemptionResponse {
    RedemptionResponse::Ok(HalJson(RedemptionRepr {
        links: RedemptionLinks {
            curies: hal.curies(),
            delivery: hal.link(&format!("/deliveries/{}", redeemed.delivery.uid)),
        },
        email: redeemed.owner.email.unwrap_or_default(),
        hash: redeemed.line.product_uid,
        purchased_sku: redeemed.line.sku,
        current_sku: redeemed.current_sku,
        isbn: redeemed.line.isbn.unwrap_or_default(),
        price: redeemed.price.into(),
        expiration_date: "LIFETIME".into(),
    }))
}

pub fn library(hal: &Hal, self_link: Link, entries: &[Entry]) -> LibraryResponse {
    let deliveries: Vec<DeliveryRepr> = entries
        .iter()
        .map(|entry| delivery_repr(hal, &entry.delivery, &entry.line, &entry.order))
        .collect();
    LibraryResponse::Ok(HalJson(LibraryRepr {
        links: LibraryLinks {
            self_link,
            curies: hal.curies(),
        },
        item_count: deliveries.len() as u64,
        embedded: LibraryEmbedded { deliveries },
    }))
}
