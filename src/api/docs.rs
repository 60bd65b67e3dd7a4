//! Human documentation served by the API itself: a page per `shop:` relation (the target of
//! the `shop` curie) and a page per problem type (the `type` of every problem).

use poem_openapi::{ApiResponse, OpenApi, param::Path, payload::Html};

use super::ApiTags;
use crate::{
    http::{
        error::{ApiError, Problems, problems},
        html::{Page, escape},
    },
    problem_set,
};

/// A link relation of the `shop` curie.
#[derive(Debug)]
pub struct Rel {
    pub name: &'static str,
    pub target: &'static str,
    pub methods: &'static str,
    pub auth: &'static str,
}

/// Every `shop:` relation the API emits.
pub const RELS: &[Rel] = &[
    Rel {
        name: "products",
        target: "The catalogue: a paged collection of products, filtered by the templated parameters `q`, `isbn`, `format`, `kind` and `available`. Items are embedded under `shop:products`.",
        methods: "GET (anyone); POST (merchant: add a product)",
        auth: "None to read. HTTP Basic `app_key:secret` to add.",
    },
    Rel {
        name: "product",
        target: "One product: title, ISBN, format, protection, price, refund policy. Templated at the root as `/products/{uid}`.",
        methods: "GET (anyone); PUT with `If-Match` (the owning merchant)",
        auth: "None to read. HTTP Basic `app_key:secret` to replace.",
    },
    Rel {
        name: "bill",
        target: "The sale simulation: POST the body of an order to get its priced lines, taxes for the buyer's country and region, vouchers and totals, without saving anything.",
        methods: "POST",
        auth: "None (a customer token, when sent, must be valid).",
    },
    Rel {
        name: "orders",
        target: "Orders. POST an order body to place an order (answered with its one-time `token`); GET lists the caller's orders, newest first, paged and filtered by `status`, `created_gte`, `created_lt` and `external_reference`. Items are embedded under `shop:orders`.",
        methods: "POST (anyone: guest or customer); GET (customer or merchant)",
        auth: "None to place (or a customer token). To list: `Cognito-Token`/Bearer customer token, or merchant HTTP Basic.",
    },
    Rel {
        name: "order",
        target: "One order: status, consumer, totals, taxes, transaction and customer ids, sale state, and its lines embedded under `shop:order_lines`. Templated at the root as `/orders/{uid}`.",
        methods: "GET",
        auth: "The order's `Order-Token`, the token of the customer who placed it, or the merchant's HTTP Basic credentials. Anyone else gets 404.",
    },
    Rel {
        name: "order_lines",
        target: "The lines of an order, embedded in it: each product as it was sold, with quantity, unit price, net, taxes and total. Each line's `self` is `/orders/{uid}/lines/{n}` (numbered from 1), readable on its own.",
        methods: "GET (each line's `self`)",
        auth: "As the order.",
    },
    Rel {
        name: "ordercancellation",
        target: "Cancels an order that awaits payment: POST `{\"order\": <order URI>, \"reason\": \"…\"}`. Present on an order only while it can be cancelled.",
        methods: "POST",
        auth: "As the order.",
    },
    Rel {
        name: "deliveries",
        target: "The deliveries of a paid order: one per unit sold, each with its 10-character access code, status (`active`, `redeemed`, `voided`), download time and reading progress. Items are embedded under `shop:deliveries` (also in the completed order).",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "delivery",
        target: "The delivery a download link belongs to.",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "download_links",
        target: "POST here for a one-time link to the delivery's file, valid 60 seconds. Following it records the download: the delivery is then fulfilled and no longer refundable.",
        methods: "POST",
        auth: "As the order.",
    },
    Rel {
        name: "usage",
        target: "PUT `{\"percent\": 0-100}` to report how far the buyer has read; it never goes down.",
        methods: "PUT",
        auth: "As the order.",
    },
    Rel {
        name: "refund_requests",
        target: "The refund requests of an order (`?order=<order URI>`), embedded under `shop:refund_requests`; POST `{order, refund_percentage, voucher_percentage, donation_percentage, …}` to open one.",
        methods: "GET, POST",
        auth: "The order's `Order-Token` or its customer's token; the merchant may read.",
    },
    Rel {
        name: "refund_request",
        target: "One refund request: split, status, source, and its refund bill embedded under `shop:refund_bill`. PUT with `If-Match` to change it (holder) or decide it (merchant).",
        methods: "GET, PUT",
        auth: "The order's `Order-Token` or its customer's token; the merchant reads and decides.",
    },
    Rel {
        name: "refund_bill",
        target: "What a refund comes to: the refundable amount split into refund, voucher and donation amounts that add up to it to the cent. `?order=<URI>&refund_percentage=…` previews; `?refund_request=<uid>` shows a request's.",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "refunds",
        target: "The refunds made for an order (`?order=<order URI>`): type `psp` or `voucher`, amount breakdown by product, receipt. Embedded under `shop:refunds`.",
        methods: "GET",
        auth: "As the order.",
    },
    Rel {
        name: "root",
        target: "The API root, where every client starts.",
        methods: "GET",
        auth: "None.",
    },
    Rel {
        name: "sales_points",
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
    /// Errors of documentation pages.
    DocProblems:
    404 => "`not_found`: no such relation or problem type.",
    405 => "`method_not_allowed`."
);

#[derive(Default)]
pub struct DocsApi;

#[OpenApi(tag = "ApiTags::Documentation")]
impl DocsApi {
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
