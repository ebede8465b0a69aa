//! The SQLite answers of [`backends::ranks`](crate::backends::ranks): the
//! entries and run sizes of one index, in `index_entries` and
//! `index_buckets`, named by their codes (`store_names`, see the parent
//! module).

use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::backends::ranks::{Pos, Run, Runs, Slice};
use crate::bindings::store::Hit;

/// One index of one collection, on a connection (inside a transaction when
/// the caller asks several questions).
pub struct SqliteRuns<'c> {
    pub conn: &'c Connection,
    pub collection: i64,
    pub index: i64,
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        key: r.get(0)?,
        id: r.get(1)?,
        n: r.get(2)?,
    })
}

impl SqliteRuns<'_> {
    /// The WHERE clause of a slice and its parameters, in order. Each bound
    /// is either a key or a row value, so SQLite bounds the primary key's
    /// range.
    fn filter(&self, s: &Slice<'_>) -> (String, Vec<Value>) {
        let mut sql = String::from("collection = ? AND idx = ?");
        let mut values: Vec<Value> = vec![self.collection.into(), self.index.into()];
        let mut bound = |pos: Pos<'_>, op: &str| match pos.id {
            Some(id) => {
                sql.push_str(&format!(" AND (key, id) {op} (?, ?)"));
                values.push(text(pos.key));
                values.push(id.into());
            }
            None => {
                sql.push_str(&format!(" AND key {op} ?"));
                values.push(text(pos.key));
            }
        };
        bound(s.from, ">=");
        if let Some(to) = s.to {
            bound(to, "<");
        }
        if !s.contains.is_empty() {
            // `instr`, not `GLOB`: SQLite prepares a statement again at each
            // new pattern bound to a GLOB (its LIKE optimization), which cost
            // more than the filter; `instr` takes the text as it is.
            let any = vec!["instr(key, ?) > 0"; s.contains.len()].join(" OR ");
            sql.push_str(&format!(" AND ({any})"));
            values.extend(s.contains.iter().map(|p| text(p)));
        }
        (sql, values)
    }

    fn one_run(&self, sql: &str, key: &str, id: i64) -> Result<Option<Run>> {
        let run = self
            .conn
            .prepare_cached(sql)?
            .query_row(params![self.collection, self.index, key, id], run_row)
            .optional()?;
        Ok(run)
    }
}

impl Runs for SqliteRuns<'_> {
    fn count(&mut self, slice: Slice<'_>) -> Result<i64> {
        let (filter, values) = self.filter(&slice);
        let sql = format!("SELECT count(*) FROM index_entries WHERE {filter}");
        let n = self
            .conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values), |r| r.get(0))?;
        Ok(n)
    }

    fn walk(
        &mut self,
        slice: Slice<'_>,
        reverse: bool,
        limit: u32,
        offset: i64,
    ) -> Result<Vec<Hit>> {
        let (filter, mut values) = self.filter(&slice);
        let dir = if reverse { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT key, id FROM index_entries WHERE {filter} \
             ORDER BY key {dir}, id {dir} LIMIT ? OFFSET ?"
        );
        values.push(i64::from(limit).into());
        values.push(offset.into());
        let hits = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values), |r| {
                Ok(Hit {
                    key: r.get(0)?,
                    id: r.get::<_, i64>(1)? as u64,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(hits)
    }

    fn runs_in(&mut self, start: &str, end: Option<&str>, reverse: bool) -> Result<Vec<Run>> {
        let dir = if reverse { "DESC" } else { "ASC" };
        let mut values: Vec<Value> = vec![self.collection.into(), self.index.into(), text(start)];
        let bounded = match end {
            Some(end) => {
                values.push(text(end));
                " AND lo_key < ?"
            }
            None => "",
        };
        let sql = format!(
            "SELECT lo_key, lo_id, n FROM index_buckets \
             WHERE collection = ? AND idx = ? AND lo_key >= ?{bounded} \
             ORDER BY lo_key {dir}, lo_id {dir}"
        );
        let runs = self
            .conn
            .prepare_cached(&sql)?
            .query_map(params_from_iter(values), run_row)?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(runs)
    }

    fn run_at(&mut self, key: &str, id: i64) -> Result<Option<Run>> {
        self.one_run(
            "SELECT lo_key, lo_id, n FROM index_buckets \
             WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) <= (?3, ?4) \
             ORDER BY lo_key DESC, lo_id DESC LIMIT 1",
            key,
            id,
        )
    }

    fn run_after(&mut self, pos: Pos<'_>) -> Result<Option<Run>> {
        match pos.id {
            Some(id) => self.one_run(
                "SELECT lo_key, lo_id, n FROM index_buckets \
                 WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) > (?3, ?4) \
                 ORDER BY lo_key, lo_id LIMIT 1",
                pos.key,
                id,
            ),
            None => {
                let run = self
                    .conn
                    .prepare_cached(
                        "SELECT lo_key, lo_id, n FROM index_buckets \
                         WHERE collection = ?1 AND idx = ?2 AND lo_key >= ?3 \
                         ORDER BY lo_key, lo_id LIMIT 1",
                    )?
                    .query_row(params![self.collection, self.index, pos.key], run_row)
                    .optional()?;
                Ok(run)
            }
        }
    }

    fn run_before(&mut self, key: &str, id: i64) -> Result<Option<Run>> {
        self.one_run(
            "SELECT lo_key, lo_id, n FROM index_buckets \
             WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) < (?3, ?4) \
             ORDER BY lo_key DESC, lo_id DESC LIMIT 1",
            key,
            id,
        )
    }

    fn entry_at(&mut self, key: &str, id: i64, offset: i64) -> Result<Option<(String, i64)>> {
        let entry = self
            .conn
            .prepare_cached(
                "SELECT key, id FROM index_entries \
                 WHERE collection = ?1 AND idx = ?2 AND (key, id) >= (?3, ?4) \
                 ORDER BY key, id LIMIT 1 OFFSET ?5",
            )?
            .query_row(params![self.collection, self.index, key, id, offset], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?;
        Ok(entry)
    }

    fn resize(&mut self, key: &str, id: i64, delta: i64) -> Result<Option<Run>> {
        let run = self
            .conn
            .prepare_cached(
                "UPDATE index_buckets SET n = n + ?5 \
                 WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) = ( \
                     SELECT lo_key, lo_id FROM index_buckets \
                     WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) <= (?3, ?4) \
                     ORDER BY lo_key DESC, lo_id DESC LIMIT 1) \
                 RETURNING lo_key, lo_id, n",
            )?
            .query_row(
                params![self.collection, self.index, key, id, delta],
                run_row,
            )
            .optional()?;
        Ok(run)
    }

    fn insert_run(&mut self, key: &str, id: i64, n: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "INSERT INTO index_buckets (collection, idx, lo_key, lo_id, n) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![self.collection, self.index, key, id, n])?;
        Ok(())
    }

    fn set_size(&mut self, run: &Run, n: i64) -> Result<()> {
        self.conn
            .prepare_cached(
                "UPDATE index_buckets SET n = ?5 \
                 WHERE collection = ?1 AND idx = ?2 AND lo_key = ?3 AND lo_id = ?4",
            )?
            .execute(params![self.collection, self.index, run.key, run.id, n])?;
        Ok(())
    }

    fn delete_run(&mut self, run: &Run) -> Result<()> {
        self.conn
            .prepare_cached(
                "DELETE FROM index_buckets \
                 WHERE collection = ?1 AND idx = ?2 AND lo_key = ?3 AND lo_id = ?4",
            )?
            .execute(params![self.collection, self.index, run.key, run.id])?;
        Ok(())
    }
}
