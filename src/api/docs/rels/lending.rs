//! The relations of library lending (a library, its licences, loans, holds and report, and
//! the licence offers an ebook links), and of the two web apps the root links.

use super::{Forms, Rel, Template};

const DEFAULT: Template = Template {
    key: "default",
    offered: "The first of the other templates, as HAL-FORMS asks for.",
};

const LIBRARY_TEMPLATES: &[Template] = &[
    DEFAULT,
    Template {
        key: "borrow",
        offered: "POST `{product, patron_id, days?}` to the library's loans: lend a copy of a title to a patron.",
    },
    Template {
        key: "place_hold",
        offered: "POST `{product, patron_id}` to the library's holds: queue a patron while every copy is out.",
    },
    Template {
        key: "buy_licences",
        offered: "POST `{offers: [{offer, copies}], consumer, external_reference?}` to the library's orders: buy licences.",
    },
];

const OFFER_TEMPLATES: &[Template] = &[
    DEFAULT,
    Template {
        key: "create",
        offered: "POST `{price, max_concurrent_loans, max_total_loans?, valid_months?, max_loan_days}`: offer the ebook to libraries. Only for the product's merchant.",
    },
];

const LOAN_TEMPLATES: &[Template] = &[
    DEFAULT,
    Template {
        key: "borrow",
        offered: "On the collection: POST `{product, patron_id, days?}` to lend a copy.",
    },
    Template {
        key: "return",
        offered: "On a running loan: POST (no body) to give the copy back early.",
    },
    Template {
        key: "download",
        offered: "On a running loan: POST (no body) for a 60-second download link.",
    },
];

const HOLD_TEMPLATES: &[Template] = &[
    DEFAULT,
    Template {
        key: "place_hold",
        offered: "On the collection: POST `{product, patron_id}` to queue a patron.",
    },
    Template {
        key: "borrow",
        offered: "On a ready hold: POST to the library's loans, prefilled with the title and the patron.",
    },
    Template {
        key: "cancel",
        offered: "On an open hold: POST (no body) to take the patron out of the queue.",
    },
];

/// The relations that lead to a web app (an HTML page) rather than to a HAL resource.
pub const WEB_APPS: &[&str] = &["storefront", "back_office"];

