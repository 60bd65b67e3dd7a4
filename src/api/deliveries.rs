//! Deliveries of a completed order: their access codes, one-time download links, downloads
//! and reading progress.

use entity::{delivery, order, order_line};
use poem::Request;
use poem_openapi::{
    ApiResponse, Object, OpenApi,
    param::Path,
    payload::{Attachment, AttachmentType},
};
use serde::Deserialize;

use super::{ApiTags, types::Timestamp};
use crate::http::json::JsonBody;
use crate::{
    auth::OrderCaller,
    domain::{
        downloads::{self, LinkError},
        orders, sales,
    },
    http::error::{ApiError, FieldError, Problems, problems},
    http::hal::{Curie, Hal, HalJson, Link},
    problem_set,
    state::SharedState,
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
    /// PUT `{percent}` here to report reading progress.
    #[oai(rename = "shop:usage")]
    pub usage: Link,
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
}

pub fn delivery_repr(
    hal: &Hal,
    delivery: &delivery::Model,
    line: &order_line::Model,
    order: &order::Model,
) -> DeliveryRepr {
    let path = format!("/deliveries/{}", delivery.uid);
    let downloadable = delivery.status != "voided" && line.isbn.is_some() && line.format != "ticket";
    DeliveryRepr {
        links: DeliveryLinks {
            self_link: hal.link(&path),
            curies: hal.curies(),
            order: hal.link(&format!("/orders/{}", order.uid)),
            download_links: downloadable.then(|| hal.link(&format!("{path}/download_links"))),
            usage: hal.link(&format!("{path}/usage")),
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
    }
}

/// The deliveries of an order, with their lines, for representations.
pub async fn deliveries_with_lines(
    db: &sea_orm::DatabaseConnection,
    order: &order::Model,
) -> Result<Vec<(delivery::Model, order_line::Model)>, ApiError> {
    let lines = orders::lines_of(db, order.id).await?;
    let deliveries = sales::deliveries_of(db, order.id).await?;
    deliveries
        .into_iter()
        .map(|delivery| {
            let line = lines
                .iter()
                .find(|line| line.id == delivery.order_line_id)
                .cloned()
                .ok_or_else(|| ApiError::internal(format!("delivery {} without its line", delivery.uid)))?;
            Ok((delivery, line))
        })
        .collect()
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

/// Reading progress reported by a reader app.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct UsageInput {
    /// Furthest point read, 0–100; never lower than the last value.
    #[oai(validator(minimum(value = "0"), maximum(value = "100")))]
    pub percent: i64,
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
    ),
}

