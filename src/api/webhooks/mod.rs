//! Webhook endpoints and their delivery log: `/webhook_endpoints`,
//! `/webhook_endpoints/{uid}`, `/webhook_endpoints/{uid}/secret_rotations`,
//! `/webhook_endpoints/{uid}/deliveries`.

mod actions;
mod input;
mod problems;
mod view;

use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

pub use self::{
    input::WebhookEndpointInput,
    view::{WebhookDeliveryStatusRepr, WebhookEndpointRepr},
};
use self::{
    problems::{ActionProblems, CreateProblems, ListProblems, LogProblems, ReadProblems, UpdateProblems},
    view::{
        DeletedResponse, DeliveryListResponse, DeliveryResponse, EndpointCreatedResponse,
        EndpointListResponse, EndpointResponse, RotatedResponse, WebhookDeliveryCollection,
        WebhookDeliveryRepr, WebhookEndpointCollection, etag,
    },
};
use super::ApiTags;
use crate::{
    auth::MerchantAuth,
    domain::webhooks::{deliveries, endpoints},
    http::{
        error::Problems, hal::HalJson, idempotency::IdempotencyKey, json::JsonBody,
        middleware::version_matches, round_trip::RoundTrip,
    },
    state::SharedState,
};

#[derive(Default)]
pub struct WebhooksApi;

