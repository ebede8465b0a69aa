//! The store contract, run against every backend the project ships: the
//! component's in-memory map (`MemoryDocumentStore`, the reference), SQLite
//! and PostgreSQL.
//!
//! Two halves: the conformance cases (`examples/conformance/store-cases.json`),
//! which embedders run against their own stores too (the examples' runners do,
//! in `tests/embedders.rs`); and what a file of steps cannot say: commits
//! racing from several threads (and, on PostgreSQL, from two connection pools,
//! as two replicas would), and counts and scans at deep offsets, where the
//! backends' run sizes take over from walking entries.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, Barrier};

mod support;

use contacts_host::backends;
use contacts_host::bindings::store::{self as wit, CommitError};
use contacts_host::capabilities::store::{DocumentStore, MemoryDocumentStore};
use serde_json::{Value, json};

/// The backends' own failures are not what the cases check.
const WORKS: &str = "the backend works";

fn text(v: &Value) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("not a string: {v}"))
        .to_owned()
}

fn opt_text(v: Option<&Value>) -> Option<String> {
    v.filter(|v| !v.is_null()).map(text)
}

fn num(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a number: {v}"))
}

fn entries(v: Option<&Value>) -> Vec<(String, String)> {
    v.and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .map(|e| (text(&e["index"]), text(&e["key"])))
                .collect()
        })
        .unwrap_or_default()
}

fn entry((index, key): (String, String)) -> wit::IndexEntry {
    wit::IndexEntry { index, key }
}

fn writes(v: &Value) -> Vec<wit::Write> {
    let list = v.as_array().expect("a list of writes");
    list.iter()
        .map(|w| {
            let (tag, body) = w
                .as_object()
                .and_then(|o| o.iter().next())
                .expect("a write");
            let collection = text(&body["collection"]);
            let id = num(&body["id"]);
            let expected_version = body.get("expected_version").and_then(Value::as_u64);
            if tag == "put" {
                wit::Write::Put(wit::Put {
                    collection,
                    id,
                    body: opt_text(body.get("body")).unwrap_or_default(),
                    entries: entries(body.get("entries"))
                        .into_iter()
                        .map(entry)
                        .collect(),
                    expected_version,
                    exclusive: entries(body.get("exclusive"))
                        .into_iter()
                        .map(entry)
                        .collect(),
                })
            } else {
                wit::Write::Remove(wit::Remove {
                    collection,
                    id,
                    expected_version,
                })
            }
        })
        .collect()
}

/// A range, with the file's defaults for omitted fields.
fn range(v: &Value) -> wit::Range {
    wit::Range {
        index: text(&v["index"]),
        start: opt_text(v.get("start")),
        end: opt_text(v.get("end")),
        reverse: v.get("reverse").and_then(Value::as_bool).unwrap_or(false),
        offset: v.get("offset").and_then(Value::as_u64).unwrap_or(0) as u32,
        limit: v.get("limit").and_then(Value::as_u64).unwrap_or(100) as u32,
        contains: v
            .get("contains")
            .and_then(Value::as_array)
            .map(|l| l.iter().map(text).collect())
            .unwrap_or_default(),
    }
}

fn ids_of(v: &Value) -> Vec<u64> {
    v.as_array().expect("ids").iter().map(num).collect()
}

