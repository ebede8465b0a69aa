//! Run sizes over `index_entries` on PostgreSQL, so that a `count` and a
//! scan at a deep `offset` cost about what a first page costs.
//!
//! The same scheme as the SQLite backend's: each index's entries, in
//! (key, id) order, are cut into runs; `index_buckets` holds each run's first
//! position and size. Commits move the sizes as they add and remove entries
//! (they hold the collection's write lock, see `store.rs`, so two commits
//! never resize the same runs at once); a count adds up the runs inside its
//! range and walks entries only at the edges; a deep scan skips whole runs.
//! Reads of several statements run on one snapshot (`Conn::read`).

use anyhow::Result;
use postgres::types::ToSql;

use super::Tx;
use crate::bindings::store::{Hit, Range};

/// A run is split in two when it grows past this many entries.
pub const SPLIT_AT: i64 = 1024;
/// A run that shrinks below this is folded into the run before it, if the
/// two fit in one.
const FOLD_BELOW: i64 = 128;
/// The first run of every index starts before every (key, id).
const FIRST_KEY: &[u8] = b"";
const FIRST_ID: i64 = i64::MIN;

/// A position in an index's (key, id) order; without an id, it is before
/// every entry of `key`.
#[derive(Clone, Copy, Debug)]
struct Pos<'a> {
    key: &'a [u8],
    id: Option<i64>,
}

impl<'a> Pos<'a> {
    fn key(key: &'a str) -> Self {
        Pos {
            key: key.as_bytes(),
            id: None,
        }
    }

    fn of(run: &'a Run) -> Self {
        Pos {
            key: &run.key,
            id: Some(run.id),
        }
    }
}

/// A run: its first position and how many entries it holds.
#[derive(Debug)]
struct Run {
    key: Vec<u8>,
    id: i64,
    n: i64,
}

/// A key read back: the store writes only text, so this holds.
fn utf8(bytes: Vec<u8>) -> Result<String> {
    String::from_utf8(bytes).map_err(|_| anyhow::anyhow!("an index key is not UTF-8"))
}

fn run_row(r: &postgres::Row) -> Run {
    Run {
        key: r.get(0),
        id: r.get(1),
        n: r.get(2),
    }
}

type Params<'a> = Vec<&'a (dyn ToSql + Sync)>;

/// Entries of one index from `from` (inclusive) to `to` (exclusive), with
/// the `contains` filter of the WIT `range`. Keys are `bytea`: they compare
/// bytewise, as the WIT says, and a bound may hold any character.
#[derive(Clone, Copy)]
struct Slice<'a> {
    collection: &'a str,
    index: &'a str,
    from: Pos<'a>,
    to: Option<Pos<'a>>,
    contains: &'a [String],
}

impl<'a> Slice<'a> {
    /// The WHERE clause and its parameters, in order. Each bound is a key or
    /// a row value, so the primary key bounds the range; `contains` tests
    /// bytes with `position` (no pattern characters to escape).
    fn filter(&'a self, ids: &'a [Option<i64>; 2], probes: &'a [&'a [u8]]) -> (String, Params<'a>) {
        let mut sql = String::from("collection = $1 AND idx = $2");
        let mut values: Params<'a> = vec![&self.collection, &self.index];
        let mut bound = |pos: &'a Pos<'a>, id: &'a Option<i64>, op: &str| {
            let n = values.len();
            match id {
                Some(id) => {
                    sql.push_str(&format!(" AND (key, id) {op} (${}, ${})", n + 1, n + 2));
                    values.push(&pos.key);
                    values.push(id);
                }
                None => {
                    sql.push_str(&format!(" AND key {op} ${}", n + 1));
                    values.push(&pos.key);
                }
            }
        };
        bound(&self.from, &ids[0], ">=");
        if let Some(to) = &self.to {
            bound(to, &ids[1], "<");
        }
        if !self.contains.is_empty() {
            let any: Vec<String> = (0..self.contains.len())
                .map(|i| format!("position(${}::bytea IN key) > 0", values.len() + 1 + i))
                .collect();
            sql.push_str(&format!(" AND ({})", any.join(" OR ")));
            for probe in probes {
                values.push(probe);
            }
        }
        (sql, values)
    }

    fn ids(&self) -> [Option<i64>; 2] {
        [self.from.id, self.to.and_then(|t| t.id)]
    }

    fn probes(&self) -> Vec<&[u8]> {
        self.contains.iter().map(|p| p.as_bytes()).collect()
    }

    fn count(&self, tx: &mut Tx<'_>) -> Result<i64> {
        let (ids, probes) = (self.ids(), self.probes());
        let (filter, values) = self.filter(&ids, &probes);
        let sql = format!("SELECT count(*) FROM index_entries WHERE {filter}");
        Ok(tx.query_one(&sql, &values)?.get(0))
    }

    fn walk(&self, tx: &mut Tx<'_>, reverse: bool, limit: u32, offset: i64) -> Result<Vec<Hit>> {
        let (ids, probes) = (self.ids(), self.probes());
        let (filter, mut values) = self.filter(&ids, &probes);
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
        let hits = tx
            .query(&sql, &values)?
            .iter()
            .map(|r| {
                Ok(Hit {
                    key: utf8(r.get(0))?,
                    id: r.get::<_, i64>(1) as u64,
                })
            })
            .collect::<Result<_>>()?;
        Ok(hits)
    }
}

