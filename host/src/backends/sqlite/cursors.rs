//! Subscription cursors and their leases: a table per kind of subscriber
//! (`webhook_cursors` by URL, `extension_cursors` by name), each step one
//! statement, so SQLite's write lock makes it atomic across processes.

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use super::db::Db;
use crate::capabilities::events::subscription::{Cursor, Cursors, Subscriber};

/// The table and key column of a kind's cursors.
fn table(kind: Subscriber) -> (&'static str, &'static str) {
    match kind {
        Subscriber::Webhook => ("webhook_cursors", "url"),
        Subscriber::Extension => ("extension_cursors", "name"),
    }
}

impl Cursors for Db {
    fn register(&self, kind: Subscriber, key: &str) -> Result<()> {
        let (table, column) = table(kind);
        self.conn()?.execute(
            &format!(
                "INSERT OR IGNORE INTO {table} ({column}, after_seq) \
                 VALUES (?1, (SELECT coalesce(max(seq), 0) FROM outbox))"
            ),
            params![key],
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
        let after: Option<i64> = self
            .conn()?
            .prepare_cached(&format!(
                "UPDATE {table} SET holder = ?2, lease_until_ms = ?3 \
                 WHERE {column} = ?1 AND (holder = ?2 OR lease_until_ms < ?4) \
                 RETURNING after_seq"
            ))?
            .query_row(params![key, holder, until_ms, now_ms], |r| r.get(0))
            .optional()?;
        Ok(after.map(|a| a as u64))
    }

    fn advance(&self, kind: Subscriber, key: &str, holder: &str, seq: u64) -> Result<bool> {
        let (table, column) = table(kind);
        let moved = self
            .conn()?
            .prepare_cached(&format!(
                "UPDATE {table} SET after_seq = ?2 WHERE {column} = ?1 AND holder = ?3"
            ))?
            .execute(params![key, seq as i64, holder])?;
        Ok(moved > 0)
    }

    fn release(&self, kind: Subscriber, holder: &str) -> Result<()> {
        let (table, _) = table(kind);
        self.conn()?.execute(
            &format!("UPDATE {table} SET holder = '', lease_until_ms = 0 WHERE holder = ?1"),
            params![holder],
        )?;
        Ok(())
    }

    fn list(&self, kind: Subscriber) -> Result<Vec<Cursor>> {
        let (table, column) = table(kind);
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {column}, after_seq FROM {table} ORDER BY {column}"
        ))?;
        let rows = stmt
            .query_map([], |r| {
                Ok(Cursor {
                    key: r.get(0)?,
                    after_seq: r.get::<_, i64>(1)? as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
