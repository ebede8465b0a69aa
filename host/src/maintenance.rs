//! Keeping stored index entries in step with the component's definitions.
//!
//! The component says which version of index definitions it computes
//! (`index-version`); the database keeps the version its entries were
//! written under ([`Meta`]). When they differ, as after an upgrade that
//! changed an index, every document is reindexed through the component
//! before the server answers a request.

use std::time::Instant;

use anyhow::{Result, anyhow};

use crate::runtime::Runtime;

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

/// Recomputes the index entries of every document; returns how many steps
/// it took.
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
