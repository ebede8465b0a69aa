//! The `store` capability on PostgreSQL.
//!
//! Why it is safe for several replicas: a commit first takes a
//! transaction-scoped advisory lock per collection it writes (in a fixed
//! order), so commits to one collection run one after another across every
//! replica. Inside that lock, READ COMMITTED statements see every commit
//! before this one: the `expected-version` check, the `exclusive` entries
//! check and the run sizes cannot be raced. Events are appended last, under
//! an outbox lock, so their `seq` order is their commit order and a consumer
//! reading after a `seq` never misses one that commits later. Reads take no
//! lock; a read of several statements runs on one snapshot.

use std::collections::HashSet;

use anyhow::Result;

use super::{Pg, Tx, is_retryable, ranks};
use crate::bindings::store::{CommitError, Document, Hit, Range, Write};
use crate::bindings::types::Event;
use crate::clock::now_rfc3339;

/// The first key of the advisory locks commits take: one lock per
/// collection (second key: the hash of its name), and the outbox's.
const COMMIT_LOCKS: i32 = 0x6374_6373; // "ctcs"
const OUTBOX_LOCK: i32 = 0;

/// How many times a commit that met a deadlock runs again.
const RETRIES: usize = 5;

/// The PostgreSQL document store; cheap to clone (it shares the pool).
#[derive(Clone)]
pub struct PgStore {
    pg: std::sync::Arc<Pg>,
}

impl PgStore {
    pub fn new(pg: std::sync::Arc<Pg>) -> PgStore {
        PgStore { pg }
    }

    fn try_commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        let mut conn = self.pg.conn()?;
        let mut tx = conn.get().write()?;
        let mut collections: Vec<&str> = writes.iter().map(|w| collection_of(w).0).collect();
        collections.sort_unstable();
        collections.dedup();
        for c in &collections {
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, hashtext($2))",
                &[&COMMIT_LOCKS, c],
            )?;
        }
        for write in writes {
            if let Err(refused) = apply(&mut tx, write)? {
                // Dropping the transaction rolls back whatever ran before.
                return Ok(Err(refused));
            }
        }
        if !events.is_empty() {
            tx.execute(
                "SELECT pg_advisory_xact_lock($1, $2)",
                &[&COMMIT_LOCKS, &OUTBOX_LOCK],
            )?;
            let now = now_rfc3339();
            for e in events {
                tx.execute(
                    "INSERT INTO outbox (kind, contact_id, body, created_at) \
                     VALUES ($1, $2, $3, $4)",
                    &[&e.kind, &(e.contact_id as i64), &e.body, &now],
                )?;
            }
        }
        tx.commit()?;
        Ok(Ok(()))
    }
}

fn collection_of(write: &Write) -> (&str, u64, Option<u64>) {
    match write {
        Write::Put(p) => (&p.collection, p.id, p.expected_version),
        Write::Remove(r) => (&r.collection, r.id, r.expected_version),
    }
}

