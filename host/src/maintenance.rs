//! Keeping the database in shape: stored index entries in step with the
//! component's definitions, and the outbox within its retention rule.
//!
//! The component says which version of index definitions it computes
//! (`index-version`); the database keeps the version its entries were
//! written under ([`Meta`]). When they differ, as after an upgrade that
//! changed an index, every document is reindexed through the component
//! before the server answers a request.
//!
//! An event leaves the outbox once every registered consumer (each webhook
//! endpoint's and each extension's cursor) has acknowledged it and it is
//! older than the retention window, which keeps it readable meanwhile for
//! clients of `GET /api/v1/events`.

use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::backends::Backend;
use crate::capabilities::events::subscription::Subscriber;
use crate::clock::now_ms;
use crate::runtime::Runtime;

/// How long an acknowledged event stays in the outbox, unless configured.
pub const OUTBOX_RETENTION: Duration = Duration::from_secs(7 * 24 * 3600);
/// How often a server applies the retention rule.
const PRUNE_EVERY: Duration = Duration::from_secs(60);

/// Facts about the database itself, kept by its backend beside the data
/// they describe (such as the index version its entries were written under).
pub trait Meta: Send + Sync + 'static {
    /// The value of a fact, if recorded.
    fn get(&self, key: &str) -> Result<Option<String>>;

    /// Records a fact, replacing its value (last writer wins).
    fn set(&self, key: &str, value: &str) -> Result<()>;

    /// Whether the database holds any document of any collection.
    fn has_documents(&self) -> Result<bool>;
}

/// Documents per call into the component.
const STEP: u32 = 500;
/// The [`Meta`] fact that records the index version of the stored entries.
pub const INDEX_VERSION_KEY: &str = "index_version";

/// Reindexes unless the database's entries were written under the
/// component's index version; returns whether it reindexed.
pub fn reindex_if_stale(runtime: &Runtime, meta: &dyn Meta) -> Result<bool> {
    let wanted = runtime.call(|api, s| api.call_index_version(s))?;
    let stored = meta.get(INDEX_VERSION_KEY)?;
    if stored.as_deref() == Some(wanted.to_string().as_str()) {
        return Ok(false);
    }
    // A new database has nothing to reindex, only a version to record.
    let reindexed = meta.has_documents()?;
    if reindexed {
        tracing::info!(
            "index entries were written under version {}, the component computes {wanted}: reindexing",
            stored.as_deref().unwrap_or("unknown")
        );
        reindex(runtime)?;
    }
    meta.set(INDEX_VERSION_KEY, &wanted.to_string())?;
    Ok(reindexed)
}

/// Records the component's index version as the one the database's
/// entries were written under (after [`reindex`] rebuilt them all), so that
/// the next start does not rebuild them again.
pub fn record_index_version(runtime: &Runtime, meta: &dyn Meta) -> Result<()> {
    let version = runtime.call(|api, s| api.call_index_version(s))?;
    meta.set(INDEX_VERSION_KEY, &version.to_string())
}

/// Recomputes the index entries of every document; returns how many steps
/// it took. Each document's commit replaces the entries it held, so lookups
/// beside a running server (or replica) keep answering while it runs.
pub fn reindex(runtime: &Runtime) -> Result<u64> {
    let started = Instant::now();
    let mut cursor = None;
    let mut steps = 0u64;
    loop {
        let from = cursor.take();
        let next = runtime
            .call(move |api, s| api.call_reindex(s, from.as_ref(), STEP))?
            .map_err(|e| anyhow!("reindex refused: {e:?}"))?;
        match next {
            Some(at) => {
                steps += 1;
                cursor = Some(at);
            }
            None => {
                tracing::info!(
                    "reindexed in {} ms ({steps} calls)",
                    started.elapsed().as_millis()
                );
                return Ok(steps);
            }
        }
    }
}

