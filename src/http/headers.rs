//! The names of halshop's own headers, and the ones a browser frontend may use across origins.

/// Carries an order's token (request and the response that creates the order).
pub const ORDER_TOKEN: &str = "order-token";
/// Carries a customer's JWT, as the reference shopping API has it.
pub const COGNITO_TOKEN: &str = "cognito-token";
/// Makes a POST safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
/// `Cache-Control` value of a response that holds a secret: nothing may keep it.
pub const NO_STORE: &str = "no-store";
/// Set on a response replayed for a retried `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
/// The request id (accepted on the request, always set on the response).
pub const REQUEST_ID: &str = "x-request-id";
/// Carries a door scanner's token.
pub const SCANNER_TOKEN: &str = "scanner-token";
/// The HMAC of a payment provider's notification.
pub const PAYMENT_SIGNATURE: &str = "payment-signature";

/// Request headers a browser frontend may send cross-origin.
pub const CORS_ALLOWED: [&str; 8] = [
    "content-type",
    ORDER_TOKEN,
    COGNITO_TOKEN,
    SCANNER_TOKEN,
    "authorization",
    IDEMPOTENCY_KEY,
    "if-match",
    "if-none-match",
];
/// Response headers a browser frontend may read cross-origin.
pub const CORS_EXPOSED: [&str; 5] = [ORDER_TOKEN, "location", "etag", REQUEST_ID, IDEMPOTENT_REPLAYED];
