//! The outbox table on PostgreSQL, as [`Outbox`] reads and prunes it; the
//! store's commits append to it under the outbox lock (see `store.rs`), so
//! sequence numbers become visible in order even with several replicas.

use anyhow::Result;

use super::Pg;
use crate::capabilities::events::{Outbox, StoredEvent};
use crate::clock::rfc3339;

impl Outbox for Pg {
    fn after(&self, seq: u64, limit: u32) -> Result<Vec<StoredEvent>> {
        let seq = seq.min(i64::MAX as u64) as i64;
        let rows = self.conn()?.get().query(
            "SELECT seq, kind, contact_id, body, created_at FROM outbox \
             WHERE seq > $1 ORDER BY seq LIMIT $2",
            &[&seq, &i64::from(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| {
                let body: String = r.get(3);
                StoredEvent {
                    seq: r.get::<_, i64>(0) as u64,
                    kind: r.get(1),
                    contact_id: r.get::<_, i64>(2) as u64,
                    body: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                    created_at: r.get(4),
                }
            })
            .collect())
    }

    fn last_seq(&self) -> Result<u64> {
        let row = self
            .conn()?
            .get()
            .query_one("SELECT coalesce(max(seq), 0)::bigint FROM outbox", &[])?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn prune(&self, through: u64, created_before_ms: i64) -> Result<u64> {
        // created_at is RFC 3339 UTC with seconds: its text order is its time order.
        let cutoff = rfc3339((created_before_ms.max(0) / 1000) as u64);
        let through = through.min(i64::MAX as u64) as i64;
        let deleted = self.conn()?.get().execute(
            "DELETE FROM outbox WHERE seq <= $1 AND created_at COLLATE \"C\" <= $2 \
             AND seq < (SELECT max(seq) FROM outbox)",
            &[&through, &cutoff],
        )?;
        Ok(deleted)
    }
}
