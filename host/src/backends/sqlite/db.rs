//! The embedded SQLite database: connection pool and schema migrations.
//!
//! One file holds the contact store, the platform directory, agents, tokens
//! and the event outbox. WAL mode lets readers run beside the one writer;
//! writers wait on `busy_timeout` instead of failing, so the CLI can create
//! tokens while a server runs on the same file.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use rusqlite::Connection;
use rusqlite::config::DbConfig;

use super::checkpoint::{Checkpointer, wal_path};

/// Connections open at once, per process; a caller beyond waits for one.
/// With [`CACHE_KIB`] and [`MMAP_BYTES`] each, this bounds what SQLite can
/// hold in memory, whatever the size of the database.
pub const MAX_CONNECTIONS: usize = 8;
/// Each connection's page cache.
pub const CACHE_KIB: i64 = 8 << 10;
/// How much of the file each connection may map. None: mapped pages that
/// were read count as resident memory, once per connection (at 100,000
/// contacts, 64 MiB maps took 280 MiB of the server's resident memory),
/// while the page cache above is bounded and the kernel caches the file.
pub const MMAP_BYTES: i64 = 0;
/// A log that SQLite restarts is trimmed to this size.
const JOURNAL_SIZE_LIMIT: i64 = 32 << 20;
/// How long a caller waits for a free connection before it fails.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// Migrations in order; `PRAGMA user_version` records how many ran.
pub(crate) const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE documents (
    collection TEXT NOT NULL,
    id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE TABLE index_entries (
    collection TEXT NOT NULL,
    idx TEXT NOT NULL,
    key TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (collection, idx, key, id)
) WITHOUT ROWID;
CREATE INDEX index_entries_by_document ON index_entries (collection, id);
CREATE TABLE sequences (collection TEXT PRIMARY KEY, next INTEGER NOT NULL);
CREATE TABLE outbox (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    contact_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE owners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('customer', 'prospect')),
    name TEXT NOT NULL,
    account TEXT NOT NULL
);
CREATE TABLE companies (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, domain TEXT);
CREATE TABLE deals (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL);
CREATE TABLE activities (id INTEGER PRIMARY KEY AUTOINCREMENT, title TEXT NOT NULL);
CREATE TABLE conversations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid TEXT NOT NULL,
    contact_id INTEGER NOT NULL,
    subject TEXT NOT NULL,
    last_message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_message_at TEXT NOT NULL
);
CREATE INDEX conversations_by_contact ON conversations (contact_id, created_at);
CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    contact_id INTEGER NOT NULL UNIQUE,
    permissions TEXT NOT NULL DEFAULT '[]'
);
CREATE TABLE agents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT UNIQUE COLLATE NOCASE,
    password_hash TEXT,
    dialect TEXT,
    scopes TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
CREATE TABLE tokens (
    hash TEXT PRIMARY KEY,
    agent_id INTEGER NOT NULL REFERENCES agents (id),
    dialect TEXT,
    scopes TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);
"#,
    r#"
-- Order statistics over index_entries (see backends/sqlite/store/ranks.rs):
-- each index is cut into runs of consecutive entries, a bucket per run, keyed
-- by the run's first (key, id); the first bucket of an index starts at
-- ('', i64::MIN). Existing entries are cut into runs of 512.
CREATE TABLE index_buckets (
    collection TEXT NOT NULL,
    idx TEXT NOT NULL,
    lo_key TEXT NOT NULL,
    lo_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (collection, idx, lo_key, lo_id)
) WITHOUT ROWID;
INSERT INTO index_buckets (collection, idx, lo_key, lo_id, n)
SELECT collection, idx,
       CASE WHEN rn = 0 THEN '' ELSE key END,
       CASE WHEN rn = 0 THEN -9223372036854775807 - 1 ELSE id END,
       min(512, total - rn)
FROM (
    SELECT collection, idx, key, id,
           row_number() OVER w - 1 AS rn,
           count(*) OVER (PARTITION BY collection, idx) AS total
    FROM index_entries
    WINDOW w AS (PARTITION BY collection, idx ORDER BY key, id)
)
WHERE rn % 512 = 0;
"#,
    r#"
-- Failed logins, shared by every replica on this database (the lockout).
CREATE TABLE login_failures (email TEXT NOT NULL, at_ms INTEGER NOT NULL);
CREATE INDEX login_failures_by_email ON login_failures (email, at_ms);
"#,
    r#"
