//! The component's `store` import served from a [`DocumentStore`]: the
//! wasmtime `Host` implementation, on a view that reaches only the store
//! (not the whole per-instance state), registered with [`add_to_linker`].
//! A stale commit is answered after a short random wait ([`Backoff`]).

use anyhow::Result;
use wasmtime::component::{HasData, Linker};

use super::DocumentStore;
use super::backoff::Backoff;
use crate::bindings::{store, types};
use crate::clock::now_rfc3339;

/// What the `store` import may reach of an instance's state.
pub struct StoreView<'a> {
    pub store: &'a dyn DocumentStore,
    /// The stale commits of the instance's current call.
    pub backoff: &'a mut Backoff,
}

/// The [`HasData`] marker of [`StoreView`].
pub struct StoreImport;

impl HasData for StoreImport {
    type Data<'a> = StoreView<'a>;
}

/// Serves the `store` import of instances whose state `view` projects.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> StoreView<'_>,
) -> wasmtime::Result<()> {
    store::add_to_linker::<T, StoreImport>(linker, view)
}

impl store::Host for StoreView<'_> {
    fn get(&mut self, collection: String, id: u64) -> Result<Option<store::Document>> {
        self.store.get(&collection, id)
    }

    fn get_many(&mut self, collection: String, ids: Vec<u64>) -> Result<Vec<store::Document>> {
        self.store.get_many(&collection, &ids)
    }

    fn find(&mut self, collection: String, index: String, key: String) -> Result<Vec<u64>> {
        self.store.find(&collection, &index, &key)
    }

    fn scan(&mut self, collection: String, range: store::Range) -> Result<Vec<store::Hit>> {
        self.store.scan(&collection, &range)
    }

    fn count(
        &mut self,
        collection: String,
        index: String,
        start: Option<String>,
        end: Option<String>,
    ) -> Result<u64> {
        self.store
            .count(&collection, &index, start.as_deref(), end.as_deref())
    }

    fn allocate_id(&mut self, collection: String) -> Result<u64> {
        self.store.allocate_id(&collection)
    }

    fn ids(&mut self, collection: String, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        self.store.ids(&collection, after, limit)
    }

    fn commit(
        &mut self,
        writes: Vec<store::Write>,
        events: Vec<types::Event>,
    ) -> Result<Result<(), store::CommitError>> {
        let result = self.store.commit(&writes, &events)?;
        if let Err(store::CommitError::Stale(_)) = &result {
            // Off the async threads (calls run in `spawn_blocking`), and
            // holding nothing another writer needs.
            std::thread::sleep(self.backoff.after_stale(std::time::Instant::now()));
        }
        Ok(result)
    }

    fn now(&mut self) -> Result<String> {
        Ok(now_rfc3339())
    }
}
