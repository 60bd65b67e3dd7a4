//! Representations of deliveries and download links, built from rows already loaded.

use entity::{delivery, order, order_line};
use poem::Request;
use poem_openapi::{
    ApiResponse, Object,
    payload::{Attachment, AttachmentType},
};

use super::super::types::Timestamp;
use super::actions::delivery_templates;
use crate::{
    domain::{
        deliveries::{self, Full},
        downloads::{Download, NewLink, media_type},
    },
    http::{
        forms::Templates,
        hal::{Curie, Hal, HalJson, Link},
    },
};

#[derive(Debug, Clone, Object)]
pub struct DeliveryLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:order")]
    pub order: Link,
    /// POST here for a one-time download link (valid 60 s); present while a file can be
    /// downloaded.
    #[oai(rename = "shop:download_links", skip_serializing_if_is_none)]
    pub download_links: Option<Link>,
    /// POST `{code}` here (with a customer token) to redeem the access code into a
    /// library; present while the code can be redeemed.
    #[oai(rename = "shop:code_redemption", skip_serializing_if_is_none)]
    pub code_redemption: Option<Link>,
    /// PUT `{percent}` here to report reading progress.
    #[oai(rename = "shop:usage")]
    pub usage: Link,
    /// A ticket's barcode and signed QR payload, to show at the door.
    #[oai(rename = "shop:ticket", skip_serializing_if_is_none)]
    pub ticket: Option<Link>,
}

/// One unit of a sold product.
#[derive(Debug, Clone, Object)]
pub struct DeliveryRepr {
    #[oai(rename = "_links")]
    pub links: DeliveryLinks,
    pub uid: String,
    /// URI of the product.
    pub product: String,
    pub title: String,
    pub format: String,
    /// 10 characters, no look-alike characters: the code printed or e-mailed to the buyer.
    pub access_code: String,
    /// Where the access code is redeemed (`POST {code}` with a customer token).
    pub access_url: String,
    /// `active`, `redeemed` or `voided`.
    pub status: String,
    /// When the file was first downloaded: the delivery is then fulfilled (not refundable).
    #[oai(skip_serializing_if_is_none)]
    pub downloaded_at: Option<Timestamp>,
    /// Furthest point read, in percent.
    pub usage_percent: i64,
    /// `test` for a test sale, `live` for a real one.
    pub sale_state: String,
    pub created_at: Timestamp,
    /// HAL-FORMS: `create_download_link`, `redeem_code`, `report_usage` — each present only
    /// while it can be done.
    #[oai(rename = "_templates", skip_serializing_if_is_none)]
    pub templates: Option<Templates>,
}

pub fn delivery_repr(
    hal: &Hal,
    delivery: &delivery::Model,
    line: &order_line::Model,
    order: &order::Model,
) -> DeliveryRepr {
    let path = format!("/deliveries/{}", delivery.uid);
    let downloadable = deliveries::downloadable(delivery, line).is_ok();
    DeliveryRepr {
        links: DeliveryLinks {
            self_link: hal.link(&path),
            curies: hal.curies(),
            order: hal.link(&format!("/orders/{}", order.uid)),
            download_links: downloadable.then(|| hal.link(&format!("{path}/download_links"))),
            code_redemption: deliveries::redeemable(delivery).then(|| hal.link("/code_redemptions")),
            usage: hal.link(&format!("{path}/usage")),
            ticket: (line.kind == "ticket").then(|| hal.link(&format!("/tickets/{}", delivery.uid))),
        },
        uid: delivery.uid.clone(),
        product: hal.href(&format!("/products/{}", line.product_uid)),
        title: line.title.clone(),
        format: line.format.clone(),
        access_code: delivery.access_code.clone(),
        access_url: hal.href("/code_redemptions"),
        status: delivery.status.clone(),
        downloaded_at: delivery.downloaded_at.map(Timestamp::from),
        usage_percent: delivery.usage_percent.into(),
        sale_state: order.sale_state.clone(),
        created_at: delivery.created_at.into(),
        templates: delivery_templates(hal, delivery, line),
    }
}

