//! The event outbox (spec §6): the component's commits append to it in the
//! same transaction as the change; the host serves it as an ordered feed that
//! webhooks and extensions consume from a cursor.

use std::sync::Arc;

use anyhow::Result;
use rusqlite::params;
use serde::Serialize;

use crate::db::Db;

#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub kind: String,
    pub contact_id: u64,
    pub body: serde_json::Value,
    pub created_at: String,
}

pub struct Outbox {
    db: Arc<Db>,
}

impl Outbox {
    pub fn new(db: Arc<Db>) -> Outbox {
        Outbox { db }
    }

    /// Events after a cursor, oldest first.
    pub fn after(&self, seq: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT seq, kind, contact_id, body, created_at FROM outbox WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let rows = stmt
            .query_map(params![seq as i64, i64::from(limit)], |r| {
                let body: String = r.get(3)?;
                Ok(StoredEvent {
                    seq: r.get::<_, i64>(0)? as u64,
                    kind: r.get(1)?,
                    contact_id: r.get::<_, i64>(2)? as u64,
                    body: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                    created_at: r.get(4)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// The sequence number of the newest event (0 when there is none).
    pub fn last_seq(&self) -> Result<u64> {
        let conn = self.db.conn()?;
        let seq: i64 =
            conn.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0))?;
        Ok(seq as u64)
    }
}
