//! Reads taken together: many concurrent reads of rows by key answered by one query.
//!
//! When thousands of buyers read their orders at once, each read's query costs far more in
//! round trips (acquiring a connection, handing the statement to the database, the rows back,
//! the connection's return) than in the database's own work. A [`Coalesced`] read waits
//! while another batch's query runs; the reads that arrived meanwhile are then answered by
//! one query for all their keys.
//!
//! No read is answered from a query that began before the read arrived: a read joins only
//! the next batch, never one already running, so it sees every write committed before it
//! was asked for, exactly as its own query would. A read that arrives alone runs alone,
//! at once.

use std::{
    collections::HashMap,
    future::Future,
    pin::Pin,
    sync::{Arc, Mutex, MutexGuard},
};

use sea_orm::DbErr;
use tokio::sync::oneshot;

/// At most this many keys go into one query; more waiting reads wait for the next one.
const MAX_BATCH: usize = 64;

type Answer<V> = oneshot::Sender<Result<Option<V>, DbErr>>;
/// What a batch's query answers: the values found by key, and the state it hands on.
pub type Found<V, S> = (S, Result<HashMap<String, V>, DbErr>);
type Fetched<V, S> = Pin<Box<dyn Future<Output = Found<V, S>> + Send>>;
type Fetch<V, S> = dyn Fn(S, Vec<String>) -> Fetched<V, S> + Send + Sync;

/// Reads of `V` by key, taken together. Cloning shares the batches.
///
/// The batches of one run (from a read that finds none running to the batch after which
/// none waits) hand a state `S` from one query to the next, such as a database connection
/// they keep; it starts as `S::default()` and is dropped when the run ends.
pub struct Coalesced<V, S = ()> {
    fetch: Arc<Fetch<V, S>>,
    queue: Arc<Mutex<Queue<V>>>,
}

struct Queue<V> {
    waiting: Vec<(String, Answer<V>)>,
    running: bool,
}

impl<V, S> Clone for Coalesced<V, S> {
    fn clone(&self) -> Self {
        Coalesced {
            fetch: self.fetch.clone(),
            queue: self.queue.clone(),
        }
    }
}

impl<V, S> std::fmt::Debug for Coalesced<V, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalesced").finish_non_exhaustive()
    }
}

impl<V: Clone + Send + 'static, S: Default + Send + 'static> Coalesced<V, S> {
    /// Reads by `fetch`, which answers the value of each key it found (keys are distinct,
    /// at most [`MAX_BATCH`] of them) and the state for the run's next batch.
    pub fn new<F, Fut>(fetch: F) -> Self
    where
        F: Fn(S, Vec<String>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Found<V, S>> + Send + 'static,
    {
        Coalesced {
            fetch: Arc::new(move |state, keys| Box::pin(fetch(state, keys)) as Fetched<V, S>),
            queue: Arc::new(Mutex::new(Queue {
                waiting: Vec::new(),
                running: false,
            })),
        }
    }

    /// The value of `key` as a query begun after this call finds it.
    pub async fn get(&self, key: &str) -> Result<Option<V>, DbErr> {
        let (answer, answered) = oneshot::channel();
        let start = {
            let mut queue = self.lock();
            queue.waiting.push((key.to_owned(), answer));
            !std::mem::replace(&mut queue.running, true)
        };
        if start {
            // Its own task: the batches go on whatever happens to the request that began them.
            tokio::spawn(self.clone().run());
        }
        answered
            .await
            .map_err(|_| DbErr::Custom("the batched read ended without an answer".to_owned()))?
    }

    fn lock(&self) -> MutexGuard<'_, Queue<V>> {
        self.queue.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Answers batches until no read waits.
    async fn run(self) {
        let _stopped = Stopped(&self);
        let mut state = S::default();
        loop {
            let batch: Vec<(String, Answer<V>)> = {
                let mut queue = self.lock();
                if queue.waiting.is_empty() {
                    queue.running = false;
                    return;
                }
                let take = queue.waiting.len().min(MAX_BATCH);
                queue.waiting.drain(..take).collect()
            };
            let mut keys: Vec<String> = batch.iter().map(|(key, _)| key.clone()).collect();
            keys.sort_unstable();
            keys.dedup();
            let (next, found) = (self.fetch)(std::mem::take(&mut state), keys).await;
            state = next;
            for (key, answer) in batch {
                let value = match &found {
                    Ok(values) => Ok(values.get(&key).cloned()),
                    Err(error) => Err(error.clone()),
                };
                // A read whose request went away no longer listens; nothing to do.
                let _ = answer.send(value);
            }
        }
    }
}

/// Should a batch's task end abnormally (a panic), the reads left waiting are answered with
/// an error by dropping them, and the next read starts a new task.
struct Stopped<'a, V, S>(&'a Coalesced<V, S>);

