//! The point-of-sale store API: a till sells an ebook at the counter (an access code on the
//! receipt, or the book put straight into a buyer's library) and voids it; buyers redeem
//! the codes through [`super::redemption`]. Every purchase and void is unique per (store,
//! partner_transact_id). A purchase writes `order.completed` and `store_purchase.created`
//! (which carries `send_email`, for the mail to the buyer) in its transaction.

use crate::db::FindUnique;
use chrono::{DateTime, Utc};
use entity::{delivery, merchant, order, product, store, store_transaction};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter,
    sea_query::{Expr, ExprTrait},
};
use sha2::{Digest, Sha256};

use super::{
    ids,
    money::{Currency, Money},
    orders::{
        self, Consumer,
        builder::{Channel, NewLine, NewOrder, Totals},
    },
    outbox,
    refunds::{self, Ineligible},
    sales, secrets,
    status::{DeliveryStatus, OrderStatus, RefundSource},
    taxes::PricedLine,
};
use crate::{
    db::{begin_write, is_unique_violation},
    effect::{self, Effect},
};

/// A store authenticated by its SAN and token.
pub async fn store_by_san(db: &impl ConnectionTrait, san: &str) -> Result<Option<store::Model>, DbErr> {
    store::Entity::find()
        .filter(store::Column::San.eq(san))
        .unique(db)
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
    NotAllowed,
    Redeemed,
    TimeLimit { days: i32 },
    UsageLimit { percent: i32 },
    AlreadyVoided,
}

/// A void is a refund: refused by the same rules, each in the till's words.
impl From<Ineligible> for PosError {
    fn from(why: Ineligible) -> Self {
        match why {
            Ineligible::NotAllowed => PosError::NotAllowed,
            // A void states no amount: a cost mismatch cannot happen.
            Ineligible::NoSale | Ineligible::CostMismatch { .. } => PosError::PurchaseNotFound,
            Ineligible::AlreadyRefunded => PosError::AlreadyVoided,
            Ineligible::Fulfilled => PosError::Redeemed,
            Ineligible::TimeLimit { days } => PosError::TimeLimit { days },
            Ineligible::UsageLimit { percent } => PosError::UsageLimit { percent },
        }
    }
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
        .unique(db)
        .await
}

