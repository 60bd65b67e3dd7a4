//! halshop: a HAL hypermedia shopping API for digital goods and their refunds.
//!
//! `config` holds the typed settings, `startup` builds and runs the server, `api` holds
//! the HTTP resources, `domain` the business rules, `auth` who is calling, and `http` the
//! infrastructure (problem+json errors, HAL links, middleware, idempotency).

pub mod api;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod coalesce;
pub mod config;
pub mod db;
pub mod domain;
pub mod effect;
pub mod http;
pub mod preflight;
pub mod seed;
pub mod startup;
pub mod state;
pub mod telemetry;
pub mod workers;