#[OpenApi(tag = "ApiTags::Webhooks")]
impl WebhooksApi {
    /// List your webhook endpoints (merchant)
    #[oai(
        path = "/webhook_endpoints",
        method = "get",
        operation_id = "list_webhook_endpoints"
    )]
    async fn list(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Endpoints per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<EndpointListResponse, Problems<ListProblems>> {
        let paging = input::paging(page.0, page_size.0);
        let (items, count) =
            endpoints::list(&state.db, merchant.0.id, paging.offset(), paging.page_size).await?;
        let mut collection = WebhookEndpointCollection::new(&state.hal, req, paging, &items, count);
        collection.templates = actions::collection_templates(&state.hal);
        Ok(EndpointListResponse::Ok(HalJson(collection)))
    }

    /// Add a webhook endpoint (merchant)
    ///
    /// halshop POSTs your events to `url`, signed per the Standard Webhooks specification
    /// with the `secret` of the answer — shown this once: keep it. Accepts `Idempotency-Key`.
    #[oai(
        path = "/webhook_endpoints",
        method = "post",
        operation_id = "create_webhook_endpoint"
    )]
    async fn create(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// Makes a retry safe: the same key and body return the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<WebhookEndpointInput>,
    ) -> Result<EndpointCreatedResponse, Problems<CreateProblems>> {
        let draft = body.0.draft(state.settings.allow_http_webhooks)?;
        let (endpoint, secret) =
            endpoints::create(&state.db, &state.webhook_key, merchant.0.id, &draft).await?;
        let hal = &state.hal;
        let path = format!("/webhook_endpoints/{}", endpoint.uid);
        let mut repr = WebhookEndpointRepr::new(hal, &endpoint, hal.link(&path));
        repr.secret = Some(secret);
        repr.templates = actions::endpoint_templates(hal, &endpoint);
        Ok(EndpointCreatedResponse::Created(
            HalJson(repr),
            hal.href(&path),
            etag(&endpoint),
        ))
    }

    /// Read a webhook endpoint (merchant)
    ///
    /// The endpoint without its secret (shown only at creation and rotation).
    #[oai(
        path = "/webhook_endpoints/:uid",
        method = "get",
        operation_id = "get_webhook_endpoint"
    )]
    async fn get(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The endpoint's uid.
        uid: Path<String>,
    ) -> Result<EndpointResponse, Problems<ReadProblems>> {
        let endpoint = endpoints::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(problems::no_endpoint)?;
        let mut repr = WebhookEndpointRepr::new(&state.hal, &endpoint, state.hal.self_link(req));
        repr.templates = actions::endpoint_templates(&state.hal, &endpoint);
        Ok(EndpointResponse::Ok(HalJson(repr), etag(&endpoint)))
    }

    /// Replace a webhook endpoint (merchant)
    ///
    /// Changes the URL, description, event types or `enabled`. Send the ETag you read as
    /// `If-Match`. The body may be the endpoint as a GET gave it, edited.
    #[oai(
        path = "/webhook_endpoints/:uid",
        method = "put",
        operation_id = "replace_webhook_endpoint"
    )]
    async fn replace(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The endpoint's uid.
        uid: Path<String>,
        /// The ETag of the version being replaced. Without it the answer is 428.
        #[oai(
            name = "If-Match",
            validator(max_length = 1024, pattern = r#"^(\*|(W/)?"[^"]*"(\s*,\s*(W/)?"[^"]*")*)$"#)
        )]
        if_match: Header<Option<String>>,
        body: RoundTrip<WebhookEndpointInput>,
    ) -> Result<EndpointResponse, Problems<UpdateProblems>> {
        let draft = body.writable.draft(state.settings.allow_http_webhooks)?;
        let current = endpoints::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(problems::no_endpoint)?;
        let if_match = if_match.0.ok_or_else(problems::if_match_missing)?;
        if !version_matches(&if_match, &current.uid, current.version) {
            return Err(endpoints::EndpointError::VersionMismatch.into());
        }
        body.check(&WebhookEndpointRepr::new(
            &state.hal,
            &current,
            state.hal.self_link(req),
        ))?;
        let endpoint = endpoints::update(&state.db, &current, &draft).await?;
        let mut repr = WebhookEndpointRepr::new(&state.hal, &endpoint, state.hal.self_link(req));
        repr.templates = actions::endpoint_templates(&state.hal, &endpoint);
        Ok(EndpointResponse::Ok(HalJson(repr), etag(&endpoint)))
    }

    /// Delete a webhook endpoint (merchant)
    ///
    /// No more events go to it; its delivery log goes with it.
    #[oai(
        path = "/webhook_endpoints/:uid",
        method = "delete",
        operation_id = "delete_webhook_endpoint"
    )]
    async fn delete(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// The endpoint's uid.
        uid: Path<String>,
    ) -> Result<DeletedResponse, Problems<ReadProblems>> {
        let endpoint = endpoints::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(problems::no_endpoint)?;
        endpoints::delete(&state.db, &endpoint).await?;
        Ok(DeletedResponse::Deleted)
    }

    /// Rotate an endpoint's signing secret (merchant)
    ///
    /// Issues a new secret, shown this once in `secret`. For 24 hours every message carries
    /// two signatures, by the new and the old secret, so the receiver can switch at its pace.
    #[oai(
        path = "/webhook_endpoints/:uid/secret_rotations",
        method = "post",
        operation_id = "rotate_webhook_secret"
    )]
    async fn rotate(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// The endpoint's uid.
        uid: Path<String>,
        /// Makes a retry safe: the same key returns the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
    ) -> Result<RotatedResponse, Problems<ActionProblems>> {
        let current = endpoints::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(problems::no_endpoint)?;
        let (endpoint, secret) = endpoints::rotate(&state.db, &state.webhook_key, &current).await?;
        let hal = &state.hal;
        let mut repr = WebhookEndpointRepr::new(
            hal,
            &endpoint,
            hal.link(&format!("/webhook_endpoints/{}", endpoint.uid)),
        );
        repr.secret = Some(secret);
        repr.templates = actions::endpoint_templates(hal, &endpoint);
        Ok(RotatedResponse::Created(HalJson(repr), etag(&endpoint)))
    }

    /// An endpoint's delivery log (merchant)
    ///
    /// One delivery per event sent to the endpoint, newest event first, each with every
    /// attempt (status code, latency) and, while pending, when the next is due.
    #[oai(
        path = "/webhook_endpoints/:uid/deliveries",
        method = "get",
        operation_id = "list_webhook_deliveries"
    )]
    #[allow(clippy::too_many_arguments)]
    async fn deliveries(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The endpoint's uid.
        uid: Path<String>,
        /// Only deliveries in this status.
        status: Query<Option<WebhookDeliveryStatusRepr>>,
        /// Page number, from 1.
        #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
        page: Query<Option<u64>>,
        /// Deliveries per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        page_size: Query<Option<u64>>,
    ) -> Result<DeliveryListResponse, Problems<LogProblems>> {
        let endpoint = endpoints::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(problems::no_endpoint)?;
        let paging = input::paging(page.0, page_size.0);
        let status = status.0.map(Into::into);
        let (items, count) =
            deliveries::log(&state.db, endpoint.id, status, paging.offset(), paging.page_size).await?;
        let collection =
            WebhookDeliveryCollection::new(&state.hal, req, paging, &endpoint.uid, &items, count);
        Ok(DeliveryListResponse::Ok(HalJson(collection)))
    }

    /// Read one delivery (merchant)
    #[oai(
        path = "/webhook_endpoints/:uid/deliveries/:delivery",
        method = "get",
        operation_id = "get_webhook_delivery"
    )]
    async fn delivery(
        &self,
        state: Data<&SharedState>,
        merchant: MerchantAuth,
        /// The endpoint's uid.
        uid: Path<String>,
        /// The delivery's uid.
        delivery: Path<String>,
    ) -> Result<DeliveryResponse, Problems<ReadProblems>> {
        let endpoint = endpoints::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(problems::no_endpoint)?;
        let logged = deliveries::find(&state.db, endpoint.id, &delivery.0)
            .await?
            .ok_or_else(|| {
                crate::http::error::ApiError::not_found("No delivery of this endpoint has this uid.")
            })?;
        Ok(DeliveryResponse::Ok(HalJson(WebhookDeliveryRepr::new(
            &state.hal,
            &endpoint.uid,
            &logged,
        ))))
    }
}