#[derive(Debug, Clone, Object)]
pub struct DeliveriesLinks {
    #[oai(rename = "self")]
    pub self_link: Link,
    pub curies: Vec<Curie>,
    #[oai(rename = "shop:order")]
    pub order: Link,
}

#[derive(Debug, Clone, Object)]
pub struct DeliveriesEmbedded {
    #[oai(rename = "shop:deliveries")]
    pub deliveries: Vec<DeliveryRepr>,
}

/// The deliveries of an order.
#[derive(Debug, Clone, Object)]
pub struct DeliveryCollection {
    #[oai(rename = "_links")]
    pub links: DeliveriesLinks,
    pub item_count: u64,
    #[oai(rename = "_embedded")]
    pub embedded: DeliveriesEmbedded,
}

#[derive(Debug, Clone, Object)]
pub struct DownloadLinkLinks {
    pub curies: Vec<Curie>,
    /// The file: GET it once, within 60 seconds.
    pub download: Link,
    #[oai(rename = "shop:delivery")]
    pub delivery: Link,
}

/// A one-time download link.
#[derive(Debug, Clone, Object)]
pub struct DownloadLinkRepr {
    #[oai(rename = "_links")]
    pub links: DownloadLinkLinks,
    /// The link: works once, until `expires_at`.
    pub href: String,
    pub expires_at: Timestamp,
}

impl DeliveryCollection {
    /// The deliveries of `order`.
    pub fn new(
        hal: &Hal,
        req: &Request,
        order: &order::Model,
        deliveries: &[(delivery::Model, order_line::Model)],
    ) -> Self {
        let deliveries: Vec<DeliveryRepr> = deliveries
            .iter()
            .map(|(delivery, line)| delivery_repr(hal, delivery, line, order))
            .collect();
        DeliveryCollection {
            links: DeliveriesLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                order: hal.link(&format!("/orders/{}", order.uid)),
            },
            item_count: deliveries.len() as u64,
            embedded: DeliveriesEmbedded { deliveries },
        }
    }
}

/// The representation of a delivery loaded with its line and order.
pub fn full_repr(hal: &Hal, (delivery, line, order): &Full) -> DeliveryRepr {
    delivery_repr(hal, delivery, line, order)
}

impl DownloadLinkRepr {
    /// A new link to the file of `delivery` (a unit of `line`).
    pub fn new(hal: &Hal, delivery: &delivery::Model, line: &order_line::Model, link: &NewLink) -> Self {
        let path = format!("/downloads/{}", link.token);
        DownloadLinkRepr {
            links: DownloadLinkLinks {
                curies: hal.curies(),
                download: Hal::link_to(hal.url(&path)).with_type(media_type(&line.format)),
                delivery: hal.link(&format!("/deliveries/{}", delivery.uid)),
            },
            href: hal.href(&path),
            expires_at: link.expires_at.into(),
        }
    }
}

#[derive(ApiResponse)]
pub enum DeliveriesResponse {
    /// The deliveries of the order (none before the sale).
    #[oai(status = 200)]
    Ok(HalJson<DeliveryCollection>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum DeliveryResponse {
    /// The delivery.
    #[oai(status = 200)]
    Ok(HalJson<DeliveryRepr>),
    /// Not modified: the `If-None-Match` ETag is still current.
    #[oai(status = 304)]
    NotModified,
}

#[derive(ApiResponse)]
pub enum DownloadLinkResponse {
    /// A new one-time download link.
    #[oai(status = 201)]
    Created(
        HalJson<DownloadLinkRepr>,
        /// The link itself.
        #[oai(header = "Location")]
        String,
        /// `no-store`: the link is a credential, which nothing may keep.
        #[oai(header = "Cache-Control")]
        String,
    ),
}

#[derive(ApiResponse)]
pub enum DownloadResponse {
    /// The file (watermarked with the buyer's name when the product asks for it). The
    /// download is recorded: the delivery is fulfilled.
    #[oai(status = 200)]
    Ok(Attachment<Vec<u8>>, #[oai(header = "Content-Type")] String),
}

impl DownloadResponse {
    /// The file, as an attachment.
    pub fn file(download: Download) -> Self {
        DownloadResponse::Ok(
            Attachment::new(download.bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename(download.filename),
            download.media_type.to_owned(),
        )
    }
}
