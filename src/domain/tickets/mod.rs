//! Tickets: issued with the sale, one per delivered unit of a ticket product, with an
//! unguessable barcode and a QR payload signed for offline checking; checked in once;
//! voided by a refund, and then listed for offline scanners.

pub mod keys;
pub mod scanners;

use chrono::{DateTime, Utc};
use entity::{delivery, event, merchant, order, order_line, product, ticket, ticket_revocation};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, ExprTrait},
};

use super::{catalogue::Kind, holds, ids, status::DeliveryStatus, vouchers};
use crate::{
    db::begin_write,
    effect::{self, Effect},
};

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketStatus {
    /// Lets its holder in.
    Valid,
    CheckedIn,
    /// Refunded: it lets nobody in.
    Voided,
}

impl TicketStatus {
    pub fn of(ticket: &ticket::Model) -> Self {
        if ticket.voided_at.is_some() {
            TicketStatus::Voided
        } else if ticket.checked_in_at.is_some() {
            TicketStatus::CheckedIn
        } else {
            TicketStatus::Valid
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Valid => "valid",
            TicketStatus::CheckedIn => "checked_in",
            TicketStatus::Voided => "voided",
        }
    }
}

/// Signs and writes the tickets of one sale.
pub struct Issuer {
    signer: keys::TicketSigner,
    products: Vec<product::Model>,
    events: Vec<event::Model>,
}

impl Issuer {
    /// Loads what the tickets of these lines need, or nothing when none is a ticket.
    pub async fn load(
        txn: &impl ConnectionTrait,
        lines: &[order_line::Model],
    ) -> Result<Option<Self>, DbErr> {
        let ticket_lines: Vec<i64> = lines
            .iter()
            .filter(|line| line.kind == Kind::Ticket.as_str())
            .map(|line| line.product_id)
            .collect();
        if ticket_lines.is_empty() {
            return Ok(None);
        }
        let products = product::Entity::find()
            .filter(product::Column::Id.is_in(ticket_lines))
            .all(txn)
            .await?;
        let events = super::events::by_ids(txn, products.iter().filter_map(|p| p.event_id).collect()).await?;
        Ok(Some(Issuer {
            signer: keys::signer(txn).await?,
            products,
            events,
        }))
    }

    /// The ticket of `delivery`, if its product is a ticket. Its uid is the delivery's.
    pub async fn issue(
        &self,
        txn: &impl ConnectionTrait,
        order: &order::Model,
        delivery: &delivery::Model,
    ) -> Result<Option<ticket::Model>, DbErr> {
        let Some(product) = self.products.iter().find(|p| p.id == delivery.product_id) else {
            return Ok(None);
        };
        let event = product
            .event_id
            .and_then(|id| self.events.iter().find(|e| e.id == id));
        let now = Utc::now();
        let barcode = vouchers::random_code(16);
        let holder = format!("{} {}", order.first_name, order.last_name)
            .trim()
            .to_owned();
        let valid_until = event.map(|e| e.ends_at);
        let mut claims = serde_json::json!({
            "ticket": delivery.uid,
            "event": event.map(|e| e.uid.clone()),
            "barcode": barcode,
            "holder": holder,
            "iat": now.timestamp(),
            "nbf": now.timestamp(),
        });
        if let Some(until) = valid_until {
            claims["exp"] = until.timestamp().into();
        }
        let stored = ticket::ActiveModel {
            uid: Set(delivery.uid.clone()),
            delivery_id: Set(delivery.id),
            order_id: Set(order.id),
            product_id: Set(product.id),
            event_id: Set(event.map(|e| e.id)),
            barcode: Set(barcode),
            holder_name: Set(holder),
            valid_from: Set(now),
            valid_until: Set(valid_until),
            qr: Set(self.signer.sign(&claims)),
            checked_in_at: Set(None),
            voided_at: Set(None),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        Ok(Some(stored))
    }
}

/// A ticket with what its views name: the order it was sold in, its product and event.
#[derive(Debug, Clone)]
pub struct TicketDetails {
    pub ticket: ticket::Model,
    pub order: order::Model,
    pub product: product::Model,
    pub event: Option<event::Model>,
}

pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<TicketDetails>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let Some(ticket) = ticket::Entity::find()
        .filter(ticket::Column::Uid.eq(uid))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    details(db, vec![ticket]).await.map(|mut found| found.pop())
}

