//! The catalogue of `shop:` link relations: what each points to, who may follow it, the
//! HAL-FORMS templates found at its target, and an example exchange. The examples are
//! HTTP messages kept in `examples/<rel>.http`: the request, a blank line, then the
//! response from its status line on.

/// A link relation of the `shop` curie.
#[derive(Debug)]
pub struct Rel {
    pub name: &'static str,
    /// One line, for the index of relations.
    pub summary: &'static str,
    pub target: &'static str,
    pub methods: &'static str,
    pub auth: &'static str,
    /// The HAL-FORMS templates at the target, when it has any.
    pub forms: Option<&'static Forms>,
    /// A request and its response, as sent to and answered by a server at the default
    /// address.
    pub example: &'static str,
}

/// The HAL-FORMS templates a client finds at a relation's target.
#[derive(Debug)]
pub struct Forms {
    /// Which document carries them: "the order", "each embedded delivery".
    pub on: &'static str,
    pub templates: &'static [Template],
}

/// One key of `_templates` and when it is offered.
#[derive(Debug)]
pub struct Template {
    pub key: &'static str,
    /// What it sends and when it is there.
    pub offered: &'static str,
}

/// An example exchange split into its two HTTP messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Example {
    pub request: &'static str,
    pub response: &'static str,
}

/// The status line that starts the response of an example.
const RESPONSE_START: &str = "\n\nHTTP/1.1 ";

impl Rel {
    /// Whether the relation leads to a web app for people (an HTML page), not to a HAL
    /// resource: its example response is the page.
    pub fn is_html(&self) -> bool {
        lending::WEB_APPS.contains(&self.name)
    }

    /// The example request and response; the response starts at the first `HTTP/1.1`
    /// status line after a blank line.
    pub fn example(&self) -> Example {
        let text = self.example.trim_end();
        match text.find(RESPONSE_START) {
            Some(at) => Example {
                request: text[..at].trim_end(),
                response: &text[at + 2..],
            },
            None => Example {
                request: text,
                response: "",
            },
        }
    }
}

const WEBHOOK_ENDPOINT_TEMPLATES: &[Template] = &[
    Template {
        key: "create",
        offered: "POST `{url, description, event_types, enabled}` to `/webhook_endpoints`; on the collection.",
    },
    Template {
        key: "edit",
        offered: "PUT the endpoint with `If-Match`, starting from its current values; always offered to its merchant.",
    },
    Template {
        key: "delete",
        offered: "DELETE the endpoint and its delivery log; always offered to its merchant.",
    },
    Template {
        key: "rotate_secret",
        offered: "POST to `secret_rotations` for a new secret; always offered to its merchant.",
    },
];

const CHECKOUT_TEMPLATES: &[Template] = &[
    Template {
        key: "price",
        offered: "POST the order body to `/bill` to price the cart; always offered.",
    },
    Template {
        key: "create_order",
        offered: "POST the same body to `/orders` to place the order; always offered.",
    },
];

const ORDER_TEMPLATES: &[Template] = &[
    Template {
        key: "cancel",
        offered: "POST `{order, reason}` to `/ordercancellation`, the order fixed; while the order awaits payment.",
    },
    Template {
        key: "request_refund",
        offered: "POST a refund request to `/refund_requests`, the order fixed and `refund_percentage` prefilled with `1.00`; to the order's holder while a refund can be granted.",
    },
];

const REFUND_REQUEST_TEMPLATES: &[Template] = &[
    Template {
        key: "update",
        offered: "PUT a new split, bank details or `keep_tickets`; to the holder while the request is `new`.",
    },
    Template {
        key: "cancel",
        offered: "PUT `status: cancelled`; to the holder while the request is `new`.",
    },
    Template {
        key: "approve",
        offered: "PUT `status: approved`; to the merchant while the request is `new`.",
    },
    Template {
        key: "reject",
        offered: "PUT `status: rejected` with a required `reason`; to the merchant while the request is `new` or `approved`.",
    },
    Template {
        key: "process",
        offered: "PUT `status: processed` to pay the refund out; to the merchant once the request is `approved`.",
    },
];

const DELIVERY_TEMPLATES: &[Template] = &[
    Template {
        key: "create_download_link",
        offered: "POST an empty body to the delivery's `download_links`; while its file can be downloaded.",
    },
    Template {
        key: "redeem_code",
        offered: "POST the access code (fixed) to `/code_redemptions`; while the code is active.",
    },
    Template {
        key: "report_usage",
        offered: "PUT `{percent}` to the delivery's `usage`, prefilled with the current value; until the delivery is voided.",
    },
];

