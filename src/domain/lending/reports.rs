//! The library's report: per title, its copies, this month's loans, the holds waiting and
//! the licences that expire within 30 days.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, TimeZone, Utc};
use entity::{library_hold, licence, loan, product};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

use super::LicenceStatus;
use crate::domain::status::HoldStatus;

/// One title of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleRow {
    pub product: product::Model,
    /// Every licence bought.
    pub copies: u64,
    /// Licences that can still lend (neither exhausted nor expired).
    pub usable_copies: u64,
    pub active_loans: u64,
    /// Loans made since the first of this month (UTC).
    pub loans_this_month: u64,
    pub holds_waiting: u64,
    /// Usable licences whose `expires_at` falls within the next 30 days.
    pub expiring_in_30_days: u64,
}

/// The report at `now`, one row per title the library holds licences of, by title.
pub async fn titles(
    db: &impl ConnectionTrait,
    library_id: i64,
    now: DateTime<Utc>,
) -> Result<Vec<TitleRow>, DbErr> {
    let licences = licence::Entity::find()
        .filter(licence::Column::LibraryId.eq(library_id))
        .all(db)
        .await?;
    let month_start = Utc
        .with_ymd_and_hms(now.year(), now.month(), 1, 0, 0, 0)
        .single()
        .unwrap_or(now);
    let loans: Vec<i64> = loan::Entity::find()
        .select_only()
        .column(loan::Column::ProductId)
        .filter(loan::Column::LibraryId.eq(library_id))
        .filter(loan::Column::CreatedAt.gte(month_start))
        .into_tuple()
        .all(db)
        .await?;
    let holds: Vec<i64> = library_hold::Entity::find()
        .select_only()
        .column(library_hold::Column::ProductId)
        .filter(library_hold::Column::LibraryId.eq(library_id))
        .filter(
            library_hold::Column::Status.is_in([HoldStatus::Waiting.as_str(), HoldStatus::Ready.as_str()]),
        )
        .into_tuple()
        .all(db)
        .await?;
    let products = product::Entity::find()
        .filter(product::Column::Id.is_in(licences.iter().map(|l| l.product_id)))
        .all(db)
        .await?;
    let mut rows: BTreeMap<i64, TitleRow> = BTreeMap::new();
    for product in products {
        let id = product.id;
        let own: Vec<&licence::Model> = licences.iter().filter(|l| l.product_id == id).collect();
        let usable: Vec<&&licence::Model> = own
            .iter()
            .filter(|l| LicenceStatus::of(l, now) == LicenceStatus::Active)
            .collect();
        rows.insert(
            id,
            TitleRow {
                copies: own.len() as u64,
                usable_copies: usable.len() as u64,
                active_loans: own.iter().map(|l| l.active_loans.max(0) as u64).sum(),
                loans_this_month: loans.iter().filter(|p| **p == id).count() as u64,
                holds_waiting: holds.iter().filter(|p| **p == id).count() as u64,
                expiring_in_30_days: usable
                    .iter()
                    .filter(|l| l.expires_at.is_some_and(|at| at <= now + Duration::days(30)))
                    .count() as u64,
                product,
            },
        );
    }
    let mut rows: Vec<TitleRow> = rows.into_values().collect();
    rows.sort_by(|a, b| {
        a.product
            .title
            .cmp(&b.product.title)
            .then(a.product.id.cmp(&b.product.id))
    });
    Ok(rows)
}

/// The report as CSV: a header line, then one line per title.
pub fn csv(rows: &[TitleRow]) -> Result<String, String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let header = [
        "title",
        "isbn",
        "copies",
        "usable_copies",
        "active_loans",
        "loans_this_month",
        "holds_waiting",
        "licences_expiring_in_30_days",
    ];
    writer.write_record(header).map_err(|err| err.to_string())?;
    for row in rows {
        writer
            .write_record([
                row.product.title.clone(),
                row.product.isbn.clone().unwrap_or_default(),
                row.copies.to_string(),
                row.usable_copies.to_string(),
                row.active_loans.to_string(),
                row.loans_this_month.to_string(),
                row.holds_waiting.to_string(),
                row.expiring_in_30_days.to_string(),
            ])
            .map_err(|err| err.to_string())?;
    }
    String::from_utf8(writer.into_inner().map_err(|err| err.to_string())?).map_err(|err| err.to_string())
}
