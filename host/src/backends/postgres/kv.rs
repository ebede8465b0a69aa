//! The extensions' key-value spaces on PostgreSQL, keyed by (extension,
//! key). A write holds its space's advisory lock while it checks the
//! space's size, so two replicas cannot both pass the check.

use anyhow::Result;

use super::Pg;
use crate::extensions::kv::KeyValue;

/// The first key of the spaces' advisory locks (second: the space's hash).
const SPACE_LOCKS: i32 = 0x6374_6b76; // "ctkv"

impl KeyValue for Pg {
    fn get(&self, space: &str, key: &str) -> Result<Option<String>> {
        let row = self.conn()?.get().query_opt(
            "SELECT value FROM extension_kv WHERE extension = $1 AND key = $2",
            &[&space, &key],
        )?;
        Ok(row.map(|r| r.get(0)))
    }

    fn set(&self, space: &str, key: &str, value: &str, limit: u64) -> Result<Result<(), u64>> {
        let mut conn = self.conn()?;
        let mut tx = conn.get().write()?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&SPACE_LOCKS, &space],
        )?;
        let others: i64 = tx
            .query_one(
                "SELECT coalesce(sum(octet_length(key) + octet_length(value)), 0)::bigint \
                 FROM extension_kv WHERE extension = $1 AND key <> $2",
                &[&space, &key],
            )?
            .get(0);
        let size = others as u64 + (key.len() + value.len()) as u64;
        if size > limit {
            return Ok(Err(size));
        }
        tx.execute(
            "INSERT INTO extension_kv (extension, key, value) VALUES ($1, $2, $3) \
             ON CONFLICT (extension, key) DO UPDATE SET value = excluded.value",
            &[&space, &key, &value],
        )?;
        tx.commit()?;
        Ok(Ok(()))
    }

    fn delete(&self, space: &str, key: &str) -> Result<()> {
        self.conn()?.get().execute(
            "DELETE FROM extension_kv WHERE extension = $1 AND key = $2",
            &[&space, &key],
        )?;
        Ok(())
    }

    fn keys(&self, space: &str, prefix: &str, limit: u32) -> Result<Vec<String>> {
        let rows = self.conn()?.get().query(
            "SELECT key FROM extension_kv WHERE extension = $1 AND key >= $2 \
             ORDER BY key LIMIT $3",
            &[&space, &prefix, &i64::from(limit)],
        )?;
        Ok(rows
            .iter()
            .map(|r| r.get::<_, String>(0))
            .take_while(|k| k.starts_with(prefix))
            .collect())
    }
}
