//! Redeeming an access code into a library. The code is checked before the account: an
//! e-mail is looked up only for a code that can be redeemed, so that a wrong or spent code
//! answers the same whatever the e-mail, and nobody learns without a valid code which
//! e-mails have ordered.

use crate::db::FindUnique;
use chrono::Utc;
use entity::{delivery, order, order_line, product};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait, Func},
};

use super::{
    email::Email,
    library::{self, Owner},
    money::Money,
    status::DeliveryStatus,
    vouchers,
};

/// Why a code cannot be redeemed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeemError {
    UnknownAccount,
    UnknownCode,
    Inactive,
}

/// What a redemption gives back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub delivery: delivery::Model,
    pub line: order_line::Model,
    pub current_sku: String,
    pub price: Money,
    /// Whose library the book went into.
    pub owner: Owner,
}

/// Whether halshop knows a customer with this e-mail (an order or a library entry).
pub async fn account_exists(db: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    let lowered = email.trim().to_lowercase();
    let ordered = order::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(order::Column::Email))).eq(lowered.clone()))
        .one(db)
        .await?
        .is_some();
    if ordered {
        return Ok(true);
    }
    Ok(delivery::Entity::find()
        .filter(Expr::expr(Func::lower(Expr::col(delivery::Column::OwnerEmail))).eq(lowered))
        .one(db)
        .await?
        .is_some())
}

/// Redeems an access code into a library: the signed-in customer's, or that of an e-mail
/// halshop knows (see [`library::redemption_owner`]). The code must exist and be active
/// before the owner is looked at; only an active code is redeemed, in the UPDATE itself.
pub async fn redeem(
    db: &DatabaseConnection,
    code: &str,
    signed_in: Option<Owner>,
    email: Option<Email>,
) -> Result<Result<Redeemed, RedeemError>, DbErr> {
    let Some(delivery) = delivery::Entity::find()
        .filter(delivery::Column::AccessCode.eq(vouchers::normalise(code)))
        .unique(db)
        .await?
    else {
        return Ok(Err(RedeemError::UnknownCode));
    };
    if delivery.status != DeliveryStatus::Active.as_str() {
        return Ok(Err(RedeemError::Inactive));
    }
    let owner = match library::redemption_owner(db, signed_in, email).await? {
        Ok(owner) => owner,
        Err(refused) => return Ok(Err(refused)),
    };
    if !claim(db, delivery.id, &owner).await? {
        return Ok(Err(RedeemError::Inactive));
    }
    describe(db, delivery.id, owner).await.map(Ok)
}

/// Puts an active delivery into the owner's library; false when it is no longer active.
async fn claim(db: &impl ConnectionTrait, delivery_id: i64, owner: &Owner) -> Result<bool, DbErr> {
    let mut update = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Redeemed.as_str()),
        )
        .col_expr(delivery::Column::RedeemedAt, Expr::value(Utc::now()));
    if let Some(sub) = &owner.sub {
        update = update.col_expr(delivery::Column::OwnerSub, Expr::value(sub));
    }
    if let Some(email) = &owner.email {
        update = update.col_expr(delivery::Column::OwnerEmail, Expr::value(email));
    }
    let result = update
        .filter(delivery::Column::Id.eq(delivery_id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Active.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// The redeemed delivery with its line, the product's current SKU and the price paid.
async fn describe(db: &impl ConnectionTrait, delivery_id: i64, owner: Owner) -> Result<Redeemed, DbErr> {
    let delivery = delivery::Entity::find_by_id(delivery_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("delivery vanished".into()))?;
    let line = order_line::Entity::find_by_id(delivery.order_line_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("line of a delivery".into()))?;
    let product = product::Entity::find_by_id(delivery.product_id)
        .unique(db)
        .await?;
    let order = order::Entity::find_by_id(delivery.order_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a delivery".into()))?;
    let currency = order
        .currency
        .parse()
        .map_err(|_| DbErr::Type("order currency".into()))?;
    Ok(Redeemed {
        current_sku: product.map(|p| p.sku).unwrap_or_else(|| line.sku.clone()),
        price: Money::from_minor(line.unit_price_minor, currency),
        delivery,
        line,
        owner,
    })
}
