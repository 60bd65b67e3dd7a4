//! SeaORM entities for halshop, one module per table. They carry storage shapes only;
//! the rules live in the server's `domain` module.
//!
//! Each is a plain `DeriveEntityModel` with an empty `Relation`: halshop reads related rows
//! with queries of its own, so the relation loaders that `#[sea_orm::model]` generates would
//! only more than double this crate's build time.

pub mod daily_sales_summary;
pub mod delivery;
pub mod dev_idp_key;
pub mod download_link;
pub mod event;
pub mod idempotency_key;
pub mod library;
pub mod library_hold;
pub mod library_offer;
pub mod licence;
pub mod loan;
pub mod loan_link;
pub mod mail;
pub mod merchant;
pub mod order;
pub mod order_line;
pub mod outbox_event;
pub mod payment;
pub mod product;
pub mod refund;
pub mod refund_request;
pub mod scanner;
pub mod server_secret;
pub mod store;
pub mod store_transaction;
pub mod tax_rate;
pub mod ticket;
pub mod ticket_key;
pub mod ticket_revocation;
pub mod voucher;
pub mod webhook_attempt;
pub mod webhook_delivery;
pub mod webhook_endpoint;
