//! The embedders' benchmark: `cargo bench -p contacts-host --bench embedders`.
//!
//! A phone lookup through each binding that docs/embedding.md covers, over
//! the same kind of store (an in-memory map) and the same contacts: the Rust
//! host (wasmtime, this crate's runtime and warm pool), Node (jco, the
//! example in examples/node) and Python (wasmtime-py, examples/python). Each
//! creates `BENCH_CONTACTS` contacts (default 1000) through the component,
//! then times `BENCH_LOOKUPS` lookups (default 4000) in the forms a phone
//! system sends, through each of the two lookup exports, alternated:
//! `lookup-phone` (the contact's record and views) and `identify-caller`
//! (its id and display fields, no directory call). Node runs twice: with jco's default glue, and with
//! `--valid-lifting-optimization`. The examples' tools come from
//! `scripts/setup.sh`. The machine is noisy: read the ratios of one run.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use contacts_host::bindings::api;
use contacts_host::bindings::directory::{ClientAccount, Conversation, Owner, RecordKind};
use contacts_host::bindings::types::{Caller, Context, Dialect, OwnerRef};
use contacts_host::capabilities::directory::Directory;
use contacts_host::capabilities::store::MemoryDocumentStore;
use contacts_host::runtime::{self, Capabilities, Limits, Runtime};
use serde_json::Value;

const PURE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/contacts_guest_pure.wasm"));

/// A directory that knows nothing: the lookups below have no owners.
struct EmptyDirectory;

impl Directory for EmptyDirectory {
    fn owners(&self, _: &[OwnerRef]) -> Result<Vec<Owner>> {
        Ok(Vec::new())
    }
    fn client_account_of(&self, _: u64) -> Result<Option<ClientAccount>> {
        Ok(None)
    }
    fn sync_client_permissions(&self, _: u64, _: &[String]) -> Result<()> {
        Ok(())
    }
    fn existing(&self, _: RecordKind, _: &[u64]) -> Result<Vec<u64>> {
        Ok(Vec::new())
    }
    fn conversations(&self, _: u64) -> Result<Vec<Conversation>> {
        Ok(Vec::new())
    }
}

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The national number of contact `i`, as the Node and Python benches write it.
fn national(i: usize) -> String {
    (600_000_000 + i).to_string()
}

/// One lookup through one export: whether it found a contact.
type Lookup<'a> = dyn Fn(&str) -> bool + 'a;

/// One export's times in one binding (µs).
#[derive(Debug)]
struct Times {
    mean: f64,
    p50: f64,
    p99: f64,
}

/// A binding's times for `lookup-phone` and `identify-caller`.
#[derive(Debug)]
struct Figures {
    binding: String,
    lookup: Times,
    identify: Times,
}

fn rust_host(n: usize, lookups: usize) -> Figures {
    let engine = runtime::engine().expect("engine");
    let component = runtime::load_component(&engine, PURE, None).expect("compile");
    let caps = Capabilities {
        store: Arc::new(MemoryDocumentStore::new()),
        directory: Arc::new(EmptyDirectory),
        hooks: Arc::new(contacts_host::capabilities::hooks::NoHooks),
    };
    let settings = api::Settings {
        default_region: "FR".into(),
        free_mail_domains: None,
        custom_fields: vec![],
    };
    let rt = Runtime::new(engine, &component, caps, settings, Limits::default()).expect("runtime");
    let cx = Context {
        caller: Caller {
            agent_id: 1,
            first_name: "Bench".into(),
            last_name: "Agent".into(),
            scopes: vec![],
        },
        dialect: Dialect::Helperiq,
    };
    for i in 0..n {
        let patch = api::ContactPatch {
            first_name: Some(Some(format!("Ann{i}"))),
            last_name: Some(Some(format!("Lee{i}"))),
            email: Some(Some(format!("ann{i}@example{}.fr", i % 97))),
            mobile_phone: Some(Some(format!("0{}", national(i)))),
            ..api::ContactPatch::empty()
        };
        rt.call(|api, s| api.call_create(s, &cx, None, &patch))
            .expect("no trap")
            .expect("created");
    }
    let mut queries = Vec::new();
    let mut k = 0;
    while queries.len() < lookups {
        let i = (k * 7919) % n;
        let nat = national(i);
        queries.extend([
            format!("+33{nat}"),
            format!("0033{nat}"),
            format!("0{nat}"),
            nat,
        ]);
        k += 1;
    }
    // Both exports, alternated query by query so that the machine's pauses
    // fall on both alike.
    let lookup = |q: &str| -> bool {
        rt.call(|api, s| api.call_lookup_phone(s, &cx, q))
            .expect("no trap")
            .expect("a lookup")
            .is_some()
    };
    let identify = |q: &str| -> bool {
        rt.call(|api, s| api.call_identify_caller(s, &cx, q))
            .expect("no trap")
            .expect("a lookup")
            .is_some()
    };
    let exports: [(&str, &Lookup); 2] = [("lookup-phone", &lookup), ("identify-caller", &identify)];
    for q in queries.iter().take(400) {
        for (_, f) in &exports {
            f(q);
        }
    }
    let mut times = vec![Vec::with_capacity(queries.len()); exports.len()];
    for q in &queries {
        for ((name, f), times) in exports.iter().zip(&mut times) {
            let t0 = Instant::now();
            let found = f(q);
            times.push(t0.elapsed().as_secs_f64() * 1e6);
            assert!(found, "{name}: no match for {q}");
        }
    }
    let mut times = times.into_iter();
    Figures {
        binding: "rust host (wasmtime 48)".into(),
        lookup: summarize(times.next().expect("lookup-phone")),
        identify: summarize(times.next().expect("identify-caller")),
    }
}

