//! An in-memory [`Store`] and [`Directory`]: the reference semantics of the
//! ports, used by unit tests and by embedders that want a map-backed store.

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::model::{ContactId, Owner, OwnerRef};
use crate::ports::{
    ClientAccount, CommitError, Conversation, Directory, Document, Event, Hit, Range, RecordKind,
    Store, Write,
};

#[derive(Default)]
struct Tables {
    docs: BTreeMap<(String, u64), Document>,
    /// (collection, index, key, id)
    entries: BTreeSet<(String, String, String, u64)>,
    /// What each document contributed to `entries`, to replace it on update.
    entries_of: HashMap<(String, u64), Vec<(String, String)>>,
    next_ids: HashMap<String, u64>,
    events: Vec<Event>,
    clock: u64,
}

/// A map-backed store. Not thread-safe: one per test or per instance.
#[derive(Default)]
pub struct MemoryStore {
    tables: RefCell<Tables>,
}

impl MemoryStore {
    pub fn new() -> MemoryStore {
        MemoryStore::default()
    }

    /// Every event committed so far, oldest first.
    pub fn events(&self) -> Vec<Event> {
        self.tables.borrow().events.clone()
    }

    /// How many documents a collection holds.
    pub fn len(&self, collection: &str) -> usize {
        let t = self.tables.borrow();
        t.docs.keys().filter(|(c, _)| c == collection).count()
    }

    /// Moves the clock forward one second, so tests can order writes.
    pub fn tick(&self) {
        self.tables.borrow_mut().clock += 1;
    }
}

impl Store for MemoryStore {
    fn get(&self, collection: &str, id: u64) -> Option<Document> {
        let t = self.tables.borrow();
        t.docs.get(&(collection.to_owned(), id)).cloned()
    }

    fn get_many(&self, collection: &str, ids: &[u64]) -> Vec<Document> {
        ids.iter()
            .filter_map(|id| self.get(collection, *id))
            .collect()
    }

    fn find(&self, collection: &str, index: &str, key: &str) -> Vec<u64> {
        let t = self.tables.borrow();
        let from = (collection.to_owned(), index.to_owned(), key.to_owned(), 0);
        t.entries
            .range(from..)
            .take_while(|(c, i, k, _)| c == collection && i == index && k == key)
            .map(|(_, _, _, id)| *id)
            .collect()
    }

    fn scan(&self, collection: &str, range: &Range) -> Vec<Hit> {
        let t = self.tables.borrow();
        let in_range = |c: &String, i: &String, k: &String| {
            c == collection
                && *i == range.index
                && range.start.as_deref().is_none_or(|s| k.as_str() >= s)
                && range.end.as_deref().is_none_or(|e| k.as_str() < e)
                && (range.contains.is_empty() || range.contains.iter().any(|s| k.contains(s)))
        };
        let hits = t
            .entries
            .iter()
            .filter(|(c, i, k, _)| in_range(c, i, k))
            .map(|(_, _, k, id)| Hit {
                key: k.clone(),
                id: *id,
            });
        let hits: Vec<Hit> = if range.reverse {
            hits.collect::<Vec<_>>().into_iter().rev().collect()
        } else {
            hits.collect()
        };
        hits.into_iter()
            .skip(range.offset as usize)
            .take(range.limit as usize)
            .collect()
    }

