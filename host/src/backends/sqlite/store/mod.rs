//! The SQLite backend of the `store` capability.
//!
//! Documents and index entries are two `WITHOUT ROWID` tables whose primary
//! keys are the lookups: `(collection, id)` and `(collection, idx, key, id)`.
//! Keys compare with SQLite's BINARY collation, bytewise, as the WIT says.
//! [`ranks`] answers for the run sizes that make counts and deep pages cheap
//! (the logic is `backends::ranks`).
//!
//! The store is lean: collection and index names are small integer codes
//! (`store_names`), and each document row keeps the list of its own entries
//! ([`Entries`], LZ4-compressed) so that a commit finds the entries to remove
//! without a second index of every entry by document.

mod ranks;

use ranks::SqliteRuns;

use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};

use anyhow::{Result, anyhow};
use rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};

use super::db::Db;
use crate::backends::ranks::{self as order, Change};
use crate::bindings::store::{CommitError, Document, Hit, Range, Write};
use crate::bindings::types::Event;
use crate::capabilities::store::DocumentStore;
use crate::clock::now_rfc3339;

pub struct SqliteStore {
    db: Arc<Db>,
    /// Codes of collection and index names, once committed (they never change).
    codes: Mutex<HashMap<String, i64>>,
}

impl SqliteStore {
    pub fn new(db: Arc<Db>) -> SqliteStore {
        SqliteStore {
            db,
            codes: Mutex::new(HashMap::new()),
        }
    }

    fn cached(&self, name: &str) -> Option<i64> {
        self.codes.lock().ok()?.get(name).copied()
    }

    fn remember(&self, name: &str, code: i64) {
        if let Ok(mut codes) = self.codes.lock() {
            codes.insert(name.to_owned(), code);
        }
    }

    /// The code of a name, if anything was ever stored under it.
    fn code(&self, conn: &Connection, name: &str) -> Result<Option<i64>> {
        if let Some(code) = self.cached(name) {
            return Ok(Some(code));
        }
        let code: Option<i64> = conn
            .prepare_cached("SELECT code FROM store_names WHERE name = ?1")?
            .query_row(params![name], |r| r.get(0))
            .optional()?;
        if let Some(code) = code {
            self.remember(name, code);
        }
        Ok(code)
    }

    /// The code of a name, given one inside the transaction if it has none;
    /// a new code is remembered only once its transaction commits.
    fn code_in(&self, tx: &Connection, name: &str, fresh: &mut Vec<(String, i64)>) -> Result<i64> {
        // Fresh codes first: the lookup below would see them too, and
        // remember a code that a rollback may undo.
        if let Some((_, code)) = fresh.iter().find(|(n, _)| n == name) {
            return Ok(*code);
        }
        if let Some(code) = self.code(tx, name)? {
            return Ok(code);
        }
        let code: i64 = tx
            .prepare_cached("INSERT INTO store_names (name) VALUES (?1) RETURNING code")?
            .query_row(params![name], |r| r.get(0))?;
        fresh.push((name.to_owned(), code));
        Ok(code)
    }
}

/// A document's entries as its row keeps them: for each, the index code, a
/// space, the key's length in bytes, a colon and the key (`3 5:jones`).
/// Lengths, not separators, so a key may hold any character. Written as an
/// LZ4 block (a blob); the upgrade from the previous schema wrote them as
/// text, which still reads.
struct Entries;

/// No document lists more than this many bytes of entries: a larger size in
/// a compressed list's header is damage, not a size to allocate.
const MAX_LIST: usize = 64 << 20;

impl Entries {
    fn pack(list: &str) -> Vec<u8> {
        lz4_flex::compress_prepend_size(list.as_bytes())
    }

