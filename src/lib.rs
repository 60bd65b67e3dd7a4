//! halshop: a HAL hypermedia shopping API for digital goods and their refunds.
//!
//! `config` holds the typed settings, `startup` builds and runs the server, `api` holds
//! the HTTP resources, `domain` the business rules, `hal` the link building and `error`
//! the problem+json responses.

pub mod api;
pub mod auth;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod hal;
pub mod http;
pub mod idempotency;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
