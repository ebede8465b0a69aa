//! Subscription cursors and their leases on PostgreSQL: a table per kind of
//! subscriber, each step one statement. An `UPDATE … WHERE` re-checks its
//! condition on the row it locked, so two replicas claiming one lease at
//! once cannot both get it.

use anyhow::Result;

use super::Pg;
use crate::capabilities::events::subscription::{Cursor, Cursors, Subscriber};

/// The table and key column of a kind's cursors.
fn table(kind: Subscriber) -> (&'static str, &'static str) {
    match kind {
        Subscriber::Webhook => ("webhook_cursors", "url"),
        Subscriber::Extension => ("extension_cursors", "name"),
    }
}

impl Cursors for Pg {
    fn register(&self, kind: Subscriber, key: &str) -> Result<()> {
        let (table, column) = table(kind);
        self.conn()?.get().execute(
            &format!(
                "INSERT INTO {table} ({column}, after_seq) \
                 VALUES ($1, (SELECT coalesce(max(seq), 0) FROM outbox)) \
                 ON CONFLICT ({column}) DO NOTHING"
            ),
            &[&key],
        )?;
        Ok(())
    }

    fn claim(
        &self,
        kind: Subscriber,
        key: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Option<u64>> {
        let (table, column) = table(kind);
        let row = self.conn()?.get().query_opt(
            &format!(
                "UPDATE {table} SET holder = $2, lease_until_ms = $3 \
                 WHERE {column} = $1 AND (holder = $2 OR lease_until_ms < $4) \
                 RETURNING after_seq"
            ),
            &[&key, &holder, &until_ms, &now_ms],
        )?;
        Ok(row.map(|r| r.get::<_, i64>(0) as u64))
    }

    fn advance(&self, kind: Subscriber, key: &str, holder: &str, seq: u64) -> Result<bool> {
        let (table, column) = table(kind);
        let moved = self.conn()?.get().execute(
            &format!("UPDATE {table} SET after_seq = $2 WHERE {column} = $1 AND holder = $3"),
            &[&key, &(seq.min(i64::MAX as u64) as i64), &holder],
        )?;
        Ok(moved > 0)
    }

    fn release(&self, kind: Subscriber, holder: &str) -> Result<()> {
        let (table, _) = table(kind);
        self.conn()?.get().execute(
            &format!("UPDATE {table} SET holder = '', lease_until_ms = 0 WHERE holder = $1"),
            &[&holder],
        )?;
        Ok(())
    }

    fn list(&self, kind: Subscriber) -> Result<Vec<Cursor>> {
        let (table, column) = table(kind);
        let rows = self.conn()?.get().query(
            &format!("SELECT {column}, after_seq FROM {table} ORDER BY {column} COLLATE \"C\""),
            &[],
        )?;
        Ok(rows
            .iter()
            .map(|r| Cursor {
                key: r.get(0),
                after_seq: r.get::<_, i64>(1) as u64,
            })
            .collect())
    }
}
