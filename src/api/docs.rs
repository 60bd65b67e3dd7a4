//! Human documentation served by the API itself: a page per `shop:` relation (the target of
//! the `shop` curie) and a page per problem type (the `type` of every problem).

use poem::web::Data;
use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Html};

use super::ApiTags;
use crate::{
    http::{
        error::{ApiError, Problems, problems},
        hal::Hal,
        html::{Page, escape},
    },
    problem_set,
    state::SharedState,
};

/// A link relation of the `shop` curie.
#[derive(Debug)]
pub struct Rel {
    pub name: &'static str,
    /// One line, for the index of relations.
    pub summary: &'static str,
    pub target: &'static str,
    pub methods: &'static str,
    pub auth: &'static str,
}

/// Every `shop:` relation the API emits.
pub const RELS: &[Rel] = &[
    Rel {
        name: "products",
        summary: "The catalogue, paged and filtered.",
        target: "The catalogue: a paged collection of products, filtered by the templated parameters `q`, `isbn`, `format`, `kind` and `available`. Items are embedded under `shop:products`.",
        methods: "GET (anyone); POST (merchant: add a product)",
        auth: "None to read. HTTP Basic `app_key:secret` to add.",
    },
    Rel {
        name: "product",
        summary: "One product of the catalogue.",
        target: "One product: title, ISBN, format, protection, price, refund policy. Templated at the root as `/products/{uid}`.",
        methods: "GET (anyone); PUT with `If-Match` (the owning merchant)",
        auth: "None to read. HTTP Basic `app_key:secret` to replace.",
    },
    Rel {
        name: "bill",
        summary: "Price a cart without saving anything.",
        target: "The sale simulation: POST the body of an order to get its priced lines, taxes for the buyer's country and region, vouchers and totals, without saving anything.",
        methods: "POST",
        auth: "None (a customer token, when sent, must be valid).",
    },
    Rel {
        name: "orders",
        summary: "Place an order, or list your orders.",
        target: "Orders. POST an order body to place an order (answered with its one-time `token`); GET lists the caller's orders, newest first, paged and filtered by `status`, `created_gte`, `created_lt` and `external_reference`. Items are embedded under `shop:orders`.",
        methods: "POST (anyone: guest or customer); GET (customer or merchant)",
        auth: "None to place (or a customer token). To list: `Cognito-Token`/Bearer customer token, or merchant HTTP Basic.",
    },
    Rel {
        name: "order",
        summary: "One order, with its lines.",
        target: "One order: status, consumer, totals, taxes, transaction and customer ids, sale state, and its lines embedded under `shop:order_lines`. `refundable_total` and `refund_eligibility` (every rule of the sale cancellation with its outcome) are the one answer to whether and how much it can be refunded now; once paid, it embeds its refund bill under `shop:refund_bill`. Templated at the root as `/orders/{uid}`.",
        methods: "GET",
        auth: "The order's `Order-Token`, the token of the customer who placed it, or the merchant's HTTP Basic credentials. Anyone else gets 404.",
    },
    Rel {
        name: "order_lines",
        summary: "The lines of an order, each readable on its own.",
        target: "The lines of an order, embedded in it: each product as it was sold, with quantity, unit price, net, taxes and total. Each line's `self` is `/orders/{uid}/lines/{n}` (numbered from 1), readable on its own.",
        methods: "GET (each line's `self`)",
        auth: "As the order.",
    },
    Rel {
        name: "ordercancellation",
        summary: "Cancel an order that awaits payment.",
        target: "Cancels an order that awaits payment: POST `{\"order\": <order URI>, \"reason\": \"…\"}`. Present on an order only while it can be cancelled.",
        methods: "POST",
        auth: "As the order.",
    },
    Rel {
        name: "deliveries",
        summary: "The deliveries of a paid order.",
        target: "The deliveries of a paid order: one per unit sold, each with its 10-character access code, status (`active`, `redeemed`, `voided`), download time and reading progress. Items are embedded under `shop:deliveries` (also in the completed order).",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "delivery",
        summary: "One delivery: an access code and its file.",
        target: "The delivery a download link belongs to.",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "download_links",
        summary: "Ask for a one-time download link.",
        target: "POST here for a one-time link to the delivery's file, valid 60 seconds. Following it records the download: the delivery is then fulfilled and no longer refundable.",
        methods: "POST",
        auth: "As the order.",
    },
    Rel {
        name: "usage",
        summary: "Report how far the buyer has read.",
        target: "PUT `{\"percent\": 0-100}` to report how far the buyer has read; it never goes down.",
        methods: "PUT",
        auth: "As the order.",
    },
    Rel {
        name: "refund_requests",
        summary: "The refund requests of an order or a shop; open one.",
        target: "The refund requests of an order (`?order=<order URI>`), embedded under `shop:refund_requests`; POST `{order, refund_percentage, voucher_percentage, donation_percentage, …}` to open one. On an order the link is present while it has requests to list or a new one can be made; the link alone never means a request can be made — the order's `refund_eligibility.eligible` says, and a request made anyway is refused with the problem of its first failed check.",
        methods: "GET, POST",
        auth: "The order's `Order-Token` or its customer's token; the merchant may read.",
    },
    Rel {
        name: "refund_request",
        summary: "One refund request: change, decide or process it.",
        target: "One refund request: split, status, source, and its refund bill embedded under `shop:refund_bill`. PUT with `If-Match` to change it (holder) or decide it (merchant).",
        methods: "GET, PUT",
        auth: "The order's `Order-Token` or its customer's token; the merchant reads and decides.",
    },
    Rel {
        name: "refund_bill",
        summary: "What a refund comes to.",
        target: "What a refund comes to: what can be refunded now (zero when a rule of the sale cancellation fails) split into refund, voucher and donation amounts that add up to it to the cent, with `refund_eligibility` saying why. `?order=<URI>&refund_percentage=…` previews; `?refund_request=<uid>` shows a request's. On an order the link is present only while a refund can be requested; every paid order embeds its bill (a full refund) under `_embedded[\"shop:refund_bill\"]`, whose `self` is `?order=<order URI>`.",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "refunds",
        summary: "The refunds made for an order.",
        target: "The refunds made for an order (`?order=<order URI>`): type `psp` or `voucher`, amount breakdown by product, receipt. Embedded under `shop:refunds`.",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "me",
        summary: "The logged-in customer.",
        target: "The logged-in customer as their token describes them (customer id, user name, e-mail), with links to their orders (`shop:orders`) and their library (`shop:library`).",
        methods: "GET",
        auth: "A customer token (`Cognito-Token` or Bearer).",
    },
    Rel {
        name: "library",
        summary: "The deliveries a customer owns.",
        target: "The logged-in customer's library: the deliveries put into their account by a till purchase with their e-mail or by redeeming an access code. Items are embedded under `shop:deliveries`, each with its own `self`.",
        methods: "GET",
        auth: "A customer token (`Cognito-Token` or Bearer).",
    },
    Rel {
        name: "code_redemption",
        summary: "Redeem an access code into your library.",
        target: "POST `{\"code\": \"<access code>\"}` (JSON or a form) to redeem an access code: the delivery goes into the caller's library and the code can no longer be used. Present on a delivery while its access code can be redeemed. Answers the redeemed product (`purchased_sku`, `current_sku`, `isbn`, `price`, `expiration_date`) and links the delivery.",
        methods: "POST",
        auth: "A customer token (into the customer's library), or none with `email` in the body (into that account's library).",
    },
    Rel {
        name: "root",
        summary: "The API root.",
        target: "The API root, where every client starts.",
        methods: "GET",
        auth: "None.",
    },
    Rel {
        name: "sales_points",
        summary: "The stores selling a product at the counter.",
        target: "The point-of-sale stores (name and SAN) where the product is sold at the counter. Items are embedded under `shop:sales_points`.",
        methods: "GET",
        auth: "None.",
    },
];

