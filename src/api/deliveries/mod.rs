//! Deliveries of a completed order: their access codes, one-time download links, downloads
//! and reading progress.

mod actions;
mod input;
mod problems;
mod view;

use entity::{delivery, order, order_line};
use poem::Request;
use poem::web::Data;
use poem_openapi::{OpenApi, param::Path};
use sea_orm::DatabaseConnection;

pub use self::{
    input::UsageInput,
    problems::{DeliveryReadProblems, DownloadProblems, LinkProblems, UsageProblems},
    view::{
        DeliveriesResponse, DeliveryCollection, DeliveryRepr, DeliveryResponse, DownloadLinkRepr,
        DownloadLinkResponse, DownloadResponse, delivery_repr, full_repr,
    },
};
use super::ApiTags;
use crate::{
    auth::{OrderCaller, order_access::not_visible},
    domain::{
        deliveries::{self, Full},
        downloads, orders, sales,
    },
    http::{
        error::{ApiError, Problems},
        hal::HalJson,
        headers,
        json::JsonBody,
    },
    state::SharedState,
};

/// The deliveries of an order, with their lines, for representations.
pub async fn deliveries_with_lines(
    db: &DatabaseConnection,
    order: &order::Model,
) -> Result<Vec<(delivery::Model, order_line::Model)>, ApiError> {
    Ok(deliveries::of_order(db, order.id).await?)
}

/// A delivery, its line and order, if the caller may see it; the same 404 otherwise.
async fn visible(db: &DatabaseConnection, uid: &str, caller: &OrderCaller) -> Result<Full, ApiError> {
    deliveries::find(db, uid)
        .await?
        .filter(|(delivery, _, order)| caller.may_see_delivery(delivery, order))
        .ok_or_else(|| not_visible("delivery with this uid"))
}

#[derive(Default)]
pub struct DeliveriesApi;

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
        state: Data<&SharedState>,
        req: &Request,
        caller: OrderCaller,
        /// The order's uid.
        uid: Path<String>,
    ) -> Result<DeliveriesResponse, Problems<DeliveryReadProblems>> {
        let db = &state.db;
        let order = caller.visible_order(orders::find(db, &uid.0).await?, "order with this uid")?;
        let deliveries = deliveries::of_order(db, order.id).await?;
        let collection = DeliveryCollection::new(&state.hal, req, &order, &deliveries);
        Ok(DeliveriesResponse::Ok(HalJson(collection)))
    }

    /// Read a delivery
    #[oai(path = "/deliveries/:uid", method = "get", operation_id = "get_delivery")]
    async fn get(
        &self,
        state: Data<&SharedState>,
        caller: OrderCaller,
        /// The delivery's uid.
        uid: Path<String>,
    ) -> Result<DeliveryResponse, Problems<DeliveryReadProblems>> {
        let full = visible(&state.db, &uid.0, &caller).await?;
        Ok(DeliveryResponse::Ok(HalJson(full_repr(&state.hal, &full))))
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
        state: Data<&SharedState>,
        caller: OrderCaller,
        /// The delivery's uid.
        uid: Path<String>,
    ) -> Result<DownloadLinkResponse, Problems<LinkProblems>> {
        let (delivery, line, _order) = visible(&state.db, &uid.0, &caller).await?;
        deliveries::downloadable(&delivery, &line).map_err(ApiError::from)?;
        let link = downloads::create_link(&state.db, delivery.id).await?;
        let repr = DownloadLinkRepr::new(&state.hal, &delivery, &line, &link);
        let href = repr.href.clone();
        Ok(DownloadLinkResponse::Created(
            HalJson(repr),
            href,
            headers::NO_STORE.to_owned(),
        ))
    }

    /// Download a file
    ///
    /// Follows a one-time download link. The link is the credential: it works once, within
    /// 60 seconds of its creation.
    #[oai(path = "/downloads/:token", method = "get", operation_id = "download")]
    async fn download(
        &self,
        state: Data<&SharedState>,
        /// The link's secret part.
        #[oai(validator(max_length = 128))]
        token: Path<String>,
    ) -> Result<DownloadResponse, Problems<DownloadProblems>> {
        let result = downloads::follow(&state.db, &token.0, &state.settings.content_dir).await?;
        Ok(DownloadResponse::file(result.map_err(ApiError::from)?))
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
        state: Data<&SharedState>,
        caller: OrderCaller,
        /// The delivery's uid.
        uid: Path<String>,
        body: JsonBody<UsageInput>,
    ) -> Result<DeliveryResponse, Problems<UsageProblems>> {
        let percent = body.0.percent()?;
        let db = &state.db;
        let (delivery, line, order) = visible(db, &uid.0, &caller).await?;
        if !sales::record_usage(db, delivery.id, percent).await? {
            return Err(problems::usage_decrease(delivery.usage_percent).into());
        }
        let updated = sales::find_delivery(db, &delivery.uid)
            .await?
            .ok_or_else(|| ApiError::internal("delivery vanished"))?;
        Ok(DeliveryResponse::Ok(HalJson(delivery_repr(
            &state.hal, &updated, &line, &order,
        ))))
    }
}
