//! The uids a lending resource's links name (its product, licence, order, offer), read in
//! one query per kind for a whole page.

use std::collections::HashMap;

use entity::{library_offer, licence, order, product};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};

/// uids by row id, per kind.
#[derive(Debug, Clone, Default)]
pub struct Uids {
    pub products: HashMap<i64, String>,
    pub licences: HashMap<i64, String>,
    pub orders: HashMap<i64, String>,
    pub offers: HashMap<i64, String>,
}

impl Uids {
    pub fn product(&self, id: i64) -> &str {
        self.products.get(&id).map_or("", String::as_str)
    }

    pub fn licence(&self, id: i64) -> &str {
        self.licences.get(&id).map_or("", String::as_str)
    }

    pub fn order(&self, id: i64) -> &str {
        self.orders.get(&id).map_or("", String::as_str)
    }

    pub fn offer(&self, id: i64) -> &str {
        self.offers.get(&id).map_or("", String::as_str)
    }
}

/// The ids whose uids to read.
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub products: Vec<i64>,
    pub licences: Vec<i64>,
    pub orders: Vec<i64>,
    pub offers: Vec<i64>,
}

macro_rules! uids_of {
    ($db:expr, $entity:ident, $ids:expr) => {
        async {
            if $ids.is_empty() {
                return Ok::<HashMap<i64, String>, DbErr>(HashMap::new());
            }
            let rows: Vec<(i64, String)> = $entity::Entity::find()
                .select_only()
                .column($entity::Column::Id)
                .column($entity::Column::Uid)
                .filter($entity::Column::Id.is_in($ids.iter().copied()))
                .into_tuple()
                .all($db)
                .await?;
            Ok(rows.into_iter().collect())
        }
    };
}

/// Reads the uids of every wanted row.
pub async fn uids(db: &impl ConnectionTrait, wanted: &Wanted) -> Result<Uids, DbErr> {
    Ok(Uids {
        products: uids_of!(db, product, wanted.products).await?,
        licences: uids_of!(db, licence, wanted.licences).await?,
        orders: uids_of!(db, order, wanted.orders).await?,
        offers: uids_of!(db, library_offer, wanted.offers).await?,
    })
}
