//! Keeping the write-ahead log bounded under load.
//!
//! SQLite's automatic checkpoint runs in the committing connection and is
//! PASSIVE: it copies what no reader still needs, but never waits, so with
//! readers always running the log is never restarted and grows with every
//! write (a 982 MiB log was measured after a bulk load). A thread per open
//! database watches the log's size instead, and past [`TRUNCATE_ABOVE`] runs
//! a TRUNCATE checkpoint from a connection of its own: it waits (a bounded
//! time) for the readers of the moment to finish, copies every frame back,
//! and empties the file. `journal_size_limit` (see `db.rs`) trims a log
//! that SQLite restarts by itself.

use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::Connection;

/// How often the log's size is looked at (a `stat`).
const EVERY: Duration = Duration::from_millis(200);
/// A log larger than this is checkpointed back and emptied.
pub const TRUNCATE_ABOVE: u64 = 16 << 20;
/// How long a checkpoint waits for the readers and the writer of the moment
/// (writers wait for it meanwhile, within their own busy timeout).
const WAIT: Duration = Duration::from_secs(2);

/// The path of a database's write-ahead log.
pub fn wal_path(db: &Path) -> PathBuf {
    let mut wal = db.to_owned().into_os_string();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// The watching thread; it stops when this is dropped.
pub struct Checkpointer {
    stop: Option<mpsc::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub fn start(db: &Path) -> Result<Checkpointer> {
        let (stop, stopped) = mpsc::channel::<()>();
        let db = db.to_owned();
        let thread = std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let wal = wal_path(&db);
                let mut conn: Option<Connection> = None;
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(EVERY) {
                    let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
                    if size <= TRUNCATE_ABOVE {
                        continue;
                    }
                    if let Err(e) = truncate(&db, &mut conn) {
                        tracing::warn!("checkpoint of {}: {e:#}", db.display());
                        conn = None;
                    }
                }
            })
            .context("starting the checkpoint thread")?;
        Ok(Checkpointer {
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

/// One TRUNCATE checkpoint; a log still busy after [`WAIT`] is left for the
/// next round (what could be copied was copied).
fn truncate(db: &Path, conn: &mut Option<Connection>) -> Result<()> {
    if conn.is_none() {
        let c = Connection::open(db)?;
        c.busy_timeout(WAIT)?;
        *conn = Some(c);
    }
    let Some(c) = conn.as_ref() else {
        return Ok(());
    };
    let (busy, log, copied): (i64, i64, i64) =
        c.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 {
        tracing::debug!("checkpoint busy: {copied} of {log} frames copied");
    }
    Ok(())
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    use super::wal_path;
    use crate::bindings::store::{IndexEntry, Put, Write};

    /// Readers whose snapshots always overlap (each holds one for a
    /// while, staggered, as an export or a slow page does) keep SQLite's own
    /// checkpoints from ever restarting the log: without the checkpointer it
    /// grows with every write, to about 85 MiB here. A writer rewrites
    /// 1,000 documents of 8 KiB over and over; the log must end small.
    #[test]
    fn the_log_stays_small_under_writes_with_readers_always_running() {
        const DOCS: u64 = 1_000;
        const PER_COMMIT: u64 = 100;
        let dir = std::env::temp_dir().join(format!("contacts-wal-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("t.db");
        let b = crate::backends::open(&format!("sqlite:{}", path.display())).unwrap();
        let pad = "x".repeat(8 << 10);
        let write = |round: u64| {
            let first = (round * PER_COMMIT) % DOCS + 1;
            let writes: Vec<Write> = (first..first + PER_COMMIT)
                .map(|id| {
                    Write::Put(Put {
                        collection: "c".into(),
                        id,
                        body: format!("{{\"round\":{round},\"pad\":\"{pad}\"}}"),
                        entries: vec![IndexEntry {
                            index: "round".into(),
                            key: format!("{round:08}"),
                        }],
                        // Each document is written once every DOCS / PER_COMMIT rounds.
                        expected_version: (round >= DOCS / PER_COMMIT)
                            .then_some(round / (DOCS / PER_COMMIT)),
                        exclusive: Vec::new(),
                    })
                })
                .collect();
            b.store.commit(&writes, &[]).unwrap().unwrap();
        };
        for round in 0..DOCS / PER_COMMIT {
            write(round);
        }
        let stop = AtomicBool::new(false);
        let wal = wal_path(&path);
        let mut largest = 0u64;
        std::thread::scope(|s| {
            for reader in 0..2u64 {
                let (path, stop) = (&path, &stop);
                s.spawn(move || {
                    let conn = rusqlite::Connection::open(path).unwrap();
                    std::thread::sleep(Duration::from_millis(50 * reader));
                    while !stop.load(Ordering::Relaxed) {
                        conn.execute_batch("BEGIN").unwrap();
                        let n: i64 = conn
                            .query_row("SELECT count(*) FROM documents", [], |r| r.get(0))
                            .unwrap();
                        assert_eq!(n, DOCS as i64);
                        std::thread::sleep(Duration::from_millis(100));
                        conn.execute_batch("COMMIT").unwrap();
                    }
                });
            }
            for round in DOCS / PER_COMMIT..600 {
                write(round);
                largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
            }
            stop.store(true, Ordering::Relaxed);
        });
        let end = std::fs::metadata(&wal).map_or(0, |m| m.len());
        assert!(
            end < 64 << 20,
            "the log ends at {end} bytes (largest seen {largest})"
        );
        drop(b);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
