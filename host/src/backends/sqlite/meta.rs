//! Facts about the database in the `meta` table.

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use super::db::Db;
use crate::maintenance::Meta;

impl Meta for Db {
    fn get(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn()?
            .query_row("SELECT value FROM meta WHERE key = ?1", params![key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    fn has_documents(&self) -> Result<bool> {
        let any: bool =
            self.conn()?
                .query_row("SELECT EXISTS (SELECT 1 FROM documents)", [], |r| r.get(0))?;
        Ok(any)
    }
}
