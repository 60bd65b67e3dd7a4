//! In-process copies of rows that are read on hot paths and almost never written.
//!
//! Several instances may share one database, and some writes come from other processes (the
//! admin commands), so a copy is never trusted for long: it expires after a few seconds, after
//! which the next reader loads it again. A write made in this process drops it at once.

use std::sync::RwLock;
use std::time::{Duration, Instant};

/// How long a copy is served before it is loaded again from the database.
pub const FRESH_FOR: Duration = Duration::from_secs(5);

/// One value with the time it was loaded; empty until the first load and after expiry.
#[derive(Debug)]
pub struct Expiring<T> {
    fresh_for: Duration,
    slot: RwLock<Option<(Instant, T)>>,
}

impl<T: Clone> Expiring<T> {
    pub fn new(fresh_for: Duration) -> Self {
        Self {
            fresh_for,
            slot: RwLock::new(None),
        }
    }

    /// The copy, if one was stored less than `fresh_for` ago.
    pub fn get(&self) -> Option<T> {
        let slot = self.slot.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        slot.as_ref()
            .filter(|(loaded, _)| loaded.elapsed() < self.fresh_for)
            .map(|(_, value)| value.clone())
    }

    /// Stores a copy just loaded from the database.
    pub fn put(&self, value: T) {
        let mut slot = self.slot.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = Some((Instant::now(), value));
    }

    /// Drops the copy: the next reader loads the value again.
    pub fn invalidate(&self) {
        let mut slot = self.slot.write().unwrap_or_else(|poisoned| poisoned.into_inner());
        *slot = None;
    }
}

impl<T: Clone> Default for Expiring<T> {
    fn default() -> Self {
        Self::new(FRESH_FOR)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_copy_is_served_until_invalidated() {
        let cache = Expiring::new(Duration::from_secs(60));
        assert_eq!(cache.get(), None::<u32>);
        cache.put(7);
        assert_eq!(cache.get(), Some(7));
        cache.invalidate();
        assert_eq!(cache.get(), None);
    }

    #[test]
    fn a_copy_older_than_its_freshness_is_not_served() {
        let cache = Expiring::new(Duration::from_millis(20));
        cache.put("operator");
        assert_eq!(cache.get(), Some("operator"));
        std::thread::sleep(Duration::from_millis(30));
        assert_eq!(cache.get(), None);
    }
}
