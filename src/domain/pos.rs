//! The point-of-sale store API: a till sells an ebook at the counter (an access code on the
//! receipt, or the book put straight into a buyer's library), voids it, and buyers redeem
//! codes. Every purchase and void is unique per (store, partner_transact_id).

use chrono::{Duration, Utc};
use entity::{delivery, order, order_line, product, store, store_transaction};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use sha2::{Digest, Sha256};

use super::{ids, money::Money, orders, sales, secrets, vouchers};
use crate::db::{begin_write, is_unique_violation};

/// A store authenticated by its SAN and token.
pub async fn store_by_san(db: &impl ConnectionTrait, san: &str) -> Result<Option<store::Model>, DbErr> {
    store::Entity::find()
        .filter(store::Column::San.eq(san))
        .one(db)
        .await
}

/// What a till sends to sell a book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Purchase {
    pub partner_transact_id: String,
    pub book_id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub send_email: bool,
}

impl Purchase {
    fn fingerprint(&self) -> String {
        let text = format!(
            "purchase\n{}\n{}\n{}\n{}\n{}\n{}",
            self.partner_transact_id,
            self.book_id,
            self.email.as_deref().unwrap_or(""),
            self.first_name.as_deref().unwrap_or(""),
            self.last_name.as_deref().unwrap_or(""),
            self.send_email
        );
        hex::encode(Sha256::digest(text.as_bytes()))
    }
}

/// The result of a purchase, the same for every replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurchaseResult {
    pub partner_transact_id: String,
    pub vendor_transact_id: String,
    pub order_uid: String,
    pub delivery_uid: String,
    /// Absent when the book went straight into the buyer's library.
    pub access_code: Option<String>,
    pub replayed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PosError {
    DuplicateTransaction,
    BookUnknown,
    BookUnavailable,
    PurchaseNotFound,
    Redeemed,
    TimeLimit { days: i32 },
    UsageLimit { percent: i32 },
    AlreadyVoided,
}

fn vendor_transact_id() -> String {
    let mut bytes = [0u8; 8];
    rand::fill(&mut bytes);
    format!("{:016}", u64::from_be_bytes(bytes) % 10_000_000_000_000_000)
}

async fn existing(
    db: &impl ConnectionTrait,
    store_id: i64,
    partner_transact_id: &str,
) -> Result<Option<store_transaction::Model>, DbErr> {
    store_transaction::Entity::find()
        .filter(store_transaction::Column::StoreId.eq(store_id))
        .filter(store_transaction::Column::PartnerTransactId.eq(partner_transact_id))
        .one(db)
        .await
}

async fn purchase_result(
    db: &impl ConnectionTrait,
    row: &store_transaction::Model,
    replayed: bool,
) -> Result<PurchaseResult, DbErr> {
    let order = order::Entity::find_by_id(row.order_id.unwrap_or_default())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a store purchase".into()))?;
    let delivery = delivery::Entity::find_by_id(row.delivery_id.unwrap_or_default())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("delivery of a store purchase".into()))?;
    Ok(PurchaseResult {
        partner_transact_id: row.partner_transact_id.clone(),
        vendor_transact_id: row.vendor_transact_id.clone(),
        order_uid: order.uid,
        access_code: delivery
            .owner_email
            .is_none()
            .then(|| delivery.access_code.clone()),
        delivery_uid: delivery.uid,
        replayed,
    })
}

