//! The import rate: a seeded CSV of N contacts (generated once under
//! `target/bench-import/`, reused), imported into a fresh SQLite database by
//! the same code as `contacts-host import`, every row validated and
//! normalized by the component. It reports rows per second and where a row's
//! time goes: the store's calls (commit, lookups, id allocation) and the rest
//! of the component's calls (its rules, the hooks and the calls across the
//! boundary), per row and summed over the workers, whose calls overlap (one
//! batch is checked while the previous one commits); the file is read on a
//! thread of its own. `IMPORT_WORKERS=1` checks one batch after the other.
//!
//! ```sh
//! cargo bench -p contacts-host --bench import                          # 100,000 rows, batches of 10,000 (the default)
//! IMPORT_SIZES=100000,1000000 IMPORT_BATCHES=250,1000,5000 IMPORT_WORKERS=2 cargo bench -p contacts-host --bench import
//! ```

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use anyhow::Result;
use contacts_host::bindings::api;
use contacts_host::bindings::store::{CommitError, Document, Hit, Range, Write as StoreWrite};
use contacts_host::bindings::types::Event;
use contacts_host::capabilities::hooks::NoHooks;
use contacts_host::capabilities::store::DocumentStore;
use contacts_host::runtime::{self, Capabilities, Limits, Runtime};
use contacts_host::transfer::store::ImportStore;
use contacts_host::transfer::{self, ImportOptions, OnDuplicate};

/// A deterministic generator (SplitMix64): the same file on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

const FIRST: &[&str] = &[
    "Jean", "Marie", "Luc", "Anne", "Paul", "Julie", "Marc", "Sophie", "Louis", "Emma", "Hugo",
    "Léa",
];
const LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent",
];
const CITIES: &[&str] = &["Paris", "Lyon", "Marseille", "Lille", "Nantes", "Rennes"];

/// A CSV as a CRM exports it: names, an email, a mobile written the French
/// way, a job title and a city; every contact distinct.
fn generate(path: &Path, n: u64) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut out = BufWriter::new(std::fs::File::create(&tmp)?);
    writeln!(
        out,
        "First Name,Last Name,E-mail Address,Mobile Phone,Job Title,City"
    )?;
    let mut rng = Rng(42);
    for i in 0..n {
        let first = rng.pick(FIRST);
        let last = rng.pick(LAST);
        let n = 600_000_000 + i;
        writeln!(
            out,
            "{first},{last},{}.{}{i}@company{}.fr,0{} {:02} {:02} {:02} {:02},Buyer,{}",
            first.to_lowercase().replace('é', "e"),
            last.to_lowercase(),
            i % 997,
            n / 100_000_000,
            n / 1_000_000 % 100,
            n / 10_000 % 100,
            n / 100 % 100,
            n % 100,
            rng.pick(CITIES),
        )?;
    }
    out.flush()?;
    drop(out);
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// Time spent in each store call, summed over the run.
#[derive(Default)]
struct Clock {
    commit: AtomicU64,
    find: AtomicU64,
    allocate: AtomicU64,
    other: AtomicU64,
}

struct TimedStore {
    inner: Arc<dyn DocumentStore>,
    clock: Arc<Clock>,
}

