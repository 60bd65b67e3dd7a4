//! Black-box tests over HTTP: each test starts halshop on a free port with a fresh database
//! (a temporary SQLite file, or a fresh PostgreSQL database when `TEST_DATABASE_URL` is set).

mod auth;
mod browse;
mod cli;
mod connections;
mod control_characters;
mod cors;
mod database;
mod discovery;
mod downloads;
mod errors;
mod hal;
mod hal_forms;
mod hal_walk;
mod helpers;
mod idempotency;
mod idempotent_effects;
mod openapi;
mod order_access;
mod order_lines;
mod orders;
mod payments;
mod pos;
mod pos_errors;
mod products;
mod public_reads;
mod put_round_trip;
mod refund_eligibility;
mod refund_queue;
mod refund_rules;
mod refunds;
mod rel_pages;
mod sandbox;
mod transport;
mod vouchers;