#[derive(ApiResponse)]
pub enum DownloadResponse {
    /// The file (watermarked with the buyer's name when the product asks for it). The
    /// download is recorded: the delivery is fulfilled.
    #[oai(status = 200)]
    Ok(Attachment<Vec<u8>>, #[oai(header = "Content-Type")] String),
}

problem_set!(
    /// Errors of reading deliveries.
    DeliveryReadProblems, customer:
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: nothing with this uid is visible with these credentials.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of asking for a download link.
    LinkProblems, customer:
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: no delivery with this uid is visible with these credentials.",
    405 => "`method_not_allowed`.",
    409 => "`not_downloadable`: a ticket, or a voided delivery."
);

problem_set!(
    /// Errors of following a download link.
    DownloadProblems:
    400 => "`malformed_request`: the token is longer than any link's.",
    404 => "`not_found`: no such link (never issued, or forged).",
    405 => "`method_not_allowed`.",
    410 => "`link_expired`, `link_used` or `delivery_voided`.",
    503 => "`content_unavailable`: the file is missing from the content store; nothing was recorded."
);

problem_set!(
    /// Errors of reporting usage.
    UsageProblems, customer:
    400 => "`malformed_request`: the body is not JSON.",
    401 => "No credentials, or refused ones.",
    404 => "`not_found`: no delivery with this uid is visible with these credentials.",
    409 => "`usage_decrease`: lower than the usage recorded.",
    413 => "`payload_too_large`.",
    415 => "`unsupported_media_type`: send `application/json`.",
    422 => "`validation_failed`: percent is 0 to 100."
);

pub struct DeliveriesApi {
    pub state: SharedState,
}

impl DeliveriesApi {
    /// A delivery, its line and order, if the caller may see the order.
    async fn visible(
        &self,
        uid: &str,
        caller: &OrderCaller,
    ) -> Result<(delivery::Model, order_line::Model, order::Model), ApiError> {
        let db = &self.state.db;
        let not_found =
            || ApiError::not_found("No delivery with this uid is visible with these credentials.");
        let delivery = sales::find_delivery(db, uid).await?.ok_or_else(not_found)?;
        let owner = caller
            .customer
            .as_ref()
            .is_some_and(|c| delivery.owner_sub.as_deref() == Some(c.sub.as_str()));
        let order = entity::order::Entity::find_by_id(delivery.order_id)
            .one(db)
            .await?
            .filter(|order| owner || caller.may_see(order))
            .ok_or_else(not_found)?;
        let line = entity::order_line::Entity::find_by_id(delivery.order_line_id)
            .one(db)
            .await?
            .ok_or_else(|| ApiError::internal("delivery without its line"))?;
        Ok((delivery, line, order))
    }
}

use sea_orm::EntityTrait;

#[OpenApi(tag = "ApiTags::Deliveries")]
impl DeliveriesApi {
    /// List an order's deliveries
    ///
    /// One delivery per unit sold, each with its access code. Empty until the sale.
    #[oai(
        path = "/orders/:uid/deliveries",
        method = "get",
        operation_id = "list_deliveries"
    )]
    async fn list(
        &self,
        req: &Request,
        caller: OrderCaller,
        /// The order's uid.
        uid: Path<String>,
    ) -> Result<DeliveriesResponse, Problems<DeliveryReadProblems>> {
        let hal = &self.state.hal;
        let order = orders::find(&self.state.db, &uid.0)
            .await?
            .filter(|order| caller.may_see(order))
            .ok_or_else(|| {
                ApiError::not_found("No order with this uid is visible with these credentials.")
            })?;
        let deliveries: Vec<DeliveryRepr> = deliveries_with_lines(&self.state.db, &order)
            .await?
            .iter()
            .map(|(delivery, line)| delivery_repr(hal, delivery, line, &order))
            .collect();
        Ok(DeliveriesResponse::Ok(HalJson(DeliveryCollection {
            links: DeliveriesLinks {
                self_link: hal.self_link(req),
                curies: hal.curies(),
                order: hal.link(&format!("/orders/{}", order.uid)),
            },
            item_count: deliveries.len() as u64,
            embedded: DeliveriesEmbedded { deliveries },
        })))
    }

    /// Read a delivery
    #[oai(path = "/deliveries/:uid", method = "get", operation_id = "get_delivery")]
    async fn get(
        &self,
        caller: OrderCaller,
        /// The delivery's uid.
        uid: Path<String>,
    ) -> Result<DeliveryResponse, Problems<DeliveryReadProblems>> {
        let (delivery, line, order) = self.visible(&uid.0, &caller).await?;
        Ok(DeliveryResponse::Ok(HalJson(delivery_repr(
            &self.state.hal,
            &delivery,
            &line,
            &order,
        ))))
    }

    /// Get a download link
    ///
    /// A one-time link to the delivery's file, valid 60 seconds. Following it records the
    /// download: the delivery is then fulfilled and can no longer be refunded.
    #[oai(
        path = "/deliveries/:uid/download_links",
        method = "post",
        operation_id = "create_download_link"
    )]
    async fn create_link(
        &self,
        caller: OrderCaller,
        /// The delivery's uid.
        uid: Path<String>,
    ) -> Result<DownloadLinkResponse, Problems<LinkProblems>> {
        let hal = &self.state.hal;
        let (delivery, line, _order) = self.visible(&uid.0, &caller).await?;
        if delivery.status == "voided" {
            return Err(ApiError::new(&problems::NOT_DOWNLOADABLE, "This delivery was voided.").into());
        }
        if line.isbn.is_none() || line.format == "ticket" {
            return Err(
                ApiError::new(&problems::NOT_DOWNLOADABLE, "A ticket has no file to download.").into(),
            );
        }
        let link = downloads::create_link(&self.state.db, delivery.id).await?;
        let href = hal.href(&format!("/downloads/{}", link.token));
        Ok(DownloadLinkResponse::Created(
            HalJson(DownloadLinkRepr {
                links: DownloadLinkLinks {
                    curies: hal.curies(),
                    download: Hal::link_to(hal.url(&format!("/downloads/{}", link.token))).with_type(
                        match line.format.as_str() {
                            "epub" => "application/epub+zip",
                            "pdf" => "application/pdf",
                            _ => "application/octet-stream",
                        },
                    ),
                    delivery: hal.link(&format!("/deliveries/{}", delivery.uid)),
                },
                href: href.clone(),
                expires_at: link.expires_at.into(),
            }),
            href,
        ))
    }

    /// Download a file
    ///
    /// Follows a one-time download link. The link is the credential: it works once, within
    /// 60 seconds of its creation.
    #[oai(path = "/downloads/:token", method = "get", operation_id = "download")]
    async fn download(
        &self,
        /// The link's secret part.
        #[oai(validator(max_length = 128))]
        token: Path<String>,
    ) -> Result<DownloadResponse, Problems<DownloadProblems>> {
        let result = downloads::follow(&self.state.db, &token.0, &self.state.settings.content_dir).await?;
        let download = result.map_err(|err| match err {
            LinkError::Unknown => ApiError::not_found("No such download link."),
            LinkError::Expired => ApiError::new(
                &problems::LINK_EXPIRED,
                "This download link has expired; ask for a new one.",
            ),
            LinkError::Used => ApiError::new(
                &problems::LINK_USED,
                "This download link was already used; ask for a new one.",
            ),
            LinkError::Voided => ApiError::new(&problems::DELIVERY_VOIDED, "This delivery was voided."),
            LinkError::ContentMissing(what) => {
                tracing::error!(%what, "content file missing");
                ApiError::new(
                    &problems::CONTENT_UNAVAILABLE,
                    "The file is not available right now; nothing was recorded.",
                )
            }
            LinkError::Watermark(why) => ApiError::internal(format!("watermark failed: {why}")),
        })?;
        Ok(DownloadResponse::Ok(
            Attachment::new(download.bytes)
                .attachment_type(AttachmentType::Attachment)
                .filename(download.filename),
            download.media_type.to_owned(),
        ))
    }

    /// Report reading progress
    ///
    /// For reader apps: the furthest point read, in percent. It never goes down. Refund
    /// rules use it (`usage_limit_percent`).
    #[oai(
        path = "/deliveries/:uid/usage",
        method = "put",
        operation_id = "report_usage"
    )]
    async fn usage(
        &self,
        caller: OrderCaller,
        /// The delivery's uid.
        uid: Path<String>,
        body: JsonBody<UsageInput>,
    ) -> Result<DeliveryResponse, Problems<UsageProblems>> {
        let percent = body.0.percent;
        if !(0..=100).contains(&percent) {
            return Err(
                ApiError::validation(vec![FieldError::new("/percent", "percent is 0 to 100")]).into(),
            );
        }
        let (delivery, line, order) = self.visible(&uid.0, &caller).await?;
        if !sales::record_usage(&self.state.db, delivery.id, percent as i32).await? {
            return Err(ApiError::new(
                &problems::USAGE_DECREASE,
                format!(
                    "Usage is already {} %; it cannot go down.",
                    delivery.usage_percent
                ),
            )
            .into());
        }
        let updated = sales::find_delivery(&self.state.db, &delivery.uid)
            .await?
            .ok_or_else(|| ApiError::internal("delivery vanished"))?;
        Ok(DeliveryResponse::Ok(HalJson(delivery_repr(
            &self.state.hal,
            &updated,
            &line,
            &order,
        ))))
    }
}
