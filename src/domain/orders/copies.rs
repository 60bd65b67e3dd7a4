//! Copies of what checkout reads on every cart and almost never changes: products by uid,
//! a country's tax rates, the key that derives guests' customer ids.
//!
//! A copy is served while no write began through this instance since it was loaded, and for
//! at most [`FRESH_FOR`](crate::cache::FRESH_FOR) (other instances and the admin commands
//! write to the same database). Placing an order checks, inside its transaction, that each
//! product is still at the version it was priced at, and prices again from the database
//! when one is not: a copy can make a bill a second old, never an order.

use std::sync::Arc;

use entity::product;
use sea_orm::{ConnectionTrait, DbErr};
use tokio::sync::OnceCell;

use crate::{
    cache::{Copies, FRESH_FOR, Writes},
    domain::{catalogue, secrets, taxes::CountryTaxes},
};

/// At most this many products and countries are kept.
const MAX_COPIES: usize = 10_000;

#[derive(Debug)]
pub struct CheckoutCopies {
    products: Copies<String, Option<product::Model>>,
    taxes: Copies<String, CountryTaxes>,
    customer_id_key: OnceCell<String>,
}

impl CheckoutCopies {
    /// Copies made stale by every write counted in `writes`.
    pub fn new(writes: Arc<Writes>) -> Self {
        Self {
            products: Copies::new(writes.clone(), FRESH_FOR, MAX_COPIES),
            taxes: Copies::new(writes, FRESH_FOR, MAX_COPIES),
            customer_id_key: OnceCell::new(),
        }
    }

    /// The product with this uid, if there is one.
    pub async fn product(
        &self,
        db: &impl ConnectionTrait,
        uid: &str,
    ) -> Result<Option<product::Model>, DbErr> {
        let key = uid.to_owned();
        if let Some(found) = self.products.get(&key) {
            return Ok(found);
        }
        let stamp = self.products.stamp();
        let found = catalogue::find(db, uid).await?;
        self.products.put(key, stamp, found.clone());
        Ok(found)
    }

    /// The tax rates of a country.
    pub async fn taxes(&self, db: &impl ConnectionTrait, country: &str) -> Result<CountryTaxes, DbErr> {
        let key = country.to_owned();
        if let Some(found) = self.taxes.get(&key) {
            return Ok(found);
        }
        let stamp = self.taxes.stamp();
        let found = CountryTaxes::load(db, country).await?;
        self.taxes.put(key, stamp, found.clone());
        Ok(found)
    }

    /// The server's key for guests' customer ids (created once, never changed).
    pub async fn customer_id_key(&self, db: &impl ConnectionTrait) -> Result<String, DbErr> {
        self.customer_id_key
            .get_or_try_init(|| secrets::get_or_create(db, secrets::CUSTOMER_ID_KEY))
            .await
            .cloned()
    }
}
