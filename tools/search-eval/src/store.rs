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
    indexes: HashMap<String, BTreeSet<(Box<str>, u64)>>,
}

#[derive(Default)]
pub struct CompactStore {
    collections: RefCell<HashMap<String, Collection>>,
    next_ids: RefCell<HashMap<String, u64>>,
    events: Cell<u64>,
}

impl CompactStore {
    pub fn new() -> CompactStore {
        CompactStore::default()
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
        set.range((
            Bound::Included((Box::<str>::from(key), 0)),
            Bound::Unbounded,
        ))
        .take_while(|(k, _)| &**k == key)
        .map(|(_, id)| *id)
        .collect()
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
        let keep = |(k, _): &&(Box<str>, u64)| {
            range.contains.is_empty() || range.contains.iter().any(|s| k.contains(s.as_str()))
        };
        let hit = |(k, id): &(Box<str>, u64)| Hit {
            key: k.to_string(),
            id: *id,
        };
        let within = set.range(bounds(range.start.as_deref(), range.end.as_deref()));
        let (offset, limit) = (range.offset as usize, range.limit as usize);
        if range.reverse {
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
        }
    }

    fn count(&self, collection: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64 {
        let all = self.collections.borrow();
        let Some(set) = all.get(collection).and_then(|c| c.indexes.get(index)) else {
            return 0;
        };
        if matches!((start, end), (Some(s), Some(e)) if s >= e) {
            return 0;
        }
        set.range(bounds(start, end)).count() as u64
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
                    set.range((
                        Bound::Included((Box::<str>::from(e.key.as_str()), 0)),
                        Bound::Unbounded,
                    ))
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
    }
}