/// Sells a book at the till: a paid, completed order (channel `store`) with one delivery,
/// in one transaction. The same parameters again return the same result; the same
/// partner_transact_id with other parameters is refused — also when two calls race, since
/// the (store, partner_transact_id) row is unique.
pub async fn purchase(
    db: &DatabaseConnection,
    store: &store::Model,
    request: &Purchase,
) -> Result<Result<PurchaseResult, PosError>, DbErr> {
    let hash = request.fingerprint();
    if let Some(row) = existing(db, store.id, &request.partner_transact_id).await? {
        return Ok(if row.kind == "purchase" && row.request_hash == hash {
            Ok(purchase_result(db, &row, true).await?)
        } else {
            Err(PosError::DuplicateTransaction)
        });
    }
    let product = product::Entity::find()
        .filter(product::Column::MerchantId.eq(store.merchant_id))
        .filter(product::Column::Sku.eq(request.book_id.as_str()))
        .one(db)
        .await?;
    let Some(product) = product else {
        return Ok(Err(PosError::BookUnknown));
    };
    if !product.available || product.kind != "ebook" {
        return Ok(Err(PosError::BookUnavailable));
    }
    let guest_key = secrets::get_or_create(db, secrets::CUSTOMER_ID_KEY).await?;
    let merchant = entity::merchant::Entity::find_by_id(store.merchant_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("merchant of a store".into()))?;

    let txn = begin_write(db).await?;
    let now = Utc::now();
    let transaction = store_transaction::ActiveModel {
        store_id: Set(store.id),
        partner_transact_id: Set(request.partner_transact_id.clone()),
        kind: Set("purchase".into()),
        request_hash: Set(hash.clone()),
        vendor_transact_id: Set(vendor_transact_id()),
        order_id: Set(None),
        delivery_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let transaction = match transaction {
        Ok(row) => row,
        Err(err) if is_unique_violation(&err) => {
            drop(txn);
            let row = existing(db, store.id, &request.partner_transact_id)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("store transaction vanished".into()))?;
            return Ok(
                if row.kind == "purchase" && row.request_hash == hash && row.order_id.is_some() {
                    Ok(purchase_result(db, &row, true).await?)
                } else {
                    Err(PosError::DuplicateTransaction)
                },
            );
        }
        Err(err) => return Err(err),
    };
    let price = Money::from_minor(
        product.price_minor,
        product
            .currency
            .parse()
            .map_err(|_| DbErr::Type("product currency".into()))?,
    );
    let customer_id = match &request.email {
        Some(email) => orders::guest_customer_id(&guest_key, email),
        None => format!("store_{}_{}", store.san, request.partner_transact_id),
    };
    let order = order::ActiveModel {
        uid: Set(ids::new_uid()),
        reference: Set(vouchers::random_code(10)),
        merchant_id: Set(store.merchant_id),
        status: Set(orders::Status::Completed.as_str().into()),
        channel: Set("store".into()),
        token_hash: Set(ids::sha256_hex(&ids::new_secret("ot_"))),
        transaction_id: Set(format!("tx_{}", ids::new_uid())),
        customer_id: Set(customer_id),
        customer_sub: Set(None),
        email: Set(request.email.clone().unwrap_or_default()),
        first_name: Set(request.first_name.clone().unwrap_or_default()),
        last_name: Set(request.last_name.clone().unwrap_or_default()),
        country: Set("ZZ".into()),
        region: Set(None),
        external_reference: Set(Some(request.partner_transact_id.clone())),
        currency: Set(product.currency.clone()),
        product_total_minor: Set(price.minor()),
        tax_total_minor: Set(0),
        voucher_total_minor: Set(0),
        grand_total_minor: Set(price.minor()),
        refunded_total_minor: Set(0),
        taxes: Set("[]".into()),
        sale_state: Set(merchant.sale_state.clone()),
        redirect_url: Set(None),
        cancel_reason: Set(None),
        cancelled_at: Set(None),
        paid_at: Set(Some(now)),
        completed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        version: Set(1),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    order_line::ActiveModel {
        order_id: Set(order.id),
        position: Set(0),
        product_id: Set(product.id),
        product_uid: Set(product.uid.clone()),
        sku: Set(product.sku.clone()),
        title: Set(product.title.clone()),
        kind: Set(product.kind.clone()),
        isbn: Set(product.isbn.clone()),
        format: Set(product.format.clone()),
        protection: Set(product.protection.clone()),
        unit_price_minor: Set(price.minor()),
        price_includes_tax: Set(true),
        quantity: Set(1),
        net_minor: Set(price.minor()),
        tax_minor: Set(0),
        total_minor: Set(price.minor()),
        taxes: Set("[]".into()),
        refund_days: Set(product.refund_days),
        usage_limit_percent: Set(product.usage_limit_percent),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut deliveries = sales::issue_deliveries(&txn, &order).await?;
    let mut delivery = deliveries
        .pop()
        .ok_or_else(|| DbErr::Custom("no delivery issued".into()))?;
    if let Some(email) = &request.email {
        let mut owned: delivery::ActiveModel = delivery.into();
        owned.owner_email = Set(Some(email.clone()));
        delivery = owned.update(&txn).await?;
    }
    let mut row: store_transaction::ActiveModel = transaction.into();
    row.order_id = Set(Some(order.id));
    row.delivery_id = Set(Some(delivery.id));
    let row = row.update(&txn).await?;
    sales::write_event(
        &txn,
        "order.completed",
        &order.uid,
        serde_json::json!({"order_uid": order.uid, "channel": "store", "store_san": store.san,
                           "partner_transact_id": request.partner_transact_id, "vendor_transact_id": row.vendor_transact_id,
                           "transaction_id": order.transaction_id, "customer_id": order.customer_id,
                           "cost": price.amount_string(), "currency": order.currency, "sale_state": order.sale_state}),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(PurchaseResult {
        partner_transact_id: row.partner_transact_id,
        vendor_transact_id: row.vendor_transact_id,
        order_uid: order.uid,
        delivery_uid: delivery.uid.clone(),
        access_code: delivery
            .owner_email
            .is_none()
            .then(|| delivery.access_code.clone()),
        replayed: false,
    }))
}

/// The result of a void, the same for every replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VoidResult {
    pub partner_transact_id: String,
    pub vendor_transact_id: String,
    pub timestamp: chrono::DateTime<Utc>,
}

/// Voids the code of a purchase made at this store: refused when redeemed, over the refund
/// time or usage limit, or voided already. The delivery's status condition is part of the
/// UPDATE, so a redemption at the same moment and the void cannot both win.
pub async fn void(
    db: &DatabaseConnection,
    store: &store::Model,
    partner_transact_id: &str,
    purchase_transact_id: &str,
) -> Result<Result<VoidResult, PosError>, DbErr> {
    let hash = hex::encode(Sha256::digest(
        format!("refund\n{partner_transact_id}\n{purchase_transact_id}").as_bytes(),
    ));
    if let Some(row) = existing(db, store.id, partner_transact_id).await? {
        return Ok(if row.kind == "refund" && row.request_hash == hash {
            Ok(VoidResult {
                partner_transact_id: row.partner_transact_id,
                vendor_transact_id: row.vendor_transact_id,
                timestamp: row.created_at,
            })
        } else {
            Err(PosError::DuplicateTransaction)
        });
    }
    let Some(purchase) = existing(db, store.id, purchase_transact_id)
        .await?
        .filter(|row| row.kind == "purchase")
    else {
        return Ok(Err(PosError::PurchaseNotFound));
    };
    let delivery = delivery::Entity::find_by_id(purchase.delivery_id.unwrap_or_default())
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("delivery of a store purchase".into()))?;
    let line = order_line::Entity::find_by_id(delivery.order_line_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("line of a delivery".into()))?;
    match delivery.status.as_str() {
        "voided" => return Ok(Err(PosError::AlreadyVoided)),
        "redeemed" => return Ok(Err(PosError::Redeemed)),
        _ => {}
    }
    if Utc::now() > purchase.created_at + Duration::days(i64::from(line.refund_days)) {
        return Ok(Err(PosError::TimeLimit {
            days: line.refund_days,
        }));
    }
    if delivery.usage_percent > line.usage_limit_percent {
        return Ok(Err(PosError::UsageLimit {
            percent: line.usage_limit_percent,
        }));
    }
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let row = store_transaction::ActiveModel {
        store_id: Set(store.id),
        partner_transact_id: Set(partner_transact_id.to_owned()),
        kind: Set("refund".into()),
        request_hash: Set(hash),
        vendor_transact_id: Set(vendor_transact_id()),
        order_id: Set(purchase.order_id),
        delivery_id: Set(purchase.delivery_id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await;
    let row = match row {
        Ok(row) => row,
        Err(err) if is_unique_violation(&err) => return Ok(Err(PosError::DuplicateTransaction)),
        Err(err) => return Err(err),
    };
    let voided = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("voided"))
        .col_expr(delivery::Column::VoidedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(delivery.id))
        .filter(delivery::Column::Status.eq("active"))
        .exec(&txn)
        .await?;
    if voided.rows_affected == 0 {
        let current = delivery::Entity::find_by_id(delivery.id).one(&txn).await?;
        return Ok(Err(match current.map(|d| d.status).as_deref() {
            Some("redeemed") => PosError::Redeemed,
            _ => PosError::AlreadyVoided,
        }));
    }
    order::Entity::update_many()
        .col_expr(
            order::Column::Status,
            Expr::value(orders::Status::Refunded.as_str()),
        )
        .col_expr(
            order::Column::RefundedTotalMinor,
            Expr::col(order::Column::GrandTotalMinor),
        )
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(delivery.order_id))
        .exec(&txn)
        .await?;
    sales::write_event(
        &txn,
        "store_purchase.voided",
        &delivery.uid,
        serde_json::json!({"store_san": store.san, "partner_transact_id": partner_transact_id,
                           "purchase_transact_id": purchase_transact_id, "vendor_transact_id": row.vendor_transact_id}),
    )
    .await?;
    txn.commit().await?;
    Ok(Ok(VoidResult {
        partner_transact_id: row.partner_transact_id,
        vendor_transact_id: row.vendor_transact_id,
        timestamp: now,
    }))
}

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
}

