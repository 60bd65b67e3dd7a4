//! Finding what a caller names (an order by URI, a request or refund by uid) and whether
//! the caller may act on it. Every decision is `OrderCaller`'s (`crate::auth::order_access`);
//! this only applies them to refund requests.

use entity::{order, refund, refund_request};
use sea_orm::DatabaseConnection;

use super::input::RefundRequestUpdate;
use crate::{
    auth::{OrderCaller, order_access::not_visible},
    domain::{orders, refunds},
    http::{
        error::{ApiError, problems},
        hal::Hal,
    },
};

const ORDER: &str = "order at this URI";

/// The merchant who lists their shop's refund requests without naming an order. Anyone
/// else is answered 401: only the merchant's credentials list them all, and an order token
/// or a customer's token needs the order it is for (`order`).
pub fn lister(caller: &OrderCaller) -> Result<&entity::merchant::Model, ApiError> {
    caller.merchant.as_ref().ok_or_else(|| {
        ApiError::merchant_unauthorized(
            "Only the merchant lists every refund request; name the order whose requests to list (`order`).",
        )
    })
}
const REQUEST: &str = "refund request with this uid";
const REFUND: &str = "refund with this uid";

/// The order at `uri`, if the caller may see it.
pub async fn order_at(
    db: &DatabaseConnection,
    hal: &Hal,
    uri: &str,
    caller: &OrderCaller,
) -> Result<order::Model, ApiError> {
    let uid = hal
        .uid_from_uri(uri.trim(), "/orders")
        .ok_or_else(|| not_visible(ORDER))?;
    caller.visible_order(orders::find(db, &uid).await?, ORDER)
}

/// The request with `uid` and its order, if the caller may see the order.
pub async fn visible_request(
    db: &DatabaseConnection,
    uid: &str,
    caller: &OrderCaller,
) -> Result<(refund_request::Model, order::Model), ApiError> {
    let (request, order) = refunds::find_with_order(db, uid)
        .await?
        .ok_or_else(|| not_visible(REQUEST))?;
    Ok((request, caller.visible_order(Some(order), REQUEST)?))
}

/// The refund with `uid` and its order, if the caller may see the order.
pub async fn visible_refund(
    db: &DatabaseConnection,
    uid: &str,
    caller: &OrderCaller,
) -> Result<(refund::Model, order::Model), ApiError> {
    let made = refunds::find_refund(db, uid)
        .await?
        .ok_or_else(|| not_visible(REFUND))?;
    let order = refunds::order_by_id(db, made.order_id).await?;
    Ok((made, caller.visible_order(order, REFUND)?))
}

/// Refund requests are opened by the holder only.
pub fn may_request(caller: &OrderCaller, order: &order::Model) -> Result<(), ApiError> {
    if caller.holds(order) {
        return Ok(());
    }
    Err(ApiError::new(
        &problems::FORBIDDEN,
        "Refund requests are opened by the order's holder or the customer who placed it.",
    ))
}

/// The merchant decides, and changes nothing else; the holder changes or cancels.
pub fn may_update(
    caller: &OrderCaller,
    order: &order::Model,
    update: &RefundRequestUpdate,
) -> Result<(), ApiError> {
    let refusal = if update.decision().is_some() {
        if !caller.sells(order) {
            Some("Only the merchant approves, rejects or processes a refund request.")
        } else if update.changes_holder_fields() {
            Some("The merchant decides; the split is the holder's.")
        } else {
            None
        }
    } else if !caller.holds(order) {
        Some("Only the holder changes or cancels a refund request.")
    } else {
        None
    };
    match refusal {
        Some(why) => Err(ApiError::new(&problems::FORBIDDEN, why)),
        None => Ok(()),
    }
}
