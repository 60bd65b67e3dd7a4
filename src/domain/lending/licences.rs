//! Licences: one per copy a library bought, issued when the sale of its order registers.

use crate::db::FindUnique;
use chrono::{DateTime, Months, Utc};
use entity::{library_offer, licence, order, order_line};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, ExprTrait},
};

use super::{LicenceStatus, title::Title};
use crate::domain::ids;

/// Issues the licences of every licence line of a sold order, then gives the new copies to
/// the waiting holds of each title. The titles are opened (their licences locked) only once
/// every licence is written, in product order, as every other change locks them: two sales
/// to one library never wait on each other in a cycle.
pub async fn issue_all(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    lines: &[order_line::Model],
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let Some(library_id) = order.library_id else {
        return Ok(());
    };
    let mut titles = Vec::new();
    for line in lines.iter().filter(|line| line.library_offer_id.is_some()) {
        issue(txn, order, line, now).await?;
        titles.push(line.product_id);
    }
    titles.sort_unstable();
    titles.dedup();
    for product_id in titles {
        // Opening the title hands the new copies to its waiting holds.
        Title::open(txn, library_id, product_id, now).await?;
    }
    Ok(())
}

/// Issues one licence per unit of a licence line, with the offer's terms as sold. The unique
/// (line, unit) key makes a second issue impossible.
async fn issue(
    txn: &impl ConnectionTrait,
    order: &order::Model,
    line: &order_line::Model,
    now: DateTime<Utc>,
) -> Result<Vec<licence::Model>, DbErr> {
    let (Some(library_id), Some(offer_id)) = (order.library_id, line.library_offer_id) else {
        return Ok(Vec::new());
    };
    let offer = library_offer::Entity::find_by_id(offer_id)
        .unique(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("library offer of a licence line".into()))?;
    let expires_at = offer
        .valid_months
        .and_then(|months| now.checked_add_months(Months::new(months.unsigned_abs())));
    let mut issued = Vec::new();
    for unit in 0..line.quantity {
        let licence = licence::ActiveModel {
            uid: Set(ids::new_uid()),
            library_id: Set(library_id),
            merchant_id: Set(order.merchant_id),
            product_id: Set(line.product_id),
            offer_id: Set(offer.id),
            order_id: Set(order.id),
            order_line_id: Set(line.id),
            unit: Set(unit),
            price_minor: Set(line.unit_price_minor),
            currency: Set(order.currency.clone()),
            max_concurrent_loans: Set(offer.max_concurrent_loans),
            max_total_loans: Set(offer.max_total_loans),
            valid_months: Set(offer.valid_months),
            max_loan_days: Set(offer.max_loan_days),
            loans_used: Set(0),
            active_loans: Set(0),
            held_copies: Set(0),
            expires_at: Set(expires_at),
            created_at: Set(now),
            ..Default::default()
        }
        .insert(txn)
        .await?;
        issued.push(licence);
    }
    Ok(issued)
}

/// The library's licence with this uid.
pub async fn find(
    db: &impl ConnectionTrait,
    library_id: i64,
    uid: &str,
) -> Result<Option<licence::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    licence::Entity::find()
        .filter(licence::Column::Uid.eq(uid))
        .filter(licence::Column::LibraryId.eq(library_id))
        .unique(db)
        .await
}

/// Filters of a library's licence listing.
#[derive(Debug, Clone, Default)]
pub struct LicenceFilter {
    pub product_id: Option<i64>,
    pub status: Option<LicenceStatus>,
}

/// A page of the library's licences, oldest first, and how many match.
pub async fn list(
    db: &impl ConnectionTrait,
    library_id: i64,
    filter: &LicenceFilter,
    offset: u64,
    limit: u64,
) -> Result<(Vec<licence::Model>, u64), DbErr> {
    let now = Utc::now();
    let mut query = licence::Entity::find().filter(licence::Column::LibraryId.eq(library_id));
    if let Some(product_id) = filter.product_id {
        query = query.filter(licence::Column::ProductId.eq(product_id));
    }
    let unexpired = Condition::any()
        .add(licence::Column::ExpiresAt.is_null())
        .add(licence::Column::ExpiresAt.gt(now));
    let used_up = Condition::all()
        .add(licence::Column::MaxTotalLoans.is_not_null())
        .add(Expr::col(licence::Column::LoansUsed).gte(Expr::col(licence::Column::MaxTotalLoans)));
    query = match filter.status {
        None => query,
        Some(LicenceStatus::Expired) => query.filter(licence::Column::ExpiresAt.lte(now)),
        Some(LicenceStatus::Exhausted) => query.filter(unexpired).filter(used_up),
        Some(LicenceStatus::Active) => query.filter(unexpired).filter(used_up.not()),
    };
    let total = query.clone().count(db).await?;
    let items = query
        .order_by_asc(licence::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, total))
}
