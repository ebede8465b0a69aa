//! The `kv` grant: each extension's own small key-value space, kept in the
//! server's database (table `extension_kv`, keyed by extension name) and
//! bounded in bytes, so no extension can fill the disk or read another's.

use std::sync::Arc;

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use crate::db::Db;

/// The longest key an extension may use, in bytes.
pub const MAX_KEY: usize = 512;

/// One extension's space.
#[derive(Clone)]
pub struct Space {
    db: Arc<Db>,
    extension: String,
    limit: u64,
}

impl Space {
    pub fn new(db: Arc<Db>, extension: &str, limit: u64) -> Space {
        Space {
            db,
            extension: extension.to_owned(),
            limit,
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .db
            .conn()?
            .query_row(
                "SELECT value FROM extension_kv WHERE extension = ?1 AND key = ?2",
                params![self.extension, key],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Stores a value; `Ok(Err(why))` when the key or the space's size
    /// refuses it (nothing is written).
    pub fn set(&self, key: &str, value: &str) -> Result<Result<(), String>> {
        if key.is_empty() || key.len() > MAX_KEY {
            return Ok(Err(format!("keys are 1 to {MAX_KEY} bytes")));
        }
        let mut conn = self.db.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let others: i64 = tx.query_row(
            "SELECT coalesce(sum(length(CAST(key AS BLOB)) + length(CAST(value AS BLOB))), 0) \
             FROM extension_kv WHERE extension = ?1 AND key <> ?2",
            params![self.extension, key],
            |r| r.get(0),
        )?;
        let size = others as u64 + (key.len() + value.len()) as u64;
        if size > self.limit {
            return Ok(Err(format!(
                "the key-value space would hold {size} bytes, over its limit of {} (limits.kv_bytes)",
                self.limit
            )));
        }
        tx.execute(
            "INSERT INTO extension_kv (extension, key, value) VALUES (?1, ?2, ?3) \
             ON CONFLICT (extension, key) DO UPDATE SET value = excluded.value",
            params![self.extension, key, value],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    pub fn delete(&self, key: &str) -> Result<()> {
        self.db.conn()?.execute(
            "DELETE FROM extension_kv WHERE extension = ?1 AND key = ?2",
            params![self.extension, key],
        )?;
        Ok(())
    }

    pub fn keys(&self, prefix: &str, limit: u32) -> Result<Vec<String>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT key FROM extension_kv WHERE extension = ?1 AND key >= ?2 ORDER BY key LIMIT ?3",
        )?;
        let mut out = Vec::new();
        let rows = stmt.query_map(
            params![self.extension, prefix, i64::from(limit.min(10_000))],
            |r| r.get::<_, String>(0),
        )?;
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
