//! Holds: patrons queued for a title while every copy is out, served first come first
//! served. When a copy comes back the first hold is offered it for 48 hours; only that
//! patron may borrow it then, and an offer not taken passes to the next hold.

use crate::db::{FindUnique, begin_write, is_unique_violation};
use chrono::Utc;
use entity::{library, library_hold};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};

use super::{
    LicenceStatus,
    loans::{open_hold, running_loan},
    title::{Title, close_hold},
};
use crate::domain::{ids, status::HoldStatus};
use crate::effect::{self, Effect};

/// Why a hold cannot be placed.
#[derive(Debug)]
pub enum HoldError {
    NotLicensed,
    /// No licence of the title can lend again: a hold would never be served.
    NoUsableLicence,
    /// A copy is free: borrow it instead.
    CopyAvailable,
    AlreadyBorrowed,
    AlreadyOnHold {
        hold_uid: String,
    },
    Db(DbErr),
}

impl From<DbErr> for HoldError {
    fn from(err: DbErr) -> Self {
        HoldError::Db(err)
    }
}

/// Queues the patron for the title.
pub async fn place(
    db: &DatabaseConnection,
    library: &library::Model,
    product_id: i64,
    patron_id: &str,
) -> Result<library_hold::Model, HoldError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let title = Title::open(&txn, library.id, product_id, now).await?;
    if title.licences.is_empty() {
        return Err(HoldError::NotLicensed);
    }
    if !title
        .licences
        .iter()
        .any(|l| LicenceStatus::of(l, now) == LicenceStatus::Active)
    {
        return Err(HoldError::NoUsableLicence);
    }
    if running_loan(&txn, library.id, product_id, patron_id)
        .await?
        .is_some()
    {
        return Err(HoldError::AlreadyBorrowed);
    }
    if let Some(hold) = open_hold(&txn, library.id, product_id, patron_id).await? {
        return Err(HoldError::AlreadyOnHold { hold_uid: hold.uid });
    }
    if title.free_licence(now, None).is_some() {
        return Err(HoldError::CopyAvailable);
    }
    let waiting = library_hold::Entity::find()
        .filter(library_hold::Column::LibraryId.eq(library.id))
        .filter(library_hold::Column::ProductId.eq(product_id))
        .filter(library_hold::Column::Status.eq(HoldStatus::Waiting.as_str()))
        .count(&txn)
        .await?;
    if title
        .loans_left(now)
        .is_some_and(|left| left <= i64::try_from(waiting).unwrap_or(i64::MAX))
    {
        // Every loan the licences can still make is promised to a patron already waiting.
        return Err(HoldError::NoUsableLicence);
    }
    let hold = library_hold::ActiveModel {
        uid: Set(ids::new_uid()),
        library_id: Set(library.id),
        merchant_id: Set(library.merchant_id),
        product_id: Set(product_id),
        patron_id: Set(patron_id.to_owned()),
        status: Set(HoldStatus::Waiting.as_str().into()),
        licence_id: Set(None),
        created_at: Set(now),
        ready_at: Set(None),
        offer_expires_at: Set(None),
        closed_at: Set(None),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|err| match is_unique_violation(&err) {
        true => HoldError::AlreadyOnHold {
            hold_uid: String::new(),
        },
        false => HoldError::Db(err),
    })?;
    txn.commit().await?;
    Ok(hold)
}

/// Why a hold cannot be cancelled.
#[derive(Debug)]
pub enum CancelHoldError {
    Closed(HoldStatus),
    Db(DbErr),
}

impl From<DbErr> for CancelHoldError {
    fn from(err: DbErr) -> Self {
        CancelHoldError::Db(err)
    }
}

/// Takes the patron out of the queue; a copy set aside for them passes to the next hold.
pub async fn cancel(
    db: &DatabaseConnection,
    hold: &library_hold::Model,
) -> Result<library_hold::Model, CancelHoldError> {
    let now = Utc::now();
    let txn = begin_write(db).await?;
    let mut title =
        Title::open_for(&txn, hold.library_id, hold.product_id, now, Some(&hold.patron_id)).await?;
    let current = reread(&txn, hold.id).await?;
    if !close_hold(&txn, &current, HoldStatus::Cancelled, now).await? {
        let current = reread(&txn, hold.id).await?;
        return Err(CancelHoldError::Closed(HoldStatus::from_stored(&current.status)?));
    }
    title.reload(&txn).await?;
    title.offer_free_copies(&txn, now).await?;
    let cancelled = reread(&txn, hold.id).await?;
    effect::commit(txn, Effect::changed("holds", &hold.uid)).await?;
    Ok(cancelled)
}

async fn reread(db: &impl ConnectionTrait, id: i64) -> Result<library_hold::Model, DbErr> {
    library_hold::Entity::find_by_id(id)
        .unique(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("hold".into()))
}

/// The library's hold with this uid, brought up to date: a ready hold whose offer ran out
/// has lapsed (its copy passed on), one whose licence expired waits again.
pub async fn find(
    db: &DatabaseConnection,
    library_id: i64,
    uid: &str,
) -> Result<Option<library_hold::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    let Some(hold) = library_hold::Entity::find()
        .filter(library_hold::Column::Uid.eq(uid))
        .filter(library_hold::Column::LibraryId.eq(library_id))
        .unique(db)
        .await?
    else {
        return Ok(None);
    };
    if hold.status != HoldStatus::Ready.as_str() {
        return Ok(Some(hold));
    }
    let txn = begin_write(db).await?;
    Title::open(&txn, hold.library_id, hold.product_id, Utc::now()).await?;
    let current = reread(&txn, hold.id).await?;
    txn.commit().await?;
    Ok(Some(current))
}

/// Where a waiting hold is in its title's queue: 1 for the next to be served.
pub async fn position(db: &impl ConnectionTrait, hold: &library_hold::Model) -> Result<Option<u64>, DbErr> {
    if hold.status != HoldStatus::Waiting.as_str() {
        return Ok(None);
    }
    let ahead = library_hold::Entity::find()
        .filter(library_hold::Column::LibraryId.eq(hold.library_id))
        .filter(library_hold::Column::ProductId.eq(hold.product_id))
        .filter(library_hold::Column::Status.eq(HoldStatus::Waiting.as_str()))
        .filter(library_hold::Column::Id.lt(hold.id))
        .count(db)
        .await?;
    Ok(Some(ahead + 1))
}

/// Filters of a library's hold listing.
#[derive(Debug, Clone, Default)]
pub struct HoldFilter {
    pub patron_id: Option<String>,
    pub status: Option<HoldStatus>,
    pub product_id: Option<i64>,
}

/// A page of the library's holds, oldest first (queue order), and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    library_id: i64,
    filter: &HoldFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<library_hold::Model>, u64), DbErr> {
    let mut query = library_hold::Entity::find().filter(library_hold::Column::LibraryId.eq(library_id));
    if let Some(patron) = &filter.patron_id {
        query = query.filter(library_hold::Column::PatronId.eq(patron.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(library_hold::Column::Status.eq(status.as_str()));
    }
    if let Some(product_id) = filter.product_id {
        query = query.filter(library_hold::Column::ProductId.eq(product_id));
    }
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(library_hold::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}