impl<V, S> Drop for Stopped<'_, V, S> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // Ended normally: it saw no read waiting and said so under the lock; another
            // task may be running batches already.
            return;
        }
        let mut queue = self
            .0
            .queue
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        queue.running = false;
        queue.waiting.clear();
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn counting(queries: Arc<AtomicUsize>) -> Coalesced<String> {
        Coalesced::new(move |(), keys: Vec<String>| {
            let queries = queries.clone();
            async move {
                queries.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                let found = keys
                    .into_iter()
                    .filter(|key| key != "missing")
                    .map(|key| (key.clone(), format!("value of {key}")))
                    .collect();
                ((), Ok(found))
            }
        })
    }

    #[tokio::test]
    async fn a_read_alone_gets_its_value() {
        let reads = counting(Arc::new(AtomicUsize::new(0)));
        assert_eq!(reads.get("a").await.unwrap().as_deref(), Some("value of a"));
        assert_eq!(reads.get("missing").await.unwrap(), None);
    }

    #[tokio::test]
    async fn reads_arriving_during_a_query_share_the_next_one() {
        let queries = Arc::new(AtomicUsize::new(0));
        let reads = counting(queries.clone());
        let first = tokio::spawn({
            let reads = reads.clone();
            async move { reads.get("a").await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let later: Vec<_> = ["b", "c", "b", "missing"]
            .into_iter()
            .map(|key| {
                let reads = reads.clone();
                tokio::spawn(async move { reads.get(key).await })
            })
            .collect();
        assert_eq!(first.await.unwrap().unwrap().as_deref(), Some("value of a"));
        let mut answers = Vec::new();
        for read in later {
            answers.push(read.await.unwrap().unwrap());
        }
        assert_eq!(
            answers,
            [Some("value of b"), Some("value of c"), Some("value of b"), None].map(|v| v.map(str::to_owned))
        );
        assert_eq!(queries.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn every_read_of_a_long_stream_is_answered_as_batches_start_and_end() {
        // Batches answered at once end often, so reads often arrive just as one ends.
        let reads: Coalesced<String> = Coalesced::new(|(), keys: Vec<String>| async move {
            ((), Ok(keys.into_iter().map(|key| (key.clone(), key)).collect()))
        });
        let tasks: Vec<_> = (0..20_000)
            .map(|n| {
                let reads = reads.clone();
                tokio::spawn(async move {
                    if n % 3 == 0 {
                        tokio::task::yield_now().await;
                    }
                    reads.get(&format!("key {}", n % 97)).await
                })
            })
            .collect();
        for (n, task) in tasks.into_iter().enumerate() {
            assert_eq!(task.await.unwrap().unwrap(), Some(format!("key {}", n % 97)));
        }
    }

    #[tokio::test]
    async fn the_batches_of_a_run_hand_their_state_on_and_the_next_run_starts_afresh() {
        let reads: Coalesced<usize, usize> = Coalesced::new(|batches: usize, keys: Vec<String>| async move {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            (
                batches + 1,
                Ok(keys.into_iter().map(|key| (key, batches)).collect()),
            )
        });
        let first = tokio::spawn({
            let reads = reads.clone();
            async move { reads.get("a").await }
        });
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let second = reads.get("b").await.unwrap();
        assert_eq!((first.await.unwrap().unwrap(), second), (Some(0), Some(1)));
        assert_eq!(reads.get("c").await.unwrap(), Some(0));
    }

    #[tokio::test]
    async fn a_failed_query_fails_every_read_of_its_batch() {
        let reads: Coalesced<String> = Coalesced::new(|(), _keys: Vec<String>| async {
            ((), Err(DbErr::Custom("database gone".to_owned())))
        });
        let error = reads.get("a").await.unwrap_err();
        assert_eq!(error.to_string(), "Custom Error: database gone");
    }
}
