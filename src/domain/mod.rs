//! Business rules, as functions over a database connection. Nothing here knows HTTP.

pub mod catalogue;
pub mod deliveries;
pub mod downloads;
pub mod email;
pub mod iban;
pub mod ids;
pub mod isbn;
pub mod library;
pub mod merchants;
pub mod money;
pub mod orders;
pub mod outbox;
pub mod percentage;
pub mod pos;
pub mod redemption;
pub mod refunds;
pub mod sales;
pub mod san;
pub mod sandbox;
pub mod secrets;
pub mod status;
pub mod stores;
pub mod taxes;
pub mod vouchers;
pub mod watermark;
