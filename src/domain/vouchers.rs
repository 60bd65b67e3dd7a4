//! Vouchers: store credit with a code, used once in a later order — and given back whole
//! when that order ends without a sale.

use crate::db::FindUnique;
use chrono::Utc;
use entity::voucher;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, sea_query::Expr,
};

use super::{money::Money, status::VoucherStatus};
use crate::{
    db::{self, is_unique_violation},
    effect::{self, Effect},
};

/// Characters of voucher codes and access codes: no 0/O, 1/I/L, so that a code read
/// aloud or printed on a receipt is typed back right.
pub const UNAMBIGUOUS: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// A random code of `length` characters from [`UNAMBIGUOUS`].
pub fn random_code(length: usize) -> String {
    let mut bytes = vec![0u8; length];
    rand::fill(&mut bytes[..]);
    bytes
        .into_iter()
        .map(|b| UNAMBIGUOUS[usize::from(b) % UNAMBIGUOUS.len()] as char)
        .collect()
}

/// Normalises a code as typed by a person: trimmed, upper case, hyphens and spaces removed.
pub fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !matches!(c, '-' | ' '))
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// Issues a voucher on the merchant's request, recording the effect for its idempotency
/// key in the same transaction.
pub async fn issue_requested(
    db: &DatabaseConnection,
    merchant_id: i64,
    amount: Money,
) -> Result<voucher::Model, DbErr> {
    let txn = db::begin_write(db).await?;
    let voucher = issue(&txn, merchant_id, amount, "merchant").await?;
    effect::commit(txn, Effect::created("vouchers", &voucher.code)).await?;
    Ok(voucher)
}

/// Issues a voucher worth `amount` for the merchant's shop.
pub async fn issue(
    db: &impl ConnectionTrait,
    merchant_id: i64,
    amount: Money,
    source: &str,
) -> Result<voucher::Model, DbErr> {
    loop {
        let inserted = voucher::ActiveModel {
            code: Set(random_code(12)),
            merchant_id: Set(merchant_id),
            amount_minor: Set(amount.minor()),
            currency: Set(amount.currency().code().to_owned()),
            status: Set(VoucherStatus::Active.as_str().into()),
            source: Set(source.to_owned()),
            order_id: Set(None),
            applied_minor: Set(None),
            created_at: Set(Utc::now()),
            redeemed_at: Set(None),
            ..Default::default()
        }
        .insert(db)
        .await;
        match inserted {
            Err(err) if is_unique_violation(&err) => continue,
            other => return other,
        }
    }
}

pub async fn find(db: &impl ConnectionTrait, code: &str) -> Result<Option<voucher::Model>, DbErr> {
    voucher::Entity::find()
        .filter(voucher::Column::Code.eq(normalise(code)))
        .unique(db)
        .await
}

/// Which of a merchant's vouchers to list.
#[derive(Debug, Clone, Copy, Default)]
pub struct VoucherFilter<'a> {
    pub status: Option<VoucherStatus>,
    /// `merchant` (issued by hand) or `refund`.
    pub source: Option<&'a str>,
}

/// A page of the merchant's vouchers, newest first, and how many match.
pub async fn list(
    db: &DatabaseConnection,
    merchant_id: i64,
    filter: VoucherFilter<'_>,
    offset: u64,
    limit: u64,
) -> Result<(Vec<voucher::Model>, u64), DbErr> {
    let mut query = voucher::Entity::find().filter(voucher::Column::MerchantId.eq(merchant_id));
    if let Some(status) = filter.status {
        query = query.filter(voucher::Column::Status.eq(status.as_str()));
    }
    if let Some(source) = filter.source {
        query = query.filter(voucher::Column::Source.eq(source));
    }
    let count = query.clone().count(db).await?;
    let items = query
        .order_by_desc(voucher::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(db)
        .await?;
    Ok((items, count))
}

/// Marks a voucher used by an order, if it is still active. The condition is part of the
/// UPDATE: of two orders racing for one voucher, exactly one gets `true`.
pub async fn redeem(
    db: &impl ConnectionTrait,
    voucher_id: i64,
    order_id: i64,
    applied: Money,
) -> Result<bool, DbErr> {
    let result = voucher::Entity::update_many()
        .col_expr(
            voucher::Column::Status,
            Expr::value(VoucherStatus::Redeemed.as_str()),
        )
        .col_expr(voucher::Column::OrderId, Expr::value(order_id))
        .col_expr(voucher::Column::AppliedMinor, Expr::value(applied.minor()))
        .col_expr(voucher::Column::RedeemedAt, Expr::value(Utc::now()))
        .filter(voucher::Column::Id.eq(voucher_id))
        .filter(voucher::Column::Status.eq(VoucherStatus::Active.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected == 1)
}

/// Gives back the vouchers an order used, whole and usable again, in the caller's
/// transaction — the one that ends the order without a sale (cancellation, expiry). Only
/// vouchers still redeemed by this order change, in the UPDATE itself. Returns how many.
pub async fn give_back(db: &impl ConnectionTrait, order_id: i64) -> Result<u64, DbErr> {
    let result = voucher::Entity::update_many()
        .col_expr(
            voucher::Column::Status,
            Expr::value(VoucherStatus::Active.as_str()),
        )
        .col_expr(voucher::Column::OrderId, Expr::value(Option::<i64>::None))
        .col_expr(voucher::Column::AppliedMinor, Expr::value(Option::<i64>::None))
        .col_expr(
            voucher::Column::RedeemedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .filter(voucher::Column::OrderId.eq(order_id))
        .filter(voucher::Column::Status.eq(VoucherStatus::Redeemed.as_str()))
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_use_only_unambiguous_characters() {
        let code = random_code(12);
        assert_eq!(code.len(), 12);
        assert!(code.bytes().all(|b| UNAMBIGUOUS.contains(&b)));
        for confusable in ['0', 'O', '1', 'I', 'L'] {
            assert!(!UNAMBIGUOUS.contains(&(confusable as u8)));
        }
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(normalise(" abcd-efgh 2345 "), "ABCDEFGH2345");
    }
}
