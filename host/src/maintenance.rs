//! Keeping stored index entries in step with the component's definitions.
//!
//! The component says which version of index definitions it computes
//! (`index-version`); the database keeps the version its entries were
//! written under (`meta`). When they differ, as after an upgrade that
//! changed an index, every document is reindexed through the component
//! before the server answers a request.

use std::time::Instant;

use anyhow::{Result, anyhow};
use rusqlite::{OptionalExtension, params};

use crate::db::Db;
use crate::runtime::Runtime;

/// Documents per call into the component.
const STEP: u32 = 500;
const VERSION_KEY: &str = "index_version";

/// Reindexes unless the database's entries were written under the
/// component's index version; returns whether it reindexed.
pub fn reindex_if_stale(runtime: &Runtime, db: &Db) -> Result<bool> {
    let wanted = runtime.call(|api, s| api.call_index_version(s))?;
    let stored: Option<String> = db
        .conn()?
        .query_row(
            "SELECT value FROM meta WHERE key = ?1",
            params![VERSION_KEY],
            |r| r.get(0),
        )
        .optional()?;
    if stored.as_deref() == Some(wanted.to_string().as_str()) {
        return Ok(false);
    }
    // A new database has nothing to reindex, only a version to record.
    let empty: bool =
        db.conn()?
            .query_row("SELECT NOT EXISTS (SELECT 1 FROM documents)", [], |r| {
                r.get(0)
            })?;
    let reindexed = !empty;
    if reindexed {
        tracing::info!(
            "index entries were written under version {}, the component computes {wanted}: reindexing",
            stored.as_deref().unwrap_or("unknown")
        );
        reindex(runtime, db)?;
    }
    db.conn()?.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) \
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![VERSION_KEY, wanted.to_string()],
    )?;
    Ok(reindexed)
}

/// Recomputes the index entries of every document from empty indexes (so
/// nothing an older build wrote is left behind); returns how many steps it
/// took. Until it ends, lookups miss what is not yet rewritten.
pub fn reindex(runtime: &Runtime, db: &Db) -> Result<u64> {
    let started = Instant::now();
    crate::capabilities::store::forget_entries(db)?;
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
