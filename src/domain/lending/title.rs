//! One library's copies of one title: the unit every lending change works on.
//!
//! A change starts by locking the title's licences, in id order (`FOR UPDATE` on
//! PostgreSQL; SQLite serialises writers anyway), then brings the title up to date: loans
//! past due expire, copies set aside for a hold not claimed in time lapse, and every copy
//! freed goes to the first waiting hold. Two changes to one title therefore take turns,
//! and changes to different titles never touch the same rows, so concurrent writers on
//! several instances can neither lend a copy twice nor wait on each other in a cycle.

use chrono::{DateTime, Utc};
use entity::{library_hold, licence, loan};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{HOLD_OFFER, has_free_copy};
use crate::domain::{
    outbox,
    status::{HoldStatus, LoanStatus},
};

/// A title of a library, its licences locked for the transaction.
#[derive(Debug, Clone)]
pub struct Title {
    pub library_id: i64,
    pub product_id: i64,
    /// In id order, as read after locking.
    pub licences: Vec<licence::Model>,
    /// The patron acting in this transaction: a copy set aside for their own hold is not
    /// announced (`hold.ready`), since they borrow or cancel it at once.
    quiet_patron: Option<String>,
}

impl Title {
    /// Locks the title's licences and brings the title up to date at `now`.
    pub async fn open(
        txn: &impl ConnectionTrait,
        library_id: i64,
        product_id: i64,
        now: DateTime<Utc>,
    ) -> Result<Title, DbErr> {
        Title::open_for(txn, library_id, product_id, now, None).await
    }

    /// [`Title::open`] on behalf of a patron who borrows or leaves the queue in the same
    /// transaction (see `quiet_patron`).
    pub async fn open_for(
        txn: &impl ConnectionTrait,
        library_id: i64,
        product_id: i64,
        now: DateTime<Utc>,
        patron: Option<&str>,
    ) -> Result<Title, DbErr> {
        let licences = lock(txn, library_id, product_id).await?;
        let mut title = Title {
            library_id,
            product_id,
            licences,
            quiet_patron: patron.map(str::to_owned),
        };
        let expired = expire_due_loans(txn, &title, now).await?;
        let lapsed = lapse_unclaimed(txn, &title, now).await?;
        if expired + lapsed > 0 {
            title.reload(txn).await?;
        }
        title.offer_free_copies(txn, now).await?;
        title.close_unservable_holds(txn, now).await?;
        Ok(title)
    }

    /// The loans the title's unexpired licences can still make, beyond the copies already
    /// set aside; `None`: unlimited.
    pub fn loans_left(&self, now: DateTime<Utc>) -> Option<i64> {
        let mut left = 0i64;
        for licence in self
            .licences
            .iter()
            .filter(|l| l.expires_at.is_none_or(|at| at > now))
        {
            let max = licence.max_total_loans?;
            left += i64::from(Ord::max(max - licence.loans_used - licence.held_copies, 0));
        }
        Some(left)
    }

    /// Waiting holds no licence can ever serve (every one expired or used up) are closed
    /// as lapsed, rather than waiting for ever.
    async fn close_unservable_holds(
        &self,
        txn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        if self.loans_left(now) != Some(0) {
            return Ok(());
        }
        library_hold::Entity::update_many()
            .col_expr(
                library_hold::Column::Status,
                Expr::value(HoldStatus::Lapsed.as_str()),
            )
            .col_expr(library_hold::Column::ClosedAt, Expr::value(now))
            .filter(library_hold::Column::LibraryId.eq(self.library_id))
            .filter(library_hold::Column::ProductId.eq(self.product_id))
            .filter(library_hold::Column::Status.eq(HoldStatus::Waiting.as_str()))
            .exec(txn)
            .await
            .map(|_| ())
    }

    /// Reads the licences again (they stay locked).
    pub async fn reload(&mut self, txn: &impl ConnectionTrait) -> Result<(), DbErr> {
        self.licences = lock(txn, self.library_id, self.product_id).await?;
        Ok(())
    }

