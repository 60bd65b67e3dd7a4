//! A merchant's days: the IANA time zone they are counted in, and where one begins and
//! ends in UTC.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

/// An IANA time zone, such as `Europe/Amsterdam` or `UTC`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MerchantZone(Tz);

impl MerchantZone {
    /// The zone named `name` (exact IANA spelling), if there is one.
    pub fn parse(name: &str) -> Option<Self> {
        name.parse::<Tz>().ok().map(Self)
    }

    /// The zone stored for a merchant; an unknown name (which the CLI never writes) counts
    /// as UTC rather than failing every report.
    pub fn of_stored(name: &str) -> Self {
        Self::parse(name).unwrap_or(Self(Tz::UTC))
    }

    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The local date at `instant`.
    pub fn date_at(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.0).date_naive()
    }

    /// The first instant of `date` in this zone. Where local midnight does not exist (a
    /// daylight-saving gap at midnight), the day begins at the end of the gap.
    fn start_of(&self, date: NaiveDate) -> DateTime<Utc> {
        let midnight = date.and_time(NaiveTime::MIN);
        match self.0.from_local_datetime(&midnight) {
            LocalResult::Single(at) | LocalResult::Ambiguous(at, _) => at.with_timezone(&Utc),
            LocalResult::None => (1..=24)
                .find_map(|minutes| {
                    self.0
                        .from_local_datetime(&(midnight + Duration::minutes(minutes * 15)))
                        .earliest()
                })
                .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc)),
        }
    }

    /// `date` as a half-open interval of instants in this zone.
    pub fn day(&self, date: NaiveDate) -> Day {
        let next = date.succ_opt().unwrap_or(date);
        Day {
            date,
            zone: *self,
            starts_at: self.start_of(date),
            ends_at: self.start_of(next),
        }
    }
}

/// One local day of a merchant: the sales of `[starts_at, ends_at)` count on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub zone: MerchantZone,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl Day {
    /// Whether the day has ended at `now`: its summary can no longer change by a sale.
    pub fn is_closed(&self, now: DateTime<Utc>) -> bool {
        now >= self.ends_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_day_in_amsterdam_begins_at_23_00_utc_in_winter() {
        let zone = MerchantZone::parse("Europe/Amsterdam").unwrap();
        let day = zone.day(date("2026-11-20"));
        assert_eq!(day.starts_at.to_rfc3339(), "2026-11-19T23:00:00+00:00");
        assert_eq!(day.ends_at.to_rfc3339(), "2026-11-20T23:00:00+00:00");
    }

    #[test]
    fn a_day_of_a_change_to_summer_time_has_23_hours() {
        let zone = MerchantZone::parse("Europe/Amsterdam").unwrap();
        let day = zone.day(date("2026-03-29"));
        assert_eq!((day.ends_at - day.starts_at).num_hours(), 23);
    }

    #[test]
    fn a_day_without_local_midnight_begins_after_the_gap() {
        // Santiago moves its clocks from 00:00 to 01:00 in September.
        let zone = MerchantZone::parse("America/Santiago").unwrap();
        let day = zone.day(date("2026-09-06"));
        assert_eq!(zone.date_at(day.starts_at), date("2026-09-06"));
        assert!(day.ends_at > day.starts_at);
    }

    #[test]
    fn unknown_zones_are_refused_and_stored_ones_fall_back_to_utc() {
        assert!(MerchantZone::parse("Europe/Atlantis").is_none());
        assert!(MerchantZone::parse("europe/amsterdam").is_none());
        assert_eq!(MerchantZone::of_stored("nowhere").name(), "UTC");
    }
}
