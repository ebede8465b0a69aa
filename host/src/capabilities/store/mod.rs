//! The `store` capability: documents, the index entries the component
//! computes for them, and atomic commits that also append to the outbox.

pub mod backoff;
pub mod host;
mod memory;

pub use memory::MemoryDocumentStore;

use anyhow::Result;

use crate::bindings::store::{CommitError, Document, Hit, Range, Write};
use crate::bindings::types::Event;

/// A backend of the `store` capability.
///
/// Backends serve `find`, `scan` and `count` from real indexes: the component
/// relies on them to never scan every document. `commit` is all or nothing,
/// and checks `expected-version`s so concurrent replicas cannot lose updates.
pub trait DocumentStore: Send + Sync + 'static {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>>;
    fn get_many(&self, collection: &str, ids: &[u64]) -> Result<Vec<Document>>;
    fn find(&self, collection: &str, index: &str, key: &str) -> Result<Vec<u64>>;
    fn scan(&self, collection: &str, range: &Range) -> Result<Vec<Hit>>;
    fn count(
        &self,
        collection: &str,
        index: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<u64>;
    fn allocate_id(&self, collection: &str) -> Result<u64>;
    /// `n` fresh ids at once, never reused, ascending; a backend may take
    /// them in one write (an import reserves ids in blocks, see
    /// `transfer::store`).
    fn allocate_ids(&self, collection: &str, n: u64) -> Result<Vec<u64>> {
        (0..n).map(|_| self.allocate_id(collection)).collect()
    }
    /// Ids of a collection's documents above `after`, ascending.
    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>>;
    /// `Ok(Err(_))` is a refusal the component handles (a stale version);
    /// `Err(_)` is a backend failure.
    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>>;
}

/// A shared store is a store: a [`crate::backends::Backend`]'s
/// `Arc<dyn DocumentStore>` goes wherever one is expected.
impl<T: DocumentStore + ?Sized> DocumentStore for std::sync::Arc<T> {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>> {
        (**self).get(collection, id)
    }
    fn get_many(&self, collection: &str, ids: &[u64]) -> Result<Vec<Document>> {
        (**self).get_many(collection, ids)
    }
    fn find(&self, collection: &str, index: &str, key: &str) -> Result<Vec<u64>> {
        (**self).find(collection, index, key)
    }
    fn scan(&self, collection: &str, range: &Range) -> Result<Vec<Hit>> {
        (**self).scan(collection, range)
    }
    fn count(
        &self,
        collection: &str,
        index: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<u64> {
        (**self).count(collection, index, start, end)
    }
    fn allocate_id(&self, collection: &str) -> Result<u64> {
        (**self).allocate_id(collection)
    }
    fn allocate_ids(&self, collection: &str, n: u64) -> Result<Vec<u64>> {
        (**self).allocate_ids(collection, n)
    }
    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        (**self).ids(collection, after, limit)
    }
    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        (**self).commit(writes, events)
    }
}