    fn count(&self, collection: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64 {
        let range = Range {
            index: index.to_owned(),
            start: start.map(str::to_owned),
            end: end.map(str::to_owned),
            limit: u32::MAX,
            ..Range::default()
        };
        self.scan(collection, &range).len() as u64
    }

    fn allocate_id(&self, collection: &str) -> u64 {
        let mut t = self.tables.borrow_mut();
        let next = t.next_ids.entry(collection.to_owned()).or_insert(0);
        *next += 1;
        *next
    }

    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Vec<u64> {
        let t = self.tables.borrow();
        t.docs
            .keys()
            .filter(|(c, id)| c == collection && after.is_none_or(|a| *id > a))
            .map(|(_, id)| *id)
            .take(limit as usize)
            .collect()
    }

    fn commit(&self, writes: Vec<Write>, events: Vec<Event>) -> Result<(), CommitError> {
        let mut t = self.tables.borrow_mut();
        // Check every expectation before touching anything: all or nothing.
        for write in &writes {
            let (collection, id, expected) = match write {
                Write::Put(p) => (&p.collection, p.id, p.expected_version),
                Write::Remove {
                    collection,
                    id,
                    expected_version,
                } => (collection, *id, *expected_version),
            };
            let current = t.docs.get(&(collection.clone(), id)).map(|d| d.version);
            if current != expected {
                return Err(CommitError::Stale(format!("{collection}/{id} changed")));
            }
            if let Write::Put(p) = write
                && let Some(e) = p.exclusive.iter().find(|e| {
                    t.entries.iter().any(|(c, i, k, other)| {
                        c == collection && *i == e.index && *k == e.key && *other != id
                    })
                })
            {
                return Err(CommitError::Taken(e.clone()));
            }
        }
        for write in writes {
            let (collection, id) = match &write {
                Write::Put(p) => (p.collection.clone(), p.id),
                Write::Remove { collection, id, .. } => (collection.clone(), *id),
            };
            let key = (collection.clone(), id);
            if let Some(old) = t.entries_of.remove(&key) {
                for (index, k) in old {
                    t.entries.remove(&(collection.clone(), index, k, id));
                }
            }
            match write {
                Write::Put(p) => {
                    let version = t.docs.get(&key).map_or(1, |d| d.version + 1);
                    let mut mine = Vec::with_capacity(p.entries.len());
                    for e in p.entries {
                        t.entries
                            .insert((collection.clone(), e.index.clone(), e.key.clone(), id));
                        mine.push((e.index, e.key));
                    }
                    t.entries_of.insert(key.clone(), mine);
                    t.docs.insert(
                        key,
                        Document {
                            id,
                            version,
                            body: p.body,
                        },
                    );
                }
                Write::Remove { .. } => {
                    t.docs.remove(&key);
                }
            }
        }
        t.events.extend(events);
        Ok(())
    }

    fn now(&self) -> String {
        let t = self.tables.borrow();
        let s = t.clock;
        format!(
            "2026-01-01T{:02}:{:02}:{:02}Z",
            (s / 3600) % 24,
            (s / 60) % 60,
            s % 60
        )
    }
}

/// A map-backed directory for tests.
#[derive(Default)]
pub struct MemoryDirectory {
    pub owners: Vec<Owner>,
    pub clients: RefCell<Vec<ClientAccount>>,
    pub companies: Vec<u64>,
    pub deals: Vec<u64>,
    pub activities: Vec<u64>,
    pub conversations: Vec<Conversation>,
}

impl Directory for MemoryDirectory {
    fn owners(&self, refs: &[OwnerRef]) -> Vec<Owner> {
        self.owners
            .iter()
            .filter(|o| refs.contains(&o.owner))
            .cloned()
            .collect()
    }

    fn client_account_of(&self, contact: ContactId) -> Option<ClientAccount> {
        let clients = self.clients.borrow();
        clients.iter().find(|c| c.contact_id == contact).cloned()
    }

    fn sync_client_permissions(&self, contact: ContactId, permissions: &[String]) {
        let mut clients = self.clients.borrow_mut();
        for c in clients.iter_mut().filter(|c| c.contact_id == contact) {
            c.permissions = permissions.to_vec();
        }
    }

    fn existing(&self, kind: RecordKind, ids: &[u64]) -> Vec<u64> {
        let known = match kind {
            RecordKind::Company => &self.companies,
            RecordKind::Deal => &self.deals,
            RecordKind::Activity => &self.activities,
        };
        ids.iter()
            .copied()
            .filter(|id| known.contains(id))
            .collect()
    }

    fn conversations(&self, contact: ContactId) -> Vec<Conversation> {
        let _ = contact;
        self.conversations.clone()
    }
}