/// The details of these tickets, in their order, in four queries.
async fn details(
    db: &impl ConnectionTrait,
    tickets: Vec<ticket::Model>,
) -> Result<Vec<TicketDetails>, DbErr> {
    let orders = order::Entity::find()
        .filter(order::Column::Id.is_in(tickets.iter().map(|t| t.order_id)))
        .all(db)
        .await?;
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(tickets.iter().map(|t| t.product_id)))
        .all(db)
        .await?;
    let events = super::events::by_ids(db, tickets.iter().filter_map(|t| t.event_id).collect()).await?;
    tickets
        .into_iter()
        .map(|ticket| {
            let order = orders.iter().find(|o| o.id == ticket.order_id).cloned();
            let product = products.iter().find(|p| p.id == ticket.product_id).cloned();
            let event = ticket
                .event_id
                .and_then(|id| events.iter().find(|e| e.id == id).cloned());
            match (order, product) {
                (Some(order), Some(product)) => Ok(TicketDetails {
                    ticket,
                    order,
                    product,
                    event,
                }),
                _ => Err(DbErr::RecordNotFound(
                    "ticket without its order or product".into(),
                )),
            }
        })
        .collect()
}

/// The merchant's tickets, optionally of one event and with one barcode, paged.
pub async fn lookup(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    event_id: Option<i64>,
    barcode: Option<&str>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<TicketDetails>, u64), DbErr> {
    let of_merchant = order::Entity::find()
        .select_only()
        .column(order::Column::Id)
        .filter(order::Column::MerchantId.eq(merchant_id))
        .into_query();
    let mut query = ticket::Entity::find().filter(ticket::Column::OrderId.in_subquery(of_merchant));
    if let Some(event_id) = event_id {
        query = query.filter(ticket::Column::EventId.eq(event_id));
    }
    if let Some(barcode) = barcode {
        query = query.filter(ticket::Column::Barcode.eq(barcode.trim().to_uppercase()));
    }
    let total = query.clone().count(db).await?;
    let tickets = query
        .order_by_asc(ticket::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((details(db, tickets).await?, total))
}

/// Why a ticket was not checked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckInRefusal {
    AlreadyCheckedIn(DateTime<Utc>),
    Voided(DateTime<Utc>),
}

/// Checks a ticket in, once: the condition is part of the UPDATE, so of any number of
/// scans at the same moment exactly one succeeds. The check-in is the request's effect,
/// recorded for its idempotency key in the same transaction.
pub async fn check_in(
    db: &DatabaseConnection,
    ticket: &ticket::Model,
) -> Result<Result<ticket::Model, CheckInRefusal>, DbErr> {
    let txn = begin_write(db).await?;
    let done = ticket::Entity::update_many()
        .col_expr(ticket::Column::CheckedInAt, Expr::value(Utc::now()))
        .filter(ticket::Column::Id.eq(ticket.id))
        .filter(ticket::Column::CheckedInAt.is_null())
        .filter(ticket::Column::VoidedAt.is_null())
        .exec(&txn)
        .await?;
    let current = ticket::Entity::find_by_id(ticket.id)
        .one(&txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("ticket vanished".into()))?;
    if done.rows_affected == 1 {
        mark_used(&txn, &current).await?;
        effect::commit(txn, Effect::created("tickets", &current.uid)).await?;
        return Ok(Ok(current));
    }
    txn.rollback().await?;
    Ok(Err(match (current.voided_at, current.checked_in_at) {
        (Some(at), _) => CheckInRefusal::Voided(at),
        (None, Some(at)) => CheckInRefusal::AlreadyCheckedIn(at),
        (None, None) => return Err(DbErr::Custom("ticket neither checked in nor voided".into())),
    }))
}

/// A ticket checked in has been used: its delivery is redeemed, so that its holder can no
/// longer ask for the money back (an event refund, decided by the merchant, still can).
async fn mark_used(txn: &impl ConnectionTrait, ticket: &ticket::Model) -> Result<(), DbErr> {
    let at = ticket.checked_in_at.unwrap_or_else(Utc::now);
    delivery::Entity::update_many()
        .col_expr(
            delivery::Column::Status,
            Expr::value(DeliveryStatus::Redeemed.as_str()),
        )
        .col_expr(delivery::Column::RedeemedAt, Expr::value(at))
        .filter(delivery::Column::Id.eq(ticket.delivery_id))
        .filter(delivery::Column::Status.eq(DeliveryStatus::Active.as_str()))
        .exec(txn)
        .await?;
    Ok(())
}