    /// Sets a free copy aside for each waiting hold, first come first served, while there
    /// are free copies; each such hold becomes ready for [`HOLD_OFFER`].
    pub async fn offer_free_copies(
        &mut self,
        txn: &impl ConnectionTrait,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        loop {
            let Some(licence) = self.free_licence(now, None) else {
                return Ok(());
            };
            let Some(hold) = first_waiting(txn, self.library_id, self.product_id).await? else {
                return Ok(());
            };
            if !set_aside(txn, &licence, now).await? {
                return Ok(());
            }
            let ready = library_hold::Entity::update_many()
                .col_expr(
                    library_hold::Column::Status,
                    Expr::value(HoldStatus::Ready.as_str()),
                )
                .col_expr(library_hold::Column::LicenceId, Expr::value(licence.id))
                .col_expr(library_hold::Column::ReadyAt, Expr::value(now))
                .col_expr(
                    library_hold::Column::OfferExpiresAt,
                    Expr::value(now + HOLD_OFFER),
                )
                .filter(library_hold::Column::Id.eq(hold.id))
                .filter(library_hold::Column::Status.eq(HoldStatus::Waiting.as_str()))
                .exec(txn)
                .await?;
            if ready.rows_affected == 0 {
                return Err(DbErr::Custom(
                    "a waiting hold changed under its title's lock".into(),
                ));
            }
            if self.quiet_patron.as_deref() != Some(hold.patron_id.as_str()) {
                write_hold_event(txn, &hold, "hold.ready", now, Some(now + HOLD_OFFER)).await?;
            }
            self.reload(txn).await?;
        }
    }

    /// The licence a new loan (or a copy set aside) would use: a free copy, the licence
    /// expiring soonest first (perpetual ones last), among those allowing `days`.
    pub fn free_licence(&self, now: DateTime<Utc>, days: Option<i32>) -> Option<licence::Model> {
        let mut free: Vec<&licence::Model> = self
            .licences
            .iter()
            .filter(|l| has_free_copy(l, now))
            .filter(|l| days.is_none_or(|d| d <= l.max_loan_days))
            .collect();
        free.sort_by_key(|l| (l.expires_at.is_none(), l.expires_at, l.id));
        free.first().map(|l| (*l).clone())
    }
}

async fn lock(
    txn: &impl ConnectionTrait,
    library_id: i64,
    product_id: i64,
) -> Result<Vec<licence::Model>, DbErr> {
    licence::Entity::find()
        .filter(licence::Column::LibraryId.eq(library_id))
        .filter(licence::Column::ProductId.eq(product_id))
        .order_by_asc(licence::Column::Id)
        .lock_exclusive()
        .all(txn)
        .await
}

async fn first_waiting(
    txn: &impl ConnectionTrait,
    library_id: i64,
    product_id: i64,
) -> Result<Option<library_hold::Model>, DbErr> {
    Ok(library_hold::Entity::find()
        .filter(library_hold::Column::LibraryId.eq(library_id))
        .filter(library_hold::Column::ProductId.eq(product_id))
        .filter(library_hold::Column::Status.eq(HoldStatus::Waiting.as_str()))
        .order_by_asc(library_hold::Column::Id)
        .all(txn)
        .await?
        .into_iter()
        .next())
}

/// The conditions of a free copy on a licence, for an UPDATE's WHERE.
pub fn free_copy_condition(now: DateTime<Utc>) -> Condition {
    Condition::all()
        .add(
            Condition::any()
                .add(licence::Column::ExpiresAt.is_null())
                .add(licence::Column::ExpiresAt.gt(now)),
        )
        .add(
            Expr::col(licence::Column::ActiveLoans)
                .add(Expr::col(licence::Column::HeldCopies))
                .lt(Expr::col(licence::Column::MaxConcurrentLoans)),
        )
        .add(
            Condition::any()
                .add(licence::Column::MaxTotalLoans.is_null())
                .add(
                    Expr::col(licence::Column::LoansUsed)
                        .add(Expr::col(licence::Column::HeldCopies))
                        .lt(Expr::col(licence::Column::MaxTotalLoans)),
                ),
        )
}

