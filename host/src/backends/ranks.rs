//! Order statistics over a backend's index entries, so that a `count` and a
//! scan at a deep `offset` cost about what a first page costs: the logic once,
//! for every backend.
//!
//! Each index's entries, in (key, id) order, are cut into runs of consecutive
//! entries; a backend keeps a row per run (its first position and its size,
//! `index_buckets` in both schemas) and answers the few questions of [`Runs`]
//! over one index. A commit moves the sizes as it adds and removes entries
//! ([`apply`]: each run it touches once, however many of its entries change),
//! splitting a run that grows past [`SPLIT_AT`] and folding a small one into
//! the run before it. A count then adds up the sizes of the runs inside its
//! range and walks entries only at the two edges; a deep scan skips whole
//! runs, then seeks into the one that holds its offset.
//!
//! Keys compare bytewise in both backends (SQLite's BINARY collation,
//! PostgreSQL's `bytea`), as Rust's `str` ordering does.

use anyhow::{Result, bail};

use crate::bindings::store::{Hit, Range};

/// A run is split when it grows past this many entries, so a walk at an edge
/// never reads more than this.
pub const SPLIT_AT: i64 = 1024;
/// A run that shrinks below this is folded into the run before it, if the
/// two fit in one.
const FOLD_BELOW: i64 = 128;
/// The first run of every index starts before every (key, id).
pub const FIRST_KEY: &str = "";
pub const FIRST_ID: i64 = i64::MIN;

/// A position in an index's (key, id) order; without an id, it is before
/// every entry of `key`.
#[derive(Clone, Copy, Debug)]
pub struct Pos<'a> {
    pub key: &'a str,
    pub id: Option<i64>,
}

impl<'a> Pos<'a> {
    pub fn key(key: &'a str) -> Self {
        Pos { key, id: None }
    }

    pub fn of(run: &'a Run) -> Self {
        Pos {
            key: &run.key,
            id: Some(run.id),
        }
    }
}

/// A run: its first position and how many entries it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub key: String,
    pub id: i64,
    pub n: i64,
}

impl Run {
    fn is_first(&self) -> bool {
        self.key == FIRST_KEY && self.id == FIRST_ID
    }
}

/// Entries of the index from `from` (inclusive) to `to` (exclusive), with the
/// `contains` filter of the WIT `range`.
#[derive(Clone, Copy, Debug)]
pub struct Slice<'a> {
    pub from: Pos<'a>,
    pub to: Option<Pos<'a>>,
    pub contains: &'a [String],
}