/// One write of a commit, under its collection's lock.
fn apply(tx: &mut Tx<'_>, write: &Write) -> Result<Result<(), CommitError>> {
    let (collection, id, expected) = collection_of(write);
    let id = id as i64;
    let current: Option<i64> = tx
        .query_opt(
            "SELECT version FROM documents WHERE collection = $1 AND id = $2",
            &[&collection, &id],
        )?
        .map(|r| r.get(0));
    if current.map(|v| v as u64) != expected {
        return Ok(Err(CommitError::Stale(format!(
            "{collection}/{id} is at version {current:?}, expected {expected:?}"
        ))));
    }
    if let Write::Put(p) = write {
        for e in &p.exclusive {
            let holder = tx.query_opt(
                "SELECT id FROM index_entries \
                 WHERE collection = $1 AND idx = $2 AND key = $3 AND id <> $4 LIMIT 1",
                &[&collection, &e.index, &e.key.as_bytes(), &id],
            )?;
            if holder.is_some() {
                return Ok(Err(CommitError::Taken(e.clone())));
            }
        }
    }
    // Only the entries that change are written; each moves its run's size.
    let old: HashSet<(String, Vec<u8>)> = tx
        .query(
            "SELECT idx, key FROM index_entries WHERE collection = $1 AND id = $2",
            &[&collection, &id],
        )?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let old: HashSet<(&str, &[u8])> = old
        .iter()
        .map(|(i, k)| (i.as_str(), k.as_slice()))
        .collect();
    let new: HashSet<(&str, &[u8])> = match write {
        Write::Put(p) => p
            .entries
            .iter()
            .map(|e| (e.index.as_str(), e.key.as_bytes()))
            .collect(),
        Write::Remove(_) => HashSet::new(),
    };
    for &(index, key) in old.difference(&new) {
        tx.execute(
            "DELETE FROM index_entries \
             WHERE collection = $1 AND idx = $2 AND key = $3 AND id = $4",
            &[&collection, &index, &key, &id],
        )?;
        ranks::removed(tx, collection, index, key, id)?;
    }
    for &(index, key) in new.difference(&old) {
        tx.execute(
            "INSERT INTO index_entries (collection, idx, key, id) VALUES ($1, $2, $3, $4)",
            &[&collection, &index, &key, &id],
        )?;
        ranks::added(tx, collection, index, key, id)?;
    }
    match write {
        Write::Put(p) => {
            let version = current.unwrap_or(0) + 1;
            tx.execute(
                "INSERT INTO documents (collection, id, version, body) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (collection, id) DO UPDATE \
                 SET version = excluded.version, body = excluded.body",
                &[&collection, &id, &version, &p.body],
            )?;
        }
        Write::Remove(_) => {
            tx.execute(
                "DELETE FROM documents WHERE collection = $1 AND id = $2",
                &[&collection, &id],
            )?;
        }
    }
    Ok(Ok(()))
}

fn document(r: &postgres::Row) -> Document {
    Document {
        id: r.get::<_, i64>(0) as u64,
        version: r.get::<_, i64>(1) as u64,
        body: r.get(2),
    }
}

impl crate::capabilities::store::DocumentStore for PgStore {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>> {
        let row = self.pg.conn()?.get().query_opt(
            "SELECT id, version, body FROM documents WHERE collection = $1 AND id = $2",
            &[&collection, &(id as i64)],
        )?;
        Ok(row.as_ref().map(document))
    }

    fn get_many(&self, collection: &str, ids: &[u64]) -> Result<Vec<Document>> {
        let ids: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        let rows = self.pg.conn()?.get().query(
            "SELECT d.id, d.version, d.body \
             FROM unnest($2::bigint[]) WITH ORDINALITY AS u (id, n) \
             JOIN documents d ON d.collection = $1 AND d.id = u.id \
             ORDER BY u.n",
            &[&collection, &ids],
        )?;
        Ok(rows.iter().map(document).collect())
    }

    fn find(&self, collection: &str, index: &str, key: &str) -> Result<Vec<u64>> {
        let rows = self.pg.conn()?.get().query(
            "SELECT id FROM index_entries WHERE collection = $1 AND idx = $2 AND key = $3 \
             ORDER BY id",
            &[&collection, &index, &key.as_bytes()],
        )?;
        Ok(rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect())
    }

    fn scan(&self, collection: &str, range: &Range) -> Result<Vec<Hit>> {
        let mut conn = self.pg.conn()?;
        let mut tx = conn.get().read()?;
        let hits = ranks::scan(&mut tx, collection, range)?;
        tx.commit()?;
        Ok(hits)
    }

    fn count(
        &self,
        collection: &str,
        index: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<u64> {
        let mut conn = self.pg.conn()?;
        let mut tx = conn.get().read()?;
        let n = ranks::count(&mut tx, collection, index, start.unwrap_or(""), end)?;
        tx.commit()?;
        Ok(n)
    }

    fn allocate_id(&self, collection: &str) -> Result<u64> {
        let row = self.pg.conn()?.get().query_one(
            "INSERT INTO sequences (collection, next) VALUES ($1, 1) \
             ON CONFLICT (collection) DO UPDATE SET next = sequences.next + 1 RETURNING next",
            &[&collection],
        )?;
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        let after = after.map_or(-1, |a| a as i64);
        let rows = self.pg.conn()?.get().query(
            "SELECT id FROM documents WHERE collection = $1 AND id > $2 ORDER BY id LIMIT $3",
            &[&collection, &after, &i64::from(limit)],
        )?;
        Ok(rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect())
    }

    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        let mut attempt = 0;
        loop {
            match self.try_commit(writes, events) {
                Err(e) if is_retryable(&e) && attempt < RETRIES => attempt += 1,
                done => return done,
            }
        }
    }
}
