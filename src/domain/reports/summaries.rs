//! The `sales_summary.daily` event: once a merchant's day has closed in its time zone, one
//! outbox event carries that day's summary. Every instance runs [`close_days`]; the event
//! is written in the same transaction as a `daily_sales_summary` row that is unique per
//! (merchant, day), and a conflicting insert writes nothing, so the event exists exactly
//! once per merchant-day whatever the number of instances.
//!
//! Which days: from the local day of the merchant's first sale (its first paid order) on,
//! every closed day in order, days without sales included (they carry empty totals, so a
//! receiver can tell "nothing sold" from "not sent"). Nothing is written for a merchant
//! that never sold. The first time a shop is summarised, days older than
//! [`BACKFILL_DAYS`] before the last closed day are not summarised: their reports stay
//! readable at `GET /reports/daily_sales?date=…`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use entity::{daily_sales_summary, merchant, order};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::OnConflict,
};

use super::{DailySales, MerchantZone, daily_sales};
use crate::{db::begin_write, domain::outbox};

/// The type of the event.
pub const EVENT_TYPE: &str = "sales_summary.daily";

/// How many closed days a shop's first summaries reach back.
pub const BACKFILL_DAYS: i64 = 7;

/// At most this many days are closed for one merchant in one pass.
const DAYS_PER_PASS: usize = 31;

/// How long after its end a day is closed: longer than any write that stamped a time just
/// before midnight takes to commit (writers give up after 15 s), so that a day's figures,
/// read once, already hold all of it.
const SETTLING: Duration = Duration::minutes(2);

/// Writes the event of every closed day not yet summarised, for every merchant; returns
/// how many events this call wrote. `render` gives the event's data for a day.
pub async fn close_days(
    db: &DatabaseConnection,
    now: DateTime<Utc>,
    render: &(dyn Fn(&merchant::Model, &DailySales) -> serde_json::Value + Sync),
) -> Result<usize, DbErr> {
    let mut written = 0;
    for merchant in merchant::Entity::find()
        .order_by_asc(merchant::Column::Id)
        .all(db)
        .await?
    {
        for date in due_days(db, &merchant, now).await? {
            if close_day(db, &merchant, date, render).await? {
                written += 1;
            }
        }
    }
    Ok(written)
}

/// The merchant's closed days still without their event, oldest first.
async fn due_days(
    db: &DatabaseConnection,
    merchant: &merchant::Model,
    now: DateTime<Utc>,
) -> Result<Vec<NaiveDate>, DbErr> {
    let zone = MerchantZone::of_stored(&merchant.time_zone);
    let Some(last_closed) = zone.date_at(now - SETTLING).pred_opt() else {
        return Ok(Vec::new());
    };
    let last_done = daily_sales_summary::Entity::find()
        .filter(daily_sales_summary::Column::MerchantId.eq(merchant.id))
        .order_by_desc(daily_sales_summary::Column::Day)
        .one(db)
        .await?
        .and_then(|row| row.day.parse::<NaiveDate>().ok());
    let first = match last_done {
        Some(done) => done.succ_opt(),
        None => first_sale_day(db, merchant, zone)
            .await?
            .map(|first| first.max(last_closed - Duration::days(BACKFILL_DAYS - 1))),
    };
    let Some(first) = first else {
        return Ok(Vec::new());
    };
    Ok(first
        .iter_days()
        .take_while(|date| *date <= last_closed)
        .take(DAYS_PER_PASS)
        .collect())
}

async fn first_sale_day(
    db: &DatabaseConnection,
    merchant: &merchant::Model,
    zone: MerchantZone,
) -> Result<Option<NaiveDate>, DbErr> {
    let first = order::Entity::find()
        .filter(order::Column::MerchantId.eq(merchant.id))
        .filter(order::Column::PaidAt.is_not_null())
        .order_by_asc(order::Column::PaidAt)
        .one(db)
        .await?;
    Ok(first.and_then(|o| o.paid_at).map(|paid| zone.date_at(paid)))
}

/// Writes the day's event unless it exists; returns whether this call wrote it. The day is
/// over, so its figures are read first, outside the write transaction: a busy day's figures
/// take a while to add up, and writers should not wait for them.
pub async fn close_day(
    db: &DatabaseConnection,
    merchant: &merchant::Model,
    date: NaiveDate,
    render: &(dyn Fn(&merchant::Model, &DailySales) -> serde_json::Value + Sync),
) -> Result<bool, DbErr> {
    let zone = MerchantZone::of_stored(&merchant.time_zone);
    let day = zone.day(date);
    let closed = daily_sales_summary::Entity::find()
        .filter(daily_sales_summary::Column::MerchantId.eq(merchant.id))
        .filter(daily_sales_summary::Column::Day.eq(date.to_string()))
        .all(db)
        .await?;
    if !closed.is_empty() {
        return Ok(false);
    }
    let sales = daily_sales(db, merchant, &day, None).await?;
    let txn = begin_write(db).await?;
    let inserted = daily_sales_summary::Entity::insert(daily_sales_summary::ActiveModel {
        merchant_id: Set(merchant.id),
        day: Set(date.to_string()),
        time_zone: Set(zone.name().to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            daily_sales_summary::Column::MerchantId,
            daily_sales_summary::Column::Day,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    if inserted == 0 {
        txn.rollback().await?;
        return Ok(false);
    }
    outbox::write_event(
        &txn,
        outbox::NewEvent {
            merchant_id: merchant.id,
            event_type: EVENT_TYPE,
            subject_uid: &merchant.uid,
            self_path: format!("/reports/daily_sales?date={date}"),
            data: render(merchant, &sales),
        },
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}
