//! The component's reference in-memory store ([`contacts_guest::memory`]) as a
//! [`DocumentStore`], so the reference host can run over a map: the store
//! conformance cases check it beside SQLite, and the embedders' benchmark
//! times the Rust host over the same kind of store as the Node and Python
//! examples.

use std::sync::{Mutex, MutexGuard};

use anyhow::{Result, anyhow};
use contacts_guest::memory::MemoryStore;
use contacts_guest::ports::{self, Store as _};

use super::DocumentStore;
use crate::bindings::store::{CommitError, Document, Hit, IndexEntry, Range, Write};
use crate::bindings::types::Event;

/// A map-backed store behind one lock.
#[derive(Default)]
pub struct MemoryDocumentStore(Mutex<MemoryStore>);

impl MemoryDocumentStore {
    pub fn new() -> MemoryDocumentStore {
        MemoryDocumentStore::default()
    }

    fn lock(&self) -> Result<MutexGuard<'_, MemoryStore>> {
        self.0
            .lock()
            .map_err(|_| anyhow!("the memory store is poisoned"))
    }
}

fn document(d: ports::Document) -> Document {
    Document {
        id: d.id,
        version: d.version,
        body: d.body,
    }
}

fn port_entry(e: &IndexEntry) -> ports::IndexEntry {
    ports::IndexEntry {
        index: e.index.clone(),
        key: e.key.clone(),
    }
}

fn port_write(w: &Write) -> ports::Write {
    match w {
        Write::Put(p) => ports::Write::Put(ports::Put {
            collection: p.collection.clone(),
            id: p.id,
            body: p.body.clone(),
            entries: p.entries.iter().map(port_entry).collect(),
            expected_version: p.expected_version,
            exclusive: p.exclusive.iter().map(port_entry).collect(),
        }),
        Write::Remove(r) => ports::Write::Remove {
            collection: r.collection.clone(),
            id: r.id,
            expected_version: r.expected_version,
        },
    }
}

impl DocumentStore for MemoryDocumentStore {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>> {
        Ok(self.lock()?.get(collection, id).map(document))
    }

    fn get_many(&self, collection: &str, ids: &[u64]) -> Result<Vec<Document>> {
        let docs = self.lock()?.get_many(collection, ids);
        Ok(docs.into_iter().map(document).collect())
    }

    fn find(&self, collection: &str, index: &str, key: &str) -> Result<Vec<u64>> {
        Ok(self.lock()?.find(collection, index, key))
    }

    fn scan(&self, collection: &str, r: &Range) -> Result<Vec<Hit>> {
        let range = ports::Range {
            index: r.index.clone(),
            start: r.start.clone(),
            end: r.end.clone(),
            reverse: r.reverse,
            offset: r.offset,
            limit: r.limit,
            contains: r.contains.clone(),
        };
        let hits = self.lock()?.scan(collection, &range);
        Ok(hits
            .into_iter()
            .map(|h| Hit {
                key: h.key,
                id: h.id,
            })
            .collect())
    }

    fn count(
        &self,
        collection: &str,
        index: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<u64> {
        Ok(self.lock()?.count(collection, index, start, end))
    }

    fn allocate_id(&self, collection: &str) -> Result<u64> {
        Ok(self.lock()?.allocate_id(collection))
    }

    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        Ok(self.lock()?.ids(collection, after, limit))
    }

    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        let writes = writes.iter().map(port_write).collect();
        let events = events
            .iter()
            .map(|e| ports::Event {
                kind: e.kind.clone(),
                contact_id: e.contact_id,
                body: e.body.clone(),
            })
            .collect();
        Ok(self.lock()?.commit(writes, events).map_err(|e| match e {
            ports::CommitError::Stale(m) => CommitError::Stale(m),
            ports::CommitError::Taken(e) => CommitError::Taken(IndexEntry {
                index: e.index,
                key: e.key,
            }),
            ports::CommitError::Unavailable(m) => CommitError::Unavailable(m),
        }))
    }
}
