//! What the merchant may do with events now, as HAL-FORMS templates.

use entity::event;

use super::input::{EventInput, ScannerInput};
use crate::{
    api::{products::ProductInput, refunds::WithdrawalInput},
    http::{
        forms::{FormTemplate, Templates, templates},
        hal::Hal,
    },
};

/// The `_templates` of the events listing for a merchant: `create`.
pub fn events_templates(hal: &Hal) -> Option<Templates> {
    templates(vec![(
        "create",
        FormTemplate::of::<EventInput>("POST", "Add an event", hal.href("/events")),
    )])
}

/// The `_templates` of an event for its merchant: `edit` (from the current values), and
/// until it is cancelled `add_ticket` (a ticket product of this event), `add_scanner` (a
/// door scanner's token) and `cancel`.
pub fn event_templates(hal: &Hal, event: &event::Model) -> Option<Templates> {
    let path = format!("/events/{}", event.uid);
    let time = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let edit = FormTemplate::of::<EventInput>("PUT", "Save the event", hal.href(&path))
        .prefilled("title", event.title.clone())
        .prefilled("venue", event.venue.clone())
        .prefilled("starts_at", time(event.starts_at))
        .prefilled("ends_at", time(event.ends_at))
        .prefilled("time_zone", event.time_zone.clone())
        .prefilled("capacity", event.capacity.to_string());
    let mut offered = vec![("edit", edit)];
    if event.cancelled_at.is_none() {
        let add_ticket = FormTemplate::of::<ProductInput>("POST", "Add a ticket", hal.href("/products"))
            .without(&["isbn", "format", "protection"])
            .fixed("kind", "ticket")
            .fixed("event", &hal.href(&path));
        offered.push(("add_ticket", add_ticket));
        let add_scanner = FormTemplate::of::<ScannerInput>(
            "POST",
            "Register a door scanner",
            hal.href(&format!("{path}/scanners")),
        );
        offered.push(("add_scanner", add_scanner));
        let cancel = FormTemplate::of::<WithdrawalInput>(
            "POST",
            "Cancel the event and offer every ticket holder a refund",
            hal.href(&format!("{path}/cancellation")),
        );
        offered.push(("cancel", cancel));
    }
    templates(offered)
}
