//! What the merchant may do with their products now, as HAL-FORMS templates: add one to
//! the catalogue, edit one, withdraw one that is still on sale.

use entity::product;

use super::input::ProductInput;
use crate::{
    api::{lending::LibraryOfferInput, refunds::WithdrawalInput, types::MoneyRepr},
    domain::money::{Currency, Money},
    http::{
        forms::{FormTemplate, Templates, templates},
        hal::Hal,
    },
};

/// The `_templates` of the catalogue for a merchant: `create`.
pub fn catalogue_templates(hal: &Hal) -> Option<Templates> {
    templates(vec![(
        "create",
        FormTemplate::of::<ProductInput>("POST", "Add a product", hal.href("/products")),
    )])
}

/// The `_templates` of a product for the merchant who sells it: `edit` (starting from the
/// current values), `offer_to_libraries` for an ebook, and `withdraw` while it is on sale.
pub fn product_templates(hal: &Hal, product: &product::Model, event_uid: Option<&str>) -> Option<Templates> {
    let target = hal.href(&format!("/products/{}", product.uid));
    let price = product
        .currency
        .parse::<Currency>()
        .ok()
        .map(|currency| MoneyRepr::from(Money::from_minor(product.price_minor, currency)));
    let mut edit = FormTemplate::of::<ProductInput>("PUT", "Save the product", target)
        .prefilled("sku", product.sku.clone())
        .prefilled("title", product.title.clone())
        .prefilled("kind", product.kind.clone())
        .prefilled("format", product.format.clone())
        .prefilled("protection", product.protection.clone())
        .prefilled("price_includes_tax", product.price_includes_tax.to_string())
        .prefilled("available", product.available.to_string())
        .prefilled("max_per_order", product.max_per_order.to_string())
        .prefilled_member("refund_policy", "refund_days", product.refund_days.to_string())
        .prefilled_member(
            "refund_policy",
            "usage_limit_percent",
            product.usage_limit_percent.to_string(),
        );
    if let Some(price) = price {
        edit = edit
            .prefilled_member("price", "amount", price.amount)
            .prefilled_member("price", "currency", price.currency);
    }
    if let Some(isbn) = &product.isbn {
        edit = edit.prefilled("isbn", isbn.clone());
    }
    if let Some(uid) = event_uid {
        edit = edit.prefilled("event", hal.href(&format!("/events/{uid}")));
    }
    if let Some(capacity) = product.capacity {
        edit = edit.prefilled("capacity", capacity.to_string());
    }
    let mut offered = vec![("edit", edit)];
    if product.kind == "ebook" {
        let offer = FormTemplate::of::<LibraryOfferInput>(
            "POST",
            "Offer the ebook to libraries",
            hal.href(&format!("/products/{}/library_offers", product.uid)),
        );
        offered.push(("offer_to_libraries", offer));
    }
    if product.available {
        let withdraw = FormTemplate::of::<WithdrawalInput>(
            "POST",
            "Withdraw the product",
            hal.href(&format!("/products/{}/withdrawal", product.uid)),
        );
        offered.push(("withdraw", withdraw));
    }
    templates(offered)
}
