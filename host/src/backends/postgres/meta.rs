//! Facts about the database in the `meta` table, on PostgreSQL.

use anyhow::Result;

use super::Pg;
use crate::maintenance::Meta;

impl Meta for Pg {
    fn get(&self, key: &str) -> Result<Option<String>> {
        let row = self
            .conn()?
            .get()
            .query_opt("SELECT value FROM meta WHERE key = $1", &[&key])?;
        Ok(row.map(|r| r.get(0)))
    }

    fn set(&self, key: &str, value: &str) -> Result<()> {
        self.conn()?.get().execute(
            "INSERT INTO meta (key, value) VALUES ($1, $2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            &[&key, &value],
        )?;
        Ok(())
    }

    fn has_documents(&self) -> Result<bool> {
        let row = self
            .conn()?
            .get()
            .query_one("SELECT EXISTS (SELECT 1 FROM documents)", &[])?;
        Ok(row.get(0))
    }
}
