//! What a library (or a merchant, for offers) may do, as HAL-FORMS templates.

use entity::{library, library_hold, loan};

use super::input::{HoldInput, LibraryOfferInput, LicenceOrderInput, LoanInput};
use crate::http::{
    forms::{FormTemplate, Templates, templates},
    hal::Hal,
};

fn borrow(hal: &Hal, library_uid: &str) -> FormTemplate {
    FormTemplate::of::<LoanInput>(
        "POST",
        "Lend a copy",
        hal.href(&format!("/libraries/{library_uid}/loans")),
    )
}

fn place_hold(hal: &Hal, library_uid: &str) -> FormTemplate {
    FormTemplate::of::<HoldInput>(
        "POST",
        "Queue a patron for a title",
        hal.href(&format!("/libraries/{library_uid}/holds")),
    )
}

/// The library's own `_templates`: `borrow`, `place_hold`, `buy_licences`.
pub fn library_templates(hal: &Hal, library: &library::Model) -> Option<Templates> {
    let buy = FormTemplate::of::<LicenceOrderInput>(
        "POST",
        "Buy licences",
        hal.href(&format!("/libraries/{}/orders", library.uid)),
    );
    templates(vec![
        ("borrow", borrow(hal, &library.uid)),
        ("place_hold", place_hold(hal, &library.uid)),
        ("buy_licences", buy),
    ])
}

/// The loan collection's `borrow`.
pub fn loans_templates(hal: &Hal, library_uid: &str) -> Option<Templates> {
    templates(vec![("borrow", borrow(hal, library_uid))])
}

/// The hold collection's `place_hold`.
pub fn holds_templates(hal: &Hal, library_uid: &str) -> Option<Templates> {
    templates(vec![("place_hold", place_hold(hal, library_uid))])
}

/// A running loan's `return` and `download`.
pub fn loan_templates(hal: &Hal, loan: &loan::Model) -> Option<Templates> {
    let path = format!("/loans/{}", loan.uid);
    templates(vec![
        (
            "return",
            FormTemplate::empty("POST", "Return the copy", hal.href(&format!("{path}/return"))),
        ),
        (
            "download",
            FormTemplate::empty(
                "POST",
                "Get a download link",
                hal.href(&format!("{path}/download_links")),
            ),
        ),
    ])
}

/// An open hold's `cancel`, and `borrow` (prefilled) when its copy is ready.
pub fn hold_templates(
    hal: &Hal,
    hold: &library_hold::Model,
    library_uid: &str,
    product_uid: &str,
) -> Option<Templates> {
    let mut actions = Vec::new();
    if hold.status == "ready" {
        let borrow = borrow(hal, library_uid)
            .prefilled("product", hal.href(&format!("/products/{product_uid}")))
            .prefilled("patron_id", hold.patron_id.clone());
        actions.push(("borrow", borrow));
    }
    if matches!(hold.status.as_str(), "waiting" | "ready") {
        let cancel = FormTemplate::empty(
            "POST",
            "Take the patron out of the queue",
            hal.href(&format!("/holds/{}/cancellation", hold.uid)),
        );
        actions.push(("cancel", cancel));
    }
    templates(actions)
}

/// A product's offers `create`, for its merchant.
pub fn offers_templates(hal: &Hal, product_uid: &str) -> Option<Templates> {
    templates(vec![(
        "create",
        FormTemplate::of::<LibraryOfferInput>(
            "POST",
            "Offer a licence to libraries",
            hal.href(&format!("/products/{product_uid}/library_offers")),
        ),
    )])
}
