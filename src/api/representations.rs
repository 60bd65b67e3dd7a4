//! The HAL representation every event carries as its `data` (see `domain::outbox`): the
//! order, refund request, refund or delivery it reports, drawn as its merchant would read
//! it with a GET, in the transaction that writes the event, on the drawing base that becomes
//! the reader's public base URL.
//!
//! `payment.requires_refund` adds the payment that needs refunding (`payment`) to its
//! order, and `store_purchase.*` adds the till's transaction (`store_purchase`) to its
//! delivery: facts the resource alone does not show. Lending events carry the loan, hold or
//! licence as its library reads it.

use entity::outbox_event;
use poem_openapi::types::ToJSON;
use sea_orm::{DatabaseTransaction, DbErr};
use serde_json::Value;

use super::{
    deliveries::delivery_repr,
    lending::events as lending_events,
    orders::{OrderActions, repr_of_details},
    refunds::{refund_repr, single_request},
};
use crate::{
    domain::{
        deliveries, orders,
        outbox::{REPRESENTATION_BASE, Representer},
        refunds,
        sandbox::SandboxKey,
        status::OrderStatus,
    },
    http::{error::ApiError, hal::Hal},
};

/// What an event is about, by the first part of its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Subject {
    Order,
    RefundRequest,
    Refund,
    Delivery,
    Loan,
    Hold,
    Licence,
}

impl Subject {
    fn of(event_type: &str) -> Option<Self> {
        match event_type.split_once('.')?.0 {
            "order" | "payment" => Some(Subject::Order),
            "refund_request" => Some(Subject::RefundRequest),
            "refund" => Some(Subject::Refund),
            "store_purchase" => Some(Subject::Delivery),
            "loan" => Some(Subject::Loan),
            "hold" => Some(Subject::Hold),
            "licence" => Some(Subject::Licence),
            _ => None,
        }
    }
}

/// Draws the representations of events' subjects.
pub struct Representations {
    hal: Hal,
}

impl Default for Representations {
    fn default() -> Self {
        let base = url::Url::parse(REPRESENTATION_BASE).expect("the drawing base is a URL");
        Representations { hal: Hal::new(base) }
    }
}

#[async_trait::async_trait]
impl Representer for Representations {
    fn represents(&self, event_type: &str) -> bool {
        Subject::of(event_type).is_some()
    }

    async fn represent(
        &self,
        txn: &DatabaseTransaction,
        event: &outbox_event::Model,
    ) -> Result<Option<Value>, DbErr> {
        let uid = event.subject_uid.as_str();
        let drawn = match Subject::of(&event.event_type) {
            Some(Subject::Order) => self.order(txn, uid).await?,
            Some(Subject::RefundRequest) => self.refund_request(txn, uid).await?,
            Some(Subject::Refund) => self.refund(txn, uid).await?,
            Some(Subject::Delivery) => self.delivery(txn, uid).await?,
            Some(Subject::Loan) => lending_events::loan(&self.hal, txn, uid).await?,
            Some(Subject::Hold) => lending_events::hold(&self.hal, txn, uid).await?,
            Some(Subject::Licence) => lending_events::licence(&self.hal, txn, uid).await?,
            None => None,
        };
        let facts = || serde_json::from_str::<Value>(&event.payload).unwrap_or(Value::Null);
        Ok(drawn.map(|mut drawn| {
            match event.event_type.as_str() {
                "payment.requires_refund" => drawn["payment"] = facts(),
                kind if kind.starts_with("store_purchase.") => drawn["store_purchase"] = facts(),
                _ => {}
            }
            drawn
        }))
    }
}

impl Representations {
    async fn order(&self, txn: &DatabaseTransaction, uid: &str) -> Result<Option<Value>, DbErr> {
        let Some((order, merchant)) = orders::find_with_merchant(txn, uid).await? else {
            return Ok(None);
        };
        let details = orders::details(txn, &order, &merchant).await?;
        let sandbox = SandboxKey::load(txn).await?;
        let actions = OrderActions {
            cancel: orders::status_of(&order)? == OrderStatus::AwaitingPayment,
            request_refund: false,
            offers_change_order: merchant.offers_change_order,
        };
        let self_link = self.hal.link(&format!("/orders/{uid}"));
        let repr = repr_of_details(&self.hal, &sandbox, (&order, &details), actions, self_link);
        json(repr.map_err(drawing_failed)?)
    }

    async fn refund_request(&self, txn: &DatabaseTransaction, uid: &str) -> Result<Option<Value>, DbErr> {
        let Some((request, order)) = refunds::find_with_order(txn, uid).await? else {
            return Ok(None);
        };
        let loaded = refunds::load_requests(txn, order, vec![request]).await?;
        match single_request(&self.hal, &loaded, None) {
            Some((repr, _etag)) => json(repr),
            None => Ok(None),
        }
    }

    async fn refund(&self, txn: &DatabaseTransaction, uid: &str) -> Result<Option<Value>, DbErr> {
        let Some(made) = refunds::find_refund(txn, uid).await? else {
            return Ok(None);
        };
        let Some(order) = refunds::order_by_id(txn, made.order_id).await? else {
            return Ok(None);
        };
        let loaded = refunds::load_refunds(txn, vec![made]).await?;
        let Some(details) = loaded.first() else {
            return Ok(None);
        };
        let self_link = self.hal.link(&format!("/refunds/{uid}"));
        json(refund_repr(&self.hal, &order, details, self_link))
    }

    async fn delivery(&self, txn: &DatabaseTransaction, uid: &str) -> Result<Option<Value>, DbErr> {
        let Some((delivery, line, order)) = deliveries::find(txn, uid).await? else {
            return Ok(None);
        };
        json(delivery_repr(&self.hal, &delivery, &line, &order))
    }
}

pub(super) fn json(repr: impl ToJSON) -> Result<Option<Value>, DbErr> {
    Ok(repr.to_json())
}

fn drawing_failed(err: ApiError) -> DbErr {
    DbErr::Custom(format!("an event's representation: {err:?}"))
}
