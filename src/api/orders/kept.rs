//! Kept copies of order representations, so that reading an order again costs the one
//! query that finds it with its merchant and change mark (shared with the reads arriving
//! at the same time), not the three more that load its lines, deliveries and refund
//! requests and the rendering of all of it.
//!
//! A copy is served only if it cannot be stale. It was drawn from an order row, a merchant
//! row and the order's change mark, and is served only while the rows read now are equal to
//! them, field by field, and the mark is the same. The mark changes, by database triggers,
//! whenever a row the representation shows changes — a delivery, a refund request, a
//! refund, a voucher, a line — in the statement that changes it, so a change made by any
//! process through any path is seen (see [`changes`]). The mark is read before the rows the
//! copy is drawn from, so a copy is never older than its mark. What changes by the passing of
//! time alone (the end of the order's hold or of its refund period) ends the copy at that
//! instant. The copy is drawn for one kind of reader (the holder, or anyone else who may see
//! the order), whose representation differs by the actions offered.
//!
//! [`changes`]: crate::domain::orders::changes

use std::{
    collections::HashMap,
    sync::{Arc, RwLock},
};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use entity::{merchant, order};
use poem::http::HeaderValue;

use crate::http::middleware::body_etag;

/// Copies of at most this many orders are kept (some 5 kB each); past it, the older half
/// is dropped.
const CAPACITY: usize = 4_096;

/// The copies of one order: for a reader who does not hold it, and for its holder (who may
/// ask for a refund).
type Copies = [Option<Arc<Copy>>; 2];

#[derive(Debug)]
struct Copy {
    order: order::Model,
    merchant: merchant::Model,
    mark: i64,
    self_href: String,
    /// The copy is not served from this instant on.
    ends_at: Option<DateTime<Utc>>,
    body: Bytes,
    /// The body's ETag, computed once.
    etag: HeaderValue,
    /// Order of keeping, to drop the oldest first.
    kept: u64,
}

/// The kept copies of one instance.
#[derive(Debug, Default)]
pub struct KeptOrders {
    copies: RwLock<(u64, HashMap<String, Copies>)>,
}

/// What a copy is drawn from and for whom.
pub struct Drawn<'a> {
    pub order: &'a order::Model,
    pub merchant: &'a merchant::Model,
    /// The order's change mark, read before anything the copy is drawn from.
    pub mark: i64,
    pub holder: bool,
    pub self_href: &'a str,
}

impl KeptOrders {
    /// The body (and its ETag) drawn for the same reader from rows equal to those read now,
    /// if any.
    pub fn get(&self, drawn: &Drawn<'_>, now: DateTime<Utc>) -> Option<(Bytes, HeaderValue)> {
        let copies = self
            .copies
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let copy = copies.1.get(&drawn.order.uid)?[usize::from(drawn.holder)].as_ref()?;
        let current = copy.mark == drawn.mark
            && copy.order == *drawn.order
            && copy.merchant == *drawn.merchant
            && copy.self_href == drawn.self_href
            && copy.ends_at.is_none_or(|ends_at| now < ends_at);
        current.then(|| (copy.body.clone(), copy.etag.clone()))
    }

    /// Keeps the body just drawn, and answers its ETag; the copy ends at `ends_at` if time
    /// alone changes it then.
    pub fn keep(&self, drawn: &Drawn<'_>, ends_at: Option<DateTime<Utc>>, body: Bytes) -> HeaderValue {
        let etag = HeaderValue::from_str(&body_etag(&body)).expect("a hex ETag is a header value");
        let mut copies = self
            .copies
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (counter, map) = &mut *copies;
        *counter += 1;
        if map.len() >= CAPACITY {
            let newest = |copies: &Copies| copies.iter().flatten().map(|copy| copy.kept).max().unwrap_or(0);
            let mut ages: Vec<u64> = map.values().map(newest).collect();
            let (_, median, _) = ages.select_nth_unstable(map.len() / 2);
            let median = *median;
            map.retain(|_, copies| newest(copies) > median);
        }
        let copy = Copy {
            order: drawn.order.clone(),
            merchant: drawn.merchant.clone(),
            mark: drawn.mark,
            self_href: drawn.self_href.to_owned(),
            ends_at,
            body,
            etag: etag.clone(),
            kept: *counter,
        };
        let copies = map.entry(drawn.order.uid.clone()).or_default();
        copies[usize::from(drawn.holder)] = Some(Arc::new(copy));
        etag
    }
}