/// Applies the retention rule once: deletes the events that every
/// registered consumer has acknowledged and that are older than
/// `retention` (the outbox keeps its newest event); returns how many.
pub fn prune_outbox(backend: &Backend, retention: Duration) -> Result<u64> {
    // Read before the cursors: an event appended meanwhile is not counted as
    // acknowledged, and a cursor registered meanwhile starts at the end.
    let mut through = backend.outbox.last_seq()?;
    for kind in Subscriber::ALL {
        for cursor in backend.cursors.list(kind)? {
            through = through.min(cursor.after_seq);
        }
    }
    let before = now_ms().saturating_sub(retention.as_millis().min(i64::MAX as u128) as i64);
    backend.outbox.prune(through, before)
}

/// Applies the retention rule every minute, on the current tokio runtime,
/// for as long as the runtime runs. Replicas may all do it: a deletion is
/// idempotent.
pub async fn keep_outbox_pruned(backend: Backend, retention: Duration) {
    loop {
        tokio::time::sleep(PRUNE_EVERY).await;
        let b = backend.clone();
        match tokio::task::spawn_blocking(move || prune_outbox(&b, retention)).await {
            Ok(Ok(0)) => {}
            Ok(Ok(n)) => tracing::info!("outbox retention: {n} acknowledged events deleted"),
            Ok(Err(e)) => tracing::warn!("outbox retention: {e:#}"),
            Err(e) => tracing::warn!("outbox retention: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::store::{Put, Write};
    use crate::bindings::types::Event;

    fn commit_event(b: &Backend, id: u64) {
        let write = Write::Put(Put {
            collection: "contacts".into(),
            id,
            body: "{}".into(),
            entries: Vec::new(),
            expected_version: None,
            exclusive: Vec::new(),
        });
        let event = Event {
            kind: "contact.created".into(),
            contact_id: id,
            body: "{}".into(),
        };
        b.store.commit(&[write], &[event]).unwrap().unwrap();
    }

    fn seqs(b: &Backend) -> Vec<u64> {
        b.outbox
            .after(0, 100)
            .unwrap()
            .iter()
            .map(|e| e.seq)
            .collect()
    }

    /// Only what every consumer acknowledged, and only once old enough.
    #[test]
    fn retention_waits_for_every_consumer_and_the_window() {
        let dir = std::env::temp_dir().join(format!("contacts-retention-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let b = crate::backends::open(&format!("sqlite:{}", dir.join("t.db").display())).unwrap();
        b.cursors
            .register(Subscriber::Webhook, "http://a/")
            .unwrap();
        b.cursors.register(Subscriber::Extension, "audit").unwrap();
        for id in 1..=5 {
            commit_event(&b, id);
        }
        let all = seqs(&b);
        assert_eq!(all.len(), 5);
        let ack = |kind, key: &str, seq| {
            let now = now_ms();
            b.cursors
                .claim(kind, key, "me", now, now + 10_000)
                .unwrap()
                .unwrap();
            assert!(b.cursors.advance(kind, key, "me", seq).unwrap());
        };
        ack(Subscriber::Webhook, "http://a/", all[3]);
        ack(Subscriber::Extension, "audit", all[1]);
        // Acknowledged by both, but not yet old enough.
        assert_eq!(prune_outbox(&b, Duration::from_secs(3600)).unwrap(), 0);
        assert_eq!(seqs(&b), all);
        // Old enough: only what the slower consumer acknowledged goes.
        assert_eq!(prune_outbox(&b, Duration::ZERO).unwrap(), 2);
        assert_eq!(seqs(&b), all[2..]);
        ack(Subscriber::Extension, "audit", all[4]);
        assert_eq!(prune_outbox(&b, Duration::ZERO).unwrap(), 2);
        assert_eq!(seqs(&b), all[4..], "the newest event stays");
        assert_eq!(b.outbox.last_seq().unwrap(), all[4]);
        drop(b);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// With no consumer registered, the window alone decides.
    #[test]
    fn without_consumers_the_window_decides() {
        let dir = std::env::temp_dir().join(format!("contacts-retention0-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let b = crate::backends::open(&format!("sqlite:{}", dir.join("t.db").display())).unwrap();
        for id in 1..=3 {
            commit_event(&b, id);
        }
        assert_eq!(prune_outbox(&b, Duration::from_secs(3600)).unwrap(), 0);
        assert_eq!(prune_outbox(&b, Duration::ZERO).unwrap(), 2);
        assert_eq!(seqs(&b).len(), 1);
        drop(b);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
