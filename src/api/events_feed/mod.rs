//! The event feed and redeliveries: `/events_feed`, `/events_feed/{uid}`,
//! `/events/{uid}/redeliveries` (the uid of a feed event, not of a ticketed event).

mod view;

use poem::{Request, web::Data};
use poem_openapi::{
    OpenApi,
    param::{Header, Path, Query},
};

use self::view::{
    FeedItemRepr, FeedItemResponse, FeedPage, FeedResponse, RedeliveryRepr, RedeliveryResponse,
};
use super::ApiTags;
use crate::{
    auth::MerchantAuth,
    domain::webhooks::{deliveries, feed},
    http::{
        error::{ApiError, FieldError, Problems},
        hal::HalJson,
        idempotency::IdempotencyKey,
    },
    problem_set,
    state::SharedState,
};

problem_set!(
    /// Errors of reading the feed.
    FeedProblems:
    400 => "`malformed_request`: `after` or `limit` has the wrong form.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    405 => "`method_not_allowed`.",
    422 => "`validation_failed`: `types` holds something that is not an event type or a `prefix.*`."
);

problem_set!(
    /// Errors of reading one event of the feed.
    FeedItemProblems:
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: none of your events has this uid.",
    405 => "`method_not_allowed`."
);

problem_set!(
    /// Errors of a redelivery.
    RedeliveryProblems:
    400 => "`idempotency_key_invalid`.",
    401 => "`unauthorized`: merchant credentials missing or wrong.",
    404 => "`not_found`: none of your events has this uid.",
    409 => "`idempotency_key_in_flight`.",
    422 => "`idempotency_key_reused`."
);

fn no_event() -> ApiError {
    ApiError::not_found("None of your events has this uid.")
}

/// The `types` filter: comma-separated types or `prefix.*`.
fn types_of(text: Option<&str>) -> Result<Vec<String>, ApiError> {
    let types: Vec<String> = text
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    let valid = |t: &String| {
        t.len() <= 100
            && t.strip_suffix(".*").unwrap_or(t).split('.').all(|part| {
                part.starts_with(|c: char| c.is_ascii_lowercase())
                    && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            })
    };
    if types.iter().all(valid) {
        Ok(types)
    } else {
        Err(ApiError::validation(vec![FieldError::new(
            "query/types",
            "comma-separated event types (`order.completed`) or prefixes (`refund.*`)",
        )]))
    }
}

#[derive(Default)]
pub struct EventsFeedApi;

#[OpenApi(tag = "ApiTags::Webhooks")]
impl EventsFeedApi {
    /// Read your events in commit order (merchant)
    ///
    /// The events of your shop after the cursor `after` (a `seq`; 0 or absent: from the
    /// start), oldest first — the same events webhooks carry. Follow `next` to poll: an
    /// event committed late is numbered after every event already visible, so paging by
    /// `seq` never skips one.
    #[oai(path = "/events_feed", method = "get", operation_id = "read_events_feed")]
    async fn feed(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// Only events after this `seq`.
        #[oai(validator(minimum(value = "0")))]
        after: Query<Option<i64>>,
        /// Comma-separated event types or `prefix.*` (`order.completed,refund.*`).
        #[oai(validator(max_length = 2000))]
        types: Query<Option<String>>,
        /// Events per page, 1–500 (default 50).
        #[oai(validator(minimum(value = "1"), maximum(value = "500")))]
        limit: Query<Option<u64>>,
    ) -> Result<FeedResponse, Problems<FeedProblems>> {
        let types = types_of(types.0.as_deref())?;
        let after = after.0.unwrap_or(0);
        let events = feed::page(&state.db, merchant.0.id, after, &types, limit.0.unwrap_or(50)).await?;
        Ok(FeedResponse::Ok(HalJson(FeedPage::new(
            &state.hal, req, after, &events,
        ))))
    }

    /// Read one event (merchant)
    #[oai(path = "/events_feed/:uid", method = "get", operation_id = "get_feed_event")]
    async fn item(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The event's uid (its `webhook-id`).
        uid: Path<String>,
    ) -> Result<FeedItemResponse, Problems<FeedItemProblems>> {
        let event = feed::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(no_event)?;
        let repr = FeedItemRepr::new(&state.hal, &event, Some(state.hal.self_link(req)));
        Ok(FeedItemResponse::Ok(HalJson(repr)))
    }

    /// Send an event again (merchant)
    ///
    /// Sends the event (by the uid of the feed and of `webhook-id`) once more, now, to each
    /// of your enabled endpoints that wants it — also one whose delivery failed, and one
    /// added after the event. The message is the same, `webhook-id` included.
    #[oai(
        path = "/events/:uid/redeliveries",
        method = "post",
        operation_id = "redeliver_event"
    )]
    async fn redeliver(
        &self,
        state: Data<&SharedState>,
        req: &Request,
        merchant: MerchantAuth,
        /// The event's uid (as in the feed and in `webhook-id`).
        uid: Path<String>,
        /// Makes a retry safe: the same key returns the first response again.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
    ) -> Result<RedeliveryResponse, Problems<RedeliveryProblems>> {
        let event = feed::find(&state.db, merchant.0.id, &uid.0)
            .await?
            .ok_or_else(no_event)?;
        let planned = deliveries::redeliver(&state.db, &event).await?;
        let repr = RedeliveryRepr::new(&state.hal, req, &event, &planned);
        Ok(RedeliveryResponse::Accepted(HalJson(repr)))
    }
}