/// The shell of a documentation page.
fn page(title: &str, body: &str) -> String {
    Page {
        title,
        site: "halshop",
        viewport: false,
        style: "body{font-family:system-ui,sans-serif;max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5}\
                code{background:#f3f3f3;padding:0 .2rem}",
    }
    .render(body)
}

#[derive(ApiResponse)]
pub enum HtmlResponse {
    /// The documentation page.
    #[oai(status = 200)]
    Ok(Html<String>),
}

problem_set!(
    /// Errors of the documentation indexes.
    DocIndexProblems:
    405 => "`method_not_allowed`."
);

/// An HTML list of `(href, name, line)` entries.
fn index_list<'a>(entries: impl Iterator<Item = (String, String, &'a str)>) -> String {
    let items: String = entries
        .map(|(href, name, line)| {
            format!(
                "<li><a href=\"{href}\"><code>{name}</code></a> — {line}</li>",
                href = escape(&href),
                name = escape(&name),
                line = escape(line),
            )
        })
        .collect();
    format!("<ul>{items}</ul>")
}

/// The index of the relations: every `shop:` relation with its summary, linking its page.
pub fn rels_index(hal: &Hal) -> String {
    let list = index_list(RELS.iter().map(|rel| {
        (
            hal.href(&format!("/rels/{}", rel.name)),
            format!("shop:{}", rel.name),
            rel.summary,
        )
    }));
    let body = format!("<h1>Link relations</h1><p>The relations of the <code>shop</code> curie.</p>{list}");
    page("Link relations", &body)
}