/// Voids the tickets of an order whose deliveries a refund voided, lists them for offline
/// scanners, and — when the merchant resells refunded places — gives their places back.
pub async fn void_for_order(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let voided_deliveries = delivery::Entity::find()
        .select_only()
        .column(delivery::Column::Id)
        .filter(delivery::Column::OrderId.eq(order.id))
        .filter(delivery::Column::VoidedAt.is_not_null())
        .into_query();
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::OrderId.eq(order.id))
        .filter(ticket::Column::VoidedAt.is_null())
        .filter(ticket::Column::DeliveryId.in_subquery(voided_deliveries))
        .all(txn)
        .await?;
    if tickets.is_empty() {
        return Ok(());
    }
    let mut voided = Vec::new();
    for ticket in tickets {
        let done = ticket::Entity::update_many()
            .col_expr(ticket::Column::VoidedAt, Expr::value(now))
            .filter(ticket::Column::Id.eq(ticket.id))
            .filter(ticket::Column::VoidedAt.is_null())
            .exec(txn)
            .await?;
        if done.rows_affected == 1 {
            voided.push(ticket);
        }
    }
    // Places first: products, then events, the order every transaction takes these rows in.
    resell(txn, order, &voided).await?;
    for ticket in &voided {
        revoke(txn, ticket, now).await?;
    }
    Ok(())
}

/// Gives the places of voided tickets back, when the merchant resells refunded places.
async fn resell(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    voided: &[ticket::Model],
) -> Result<(), DbErr> {
    let resells = merchant::Entity::find_by_id(order.merchant_id)
        .one(txn)
        .await?
        .is_some_and(|merchant| merchant.resell_refunded);
    if !resells || voided.is_empty() {
        return Ok(());
    }
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(voided.iter().map(|t| t.product_id)))
        .all(txn)
        .await?;
    let places: Vec<(product::Model, i32)> = voided
        .iter()
        .filter_map(|t| {
            products
                .iter()
                .find(|p| p.id == t.product_id)
                .map(|p| (p.clone(), 1))
        })
        .collect();
    holds::give_back(txn, &places).await
}

/// Lists a voided ticket for offline scanners, with the next `seq` of its event.
async fn revoke(txn: &impl ConnectionTrait, ticket: &ticket::Model, now: DateTime<Utc>) -> Result<(), DbErr> {
    let seq = match ticket.event_id {
        Some(event_id) => {
            event::Entity::update_many()
                .col_expr(
                    event::Column::Revocations,
                    Expr::col(event::Column::Revocations).add(1),
                )
                .filter(event::Column::Id.eq(event_id))
                .exec(txn)
                .await?;
            super::events::find_by_id(txn, event_id)
                .await?
                .map_or(0, |event| event.revocations)
        }
        None => 0,
    };
    ticket_revocation::ActiveModel {
        ticket_id: Set(ticket.id),
        event_id: Set(ticket.event_id),
        seq: Set(seq),
        revoked_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A revoked ticket as offline scanners learn of it.
#[derive(Debug, Clone)]
pub struct Revocation {
    /// The cursor: revocations are listed in increasing `seq`.
    pub seq: i64,
    pub ticket_uid: String,
    pub barcode: String,
    pub revoked_at: DateTime<Utc>,
}

/// The revocations of an event after cursor `since`, at most `limit`.
pub async fn revocations(
    db: &impl ConnectionTrait,
    event_id: i64,
    since: i64,
    limit: u64,
) -> Result<Vec<Revocation>, DbErr> {
    let rows = ticket_revocation::Entity::find()
        .filter(ticket_revocation::Column::EventId.eq(event_id))
        .filter(ticket_revocation::Column::Seq.gt(since))
        .order_by_asc(ticket_revocation::Column::Seq)
        .limit(limit)
        .all(db)
        .await?;
    let tickets = ticket::Entity::find()
        .filter(ticket::Column::Id.is_in(rows.iter().map(|r| r.ticket_id)))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let ticket = tickets.iter().find(|t| t.id == row.ticket_id)?;
            Some(Revocation {
                seq: row.seq,
                ticket_uid: ticket.uid.clone(),
                barcode: ticket.barcode.clone(),
                revoked_at: row.revoked_at,
            })
        })
        .collect())
}