    /// The list of a document row's `entries` column, text or compressed.
    fn read(value: rusqlite::types::Value) -> Result<Vec<(i64, String)>> {
        use rusqlite::types::Value;
        match value {
            Value::Text(list) => Entries::decode(&list),
            Value::Blob(packed) => {
                let size = packed
                    .get(..4)
                    .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize);
                if size.is_none_or(|s| s > MAX_LIST) {
                    return Err(anyhow!("damaged entry list in a document row"));
                }
                let bytes = lz4_flex::decompress_size_prepended(&packed)
                    .map_err(|e| anyhow!("damaged entry list in a document row: {e}"))?;
                let list = String::from_utf8(bytes)
                    .map_err(|_| anyhow!("damaged entry list in a document row"))?;
                Entries::decode(&list)
            }
            Value::Null => Ok(Vec::new()),
            _ => Err(anyhow!("unexpected entry list in a document row")),
        }
    }

    fn encode<'a>(entries: impl Iterator<Item = (i64, &'a str)>) -> String {
        let mut out = String::new();
        for (code, key) in entries {
            out.push_str(&format!("{code} {}:{key}", key.len()));
        }
        out
    }

    fn decode(mut s: &str) -> Result<Vec<(i64, String)>> {
        let bad = || anyhow!("malformed entry list in a document row");
        let mut out = Vec::new();
        while !s.is_empty() {
            let (code, rest) = s.split_once(' ').ok_or_else(bad)?;
            let (len, rest) = rest.split_once(':').ok_or_else(bad)?;
            let len: usize = len.parse().map_err(|_| bad())?;
            let key = rest.get(..len).ok_or_else(bad)?;
            out.push((code.parse().map_err(|_| bad())?, key.to_owned()));
            s = &rest[len..];
        }
        Ok(out)
    }
}

/// SQLite's default limit on bound parameters is 32,766; stay well below.
const IDS_PER_QUERY: usize = 500;