impl TimedStore {
    fn timed<T>(&self, slot: &AtomicU64, f: impl FnOnce() -> T) -> T {
        let t = Instant::now();
        let out = f();
        slot.fetch_add(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
        out
    }
}

impl DocumentStore for TimedStore {
    fn get(&self, c: &str, id: u64) -> Result<Option<Document>> {
        self.timed(&self.clock.other, || self.inner.get(c, id))
    }
    fn get_many(&self, c: &str, ids: &[u64]) -> Result<Vec<Document>> {
        self.timed(&self.clock.other, || self.inner.get_many(c, ids))
    }
    fn find(&self, c: &str, index: &str, key: &str) -> Result<Vec<u64>> {
        self.timed(&self.clock.find, || self.inner.find(c, index, key))
    }
    fn scan(&self, c: &str, range: &Range) -> Result<Vec<Hit>> {
        self.timed(&self.clock.other, || self.inner.scan(c, range))
    }
    fn count(&self, c: &str, index: &str, start: Option<&str>, end: Option<&str>) -> Result<u64> {
        self.timed(&self.clock.other, || self.inner.count(c, index, start, end))
    }
    fn allocate_id(&self, c: &str) -> Result<u64> {
        self.timed(&self.clock.allocate, || self.inner.allocate_id(c))
    }
    fn allocate_ids(&self, c: &str, n: u64) -> Result<Vec<u64>> {
        self.timed(&self.clock.allocate, || self.inner.allocate_ids(c, n))
    }
    fn ids(&self, c: &str, after: Option<u64>, limit: u32) -> Result<Vec<u64>> {
        self.timed(&self.clock.other, || self.inner.ids(c, after, limit))
    }
    fn commit(
        &self,
        writes: &[StoreWrite],
        events: &[Event],
    ) -> Result<std::result::Result<(), CommitError>> {
        self.timed(&self.clock.commit, || self.inner.commit(writes, events))
    }
}

fn file_mib(path: &Path) -> f64 {
    std::fs::metadata(path).map_or(0.0, |m| m.len() as f64 / 1048576.0)
}

fn run(csv: &Path, dir: &Path, n: u64, batch: usize, workers: usize, cache: &Path) -> Result<()> {
    let db_path = dir.join(format!("import-{n}-{batch}.db"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    let backend = contacts_host::backends::open(&format!("sqlite:{}", db_path.display()))?;
    let clock = Arc::new(Clock::default());
    let engine = runtime::engine()?;
    let wasm = runtime::component_bytes(None)?;
    let component = runtime::load_component(&engine, &wasm, Some(cache))?;
    let caps = Capabilities {
        // As `contacts-host import` runs it: ids from reserved blocks,
        // commits in turn (the time a commit waits its turn is not counted).
        store: Arc::new(ImportStore::new(Arc::new(TimedStore {
            inner: backend.store.clone(),
            clock: clock.clone(),
        }))),
        directory: backend.directory.clone(),
        hooks: Arc::new(NoHooks),
    };
    let settings = api::Settings {
        default_region: "FR".to_owned(),
        free_mail_domains: None,
        custom_fields: Vec::new(),
    };
    let rt = Runtime::new(engine, &component, caps, settings, Limits::default())?;
    let started = Instant::now();
    let summary = transfer::import(
        &rt,
        &ImportOptions {
            file: csv.to_owned(),
            format: None,
            on_duplicate: OnDuplicate::Skip,
            maps: Vec::new(),
            rejects: Some(dir.join("rejects.csv")),
            batch,
            owner: None,
            workers,
        },
    )?;
    let secs = started.elapsed().as_secs_f64();
    assert_eq!(summary.created, n, "every generated row is a new contact");
    let s = |a: &AtomicU64| a.load(Ordering::Relaxed) as f64 / 1e9;
    let store = s(&clock.commit) + s(&clock.find) + s(&clock.allocate) + s(&clock.other);
    // Per row, summed over the workers: their calls overlap.
    let us = |secs: f64| secs * 1e6 / n as f64;
    println!(
        "| {n} | {batch} | {workers} | {secs:.1} | {:.0} | {:.0} | {:.0} | {:.1} | {:.0} | {:.0} | {:.1} | {:.1} |",
        n as f64 / secs,
        us(s(&clock.commit)),
        us(s(&clock.find)),
        us(s(&clock.allocate)),
        us(s(&clock.other)),
        us(summary.component.as_secs_f64() - store),
        file_mib(&db_path),
        file_mib(Path::new(&format!("{}-wal", db_path.display()))),
    );
    drop(rt);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db_path.display()));
    }
    Ok(())
}

fn list(var: &str, default: &str) -> Vec<u64> {
    std::env::var(var)
        .unwrap_or_else(|_| default.to_owned())
        .split(',')
        .filter_map(|s| s.trim().replace('_', "").parse().ok())
        .collect()
}

fn main() -> Result<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(()); // `cargo test --benches` asks for a list of tests
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-import");
    std::fs::create_dir_all(&dir)?;
    let cache = dir.join("compiled-cache");
    println!(
        "| contacts | batch | workers | seconds | contacts/s | commit µs/row | find µs/row | allocate µs/row | other store µs/row | component µs/row | database MiB | WAL MiB |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    let default_batch = contacts_host::transfer::DEFAULT_BATCH.to_string();
    for n in list("IMPORT_SIZES", "100000") {
        let csv = dir.join(format!("contacts-{n}.csv"));
        if !csv.exists() {
            eprintln!("generating {}", csv.display());
            generate(&csv, n)?;
        }
        for batch in list("IMPORT_BATCHES", &default_batch) {
            for workers in list("IMPORT_WORKERS", "1,2") {
                run(&csv, &dir, n, batch as usize, workers as usize, &cache)?;
            }
        }
    }
    Ok(())
}