/// Every documented relation: the shop's, the back office's, then library lending's.
pub fn all() -> impl Iterator<Item = &'static Rel> {
    RELS.iter().chain(back_office::RELS).chain(lending::RELS)
}

const RELS: &[Rel] = &[
    Rel {
        name: "products",
        summary: "The catalogue, paged and filtered.",
        target: "The catalogue: a paged collection of products, filtered by the templated parameters `q`, `isbn`, `format`, `kind` and `available`. Items are embedded under `shop:products`.",
        methods: "GET (anyone); POST (merchant: add a product)",
        auth: "None to read. HTTP Basic `app_key:secret` to add.",
        forms: Some(&Forms {
            on: "the catalogue",
            templates: &[Template {
                key: "create",
                offered: "POST a product to `/products`; offered to a merchant.",
            }],
        }),
        example: include_str!("examples/products.http"),
    },
    Rel {
        name: "product",
        summary: "One product of the catalogue.",
        target: "One product: title, ISBN, format, protection, price, refund policy. Templated at the root as `/products/{uid}`.",
        methods: "GET (anyone); PUT with `If-Match` (the owning merchant)",
        auth: "None to read. HTTP Basic `app_key:secret` to replace.",
        forms: Some(&Forms {
            on: "the product",
            templates: &[
                Template {
                    key: "edit",
                    offered: "PUT the product back, prefilled with its current values (send `If-Match`); offered to the merchant who sells it.",
                },
                Template {
                    key: "withdraw",
                    offered: "POST a `reason` to `/products/{uid}/withdrawal`, which opens an event refund on every completed order holding it; offered to that merchant while the product is available.",
                },
                Template {
                    key: "offer_to_libraries",
                    offered: "POST `{price, max_concurrent_loans, max_total_loans?, valid_months?, max_loan_days}` to the ebook's `shop:library_offers`: a licence libraries may buy; offered to that merchant on an ebook.",
                },
            ],
        }),
        example: include_str!("examples/product.http"),
    },
    Rel {
        name: "events",
        summary: "Events with places, paged and filtered.",
        target: "Events soonest first, each with its `capacity`, the places left (`available`) and its status (`on_sale`, `sold_out`, `cancelled`, `ended`), filtered by the templated parameters `q` and `starts_gte`. Items are embedded under `shop:events`.",
        methods: "GET (anyone); POST (merchant: add an event)",
        auth: "None to read. HTTP Basic `app_key:secret` to add.",
        forms: Some(&Forms {
            on: "the events listing",
            templates: &[Template {
                key: "create",
                offered: "POST an event to `/events`; offered to a merchant.",
            }],
        }),
        example: include_str!("examples/events.http"),
    },
    Rel {
        name: "event",
        summary: "One event, its places left and its ticket products.",
        target: "One event: title, venue, `starts_at`, `ends_at`, `time_zone`, `capacity`, `available` (exact whenever read) and status, with its ticket products embedded under `shop:products`, each with its own `available_places`. Templated at the root as `/events/{uid}`; a ticket product links to its event.",
        methods: "GET (anyone); PUT with `If-Match` (the owning merchant); POST `/events/{uid}/cancellation` (the owning merchant)",
        auth: "None to read. HTTP Basic `app_key:secret` to replace or cancel.",
        forms: Some(&Forms {
            on: "the event, for the merchant who sells it",
            templates: &[
                Template {
                    key: "edit",
                    offered: "PUT the event back, prefilled with its current values (send `If-Match`).",
                },
                Template {
                    key: "add_ticket",
                    offered: "POST a ticket product of this event to `/products`, `kind` and `event` fixed; until the event is cancelled.",
                },
                Template {
                    key: "add_scanner",
                    offered: "POST a `name` to `/events/{uid}/scanners` to register a door scanner; the answer holds its `Scanner-Token`, once; until the event is cancelled.",
                },
                Template {
                    key: "cancel",
                    offered: "POST a `reason` to `/events/{uid}/cancellation`: its tickets are no longer sold and every paid order holding one gets an event refund; until the event is cancelled.",
                },
            ],
        }),
        example: include_str!("examples/event.http"),
    },
    Rel {
        name: "ticket",
        summary: "A ticket: its barcode and signed QR payload.",
        target: "One ticket, delivered for one place of a paid order: its unguessable `barcode`, its `qr` (a compact JWS, `alg: EdDSA`, verifiable offline with the keys at `shop:ticket_keys`), its holder's name, when it is valid, and its status (`valid`, `checked_in`, `voided`). Each ticket delivery links to it.",
        methods: "GET",
        auth: "The order's `Order-Token`, the token of the customer who bought it, or the merchant's HTTP Basic credentials. Anyone else gets 404.",
        forms: Some(&Forms {
            on: "the ticket, for the merchant who sold it",
            templates: &[Template {
                key: "check_in",
                offered: "POST an empty body to the ticket's `check_ins`; while the ticket is valid.",
            }],
        }),
        example: include_str!("examples/ticket.http"),
    },
    Rel {
        name: "tickets",
        summary: "Look tickets up by event and barcode.",
        target: "The merchant's tickets, filtered by `event` (the event's URI) and `code` (a barcode read at the door), paged. Items are embedded under `shop:tickets`.",
        methods: "GET",
        auth: "HTTP Basic `app_key:secret` (merchant), or `Scanner-Token` (the tickets of the scanner's event only).",
        forms: None,
        example: include_str!("examples/tickets.http"),
    },
    Rel {
        name: "check_ins",
        summary: "Check a ticket in at the door, once.",
        target: "POST here to check the ticket in. Of any number of scans of one ticket, one is answered 201 with the ticket (`checked_in_at` set); the others `already_checked_in` (409, saying when). A voided ticket is answered `ticket_voided` (410).",
        methods: "POST",
        auth: "HTTP Basic `app_key:secret` (the merchant who sold it), or `Scanner-Token` of a scanner of the ticket's event.",
        forms: None,
        example: include_str!("examples/check_ins.http"),
    },
    Rel {
        name: "revoked_tickets",
        summary: "Tickets of an event voided since a cursor, for offline scanners.",
        target: "The tickets of an event voided (refunded) after the cursor `since`, in the order they were revoked (`seq`, one counter per event, committed in that order), with their barcodes: a scanner working offline refuses them although their signature verifies. Keep the answer's `cursor` and follow `next` to learn only what is new; nothing revoked before a cursor appears after it.",
        methods: "GET",
        auth: "HTTP Basic `app_key:secret` (the merchant of the event), or `Scanner-Token` of a scanner of the event.",
        forms: None,
        example: include_str!("examples/revoked_tickets.http"),
    },
    Rel {
        name: "ticket_keys",
        summary: "The public keys verifying ticket QR payloads.",
        target: "A JWK Set (RFC 7517) of Ed25519 public keys (`kty: OKP`, `crv: Ed25519`), each with its `kid`: the key named by a QR payload's header verifies its signature. Keys rotate; every key that signed a ticket stays listed.",
        methods: "GET",
        auth: "None.",
        forms: None,
        example: include_str!("examples/ticket_keys.http"),
    },
    Rel {
        name: "bill",
        summary: "Price a cart without saving anything.",
        target: "The sale simulation: POST the body of an order to get its priced lines, taxes for the buyer's country and region, vouchers and totals, without saving anything.",
        methods: "POST (price a cart); GET (a HAL-FORMS description of what to POST)",
        auth: "None (a customer token, when sent, must be valid).",
        forms: Some(&Forms {
            on: "the answer to `GET /bill`, which describes what to POST",
            templates: CHECKOUT_TEMPLATES,
        }),
        example: include_str!("examples/bill.http"),
    },
    Rel {
        name: "orders",
        summary: "Place an order, or list your orders.",
        target: "Orders. POST an order body to place an order (answered with its one-time `token`); GET lists the caller's orders, newest first, paged and filtered by `status`, `created_gte`, `created_lt` and `external_reference`. Items are embedded under `shop:orders`.",
        methods: "POST (anyone: guest or customer); GET (customer or merchant)",
        auth: "None to place (or a customer token). To list: `Cognito-Token`/Bearer customer token, or merchant HTTP Basic.",
        forms: Some(&Forms {
            on: "the order a POST answers",
            templates: ORDER_TEMPLATES,
        }),
        example: include_str!("examples/orders.http"),
    },
    Rel {
        name: "order",
        summary: "One order, with its lines.",
        target: "One order: status, consumer, totals, taxes, transaction and customer ids, sale state, and its lines embedded under `shop:order_lines`. `refundable_total` and `refund_eligibility` (every rule of the sale cancellation with its outcome) are the one answer to whether and how much it can be refunded now; once paid, it embeds its refund bill under `shop:refund_bill`. Templated at the root as `/orders/{uid}`.",
        methods: "GET",
        auth: "The order's `Order-Token`, the token of the customer who placed it, or the merchant's HTTP Basic credentials. Anyone else gets 404.",
        forms: Some(&Forms {
            on: "the order",
            templates: ORDER_TEMPLATES,
        }),
        example: include_str!("examples/order.http"),
    },
    Rel {
        name: "order_lines",
        summary: "The lines of an order, each readable on its own.",
        target: "The lines of an order, embedded in it: each product as it was sold, with quantity, unit price, net, taxes and total. Each line's `self` is `/orders/{uid}/lines/{n}` (numbered from 1), readable on its own.",
        methods: "GET (each line's `self`)",
        auth: "As the order.",
        forms: None,
        example: include_str!("examples/order_lines.http"),
    },
    Rel {
        name: "ordercancellation",
        summary: "Cancel an order that awaits payment.",
        target: "Cancels an order that awaits payment: POST `{\"order\": <order URI>, \"reason\": \"…\"}`. Present on an order only while it can be cancelled.",
        methods: "POST",
        auth: "As the order.",
        forms: None,
        example: include_str!("examples/ordercancellation.http"),
    },
    Rel {
        name: "deliveries",
        summary: "The deliveries of a paid order.",
        target: "The deliveries of a paid order: one per unit sold, each with its 10-character access code, status (`active`, `redeemed`, `voided`), download time and reading progress. Items are embedded under `shop:deliveries` (also in the completed order).",
        methods: "GET",
        auth: "As the order.",
        forms: Some(&Forms {
            on: "each embedded delivery",
            templates: DELIVERY_TEMPLATES,
        }),
        example: include_str!("examples/deliveries.http"),
    },
    Rel {
        name: "delivery",
        summary: "One delivery: an access code and its file.",
        target: "One delivery of a paid order or a till purchase: its access code, status (`active`, `redeemed`, `voided`), download time and reading progress. A download link and a code redemption link to the delivery they belong to.",
        methods: "GET",
        auth: "As the order.",
        forms: Some(&Forms {
            on: "the delivery",
            templates: DELIVERY_TEMPLATES,
        }),
        example: include_str!("examples/delivery.http"),
    },
    Rel {
        name: "download_links",
        summary: "Ask for a one-time download link.",
        target: "POST here for a one-time link to the delivery's file, valid 60 seconds. Following it records the download: the delivery is then fulfilled and no longer refundable. On a running loan (`shop:loan`), the link serves the lent book, watermarked with the library's name and the patron's id, and works only while the loan runs.",
        methods: "POST",
        auth: "As the order (for a loan: its library).",
        forms: None,
        example: include_str!("examples/download_links.http"),
    },
    Rel {
        name: "usage",
        summary: "Report how far the buyer has read.",
        target: "PUT `{\"percent\": 0-100}` to report how far the buyer has read; it never goes down.",
        methods: "PUT",
        auth: "As the order.",
        forms: Some(&Forms {
            on: "the delivery a PUT answers",
            templates: DELIVERY_TEMPLATES,
        }),
        example: include_str!("examples/usage.http"),
    },
    Rel {
        name: "refund_requests",
        summary: "The refund requests of an order or a shop; open one.",
        target: "The refund requests of an order (`?order=<order URI>`), embedded under `shop:refund_requests`; POST `{order, refund_percentage, voucher_percentage, donation_percentage, …}` to open one. On an order the link is present while it has requests to list or a new one can be made; the link alone never means a request can be made — the order's `refund_eligibility.eligible` says, and a request made anyway is refused with the problem of its first failed check.",
        methods: "GET, POST",
        auth: "The order's `Order-Token` or its customer's token; the merchant may read.",
        forms: Some(&Forms {
            on: "the refund request a POST answers",
            templates: REFUND_REQUEST_TEMPLATES,
        }),
        example: include_str!("examples/refund_requests.http"),
    },
    Rel {
        name: "refund_request",
        summary: "One refund request: change, decide or process it.",
        target: "One refund request: split, status, source, and its refund bill embedded under `shop:refund_bill`. PUT with `If-Match` to change it (holder) or decide it (merchant).",
        methods: "GET, PUT",
        auth: "The order's `Order-Token` or its customer's token; the merchant reads and decides.",
        forms: Some(&Forms {
            on: "the refund request",
            templates: REFUND_REQUEST_TEMPLATES,
        }),
        example: include_str!("examples/refund_request.http"),
    },
    Rel {
        name: "refund_bill",
        summary: "What a refund comes to.",
        target: "What a refund comes to: what can be refunded now (zero when a rule of the sale cancellation fails) split into refund, voucher and donation amounts that add up to it to the cent, with `refund_eligibility` saying why. `?order=<URI>&refund_percentage=…` previews; `?refund_request=<uid>` shows a request's. On an order the link is present only while a refund can be requested; every paid order embeds its bill (a full refund) under `_embedded[\"shop:refund_bill\"]`, whose `self` is `?order=<order URI>`.",
        methods: "GET",
        auth: "As the order.",
        forms: None,
        example: include_str!("examples/refund_bill.http"),
    },
    Rel {
        name: "refunds",
        summary: "The refunds made for an order.",
        target: "The refunds made for an order (`?order=<order URI>`): type `psp` or `voucher`, amount breakdown by product, receipt. Embedded under `shop:refunds`.",
        methods: "GET",
        auth: "As the order.",
        forms: None,
        example: include_str!("examples/refunds.http"),
    },
    Rel {
        name: "me",
        summary: "The logged-in customer.",
        target: "The logged-in customer as their token describes them (customer id, user name, e-mail), with links to their orders (`shop:orders`) and their library (`shop:library`).",
        methods: "GET",
        auth: "A customer token (`Cognito-Token` or Bearer).",
        forms: None,
        example: include_str!("examples/me.http"),
    },
    Rel {
        name: "dev_tokens",
        summary: "Sign in as any customer (development only).",
        target: "POST `{sub, email?}` for a one-hour customer access token signed by the development identity provider; send it as `Authorization: Bearer`. Linked from the root, and answering, only while no `COGNITO_ISSUER` is configured.",
        methods: "POST",
        auth: "None (development only).",
        forms: None,
        example: include_str!("examples/dev_tokens.http"),
    },
    Rel {
        name: "library",
        summary: "The deliveries a customer owns.",
        target: "The logged-in customer's library: the deliveries put into their account by a till purchase with their e-mail or by redeeming an access code. Items are embedded under `shop:deliveries`, each with its own `self`.",
        methods: "GET",
        auth: "A customer token (`Cognito-Token` or Bearer).",
        forms: Some(&Forms {
            on: "each embedded delivery",
            templates: DELIVERY_TEMPLATES,
        }),
        example: include_str!("examples/library.http"),
    },
    Rel {
        name: "code_redemption",
        summary: "Redeem an access code into your library.",
        target: "POST `{\"code\": \"<access code>\"}` (JSON or a form) to redeem an access code: the delivery goes into the caller's library and the code can no longer be used. Present on a delivery while its access code can be redeemed. Answers the redeemed product (`purchased_sku`, `current_sku`, `isbn`, `price`, `expiration_date`) and links the delivery.",
        methods: "POST",
        auth: "A customer token (into the customer's library), or none with `email` in the body (into that account's library).",
        forms: None,
        example: include_str!("examples/code_redemption.http"),
    },
    Rel {
        name: "root",
        summary: "The API root.",
        target: "The API root, where every client starts.",
        methods: "GET",
        auth: "None.",
        forms: Some(&Forms {
            on: "the root",
            templates: CHECKOUT_TEMPLATES,
        }),
        example: include_str!("examples/root.http"),
    },
    Rel {
        name: "webhook_endpoints",
        summary: "Your webhook endpoints; add one.",
        target: "The merchant's webhook endpoints, embedded under `shop:webhook_endpoints`. POST `{url, description, event_types, enabled}` to add one: halshop then POSTs each event to `url`, signed per the Standard Webhooks specification (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256 of id.timestamp.body>`) with the `whsec_` secret shown in the answer — only then. `url` must be public `https` (`webhook_url_refused` otherwise). `event_types` takes exact types or `prefix.*`; empty means every event.",
        methods: "GET, POST",
        auth: "Merchant (HTTP Basic).",
        forms: Some(&Forms {
            on: "the collection and each endpoint",
            templates: WEBHOOK_ENDPOINT_TEMPLATES,
        }),
        example: include_str!("examples/webhook_endpoints.http"),
    },
    Rel {
        name: "webhook_endpoint",
        summary: "One webhook endpoint: edit, delete, rotate its secret.",
        target: "One webhook endpoint: its URL, event types, whether it is enabled (halshop disables one whose deliveries all failed for 3 days, saying why in `disabled_reason`). PUT with `If-Match` to change it, DELETE to remove it. The secret is never shown here.",
        methods: "GET, PUT, DELETE",
        auth: "Merchant (HTTP Basic); another merchant's endpoint is not found.",
        forms: Some(&Forms {
            on: "the endpoint",
            templates: WEBHOOK_ENDPOINT_TEMPLATES,
        }),
        example: include_str!("examples/webhook_endpoint.http"),
    },
    Rel {
        name: "secret_rotations",
        summary: "Issue a new signing secret.",
        target: "POST (no body) for a new signing secret, shown this once in `secret`. For 24 hours (`previous_secret_expires_at`) every message carries two space-separated signatures, by the new and the old secret, so the receiver can switch without losing a message.",
        methods: "POST",
        auth: "Merchant (HTTP Basic).",
        forms: Some(&Forms {
            on: "the endpoint the POST answers",
            templates: WEBHOOK_ENDPOINT_TEMPLATES,
        }),
        example: include_str!("examples/secret_rotations.http"),
    },
    Rel {
        name: "webhook_deliveries",
        summary: "An endpoint's delivery log.",
        target: "One delivery per event sent to the endpoint, newest event first, embedded under `shop:webhook_deliveries`, each with `status` (`pending`, `delivered`, `failed`), every attempt (`status_code`, `latency_ms`, `error`) and, while pending, `next_attempt_at`. A failed attempt is retried after about 5 s, 30 s, 2 min, 10 min, 1 h, then every 6 h, with jitter, for 3 days. `?status=` filters; `page`, `page_size` page.",
        methods: "GET",
        auth: "Merchant (HTTP Basic).",
        forms: None,
        example: include_str!("examples/webhook_deliveries.http"),
    },
    Rel {
        name: "events_feed",
        summary: "Your events in commit order, for polling.",
        target: "The merchant's events after the cursor `after` (a `seq`), oldest first, embedded under `shop:events_feed`: `uid` (the `webhook-id`), `seq`, `type`, `timestamp` and `data`, the resource as it was (with its `self` link) — what webhooks carry. `types` filters (`order.completed,refund.*`), `limit` caps a page (≤ 500). Follow `next` to poll: it is always there. An event is numbered only once committed, after every event already numbered, so paging by `seq` never skips one.",
        methods: "GET",
        auth: "Merchant (HTTP Basic).",
        forms: None,
        example: include_str!("examples/events_feed.http"),
    },
    Rel {
        name: "daily_sales",
        summary: "Your daily sales summary.",
        target: "What the shop sold, taxed and gave back on one day of its time zone (`merchant.time_zone`), per currency and per product: units sold, gross, taxes by name, refunds, voucher refunds and net, with totals. Without `date`, the last closed day. `Accept: text/csv` or `format=csv` gives the same figures as CSV; `prev`, `next` and `alternate` link the days around it and the CSV.",
        methods: "GET",
        auth: "Merchant (HTTP Basic).",
        forms: None,
        example: include_str!("examples/daily_sales.http"),
    },
    Rel {
        name: "event_feed_item",
        summary: "One event of the feed.",
        target: "One event of the merchant's feed by its uid (the `webhook-id` of its messages), with a `shop:redeliveries` link to send it again.",
        methods: "GET",
        auth: "Merchant (HTTP Basic); another merchant's event is not found.",
        forms: None,
        example: include_str!("examples/event_feed_item.http"),
    },
    Rel {
        name: "redeliveries",
        summary: "Send an event again, now.",
        target: "POST (no body) to send the event once more, now, to each enabled endpoint of the merchant that wants it — also one whose delivery failed, and one added after the event. The message is the same, `webhook-id` included. Answers 202 with each planned delivery.",
        methods: "POST",
        auth: "Merchant (HTTP Basic); another merchant's event is not found.",
        forms: None,
        example: include_str!("examples/redeliveries.http"),
    },
    Rel {
        name: "sales_points",
        summary: "The stores selling a product at the counter.",
        target: "The point-of-sale stores (name and SAN) where the product is sold at the counter. Items are embedded under `shop:sales_points`.",
        methods: "GET",
        auth: "None.",
        forms: None,
        example: include_str!("examples/sales_points.http"),
    },
];

mod back_office;
mod lending;

#[cfg(test)]
mod tests;