async fn purchase_result(
    db: &impl ConnectionTrait,
    row: &store_transaction::Model,
    replayed: bool,
) -> Result<PurchaseResult, DbErr> {
    let order = order::Entity::find_by_id(row.order_id.unwrap_or_default())
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a store purchase".into()))?;
    let delivery = delivery::Entity::find_by_id(row.delivery_id.unwrap_or_default())
        .unique(db)
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

/// A new row of the store's transactions (unique per store and partner_transact_id).
fn transaction_row(
    store: &store::Model,
    partner_transact_id: &str,
    kind: &str,
    request_hash: String,
    now: DateTime<Utc>,
) -> store_transaction::ActiveModel {
    store_transaction::ActiveModel {
        store_id: Set(store.id),
        partner_transact_id: Set(partner_transact_id.to_owned()),
        kind: Set(kind.into()),
        request_hash: Set(request_hash),
        vendor_transact_id: Set(vendor_transact_id()),
        order_id: Set(None),
        delivery_id: Set(None),
        created_at: Set(now),
        ..Default::default()
    }
}

/// The answer to a purchase whose partner_transact_id is already taken: the first result
/// when it was the same purchase, otherwise a duplicate.
async fn replay_purchase(
    db: &impl ConnectionTrait,
    row: &store_transaction::Model,
    hash: &str,
) -> Result<Result<PurchaseResult, PosError>, DbErr> {
    Ok(
        if row.kind == "purchase" && row.request_hash == hash && row.order_id.is_some() {
            Ok(purchase_result(db, row, true).await?)
        } else {
            Err(PosError::DuplicateTransaction)
        },
    )
}

/// The store's merchant's ebook with this SKU, if it can be sold.
async fn sellable_book(
    db: &impl ConnectionTrait,
    store: &store::Model,
    book_id: &str,
) -> Result<Result<product::Model, PosError>, DbErr> {
    let product = product::Entity::find()
        .filter(product::Column::MerchantId.eq(store.merchant_id))
        .filter(product::Column::Sku.eq(book_id))
        .unique(db)
        .await?;
    Ok(match product {
        None => Err(PosError::BookUnknown),
        Some(product) if !product.available || product.kind != "ebook" => Err(PosError::BookUnavailable),
        Some(product) => Ok(product),
    })
}

/// Writes the till's order: one ebook, paid and completed now, without taxes.
async fn till_order(
    txn: &impl ConnectionTrait,
    merchant: &merchant::Model,
    product: &product::Model,
    request: &Purchase,
    customer_id: String,
    now: DateTime<Utc>,
) -> Result<order::Model, DbErr> {
    let currency: Currency = product
        .currency
        .parse()
        .map_err(|_| DbErr::Type("product currency".into()))?;
    let price = Money::from_minor(product.price_minor, currency);
    let none = Money::from_minor(0, currency);
    let token = ids::new_secret("ot_");
    let line = NewLine {
        product,
        quantity: 1,
        unit_price: price,
        price_includes_tax: true,
        priced: PricedLine {
            net: price,
            taxes: Vec::new(),
            total: price,
        },
        library_offer_id: None,
    };
    let (order, _) = NewOrder {
        merchant,
        status: OrderStatus::Completed,
        channel: Channel::Store,
        token: &token,
        customer_id,
        customer_sub: None,
        consumer: Consumer {
            email: request.email.clone().unwrap_or_default(),
            first_name: request.first_name.clone().unwrap_or_default(),
            last_name: request.last_name.clone().unwrap_or_default(),
            country: "ZZ".into(),
            region: None,
        },
        external_reference: Some(request.partner_transact_id.clone()),
        redirect_url: None,
        currency,
        totals: Totals {
            product_total: price,
            tax_total: none,
            voucher_total: none,
            grand_total: price,
        },
        taxes: &[],
        settled_at: Some(now),
        created_at: now,
        expires_at: None,
        library_id: None,
    }
    .insert(txn, &[line])
    .await?;
    Ok(order)
}

/// Issues the order's one delivery, into the buyer's library when an e-mail was given.
async fn till_delivery(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    email: Option<&String>,
) -> Result<delivery::Model, DbErr> {
    let delivery = sales::issue_deliveries(txn, order)
        .await?
        .pop()
        .ok_or_else(|| DbErr::Custom("no delivery issued".into()))?;
    let Some(email) = email else {
        return Ok(delivery);
    };
    let mut owned: delivery::ActiveModel = delivery.into();
    owned.owner_email = Set(Some(email.clone()));
    owned.update(txn).await
}

/// The events of a till purchase: the order completed, and the purchase (whose mail says how
/// to redeem it when asked to send one).
async fn write_purchase_events(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    delivery: &delivery::Model,
    store: &store::Model,
    request: &Purchase,
    row: &store_transaction::Model,
) -> Result<(), DbErr> {
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: order.merchant_id,
            event_type: "order.completed",
            subject_uid: &order.uid,
            self_path: format!("/orders/{}", order.uid),
            data: serde_json::json!({"uid": order.uid, "order_uid": order.uid, "channel": "store", "store_san": store.san,
                           "partner_transact_id": request.partner_transact_id, "vendor_transact_id": row.vendor_transact_id,
                           "transaction_id": order.transaction_id, "customer_id": order.customer_id,
                           "cost": Money::from_minor(order.grand_total_minor, orders::currency_of(order)?).amount_string(),
                           "grand_total": {"amount": Money::from_minor(order.grand_total_minor, orders::currency_of(order)?).amount_string(),
                                           "currency": order.currency},
                           "reference": order.reference, "created_at": order.created_at.to_rfc3339(),
                           "currency": order.currency, "sale_state": order.sale_state, "status": order.status}),
        },
    )
    .await?;
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: order.merchant_id,
            event_type: super::mails::STORE_PURCHASE_CREATED,
            subject_uid: &delivery.uid,
            self_path: format!("/deliveries/{}", delivery.uid),
            data: serde_json::json!({"order_uid": order.uid, "delivery_uid": delivery.uid, "store_san": store.san,
                               "partner_transact_id": request.partner_transact_id, "vendor_transact_id": row.vendor_transact_id,
                               "send_email": request.send_email}),
        },
    )
    .await?;
    Ok(())
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
        return replay_purchase(db, &row, &hash).await;
    }
    let product = match sellable_book(db, store, &request.book_id).await? {
        Ok(product) => product,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let guest_key = secrets::get_or_create(db, secrets::CUSTOMER_ID_KEY).await?;
    let merchant = merchant::Entity::find_by_id(store.merchant_id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("merchant of a store".into()))?;

    let txn = begin_write(db).await?;
    let now = Utc::now();
    let inserted = transaction_row(store, &request.partner_transact_id, "purchase", hash.clone(), now)
        .insert(&txn)
        .await;
    let transaction = match inserted {
        Ok(row) => row,
        Err(err) if is_unique_violation(&err) => {
            txn.rollback().await?;
            let row = existing(db, store.id, &request.partner_transact_id)
                .await?
                .ok_or_else(|| DbErr::RecordNotFound("store transaction vanished".into()))?;
            return replay_purchase(db, &row, &hash).await;
        }
        Err(err) => return Err(err),
    };
    let customer_id = match &request.email {
        Some(email) => orders::guest_customer_id(&guest_key, email),
        None => format!("store_{}_{}", store.san, request.partner_transact_id),
    };
    let order = till_order(&txn, &merchant, &product, request, customer_id, now).await?;
    let delivery = till_delivery(&txn, &order, request.email.as_ref()).await?;
    let mut row: store_transaction::ActiveModel = transaction.into();
    row.order_id = Set(Some(order.id));
    row.delivery_id = Set(Some(delivery.id));
    let row = row.update(&txn).await?;
    write_purchase_events(&txn, &order, &delivery, store, request, &row).await?;
    effect::commit(txn, Effect::recorded()).await?;
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

/// The delivery of a purchase, if every rule of the sale cancellation allows voiding it
/// now. Run in the void's transaction: the order's deliveries stay locked
/// until it ends, so that a redemption or a usage report cannot slip in between.
async fn voidable(
    txn: &impl ConnectionTrait,
    purchase: &store_transaction::Model,
    now: DateTime<Utc>,
) -> Result<Result<delivery::Model, PosError>, DbErr> {
    let order = order::Entity::find_by_id(purchase.order_id.unwrap_or_default())
        .unique(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("order of a store purchase".into()))?;
    let merchant = refunds::merchant_of(txn, &order).await?;
    let source = RefundSource::CustomerRequest;
    if let Err(why) = refunds::check_eligibility(txn, &order, &merchant, source, None, now).await? {
        return Ok(Err(why.into()));
    }
    let delivery = delivery::Entity::find_by_id(purchase.delivery_id.unwrap_or_default())
        .unique(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("delivery of a store purchase".into()))?;
    Ok(Ok(delivery))
}

/// Voids an active delivery and marks its order refunded in full; answers why not when the
/// delivery is no longer active.
async fn void_delivery(
    txn: &impl ConnectionTrait,
    delivery: &delivery::Model,
    now: DateTime<Utc>,
) -> Result<Option<PosError>, DbErr> {
    let voided = delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Voided.as_str()),
        )
        .col_expr(delivery::Column::VoidedAt, Expr::value(now))
        .filter(delivery::Column::Id.eq(delivery.id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Active.as_str()))
        .exec(txn)
        .await?;
    if voided.rows_affected == 0 {
        let current = delivery::Entity::find_by_id(delivery.id).unique(txn).await?;
        let redeemed = DeliveryStatus::Redeemed.as_str();
        return Ok(Some(match current.map(|d| d.status).as_deref() {
            Some(status) if status == redeemed => PosError::Redeemed,
            _ => PosError::AlreadyVoided,
        }));
    }
    order::Entity::update_many()
        .col_expr(order::Column::Status, Expr::value(OrderStatus::Refunded.as_str()))
        .col_expr(
            order::Column::RefundedTotalMinor,
            Expr::col(order::Column::GrandTotalMinor),
        )
        .col_expr(order::Column::UpdatedAt, Expr::value(now))
        .col_expr(order::Column::Version, Expr::col(order::Column::Version).add(1))
        .filter(order::Column::Id.eq(delivery.order_id))
        .exec(txn)
        .await?;
    Ok(None)
}

