//! The PostgreSQL answers of [`backends::ranks`](crate::backends::ranks): the
//! entries and run sizes of one index, in `index_entries` and
//! `index_buckets`. Keys are `bytea`: they compare bytewise, as the WIT says,
//! and a bound may hold any character. Commits move the sizes while they hold
//! the collection's write lock (see `store.rs`), so two commits never resize
//! the same runs at once; reads of several statements run on one snapshot
//! (`Conn::read`).

use anyhow::Result;
use postgres::types::ToSql;

use super::Tx;
use crate::backends::ranks::{self as order, Change, Pos, Run, Runs, Slice};
use crate::bindings::store::{Hit, Range};

/// A key read back: the store writes only text, so this holds.
fn utf8(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("an index key is not UTF-8"))
}

fn run_row(r: &postgres::Row) -> Result<Run> {
    Ok(Run {
        key: utf8(r.get(0))?,
        id: r.get(1),
        n: r.get(2),
    })
}

type Params<'a> = Vec<&'a (dyn ToSql + Sync)>;

/// One index of one collection, inside a transaction.
struct PgRuns<'t, 'c> {
    tx: &'t mut Tx<'c>,
    collection: &'t str,
    index: &'t str,
}

/// The WHERE clause of a slice of `names` (collection, index) and its
/// parameters, in order. Each bound is a key or a row value, so the primary
/// key bounds the range; `contains` tests bytes with `position` (no pattern
/// characters to escape).
fn filter<'a>(
    names: &'a [&'a str; 2],
    s: &'a Slice<'a>,
    keys: &'a [&'a [u8]; 2],
    ids: &'a [Option<i64>; 2],
    probes: &'a [&'a [u8]],
) -> (String, Params<'a>) {
    let mut sql = String::from("collection = $1 AND idx = $2");
    let mut values: Params<'a> = vec![&names[0], &names[1]];
    let mut bound = |key: &'a &'a [u8], id: &'a Option<i64>, op: &str| {
        let n = values.len();
        match id {
            Some(id) => {
                sql.push_str(&format!(" AND (key, id) {op} (${}, ${})", n + 1, n + 2));
                values.push(key);
                values.push(id);
            }
            None => {
                sql.push_str(&format!(" AND key {op} ${}", n + 1));
                values.push(key);
            }
        }
    };
    bound(&keys[0], &ids[0], ">=");
    if s.to.is_some() {
        bound(&keys[1], &ids[1], "<");
    }
    if !s.contains.is_empty() {
        let any: Vec<String> = (0..s.contains.len())
            .map(|i| format!("position(${}::bytea IN key) > 0", values.len() + 1 + i))
            .collect();
        sql.push_str(&format!(" AND ({})", any.join(" OR ")));
        for probe in probes {
            values.push(probe);
        }
    }
    (sql, values)
}

impl PgRuns<'_, '_> {
    fn one_run(&mut self, sql: &str, key: &str, id: i64) -> Result<Option<Run>> {
        let (collection, index) = (self.collection, self.index);
        let row = self
            .tx
            .query_opt(sql, &[&collection, &index, &key.as_bytes(), &id])?;
        row.as_ref().map(run_row).transpose()
    }
}

