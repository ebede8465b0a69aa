//! Order statistics over `index_entries`, so that a `count` and a scan at a
//! deep `offset` cost about what a first page costs.
//!
//! Each index's entries, in (key, id) order, are cut into runs of consecutive
//! entries. `index_buckets` holds a row per run: the run's first position and
//! its size. `commit` keeps the sizes as it adds and removes entries, splitting
//! a run that grows past [`SPLIT_AT`] and folding a small one into the run
//! before it. A count then adds up the sizes of the runs inside its range and
//! walks entries only at the two edges; a deep scan skips whole runs, then
//! seeks into the one that holds its offset.

use anyhow::Result;
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use crate::bindings::store::{Hit, Range};

/// A run is split in two when it grows past this many entries, so a walk at
/// an edge never reads more than this.
pub const SPLIT_AT: i64 = 1024;
/// A run that shrinks below this is folded into the run before it, if the
/// two fit in one.
const FOLD_BELOW: i64 = 128;
/// The first run of every index starts before every (key, id).
const FIRST_KEY: &str = "";
const FIRST_ID: i64 = i64::MIN;

/// A position in an index's (key, id) order; without an id, it is before
/// every entry of `key`.
#[derive(Clone, Copy, Debug)]
struct Pos<'a> {
    key: &'a str,
    id: Option<i64>,
}

impl<'a> Pos<'a> {
    fn key(key: &'a str) -> Self {
        Pos { key, id: None }
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
    key: String,
    id: i64,
    n: i64,
}

/// Entries of one index from `from` (inclusive) to `to` (exclusive), with
/// the `contains` filter of the WIT `range`.
#[derive(Clone, Copy)]
struct Slice<'a> {
    collection: &'a str,
    index: &'a str,
    from: Pos<'a>,
    to: Option<Pos<'a>>,
    contains: &'a [String],
}

