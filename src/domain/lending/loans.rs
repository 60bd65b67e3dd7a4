//! Loans: a copy lent to a patron for up to the licence's `max_loan_days`; returned early
//! or expiring by itself at `due_at`.

use crate::db::{FindUnique, begin_write, is_unique_violation};
use chrono::{DateTime, Duration, Utc};
use entity::{library, library_hold, licence, loan};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{
    LicenceStatus, has_free_copy,
    title::{Title, close_hold, count, end_loan, free_copy_condition, write_loan_event},
};
use crate::domain::{
    ids, outbox,
    status::{HoldStatus, LoanStatus},
};
use crate::effect::{self, Effect};

/// Why a loan cannot be made.
#[derive(Debug)]
pub enum BorrowError {
    /// The library holds no licence of this title.
    NotLicensed,
    /// Every licence of the title is past its date.
    LicencesExpired,
    /// Every licence of the title has made all its loans (or is past its date).
    LicencesExhausted,
    /// `days` is longer than any usable licence allows.
    TooLong {
        max_days: i32,
    },
    /// The patron already has this title.
    AlreadyBorrowed,
    /// Every copy is lent or set aside for a hold.
    NoCopy {
        next_due_at: Option<DateTime<Utc>>,
        holds_waiting: u64,
    },
    Db(DbErr),
}

impl From<DbErr> for BorrowError {
    fn from(err: DbErr) -> Self {
        BorrowError::Db(err)
    }
}

/// Lends a copy of the title to the patron for `days` (the licence's longest loan when
/// absent). A copy set aside for the patron's ready hold is used first; otherwise the
/// free copy of the licence expiring soonest.
pub async fn borrow(
    db: &DatabaseConnection,
    library: &library::Model,
    product_id: i64,
    patron_id: &str,
    days: Option<i32>,
) -> Result<loan::Model, BorrowError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let title = Title::open_for(&txn, library.id, product_id, now, Some(patron_id)).await?;
    if running_loan(&txn, library.id, product_id, patron_id)
        .await?
        .is_some()
    {
        return Err(BorrowError::AlreadyBorrowed);
    }
    check_usable(&title, now, days)?;
    let hold = open_hold(&txn, library.id, product_id, patron_id).await?;
    let licence = match &hold {
        Some(hold) if hold.status == HoldStatus::Ready.as_str() => {
            claim(&txn, &title, hold, now, days).await?
        }
        _ => take_free_copy(&txn, &title, now, days).await?,
    };
    let Some(licence) = licence else {
        return Err(no_copy(&txn, library.id, product_id).await?);
    };
    if let Some(hold) = &hold {
        close_hold(&txn, hold, HoldStatus::Borrowed, now).await?;
    }
    let days = Ord::min(days.unwrap_or(licence.max_loan_days), licence.max_loan_days);
    let loan = loan::ActiveModel {
        uid: Set(ids::new_uid()),
        library_id: Set(library.id),
        merchant_id: Set(library.merchant_id),
        licence_id: Set(licence.id),
        product_id: Set(product_id),
        patron_id: Set(patron_id.to_owned()),
        status: Set(LoanStatus::Active.as_str().into()),
        created_at: Set(now),
        due_at: Set(now + Duration::days(i64::from(days))),
        ended_at: Set(None),
        downloaded_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| match is_unique_violation(&err) {
        true => BorrowError::AlreadyBorrowed,
        false => BorrowError::Db(err),
    })?;
    write_loan_event(&txn, &loan, "loan.created").await?;
    if licence.max_total_loans == Some(licence.loans_used + 1) {
        write_exhausted(&txn, &licence, now).await?;
    }
    effect::commit(txn, Effect::created("loans", &loan.uid)).await?;
    Ok(loan)
}

/// Refuses a loan no licence of the title could ever make now.
fn check_usable(title: &Title, now: DateTime<Utc>, days: Option<i32>) -> Result<(), BorrowError> {
    if title.licences.is_empty() {
        return Err(BorrowError::NotLicensed);
    }
    let usable: Vec<&licence::Model> = title
        .licences
        .iter()
        .filter(|l| LicenceStatus::of(l, now) == LicenceStatus::Active)
        .collect();
    if usable.is_empty() {
        let all_expired = title
            .licences
            .iter()
            .all(|l| LicenceStatus::of(l, now) == LicenceStatus::Expired);
        return Err(match all_expired {
            true => BorrowError::LicencesExpired,
            false => BorrowError::LicencesExhausted,
        });
    }
    let max_days = usable.iter().map(|l| l.max_loan_days).max().unwrap_or(0);
    match days {
        Some(days) if days > max_days => Err(BorrowError::TooLong { max_days }),
        _ => Ok(()),
    }
}