-- Facts about the database itself, such as the index version of its entries.
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"#,
    r#"
-- Webhook delivery: how far each endpoint has acknowledged the outbox, and
-- which replica holds the lease to deliver to it.
CREATE TABLE webhook_cursors (
    url TEXT PRIMARY KEY,
    after_seq INTEGER NOT NULL,
    holder TEXT NOT NULL DEFAULT '',
    lease_until_ms INTEGER NOT NULL DEFAULT 0
);
"#,
    r#"
-- Extensions: each one's key-value space, and how far each one's on-event
-- hook has acknowledged the outbox (leased like the webhook cursors).
CREATE TABLE extension_kv (
    extension TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (extension, key)
) WITHOUT ROWID;
CREATE TABLE extension_cursors (
    name TEXT PRIMARY KEY,
    after_seq INTEGER NOT NULL,
    holder TEXT NOT NULL DEFAULT '',
    lease_until_ms INTEGER NOT NULL DEFAULT 0
);
"#,
    r#"
-- A lean store (backends/sqlite/store): collection and index names become
-- small integer codes, and each document row lists its own entries, which
-- replaces the index of every entry by document. Documents are a rowid table:
-- a row of a WITHOUT ROWID table past about 1 KB spills to an overflow page of
-- its own, mostly empty.
CREATE TABLE store_names (code INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
INSERT INTO store_names (name)
SELECT collection FROM documents UNION SELECT collection FROM index_entries
UNION SELECT idx FROM index_entries UNION SELECT collection FROM index_buckets
UNION SELECT idx FROM index_buckets;
CREATE TABLE entries_lean (
    collection INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    key TEXT NOT NULL,
    id INTEGER NOT NULL,
    PRIMARY KEY (collection, idx, key, id)
) WITHOUT ROWID;
INSERT INTO entries_lean (collection, idx, key, id)
SELECT c.code, i.code, e.key, e.id FROM index_entries e
JOIN store_names c ON c.name = e.collection JOIN store_names i ON i.name = e.idx;
CREATE TABLE documents_lean (
    collection INTEGER NOT NULL,
    id INTEGER NOT NULL,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    entries TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (collection, id)
);
INSERT INTO documents_lean (collection, id, version, body, entries)
SELECT c.code, d.id, d.version, d.body, coalesce((
    SELECT group_concat(i.code || ' ' || length(CAST(e.key AS BLOB)) || ':' || e.key, '')
    FROM index_entries e JOIN store_names i ON i.name = e.idx
    WHERE e.collection = d.collection AND e.id = d.id), '')
FROM documents d JOIN store_names c ON c.name = d.collection;
CREATE TABLE buckets_lean (
    collection INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    lo_key TEXT NOT NULL,
    lo_id INTEGER NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (collection, idx, lo_key, lo_id)
) WITHOUT ROWID;
INSERT INTO buckets_lean (collection, idx, lo_key, lo_id, n)
SELECT c.code, i.code, b.lo_key, b.lo_id, b.n FROM index_buckets b
JOIN store_names c ON c.name = b.collection JOIN store_names i ON i.name = b.idx;
DROP TABLE index_entries;
DROP TABLE documents;
DROP TABLE index_buckets;
ALTER TABLE entries_lean RENAME TO index_entries;
ALTER TABLE documents_lean RENAME TO documents;
ALTER TABLE buckets_lean RENAME TO index_buckets;
"#,
];

#[cfg(unix)]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn file_identity(path: &Path) -> Option<(u64, u64)> {
    // Elsewhere only "the file is still there" is checked.
    std::fs::metadata(path).ok().map(|_| (0, 0))
}

/// A `sqlite:PATH` database URL, or a bare path.
pub fn sqlite_path(url: &str) -> Result<PathBuf> {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"));
    match path {
        Some(p) if !p.is_empty() => Ok(PathBuf::from(p)),
        Some(_) => bail!("empty SQLite path in {url:?}"),
        None if url.contains("://") => {
            bail!("unsupported database URL {url:?}: this build serves sqlite:PATH")
        }
        None => Ok(PathBuf::from(url)),
    }
}

