//! The store conformance cases (`examples/conformance/store-cases.json`) run
//! against the reference backends: the server's SQLite store and the
//! component's in-memory map (`MemoryDocumentStore`). Embedders run the same file against their own
//! stores (the examples' runners do, in `tests/embedders.rs`), so these cases
//! must hold for the backends the project itself ships.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

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
