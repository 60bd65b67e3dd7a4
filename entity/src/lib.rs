//! SeaORM entities for halshop, one module per table. They carry storage shapes only;
//! the rules live in the server's `domain` module.

pub mod dev_idp_key;
pub mod idempotency_key;
pub mod merchant;
pub mod product;
pub mod store;