/// Sets one copy of the licence aside for a hold, if one is free.
async fn set_aside(
    txn: &impl ConnectionTrait,
    licence: &licence::Model,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let set = licence::Entity::update_many()
        .col_expr(
            licence::Column::HeldCopies,
            Expr::col(licence::Column::HeldCopies).add(1),
        )
        .filter(licence::Column::Id.eq(licence.id))
        .filter(free_copy_condition(now))
        .exec(txn)
        .await?;
    Ok(set.rows_affected == 1)
}

/// Changes a licence's counters by these amounts.
pub async fn count(
    txn: &impl ConnectionTrait,
    licence_id: i64,
    active: i32,
    held: i32,
    used: i32,
) -> Result<(), DbErr> {
    licence::Entity::update_many()
        .col_expr(
            licence::Column::ActiveLoans,
            Expr::col(licence::Column::ActiveLoans).add(active),
        )
        .col_expr(
            licence::Column::HeldCopies,
            Expr::col(licence::Column::HeldCopies).add(held),
        )
        .col_expr(
            licence::Column::LoansUsed,
            Expr::col(licence::Column::LoansUsed).add(used),
        )
        .filter(licence::Column::Id.eq(licence_id))
        .exec(txn)
        .await
        .map(|_| ())
}

/// Ends the title's loans past due: each expires, its copy goes back to its licence.
async fn expire_due_loans(
    txn: &impl ConnectionTrait,
    title: &Title,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let due = loan::Entity::find()
        .filter(loan::Column::LibraryId.eq(title.library_id))
        .filter(loan::Column::ProductId.eq(title.product_id))
        .filter(loan::Column::Status.eq(LoanStatus::Active.as_str()))
        .filter(loan::Column::DueAt.lte(now))
        .order_by_asc(loan::Column::Id)
        .all(txn)
        .await?;
    for loan in &due {
        end_loan(txn, loan, LoanStatus::Expired, now).await?;
    }
    Ok(due.len())
}

/// Ends a running loan (returned or expired) and gives its copy back; `false` when the
/// loan had already ended.
pub async fn end_loan(
    txn: &impl ConnectionTrait,
    loan: &loan::Model,
    status: LoanStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let ended = loan::Entity::update_many()
        .col_expr(loan::Column::Status, Expr::value(status.as_str()))
        .col_expr(loan::Column::EndedAt, Expr::value(now))
        .filter(loan::Column::Id.eq(loan.id))
        .filter(loan::Column::Status.eq(LoanStatus::Active.as_str()))
        .exec(txn)
        .await?;
    if ended.rows_affected == 0 {
        return Ok(false);
    }
    count(txn, loan.licence_id, -1, 0, 0).await?;
    let event_type = match status {
        LoanStatus::Returned => "loan.returned",
        _ => "loan.expired",
    };
    let ended = loan::Model {
        status: status.as_str().into(),
        ended_at: Some(now),
        ..loan.clone()
    };
    write_loan_event(txn, &ended, event_type).await?;
    Ok(true)
}

/// Ready holds whose patron did not borrow in time lapse, and their copy is freed; a ready
/// hold whose copy's licence expired meanwhile goes back to waiting, first in the queue, for
/// a copy of another licence.
async fn lapse_unclaimed(
    txn: &impl ConnectionTrait,
    title: &Title,
    now: DateTime<Utc>,
) -> Result<usize, DbErr> {
    let ready = library_hold::Entity::find()
        .filter(library_hold::Column::LibraryId.eq(title.library_id))
        .filter(library_hold::Column::ProductId.eq(title.product_id))
        .filter(library_hold::Column::Status.eq(HoldStatus::Ready.as_str()))
        .all(txn)
        .await?;
    let mut changed = 0;
    for hold in &ready {
        let licence_expired = title
            .licences
            .iter()
            .find(|l| Some(l.id) == hold.licence_id)
            .is_some_and(|l| l.expires_at.is_some_and(|at| at <= now));
        if hold.offer_expires_at.is_some_and(|at| at <= now) {
            close_hold(txn, hold, HoldStatus::Lapsed, now).await?;
        } else if licence_expired {
            requeue(txn, hold).await?;
        } else {
            continue;
        }
        changed += 1;
    }
    Ok(changed)
}

