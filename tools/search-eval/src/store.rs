//! A compact in-memory [`Store`] for a million contacts.
//!
//! `contacts_guest::memory::MemoryStore` is the reference semantics of the
//! port, but it keeps three owned strings per index entry and answers a
//! range scan by walking every entry: fine for unit tests, gigabytes and
//! seconds per search at 1,000,000 contacts. This store keeps one ordered set
//! per index and answers ranges from it, with the same semantics (keys
//! compare bytewise; `[start, end)`, `contains`, `reverse`, `offset`,
//! `limit`). A test checks that the engine answers alike over both.
//!
//! Documents are only ever created here (the evaluation loads, then reads):
//! a put over an existing document is refused rather than half-supported.

use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use contacts_guest::ports::{CommitError, Document, Event, Hit, Range, Store, Write};

#[derive(Default)]
struct Collection {
    docs: BTreeMap<u64, (u64, Box<str>)>,
    indexes: HashMap<String, Entries>,
}

type Entry = (Box<str>, u64);

/// One index's (key, id) entries: an ordered set while the evaluation loads,
/// then (after [`CompactStore::freeze`]) a sorted vector, where a count or an
/// offset is a binary search, as the real backends answer them from run
/// sizes instead of a walk.
enum Entries {
    Set(BTreeSet<Entry>),
    Sorted(Vec<Entry>),
}

impl Default for Entries {
    fn default() -> Self {
        Entries::Set(BTreeSet::new())
    }
}

impl Entries {
    fn len(&self) -> usize {
        match self {
            Entries::Set(s) => s.len(),
            Entries::Sorted(v) => v.len(),
        }
    }

    fn iter(&self) -> Box<dyn Iterator<Item = &Entry> + '_> {
        match self {
            Entries::Set(s) => Box::new(s.iter()),
            Entries::Sorted(v) => Box::new(v.iter()),
        }
    }

    fn insert(&mut self, e: Entry) {
        match self {
            Entries::Set(s) => {
                s.insert(e);
            }
            Entries::Sorted(v) => {
                if let Err(at) = v.binary_search(&e) {
                    v.insert(at, e);
                }
            }
        }
    }

    fn freeze(&mut self) {
        if let Entries::Set(s) = self {
            *self = Entries::Sorted(std::mem::take(s).into_iter().collect());
        }
    }

    /// The entries in `[start, end)` by key, in order.
    fn range(
        &self,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Box<dyn DoubleEndedIterator<Item = &Entry> + '_> {
        match self {
            Entries::Set(s) => Box::new(s.range(bounds(start, end))),
            Entries::Sorted(v) => {
                let (lo, hi) = Entries::slice(v, start, end);
                Box::new(v[lo..hi].iter())
            }
        }
    }

    fn slice(v: &[Entry], start: Option<&str>, end: Option<&str>) -> (usize, usize) {
        let lo = start.map_or(0, |s| v.partition_point(|(k, _)| &**k < s));
        let hi = end.map_or(v.len(), |e| v.partition_point(|(k, _)| &**k < e));
        (lo, hi.max(lo))
    }

    /// How many entries `[start, end)` holds, and how many were walked to tell.
    fn count(&self, start: Option<&str>, end: Option<&str>) -> (usize, usize) {
        match self {
            Entries::Set(s) => {
                let n = s.range(bounds(start, end)).count();
                (n, n)
            }
            Entries::Sorted(v) => {
                let (lo, hi) = Entries::slice(v, start, end);
                (hi - lo, 0)
            }
        }
    }
}

#[derive(Default)]
pub struct CompactStore {
    collections: RefCell<HashMap<String, Collection>>,
    next_ids: RefCell<HashMap<String, u64>>,
    events: Cell<u64>,
    cost: Cell<Cost>,
    /// Print every read to stderr (`--trace`).
    trace: Cell<bool>,
}

/// What the reads since the last [`CompactStore::take_cost`] asked of the
/// store: calls across the port, hits they returned, and entries they
/// walked (a `contains` filter or a count walks entries it does not return).
/// A query's cost in these units is the same in any store; its time is not.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cost {
    pub calls: u64,
    pub hits: u64,
    pub walked: u64,
}

impl CompactStore {
    pub fn new() -> CompactStore {
        CompactStore::default()
    }

    /// Ends the load: every index becomes a sorted vector (see [`Entries`]).
    pub fn freeze(&self) {
        for c in self.collections.borrow_mut().values_mut() {
            for e in c.indexes.values_mut() {
                e.freeze();
            }
        }
    }

    /// Whether every read is printed to stderr from now on.
    pub fn set_trace(&self, on: bool) {
        self.trace.set(on);
    }

    /// The cost of the reads since the last call, and a fresh count.
    pub fn take_cost(&self) -> Cost {
        self.cost.take()
    }

    fn charge(&self, hits: usize, walked: usize) {
        let mut c = self.cost.get();
        c.calls += 1;
        c.hits += hits as u64;
        c.walked += walked as u64;
        self.cost.set(c);
    }

