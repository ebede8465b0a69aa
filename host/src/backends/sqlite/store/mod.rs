//! The SQLite backend of the `store` capability.
//!
//! Documents and index entries are two `WITHOUT ROWID` tables whose primary
//! keys are the lookups: `(collection, id)` and `(collection, idx, key, id)`.
//! Keys compare with SQLite's BINARY collation, bytewise, as the WIT says.
//! [`ranks`] keeps the run sizes that make counts and deep pages cheap.

mod ranks;

use std::collections::HashSet;
use std::sync::Arc;

use anyhow::Result;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::db::Db;
use crate::bindings::store::{CommitError, Document, Hit, Range, Write};
use crate::bindings::types::Event;
use crate::capabilities::store::DocumentStore;
use crate::clock::now_rfc3339;

pub struct SqliteStore {
    db: Arc<Db>,
}

impl SqliteStore {
    pub fn new(db: Arc<Db>) -> SqliteStore {
        SqliteStore { db }
    }
}

/// SQLite's default limit on bound parameters is 32,766; stay well below.
const IDS_PER_QUERY: usize = 500;

impl DocumentStore for SqliteStore {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, version, body FROM documents WHERE collection = ?1 AND id = ?2",
        )?;
        let doc = stmt
            .query_row(params![collection, id as i64], |r| {
                Ok(Document {
                    id: r.get::<_, i64>(0)? as u64,
                    version: r.get::<_, i64>(1)? as u64,
                    body: r.get(2)?,
                })
            })
            .optional()?;
        Ok(doc)
    }

    fn get_many(&self, collection: &str, ids: &[u64]) -> Result<Vec<Document>> {
        let conn = self.db.conn()?;
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            // Bind the ids as one JSON array: one cached statement for any count.
            let list = serde_json::to_string(chunk)?;
            let mut stmt = conn.prepare_cached(
                "SELECT d.id, d.version, d.body FROM json_each(?2) j \
                 JOIN documents d ON d.collection = ?1 AND d.id = j.value \
                 ORDER BY j.key",
            )?;
            let rows = stmt.query_map(params![collection, list], |r| {
                Ok(Document {
                    id: r.get::<_, i64>(0)? as u64,
                    version: r.get::<_, i64>(1)? as u64,
                    body: r.get(2)?,
                })
            })?;
            for row in rows {
                out.push(row?);
            }
        }
        Ok(out)
    }

    fn find(&self, collection: &str, index: &str, key: &str) -> Result<Vec<u64>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM index_entries WHERE collection = ?1 AND idx = ?2 AND key = ?3 \
             ORDER BY id",
        )?;
        let ids = stmt
            .query_map(params![collection, index, key], |r| {
                Ok(r.get::<_, i64>(0)? as u64)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    fn scan(&self, collection: &str, range: &Range) -> Result<Vec<Hit>> {
        let mut conn = self.db.conn()?;
        ranks::scan(&mut conn, collection, range)
    }

    fn count(
        &self,
        collection: &str,
        index: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<u64> {
        let mut conn = self.db.conn()?;
        let tx = conn.transaction()?;
        ranks::count(&tx, collection, index, start.unwrap_or(""), end)
    }

    fn allocate_id(&self, collection: &str) -> Result<u64> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO sequences (collection, next) VALUES (?1, 1) \
             ON CONFLICT (collection) DO UPDATE SET next = next + 1 RETURNING next",
        )?;
        let next: i64 = stmt.query_row(params![collection], |r| r.get(0))?;
        Ok(next as u64)
    }

    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM documents WHERE collection = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let after = after.map_or(-1, |a| a as i64);
        let ids = stmt
            .query_map(params![collection, after, i64::from(limit)], |r| {
                Ok(r.get::<_, i64>(0)? as u64)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        let mut conn = self.db.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for write in writes {
            let (collection, id, expected) = match write {
                Write::Put(p) => (&p.collection, p.id, p.expected_version),
                Write::Remove(r) => (&r.collection, r.id, r.expected_version),
            };
            let current: Option<i64> = tx
                .prepare_cached("SELECT version FROM documents WHERE collection = ?1 AND id = ?2")?
                .query_row(params![collection, id as i64], |r| r.get(0))
                .optional()?;
            if current.map(|v| v as u64) != expected {
                // Dropping the transaction rolls back whatever ran before.
                return Ok(Err(CommitError::Stale(format!(
                    "{collection}/{id} is at version {current:?}, expected {expected:?}"
                ))));
            }
            // The write lock is held: no other commit can take the key
            // between this check and the insert.
            if let Write::Put(p) = write {
                for e in &p.exclusive {
                    let holder: Option<i64> = tx
                        .prepare_cached(
                            "SELECT id FROM index_entries \
                             WHERE collection = ?1 AND idx = ?2 AND key = ?3 AND id != ?4 LIMIT 1",
                        )?
                        .query_row(params![collection, e.index, e.key, id as i64], |r| r.get(0))
                        .optional()?;
                    if holder.is_some() {
                        return Ok(Err(CommitError::Taken(e.clone())));
                    }
                }
            }
            // Only the entries that change are written, and each one moves
            // the size of its run.
            let old: HashSet<(String, String)> = tx
                .prepare_cached(
                    "SELECT idx, key FROM index_entries WHERE collection = ?1 AND id = ?2",
                )?
                .query_map(params![collection, id as i64], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let new: HashSet<(&str, &str)> = match write {
                Write::Put(p) => p
                    .entries
                    .iter()
                    .map(|e| (e.index.as_str(), e.key.as_str()))
                    .collect(),
                Write::Remove(_) => HashSet::new(),
            };
            let old: HashSet<(&str, &str)> =
                old.iter().map(|(i, k)| (i.as_str(), k.as_str())).collect();
            for &(index, key) in old.difference(&new) {
                tx.prepare_cached(
                    "DELETE FROM index_entries \
                     WHERE collection = ?1 AND idx = ?2 AND key = ?3 AND id = ?4",
                )?
                .execute(params![collection, index, key, id as i64])?;
                ranks::removed(&tx, collection, index, key, id as i64)?;
            }
            for &(index, key) in new.difference(&old) {
                tx.prepare_cached(
                    "INSERT INTO index_entries (collection, idx, key, id) \
                     VALUES (?1, ?2, ?3, ?4)",
                )?
                .execute(params![collection, index, key, id as i64])?;
                ranks::added(&tx, collection, index, key, id as i64)?;
            }
            match write {
                Write::Put(p) => {
                    let version = current.unwrap_or(0) + 1;
                    tx.prepare_cached(
                        "INSERT INTO documents (collection, id, version, body) \
                         VALUES (?1, ?2, ?3, ?4) \
                         ON CONFLICT (collection, id) DO UPDATE \
                         SET version = excluded.version, body = excluded.body",
                    )?
                    .execute(params![collection, id as i64, version, p.body])?;
                }
                Write::Remove(_) => {
                    tx.prepare_cached("DELETE FROM documents WHERE collection = ?1 AND id = ?2")?
                        .execute(params![collection, id as i64])?;
                }
            }
        }
        if !events.is_empty() {
            let now = now_rfc3339();
            let mut insert = tx.prepare_cached(
                "INSERT INTO outbox (kind, contact_id, body, created_at) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for e in events {
                insert.execute(params![e.kind, e.contact_id as i64, e.body, now])?;
            }
        }
        tx.commit()?;
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bindings::store::{IndexEntry, Put, Remove};

    /// A deterministic generator (SplitMix64), so a failure replays.
    struct Rng(u64);
    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) % n
        }
        fn key(&mut self) -> String {
            // Few distinct keys, so many entries share one and ids break ties.
            let len = 1 + self.below(3) as usize;
            (0..len)
                .map(|_| (b'a' + self.below(4) as u8) as char)
                .collect()
        }
    }

    fn put(store: &SqliteStore, id: u64, keys: &[String], version: Option<u64>) {
        let entries = keys
            .iter()
            .map(|k| IndexEntry {
                index: "x".into(),
                key: k.clone(),
            })
            .collect();
        let write = Write::Put(Put {
            collection: "c".into(),
            id,
            body: "{}".into(),
            entries,
            expected_version: version,
            exclusive: Vec::new(),
        });
        store.commit(&[write], &[]).unwrap().unwrap();
    }

    /// An exclusive entry held by another document refuses the whole commit;
    /// one held by the same document does not.
    #[test]
    fn exclusive_entries_are_checked_inside_the_commit() {
        let dir = std::env::temp_dir().join(format!("contacts-excl-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = SqliteStore::new(Arc::new(Db::open(&dir.join("t.db")).unwrap()));
        let email = IndexEntry {
            index: "email".into(),
            key: "linda@example.com".into(),
        };
        let put = |id: u64, version: Option<u64>| {
            Write::Put(Put {
                collection: "c".into(),
                id,
                body: format!("{{\"id\":{id}}}"),
                entries: vec![email.clone()],
                expected_version: version,
                exclusive: vec![email.clone()],
            })
        };
        store.commit(&[put(1, None)], &[]).unwrap().unwrap();
        let event = Event {
            kind: "contact.created".into(),
            contact_id: 2,
            body: "{}".into(),
        };
        let refused = store.commit(&[put(2, None)], &[event]).unwrap();
        assert!(
            matches!(&refused, Err(CommitError::Taken(e)) if e.index == "email" && e.key == email.key),
            "{refused:?}"
        );
        assert!(store.get("c", 2).unwrap().is_none());
        let outbox: i64 = store
            .db
            .conn()
            .unwrap()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get(0))
            .unwrap();
        assert_eq!(outbox, 0, "nothing of a refused commit is written");
        store.commit(&[put(1, Some(1))], &[]).unwrap().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Counts and scans, at every depth and in both directions, agree with a
    /// sorted list of the entries while documents come, change and go, so
    /// runs split and fold on the way.
    #[test]
    fn run_sizes_answer_like_a_walk() {
        let dir = std::env::temp_dir().join(format!("contacts-ranks-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let db = Arc::new(Db::open(&dir.join("t.db")).unwrap());
        let store = SqliteStore::new(db);
        let mut rng = Rng(7);
        let mut docs: Vec<(u64, Vec<String>, u64)> = Vec::new();
        for id in 1..=900u64 {
            let keys: Vec<String> = (0..4).map(|_| rng.key()).collect();
            put(&store, id, &keys, None);
            docs.push((id, keys, 1));
        }
        let check = |docs: &[(u64, Vec<String>, u64)], rng: &mut Rng| {
            let mut all: Vec<(String, u64)> = docs
                .iter()
                .flat_map(|(id, keys, _)| {
                    let mut keys = keys.clone();
                    keys.sort();
                    keys.dedup();
                    keys.into_iter().map(move |k| (k, *id))
                })
                .collect();
            all.sort();
            for _ in 0..60 {
                let (mut a, mut b) = (rng.key(), rng.key());
                if a > b {
                    std::mem::swap(&mut a, &mut b);
                }
                let start = (rng.below(3) > 0).then_some(a);
                let end = (rng.below(3) > 0).then_some(b);
                let inside: Vec<&(String, u64)> = all
                    .iter()
                    .filter(|(k, _)| start.as_deref().is_none_or(|s| k.as_str() >= s))
                    .filter(|(k, _)| end.as_deref().is_none_or(|e| k.as_str() < e))
                    .collect();
                let n = store
                    .count("c", "x", start.as_deref(), end.as_deref())
                    .unwrap();
                assert_eq!(n, inside.len() as u64, "count {start:?}..{end:?}");
                let reverse = rng.below(2) == 1;
                let offset = rng.below(inside.len() as u64 + 10) as u32;
                let range = Range {
                    index: "x".into(),
                    start: start.clone(),
                    end: end.clone(),
                    reverse,
                    offset,
                    limit: 7,
                    contains: Vec::new(),
                };
                let got: Vec<(String, u64)> = store
                    .scan("c", &range)
                    .unwrap()
                    .into_iter()
                    .map(|h| (h.key, h.id))
                    .collect();
                let mut want: Vec<(String, u64)> = inside.into_iter().cloned().collect();
                if reverse {
                    want.reverse();
                }
                let want: Vec<_> = want.into_iter().skip(offset as usize).take(7).collect();
                assert_eq!(got, want, "scan {range:?}");
            }
        };
        check(&docs, &mut rng);
        for round in 0..3 {
            // Remove a third, change a third.
            for _ in 0..200 {
                let i = rng.below(docs.len() as u64) as usize;
                let (id, _, version) = docs.swap_remove(i);
                let write = Write::Remove(Remove {
                    collection: "c".into(),
                    id,
                    expected_version: Some(version),
                });
                store.commit(&[write], &[]).unwrap().unwrap();
            }
            for _ in 0..200 {
                let i = rng.below(docs.len() as u64) as usize;
                let keys: Vec<String> = (0..4).map(|_| rng.key()).collect();
                let (id, _, version) = docs[i].clone();
                put(&store, id, &keys, Some(version));
                docs[i] = (id, keys, version + 1);
            }
            for id in 0..150u64 {
                let id = 10_000 * (round + 1) + id;
                let keys: Vec<String> = (0..4).map(|_| rng.key()).collect();
                put(&store, id, &keys, None);
                docs.push((id, keys, 1));
            }
            check(&docs, &mut rng);
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn contains_keeps_only_keys_holding_a_probe() {
        let dir = std::env::temp_dir().join(format!("contacts-probe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = SqliteStore::new(Arc::new(Db::open(&dir.join("t.db")).unwrap()));
        put(&store, 1, &["martin*dupont".into()], None);
        put(&store, 2, &["marie?curie".into()], None);
        put(&store, 3, &["[paul]".into()], None);
        let ids = |probes: &[&str]| -> Vec<u64> {
            let range = Range {
                index: "x".into(),
                start: None,
                end: None,
                reverse: false,
                offset: 0,
                limit: 10,
                contains: probes.iter().map(|p| p.to_string()).collect(),
            };
            store
                .scan("c", &range)
                .unwrap()
                .iter()
                .map(|h| h.id)
                .collect()
        };
        assert_eq!(ids(&["dupont"]), vec![1]);
        assert_eq!(ids(&["n*d"]), vec![1]);
        assert_eq!(ids(&["e?c"]), vec![2]);
        assert_eq!(ids(&["[paul]"]), vec![3]);
        // In key order: "[" < "m", "marie" < "martin".
        assert_eq!(ids(&["mar", "paul"]), vec![3, 2, 1]);
        assert_eq!(ids(&["MARTIN"]), Vec::<u64>::new());
        assert_eq!(ids(&[]), vec![3, 2, 1]);
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// A database from before run sizes existed gets them from its entries.
    #[test]
    fn migration_sizes_the_runs_of_existing_entries() {
        let dir = std::env::temp_dir().join(format!("contacts-runs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            conn.execute_batch(super::super::db::MIGRATIONS[0]).unwrap();
            conn.pragma_update(None, "user_version", 1).unwrap();
            let mut insert = conn
                .prepare(
                    "INSERT INTO index_entries (collection, idx, key, id) VALUES ('c', ?1, ?2, ?3)",
                )
                .unwrap();
            for id in 1..=1500i64 {
                insert
                    .execute(params!["x", format!("k{:04}", id % 700), id])
                    .unwrap();
            }
            insert.execute(params!["y", "only", 1]).unwrap();
        }
        let store = SqliteStore::new(Arc::new(Db::open(&path).unwrap()));
        assert_eq!(store.count("c", "x", None, None).unwrap(), 1500);
        assert_eq!(store.count("c", "y", None, None).unwrap(), 1);
        // k0000..k0099: ids 700, 1400 for k0000, then two or three per key.
        let naive = (1..=1500).filter(|id| id % 700 < 100).count() as u64;
        assert_eq!(
            store.count("c", "x", Some("k0000"), Some("k0100")).unwrap(),
            naive
        );
        let deep = Range {
            index: "x".into(),
            start: None,
            end: None,
            reverse: false,
            offset: 1499,
            limit: 5,
            contains: Vec::new(),
        };
        let last = store.scan("c", &deep).unwrap();
        assert_eq!(last.len(), 1);
        assert_eq!(last[0].key, "k0699");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
