//! The loan, hold or licence a lending event reports, as its library reads it.

use entity::{library, library_hold, licence, loan};
use sea_orm::{ColumnTrait, DatabaseTransaction, DbErr, EntityTrait, QueryFilter};
use serde_json::Value;

use super::view::{HoldRepr, LicenceRepr, LicenceSubjects, LoanRepr};
use crate::{
    api::representations::json,
    db::FindUnique,
    domain::lending::{holds, names},
    http::hal::Hal,
};

async fn library_uid(txn: &DatabaseTransaction, id: i64) -> Result<String, DbErr> {
    Ok(library::Entity::find_by_id(id)
        .unique(txn)
        .await?
        .map(|l| l.uid)
        .unwrap_or_default())
}

pub async fn loan(hal: &Hal, txn: &DatabaseTransaction, uid: &str) -> Result<Option<Value>, DbErr> {
    let Some(loan) = loan::Entity::find()
        .filter(loan::Column::Uid.eq(uid))
        .unique(txn)
        .await?
    else {
        return Ok(None);
    };
    let wanted = names::Wanted {
        products: vec![loan.product_id],
        licences: vec![loan.licence_id],
        ..Default::default()
    };
    let uids = names::uids(txn, &wanted).await?;
    let library = library_uid(txn, loan.library_id).await?;
    let on = (
        library.as_str(),
        uids.product(loan.product_id),
        uids.licence(loan.licence_id),
    );
    json(LoanRepr::new(hal, &loan, on, None))
}

pub async fn hold(hal: &Hal, txn: &DatabaseTransaction, uid: &str) -> Result<Option<Value>, DbErr> {
    let Some(hold) = library_hold::Entity::find()
        .filter(library_hold::Column::Uid.eq(uid))
        .unique(txn)
        .await?
    else {
        return Ok(None);
    };
    let wanted = names::Wanted {
        products: vec![hold.product_id],
        ..Default::default()
    };
    let uids = names::uids(txn, &wanted).await?;
    let library = library_uid(txn, hold.library_id).await?;
    let position = holds::position(txn, &hold).await?;
    json(HoldRepr::new(
        hal,
        &hold,
        (&library, uids.product(hold.product_id)),
        position,
        None,
    ))
}

pub async fn licence(hal: &Hal, txn: &DatabaseTransaction, uid: &str) -> Result<Option<Value>, DbErr> {
    let Some(licence) = licence::Entity::find()
        .filter(licence::Column::Uid.eq(uid))
        .unique(txn)
        .await?
    else {
        return Ok(None);
    };
    let wanted = names::Wanted {
        products: vec![licence.product_id],
        orders: vec![licence.order_id],
        offers: vec![licence.offer_id],
        ..Default::default()
    };
    let uids = names::uids(txn, &wanted).await?;
    let library = library_uid(txn, licence.library_id).await?;
    let on = LicenceSubjects {
        library_uid: &library,
        product_uid: uids.product(licence.product_id),
        order_uid: uids.order(licence.order_id),
        offer_uid: uids.offer(licence.offer_id),
    };
    json(LicenceRepr::new(hal, &licence, &on))
}
