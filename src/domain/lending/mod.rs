//! Library lending: licences a merchant offers libraries for an ebook, bought through the
//! ordinary order and payment flow, and lent by the library to its patrons.
//!
//! - [`offers`]: the licence offers on an ebook (price and terms);
//! - [`libraries`]: the libraries, a principal of their own (HTTP Basic `api_key:secret`);
//! - [`buying`]: a library's order for offers, and the licences its sale issues;
//! - [`title`]: one library's copies of one title, locked and brought up to date (loans
//!   past due expire, holds not claimed in time lapse, freed copies go to the holds queue);
//! - [`loans`], [`holds`], [`links`]: lending, returning, queueing and downloading;
//! - [`reports`] and [`sweep`]: the library's report and the background expiry.
//!
//! The terms are kept by the database: every change to a licence's counters is a
//! conditional update, under a CHECK that keeps `active_loans + held_copies` within
//! `max_concurrent_loans` and `loans_used + held_copies` within `max_total_loans`.

pub mod buying;
pub mod holds;
pub mod libraries;
pub mod licences;
pub mod links;
pub mod loans;
pub mod names;
pub mod offers;
pub mod reports;
pub mod sweep;
pub mod title;

use chrono::{DateTime, Duration, Utc};
use entity::licence;

/// How long a copy set aside for a ready hold waits for its patron.
pub const HOLD_OFFER: Duration = Duration::hours(48);

/// The licence terms of an offer, copied into each licence bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Terms {
    /// At least 1.
    pub max_concurrent_loans: i32,
    /// `None`: unlimited.
    pub max_total_loans: Option<i32>,
    /// `None`: perpetual.
    pub valid_months: Option<i32>,
    /// The longest loan, in days.
    pub max_loan_days: i32,
}

/// A term out of its range, by field name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermError {
    pub field: &'static str,
    pub message: &'static str,
}

impl Terms {
    /// Checks every term; each one out of range is named.
    pub fn check(&self) -> Vec<TermError> {
        let mut errors = Vec::new();
        let mut out = |field, ok: bool, message| {
            if !ok {
                errors.push(TermError { field, message });
            }
        };
        out(
            "max_concurrent_loans",
            (1..=10_000).contains(&self.max_concurrent_loans),
            "from 1 to 10000",
        );
        out(
            "max_total_loans",
            self.max_total_loans.is_none_or(|n| (1..=1_000_000).contains(&n)),
            "from 1 to 1000000, or null for unlimited loans",
        );
        out(
            "valid_months",
            self.valid_months.is_none_or(|n| (1..=1200).contains(&n)),
            "from 1 to 1200, or null for a perpetual licence",
        );
        out(
            "max_loan_days",
            (1..=366).contains(&self.max_loan_days),
            "from 1 to 366",
        );
        errors
    }
}

/// Where a licence stands, from its counters and dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LicenceStatus {
    /// Can be lent (when a copy is free).
    Active,
    /// Every loan of `max_total_loans` was made.
    Exhausted,
    /// Past `expires_at`.
    Expired,
}

impl LicenceStatus {
    pub fn of(licence: &licence::Model, now: DateTime<Utc>) -> Self {
        if licence.expires_at.is_some_and(|at| at <= now) {
            LicenceStatus::Expired
        } else if licence
            .max_total_loans
            .is_some_and(|max| licence.loans_used >= max)
        {
            LicenceStatus::Exhausted
        } else {
            LicenceStatus::Active
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LicenceStatus::Active => "active",
            LicenceStatus::Exhausted => "exhausted",
            LicenceStatus::Expired => "expired",
        }
    }
}

/// Whether a new loan (or a copy set aside) fits the licence now: unexpired, a copy free,
/// a loan left. The same conditions guard the updates in SQL.
pub fn has_free_copy(licence: &licence::Model, now: DateTime<Utc>) -> bool {
    licence.expires_at.is_none_or(|at| at > now)
        && licence.active_loans + licence.held_copies < licence.max_concurrent_loans
        && licence
            .max_total_loans
            .is_none_or(|max| licence.loans_used + licence.held_copies < max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms() -> Terms {
        Terms {
            max_concurrent_loans: 1,
            max_total_loans: Some(55),
            valid_months: None,
            max_loan_days: 21,
        }
    }

    #[test]
    fn terms_within_their_ranges_pass() {
        assert!(terms().check().is_empty());
    }

    #[test]
    fn each_term_out_of_range_is_named() {
        let bad = Terms {
            max_concurrent_loans: 0,
            max_total_loans: Some(0),
            valid_months: Some(0),
            max_loan_days: 0,
        };
        let fields: Vec<_> = bad.check().into_iter().map(|e| e.field).collect();
        assert_eq!(
            fields,
            [
                "max_concurrent_loans",
                "max_total_loans",
                "valid_months",
                "max_loan_days"
            ]
        );
    }
}
