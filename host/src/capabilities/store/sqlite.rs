//! The SQLite backend of the `store` capability.
//!
//! Documents and index entries are two `WITHOUT ROWID` tables whose primary
//! keys are the lookups: `(collection, id)` and `(collection, idx, key, id)`.
//! Keys compare with SQLite's BINARY collation, bytewise, as the WIT says.

use std::sync::Arc;

use anyhow::Result;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::DocumentStore;
use crate::bindings::store::{CommitError, Document, Hit, Range, Write};
use crate::bindings::types::Event;
use crate::db::{Db, now_rfc3339};

pub struct SqliteStore {
    db: Arc<Db>,
}

impl SqliteStore {
    pub fn new(db: Arc<Db>) -> SqliteStore {
        SqliteStore { db }
    }
}

/// Range statements over parameters ?1..?4 (collection, index, start, end),
/// spelled out once. An open end is left out of the SQL rather than written
/// `?4 IS NULL OR key < ?4`, which would stop SQLite from bounding the index
/// range and turn a miss into a scan.
macro_rules! key_range {
    (bounded) => {
        "collection = ?1 AND idx = ?2 AND key >= ?3 AND key < ?4"
    };
    (open) => {
        "collection = ?1 AND idx = ?2 AND key >= ?3 AND ?4 IS NULL"
    };
}

macro_rules! scan_sql {
    ($range:tt, $order:literal) => {
        concat!(
            "SELECT key, id FROM index_entries WHERE ",
            key_range!($range),
            " ORDER BY ",
            $order,
            " LIMIT ?5 OFFSET ?6"
        )
    };
}

/// `[bounded][reverse]`
const SCAN: [[&str; 2]; 2] = [
    [
        scan_sql!(open, "key ASC, id ASC"),
        scan_sql!(open, "key DESC, id DESC"),
    ],
    [
        scan_sql!(bounded, "key ASC, id ASC"),
        scan_sql!(bounded, "key DESC, id DESC"),
    ],
];

/// `[bounded]`
const COUNT: [&str; 2] = [
    concat!(
        "SELECT count(*) FROM index_entries WHERE ",
        key_range!(open)
    ),
    concat!(
        "SELECT count(*) FROM index_entries WHERE ",
        key_range!(bounded)
    ),
];

/// SQLite's default limit on bound parameters is 32,766; stay well below.
const IDS_PER_QUERY: usize = 500;

impl DocumentStore for SqliteStore {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, version, body FROM documents WHERE collection = ?1 AND id = ?2",
        )?;
        let doc = stmt
            .query_row(params![collection, id as i64], |r| {
                Ok(Document {
                    id: r.get::<_, i64>(0)? as u64,
                    version: r.get::<_, i64>(1)? as u64,
                    body: r.get(2)?,
                })
            })
            .optional()?;
        Ok(doc)
    }

    fn get_many(&self, collection: &str, ids: &[u64]) -> Result<Vec<Document>> {
        let conn = self.db.conn()?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            // Bind the ids as one JSON array: one cached statement for any count.
            let list = serde_json::to_string(chunk)?;
            let mut stmt = conn.prepare_cached(
                "SELECT d.id, d.version, d.body FROM json_each(?2) j \
                 JOIN documents d ON d.collection = ?1 AND d.id = j.value \
                 ORDER BY j.key",
            )?;
            let rows = stmt.query_map(params![collection, list], |r| {
                Ok(Document {
                    id: r.get::<_, i64>(0)? as u64,
                    version: r.get::<_, i64>(1)? as u64,
                    body: r.get(2)?,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    fn find(&self, collection: &str, index: &str, key: &str) -> Result<Vec<u64>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM index_entries WHERE collection = ?1 AND idx = ?2 AND key = ?3 \
             ORDER BY id",
        )?;
        let ids = stmt
            .query_map(params![collection, index, key], |r| {
                Ok(r.get::<_, i64>(0)? as u64)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    fn scan(&self, collection: &str, range: &Range) -> Result<Vec<Hit>> {
        let conn = self.db.conn()?;
        let sql = SCAN[usize::from(range.end.is_some())][usize::from(range.reverse)];
        let mut stmt = conn.prepare_cached(sql)?;
        let hits = stmt
            .query_map(
                params![
                    collection,
                    range.index,
                    range.start.as_deref().unwrap_or(""),
                    range.end,
                    i64::from(range.limit),
                    i64::from(range.offset)
                ],
                |r| {
                    Ok(Hit {
                        key: r.get(0)?,
                        id: r.get::<_, i64>(1)? as u64,
                    })
                },
            )?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(hits)
    }

    fn count(
        &self,
        collection: &str,
        index: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<u64> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(COUNT[usize::from(end.is_some())])?;
        let n: i64 = stmt.query_row(params![collection, index, start.unwrap_or(""), end], |r| {
            r.get(0)
        })?;
        Ok(n as u64)
    }

    fn allocate_id(&self, collection: &str) -> Result<u64> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO sequences (collection, next) VALUES (?1, 1) \
             ON CONFLICT (collection) DO UPDATE SET next = next + 1 RETURNING next",
        )?;
        let next: i64 = stmt.query_row(params![collection], |r| r.get(0))?;
        Ok(next as u64)
    }

    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        let mut conn = self.db.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for write in writes {
            let (collection, id, expected) = match write {
                Write::Put(p) => (&p.collection, p.id, p.expected_version),
                Write::Remove(r) => (&r.collection, r.id, r.expected_version),
            };
            let current: Option<i64> = tx
                .prepare_cached("SELECT version FROM documents WHERE collection = ?1 AND id = ?2")?
                .query_row(params![collection, id as i64], |r| r.get(0))
                .optional()?;
            if current.map(|v| v as u64) != expected {
                // Dropping the transaction rolls back whatever ran before.
                return Ok(Err(CommitError::Stale(format!(
                    "{collection}/{id} is at version {current:?}, expected {expected:?}"
                ))));
            }
            tx.prepare_cached("DELETE FROM index_entries WHERE collection = ?1 AND id = ?2")?
                .execute(params![collection, id as i64])?;
            match write {
                Write::Put(p) => {
                    let version = current.unwrap_or(0) + 1;
                    tx.prepare_cached(
                        "INSERT INTO documents (collection, id, version, body) \
                         VALUES (?1, ?2, ?3, ?4) \
                         ON CONFLICT (collection, id) DO UPDATE \
                         SET version = excluded.version, body = excluded.body",
                    )?
                    .execute(params![collection, id as i64, version, p.body])?;
                    let mut insert = tx.prepare_cached(
                        "INSERT OR IGNORE INTO index_entries (collection, idx, key, id) \
                         VALUES (?1, ?2, ?3, ?4)",
                    )?;
                    for e in &p.entries {
                        insert.execute(params![collection, e.index, e.key, id as i64])?;
                    }
                }
                Write::Remove(_) => {
                    tx.prepare_cached("DELETE FROM documents WHERE collection = ?1 AND id = ?2")?
                        .execute(params![collection, id as i64])?;
                }
            }
        }
        if !events.is_empty() {
            let now = now_rfc3339();
            let mut insert = tx.prepare_cached(
                "INSERT INTO outbox (kind, contact_id, body, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in events {
                insert.execute(params![e.kind, e.contact_id as i64, e.body, now])?;
            }
        }
        tx.commit()?;
        Ok(Ok(()))
    }
}
