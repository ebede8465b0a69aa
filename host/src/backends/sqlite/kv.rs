//! The extensions' key-value spaces in `extension_kv`, keyed by
//! (extension, key); the size check and the write share one IMMEDIATE
//! transaction.

use anyhow::Result;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::db::Db;
use crate::extensions::kv::KeyValue;

impl KeyValue for Db {
    fn get(&self, space: &str, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()?
            .prepare_cached("SELECT value FROM extension_kv WHERE extension = ?1 AND key = ?2")?
            .query_row(params![space, key], |r| r.get(0))
            .optional()?)
    }

    fn set(&self, space: &str, key: &str, value: &str, limit: u64) -> Result<Result<(), u64>> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let others: i64 = tx.query_row(
            "SELECT coalesce(sum(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) \
             FROM extension_kv WHERE extension = ?1 AND key <> ?2",
            params![space, key],
            |r| r.get(0),
        )?;
        let size = others as u64 + (key.len() + value.len()) as u64;
        if size > limit {
            return Ok(Err(size));
        }
        tx.execute(
            "INSERT INTO extension_kv (extension, key, value) VALUES (?1, ?2, ?3) \
             ON CONFLICT (extension, key) DO UPDATE SET value = excluded.value",
            params![space, key, value],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    fn delete(&self, space: &str, key: &str) -> Result<()> {
        self.conn()?.execute(
            "DELETE FROM extension_kv WHERE extension = ?1 AND key = ?2",
            params![space, key],
        )?;
        Ok(())
    }

    fn keys(&self, space: &str, prefix: &str, limit: u32) -> Result<Vec<String>> {
        let conn = self.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT key FROM extension_kv WHERE extension = ?1 AND key >= ?2 ORDER BY key LIMIT ?3",
        )?;
        let mut out = Vec::new();
        let rows = stmt.query_map(params![space, prefix, i64::from(limit)], |r| {
            r.get::<_, String>(0)
        })?;
        for key in rows {
            let key = key?;
            if !key.starts_with(prefix) {
                break;
            }
            out.push(key);
        }
        Ok(out)
    }
}
