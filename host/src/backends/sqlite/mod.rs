//! The SQLite backend: one file holds every concern of the host (documents
//! and index entries, the directory, the outbox, cursors, agents and
//! tokens, the extensions' key-value spaces, facts about the database),
//! in WAL mode, so readers run beside the one writer and several processes
//! (a server and the CLI, or replicas on one machine) can share it.
//!
//! Here: the pool and its migrations (`db.rs`), the store with its run sizes
//! (`store/`), the directory, and the pool's implementations of the other
//! traits of [`crate::backends`], a file each.
//!
//! Bounded whatever the size of the database: at most `db::MAX_CONNECTIONS`
//! connections, each with a bounded page cache and memory map, and a
//! checkpoint thread (`checkpoint.rs`) that keeps the write-ahead log small
//! while readers run.

mod accounts;
mod checkpoint;
mod cursors;
mod db;
mod directory;
mod kv;
mod meta;
mod outbox;
mod store;

use std::sync::Arc;

use anyhow::Result;

use super::{Backend, Health};
use db::{Db, sqlite_path};
use directory::SqliteDirectory;
use store::SqliteStore;

/// Opens (creating and migrating if needed) a `sqlite:PATH` URL or a bare path.
pub fn open(url: &str) -> Result<Backend> {
    let db = Arc::new(Db::open(&sqlite_path(url)?)?);
    let directory = Arc::new(SqliteDirectory::new(db.clone()));
    Ok(Backend {
        store: Arc::new(SqliteStore::new(db.clone())),
        directory: directory.clone(),
        admin: directory,
        outbox: db.clone(),
        cursors: db.clone(),
        accounts: db.clone(),
        kv: db.clone(),
        meta: db.clone(),
        health: db,
    })
}

impl Health for Db {
    fn ping(&self) -> Result<()> {
        Db::ping(self)
    }

    fn sizes(&self) -> Vec<(&'static str, u64)> {
        let (database, wal) = self.file_sizes();
        vec![("database", database), ("wal", wal)]
    }
}
