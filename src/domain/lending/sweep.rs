//! The background half of "a loan expires by itself": every title with a loan past due or
//! a hold offer not taken in time is brought up to date, one title per transaction, so
//! copies pass on to the holds queue even when nobody reads the loan.

use chrono::Utc;
use entity::{library_hold, loan};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::title::Title;
use crate::db::begin_write;
use crate::domain::status::{HoldStatus, LoanStatus};

/// Brings every title with something due up to date; answers how many titles it opened.
pub async fn run_once(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let now = Utc::now();
    let mut titles: Vec<(i64, i64)> = loan::Entity::find()
        .select_only()
        .column(loan::Column::LibraryId)
        .column(loan::Column::ProductId)
        .filter(loan::Column::Status.eq(LoanStatus::Active.as_str()))
        .filter(loan::Column::DueAt.lte(now))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    let offers: Vec<(i64, i64)> = library_hold::Entity::find()
        .select_only()
        .column(library_hold::Column::LibraryId)
        .column(library_hold::Column::ProductId)
        .filter(library_hold::Column::Status.eq(HoldStatus::Ready.as_str()))
        .filter(library_hold::Column::OfferExpiresAt.lte(now))
        .distinct()
        .into_tuple()
        .all(db)
        .await?;
    titles.extend(offers);
    titles.sort_unstable();
    titles.dedup();
    for &(library_id, product_id) in &titles {
        // One title that cannot be brought up to date now (a busy database) must not hold
        // up the others; it is tried again at the next sweep.
        if let Err(err) = sweep_title(db, library_id, product_id).await {
            tracing::warn!(library_id, product_id, error = %err, "cannot bring a title up to date");
        }
    }
    Ok(titles.len())
}

async fn sweep_title(db: &DatabaseConnection, library_id: i64, product_id: i64) -> Result<(), DbErr> {
    let txn = begin_write(db).await?;
    Title::open(&txn, library_id, product_id, Utc::now()).await?;
    txn.commit().await
}
