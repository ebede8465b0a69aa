//! The outbox table, as [`Outbox`] reads and prunes it; `commit` in the
//! store appends to it. `AUTOINCREMENT` never reuses a sequence number, and
//! SQLite's one writer at a time makes them visible in order.

use anyhow::Result;
use rusqlite::params;

use super::db::Db;
use crate::capabilities::events::{Outbox, StoredEvent};
use crate::clock::rfc3339;

impl Outbox for Db {
    fn after(&self, seq: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        let conn = self.conn()?;
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

    fn last_seq(&self) -> Result<u64> {
        let conn = self.conn()?;
        let seq: i64 =
            conn.query_row("SELECT coalesce(max(seq), 0) FROM outbox", [], |r| r.get(0))?;
        Ok(seq as u64)
    }

    fn prune(&self, through: u64, created_before_ms: i64) -> Result<u64> {
        // created_at is RFC 3339 UTC with seconds: its text order is its time order.
        let cutoff = rfc3339((created_before_ms.max(0) / 1000) as u64);
        let conn = self.conn()?;
        let deleted = conn
            .prepare_cached(
                "DELETE FROM outbox WHERE seq <= ?1 AND created_at <= ?2 \
                 AND seq < (SELECT max(seq) FROM outbox)",
            )?
            .execute(params![through.min(i64::MAX as u64) as i64, cutoff])?;
        Ok(deleted as u64)
    }
}
