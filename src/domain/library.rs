//! A customer's library: whose library a redeemed code goes into, and what a library holds
//! with the order lines and orders its view needs.

use std::collections::HashMap;

use entity::{delivery, order, order_line};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};

use super::{
    email::Email,
    redemption::{self, RedeemError},
    status::DeliveryStatus,
};

/// Whose library a code is redeemed into: a signed-in customer (`sub`), an e-mail, or both.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub sub: Option<String>,
    pub email: Option<String>,
}

/// The owner of a redemption. A signed-in customer redeems into their own library (the
/// e-mail sent, or else their token's); without a token, the e-mail must be one halshop knows.
pub async fn redemption_owner(
    db: &impl ConnectionTrait,
    signed_in: Option<Owner>,
    email: Option<Email>,
) -> Result<Result<Owner, RedeemError>, DbErr> {
    if let Some(customer) = signed_in {
        return Ok(Ok(Owner {
            email: email.map(Email::into_string).or(customer.email),
            ..customer
        }));
    }
    let Some(email) = email else {
        return Ok(Err(RedeemError::UnknownAccount));
    };
    if !redemption::account_exists(db, email.as_str()).await? {
        return Ok(Err(RedeemError::UnknownAccount));
    }
    Ok(Ok(Owner {
        sub: None,
        email: Some(email.into_string()),
    }))
}

/// One book of a library, with its order line and order.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub delivery: delivery::Model,
    pub line: order_line::Model,
    pub order: order::Model,
}

/// What a customer owns (see [`owned`]), each with its line and order, loaded in
/// three queries. A delivery whose line or order is gone is left out.
pub async fn entries(db: &impl ConnectionTrait, sub: &str, email: Option<&str>) -> Result<Vec<Entry>, DbErr> {
    let owned = owned(db, sub, email).await?;
    if owned.is_empty() {
        return Ok(Vec::new());
    }
    let lines: HashMap<i64, order_line::Model> = order_line::Entity::find()
        .filter(order_line::Column::Id.is_in(owned.iter().map(|d| d.order_line_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|line| (line.id, line))
        .collect();
    let orders: HashMap<i64, order::Model> = order::Entity::find()
        .filter(order::Column::Id.is_in(owned.iter().map(|d| d.order_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|order| (order.id, order))
        .collect();
    Ok(owned
        .into_iter()
        .filter_map(|delivery| {
            let line = lines.get(&delivery.order_line_id).cloned();
            let order = orders.get(&delivery.order_id).cloned();
            Some(Entry {
                line: line?,
                order: order?,
                delivery,
            })
        })
        .collect())
}

/// What a customer owns: deliveries redeemed into their library or bought for their
/// e-mail, and not voided.
pub async fn owned(
    db: &impl ConnectionTrait,
    sub: &str,
    email: Option<&str>,
) -> Result<Vec<delivery::Model>, DbErr> {
    let mut condition = sea_orm::Condition::any().add(delivery::Column::OwnerSub.eq(sub));
    if let Some(email) = email {
        condition = condition.add(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                delivery::Column::OwnerEmail,
            )))
            .eq(email.trim().to_lowercase()),
        );
    }
    delivery::Entity::find()
        .filter(condition)
        .filter(delivery::Column::Status.ne(DeliveryStatus::Voided.as_str()))
        .all(db)
        .await
}