/// A bounded pool of connections to one SQLite file, and the thread that
/// keeps its write-ahead log small.
pub struct Db {
    path: PathBuf,
    pool: Mutex<Pool>,
    freed: Condvar,
    /// The file opened at start (device and inode on Unix), so readiness can
    /// tell when the file was deleted or replaced under the server.
    file: Option<(u64, u64)>,
    _checkpointer: Option<Checkpointer>,
}

#[derive(Default)]
struct Pool {
    idle: Vec<Connection>,
    /// Connections open now, idle or lent.
    open: usize,
}

/// A pooled connection, returned to the pool when dropped.
pub struct Conn<'a> {
    db: &'a Db,
    conn: Option<Connection>,
}

impl Db {
    /// Opens (creating if needed) and migrates the database.
    pub fn open(path: &Path) -> Result<Db> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        let mut db = Db {
            path: path.to_owned(),
            pool: Mutex::new(Pool::default()),
            freed: Condvar::new(),
            file: None,
            _checkpointer: None,
        };
        let mut conn = db.connect()?;
        migrate(&mut conn)?;
        db.file = file_identity(path);
        db._checkpointer = Some(Checkpointer::start(path)?);
        let mut pool = db.pool.lock().map_err(poisoned)?;
        pool.idle.push(conn);
        pool.open = 1;
        drop(pool);
        Ok(db)
    }

    fn connect(&self) -> Result<Connection> {
        let conn = Connection::open(&self.path)
            .with_context(|| format!("opening {}", self.path.display()))?;
        conn.busy_timeout(Duration::from_secs(10))?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // The page cache keeps index interiors resident; it is bounded per
        // connection, and connections are bounded in number.
        conn.pragma_update(None, "mmap_size", MMAP_BYTES)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        conn.pragma_update(None, "journal_size_limit", JOURNAL_SIZE_LIMIT)?;
        // Plans that never depend on bound values: otherwise SQLite prepares
        // a cached statement again whenever a value it planned with changes,
        // as the `LIMIT ? OFFSET ?` of every index walk does (7 % of a
        // server's time searching a million contacts went to parsing again).
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
        conn.set_prepared_statement_cache_capacity(64);
        Ok(conn)
    }

    /// The sizes in bytes of the database file and of its write-ahead log.
    pub fn file_sizes(&self) -> (u64, u64) {
        let size = |p: &Path| std::fs::metadata(p).map_or(0, |m| m.len());
        (size(&self.path), size(&wal_path(&self.path)))
    }

    /// Whether the database answers a query, from the file it opened
    /// (readiness): a deleted or replaced file is an error, not a server
    /// that goes on writing to an unlinked file.
    pub fn ping(&self) -> Result<()> {
        if file_identity(&self.path) != self.file {
            bail!(
                "the database file {} was deleted or replaced since start",
                self.path.display()
            );
        }
        let conn = self.conn()?;
        conn.query_row("SELECT count(*) FROM meta", [], |_| Ok(()))?;
        Ok(())
    }

    /// An idle connection, a new one while fewer than [`MAX_CONNECTIONS`]
    /// are open, or the next one returned.
    pub fn conn(&self) -> Result<Conn<'_>> {
        let mut pool = self.pool.lock().map_err(poisoned)?;
        loop {
            if let Some(conn) = pool.idle.pop() {
                return Ok(Conn {
                    db: self,
                    conn: Some(conn),
                });
            }
            if pool.open < MAX_CONNECTIONS {
                pool.open += 1;
                drop(pool);
                return match self.connect() {
                    Ok(conn) => Ok(Conn {
                        db: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        self.closed();
                        Err(e)
                    }
                };
            }
            let (next, waited) = self.freed.wait_timeout(pool, POOL_WAIT).map_err(poisoned)?;
            pool = next;
            if waited.timed_out() && pool.idle.is_empty() && pool.open >= MAX_CONNECTIONS {
                bail!(
                    "all {MAX_CONNECTIONS} database connections stayed busy for {} s",
                    POOL_WAIT.as_secs()
                );
            }
        }
    }

    /// Connections open now (idle or lent).
    #[cfg(test)]
    pub fn open_connections(&self) -> usize {
        self.pool.lock().map_or(0, |p| p.open)
    }

    /// A lent connection was closed instead of returned.
    fn closed(&self) {
        if let Ok(mut pool) = self.pool.lock() {
            pool.open = pool.open.saturating_sub(1);
        }
        self.freed.notify_one();
    }
}