/// What a backend answers about the entries and runs of one index of one
/// collection, inside whatever transaction the caller holds.
pub trait Runs {
    /// How many entries the slice holds.
    fn count(&mut self, slice: Slice<'_>) -> Result<i64>;
    /// At most `limit` hits of the slice after skipping `offset`, in (key,
    /// id) order, descending when `reverse`.
    fn walk(
        &mut self,
        slice: Slice<'_>,
        reverse: bool,
        limit: u32,
        offset: i64,
    ) -> Result<Vec<Hit>>;
    /// Runs that start at a key in `[start, end)`, in order (descending when
    /// `reverse`).
    fn runs_in(&mut self, start: &str, end: Option<&str>, reverse: bool) -> Result<Vec<Run>>;
    /// The last run that starts at or before (key, id): the one holding it.
    fn run_at(&mut self, key: &str, id: i64) -> Result<Option<Run>>;
    /// The first run that starts after `pos` (at or after it, without an id).
    fn run_after(&mut self, pos: Pos<'_>) -> Result<Option<Run>>;
    /// The last run that starts before (key, id).
    fn run_before(&mut self, key: &str, id: i64) -> Result<Option<Run>>;
    /// The entry `offset` places after the first one at or after (key, id).
    fn entry_at(&mut self, key: &str, id: i64, offset: i64) -> Result<Option<(String, i64)>>;
    /// Moves the size of the run that holds (key, id) by `delta`, in one
    /// statement; the run as it is now.
    fn resize(&mut self, key: &str, id: i64, delta: i64) -> Result<Option<Run>>;
    fn insert_run(&mut self, key: &str, id: i64, n: i64) -> Result<()>;
    fn set_size(&mut self, run: &Run, n: i64) -> Result<()>;
    fn delete_run(&mut self, run: &Run) -> Result<()>;
}

/// How many entries have a key in `[start, end)`. Several questions: the
/// caller runs them on one snapshot.
pub fn count(r: &mut impl Runs, start: &str, end: Option<&str>) -> Result<u64> {
    let whole = Slice {
        from: Pos::key(start),
        to: end.map(Pos::key),
        contains: &[],
    };
    let runs = r.runs_in(start, end, false)?;
    let Some(first) = runs.first() else {
        // The range lies inside one run: a short walk.
        return Ok(r.count(whole)? as u64);
    };
    // Entries before the first run that starts inside the range belong to
    // the run before it; entries past `end` may belong to the last one.
    let head = r.count(Slice {
        to: Some(Pos::of(first)),
        ..whole
    })?;
    let sizes: i64 = runs.iter().map(|run| run.n).sum();
    let tail = match end {
        None => 0,
        Some(end) => {
            let next = r.run_after(Pos::key(end))?;
            r.count(Slice {
                from: Pos::key(end),
                to: next.as_ref().map(Pos::of),
                ..whole
            })?
        }
    };
    Ok((head + sizes - tail).max(0) as u64)
}

/// Whether a scan is one walk (filtered or shallow) rather than a seek over
/// the runs; a seek asks several questions, to run on one snapshot.
pub fn is_walk(range: &Range) -> bool {
    !range.contains.is_empty() || i64::from(range.offset) < SPLIT_AT
}

/// The hits of a WIT `range`: one walk, or, deep, a seek that skips whole
/// runs, then walks inside the one at the offset.
pub fn scan(r: &mut impl Runs, range: &Range) -> Result<Vec<Hit>> {
    let start = range.start.as_deref().unwrap_or("");
    let end = range.end.as_deref();
    let whole = Slice {
        from: Pos::key(start),
        to: end.map(Pos::key),
        contains: &range.contains,
    };
    let offset = i64::from(range.offset);
    if is_walk(range) {
        return r.walk(whole, range.reverse, range.limit, offset);
    }
    let runs = r.runs_in(start, end, range.reverse)?;
    let Some(first) = runs.first() else {
        return r.walk(whole, range.reverse, range.limit, offset);
    };
    if !range.reverse {
        let head = r.count(Slice {
            to: Some(Pos::of(first)),
            ..whole
        })?;
        if offset < head {
            return r.walk(whole, false, range.limit, offset);
        }
        let mut rest = offset - head;
        for run in &runs {
            if rest < run.n {
                let from_run = Slice {
                    from: Pos::of(run),
                    ..whole
                };
                return r.walk(from_run, false, range.limit, rest);
            }
            rest -= run.n;
        }
        return Ok(Vec::new());
    }
    // Backwards: the top run may reach past `end`, so its share is counted;
    // the runs below it are whole; what lies under the lowest run that
    // starts in the range belongs to the run before it.
    let top = r.count(Slice {
        from: Pos::of(first),
        ..whole
    })?;
    if offset < top {
        return r.walk(whole, true, range.limit, offset);
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
    r.walk(below, true, range.limit, rest)
}

/// An entry a commit added (`delta` 1) to the index or removed (-1) from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Change<'a> {
    pub key: &'a str,
    pub id: i64,
    pub delta: i64,
}

/// Moves the run sizes for entries a commit already added to or removed
/// from the index. Each run the changes fall in is resized once; then a run
/// grown past [`SPLIT_AT`] is cut into runs of about half that, and one that
/// lost entries is dropped when empty or folded into the run before it when
/// small.
pub fn apply(r: &mut impl Runs, changes: &mut [Change<'_>]) -> Result<()> {
    changes.sort_unstable();
    // The runs touched, ascending, each with what it gained and lost.
    let mut touched: Vec<(Run, i64, bool)> = Vec::new();
    let mut i = 0;
    while i < changes.len() {
        let c = changes[i];
        if i + 1 == changes.len() {
            // The last change (a lone one, often): one statement.
            match r.resize(c.key, c.id, c.delta)? {
                Some(run) => touched.push((run, c.delta, c.delta < 0)),
                None if c.delta > 0 => r.insert_run(FIRST_KEY, FIRST_ID, c.delta)?,
                None => {}
            }
            break;
        }
        let run = match r.run_at(c.key, c.id)? {
            Some(run) => run,
            None => {
                // No run yet: the first one starts before every entry.
                r.insert_run(FIRST_KEY, FIRST_ID, 0)?;
                Run {
                    key: FIRST_KEY.to_owned(),
                    id: FIRST_ID,
                    n: 0,
                }
            }
        };
        let next = r.run_after(Pos::of(&run))?;
        let (mut delta, mut lost) = (0, false);
        while let Some(c) = changes.get(i) {
            let inside = next
                .as_ref()
                .is_none_or(|n| (c.key, c.id) < (n.key.as_str(), n.id));
            if !inside {
                break;
            }
            delta += c.delta;
            lost |= c.delta < 0;
            i += 1;
        }
        if delta != 0 {
            let n = run.n + delta;
            r.set_size(&run, n)?;
            touched.push((Run { n, ..run }, delta, lost));
        }
    }
    // Last run first, so a run folded into the one before it is counted
    // there when that one's turn comes.
    for at in (0..touched.len()).rev() {
        let (run, _, lost) = touched[at].clone();
        if run.n > SPLIT_AT {
            split(r, &run)?;
            continue;
        }
        if !lost || run.is_first() {
            continue;
        }
        if run.n <= 0 {
            // An empty run covers nothing: the run before it reaches on.
            r.delete_run(&run)?;
            continue;
        }
        if run.n < FOLD_BELOW {
            // The run before this one takes over its entries, if they fit.
            let before = r.run_before(&run.key, run.id)?;
            if let Some(before) = before.filter(|b| b.n + run.n <= SPLIT_AT / 2) {
                r.delete_run(&run)?;
                let n = before.n + run.n;
                r.set_size(&before, n)?;
                if at > 0
                    && touched[at - 1].0.key == before.key
                    && touched[at - 1].0.id == before.id
                {
                    touched[at - 1].0.n = n;
                }
            }
        }
    }
    Ok(())
}

/// Cuts a run into runs of about half [`SPLIT_AT`]: the first keeps its
/// start, each other one starts at the entry its share begins with.
fn split(r: &mut impl Runs, run: &Run) -> Result<()> {
    let half = SPLIT_AT / 2;
    let pieces = (run.n + half - 1) / half;
    let size = run.n / pieces;
    for k in (1..pieces).rev() {
        let Some((key, id)) = r.entry_at(&run.key, run.id, k * size)? else {
            bail!("a run of {} entries holds fewer", run.n);
        };
        let n = if k == pieces - 1 {
            run.n - k * size
        } else {
            size
        };
        r.insert_run(&key, id, n)?;
    }
    r.set_size(run, size)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs and entries in memory: the backends' answers, by their definitions.
    #[derive(Default)]
    struct Memory {
        entries: Vec<(String, i64)>,
        runs: Vec<Run>,
    }

    impl Memory {
        fn inside(&self, s: &Slice<'_>) -> Vec<(String, i64)> {
            let after = |e: &(String, i64), p: &Pos<'_>| match p.id {
                Some(id) => (e.0.as_str(), e.1) >= (p.key, id),
                None => e.0.as_str() >= p.key,
            };
            self.entries
                .iter()
                .filter(|e| after(e, &s.from) && s.to.as_ref().is_none_or(|t| !after(e, t)))
                .filter(|e| s.contains.is_empty() || s.contains.iter().any(|p| e.0.contains(p)))
                .cloned()
                .collect()
        }

        fn pos(run: &Run) -> (&str, i64) {
            (run.key.as_str(), run.id)
        }

        fn sorted(&mut self) {
            self.entries.sort();
            self.runs
                .sort_by(|a, b| Memory::pos(a).cmp(&Memory::pos(b)));
        }
    }

    impl Runs for Memory {
        fn count(&mut self, slice: Slice<'_>) -> Result<i64> {
            Ok(self.inside(&slice).len() as i64)
        }
        fn walk(
            &mut self,
            s: Slice<'_>,
            reverse: bool,
            limit: u32,
            offset: i64,
        ) -> Result<Vec<Hit>> {
            let mut all = self.inside(&s);
            if reverse {
                all.reverse();
            }
            Ok(all
                .into_iter()
                .skip(offset as usize)
                .take(limit as usize)
                .map(|(key, id)| Hit { key, id: id as u64 })
                .collect())
        }
        fn runs_in(&mut self, start: &str, end: Option<&str>, reverse: bool) -> Result<Vec<Run>> {
            let mut out: Vec<Run> = self
                .runs
                .iter()
                .filter(|r| r.key.as_str() >= start && end.is_none_or(|e| r.key.as_str() < e))
                .cloned()
                .collect();
            if reverse {
                out.reverse();
            }
            Ok(out)
        }
        fn run_at(&mut self, key: &str, id: i64) -> Result<Option<Run>> {
            Ok(self
                .runs
                .iter()
                .rev()
                .find(|r| Memory::pos(r) <= (key, id))
                .cloned())
        }
        fn run_after(&mut self, pos: Pos<'_>) -> Result<Option<Run>> {
            Ok(self
                .runs
                .iter()
                .find(|r| match pos.id {
                    Some(id) => Memory::pos(r) > (pos.key, id),
                    None => r.key.as_str() >= pos.key,
                })
                .cloned())
        }
        fn run_before(&mut self, key: &str, id: i64) -> Result<Option<Run>> {
            Ok(self
                .runs
                .iter()
                .rev()
                .find(|r| Memory::pos(r) < (key, id))
                .cloned())
        }
        fn entry_at(&mut self, key: &str, id: i64, offset: i64) -> Result<Option<(String, i64)>> {
            Ok(self
                .entries
                .iter()
                .filter(|e| (e.0.as_str(), e.1) >= (key, id))
                .nth(offset as usize)
                .cloned())
        }
        fn resize(&mut self, key: &str, id: i64, delta: i64) -> Result<Option<Run>> {
            let Some(run) = self.run_at(key, id)? else {
                return Ok(None);
            };
            let n = run.n + delta;
            self.set_size(&run, n)?;
            Ok(Some(Run { n, ..run }))
        }
        fn insert_run(&mut self, key: &str, id: i64, n: i64) -> Result<()> {
            self.runs.push(Run {
                key: key.to_owned(),
                id,
                n,
            });
            self.sorted();
            Ok(())
        }
        fn set_size(&mut self, run: &Run, n: i64) -> Result<()> {
            for r in &mut self.runs {
                if r.key == run.key && r.id == run.id {
                    r.n = n;
                }
            }
            Ok(())
        }
        fn delete_run(&mut self, run: &Run) -> Result<()> {
            self.runs.retain(|r| !(r.key == run.key && r.id == run.id));
            Ok(())
        }
    }

    /// Each run's size is the number of entries between its start and the
    /// next run's.
    fn check_sizes(m: &mut Memory) {
        let runs = m.runs.clone();
        assert_eq!(runs.first().map(Run::is_first), Some(true), "{runs:?}");
        for (i, run) in runs.iter().enumerate() {
            let held = m.inside(&Slice {
                from: Pos::of(run),
                to: runs.get(i + 1).map(Pos::of),
                contains: &[],
            });
            assert_eq!(run.n, held.len() as i64, "run {i} of {}", runs.len());
            assert!(run.n <= SPLIT_AT, "run {i} holds {}", run.n);
        }
    }

    /// The changes of these entries, each by `delta`.
    fn moves(entries: &[(String, i64)], delta: i64) -> impl Iterator<Item = Change<'_>> {
        entries.iter().map(move |(key, id)| Change {
            key,
            id: *id,
            delta,
        })
    }

    fn key(i: i64) -> String {
        format!("k{:03}", i % 577)
    }

    /// Batches of additions and removals, large and small, keep every run's
    /// size exact and within bounds; counts and deep scans agree with the
    /// entries.
    #[test]
    fn batched_changes_keep_run_sizes_exact() {
        let mut m = Memory::default();
        let mut next = 0i64;
        for round in 0..12 {
            // Add a batch: a large one now and then, appended and spread.
            let size = if round % 3 == 0 { 2500 } else { 300 };
            let added: Vec<(String, i64)> =
                (0..size).map(|i| (key(i * 7 + round), next + i)).collect();
            next += size;
            m.entries.extend(added.iter().cloned());
            m.sorted();
            let mut changes: Vec<Change<'_>> = moves(&added, 1).collect();
            apply(&mut m, &mut changes).unwrap();
            check_sizes(&mut m);
            // Remove every other entry of a stretch, and an entry added and
            // removed in one commit counts for nothing.
            let gone: Vec<(String, i64)> = m
                .entries
                .iter()
                .skip((round as usize * 131) % m.entries.len().max(1))
                .step_by(2)
                .take(400)
                .cloned()
                .collect();
            m.entries.retain(|e| !gone.contains(e));
            let mut changes: Vec<Change<'_>> = moves(&gone, -1)
                .chain([
                    Change {
                        key: "zz",
                        id: 1,
                        delta: 1,
                    },
                    Change {
                        key: "zz",
                        id: 1,
                        delta: -1,
                    },
                ])
                .collect();
            apply(&mut m, &mut changes).unwrap();
            check_sizes(&mut m);
        }
        assert!(m.runs.len() > 7, "{} runs", m.runs.len());
        let all = m.entries.clone();
        assert_eq!(count(&mut m, "", None).unwrap(), all.len() as u64);
        let inside = all
            .iter()
            .filter(|e| e.0.as_str() >= "k100" && e.0.as_str() < "k400")
            .count();
        assert_eq!(count(&mut m, "k100", Some("k400")).unwrap(), inside as u64);
        for (offset, reverse) in [(1500u32, false), (4000, false), (3000, true)] {
            let range = Range {
                index: "x".into(),
                start: None,
                end: None,
                reverse,
                offset,
                limit: 5,
                contains: Vec::new(),
            };
            let mut want = all.clone();
            if reverse {
                want.reverse();
            }
            let want: Vec<(String, u64)> = want
                .into_iter()
                .skip(offset as usize)
                .take(5)
                .map(|(k, id)| (k, id as u64))
                .collect();
            let got: Vec<(String, u64)> = scan(&mut m, &range)
                .unwrap()
                .into_iter()
                .map(|h| (h.key, h.id))
                .collect();
            assert_eq!(got, want, "offset {offset} reverse {reverse}");
        }
        // Removing everything leaves the first run, empty.
        let gone = std::mem::take(&mut m.entries);
        let mut changes: Vec<Change<'_>> = moves(&gone, -1).collect();
        apply(&mut m, &mut changes).unwrap();
        assert_eq!(m.runs.len(), 1, "{:?}", m.runs);
        assert_eq!(m.runs[0].n, 0);
    }
}