pub const RELS: &[Rel] = &[
    Rel {
        name: "storefront",
        summary: "The web shop (HTML), for customers.",
        target: "The storefront, a web app served by halshop: the catalogue, a cart priced live, checkout as a guest or signed in, payment, downloads and refund requests. It uses nothing but this API from its root.",
        methods: "GET",
        auth: "None; customers sign in inside it.",
        forms: None,
        example: include_str!("../examples/storefront.http"),
    },
    Rel {
        name: "back_office",
        summary: "The back office (HTML), for the merchant.",
        target: "The back office, a web app served by halshop: the merchant signs in with app key and secret and works through every list, page and HAL-FORMS action the API offers them.",
        methods: "GET",
        auth: "None to load; the merchant's HTTP Basic credentials inside it.",
        forms: None,
        example: include_str!("../examples/back_office.http"),
    },
    Rel {
        name: "lending",
        summary: "Your library (library).",
        target: "The library whose HTTP Basic `api_key:secret` is sent (from `halshop library create`): its name, links to its licences, loans, holds and report, and the forms to lend, queue and buy.",
        methods: "GET",
        auth: "The library's HTTP Basic `api_key:secret`.",
        forms: Some(&Forms {
            on: "the library",
            templates: LIBRARY_TEMPLATES,
        }),
        example: include_str!("../examples/lending.http"),
    },
    Rel {
        name: "lending_library",
        summary: "The library a licence, loan or hold belongs to.",
        target: "A library: buys licences of ebooks and lends them to its patrons. The same document as `shop:lending`, at its own URL.",
        methods: "GET",
        auth: "That library's HTTP Basic `api_key:secret`; anyone else gets 404.",
        forms: Some(&Forms {
            on: "the library",
            templates: LIBRARY_TEMPLATES,
        }),
        example: include_str!("../examples/lending_library.http"),
    },
    Rel {
        name: "library_offers",
        summary: "The licences libraries may buy for an ebook.",
        target: "The licence offers of an ebook, embedded under `shop:library_offers`: the price of a copy and its terms (`max_concurrent_loans`, `max_total_loans`, `valid_months`, `max_loan_days`; null means unlimited or perpetual). Its merchant may POST a new offer.",
        methods: "GET, POST (merchant)",
        auth: "None to read; the merchant's HTTP Basic credentials to add an offer.",
        forms: Some(&Forms {
            on: "the collection, for the product's merchant",
            templates: OFFER_TEMPLATES,
        }),
        example: include_str!("../examples/library_offers.http"),
    },
    Rel {
        name: "library_offer",
        summary: "One licence offer.",
        target: "A licence offer: what a library pays per copy and the terms each licence bought keeps. Send its URI as `offer` in a library's order.",
        methods: "GET",
        auth: "None.",
        forms: None,
        example: include_str!("../examples/library_offer.http"),
    },
    Rel {
        name: "licences",
        summary: "The licences a library bought.",
        target: "A page of the library's licences, one per copy bought, filterable by `product` (URI) and `status` (`active`, `exhausted`, `expired`), embedded under `shop:licences`.",
        methods: "GET",
        auth: "The library's HTTP Basic credentials.",
        forms: None,
        example: include_str!("../examples/licences.http"),
    },
    Rel {
        name: "licence",
        summary: "One copy a library bought.",
        target: "A licence: the terms it was sold under, `loans_used`, `active_loans`, `held_copies` (set aside for ready holds), `expires_at` and `status` (`active`, `exhausted` once every loan of `max_total_loans` was made, `expired` past `expires_at`).",
        methods: "GET",
        auth: "The library's HTTP Basic credentials.",
        forms: None,
        example: include_str!("../examples/licence.http"),
    },
    Rel {
        name: "loans",
        summary: "A library's loans; POST to lend a copy.",
        target: "The library's loans, newest first, filterable by `patron_id`, `product` and `status`. POST `{product, patron_id, days?}` to lend: the copy set aside for the patron's ready hold, or else a free copy of the licence expiring soonest; 409 `no_copy_available` says when the next copy is due back. A licence never exceeds its `max_concurrent_loans` nor its `max_total_loans`, whatever runs at the same time.",
        methods: "GET, POST",
        auth: "The library's HTTP Basic credentials.",
        forms: Some(&Forms {
            on: "the collection and each running loan",
            templates: LOAN_TEMPLATES,
        }),
        example: include_str!("../examples/loans.http"),
    },
    Rel {
        name: "loan",
        summary: "One loan.",
        target: "A copy lent to a patron until `due_at`: `active`, `returned` or `expired` (a loan past `due_at` expires by itself and its download links stop working). While it runs, `shop:download_links` gives a 60-second link to the book watermarked with the library's name and the patron's id.",
        methods: "GET",
        auth: "The library's HTTP Basic credentials.",
        forms: Some(&Forms {
            on: "a running loan",
            templates: LOAN_TEMPLATES,
        }),
        example: include_str!("../examples/loan.http"),
    },
    Rel {
        name: "holds",
        summary: "A library's holds queues; POST to queue a patron.",
        target: "The library's holds in queue order, filterable by `patron_id`, `product` and `status`. POST `{product, patron_id}` while no copy is free: when a copy comes back the first hold becomes `ready` for 48 hours (`hold.ready`), and only that patron may borrow it; an offer not taken passes to the next hold.",
        methods: "GET, POST",
        auth: "The library's HTTP Basic credentials.",
        forms: Some(&Forms {
            on: "the collection and each open hold",
            templates: HOLD_TEMPLATES,
        }),
        example: include_str!("../examples/holds.http"),
    },
    Rel {
        name: "lending_report",
        summary: "A library's report per title (HAL or CSV).",
        target: "Per title: copies bought and usable, loans running and made this month, holds waiting, licences expiring within 30 days. `format=csv` (or `Accept: text/csv`) gives the same as CSV.",
        methods: "GET",
        auth: "The library's HTTP Basic credentials.",
        forms: None,
        example: include_str!("../examples/lending_report.http"),
    },
];