/// Voids the code of a purchase made at this store: refused by the rules of the sale
/// cancellation, as a refund request would be — the shop may not refund, the code was
/// redeemed (or the file downloaded), over the refund time or usage limit, or voided
/// already. The delivery's status condition is part of the UPDATE too, so a redemption at
/// the same moment and the void cannot both win.
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
    let txn = begin_write(db).await?;
    let now = Utc::now();
    let delivery = match voidable(&txn, &purchase, now).await? {
        Ok(delivery) => delivery,
        Err(refusal) => return Ok(Err(refusal)),
    };
    let mut row = transaction_row(store, partner_transact_id, "refund", hash, now);
    row.order_id = Set(purchase.order_id);
    row.delivery_id = Set(purchase.delivery_id);
    let row = match row.insert(&txn).await {
        Ok(row) => row,
        Err(err) if is_unique_violation(&err) => return Ok(Err(PosError::DuplicateTransaction)),
        Err(err) => return Err(err),
    };
    if let Some(refusal) = void_delivery(&txn, &delivery, now).await? {
        return Ok(Err(refusal));
    }
    outbox::write_event(
        &txn,
        outbox::NewEvent {
            merchant_id: store.merchant_id,
            event_type: "store_purchase.voided",
            subject_uid: &delivery.uid,
            self_path: format!("/deliveries/{}", delivery.uid),
            data: serde_json::json!({"uid": delivery.uid, "status": "voided", "store_san": store.san,
                                     "partner_transact_id": partner_transact_id,
                                     "purchase_transact_id": purchase_transact_id,
                                     "vendor_transact_id": row.vendor_transact_id}),
        },
    )
    .await?;
    effect::commit(txn, Effect::recorded()).await?;
    Ok(Ok(VoidResult {
        partner_transact_id: row.partner_transact_id,
        vendor_transact_id: row.vendor_transact_id,
        timestamp: now,
    }))
}