fn summarize(mut times: Vec<f64>) -> Times {
    times.sort_by(f64::total_cmp);
    let at = |p: f64| times[((p * times.len() as f64) as usize).min(times.len() - 1)];
    Times {
        mean: times.iter().sum::<f64>() / times.len() as f64,
        p50: at(0.5),
        p99: at(0.99),
    }
}

fn run_json(binding: &str, program: &Path, args: &[&str]) -> Figures {
    let root = workspace();
    let out = Command::new(program)
        .args(args)
        .current_dir(&root)
        .output()
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh)", program.display()));
    assert!(
        out.status.success(),
        "{binding} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(line.trim())
        .unwrap_or_else(|e| panic!("{binding} printed {line:?}: {e}"));
    let times = |export: &str| Times {
        mean: v[export]["mean"].as_f64().expect("mean"),
        p50: v[export]["p50"].as_f64().expect("p50"),
        p99: v[export]["p99"].as_f64().expect("p99"),
    };
    Figures {
        binding: binding.into(),
        lookup: times("lookup-phone"),
        identify: times("identify-caller"),
    }
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

fn text(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

fn main() {
    let n = env_number("BENCH_CONTACTS", 1000);
    let lookups = env_number("BENCH_LOOKUPS", 4000);
    let tools = workspace().join("target/examples");
    let scratch = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-embedders");
    let _ = std::fs::remove_dir_all(&scratch);
    std::fs::create_dir_all(&scratch).expect("scratch");
    let wasm = scratch.join("contacts_guest_pure.wasm");
    std::fs::write(&wasm, PURE).expect("write the component");
    let jco = tools.join("node/node_modules/.bin/jco");
    let transpile = |out: &str, extra: &[&str]| -> PathBuf {
        let dir = scratch.join(out);
        let mut args = vec!["transpile", text(&wasm), "-o", text(&dir)];
        args.extend(["--name", "contacts", "--instantiation", "sync", "--quiet"]);
        args.extend(extra);
        let status = Command::new(&jco)
            .args(&args)
            .status()
            .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh)", jco.display()));
        assert!(status.success(), "jco transpile failed");
        std::fs::write(dir.join("package.json"), "{\"type\": \"module\"}\n").expect("write");
        dir
    };
    let plain = transpile("generated", &[]);
    let lifting = transpile("generated-valid-lifting", &["--valid-lifting-optimization"]);
    let (n_s, l_s) = (n.to_string(), lookups.to_string());
    let node = Path::new("node");
    let python = tools.join("python/bin/python");

    let rust = rust_host(n, lookups);
    let rows = vec![
        run_json(
            "node (jco 1.10)",
            node,
            &["examples/node/bench.mjs", text(&plain), &n_s, &l_s],
        ),
        run_json(
            "node (jco 1.10, --valid-lifting-optimization)",
            node,
            &["examples/node/bench.mjs", text(&lifting), &n_s, &l_s],
        ),
        run_json(
            "python (wasmtime-py 51)",
            &python,
            &["examples/python/bench.py", text(&wasm), &n_s, &l_s],
        ),
    ];
    println!(
        "Phone lookup, {n} contacts in an in-memory store, {lookups} lookups through each export (µs):\n"
    );
    println!(
        "| binding | lookup-phone p50 (p99) | ÷ Rust host | identify-caller p50 (p99) | ÷ Rust host | mean, lookup / identify |"
    );
    println!("|---|---|---|---|---|---|");
    for f in std::iter::once(&rust).chain(&rows) {
        println!(
            "| {} | {:.1} ({:.1}) | {:.2}× | {:.1} ({:.1}) | {:.2}× | {:.1} / {:.1} |",
            f.binding,
            f.lookup.p50,
            f.lookup.p99,
            f.lookup.p50 / rust.lookup.p50,
            f.identify.p50,
            f.identify.p99,
            f.identify.p50 / rust.identify.p50,
            f.lookup.mean,
            f.identify.mean,
        );
    }
    let _ = std::fs::remove_dir_all(&scratch);
}
