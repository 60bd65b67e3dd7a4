//! The catalogue of problem types: each has a stable snake_case `code`, an HTTP status, a
//! title and the text of the page that documents it at `/problems/{code}`.

/// A kind of problem: its code, HTTP status, title and the text of its documentation page.
#[derive(Debug, PartialEq, Eq)]
pub struct ProblemType {
    pub code: &'static str,
    pub status: u16,
    pub title: &'static str,
    pub description: &'static str,
}

macro_rules! problem_types {
    ($($name:ident = $code:literal, $status:literal, $title:literal, $description:literal;)*) => {
        $(pub const $name: ProblemType = ProblemType {
            code: $code,
            status: $status,
            title: $title,
            description: $description,
        };)*
        /// Every problem type the API can answer with.
        pub const ALL: &[&ProblemType] = &[$(&$name),*];
    };
}

problem_types! {
    MALFORMED_REQUEST = "malformed_request", 400, "Malformed request",
        "The request could not be read: the body is not valid JSON, a query or path parameter has the wrong form or holds a control character, or a header halshop reads is not visible ASCII. `errors` names each parameter.";
    VALIDATION_FAILED = "validation_failed", 422, "Validation failed",
        "The request was well-formed but some values break the rules (a text holding a control character other than tab, line feed or carriage return is one). `errors` lists each bad field with a JSON-pointer `path` into the request body and a message.";
    UNAUTHORIZED = "unauthorized", 401, "Authentication required",
        "The operation needs credentials that were missing or wrong. Merchants authenticate with HTTP Basic `app_key:secret`.";
    FORBIDDEN = "forbidden", 403, "Forbidden",
        "The credentials are valid but do not allow this operation.";
    NOT_FOUND = "not_found", 404, "Not found",
        "No resource exists at this URL, or it is not visible with the credentials given.";
    METHOD_NOT_ALLOWED = "method_not_allowed", 405, "Method not allowed",
        "The resource exists but does not accept this HTTP method. The `Allow` header, when present, lists the methods it accepts.";
    PAYLOAD_TOO_LARGE = "payload_too_large", 413, "Request body too large",
        "The request body is larger than the server accepts (256 KiB by default).";
    URI_TOO_LONG = "uri_too_long", 414, "URI too long",
        "The request URL (path and query) is longer than halshop accepts (32 KiB). Send long data in a request body instead.";
    HEADER_FIELDS_TOO_LARGE = "header_fields_too_large", 431, "Request header fields too large",
        "A request header is larger than 16 KiB, or all of them together larger than 64 KiB. `errors` names the header when one alone is too large.";
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", 415, "Unsupported media type",
        "The request body has a `Content-Type` the operation does not accept (usually it wants `application/json`), or none at all.";
    SKU_TAKEN = "sku_taken", 409, "SKU already in use",
        "The merchant already has a product with this SKU. SKUs are unique per merchant.";
    ISBN_TAKEN = "isbn_taken", 409, "ISBN already registered",
        "A product with this ISBN in this format already exists. One ISBN is registered once per format.";
    PRECONDITION_REQUIRED = "precondition_required", 428, "If-Match required",
        "This resource is shared: send `If-Match` with the ETag you last read, so that a concurrent change is not overwritten.";
    PRECONDITION_FAILED = "precondition_failed", 412, "Resource has changed",
        "The `If-Match` ETag does not match the current version: someone changed the resource since you read it. Read it again and retry.";
    WEBHOOK_URL_REFUSED = "webhook_url_refused", 422, "Webhook URL refused",
        "A webhook endpoint's `url` must be an absolute `https` URL on the public internet, without credentials: loopback, private, link-local and unspecified addresses (and `localhost`) are refused, and so is a host that resolves to one when an event is sent. `errors` names `/url`. A development server started with `HALSHOP_ALLOW_HTTP_WEBHOOKS=true` accepts `http` and local targets.";
    IDEMPOTENCY_KEY_INVALID = "idempotency_key_invalid", 400, "Invalid Idempotency-Key",
        "The `Idempotency-Key` header must be 1 to 255 visible ASCII characters.";
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused", 422, "Idempotency-Key reused with another request",
        "This `Idempotency-Key` was already used with a different request body or URL. Use a new key for a new request.";
    IDEMPOTENCY_KEY_IN_FLIGHT = "idempotency_key_in_flight", 409, "Request with this Idempotency-Key in progress",
        "The first request with this `Idempotency-Key` is still being processed. Retry shortly to get its stored response.";
    TOKEN_EXPIRED = "token_expired", 401, "Token expired",
        "The customer token's `exp` is in the past (beyond a small clock-skew leeway). Sign in again to get a fresh token.";
    TOKEN_INVALID = "token_invalid", 401, "Token invalid",
        "The customer token is not a valid RS256 JWT: malformed, signed with another algorithm (only RS256 is accepted), without a `kid`, or its signature does not verify.";
    WRONG_ISSUER = "wrong_issuer", 401, "Token from another issuer",
        "The customer token's `iss` is not the identity provider this shop trusts (`COGNITO_ISSUER`).";
    WRONG_CLIENT = "wrong_client", 401, "Token for another app client",
        "The customer token was issued to an app client this shop does not accept: `client_id` (access tokens) or `aud` (id tokens) is not in `COGNITO_CLIENT_IDS`.";
    WRONG_TOKEN_USE = "wrong_token_use", 401, "Wrong kind of token",
        "The customer token's `token_use` is not the one this shop expects (`COGNITO_TOKEN_USE`: an access token by default, or an id token).";
    UNKNOWN_KEY = "unknown_key", 401, "Unknown signing key",
        "The customer token names a `kid` that the identity provider's JWKS does not publish, even after fetching it again.";
    IDENTITY_PROVIDER_UNAVAILABLE = "identity_provider_unavailable", 503, "Identity provider unavailable",
        "The token names a signing key halshop has not cached, and the identity provider's JWKS cannot be fetched right now. Retry after the `Retry-After` delay.";
    UNKNOWN_PRODUCT = "unknown_product", 422, "Unknown product",
        "A product URI in the request names no product of the catalogue. `errors` points at it (`/products/N/product`).";
    CANNOT_SELL = "cannot_sell", 422, "Product cannot be sold",
        "The product is not available for sale now (withdrawn or not yet on sale). Remove it from the cart.";
    QUANTITY_LIMIT = "quantity_limit", 422, "Quantity over the limit",
        "An ebook is sold one copy per order; a ticket at most `max_per_order` per order. `errors` points at the quantity.";
    CURRENCY_MISMATCH = "currency_mismatch", 422, "Currency mismatch",
        "Every product (and voucher) of one order is priced in the same currency, the one the order asks for.";
    UNKNOWN_VOUCHER = "unknown_voucher", 422, "Unknown voucher",
        "No voucher of this shop has this code. Check the code as printed.";
    VOUCHER_USED = "voucher_used", 409, "Voucher already used",
        "The voucher was already used in another order; a voucher is used once.";
    CANNOT_CANCEL = "cannot_cancel", 409, "Order cannot be cancelled",
        "Only an order awaiting payment can be cancelled. A paid order can be refunded instead; a cancelled one stays cancelled.";
    SIGNATURE_INVALID = "signature_invalid", 401, "Signature invalid",
        "The `Payment-Signature` header is missing or is not the HMAC-SHA256 of the raw body with the shared secret (`sha256=<hex>`).";
    NOTIFICATION_STALE = "notification_stale", 400, "Notification too old",
        "The notification's `timestamp` is more than 5 minutes away from now; a replayed notification is refused.";
    AMOUNT_MISMATCH = "amount_mismatch", 422, "Amount mismatch",
        "The payment's amount or currency is not the order's `grand_total`. The order stays unpaid and the mismatch is recorded.";
    ORDER_NOT_PAYABLE = "order_not_payable", 409, "Order cannot be paid",
        "The order is not awaiting payment (already paid, or cancelled). The payment is recorded; nothing else changes.";
    PROVIDER_REFERENCE_REUSED = "provider_reference_reused", 409, "Provider reference reused",
        "This provider reference was already notified with different content.";
    ORDER_EXPIRED = "order_expired", 409, "Order expired",
        "The order was not paid before its `expires_at`: it expired and the ticket places it held went back on sale. It can no longer be paid or cancelled. A payment captured for it is recorded, but no sale uses it: the payment provider must refund the money to the buyer. Place a new order.";
    SOLD_OUT = "sold_out", 409, "Sold out",
        "Fewer places are left than asked for, for the product or its event. The detail names what ran out and how many places are left; `errors` points at the quantity. Ask for fewer, or another product.";
    EVENT_CANCELLED = "event_cancelled", 409, "Event cancelled",
        "The event was cancelled: it can no longer be changed or cancelled again, and its tickets can no longer be bought.";
    CAPACITY_BELOW_HELD = "capacity_below_held", 409, "Capacity below the places held",
        "The new capacity is lower than the places already taken by orders. Choose a capacity at least as large as the places held.";
    EVENT_LOCKED = "event_locked", 409, "Event of the product cannot change",
        "Orders already hold places of this product: it stays with its event.";
    ALREADY_CHECKED_IN = "already_checked_in", 409, "Already checked in",
        "The ticket was already checked in; the detail says when. A ticket lets one person in, once.";
    TICKET_VOIDED = "ticket_voided", 410, "Ticket voided",
        "The ticket was voided (refunded): it lets nobody in.";
    SANDBOX_REFUSED = "sandbox_refused", 409, "Sandbox payment refused",
        "The sandbox provider only pays orders awaiting payment: this one is already paid or cancelled.";
    NOT_DOWNLOADABLE = "not_downloadable", 409, "Nothing to download",
        "This delivery has no file to download (a ticket), or it was voided.";
    LINK_EXPIRED = "link_expired", 410, "Download link expired",
        "Download links live 60 seconds. Ask for a new one.";
    LINK_USED = "link_used", 410, "Download link already used",
        "A download link works once. Ask for a new one.";
    DELIVERY_VOIDED = "delivery_voided", 410, "Delivery voided",
        "The delivery was voided (refunded) and can no longer be downloaded.";
    CONTENT_UNAVAILABLE = "content_unavailable", 503, "File unavailable",
        "The file of this product is missing from the content store. Nothing was recorded; retry later or contact customer service.";
    USAGE_DECREASE = "usage_decrease", 409, "Usage cannot go down",
        "Usage is the furthest point read: a lower value than the one recorded is refused.";
    REFUND_UNAUTHORIZED = "refund_unauthorized", 403, "Refund unauthorized",
        "The refund is refused: the shop does not have the right to refund sales, or the sale was already fulfilled by the end user (a file downloaded or a code redeemed).";
    ALREADY_REFUNDED = "already_refunded", 409, "Already refunded",
        "Everything paid for this order was already refunded.";
    REFUND_TIME_LIMIT = "refund_time_limit", 403, "Over the refund time limit",
        "The order is older than the refund days its products allow.";
    REFUND_USAGE_LIMIT = "refund_usage_limit", 403, "Over the refund usage limit",
        "More of the ebook was read than its refund policy allows (`usage_limit_percent`).";
    COST_MISMATCH = "cost_mismatch", 422, "Cost mismatch",
        "The amount stated does not match what is refundable for this sale.";
    REFUND_REQUEST_OPEN = "refund_request_open", 409, "A refund request is open",
        "The order already has an open refund request (new or approved). Change or cancel it instead of opening another.";
    REFUND_REQUEST_STATE = "refund_request_state", 409, "Not possible in this status",
        "The refund request's status does not allow this change (only a new request can be changed, cancelled, approved or rejected; only an approved one processed).";
    SAN_MALFORMED = "san_malformed", 400, "SAN missing or malformed",
        "The san parameter has not been provided or is malformed.";
    TOKEN_MALFORMED = "token_malformed", 400, "Store token missing or malformed",
        "The token parameter has not been provided or is malformed (send it as the `token` field or `Authorization: Bearer`).";
    PARTNER_TRANSACT_ID_MALFORMED = "partner_transact_id_malformed", 400, "partner_transact_id missing or malformed",
        "The partner_transact_id parameter has not been provided or is malformed (1 to 64 visible characters).";
    BOOK_ID_MALFORMED = "book_id_malformed", 400, "book_id missing or malformed",
        "The book_id parameter has not been provided or is malformed.";
    PURCHASE_TRANSACT_ID_MALFORMED = "purchase_transact_id_malformed", 400, "purchase_transact_id missing or malformed",
        "The purchase_transact_id parameter has not been provided or is malformed.";
    SAN_NONCONFORMING = "san_nonconforming", 400, "SAN does not conform",
        "SAN does not conform to SAN specifications: six digits and a mod-11 check character.";
    STORE_NOT_REGISTERED = "store_not_registered", 404, "Store not registered",
        "The store is not registered on halshop.";
    STORE_TOKEN_INVALID = "store_token_invalid", 403, "Invalid Authorization Token",
        "The store token does not match the store's.";
    PARTNER_TRANSACT_ID_REUSED = "partner_transact_id_reused", 409, "partner_transact_id already submitted",
        "The submitted partner_transact_id has already been submitted for this store with other parameters. The partner_transact_id value needs to be unique for each store.";
    BOOK_ID_UNKNOWN = "book_id_unknown", 404, "Unknown book_id",
        "The submitted book_id cannot be found in system.";
    BOOK_ID_UNAVAILABLE = "book_id_unavailable", 409, "book_id not available",
        "The submitted book_id is not available for fulfillment at this time.";
    EMAIL_MALFORMED = "email_malformed", 400, "E-mail malformed",
        "The submitted email is incorrectly formatted.";
    PURCHASE_NOT_FOUND = "purchase_not_found", 404, "Purchase not found",
        "The submitted purchase_transact_id cannot be found for this store.";
    CODE_REDEEMED = "code_redeemed", 409, "Access code already redeemed",
        "The access code created by this purchase transaction has already been redeemed.";
    STORE_REFUND_TIME_LIMIT = "store_refund_time_limit", 403, "Over the refund time limit",
        "The order created by this purchase transaction is over the time limit allowed for refunds ({time_limit} days).";
    STORE_REFUND_USAGE_LIMIT = "store_refund_usage_limit", 403, "Over the refund usage limit",
        "The order created by this purchase transaction is over the usage limit allowed for refunds ({percent_usage_limit}% viewed).";
    ALREADY_VOIDED = "already_voided", 409, "Already voided",
        "The submitted purchase_transact_id has already been voided.";
    ACCOUNT_UNKNOWN = "account_unknown", 404, "Unknown account",
        "No halshop account exists for the provided email address.";
    CODE_UNKNOWN = "code_unknown", 404, "Unknown code",
        "No halshop code exists for the code provided.";
    CODE_INACTIVE = "code_inactive", 409, "Code inactive",
        "Code has already been redeemed or has been marked inactive (voided).";
    CANNOT_LEND = "cannot_lend", 422, "Cannot be lent",
        "Library offers exist for ebooks only, priced in the product's currency.";
    NOT_LICENSED = "not_licensed", 409, "No licence of this title",
        "The library holds no licence of this title. Buy one from the title's `shop:library_offers` first.";
    LICENCES_EXPIRED = "licences_expired", 409, "Licences expired",
        "Every licence the library holds of this title is past its `expires_at`: it can lend the title no more. Buy a new licence.";
    LICENCES_EXHAUSTED = "licences_exhausted", 409, "Licences exhausted",
        "Every licence the library holds of this title has made its `max_total_loans` loans (or expired): it can lend the title no more. Buy a new licence.";
    NO_COPY_AVAILABLE = "no_copy_available", 409, "No copy available",
        "Every copy of the title is lent or set aside for a patron whose hold is ready. The detail says when the next copy is due back and how many patrons wait; place a hold to be served in turn.";
    COPY_AVAILABLE = "copy_available", 409, "A copy is available",
        "A copy of the title is free now: borrow it instead of placing a hold.";
    ALREADY_BORROWED = "already_borrowed", 409, "Already borrowed",
        "The patron already has a running loan of this title.";
    ALREADY_ON_HOLD = "already_on_hold", 409, "Already on hold",
        "The patron already waits for this title (or a copy is set aside for them): one hold per patron and title.";
    LOAN_TOO_LONG = "loan_too_long", 422, "Loan too long",
        "`days` is longer than the licences of this title allow (`max_loan_days`). `errors` names `/days` and the longest loan allowed.";
    LOAN_ENDED = "loan_ended", 410, "Loan ended",
        "The loan was returned or ran out at its `due_at`: its book can no longer be downloaded.";
    LOAN_NOT_RUNNING = "loan_not_running", 409, "Loan already ended",
        "The loan was already returned or had already run out; nothing was changed.";
    HOLD_CLOSED = "hold_closed", 409, "Hold closed",
        "The hold was already borrowed, cancelled or lapsed; nothing was changed.";
    INTERNAL_ERROR = "internal_error", 500, "Internal server error",
        "Something went wrong on the server. Nothing about the cause is exposed; quote the `logref` to support, it appears in the server log.";
    SERVICE_UNAVAILABLE = "service_unavailable", 503, "Service unavailable",
        "A service halshop depends on is temporarily unavailable. Retry later.";
}

/// Looks a problem type up by its code.
pub fn by_code(code: &str) -> Option<&'static ProblemType> {
    ALL.iter().copied().find(|problem| problem.code == code)
}
