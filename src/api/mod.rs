//! The HTTP resources, one module per resource, combined into one OpenAPI service.

pub mod deliveries;
pub mod dev_tokens;
pub mod docs;
pub mod events;
pub mod events_feed;
mod examples;
pub mod lending;
pub mod me;
pub mod orders;
pub mod payments;
pub mod pos;
pub mod products;
pub mod refunds;
pub mod reports;
pub mod representations;
pub mod root;
pub mod tickets;
pub mod types;
pub mod vouchers;
pub mod webhooks;

use poem_openapi::{OpenApiService, Tags};

use crate::http::{forms::HAL_FORMS_JSON, hal::HAL_JSON};

#[derive(Tags)]
pub enum ApiTags {
    /// The entry point.
    Root,
    /// Products (ebooks and tickets) and the events tickets let their holders into.
    Catalogue,
    /// Tickets: barcodes, signed QR payloads, check-in at the door, and the keys that
    /// verify them.
    Tickets,
    /// The bill, orders, cancellation and vouchers.
    Checkout,
    /// Payment notifications and the sandbox payment provider.
    Payment,
    /// Deliveries, downloads and reading progress.
    Deliveries,
    /// Refund requests, refund bills, refunds and event refunds.
    Refunds,
    /// Bookstore tills: purchases with access codes, voids, code redemption, libraries.
    PointOfSale,
    /// The logged-in customer.
    Customers,
    /// Events out: webhook endpoints, their delivery log, redeliveries and the event feed.
    Webhooks,
    /// The shop's reports: the daily sales summary in HAL and CSV.
    Reports,
    /// Library lending: library offers, licences, loans to patrons, holds queues and the
    /// library's report.
    Lending,
    /// Pages documenting link relations and problem types.
    Documentation,
}

/// Every resource of the API; each is a unit struct whose handlers take the application
/// state from the request.
pub type Api = (
    root::RootApi,
    products::ProductsApi,
    events::EventsApi,
    tickets::TicketsApi,
    orders::OrdersApi,
    vouchers::VouchersApi,
    payments::PaymentsApi,
    deliveries::DeliveriesApi,
    refunds::RefundsApi,
    pos::PosApi,
    // A tuple has at most 12 members: the later resources are grouped.
    (
        me::MeApi,
        dev_tokens::DevTokensApi,
        reports::ReportsApi,
        lending::LendingApi,
        lending::CirculationApi,
    ),
    (webhooks::WebhooksApi, events_feed::EventsFeedApi, docs::DocsApi),
);

const DESCRIPTION: &str = "A HAL hypermedia shopping API for digital goods (ebooks, access codes, event tickets) and their refunds.\n\n\
Start at `/` and follow `_links`: every href is absolute, custom relations are `shop:<rel>` (the `shop` curie points at a page documenting each). \
Successful responses are `application/hal+json`; errors are RFC 9457 `application/problem+json` with a stable `code`. \
Money is `{\"amount\": \"12.50\", \"currency\": \"EUR\"}`. POST requests accept an `Idempotency-Key` header; GET responses carry an `ETag`.";

/// The OpenAPI service. Without a `servers` entry, Swagger UI calls the origin it was loaded
/// from, and the document is the same whatever the deployment URL.
pub fn service() -> OpenApiService<Api, ()> {
    OpenApiService::new(Api::default(), "halshop", env!("CARGO_PKG_VERSION")).description(DESCRIPTION)
}

/// The OpenAPI document as served at `/openapi.json` (pretty-printed JSON). Handlers take
/// the application state from the request, so the document needs none.
pub fn spec_json() -> String {
    finish_spec(&service().spec())
}

/// Completes what the generator leaves out: request bodies refuse unknown fields and
/// responses carry only the declared ones, so every object schema is closed
/// (`additionalProperties: false`); and every HAL response may be asked for as HAL-FORMS.
pub fn finish_spec(generated: &str) -> String {
    let Ok(mut spec) = serde_json::from_str::<serde_json::Value>(generated) else {
        return generated.to_owned();
    };
    if let Some(schemas) = spec
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
    {
        for schema in schemas.values_mut() {
            if schema.get("type").and_then(|t| t.as_str()) == Some("object")
                && schema.get("properties").is_some()
                && let Some(object) = schema.as_object_mut()
            {
                object.insert("additionalProperties".into(), serde_json::Value::Bool(false));
            }
        }
    }
    offer_hal_forms(&mut spec);
    examples::add_problem_examples(&mut spec);
    serde_json::to_string_pretty(&spec).unwrap_or_else(|_| generated.to_owned())
}

/// Every `application/hal+json` response is also served as `application/prs.hal-forms+json`
/// (the same document, `_templates` included) to a client that asks for it.
fn offer_hal_forms(spec: &mut serde_json::Value) {
    let Some(paths) = spec.get_mut("paths").and_then(serde_json::Value::as_object_mut) else {
        return;
    };
    let operations = paths
        .values_mut()
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|path| path.values_mut());
    let responses = operations
        .filter_map(|operation| operation.get_mut("responses"))
        .filter_map(serde_json::Value::as_object_mut)
        .flat_map(|responses| responses.values_mut());
    for response in responses {
        if let Some(content) = response
            .get_mut("content")
            .and_then(serde_json::Value::as_object_mut)
            && let Some(hal) = content.get(HAL_JSON).cloned()
        {
            content.insert(HAL_FORMS_JSON.into(), hal);
        }
    }
}