/// The index of the problem types: every code with its title, linking its page.
pub fn problems_index(hal: &Hal) -> String {
    let list = index_list(problems::ALL.iter().map(|problem| {
        let href = hal.href(&format!("/problems/{}", problem.code));
        (href, problem.code.to_owned(), problem.title)
    }));
    let body =
        format!("<h1>Problem types</h1><p>The <code>code</code> of every problem+json error.</p>{list}");
    page("Problem types", &body)
}

problem_set!(
    /// Errors of documentation pages.
    DocProblems:
    404 => "`not_found`: no such relation or problem type.",
    405 => "`method_not_allowed`."
);

#[derive(Default)]
pub struct DocsApi;

#[OpenApi(tag = "ApiTags::Documentation")]
impl DocsApi {
    /// List the link relations
    ///
    /// Also served at `/rels/` (the `shop` curie with an empty relation). Every `shop:` relation the API emits, each with a one-line summary and a link to
    /// its page (what it points to, the methods it accepts, the authentication it needs).
    #[oai(path = "/rels", method = "get", operation_id = "list_rels")]
    async fn rels(&self, state: Data<&SharedState>) -> Result<HtmlResponse, Problems<DocIndexProblems>> {
        Ok(HtmlResponse::Ok(Html(rels_index(&state.hal))))
    }

    /// List the problem types
    ///
    /// Also served at `/problems/`. Every problem `code` the API answers with, each with its title and a link to its page
    /// (the `type` of a problem+json error).
    #[oai(path = "/problems", method = "get", operation_id = "list_problem_types")]
    async fn problems(&self, state: Data<&SharedState>) -> Result<HtmlResponse, Problems<DocIndexProblems>> {
        Ok(HtmlResponse::Ok(Html(problems_index(&state.hal))))
    }

    /// Document a link relation
    ///
    /// The page a `shop:<rel>` curie expands to: what the relation points to, the methods
    /// it accepts and the authentication it needs.
    #[oai(path = "/rels/:rel", method = "get", operation_id = "get_rel")]
    async fn rel(&self, rel: Path<String>) -> Result<HtmlResponse, Problems<DocProblems>> {
        let rel = RELS
            .iter()
            .find(|r| r.name == rel.0)
            .ok_or_else(|| ApiError::not_found(format!("No relation shop:{} is documented.", rel.0)))?;
        let body = format!(
            "<h1>shop:{name}</h1><p>{target}</p><h2>Methods</h2><p>{methods}</p><h2>Authentication</h2><p>{auth}</p>",
            name = escape(rel.name),
            target = escape(rel.target),
            methods = escape(rel.methods),
            auth = escape(rel.auth),
        );
        Ok(HtmlResponse::Ok(Html(page(&format!("shop:{}", rel.name), &body))))
    }

    /// Document a problem type
    ///
    /// The page the `type` of a problem+json error points to.
    #[oai(path = "/problems/:code", method = "get", operation_id = "get_problem_type")]
    async fn problem(&self, code: Path<String>) -> Result<HtmlResponse, Problems<DocProblems>> {
        let problem = problems::by_code(&code.0)
            .ok_or_else(|| ApiError::not_found(format!("No problem type {:?} exists.", code.0)))?;
        let body = format!(
            "<h1>{title}</h1><p>HTTP status <strong>{status}</strong>, code <code>{code}</code>.</p><p>{description}</p>",
            title = escape(problem.title),
            status = problem.status,
            code = escape(problem.code),
            description = escape(problem.description),
        );
        Ok(HtmlResponse::Ok(Html(page(problem.title, &body))))
    }
}
