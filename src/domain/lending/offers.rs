//! Licence offers: what a merchant sells libraries for one ebook, at what price and terms.

use crate::db::{FindUnique, begin_write};
use crate::effect::{self, Effect};
use chrono::Utc;
use entity::{library_offer, product};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    QueryFilter, QueryOrder,
};

use super::{super::ids, super::money::Money, TermError, Terms};

/// Why an offer cannot be added.
#[derive(Debug)]
pub enum OfferError {
    /// Only ebooks are lent.
    NotAnEbook,
    /// The price is in another currency than the product's.
    CurrencyMismatch {
        expected: String,
    },
    Terms(Vec<TermError>),
    Db(DbErr),
}

impl From<DbErr> for OfferError {
    fn from(err: DbErr) -> Self {
        OfferError::Db(err)
    }
}

/// Adds an offer to a product of the merchant, as the change of the caller's request (an
/// `Idempotency-Key` retry replays it).
pub async fn create(
    db: &DatabaseConnection,
    product: &product::Model,
    price: Money,
    terms: Terms,
) -> Result<library_offer::Model, OfferError> {
    let txn = begin_write(db).await?;
    let offer = insert(&txn, product, price, terms).await?;
    effect::commit(txn, Effect::created("library_offers", &offer.uid)).await?;
    Ok(offer)
}

/// Checks and writes an offer in the caller's transaction.
pub async fn insert(
    db: &impl ConnectionTrait,
    product: &product::Model,
    price: Money,
    terms: Terms,
) -> Result<library_offer::Model, OfferError> {
    if product.kind != "ebook" {
        return Err(OfferError::NotAnEbook);
    }
    if price.currency().code() != product.currency {
        return Err(OfferError::CurrencyMismatch {
            expected: product.currency.clone(),
        });
    }
    let errors = terms.check();
    if !errors.is_empty() {
        return Err(OfferError::Terms(errors));
    }
    Ok(library_offer::ActiveModel {
        uid: Set(ids::new_uid()),
        merchant_id: Set(product.merchant_id),
        product_id: Set(product.id),
        price_minor: Set(price.minor()),
        currency: Set(product.currency.clone()),
        max_concurrent_loans: Set(terms.max_concurrent_loans),
        max_total_loans: Set(terms.max_total_loans),
        valid_months: Set(terms.valid_months),
        max_loan_days: Set(terms.max_loan_days),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// The offer with this uid.
pub async fn find(db: &impl ConnectionTrait, uid: &str) -> Result<Option<library_offer::Model>, DbErr> {
    if !ids::is_uid(uid) {
        return Ok(None);
    }
    library_offer::Entity::find()
        .filter(library_offer::Column::Uid.eq(uid))
        .unique(db)
        .await
}

/// The offers of these products, oldest first.
pub async fn of_products(
    db: &impl ConnectionTrait,
    product_ids: impl IntoIterator<Item = i64>,
) -> Result<Vec<library_offer::Model>, DbErr> {
    library_offer::Entity::find()
        .filter(library_offer::Column::ProductId.is_in(product_ids))
        .order_by_asc(library_offer::Column::Id)
        .all(db)
        .await
}

/// The terms of an offer.
pub fn terms_of(offer: &library_offer::Model) -> Terms {
    Terms {
        max_concurrent_loans: offer.max_concurrent_loans,
        max_total_loans: offer.max_total_loans,
        valid_months: offer.valid_months,
        max_loan_days: offer.max_loan_days,
    }
}
