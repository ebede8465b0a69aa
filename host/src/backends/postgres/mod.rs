//! The PostgreSQL backend: every table the host keeps, in one PostgreSQL
//! database that several `serve` replicas may share (PostgreSQL 15 or newer).
//!
//! Why a second backend: SQLite is one file on one machine; operators who
//! need a second node, for load or for failover, point every replica at one
//! PostgreSQL database instead. What replicas must agree on is decided by the
//! database, inside transactions: versions and unique entries in
//! [`store`], login failures, webhook leases.
//!
//! [`Pg`] is a small pool of synchronous connections (the `postgres` crate,
//! no TLS: run it on a trusted network or through a local proxy); callers run
//! off the async threads, like every other storage call. Its schema and
//! migrations are its own ([`schema`]), versioned in a table.

mod accounts;
mod cursors;
mod directory;
mod kv;
mod meta;
pub mod migrate;
mod outbox;
mod ranks;
mod schema;
mod store;

pub use directory::PgDirectory;
pub use store::PgStore;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use postgres::types::ToSql;
use postgres::{Client, GenericClient, NoTls, Row, Statement};

use super::{Backend, Health};

/// Connections kept idle in the pool; more are opened under load and closed
/// when returned to a full pool.
const MAX_IDLE: usize = 16;

/// Whether `url` names a PostgreSQL database (`postgres://` or `postgresql://`).
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// `url` with its database name replaced by `name` (what a test or a bench
/// makes on a server it was given the URL of).
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[authority..]
        .find('/')
        .map_or(base.len(), |i| authority + i);
    format!("{}/{name}{query}", &base[..host_end])
}

/// Opens (migrating if needed) the database of a `postgres://` URL as every
/// concern of the host sees it.
pub fn open(url: &str) -> Result<Backend> {
    let pg = Arc::new(Pg::open(url)?);
    let directory = Arc::new(PgDirectory::new(pg.clone()));
    Ok(Backend {
        store: Arc::new(PgStore::new(pg.clone())),
        directory: directory.clone(),
        admin: directory,
        outbox: pg.clone(),
        cursors: pg.clone(),
        accounts: pg.clone(),
        kv: pg.clone(),
        meta: pg.clone(),
        health: pg,
    })
}

impl Health for Pg {
    fn ping(&self) -> Result<()> {
        Pg::ping(self)
    }

    fn sizes(&self) -> Vec<(&'static str, u64)> {
        let size = self.conn().and_then(|mut c| {
            c.get()
                .query_one("SELECT pg_database_size(current_database())", &[])
                .map(|r| r.get::<_, i64>(0))
        });
        match size {
            Ok(bytes) => vec![("database", bytes.max(0) as u64)],
            Err(_) => Vec::new(),
        }
    }
}

/// A pool of connections to one PostgreSQL database.
pub struct Pg {
    config: postgres::Config,
    idle: Mutex<Vec<Conn>>,
}

/// One connection and the statements prepared on it.
pub struct Conn {
    client: Client,
    statements: HashMap<String, Statement>,
}

/// A pooled connection, returned to the pool when dropped.
pub struct PgConn<'a> {
    pool: &'a Pg,
    conn: Option<Conn>,
}

impl Pg {
    /// Connects to `url` and brings its schema up to this build's.
    pub fn open(url: &str) -> Result<Pg> {
        if !is_postgres_url(url) {
            bail!("not a PostgreSQL URL: {url:?} (expected postgres://user@host:port/database)");
        }
        let mut config: postgres::Config = url
            .parse()
            .map_err(|e| anyhow!("reading the PostgreSQL URL: {e}"))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("contacts-host");
        }
        let pool = Pg {
            config,
            idle: Mutex::new(Vec::new()),
        };
        {
            let mut conn = pool.conn()?;
            let client = &mut conn.get().client;
            blocking(|| schema::migrate(client))?;
        }
        Ok(pool)
    }

    fn connect(&self) -> Result<Conn> {
        blocking(|| {
            let mut client = self
                .config
                .connect(NoTls)
                .context("connecting to PostgreSQL")?;
            // Commits wait on row and advisory locks; never forever.
            client.batch_execute("SET lock_timeout = '10s'; SET statement_timeout = '30s'")?;
            Ok(Conn {
                client,
                statements: HashMap::new(),
            })
        })
    }

    /// A connection from the pool, or a new one.
    pub fn conn(&self) -> Result<PgConn<'_>> {
        let idle = self
            .idle
            .lock()
            .map_err(|_| anyhow!("the connection pool lock is poisoned"))?
            .pop();
        let conn = match idle {
            Some(c) if !c.client.is_closed() => c,
            Some(closed) => {
                blocking(|| drop(closed));
                self.connect()?
            }
            None => self.connect()?,
        };
        Ok(PgConn {
            pool: self,
            conn: Some(conn),
        })
    }

    /// Whether the database answers a query (readiness).
    pub fn ping(&self) -> Result<()> {
        let mut conn = self.conn()?;
        let client = &mut conn.get().client;
        blocking(|| client.simple_query("SELECT 1"))?;
        Ok(())
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if let Ok(idle) = self.idle.get_mut() {
            let idle = std::mem::take(idle);
            blocking(|| drop(idle));
        }
    }
}

