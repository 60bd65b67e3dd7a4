//! In-process copies of rows that are read on hot paths and almost never written.
//!
//! Several instances may share one database, and some writes come from other processes (the
//! admin commands), so a copy is never trusted for long: it expires after a few seconds, after
//! which the next reader loads it again. A write made in this process drops it at once.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
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

/// Counts the writes begun through this instance. A copy is stamped with the count read
/// before its row was loaded; once another write begins, the copy is stale, so a reader
/// never sees data older than a write this instance started before the read.
#[derive(Debug, Default)]
pub struct Writes(AtomicU64);

impl Writes {
    /// The count now: the stamp of a copy about to be loaded.
    pub fn current(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }

    /// A write begins (and again when it ends): every copy stamped before is stale.
    pub fn begin(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Copies by key, each served while no write began since it was loaded and for at most
/// [`FRESH_FOR`]; at most `max` are kept (all are dropped when full).
#[derive(Debug)]
pub struct Copies<K, V> {
    writes: Arc<Writes>,
    fresh_for: Duration,
    max: usize,
    copies: RwLock<HashMap<K, (u64, Instant, V)>>,
}

impl<K: Eq + Hash, V: Clone> Copies<K, V> {
    pub fn new(writes: Arc<Writes>, fresh_for: Duration, max: usize) -> Self {
        Self {
            writes,
            fresh_for,
            max,
            copies: RwLock::new(HashMap::new()),
        }
    }

    /// The stamp to give a copy about to be loaded.
    pub fn stamp(&self) -> u64 {
        self.writes.current()
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let current = self.writes.current();
        let copies = self
            .copies
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        copies
            .get(key)
            .filter(|(stamp, loaded, _)| *stamp == current && loaded.elapsed() < self.fresh_for)
            .map(|(_, _, value)| value.clone())
    }

    /// Drops every copy (their stamps are stale already once a write began).
    pub fn clear(&self) {
        self.copies
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    /// Keeps a copy loaded after `stamp` was read, unless a write began since.
    pub fn put(&self, key: K, stamp: u64, value: V) {
        let mut copies = self
            .copies
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if stamp != self.writes.current() {
            return;
        }
        if copies.len() >= self.max {
            copies.clear();
        }
        copies.insert(key, (stamp, Instant::now(), value));
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

    #[test]
    fn a_copy_loaded_before_a_write_began_is_not_served() {
        let writes = Arc::new(Writes::default());
        let copies = Copies::new(writes.clone(), Duration::from_secs(60), 8);
        let stamp = copies.stamp();
        copies.put("book", stamp, 1);
        assert_eq!(copies.get(&"book"), Some(1));
        writes.begin();
        assert_eq!(copies.get(&"book"), None);
        copies.put("book", stamp, 1);
        assert_eq!(copies.get(&"book"), None);
    }
}