/// Answers one step with plain JSON, as the runners of the examples do.
fn call(store: &dyn DocumentStore, name: &str, a: &[Value]) -> Value {
    // The collection, for every call but commit.
    let c = a[0].as_str().unwrap_or_default().to_owned();
    let docs = |list: Vec<wit::Document>| -> Value {
        list.iter()
            .map(|d| json!({"id": d.id, "version": d.version, "body": d.body}))
            .collect()
    };
    match name {
        "commit" => match store.commit(&writes(&a[0]), &[]).expect(WORKS) {
            Ok(()) => json!("ok"),
            Err(CommitError::Stale(_)) => json!({"err": "stale"}),
            Err(CommitError::Taken(e)) => {
                json!({"err": "taken", "entry": {"index": e.index, "key": e.key}})
            }
            Err(CommitError::Unavailable(m)) => json!({"err": "unavailable", "message": m}),
        },
        "get" => match store.get(&c, num(&a[1])).expect(WORKS) {
            Some(d) => docs(vec![d])[0].clone(),
            None => Value::Null,
        },
        "get_many" => docs(store.get_many(&c, &ids_of(&a[1])).expect(WORKS)),
        "find" => json!(store.find(&c, &text(&a[1]), &text(&a[2])).expect(WORKS)),
        "scan" => store
            .scan(&c, &range(&a[1]))
            .expect(WORKS)
            .iter()
            .map(|h| json!({"key": h.key, "id": h.id}))
            .collect(),
        "count" => json!(
            store
                .count(
                    &c,
                    &text(&a[1]),
                    opt_text(a.get(2)).as_deref(),
                    opt_text(a.get(3)).as_deref()
                )
                .expect(WORKS)
        ),
        "ids" => json!(
            store
                .ids(&c, a[1].as_u64(), num(&a[2]) as u32)
                .expect(WORKS)
        ),
        "allocate_id" => json!(store.allocate_id(&c).expect(WORKS)),
        other => panic!("no store function {other}"),
    }
}

fn cases() -> Vec<Value> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../examples/conformance/store-cases.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let data: Value = serde_json::from_str(&text).expect("the cases are JSON");
    data["cases"].as_array().expect("cases").clone()
}

/// Runs every case on a fresh backend; answers the failures.
fn run(make: &mut dyn FnMut() -> Box<dyn DocumentStore>) -> Vec<String> {
    let mut failures = Vec::new();
    let cases = cases();
    assert!(cases.len() >= 10, "the suite lost its cases");
    for case in &cases {
        let backend = make();
        let mut given: HashMap<String, HashSet<u64>> = HashMap::new();
        for (n, step) in case["steps"].as_array().expect("steps").iter().enumerate() {
            let name = step["call"].as_str().expect("call");
            let args = step["args"].as_array().expect("args");
            let got = call(backend.as_ref(), name, args);
            let want = &step["expect"];
            let ok = if want == "fresh" {
                let seen = given.entry(text(&args[0])).or_default();
                got.as_u64().is_some_and(|id| id > 0 && seen.insert(id))
            } else if want["err"] == "stale" {
                got["err"] == "stale"
            } else {
                &got == want
            };
            if !ok {
                failures.push(format!(
                    "{}: step {} ({name} {}): expected {want}, got {got}",
                    case["name"],
                    n + 1,
                    Value::Array(args.clone())
                ));
                break;
            }
        }
    }
    failures
}