/// Puts a ready hold back to waiting and frees the copy set aside for it.
async fn requeue(txn: &impl ConnectionTrait, hold: &library_hold::Model) -> Result<(), DbErr> {
    let requeued = library_hold::Entity::update_many()
        .col_expr(
            library_hold::Column::Status,
            Expr::value(HoldStatus::Waiting.as_str()),
        )
        .col_expr(library_hold::Column::LicenceId, Expr::value(Option::<i64>::None))
        .col_expr(
            library_hold::Column::ReadyAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            library_hold::Column::OfferExpiresAt,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .filter(library_hold::Column::Id.eq(hold.id))
        .filter(library_hold::Column::Status.eq(HoldStatus::Ready.as_str()))
        .exec(txn)
        .await?;
    if requeued.rows_affected == 1
        && let Some(licence_id) = hold.licence_id
    {
        count(txn, licence_id, 0, -1, 0).await?;
    }
    Ok(())
}

/// Closes an open hold (lapsed, cancelled or borrowed); a copy set aside for it is freed
/// unless `keep_copy` (borrowing turns it into the loan). `false` when already closed.
pub async fn close_hold(
    txn: &impl ConnectionTrait,
    hold: &library_hold::Model,
    status: HoldStatus,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let closed = library_hold::Entity::update_many()
        .col_expr(library_hold::Column::Status, Expr::value(status.as_str()))
        .col_expr(library_hold::Column::ClosedAt, Expr::value(now))
        .filter(library_hold::Column::Id.eq(hold.id))
        .filter(
            library_hold::Column::Status.is_in([HoldStatus::Waiting.as_str(), HoldStatus::Ready.as_str()]),
        )
        .exec(txn)
        .await?;
    if closed.rows_affected == 0 {
        return Ok(false);
    }
    if hold.status == HoldStatus::Ready.as_str()
        && status != HoldStatus::Borrowed
        && let Some(licence_id) = hold.licence_id
    {
        count(txn, licence_id, 0, -1, 0).await?;
    }
    Ok(true)
}

/// `loan.created`, `loan.returned` or `loan.expired`.
pub async fn write_loan_event(
    txn: &impl ConnectionTrait,
    loan: &loan::Model,
    event_type: &str,
) -> Result<(), DbErr> {
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: loan.merchant_id,
            event_type,
            subject_uid: &loan.uid,
            self_path: format!("/loans/{}", loan.uid),
            data: serde_json::json!({
                "uid": loan.uid,
                "status": loan.status,
                "patron_id": loan.patron_id,
                "created_at": loan.created_at.to_rfc3339(),
                "due_at": loan.due_at.to_rfc3339(),
                "ended_at": loan.ended_at.map(|at| at.to_rfc3339()),
            }),
        },
    )
    .await
}

async fn write_hold_event(
    txn: &impl ConnectionTrait,
    hold: &library_hold::Model,
    event_type: &str,
    now: DateTime<Utc>,
    offer_expires_at: Option<DateTime<Utc>>,
) -> Result<(), DbErr> {
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: hold.merchant_id,
            event_type,
            subject_uid: &hold.uid,
            self_path: format!("/holds/{}", hold.uid),
            data: serde_json::json!({
                "uid": hold.uid,
                "status": "ready",
                "patron_id": hold.patron_id,
                "created_at": hold.created_at.to_rfc3339(),
                "ready_at": now.to_rfc3339(),
                "offer_expires_at": offer_expires_at.map(|at| at.to_rfc3339()),
            }),
        },
    )
    .await
}
