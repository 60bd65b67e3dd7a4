//! Shared application state handed to every resource.

use std::sync::Arc;

use entity::merchant;
use sea_orm::DatabaseConnection;

use crate::{
    api::orders::kept::KeptOrders,
    auth::CustomerAuthentication,
    cache::{Expiring, Writes},
    config::Settings,
    domain::{
        orders::{CheckoutCopies, changes::SharedReads},
        sandbox::SandboxKey,
        webhooks::sealing::SealingKey,
    },
    http::{hal::Hal, public_cache::PublicCache},
};

/// Everything a request handler may need. Nothing here must be consistent across
/// instances: that lives in the database, and the copies kept here expire within seconds.
#[derive(Debug)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub hal: Arc<Hal>,
    pub customers: CustomerAuthentication,
    /// Key of the HMAC that authenticates payment-provider notifications.
    pub payment_secret: String,
    /// Key from which each order's sandbox payment secret is derived.
    pub sandbox_key: SandboxKey,
    pub settings: Settings,
    /// The shop operator shown at the root, so that `GET /` does not query it every time.
    pub shop_operator: Expiring<Arc<merchant::Model>>,
    /// Writes begun through this instance: they make the copies below stale.
    pub writes: Arc<Writes>,
    /// Rendered answers to anonymous catalogue reads.
    pub public_cache: Arc<PublicCache>,
    /// Products, tax rates and keys that checkout reads for every cart.
    pub checkout: CheckoutCopies,
    /// Seals and opens the signing secrets of webhook endpoints.
    pub webhook_key: SealingKey,
    /// Kept copies of order representations, each served only while it is current.
    pub kept_orders: KeptOrders,
    /// Reads of an order with its merchant and change mark, shared by concurrent readers.
    pub order_reads: SharedReads,
}

pub type SharedState = Arc<AppState>;