/// Runs that start in `[start, end)`, in order (descending when `reverse`).
fn runs_in(
    tx: &mut Tx<'_>,
    collection: &str,
    index: &str,
    start: &str,
    end: Option<&str>,
    reverse: bool,
) -> Result<Vec<Run>> {
    let dir = if reverse { "DESC" } else { "ASC" };
    let (start, end) = (start.as_bytes(), end.map(str::as_bytes));
    let mut values: Params<'_> = vec![&collection, &index, &start];
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
    Ok(tx.query(&sql, &values)?.iter().map(run_row).collect())
}

/// The first run that starts at or after `key`.
fn run_from(tx: &mut Tx<'_>, collection: &str, index: &str, key: &str) -> Result<Option<Run>> {
    let row = tx.query_opt(
        "SELECT lo_key, lo_id, n FROM index_buckets \
         WHERE collection = $1 AND idx = $2 AND lo_key >= $3 \
         ORDER BY lo_key, lo_id LIMIT 1",
        &[&collection, &index, &key.as_bytes()],
    )?;
    Ok(row.as_ref().map(run_row))
}

/// Moves the size of the run that holds (key, id), the last one starting at
/// or before it, by `delta`; returns the run as it is now.
fn resize_run_of(
    tx: &mut Tx<'_>,
    collection: &str,
    index: &str,
    key: &[u8],
    id: i64,
    delta: i64,
) -> Result<Option<Run>> {
    let row = tx.query_opt(
        "UPDATE index_buckets SET n = n + $5 \
         WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) = ( \
             SELECT lo_key, lo_id FROM index_buckets \
             WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) <= ($3, $4) \
             ORDER BY lo_key DESC, lo_id DESC LIMIT 1) \
         RETURNING lo_key, lo_id, n",
        &[&collection, &index, &key, &id, &delta],
    )?;
    Ok(row.as_ref().map(run_row))
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
    let whole = Slice {
        collection,
        index,
        from: Pos::key(start),
        to: end.map(Pos::key),
        contains: &[],
    };
    let runs = runs_in(tx, collection, index, start, end, false)?;
    let Some(first) = runs.first() else {
        return Ok(whole.count(tx)? as u64);
    };
    let head = Slice {
        to: Some(Pos::of(first)),
        ..whole
    }
    .count(tx)?;
    let sizes: i64 = runs.iter().map(|r| r.n).sum();
    let tail = match end {
        None => 0,
        Some(end) => {
            let next = run_from(tx, collection, index, end)?;
            Slice {
                from: Pos::key(end),
                to: next.as_ref().map(Pos::of),
                ..whole
            }
            .count(tx)?
        }
    };
    Ok((head + sizes - tail).max(0) as u64)
}

/// Whether a scan is one walk (filtered or shallow) rather than a seek.
pub fn is_walk(range: &Range) -> bool {
    !range.contains.is_empty() || i64::from(range.offset) < SPLIT_AT
}