/// Whether halshop knows a customer with this e-mail (an order or a library entry).
pub async fn account_exists(db: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    let lowered = email.trim().to_lowercase();
    let ordered = order::Entity::find()
        .filter(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(order::Column::Email))).eq(lowered.clone()),
        )
        .one(db)
        .await?
        .is_some();
    if ordered {
        return Ok(true);
    }
    Ok(delivery::Entity::find()
        .filter(
            Expr::expr(sea_orm::sea_query::Func::lower(Expr::col(
                delivery::Column::OwnerEmail,
            )))
            .eq(lowered),
        )
        .one(db)
        .await?
        .is_some())
}

/// Redeems an access code into a library (`owner_sub` for a logged-in customer, or an
/// e-mail). Only an active code is redeemed, in the UPDATE itself.
pub async fn redeem(
    db: &DatabaseConnection,
    code: &str,
    owner_sub: Option<&str>,
    owner_email: Option<&str>,
) -> Result<Result<Redeemed, RedeemError>, DbErr> {
    let normalised = vouchers::normalise(code);
    let Some(delivery) = delivery::Entity::find()
        .filter(delivery::Column::AccessCode.eq(normalised))
        .one(db)
        .await?
    else {
        return Ok(Err(RedeemError::UnknownCode));
    };
    let now = Utc::now();
    let mut update = delivery::Entity::update_many()
        .col_expr(delivery::Column::Status, Expr::value("redeemed"))
        .col_expr(delivery::Column::RedeemedAt, Expr::value(now));
    if let Some(sub) = owner_sub {
        update = update.col_expr(delivery::Column::OwnerSub, Expr::value(sub));
    }
    if let Some(email) = owner_email {
        update = update.col_expr(delivery::Column::OwnerEmail, Expr::value(email));
    }
    let result = update
        .filter(delivery::Column::Id.eq(delivery.id))
        .filter(delivery::Column::Status.eq("active"))
        .exec(db)
        .await?;
    if result.rows_affected == 0 {
        return Ok(Err(RedeemError::Inactive));
    }
    let delivery = delivery::Entity::find_by_id(delivery.id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("delivery vanished".into()))?;
    let line = order_line::Entity::find_by_id(delivery.order_line_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("line of a delivery".into()))?;
    let product = product::Entity::find_by_id(delivery.product_id).one(db).await?;
    let order = order::Entity::find_by_id(delivery.order_id)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a delivery".into()))?;
    let currency = order
        .currency
        .parse()
        .map_err(|_| DbErr::Type("order currency".into()))?;
    Ok(Ok(Redeemed {
        current_sku: product.map(|p| p.sku).unwrap_or_else(|| line.sku.clone()),
        price: Money::from_minor(line.unit_price_minor, currency),
        delivery,
        line,
    }))
}

/// What a customer owns: deliveries redeemed into their library or bought for their
/// e-mail, and not voided.
pub async fn library(
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
        .filter(delivery::Column::Status.ne("voided"))
        .all(db)
        .await
}