fn poisoned<T>(_: std::sync::PoisonError<T>) -> anyhow::Error {
    anyhow::anyhow!("database pool lock poisoned")
}

impl Deref for Conn<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("connection present until drop")
    }
}

impl DerefMut for Conn<'_> {
    fn deref_mut(&mut self) -> &mut Connection {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for Conn<'_> {
    fn drop(&mut self) {
        // A connection left inside a transaction (after a panic) is closed,
        // not reused.
        let Some(conn) = self.conn.take() else {
            return;
        };
        if conn.is_autocommit()
            && let Ok(mut pool) = self.db.pool.lock()
        {
            pool.idle.push(conn);
            drop(pool);
            self.db.freed.notify_one();
        } else {
            drop(conn);
            self.db.closed();
        }
    }
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    let done: usize = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if done > MIGRATIONS.len() {
        bail!(
            "the database schema is version {done}, newer than this build ({})",
            MIGRATIONS.len()
        );
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.execute_batch(sql)
            .with_context(|| format!("migration {}", i + 1))?;
    }
    tx.pragma_update(None, "user_version", MIGRATIONS.len())?;
    tx.commit()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_database_urls() {
        assert_eq!(
            sqlite_path("sqlite:./a.db").unwrap(),
            PathBuf::from("./a.db")
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/a.db").unwrap(),
            PathBuf::from("/tmp/a.db")
        );
        assert!(sqlite_path("postgres://x").is_err());
    }

    /// A cached statement keeps its plan whatever values are bound (the
    /// walks of the store bind a new `LIMIT ? OFFSET ?` at each call).
    #[test]
    fn cached_statements_are_not_prepared_again_for_new_values() {
        let dir = std::env::temp_dir().join(format!("contacts-qpsg-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = Db::open(&dir.join("t.db")).unwrap();
        let conn = db.conn().unwrap();
        let sql = "SELECT value FROM json_each('[1,2,3,4]') ORDER BY value LIMIT ? OFFSET ?";
        for (limit, offset) in [(1, 0), (2, 1), (3, 0), (1, 3)] {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let got: Vec<i64> = stmt
                .query_map([limit, offset], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            assert_eq!(got.len(), limit.min(4 - offset) as usize);
            assert_eq!(stmt.get_status(rusqlite::StatementStatus::RePrepare), 0);
        }
        drop(conn);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// With `MAX_CONNECTIONS` lent, one more caller waits until one is
    /// returned, and then is served.
    #[test]
    fn the_pool_is_bounded() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = std::env::temp_dir().join(format!("contacts-pool-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = Db::open(&dir.join("t.db")).unwrap();
        let all_lent = std::sync::Barrier::new(MAX_CONNECTIONS + 1);
        let give_back = std::sync::Barrier::new(MAX_CONNECTIONS + 1);
        let served = AtomicBool::new(false);
        std::thread::scope(|s| {
            for _ in 0..MAX_CONNECTIONS {
                s.spawn(|| {
                    let conn = db.conn().unwrap();
                    all_lent.wait();
                    give_back.wait();
                    drop(conn);
                });
            }
            all_lent.wait();
            assert_eq!(db.open_connections(), MAX_CONNECTIONS);
            let waiter = s.spawn(|| {
                let conn = db.conn().unwrap();
                served.store(true, Ordering::SeqCst);
                let one: i64 = conn.query_row("SELECT 1", [], |r| r.get(0)).unwrap();
                one
            });
            // Time for a pool without a bound to open one more.
            std::thread::sleep(std::time::Duration::from_millis(300));
            assert!(!served.load(Ordering::SeqCst), "served beyond the bound");
            assert_eq!(db.open_connections(), MAX_CONNECTIONS);
            give_back.wait();
            assert_eq!(waiter.join().unwrap(), 1);
        });
        assert!(served.into_inner());
        assert_eq!(db.open_connections(), MAX_CONNECTIONS);
        drop(db);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn migrates_once() {
        let dir = std::env::temp_dir().join(format!("contacts-db-{}", std::process::id()));
        let path = dir.join("t.db");
        let _ = std::fs::remove_file(&path);
        Db::open(&path).unwrap();
        let db = Db::open(&path).unwrap();
        let v: usize = db
            .conn()
            .unwrap()
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, MIGRATIONS.len());
        let _ = std::fs::remove_dir_all(dir);
    }
}