impl Slice<'_> {
    /// The WHERE clause and its parameters, in order. Each bound is either
    /// a key or a row value, so SQLite bounds the primary key's range.
    fn filter(&self) -> (String, Vec<Value>) {
        let mut sql = String::from("collection = ? AND idx = ?");
        let mut values: Vec<Value> = vec![text(self.collection), text(self.index)];
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
        bound(self.from, ">=");
        if let Some(to) = self.to {
            bound(to, "<");
        }
        if !self.contains.is_empty() {
            let any = vec!["key GLOB ?"; self.contains.len()].join(" OR ");
            sql.push_str(&format!(" AND ({any})"));
            values.extend(self.contains.iter().map(|s| glob_containing(s).into()));
        }
        (sql, values)
    }

    fn count(&self, conn: &Connection) -> Result<i64> {
        let (filter, values) = self.filter();
        let sql = format!("SELECT count(*) FROM index_entries WHERE {filter}");
        let n = conn
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values), |r| r.get(0))?;
        Ok(n)
    }

    fn walk(&self, conn: &Connection, reverse: bool, limit: u32, offset: i64) -> Result<Vec<Hit>> {
        let (filter, mut values) = self.filter();
        let dir = if reverse { "DESC" } else { "ASC" };
        let sql = format!(
            "SELECT key, id FROM index_entries WHERE {filter} \
             ORDER BY key {dir}, id {dir} LIMIT ? OFFSET ?"
        );
        values.push(i64::from(limit).into());
        values.push(offset.into());
        let hits = conn
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
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

/// A GLOB pattern matching any text that contains `s` as it is: `*`, `?`
/// and `[` are made literal by bracketing them.
fn glob_containing(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('*');
    for ch in s.chars() {
        if matches!(ch, '*' | '?' | '[') {
            out.push('[');
            out.push(ch);
            out.push(']');
        } else {
            out.push(ch);
        }
    }
    out.push('*');
    out
}

/// Runs that start in `[start, end)`, in order (descending when `reverse`).
fn runs_in(
    conn: &Connection,
    collection: &str,
    index: &str,
    start: &str,
    end: Option<&str>,
    reverse: bool,
) -> Result<Vec<Run>> {
    let dir = if reverse { "DESC" } else { "ASC" };
    let mut values: Vec<Value> = vec![text(collection), text(index), text(start)];
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
    let runs = conn
        .prepare_cached(&sql)?
        .query_map(params_from_iter(values), run_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(runs)
}

fn run_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    Ok(Run {
        key: r.get(0)?,
        id: r.get(1)?,
        n: r.get(2)?,
    })
}

/// The first run that starts at or after `key`.
fn run_from(conn: &Connection, collection: &str, index: &str, key: &str) -> Result<Option<Run>> {
    let run = conn
        .prepare_cached(
            "SELECT lo_key, lo_id, n FROM index_buckets \
             WHERE collection = ?1 AND idx = ?2 AND lo_key >= ?3 \
             ORDER BY lo_key, lo_id LIMIT 1",
        )?
        .query_row(params![collection, index, key], run_row)
        .optional()?;
    Ok(run)
}

/// Moves the size of the run that holds (key, id), the last one starting at
/// or before it, by `delta`, in one statement; returns the run as it is now.
fn resize_run_of(
    conn: &Connection,
    collection: &str,
    index: &str,
    key: &str,
    id: i64,
    delta: i64,
) -> Result<Option<Run>> {
    let run = conn
        .prepare_cached(
            "UPDATE index_buckets SET n = n + ?5 \
             WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) = ( \
                 SELECT lo_key, lo_id FROM index_buckets \
                 WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) <= (?3, ?4) \
                 ORDER BY lo_key DESC, lo_id DESC LIMIT 1) \
             RETURNING lo_key, lo_id, n",
        )?
        .query_row(params![collection, index, key, id, delta], run_row)
        .optional()?;
    Ok(run)
}

/// How many entries of `index` have a key in `[start, end)`.
pub fn count(
    conn: &Connection,
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
    let runs = runs_in(conn, collection, index, start, end, false)?;
    let Some(first) = runs.first() else {
        // The range lies inside one run: a short walk.
        return Ok(whole.count(conn)? as u64);
    };
    // Entries before the first run that starts inside the range belong to
    // the run before it; entries past `end` may belong to the last one.
    let head = Slice {
        to: Some(Pos::of(first)),
        ..whole
    }
    .count(conn)?;
    let sizes: i64 = runs.iter().map(|r| r.n).sum();
    let tail = match end {
        None => 0,
        Some(end) => {
            let next = run_from(conn, collection, index, end)?;
            Slice {
                from: Pos::key(end),
                to: next.as_ref().map(Pos::of),
                ..whole
            }
            .count(conn)?
        }
    };
    Ok((head + sizes - tail).max(0) as u64)
}

/// The hits of a WIT `range`. A filtered or shallow scan is one walk; a deep
/// one skips whole runs first.
pub fn scan(conn: &mut Connection, collection: &str, range: &Range) -> Result<Vec<Hit>> {
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
    if !range.contains.is_empty() || offset < SPLIT_AT {
        return whole.walk(conn, range.reverse, range.limit, offset);
    }
    // Several statements from here: one read transaction, so run sizes and
    // entries come from the same snapshot.
    let tx = conn.transaction()?;
    seek(&tx, whole, range)
}

/// A deep scan: skips whole runs, then walks inside the one at the offset.
fn seek(conn: &Connection, whole: Slice<'_>, range: &Range) -> Result<Vec<Hit>> {
    let (collection, start, end) = (whole.collection, whole.from.key, range.end.as_deref());
    let offset = i64::from(range.offset);
    let runs = runs_in(conn, collection, &range.index, start, end, range.reverse)?;
    let Some(first) = runs.first() else {
        return whole.walk(conn, range.reverse, range.limit, offset);
    };
    if !range.reverse {
        let head = Slice {
            to: Some(Pos::of(first)),
            ..whole
        }
        .count(conn)?;
        if offset < head {
            return whole.walk(conn, false, range.limit, offset);
        }
        let mut rest = offset - head;
        for run in &runs {
            if rest < run.n {
                let from_run = Slice {
                    from: Pos::of(run),
                    ..whole
                };
                return from_run.walk(conn, false, range.limit, rest);
            }
            rest -= run.n;
        }
        return Ok(Vec::new());
    }
    // Backwards: the top run may reach past `end`, so its share is counted;
    // the runs below it are whole; what lies under the lowest run that
    // starts in the range belongs to the run before it.
    let top = Slice {
        from: Pos::of(first),
        ..whole
    }
    .count(conn)?;
    if offset < top {
        return whole.walk(conn, true, range.limit, offset);
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
    below.walk(conn, true, range.limit, rest)
}

/// Records a new entry; it is already in `index_entries`.
pub fn added(conn: &Connection, collection: &str, index: &str, key: &str, id: i64) -> Result<()> {
    let Some(run) = resize_run_of(conn, collection, index, key, id, 1)? else {
        conn.prepare_cached(
            "INSERT INTO index_buckets (collection, idx, lo_key, lo_id, n) \
             VALUES (?1, ?2, ?3, ?4, 1)",
        )?
        .execute(params![collection, index, FIRST_KEY, FIRST_ID])?;
        return Ok(());
    };
    if run.n <= SPLIT_AT {
        return Ok(());
    }
    // Split at the middle entry: the first half stays, the rest starts a run.
    let half = run.n / 2;
    let (mid_key, mid_id): (String, i64) = conn
        .prepare_cached(
            "SELECT key, id FROM index_entries \
             WHERE collection = ?1 AND idx = ?2 AND (key, id) >= (?3, ?4) \
             ORDER BY key, id LIMIT 1 OFFSET ?5",
        )?
        .query_row(params![collection, index, run.key, run.id, half], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?;
    set_size(conn, collection, index, &run, half)?;
    conn.prepare_cached(
        "INSERT INTO index_buckets (collection, idx, lo_key, lo_id, n) \
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![collection, index, mid_key, mid_id, run.n - half])?;
    Ok(())
}

/// Records that an entry left `index_entries`.
pub fn removed(conn: &Connection, collection: &str, index: &str, key: &str, id: i64) -> Result<()> {
    let Some(run) = resize_run_of(conn, collection, index, key, id, -1)? else {
        return Ok(());
    };
    if run.key == FIRST_KEY && run.id == FIRST_ID {
        return Ok(());
    }
    if run.n <= 0 {
        // An empty run covers nothing: the run before it reaches on.
        return delete_run(conn, collection, index, &run);
    }
    if run.n < FOLD_BELOW {
        // The run before this one takes over its entries, if they fit.
        let before = conn
            .prepare_cached(
                "SELECT lo_key, lo_id, n FROM index_buckets \
                 WHERE collection = ?1 AND idx = ?2 AND (lo_key, lo_id) < (?3, ?4) \
                 ORDER BY lo_key DESC, lo_id DESC LIMIT 1",
            )?
            .query_row(params![collection, index, run.key, run.id], run_row)
            .optional()?;
        if let Some(before) = before.filter(|b| b.n + run.n <= SPLIT_AT / 2) {
            delete_run(conn, collection, index, &run)?;
            return set_size(conn, collection, index, &before, before.n + run.n);
        }
    }
    Ok(())
}

fn delete_run(conn: &Connection, collection: &str, index: &str, run: &Run) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM index_buckets \
         WHERE collection = ?1 AND idx = ?2 AND lo_key = ?3 AND lo_id = ?4",
    )?
    .execute(params![collection, index, run.key, run.id])?;
    Ok(())
}

fn set_size(conn: &Connection, collection: &str, index: &str, run: &Run, n: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE index_buckets SET n = ?5 \
         WHERE collection = ?1 AND idx = ?2 AND lo_key = ?3 AND lo_id = ?4",
    )?
    .execute(params![collection, index, run.key, run.id, n])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_patterns_take_text_literally() {
        assert_eq!(glob_containing("ab"), "*ab*");
        assert_eq!(glob_containing("a*b?[c]"), "*a[*]b[?][[]c]*");
    }
}
