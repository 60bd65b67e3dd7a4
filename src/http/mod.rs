//! HTTP infrastructure shared by every resource: problem+json errors, HAL building, the JSON
//! body type, idempotency and the middleware applied to every route. Nothing here knows a
//! business rule.

pub mod browse;
pub mod compression;
pub mod connections;
pub mod edge;
pub mod error;
pub mod forms;
pub mod hal;
pub mod headers;
pub mod health;
pub mod html;
pub mod idempotency;
pub mod json;
pub mod metrics;
pub mod middleware;
pub mod problems;
pub mod public_cache;
pub mod round_trip;
pub mod text;
pub mod tls;

/// `bytes` random bytes, hex-encoded: request ids and log references.
fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    rand::fill(&mut buffer[..]);
    hex::encode(buffer)
}