    /// Bytes of keys and bodies held: what a store must keep for the engine.
    pub fn footprint(&self) -> (u64, u64, u64) {
        let all = self.collections.borrow();
        let mut entries = 0u64;
        let mut key_bytes = 0u64;
        let mut body_bytes = 0u64;
        for c in all.values() {
            body_bytes += c.docs.values().map(|(_, b)| b.len() as u64).sum::<u64>();
            for set in c.indexes.values() {
                entries += set.len() as u64;
                key_bytes += set.iter().map(|(k, _)| k.len() as u64 + 8).sum::<u64>();
            }
        }
        (entries, key_bytes, body_bytes)
    }

    /// Index entries and their key bytes, per index, largest first.
    pub fn index_sizes(&self, collection: &str) -> Vec<(String, u64, u64)> {
        let all = self.collections.borrow();
        let mut out: Vec<(String, u64, u64)> = all
            .get(collection)
            .map(|c| {
                c.indexes
                    .iter()
                    .map(|(name, set)| {
                        let bytes = set.iter().map(|(k, _)| k.len() as u64 + 8).sum();
                        (name.clone(), set.len() as u64, bytes)
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
        out
    }
}

/// One bound of a range of (key, id) entries.
type EntryBound = Bound<(Box<str>, u64)>;

fn bounds(start: Option<&str>, end: Option<&str>) -> (EntryBound, EntryBound) {
    // (key, 0) is the smallest tuple of a key: keys >= start, keys < end.
    (
        start.map_or(Bound::Unbounded, |s| Bound::Included((s.into(), 0))),
        end.map_or(Bound::Unbounded, |e| Bound::Excluded((e.into(), 0))),
    )
}

impl Store for CompactStore {
    fn get(&self, collection: &str, id: u64) -> Option<Document> {
        let all = self.collections.borrow();
        let (version, body) = all.get(collection)?.docs.get(&id)?;
        Some(Document {
            id,
            version: *version,
            body: body.to_string(),
        })
    }

    fn get_many(&self, collection: &str, ids: &[u64]) -> Vec<Document> {
        ids.iter()
            .filter_map(|id| self.get(collection, *id))
            .collect()
    }

    fn find(&self, collection: &str, index: &str, key: &str) -> Vec<u64> {
        let all = self.collections.borrow();
        let Some(set) = all.get(collection).and_then(|c| c.indexes.get(index)) else {
            return Vec::new();
        };
        let ids: Vec<u64> = set
            .range(Some(key), None)
            .take_while(|(k, _)| &**k == key)
            .map(|(_, id)| *id)
            .collect();
        self.charge(ids.len(), ids.len());
        if self.trace.get() {
            eprintln!("    find {collection}/{index} {key:?} -> {} ids", ids.len());
        }
        ids
    }

    fn scan(&self, collection: &str, range: &Range) -> Vec<Hit> {
        let all = self.collections.borrow();
        let Some(set) = all
            .get(collection)
            .and_then(|c| c.indexes.get(&range.index))
        else {
            return Vec::new();
        };
        if matches!((&range.start, &range.end), (Some(s), Some(e)) if s >= e) {
            return Vec::new();
        }
        let walked = Cell::new(0usize);
        let keep = |(k, _): &&(Box<str>, u64)| {
            walked.set(walked.get() + 1);
            range.contains.is_empty() || range.contains.iter().any(|s| k.contains(s.as_str()))
        };
        let hit = |(k, id): &(Box<str>, u64)| Hit {
            key: k.to_string(),
            id: *id,
        };
        let mut within = set.range(range.start.as_deref(), range.end.as_deref());
        let (mut offset, limit) = (range.offset as usize, range.limit as usize);
        if range.contains.is_empty() && matches!(set, Entries::Sorted(_)) {
            // A plain offset into a sorted slice costs nothing to skip.
            if offset > 0 {
                if range.reverse {
                    within.nth_back(offset - 1);
                } else {
                    within.nth(offset - 1);
                }
            }
            offset = 0;
        }
        let hits: Vec<Hit> = if range.reverse {
            within
                .rev()
                .filter(keep)
                .skip(offset)
                .take(limit)
                .map(hit)
                .collect()
        } else {
            within
                .filter(keep)
                .skip(offset)
                .take(limit)
                .map(hit)
                .collect()
        };
        self.charge(hits.len(), walked.get());
        if self.trace.get() {
            eprintln!(
                "    scan {collection}/{} {:?}..{:?} offset {} limit {}{}{} -> {} hits, {} walked",
                range.index,
                range.start,
                range.end,
                range.offset,
                range.limit,
                if range.reverse { " reverse" } else { "" },
                if range.contains.is_empty() {
                    String::new()
                } else {
                    format!(" contains {:?}", range.contains)
                },
                hits.len(),
                walked.get()
            );
        }
        hits
    }

    fn count(&self, collection: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64 {
        let all = self.collections.borrow();
        let Some(set) = all.get(collection).and_then(|c| c.indexes.get(index)) else {
            return 0;
        };
        if matches!((start, end), (Some(s), Some(e)) if s >= e) {
            return 0;
        }
        let (n, walked) = set.count(start, end);
        self.charge(0, walked);
        if self.trace.get() {
            eprintln!("    count {collection}/{index} {start:?}..{end:?} -> {n}");
        }
        n as u64
    }

    fn allocate_id(&self, collection: &str) -> u64 {
        let mut next = self.next_ids.borrow_mut();
        let n = next.entry(collection.to_owned()).or_insert(0);
        *n += 1;
        *n
    }

    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Vec<u64> {
        let all = self.collections.borrow();
        let Some(c) = all.get(collection) else {
            return Vec::new();
        };
        let from = after.map_or(Bound::Unbounded, Bound::Excluded);
        c.docs
            .range((from, Bound::Unbounded))
            .take(limit as usize)
            .map(|(id, _)| *id)
            .collect()
    }

    fn commit(&self, writes: Vec<Write>, events: Vec<Event>) -> Result<(), CommitError> {
        let mut all = self.collections.borrow_mut();
        for write in &writes {
            let Write::Put(p) = write else {
                return Err(CommitError::Unavailable(
                    "the evaluation store only creates documents".to_owned(),
                ));
            };
            let c = all.entry(p.collection.clone()).or_default();
            if p.expected_version.is_some() || c.docs.contains_key(&p.id) {
                return Err(CommitError::Unavailable(
                    "the evaluation store only creates documents".to_owned(),
                ));
            }
            for e in &p.exclusive {
                let held = c.indexes.get(&e.index).is_some_and(|set| {
                    set.range(Some(&e.key), None)
                        .take_while(|(k, _)| **k == *e.key)
                        .any(|(_, id)| *id != p.id)
                });
                if held {
                    return Err(CommitError::Taken(e.clone()));
                }
            }
        }
        for write in writes {
            let Write::Put(p) = write else { continue };
            let c = all.entry(p.collection).or_default();
            for e in p.entries {
                c.indexes
                    .entry(e.index)
                    .or_default()
                    .insert((e.key.into_boxed_str(), p.id));
            }
            c.docs.insert(p.id, (1, p.body.into_boxed_str()));
        }
        self.events.set(self.events.get() + events.len() as u64);
        Ok(())
    }

    fn now(&self) -> String {
        "2026-01-01T00:00:00Z".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use contacts_guest::memory::{MemoryDirectory, MemoryStore};
    use contacts_guest::model::Settings;
    use contacts_guest::ports::Store;
    use contacts_guest::service::Engine;

    use super::CompactStore;
    use crate::engines::component::{context, patch};
    use crate::generate;

    #[test]
    fn the_engine_answers_alike_over_the_reference_store() {
        let people = generate::people(1500, 3);
        let queries = generate::queries(&people, 15, 3);
        let compact = CompactStore::new();
        let memory = MemoryStore::new();
        let settings = Settings::default();
        let directory = MemoryDirectory::default();
        let cx = context();
        let stores: [&dyn Store; 2] = [&compact, &memory];
        for p in &people {
            for store in stores {
                Engine::new(&settings, store, &directory)
                    .create(&cx, None, patch(p))
                    .unwrap();
            }
        }
        // Searched as the evaluation searches: after the load, sorted.
        compact.freeze();
        let ids = |store: &dyn Store, q: &str| -> Vec<u64> {
            Engine::new(&settings, store, &directory)
                .search(&cx, q, 20)
                .unwrap()
                .iter()
                .map(|v| v.contact.id)
                .collect()
        };
        let mut answered = 0;
        for q in &queries {
            let a = ids(&compact, &q.text);
            assert_eq!(a, ids(&memory, &q.text), "{:?} {}", q.kind, q.text);
            answered += usize::from(!a.is_empty());
        }
        assert!(answered > queries.len() / 2, "the engine found too little");
        assert_eq!(
            compact.count("contacts", "email", None, None),
            memory.count("contacts", "email", None, None)
        );
        // Counts and offsets of the sorted form, against the reference.
        let n = |s: &dyn Store| s.count("contacts", "term", Some("n:m"), Some("n:n"));
        assert!(n(&compact) > 20);
        assert_eq!(n(&compact), n(&memory));
        for reverse in [false, true] {
            for offset in [0, 1, 7] {
                let mut r = contacts_guest::ports::Range::prefix("term", "n:m", 5);
                (r.reverse, r.offset) = (reverse, offset);
                let keys = |s: &dyn Store| -> Vec<(String, u64)> {
                    s.scan("contacts", &r)
                        .into_iter()
                        .map(|h| (h.key, h.id))
                        .collect()
                };
                assert_eq!(keys(&compact), keys(&memory), "{reverse} {offset}");
            }
        }
    }
}
