//! The store an import runs on: ids reserved in blocks, and batches that
//! commit in file order while the next one is checked.
//!
//! The component asks the store for a fresh id per contact it creates, and
//! each `allocate-id` is a write of its own, a transaction on SQLite: at bulk
//! rates that write costs as much as the rules of a row. [`ImportStore`]
//! takes ids from the backend a block at a time (`allocate_ids`, one write)
//! and hands them out one by one. Ids stay unique and never reused, across
//! processes too (each block is the backend's); the ids of a block left
//! unused when the import ends are skipped, as the ids of a failed create are.
//!
//! With `--workers 2`, an import checks one batch while the previous one
//! commits (two cores: the component's rules beside the store's writes).
//! A batch's commit waits
//! its [`Turns`]: it runs only once every earlier batch is done, so batches
//! commit in file order, and none commits after an earlier one failed. A
//! batch checked before the previous one committed may have missed what that
//! one wrote: its commit then finds an email, a phone or a row fingerprint
//! taken (they are exclusive entries) or a contact changed, and the
//! component checks the batch again on what is there.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, Condvar, Mutex};

use anyhow::{Result, anyhow, bail};

use crate::bindings::store::{CommitError, Document, Hit, Range, Write};
use crate::bindings::types::Event;
use crate::capabilities::store::DocumentStore;

/// Ids reserved per write to the backend.
pub const BLOCK: u64 = 10_000;

/// Which batches of an import are done, so that each commits in its turn.
#[derive(Default)]
pub struct Turns {
    state: Mutex<Progress>,
    changed: Condvar,
}

#[derive(Default)]
struct Progress {
    /// Every turn below this one is done.
    done_below: u64,
    /// Done turns above `done_below`.
    ahead: BTreeSet<u64>,
    /// The first turn that failed, if any.
    failed: Option<u64>,
}

impl Turns {
    /// Records that a turn is done (its call returned), `ok` or not.
    pub fn finish(&self, turn: u64, ok: bool) {
        let Ok(mut p) = self.state.lock() else { return };
        if !ok {
            p.failed = Some(p.failed.map_or(turn, |f| f.min(turn)));
        }
        p.ahead.insert(turn);
        loop {
            let next = p.done_below;
            if !p.ahead.remove(&next) {
                break;
            }
            p.done_below += 1;
        }
        self.changed.notify_all();
    }

    /// Waits until every turn before `turn` is done; an error when one of
    /// them failed.
    fn wait(&self, turn: u64) -> Result<()> {
        let mut p = self
            .state
            .lock()
            .map_err(|_| anyhow!("import turns poisoned"))?;
        loop {
            if p.failed.is_some_and(|f| f < turn) {
                bail!("an earlier batch of the import failed");
            }
            if p.done_below >= turn {
                return Ok(());
            }
            p = self
                .changed
                .wait(p)
                .map_err(|_| anyhow!("import turns poisoned"))?;
        }
    }
}

thread_local! {
    /// The turn of the batch this thread is running, if any.
    static TURN: RefCell<Option<(Arc<Turns>, u64)>> = const { RefCell::new(None) };
}

/// Runs `f` (a call of the component) as batch `turn`: its commits wait
/// their turn. The turn is finished when `f` returns, failed if it failed
/// or panicked.
pub fn in_turn<T>(turns: &Arc<Turns>, turn: u64, f: impl FnOnce() -> Result<T>) -> Result<T> {
    struct Finish<'a>(&'a Turns, u64, bool);
    impl Drop for Finish<'_> {
        fn drop(&mut self) {
            TURN.with(|t| t.borrow_mut().take());
            self.0.finish(self.1, self.2);
        }
    }
    TURN.with(|t| *t.borrow_mut() = Some((turns.clone(), turn)));
    let mut guard = Finish(turns, turn, false);
    let out = f();
    guard.2 = out.is_ok();
    out
}