/// A slice's bounds as the parameters bind them.
fn bounds<'a>(s: &Slice<'a>) -> ([&'a [u8]; 2], [Option<i64>; 2]) {
    let to = s.to.map_or(&b""[..], |t| t.key.as_bytes());
    (
        [s.from.key.as_bytes(), to],
        [s.from.id, s.to.and_then(|t| t.id)],
    )
}

impl Runs for PgRuns<'_, '_> {
    fn count(&mut self, slice: Slice<'_>) -> Result<i64> {
        let (keys, ids) = bounds(&slice);
        let probes: Vec<&[u8]> = slice.contains.iter().map(|p| p.as_bytes()).collect();
        let names = [self.collection, self.index];
        let (filter, values) = filter(&names, &slice, &keys, &ids, &probes);
        let sql = format!("SELECT count(*) FROM index_entries WHERE {filter}");
        let row = self.tx.query_one(&sql, &values)?;
        Ok(row.get(0))
    }

    fn walk(
        &mut self,
        slice: Slice<'_>,
        reverse: bool,
        limit: u32,
        offset: i64,
    ) -> Result<Vec<Hit>> {
        let (keys, ids) = bounds(&slice);
        let probes: Vec<&[u8]> = slice.contains.iter().map(|p| p.as_bytes()).collect();
        let names = [self.collection, self.index];
        let (filter, mut values) = filter(&names, &slice, &keys, &ids, &probes);
        let dir = if reverse { "DESC" } else { "ASC" };
        let limit = i64::from(limit);
        let n = values.len();
        let sql = format!(
            "SELECT key, id FROM index_entries WHERE {filter} \
             ORDER BY key {dir}, id {dir} LIMIT ${} OFFSET ${}",
            n + 1,
            n + 2
        );
        values.push(&limit);
        values.push(&offset);
        let rows = self.tx.query(&sql, &values)?;
        rows.iter()
            .map(|r| {
                Ok(Hit {
                    key: utf8(r.get(0))?,
                    id: r.get::<_, i64>(1) as u64,
                })
            })
            .collect()
    }

    fn runs_in(&mut self, start: &str, end: Option<&str>, reverse: bool) -> Result<Vec<Run>> {
        let dir = if reverse { "DESC" } else { "ASC" };
        let (start, end) = (start.as_bytes(), end.map(str::as_bytes));
        let mut values: Params<'_> = vec![&self.collection, &self.index, &start];
        let bounded = match &end {
            Some(end) => {
                values.push(end);
                " AND lo_key < $4"
            }
            None => "",
        };
        let sql = format!(
            "SELECT lo_key, lo_id, n FROM index_buckets \
             WHERE collection = $1 AND idx = $2 AND lo_key >= $3{bounded} \
             ORDER BY lo_key {dir}, lo_id {dir}"
        );
        let rows = self.tx.query(&sql, &values)?;
        rows.iter().map(run_row).collect()
    }

    fn run_at(&mut self, key: &str, id: i64) -> Result<Option<Run>> {
        self.one_run(
            "SELECT lo_key, lo_id, n FROM index_buckets \
             WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) <= ($3, $4) \
             ORDER BY lo_key DESC, lo_id DESC LIMIT 1",
            key,
            id,
        )
    }

    fn run_after(&mut self, pos: Pos<'_>) -> Result<Option<Run>> {
        match pos.id {
            Some(id) => self.one_run(
                "SELECT lo_key, lo_id, n FROM index_buckets \
                 WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) > ($3, $4) \
                 ORDER BY lo_key, lo_id LIMIT 1",
                pos.key,
                id,
            ),
            None => {
                let (collection, index) = (self.collection, self.index);
                let row = self.tx.query_opt(
                    "SELECT lo_key, lo_id, n FROM index_buckets \
                     WHERE collection = $1 AND idx = $2 AND lo_key >= $3 \
                     ORDER BY lo_key, lo_id LIMIT 1",
                    &[&collection, &index, &pos.key.as_bytes()],
                )?;
                row.as_ref().map(run_row).transpose()
            }
        }
    }

    fn run_before(&mut self, key: &str, id: i64) -> Result<Option<Run>> {
        self.one_run(
            "SELECT lo_key, lo_id, n FROM index_buckets \
             WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) < ($3, $4) \
             ORDER BY lo_key DESC, lo_id DESC LIMIT 1",
            key,
            id,
        )
    }

    fn entry_at(&mut self, key: &str, id: i64, offset: i64) -> Result<Option<(String, i64)>> {
        let (collection, index) = (self.collection, self.index);
        let row = self.tx.query_opt(
            "SELECT key, id FROM index_entries \
             WHERE collection = $1 AND idx = $2 AND (key, id) >= ($3, $4) \
             ORDER BY key, id LIMIT 1 OFFSET $5",
            &[&collection, &index, &key.as_bytes(), &id, &offset],
        )?;
        row.map(|r| Ok((utf8(r.get(0))?, r.get(1)))).transpose()
    }

    fn resize(&mut self, key: &str, id: i64, delta: i64) -> Result<Option<Run>> {
        let (collection, index) = (self.collection, self.index);
        let row = self.tx.query_opt(
            "UPDATE index_buckets SET n = n + $5 \
             WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) = ( \
                 SELECT lo_key, lo_id FROM index_buckets \
                 WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) <= ($3, $4) \
                 ORDER BY lo_key DESC, lo_id DESC LIMIT 1) \
             RETURNING lo_key, lo_id, n",
            &[&collection, &index, &key.as_bytes(), &id, &delta],
        )?;
        row.as_ref().map(run_row).transpose()
    }

    fn insert_run(&mut self, key: &str, id: i64, n: i64) -> Result<()> {
        let (collection, index) = (self.collection, self.index);
        self.tx.execute(
            "INSERT INTO index_buckets (collection, idx, lo_key, lo_id, n) \
             VALUES ($1, $2, $3, $4, $5)",
            &[&collection, &index, &key.as_bytes(), &id, &n],
        )?;
        Ok(())
    }

    fn set_size(&mut self, run: &Run, n: i64) -> Result<()> {
        let (collection, index) = (self.collection, self.index);
        self.tx.execute(
            "UPDATE index_buckets SET n = $5 \
             WHERE collection = $1 AND idx = $2 AND lo_key = $3 AND lo_id = $4",
            &[&collection, &index, &run.key.as_bytes(), &run.id, &n],
        )?;
        Ok(())
    }

    fn delete_run(&mut self, run: &Run) -> Result<()> {
        let (collection, index) = (self.collection, self.index);
        self.tx.execute(
            "DELETE FROM index_buckets \
             WHERE collection = $1 AND idx = $2 AND lo_key = $3 AND lo_id = $4",
            &[&collection, &index, &run.key.as_bytes(), &run.id],
        )?;
        Ok(())
    }
}

/// How many entries of `index` have a key in `[start, end)`; `tx` is a
/// snapshot.
pub fn count(
    tx: &mut Tx<'_>,
    collection: &str,
    index: &str,
    start: &str,
    end: Option<&str>,
) -> Result<u64> {
    let mut runs = PgRuns {
        tx,
        collection,
        index,
    };
    order::count(&mut runs, start, end)
}

/// The hits of a WIT `range`; `tx` is a snapshot.
pub fn scan(tx: &mut Tx<'_>, collection: &str, range: &Range) -> Result<Vec<Hit>> {
    let mut runs = PgRuns {
        tx,
        collection,
        index: &range.index,
    };
    order::scan(&mut runs, range)
}

/// Records an entry a commit added (`delta` 1, it is already in
/// `index_entries`) or removed (-1).
fn moved(
    tx: &mut Tx<'_>,
    collection: &str,
    index: &str,
    key: &[u8],
    id: i64,
    delta: i64,
) -> Result<()> {
    let key = std::str::from_utf8(key).map_err(|_| anyhow::anyhow!("an index key is not UTF-8"))?;
    let mut runs = PgRuns {
        tx,
        collection,
        index,
    };
    order::apply(&mut runs, &mut [Change { key, id, delta }])
}

/// Records a new entry; it is already in `index_entries`.
pub fn added(tx: &mut Tx<'_>, collection: &str, index: &str, key: &[u8], id: i64) -> Result<()> {
    moved(tx, collection, index, key, id, 1)
}

/// Records that an entry left `index_entries`.
pub fn removed(tx: &mut Tx<'_>, collection: &str, index: &str, key: &[u8], id: i64) -> Result<()> {
    moved(tx, collection, index, key, id, -1)
}
