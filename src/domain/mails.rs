//! Mails to buyers, sent from the outbox: each outbox event of a mailed type gets one row
//! in `mail` (unique per event and kind; conflicts are ignored, so instances that race
//! record it once). A sender claims a due mail with a lease (`locked_until`, set in a
//! conditional update), so two instances never send one mail at the same time; a crash
//! between sending and recording leaves the lease to run out and the mail is sent again —
//! at least once. Failed attempts are retried with a doubling wait, then the mail is
//! `failed`.

use chrono::{DateTime, Duration, Utc};
use entity::{mail, outbox_event};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict, Query},
};

use super::ids;

/// The event a till purchase writes; the mail worker sends its code when asked to.
pub const STORE_PURCHASE_CREATED: &str = "store_purchase.created";

/// What a mail is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MailKind {
    /// `order.completed` of a web order.
    OrderConfirmation,
    /// `refund.created`.
    RefundProcessed,
    /// `store_purchase.created` with `send_email: true`.
    TillPurchase,
}

impl MailKind {
    pub const EVENT_TYPES: [&'static str; 3] = ["order.completed", "refund.created", STORE_PURCHASE_CREATED];

    pub fn for_event(event_type: &str) -> Option<Self> {
        match event_type {
            "order.completed" => Some(MailKind::OrderConfirmation),
            "refund.created" => Some(MailKind::RefundProcessed),
            STORE_PURCHASE_CREATED => Some(MailKind::TillPurchase),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            MailKind::OrderConfirmation => "order_confirmation",
            MailKind::RefundProcessed => "refund_processed",
            MailKind::TillPurchase => "till_purchase",
        }
    }
}

/// A mail's status.
pub mod status {
    pub const PENDING: &str = "pending";
    pub const SENT: &str = "sent";
    pub const FAILED: &str = "failed";
    /// The event calls for no mail (a till order, no address, `send_email: false`).
    pub const SKIPPED: &str = "skipped";
}

/// A composed mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMail {
    pub recipient: String,
    pub reply_to: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
}

/// Events of the mailed types, at most `max_age` old, that have no mail row yet; oldest first.
pub async fn unmailed_events(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    max_age: Duration,
    limit: u64,
) -> Result<Vec<outbox_event::Model>, DbErr> {
    let mailed = Query::select()
        .column(mail::Column::EventUid)
        .from(mail::Entity)
        .to_owned();
    outbox_event::Entity::find()
        .filter(outbox_event::Column::EventType.is_in(MailKind::EVENT_TYPES))
        .filter(outbox_event::Column::CreatedAt.gte(now - max_age))
        .filter(outbox_event::Column::Uid.not_in_subquery(mailed))
        .order_by_asc(outbox_event::Column::Id)
        .limit(limit)
        .all(db)
        .await
}

/// Records the mail of an event (`None`: the event calls for none). Returns whether this
/// call recorded it; another instance may have been first.
pub async fn record(
    db: &impl ConnectionTrait,
    event: &outbox_event::Model,
    kind: MailKind,
    composed: Option<NewMail>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let status = if composed.is_some() {
        status::PENDING
    } else {
        status::SKIPPED
    };
    let composed = composed.unwrap_or(NewMail {
        recipient: String::new(),
        reply_to: String::new(),
        subject: String::new(),
        text_body: String::new(),
        html_body: String::new(),
    });
    let row = mail::ActiveModel {
        uid: Set(ids::new_uid()),
        event_uid: Set(event.uid.clone()),
        kind: Set(kind.as_str().into()),
        status: Set(status.into()),
        recipient: Set(composed.recipient),
        reply_to: Set(composed.reply_to),
        subject: Set(composed.subject),
        text_body: Set(composed.text_body),
        html_body: Set(composed.html_body),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        last_error: Set(None),
        sent_at: Set(None),
        created_at: Set(now),
        ..Default::default()
    };
    let inserted = mail::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([mail::Column::EventUid, mail::Column::Kind])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(inserted == 1)
}

fn unlocked(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(mail::Column::LockedUntil.is_null())
        .add(mail::Column::LockedUntil.lt(now))
}

/// Claims up to `limit` due mails for `lease`: each is taken by a conditional update, so
/// of two instances only one gets a given mail until the lease runs out.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    lease: Duration,
    limit: u64,
) -> Result<Vec<mail::Model>, DbErr> {
    let due = mail::Entity::find()
        .filter(mail::Column::Status.eq(status::PENDING))
        .filter(mail::Column::NextAttemptAt.lte(now))
        .filter(unlocked(now))
        .order_by_asc(mail::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let mut claimed = Vec::new();
    for mail in due {
        let taken = mail::Entity::update_many()
            .col_expr(mail::Column::LockedUntil, Expr::value(now + lease))
            .col_expr(mail::Column::Attempts, Expr::col(mail::Column::Attempts).add(1))
            .filter(mail::Column::Id.eq(mail.id))
            .filter(mail::Column::Status.eq(status::PENDING))
            .filter(unlocked(now))
            .exec(db)
            .await?;
        if taken.rows_affected == 1 {
            claimed.push(mail::Model {
                attempts: mail.attempts + 1,
                locked_until: Some(now + lease),
                ..mail
            });
        }
    }
    Ok(claimed)
}

/// Records a sent mail.
pub async fn mark_sent(db: &impl ConnectionTrait, mail_id: i64, now: DateTime<Utc>) -> Result<(), DbErr> {
    mail::Entity::update_many()
        .col_expr(mail::Column::Status, Expr::value(status::SENT))
        .col_expr(mail::Column::SentAt, Expr::value(now))
        .col_expr(
            mail::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(mail::Column::LastError, Expr::value(Option::<String>::None))
        .filter(mail::Column::Id.eq(mail_id))
        .exec(db)
        .await?;
    Ok(())
}

/// The wait after the `attempts`-th failure: `first`, doubling, at most an hour.
pub fn backoff(attempts: i32, first: Duration) -> Duration {
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    let wait = Ord::max(first.num_seconds(), 1).saturating_mul(1_i64 << doublings);
    Duration::seconds(Ord::min(wait, 3600))
}

/// Records a failed attempt: the mail is tried again after its backoff, or is `failed`
/// once `max_attempts` were made.
pub async fn mark_attempt_failed(
    db: &impl ConnectionTrait,
    mail: &mail::Model,
    error: &str,
    now: DateTime<Utc>,
    max_attempts: i32,
    first_wait: Duration,
) -> Result<(), DbErr> {
    let next = if mail.attempts >= max_attempts {
        status::FAILED
    } else {
        status::PENDING
    };
    mail::Entity::update_many()
        .col_expr(mail::Column::Status, Expr::value(next))
        .col_expr(
            mail::Column::NextAttemptAt,
            Expr::value(now + backoff(mail.attempts, first_wait)),
        )
        .col_expr(
            mail::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            mail::Column::LastError,
            Expr::value(error.chars().take(1000).collect::<String>()),
        )
        .filter(mail::Column::Id.eq(mail.id))
        .exec(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_doubles_up_to_an_hour() {
        let first = Duration::seconds(30);
        assert_eq!(backoff(1, first), Duration::seconds(30));
        assert_eq!(backoff(2, first), Duration::seconds(60));
        assert_eq!(backoff(4, first), Duration::seconds(240));
        assert_eq!(backoff(30, first), Duration::seconds(3600));
    }

    #[test]
    fn every_mailed_event_type_has_its_kind() {
        for event_type in MailKind::EVENT_TYPES {
            assert!(MailKind::for_event(event_type).is_some());
        }
        assert_eq!(MailKind::for_event("refund_request.created"), None);
    }
}