/// The hits of a WIT `range`: one walk, or, deep, a seek over the runs.
pub fn scan(tx: &mut Tx<'_>, collection: &str, range: &Range) -> Result<Vec<Hit>> {
    let start = range.start.as_deref().unwrap_or("");
    let end = range.end.as_deref();
    let whole = Slice {
        collection,
        index: &range.index,
        from: Pos::key(start),
        to: end.map(Pos::key),
        contains: &range.contains,
    };
    let offset = i64::from(range.offset);
    if is_walk(range) {
        return whole.walk(tx, range.reverse, range.limit, offset);
    }
    let runs = runs_in(tx, collection, &range.index, start, end, range.reverse)?;
    let Some(first) = runs.first() else {
        return whole.walk(tx, range.reverse, range.limit, offset);
    };
    if !range.reverse {
        let head = Slice {
            to: Some(Pos::of(first)),
            ..whole
        }
        .count(tx)?;
        if offset < head {
            return whole.walk(tx, false, range.limit, offset);
        }
        let mut rest = offset - head;
        for run in &runs {
            if rest < run.n {
                let from_run = Slice {
                    from: Pos::of(run),
                    ..whole
                };
                return from_run.walk(tx, false, range.limit, rest);
            }
            rest -= run.n;
        }
        return Ok(Vec::new());
    }
    // Backwards: the top run may reach past `end`, so its share is counted;
    // the runs below it are whole.
    let top = Slice {
        from: Pos::of(first),
        ..whole
    }
    .count(tx)?;
    if offset < top {
        return whole.walk(tx, true, range.limit, offset);
    }
    let mut rest = offset - top;
    let mut upper = first;
    for run in &runs[1..] {
        if rest < run.n {
            break;
        }
        rest -= run.n;
        upper = run;
    }
    let below = Slice {
        to: Some(Pos::of(upper)),
        ..whole
    };
    below.walk(tx, true, range.limit, rest)
}

/// Records a new entry; it is already in `index_entries`.
pub fn added(tx: &mut Tx<'_>, collection: &str, index: &str, key: &[u8], id: i64) -> Result<()> {
    let Some(run) = resize_run_of(tx, collection, index, key, id, 1)? else {
        tx.execute(
            "INSERT INTO index_buckets (collection, idx, lo_key, lo_id, n) \
             VALUES ($1, $2, $3, $4, 1)",
            &[&collection, &index, &FIRST_KEY, &FIRST_ID],
        )?;
        return Ok(());
    };
    if run.n <= SPLIT_AT {
        return Ok(());
    }
    // Split at the middle entry: the first half stays, the rest starts a run.
    let half = run.n / 2;
    let mid = tx.query_one(
        "SELECT key, id FROM index_entries \
         WHERE collection = $1 AND idx = $2 AND (key, id) >= ($3, $4) \
         ORDER BY key, id LIMIT 1 OFFSET $5",
        &[&collection, &index, &run.key, &run.id, &half],
    )?;
    let (mid_key, mid_id): (Vec<u8>, i64) = (mid.get(0), mid.get(1));
    set_size(tx, collection, index, &run, half)?;
    tx.execute(
        "INSERT INTO index_buckets (collection, idx, lo_key, lo_id, n) \
         VALUES ($1, $2, $3, $4, $5)",
        &[&collection, &index, &mid_key, &mid_id, &(run.n - half)],
    )?;
    Ok(())
}

/// Records that an entry left `index_entries`.
pub fn removed(tx: &mut Tx<'_>, collection: &str, index: &str, key: &[u8], id: i64) -> Result<()> {
    let Some(run) = resize_run_of(tx, collection, index, key, id, -1)? else {
        return Ok(());
    };
    if run.key.is_empty() && run.id == FIRST_ID {
        return Ok(());
    }
    if run.n <= 0 {
        return delete_run(tx, collection, index, &run);
    }
    if run.n < FOLD_BELOW {
        let before = tx
            .query_opt(
                "SELECT lo_key, lo_id, n FROM index_buckets \
                 WHERE collection = $1 AND idx = $2 AND (lo_key, lo_id) < ($3, $4) \
                 ORDER BY lo_key DESC, lo_id DESC LIMIT 1",
                &[&collection, &index, &run.key, &run.id],
            )?
            .as_ref()
            .map(run_row);
        if let Some(before) = before.filter(|b| b.n + run.n <= SPLIT_AT / 2) {
            delete_run(tx, collection, index, &run)?;
            return set_size(tx, collection, index, &before, before.n + run.n);
        }
    }
    Ok(())
}

fn delete_run(tx: &mut Tx<'_>, collection: &str, index: &str, run: &Run) -> Result<()> {
    tx.execute(
        "DELETE FROM index_buckets \
         WHERE collection = $1 AND idx = $2 AND lo_key = $3 AND lo_id = $4",
        &[&collection, &index, &run.key, &run.id],
    )?;
    Ok(())
}

fn set_size(tx: &mut Tx<'_>, collection: &str, index: &str, run: &Run, n: i64) -> Result<()> {
    tx.execute(
        "UPDATE index_buckets SET n = $5 \
         WHERE collection = $1 AND idx = $2 AND lo_key = $3 AND lo_id = $4",
        &[&collection, &index, &run.key, &run.id, &n],
    )?;
    Ok(())
}