impl DocumentStore for SqliteStore {
    fn get(&self, collection: &str, id: u64) -> Result<Option<Document>> {
        let conn = self.db.conn()?;
        let Some(coll) = self.code(&conn, collection)? else {
            return Ok(None);
        };
        let mut stmt = conn.prepare_cached(
            "SELECT id, version, body FROM documents WHERE collection = ?1 AND id = ?2",
        )?;
        let doc = stmt
            .query_row(params![coll, id as i64], |r| {
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
        let Some(coll) = self.code(&conn, collection)? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IDS_PER_QUERY) {
            // Bind the ids as one JSON array: one cached statement for any count.
            let list = serde_json::to_string(chunk)?;
            let mut stmt = conn.prepare_cached(
                "SELECT d.id, d.version, d.body FROM json_each(?2) j \
                 JOIN documents d ON d.collection = ?1 AND d.id = j.value \
                 ORDER BY j.key",
            )?;
            let rows = stmt.query_map(params![coll, list], |r| {
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
        let (Some(coll), Some(idx)) = (self.code(&conn, collection)?, self.code(&conn, index)?)
        else {
            return Ok(Vec::new());
        };
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM index_entries WHERE collection = ?1 AND idx = ?2 AND key = ?3 \
             ORDER BY id",
        )?;
        let ids = stmt
            .query_map(params![coll, idx, key], |r| Ok(r.get::<_, i64>(0)? as u64))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    fn scan(&self, collection: &str, range: &Range) -> Result<Vec<Hit>> {
        let mut conn = self.db.conn()?;
        let (Some(coll), Some(idx)) = (
            self.code(&conn, collection)?,
            self.code(&conn, &range.index)?,
        ) else {
            return Ok(Vec::new());
        };
        if order::is_walk(range) {
            return order::scan(&mut runs(&conn, coll, idx), range);
        }
        // Several statements: one read transaction, so run sizes and entries
        // come from the same snapshot.
        let tx = conn.transaction()?;
        order::scan(&mut runs(&tx, coll, idx), range)
    }

    fn count(
        &self,
        collection: &str,
        index: &str,
        start: Option<&str>,
        end: Option<&str>,
    ) -> Result<u64> {
        let mut conn = self.db.conn()?;
        let (Some(coll), Some(idx)) = (self.code(&conn, collection)?, self.code(&conn, index)?)
        else {
            return Ok(0);
        };
        let tx = conn.transaction()?;
        order::count(&mut runs(&tx, coll, idx), start.unwrap_or(""), end)
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

    fn allocate_ids(&self, collection: &str, n: u64) -> Result<Vec<u64>> {
        if n == 0 {
            return Ok(Vec::new());
        }
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "INSERT INTO sequences (collection, next) VALUES (?1, ?2) \
             ON CONFLICT (collection) DO UPDATE SET next = next + ?2 RETURNING next",
        )?;
        let last: i64 = stmt.query_row(params![collection, n as i64], |r| r.get(0))?;
        let last = last as u64;
        Ok((last + 1 - n..=last).collect())
    }

    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        let conn = self.db.conn()?;
        let Some(coll) = self.code(&conn, collection)? else {
            return Ok(Vec::new());
        };
        let mut stmt = conn.prepare_cached(
            "SELECT id FROM documents WHERE collection = ?1 AND id > ?2 ORDER BY id LIMIT ?3",
        )?;
        let after = after.map_or(-1, |a| a as i64);
        let ids = stmt
            .query_map(params![coll, after, i64::from(limit)], |r| {
                Ok(r.get::<_, i64>(0)? as u64)
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    fn commit(&self, writes: &[Write], events: &[Event]) -> Result<Result<(), CommitError>> {
        let mut conn = self.db.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut fresh: Vec<(String, i64)> = Vec::new();
        // Entries added (1) and removed (-1): their runs are resized at the
        // end, each run once.
        let mut moved: Vec<(i64, i64, String, i64, i64)> = Vec::new();
        // Entries to insert, written at the end in key order: a batch's
        // entries then land together in the index instead of one page each.
        let mut added: BTreeSet<(i64, i64, String, i64)> = BTreeSet::new();
        for write in writes {
            let (collection, id, expected) = match write {
                Write::Put(p) => (&p.collection, p.id, p.expected_version),
                Write::Remove(r) => (&r.collection, r.id, r.expected_version),
            };
            let coll = self.code_in(&tx, collection, &mut fresh)?;
            let current: Option<(i64, rusqlite::types::Value)> = tx
                .prepare_cached(
                    "SELECT version, entries FROM documents WHERE collection = ?1 AND id = ?2",
                )?
                .query_row(params![coll, id as i64], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?;
            let version = current.as_ref().map(|(v, _)| *v as u64);
            if version != expected {
                // Dropping the transaction rolls back whatever ran before.
                return Ok(Err(CommitError::Stale(format!(
                    "{collection}/{id} is at version {version:?}, expected {expected:?}"
                ))));
            }
            // The new entries, by index code.
            let mut new: Vec<(i64, &str)> = Vec::new();
            if let Write::Put(p) = write {
                for e in &p.entries {
                    new.push((self.code_in(&tx, &e.index, &mut fresh)?, e.key.as_str()));
                }
                // The write lock is held: no other commit can take the key
                // between this check and the insert.
                for e in &p.exclusive {
                    let idx = self.code_in(&tx, &e.index, &mut fresh)?;
                    let holder: Option<i64> = tx
                        .prepare_cached(
                            "SELECT id FROM index_entries \
                             WHERE collection = ?1 AND idx = ?2 AND key = ?3 AND id != ?4 LIMIT 1",
                        )?
                        .query_row(params![coll, idx, e.key, id as i64], |r| r.get(0))
                        .optional()?;
                    let at = |id| (coll, idx, e.key.clone(), id);
                    let pending = added
                        .range(at(i64::MIN)..=at(i64::MAX))
                        .any(|entry| entry.3 != id as i64);
                    if holder.is_some() || pending {
                        return Ok(Err(CommitError::Taken(e.clone())));
                    }
                }
            }
            // Only the entries that change are written, and each one moves
            // the size of its run.
            let old = match current {
                Some((_, list)) => Entries::read(list)?,
                None => Vec::new(),
            };
            let old: HashSet<(i64, &str)> = old.iter().map(|(i, k)| (*i, k.as_str())).collect();
            let new_set: HashSet<(i64, &str)> = new.iter().copied().collect();
            for &(idx, key) in old.difference(&new_set) {
                // One this commit added is simply not inserted.
                if !added.remove(&(coll, idx, key.to_owned(), id as i64)) {
                    tx.prepare_cached(
                        "DELETE FROM index_entries \
                         WHERE collection = ?1 AND idx = ?2 AND key = ?3 AND id = ?4",
                    )?
                    .execute(params![coll, idx, key, id as i64])?;
                }
                moved.push((coll, idx, key.to_owned(), id as i64, -1));
            }
            for &(idx, key) in new_set.difference(&old) {
                added.insert((coll, idx, key.to_owned(), id as i64));
                moved.push((coll, idx, key.to_owned(), id as i64, 1));
            }
            match write {
                Write::Put(p) => {
                    let version = version.map_or(0, |v| v as i64) + 1;
                    // Each entry once, in a stable order.
                    let mut listed: Vec<(i64, &str)> = new_set.into_iter().collect();
                    listed.sort_unstable();
                    let entries = Entries::pack(&Entries::encode(listed.into_iter()));
                    tx.prepare_cached(
                        "INSERT INTO documents (collection, id, version, body, entries) \
                         VALUES (?1, ?2, ?3, ?4, ?5) \
                         ON CONFLICT (collection, id) DO UPDATE \
                         SET version = excluded.version, body = excluded.body, \
                             entries = excluded.entries",
                    )?
                    .execute(params![coll, id as i64, version, p.body, entries])?;
                }
                Write::Remove(_) => {
                    tx.prepare_cached("DELETE FROM documents WHERE collection = ?1 AND id = ?2")?
                        .execute(params![coll, id as i64])?;
                }
            }
        }
        {
            let mut insert = tx.prepare_cached(
                "INSERT INTO index_entries (collection, idx, key, id) VALUES (?1, ?2, ?3, ?4)",
            )?;
            for (coll, idx, key, id) in added {
                insert.execute(params![coll, idx, key, id])?;
            }
        }
        resize_runs(&tx, &mut moved)?;
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
        for (name, code) in fresh {
            self.remember(&name, code);
        }
        Ok(Ok(()))
    }
}

/// The answers of one index's entries and runs on this connection.
fn runs(conn: &Connection, collection: i64, index: i64) -> SqliteRuns<'_> {
    SqliteRuns {
        conn,
        collection,
        index,
    }
}

/// Moves the run sizes of the indexes a commit changed: `(collection,
/// index, key, id, delta)` entries, grouped by index.
fn resize_runs(conn: &Connection, moved: &mut [(i64, i64, String, i64, i64)]) -> Result<()> {
    moved.sort_unstable_by_key(|a| (a.0, a.1));
    for group in moved.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
        let (collection, index) = (group[0].0, group[0].1);
        let mut changes: Vec<Change<'_>> = group
            .iter()
            .map(|(_, _, key, id, delta)| Change {
                key,
                id: *id,
                delta: *delta,
            })
            .collect();
        order::apply(&mut runs(conn, collection, index), &mut changes)?;
    }
    Ok(())
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

    /// Entries are inserted at the end of a commit: a document written twice
    /// in one commit keeps only its last entries, and an exclusive entry an
    /// earlier write of the same commit added is taken already.
    #[test]
    fn a_commit_sees_its_own_entries_before_it_inserts_them() {
        let dir = std::env::temp_dir().join(format!("contacts-own-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = SqliteStore::new(Arc::new(Db::open(&dir.join("t.db")).unwrap()));
        let entry = |key: &str| IndexEntry {
            index: "x".into(),
            key: key.into(),
        };
        let put = |id: u64, keys: &[&str], version: Option<u64>, exclusive: &[&str]| {
            Write::Put(Put {
                collection: "c".into(),
                id,
                body: "{}".into(),
                entries: keys.iter().map(|k| entry(k)).collect(),
                expected_version: version,
                exclusive: exclusive.iter().map(|k| entry(k)).collect(),
            })
        };
        let twice = [
            put(1, &["a", "b"], None, &[]),
            put(1, &["b", "c"], Some(1), &[]),
        ];
        store.commit(&twice, &[]).unwrap().unwrap();
        assert!(store.find("c", "x", "a").unwrap().is_empty());
        assert_eq!(store.find("c", "x", "b").unwrap(), vec![1]);
        assert_eq!(store.find("c", "x", "c").unwrap(), vec![1]);
        assert_eq!(store.count("c", "x", None, None).unwrap(), 2);
        let racing = [put(2, &["d"], None, &["d"]), put(3, &["d"], None, &["d"])];
        let refused = store.commit(&racing, &[]).unwrap();
        assert!(
            matches!(&refused, Err(CommitError::Taken(e)) if e.key == "d"),
            "{refused:?}"
        );
        assert!(store.find("c", "x", "d").unwrap().is_empty());
        assert_eq!(store.count("c", "x", None, None).unwrap(), 2);
        let _ = std::fs::remove_dir_all(&dir);
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

    /// A database from before the lean store (names as text, an index of
    /// entries by document) upgrades: its documents and entries read the
    /// same, and a later commit removes the entries each document had.
    #[test]
    fn migration_to_the_lean_store_keeps_documents_and_their_entries() {
        let dir = std::env::temp_dir().join(format!("contacts-lean-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("t.db");
        let before = super::super::db::MIGRATIONS.len() - 1;
        {
            let conn = rusqlite::Connection::open(&path).unwrap();
            for sql in &super::super::db::MIGRATIONS[..before] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", before).unwrap();
            for id in 1..=3i64 {
                conn.execute(
                    "INSERT INTO documents (collection, id, version, body) VALUES ('c', ?1, 2, ?2)",
                    params![id, format!("{{\"id\":{id}}}")],
                )
                .unwrap();
                // A key holding the characters a list might use as separators.
                for key in [format!("k{id}"), format!("n:a\u{1f}b {id}:x")] {
                    conn.execute(
                        "INSERT INTO index_entries (collection, idx, key, id) VALUES ('c', 'x', ?1, ?2)",
                        params![key, id],
                    )
                    .unwrap();
                    conn.execute(
                        "UPDATE index_buckets SET n = n + 1 WHERE collection = 'c' AND idx = 'x'",
                        [],
                    )
                    .unwrap();
                    if conn.changes() == 0 {
                        conn.execute(
                            "INSERT INTO index_buckets VALUES ('c', 'x', '', -9223372036854775808, 1)",
                            [],
                        )
                        .unwrap();
                    }
                }
            }
        }
        let store = SqliteStore::new(Arc::new(Db::open(&path).unwrap()));
        let doc = store.get("c", 2).unwrap().unwrap();
        assert_eq!((doc.version, doc.body.as_str()), (2, "{\"id\":2}"));
        assert_eq!(store.find("c", "x", "k2").unwrap(), vec![2]);
        assert_eq!(store.count("c", "x", None, None).unwrap(), 6);
        let indexes: i64 = store
            .db
            .conn()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let by_document: i64 = store
            .db
            .conn()
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'index_entries_by_document'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(by_document, 0, "no index by document ({indexes} indexes)");
        // Document 2 now holds one new key: both old ones go.
        put(&store, 2, &["z".into()], Some(2));
        let kinds: Vec<String> = store
            .db
            .conn()
            .unwrap()
            .prepare("SELECT typeof(entries) FROM documents ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        assert_eq!(
            kinds,
            ["text", "blob", "text"],
            "upgraded lists stay text until written"
        );
        assert!(store.find("c", "x", "k2").unwrap().is_empty());
        assert!(store.find("c", "x", "n:a\u{1f}b 2:x").unwrap().is_empty());
        assert_eq!(store.find("c", "x", "n:a\u{1f}b 3:x").unwrap(), vec![3]);
        assert_eq!(store.count("c", "x", None, None).unwrap(), 5);
        let removal = Write::Remove(Remove {
            collection: "c".into(),
            id: 3,
            expected_version: Some(2),
        });
        store.commit(&[removal], &[]).unwrap().unwrap();
        assert_eq!(store.count("c", "x", None, None).unwrap(), 3);
        assert!(store.find("c", "x", "k3").unwrap().is_empty());
        let _ = std::fs::remove_dir_all(&dir);
    }

    /// Entry lists round-trip any key, separators and multi-byte text included.
    #[test]
    fn entry_lists_round_trip_any_key() {
        let keys = ["", "a b:c", "12 3:x", "é\u{1f}ü", "n:jean\u{1f}jean dupont"];
        let listed = Entries::encode(keys.iter().enumerate().map(|(i, k)| (i as i64, *k)));
        let back = Entries::decode(&listed).unwrap();
        let want: Vec<(i64, String)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (i as i64, k.to_string()))
            .collect();
        assert_eq!(back, want);
        assert!(Entries::decode("1 9:short").is_err());
        assert!(Entries::decode("x").is_err());
        let packed = Entries::pack(&listed);
        assert!(packed.len() < listed.len() + 8);
        let back = Entries::read(rusqlite::types::Value::Blob(packed.clone())).unwrap();
        assert_eq!(back, want);
        // Damage is an error, never a panic or a huge allocation.
        for damaged in [
            packed[..packed.len() / 2].to_vec(),
            vec![0xff, 0xff, 0xff, 0x7f, 1, 2, 3],
            vec![1],
        ] {
            assert!(Entries::read(rusqlite::types::Value::Blob(damaged)).is_err());
        }
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
