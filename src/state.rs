//! Shared application state handed to every resource.

use std::sync::Arc;

use sea_orm::DatabaseConnection;

use crate::{auth::CustomerAuthentication, config::Settings, domain::sandbox::SandboxKey, http::hal::Hal};

/// Everything a request handler may need. Nothing here must be consistent across
/// instances: that lives in the database.
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
}

pub type SharedState = Arc<AppState>;