/// Runs a call of the `postgres` client from any thread. The client blocks
/// on a small runtime of its own, which tokio refuses to start on a thread
/// that drives async tasks: there, the call runs in `block_in_place`.
/// Elsewhere (plain and `spawn_blocking` threads) it simply runs.
fn blocking<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}

impl PgConn<'_> {
    pub fn get(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("connection present until drop")
    }
}

impl Drop for PgConn<'_> {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else {
            return;
        };
        if !conn.client.is_closed()
            && let Ok(mut idle) = self.pool.idle.lock()
            && idle.len() < MAX_IDLE
        {
            idle.push(conn);
            return;
        }
        // Closing a connection blocks too.
        blocking(|| drop(conn));
    }
}

/// The SQLSTATEs after which a whole transaction may simply run again:
/// serialization failure and deadlock detected.
pub(crate) fn is_retryable(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|c| c.downcast_ref::<postgres::Error>())
        .filter_map(|e| e.code())
        .any(|c| {
            *c == postgres::error::SqlState::T_R_SERIALIZATION_FAILURE
                || *c == postgres::error::SqlState::T_R_DEADLOCK_DETECTED
        })
}

/// A transaction on a pooled connection, preparing each statement once per
/// connection.
pub struct Tx<'a> {
    /// Present until committed or dropped (which rolls it back).
    tx: Option<postgres::Transaction<'a>>,
    statements: &'a mut HashMap<String, Statement>,
}

impl Conn {
    /// A read-write transaction (READ COMMITTED: every statement sees what
    /// committed before it; commits serialize on locks, see [`store`]).
    pub fn write(&mut self) -> Result<Tx<'_>> {
        let client = &mut self.client;
        let tx = blocking(|| client.transaction())?;
        Ok(Tx {
            tx: Some(tx),
            statements: &mut self.statements,
        })
    }

    /// A read-only transaction on one snapshot, for reads of several
    /// statements that must agree (a count from run sizes and entries).
    pub fn read(&mut self) -> Result<Tx<'_>> {
        let client = &mut self.client;
        let tx = blocking(|| {
            client
                .build_transaction()
                .isolation_level(postgres::IsolationLevel::RepeatableRead)
                .read_only(true)
                .start()
        })?;
        Ok(Tx {
            tx: Some(tx),
            statements: &mut self.statements,
        })
    }
}

/// `sql` prepared on this connection, once.
fn prepared(
    statements: &mut HashMap<String, Statement>,
    client: &mut impl GenericClient,
    sql: &str,
) -> Result<Statement> {
    if let Some(s) = statements.get(sql) {
        return Ok(s.clone());
    }
    let s = client
        .prepare(sql)
        .with_context(|| format!("preparing {sql}"))?;
    statements.insert(sql.to_owned(), s.clone());
    Ok(s)
}

impl Conn {
    /// One statement on its own (autocommit): a read that needs no snapshot
    /// beyond its own, or a write that stands alone.
    pub fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        blocking(|| {
            let s = prepared(&mut self.statements, &mut self.client, sql)?;
            Ok(self.client.query(&s, params)?)
        })
    }

    pub fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        blocking(|| {
            let s = prepared(&mut self.statements, &mut self.client, sql)?;
            Ok(self.client.query_opt(&s, params)?)
        })
    }

    pub fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        blocking(|| {
            let s = prepared(&mut self.statements, &mut self.client, sql)?;
            Ok(self.client.query_one(&s, params)?)
        })
    }

    pub fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        blocking(|| {
            let s = prepared(&mut self.statements, &mut self.client, sql)?;
            Ok(self.client.execute(&s, params)?)
        })
    }
}

impl<'a> Tx<'a> {
    fn open(&mut self) -> Result<&mut postgres::Transaction<'a>> {
        self.tx
            .as_mut()
            .ok_or_else(|| anyhow!("the transaction has ended"))
    }

    fn statement(&mut self, sql: &str) -> Result<Statement> {
        let tx = self
            .tx
            .as_mut()
            .ok_or_else(|| anyhow!("the transaction has ended"))?;
        prepared(self.statements, tx, sql)
    }

    pub fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        blocking(|| {
            let s = self.statement(sql)?;
            Ok(self.open()?.query(&s, params)?)
        })
    }

    pub fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        blocking(|| {
            let s = self.statement(sql)?;
            Ok(self.open()?.query_opt(&s, params)?)
        })
    }

    pub fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        blocking(|| {
            let s = self.statement(sql)?;
            Ok(self.open()?.query_one(&s, params)?)
        })
    }

    pub fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        blocking(|| {
            let s = self.statement(sql)?;
            Ok(self.open()?.execute(&s, params)?)
        })
    }

    pub fn commit(mut self) -> Result<()> {
        let tx = self.tx.take().expect("present until committed");
        Ok(blocking(|| tx.commit())?)
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        // Rolling back blocks too.
        if let Some(tx) = self.tx.take() {
            blocking(|| drop(tx));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn names_another_database_on_the_same_server() {
        assert_eq!(
            with_database("postgres://u@127.0.0.1:5432/postgres", "t1"),
            "postgres://u@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
            "postgresql://u:p@h/t2?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "t3"),
            "postgres://h:5432/t3"
        );
    }
}
