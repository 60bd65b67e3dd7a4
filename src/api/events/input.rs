//! What a merchant sends for an event, turned into domain values; each refused field is
//! named by its JSON pointer.

use chrono::{DateTime, Utc};
use poem_openapi::Object;
use serde::Deserialize;

use super::view::EventRepr;
use crate::{
    domain::events::{EventDraft, EventField, NewEvent},
    http::{
        error::{ApiError, FieldError},
        round_trip::Editable,
    },
};

/// What a merchant sends to create or replace an event.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(example, deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct EventInput {
    /// 1–300 characters.
    #[oai(validator(min_length = 1, max_length = 300))]
    pub title: String,
    /// Where it takes place, 1–300 characters.
    #[oai(validator(min_length = 1, max_length = 300))]
    pub venue: String,
    /// When it starts (RFC 3339).
    pub starts_at: DateTime<Utc>,
    /// When it ends (RFC 3339), after it starts. Tickets are sold until then.
    pub ends_at: DateTime<Utc>,
    /// IANA time zone of the venue, e.g. `Europe/Amsterdam`.
    #[oai(validator(min_length = 1, max_length = 64))]
    pub time_zone: String,
    /// Places of the event over all its ticket products (1–1000000); not below the places
    /// already held.
    #[oai(validator(minimum(value = "1"), maximum(value = "1000000")))]
    pub capacity: i64,
}

impl poem_openapi::types::Example for EventInput {
    fn example() -> Self {
        let at = |text: &str| {
            DateTime::parse_from_rfc3339(text)
                .map(|t| t.with_timezone(&Utc))
                .unwrap_or_default()
        };
        EventInput {
            title: "Montréal Book Fair 2027".into(),
            venue: "Palais des congrès de Montréal".into(),
            starts_at: at("2027-11-17T14:00:00Z"),
            ends_at: at("2027-11-21T23:00:00Z"),
            time_zone: "America/Toronto".into(),
            capacity: 2000,
        }
    }
}

/// A replacement may be the event as a GET gave it, edited.
impl Editable for EventInput {
    type Repr = EventRepr;
    const SCHEMA_NAME: &'static str = "EventReplacement";
}

impl EventInput {
    /// Checks every rule and collects every broken one, each with its JSON pointer.
    pub fn draft(&self) -> Result<EventDraft, ApiError> {
        NewEvent {
            title: &self.title,
            venue: &self.venue,
            starts_at: self.starts_at,
            ends_at: self.ends_at,
            time_zone: &self.time_zone,
            capacity: self.capacity,
        }
        .draft()
        .map_err(|refusals| {
            ApiError::validation(
                refusals
                    .into_iter()
                    .map(|(field, message)| FieldError::new(pointer(field), message))
                    .collect(),
            )
        })
    }
}

fn pointer(field: EventField) -> &'static str {
    match field {
        EventField::Title => "/title",
        EventField::Venue => "/venue",
        EventField::EndsAt => "/ends_at",
        EventField::TimeZone => "/time_zone",
        EventField::Capacity => "/capacity",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::round_trip::mismarked_read_only;

    #[test]
    fn the_event_schema_marks_exactly_what_a_replacement_cannot_change_as_read_only() {
        assert!(mismarked_read_only::<EventInput>().is_empty());
    }
}

/// Register a door scanner.
#[derive(Debug, Clone, Object, Deserialize)]
#[oai(deny_unknown_fields)]
#[serde(deny_unknown_fields)]
pub struct ScannerInput {
    /// What to call it, 1–100 characters (`Gate A, left`).
    #[oai(validator(min_length = 1, max_length = 100))]
    pub name: String,
}

impl ScannerInput {
    /// The name, trimmed; a blank one is refused.
    pub fn name(&self) -> Result<String, ApiError> {
        let name = self.name.trim();
        if name.is_empty() {
            return Err(ApiError::validation(vec![FieldError::new(
                "/name",
                "1 to 100 characters",
            )]));
        }
        Ok(name.to_owned())
    }
}