/// A store that hands out ids from reserved blocks and commits each batch
/// in its turn; every other call goes to the backend as it is.
pub struct ImportStore {
    inner: Arc<dyn DocumentStore>,
    /// Reserved and not yet handed out, per collection, in reverse (next last).
    spare: Mutex<HashMap<String, Vec<u64>>>,
}

impl ImportStore {
    pub fn new(inner: Arc<dyn DocumentStore>) -> ImportStore {
        ImportStore {
            inner,
            spare: Mutex::new(HashMap::new()),
        }
    }
}

impl DocumentStore for ImportStore {
    fn get(&self, c: &str, id: u64) -> Result<Option<Document>> {
        self.inner.get(c, id)
    }
    fn get_many(&self, c: &str, ids: &[u64]) -> Result<Vec<Document>> {
        self.inner.get_many(c, ids)
    }
    fn find(&self, c: &str, index: &str, key: &str) -> Result<Vec<u64>> {
        self.inner.find(c, index, key)
    }
    fn scan(&self, c: &str, range: &Range) -> Result<Vec<Hit>> {
        self.inner.scan(c, range)
    }
    fn count(&self, c: &str, index: &str, start: Option<&str>, end: Option<&str>) -> Result<u64> {
        self.inner.count(c, index, start, end)
    }
    fn allocate_id(&self, c: &str) -> Result<u64> {
        let mut spare = self
            .spare
            .lock()
            .map_err(|_| anyhow!("id blocks poisoned"))?;
        if spare.get(c).is_none_or(Vec::is_empty) {
            let mut block = self.inner.allocate_ids(c, BLOCK)?;
            block.reverse();
            spare.insert(c.to_owned(), block);
        }
        spare
            .get_mut(c)
            .and_then(Vec::pop)
            .ok_or_else(|| anyhow!("the store reserved no ids for {c}"))
    }
    fn ids(&self, c: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        self.inner.ids(c, after, limit)
    }
    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        let turn = TURN.with(|t| t.borrow().clone());
        if let Some((turns, turn)) = turn {
            turns.wait(turn)?;
        }
        self.inner.commit(writes, events)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capabilities::store::MemoryDocumentStore;

    /// Two importers on one backend get distinct ids, ascending each, and
    /// a later plain allocation comes after every reserved block.
    #[test]
    fn blocks_never_overlap() {
        let backend: Arc<dyn DocumentStore> = Arc::new(MemoryDocumentStore::new());
        let (a, b) = (
            ImportStore::new(backend.clone()),
            ImportStore::new(backend.clone()),
        );
        let mut seen = std::collections::HashSet::new();
        let mut last = (0, 0);
        for _ in 0..1500 {
            let x = a.allocate_id("contacts").unwrap();
            let y = b.allocate_id("contacts").unwrap();
            assert!(x > last.0 && y > last.1);
            last = (x, y);
            assert!(seen.insert(x) && seen.insert(y), "{x} or {y} twice");
        }
        let after = backend.allocate_id("contacts").unwrap();
        assert!(seen.iter().all(|id| *id < after));
    }

    /// Commits run in turn order whatever order their threads come in, and
    /// none runs after an earlier turn failed.
    #[test]
    fn commits_wait_their_turn() {
        let turns = Arc::new(Turns::default());
        let order = Arc::new(Mutex::new(Vec::new()));
        let threads: Vec<_> = [3u64, 1, 2, 0]
            .into_iter()
            .map(|turn| {
                let (turns, order) = (turns.clone(), order.clone());
                std::thread::spawn(move || {
                    in_turn(&turns, turn, || {
                        turns.wait(turn)?;
                        order.lock().unwrap().push(turn);
                        Ok(())
                    })
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap().unwrap();
        }
        assert_eq!(*order.lock().unwrap(), [0, 1, 2, 3]);
        let failed: Result<()> = in_turn(&turns, 4, || bail!("refused"));
        assert!(failed.is_err());
        assert!(turns.wait(5).is_err(), "turn 5 follows a failed turn");
        assert!(turns.wait(4).is_ok(), "turn 4 itself may still commit");
    }
}