/// Takes a free copy: a conditional update, so the licence's terms hold whatever else
/// runs at the same time.
async fn take_free_copy(
    txn: &impl ConnectionTrait,
    title: &Title,
    now: DateTime<Utc>,
    days: Option<i32>,
) -> Result<Option<licence::Model>, BorrowError> {
    let Some(licence) = title.free_licence(now, days) else {
        return match title.free_licence(now, None) {
            Some(_) => Err(BorrowError::TooLong {
                max_days: free_days(title, now),
            }),
            None => Ok(None),
        };
    };
    let taken = licence::Entity::update_many()
        .col_expr(
            licence::Column::ActiveLoans,
            Expr::col(licence::Column::ActiveLoans).add(1),
        )
        .col_expr(
            licence::Column::LoansUsed,
            Expr::col(licence::Column::LoansUsed).add(1),
        )
        .filter(licence::Column::Id.eq(licence.id))
        .filter(free_copy_condition(now))
        .exec(txn)
        .await?;
    Ok((taken.rows_affected == 1).then_some(licence))
}

/// The longest loan a free copy of the title allows.
fn free_days(title: &Title, now: DateTime<Utc>) -> i32 {
    title
        .licences
        .iter()
        .filter(|l| has_free_copy(l, now))
        .map(|l| l.max_loan_days)
        .max()
        .unwrap_or(0)
}

/// Turns the copy set aside for the patron's ready hold into their loan (its licence still
/// valid: a ready hold on a licence that expired went back to waiting when the title opened).
async fn claim(
    txn: &impl ConnectionTrait,
    title: &Title,
    hold: &library_hold::Model,
    now: DateTime<Utc>,
    days: Option<i32>,
) -> Result<Option<licence::Model>, BorrowError> {
    let Some(licence) = hold
        .licence_id
        .and_then(|id| title.licences.iter().find(|l| l.id == id))
        .filter(|l| l.expires_at.is_none_or(|at| at > now))
    else {
        return Ok(None);
    };
    if days.is_some_and(|days| days > licence.max_loan_days) {
        return Err(BorrowError::TooLong {
            max_days: licence.max_loan_days,
        });
    }
    count(txn, licence.id, 1, -1, 1).await?;
    Ok(Some(licence.clone()))
}

/// The refusal when no copy is free: when the next one is due back, and how many wait.
async fn no_copy(txn: &impl ConnectionTrait, library_id: i64, product_id: i64) -> Result<BorrowError, DbErr> {
    let next_due_at: Option<DateTime<Utc>> = loan::Entity::find()
        .select_only()
        .column_as(loan::Column::DueAt.min(), "next")
        .filter(loan::Column::LibraryId.eq(library_id))
        .filter(loan::Column::ProductId.eq(product_id))
        .filter(loan::Column::Status.eq(LoanStatus::Active.as_str()))
        .into_tuple()
        .one(txn)
        .await?
        .flatten();
    let holds_waiting = library_hold::Entity::find()
        .filter(library_hold::Column::LibraryId.eq(library_id))
        .filter(library_hold::Column::ProductId.eq(product_id))
        .filter(
            library_hold::Column::Status.is_in([HoldStatus::Waiting.as_str(), HoldStatus::Ready.as_str()]),
        )
        .count(txn)
        .await?;
    Ok(BorrowError::NoCopy {
        next_due_at,
        holds_waiting,
    })
}

/// The patron's running loan of a title.
pub async fn running_loan(
    db: &impl ConnectionTrait,
    library_id: i64,
    product_id: i64,
    patron_id: &str,
) -> Result<Option<loan::Model>, DbErr> {
    loan::Entity::find()
        .filter(loan::Column::LibraryId.eq(library_id))
        .filter(loan::Column::ProductId.eq(product_id))
        .filter(loan::Column::PatronId.eq(patron_id))
        .filter(loan::Column::Status.eq(LoanStatus::Active.as_str()))
        .unique(db)
        .await
}

/// The patron's open (waiting or ready) hold on a title.
pub async fn open_hold(
    db: &impl ConnectionTrait,
    library_id: i64,
    product_id: i64,
    patron_id: &str,
) -> Result<Option<library_hold::Model>, DbErr> {
    library_hold::Entity::find()
        .filter(library_hold::Column::LibraryId.eq(library_id))
        .filter(library_hold::Column::ProductId.eq(product_id))
        .filter(library_hold::Column::PatronId.eq(patron_id))
        .filter(
            library_hold::Column::Status.is_in([HoldStatus::Waiting.as_str(), HoldStatus::Ready.as_str()]),
        )
        .unique(db)
        .await
}