#[test]
fn the_sqlite_store_passes_the_conformance_cases() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("store-conformance-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let mut n = 0;
    let failures = run(&mut || {
        n += 1;
        let url = format!("sqlite:{}", root.join(format!("case-{n}.db")).display());
        Box::new(backends::open(&url).expect("open a database").store)
    });
    let _ = std::fs::remove_dir_all(&root);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_in_memory_store_passes_the_conformance_cases() {
    let failures = run(&mut || Box::new(MemoryDocumentStore::new()));
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_postgres_store_passes_the_conformance_cases() {
    let mut databases = Vec::new();
    let failures = run(&mut || {
        let db = support::postgres::Database::create();
        let store = backends::open(&db.url).expect("open PostgreSQL").store;
        databases.push(db);
        Box::new(store)
    });
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every backend, fresh: a name and a way to open the same store again (a
/// second "replica" on PostgreSQL and SQLite; the map is shared in memory).
struct Backend {
    name: &'static str,
    open: Box<dyn Fn() -> Arc<dyn DocumentStore>>,
    _database: Option<support::postgres::Database>,
}

fn backends(label: &str) -> Vec<Backend> {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("store-contract-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let path = dir.join("t.db");
    let memory: Arc<dyn DocumentStore> = Arc::new(MemoryDocumentStore::new());
    let pg = support::postgres::Database::create();
    let url = pg.url.clone();
    vec![
        Backend {
            name: "memory",
            open: Box::new(move || memory.clone()),
            _database: None,
        },
        Backend {
            name: "sqlite",
            open: Box::new(move || {
                let url = format!("sqlite:{}", path.display());
                backends::open(&url).expect("open SQLite").store
            }),
            _database: None,
        },
        Backend {
            name: "postgres",
            open: Box::new(move || backends::open(&url).expect("open PostgreSQL").store),
            _database: Some(pg),
        },
    ]
}

fn put(id: u64, body: String, expected: Option<u64>, email: Option<&str>) -> wit::Write {
    let entries: Vec<wit::IndexEntry> = email
        .map(|e| entry(("email".to_owned(), e.to_owned())))
        .into_iter()
        .collect();
    wit::Write::Put(wit::Put {
        collection: "c".into(),
        id,
        body,
        entries: entries.clone(),
        expected_version: expected,
        exclusive: entries,
    })
}

/// Threads (half of them on a second pool) race to give one email to
/// different documents: exactly one commit wins each round, and the
/// losers are told which entry was taken.
#[test]
fn racing_commits_give_an_exclusive_entry_to_exactly_one_document() {
    const THREADS: usize = 8;
    const ROUNDS: u64 = 12;
    for backend in backends("exclusive") {
        let stores = [(backend.open)(), (backend.open)()];
        for round in 0..ROUNDS {
            let email = format!("race{round}@example.com");
            let barrier = Arc::new(Barrier::new(THREADS));
            let outcomes: Vec<Result<(), CommitError>> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..THREADS)
                    .map(|t| {
                        let store = stores[t % 2].clone();
                        let (barrier, email) = (barrier.clone(), email.clone());
                        s.spawn(move || {
                            let id = 1000 * (round + 1) + t as u64;
                            barrier.wait();
                            store
                                .commit(
                                    &[put(id, format!("{{\"t\":{t}}}"), None, Some(&email))],
                                    &[],
                                )
                                .expect(WORKS)
                        })
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| h.join().expect("a racer"))
                    .collect()
            });
            let won = outcomes.iter().filter(|o| o.is_ok()).count();
            assert_eq!(won, 1, "{}: round {round}: {outcomes:?}", backend.name);
            for o in &outcomes {
                if let Err(e) = o {
                    assert!(
                        matches!(e, CommitError::Taken(t) if t.key == email),
                        "{}: {e:?}",
                        backend.name
                    );
                }
            }
            let holders = stores[0].find("c", "email", &email).expect(WORKS);
            assert_eq!(holders.len(), 1, "{}: {holders:?}", backend.name);
        }
    }
}

/// Threads read, change and write one document, retrying on a stale
/// version: no increment is lost, whatever the interleaving.
#[test]
fn racing_updates_of_one_document_lose_nothing() {
    const THREADS: usize = 6;
    const EACH: u64 = 15;
    for backend in backends("versions") {
        let stores = [(backend.open)(), (backend.open)()];
        stores[0]
            .commit(&[put(1, "0".into(), None, None)], &[])
            .expect(WORKS)
            .expect("the first put");
        let stale = std::sync::atomic::AtomicU64::new(0);
        std::thread::scope(|s| {
            for t in 0..THREADS {
                let store = stores[t % 2].clone();
                let stale = &stale;
                s.spawn(move || {
                    for _ in 0..EACH {
                        loop {
                            let doc = store.get("c", 1).expect(WORKS).expect("the document");
                            let n: u64 = doc.body.parse().expect("a number");
                            let write = put(1, (n + 1).to_string(), Some(doc.version), None);
                            match store.commit(&[write], &[]).expect(WORKS) {
                                Ok(()) => break,
                                Err(CommitError::Stale(_)) => {
                                    stale.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                                }
                                Err(e) => panic!("{}: {e:?}", backend.name),
                            }
                        }
                    }
                });
            }
        });
        let doc = stores[1].get("c", 1).expect(WORKS).expect("the document");
        let total = THREADS as u64 * EACH;
        assert_eq!(doc.body, total.to_string(), "{}", backend.name);
        assert_eq!(doc.version, total + 1, "{}", backend.name);
    }
}

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
    /// Short keys over a few letters, some past U+FFFF and at 0x7f/0x80.
    fn key(&mut self) -> String {
        const LETTERS: [&str; 6] = ["a", "b", "\u{7f}", "\u{80}", "\u{e9}", "\u{1F600}"];
        let len = 1 + self.below(3) as usize;
        (0..len)
            .map(|_| LETTERS[self.below(LETTERS.len() as u64) as usize])
            .collect()
    }
}

/// Counts and scans at every depth, both ways, with and without `contains`,
/// agree with a sorted list of the entries (by bytes), across enough
/// entries that runs split, and after a third are removed.
#[test]
fn deep_offsets_and_counts_agree_with_a_sorted_walk() {
    for backend in backends("deep") {
        let store = (backend.open)();
        let mut rng = Rng(11);
        let mut all: Vec<(String, u64)> = Vec::new();
        let mut docs: Vec<(u64, Vec<String>)> = Vec::new();
        for chunk in 0..30u64 {
            let mut writes = Vec::new();
            for i in 0..100u64 {
                let id = chunk * 100 + i + 1;
                let mut keys: Vec<String> = (0..3).map(|_| rng.key()).collect();
                keys.sort();
                keys.dedup();
                writes.push(wit::Write::Put(wit::Put {
                    collection: "c".into(),
                    id,
                    body: "{}".into(),
                    entries: keys
                        .iter()
                        .map(|k| entry(("x".to_owned(), k.clone())))
                        .collect(),
                    expected_version: None,
                    exclusive: Vec::new(),
                }));
                docs.push((id, keys));
            }
            store.commit(&writes, &[]).expect(WORKS).expect("a put");
        }
        let removed: Vec<wit::Write> = docs
            .iter()
            .filter(|(id, _)| id % 3 == 0)
            .map(|(id, _)| {
                wit::Write::Remove(wit::Remove {
                    collection: "c".into(),
                    id: *id,
                    expected_version: Some(1),
                })
            })
            .collect();
        store
            .commit(&removed, &[])
            .expect(WORKS)
            .expect("the removals");
        for (id, keys) in docs.iter().filter(|(id, _)| id % 3 != 0) {
            all.extend(keys.iter().map(|k| (k.clone(), *id)));
        }
        all.sort();
        for probe in 0..80 {
            let (mut a, mut b) = (rng.key(), rng.key());
            if a > b {
                std::mem::swap(&mut a, &mut b);
            }
            let start = (rng.below(3) > 0).then_some(a);
            let end = (rng.below(3) > 0).then_some(b);
            let contains: Vec<String> = if probe % 5 == 0 {
                vec![rng.key()]
            } else {
                Vec::new()
            };
            let inside: Vec<&(String, u64)> = all
                .iter()
                .filter(|(k, _)| start.as_deref().is_none_or(|s| k.as_str() >= s))
                .filter(|(k, _)| end.as_deref().is_none_or(|e| k.as_str() < e))
                .collect();
            let n = store
                .count("c", "x", start.as_deref(), end.as_deref())
                .expect(WORKS);
            assert_eq!(
                n,
                inside.len() as u64,
                "{}: count {start:?}..{end:?}",
                backend.name
            );
            let mut want: Vec<(String, u64)> = inside
                .into_iter()
                .filter(|(k, _)| {
                    contains.is_empty() || contains.iter().any(|c| k.contains(c.as_str()))
                })
                .cloned()
                .collect();
            let reverse = rng.below(2) == 1;
            if reverse {
                want.reverse();
            }
            let offset = rng.below(want.len() as u64 + 20) as u32;
            let range = wit::Range {
                index: "x".into(),
                start: start.clone(),
                end: end.clone(),
                reverse,
                offset,
                limit: 9,
                contains: contains.clone(),
            };
            let got: Vec<(String, u64)> = store
                .scan("c", &range)
                .expect(WORKS)
                .into_iter()
                .map(|h| (h.key, h.id))
                .collect();
            let want: Vec<_> = want.into_iter().skip(offset as usize).take(9).collect();
            assert_eq!(got, want, "{}: scan {range:?}", backend.name);
        }
    }
}