async fn write_exhausted(
    txn: &impl ConnectionTrait,
    licence: &licence::Model,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    outbox::write_event(
        txn,
        outbox::NewEvent {
            merchant_id: licence.merchant_id,
            event_type: "licence.exhausted",
            subject_uid: &licence.uid,
            self_path: format!("/licences/{}", licence.uid),
            data: serde_json::json!({
                "uid": licence.uid,
                "status": "exhausted",
                "loans_used": licence.loans_used + 1,
                "max_total_loans": licence.max_total_loans,
                "exhausted_at": now.to_rfc3339(),
            }),
        },
    )
    .await
}

/// Why a loan cannot be returned.
#[derive(Debug)]
pub enum ReturnError {
    /// Already returned or expired.
    Ended(LoanStatus),
    Db(DbErr),
}

impl From<DbErr> for ReturnError {
    fn from(err: DbErr) -> Self {
        ReturnError::Db(err)
    }
}

/// Returns a running loan early: its copy goes back, to the first waiting hold if any.
pub async fn give_back(db: &DatabaseConnection, loan: &loan::Model) -> Result<loan::Model, ReturnError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let mut title = Title::open(&txn, loan.library_id, loan.product_id, now).await?;
    if !end_loan(&txn, loan, LoanStatus::Returned, now).await? {
        let current = reread(&txn, loan.id).await?;
        return Err(ReturnError::Ended(LoanStatus::from_stored(&current.status)?));
    }
    title.reload(&txn).await?;
    title.offer_free_copies(&txn, now).await?;
    let returned = reread(&txn, loan.id).await?;
    effect::commit(txn, Effect::changed("loans", &loan.uid)).await?;
    Ok(returned)
}

async fn reread(db: &impl ConnectionTrait, id: i64) -> Result<loan::Model, DbErr> {
    loan::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("loan".into()))
}

/// The library's loan with this uid, brought up to date: a loan past due is expired first
/// (and its copy passed on), so a read never shows a running loan that ran out.
pub async fn find(db: &DatabaseConnection, library_id: i64, uid: &str) -> Result<Option<loan::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let Some(loan) = loan::Entity::find()
        .filter(loan::Column::Uid.eq(uid))
        .filter(loan::Column::LibraryId.eq(library_id))
        .unique(db)
        .await?
    else {
        return Ok(None);
    };
    if loan.status != LoanStatus::Active.as_str() || loan.due_at > Utc::now() {
        return Ok(Some(loan));
    }
    let txn = begin_write(db).await?;
    Title::open(&txn, loan.library_id, loan.product_id, Utc::now()).await?;
    let current = reread(&txn, loan.id).await?;
    txn.commit().await?;
    Ok(Some(current))
}

/// Filters of a library's loan listing.
#[derive(Debug, Clone, Default)]
pub struct LoanFilter {
    pub patron_id: Option<String>,
    pub status: Option<LoanStatus>,
    pub product_id: Option<i64>,
}

/// A page of the library's loans, newest first, and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    library_id: i64,
    filter: &LoanFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<loan::Model>, u64), DbErr> {
    let mut query = loan::Entity::find().filter(loan::Column::LibraryId.eq(library_id));
    if let Some(patron) = &filter.patron_id {
        query = query.filter(loan::Column::PatronId.eq(patron.as_str()));
    }
    if let Some(status) = filter.status {
        query = match status {
            LoanStatus::Active => query
                .filter(loan::Column::Status.eq(status.as_str()))
                .filter(loan::Column::DueAt.gt(Utc::now())),
            LoanStatus::Expired => query.filter(
                sea_orm::Condition::any()
                    .add(loan::Column::Status.eq(status.as_str()))
                    .add(
                        sea_orm::Condition::all()
                            .add(loan::Column::Status.eq(LoanStatus::Active.as_str()))
                            .add(loan::Column::DueAt.lte(Utc::now())),
                    ),
            ),
            LoanStatus::Returned => query.filter(loan::Column::Status.eq(status.as_str())),
        };
    }
    if let Some(product_id) = filter.product_id {
        query = query.filter(loan::Column::ProductId.eq(product_id));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_desc(loan::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}

/// The status a loan shows: a running loan past due is expired even before the sweeper
/// records it.
pub fn shown_status(loan: &loan::Model, now: DateTime<Utc>) -> LoanStatus {
    match LoanStatus::from_stored(&loan.status) {
        Ok(LoanStatus::Active) if loan.due_at <= now => LoanStatus::Expired,
        Ok(status) => status,
        Err(_) => LoanStatus::Expired,
    }
}
