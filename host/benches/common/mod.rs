//! What the benchmarks share: the deterministic contact generator, the
//! stores it fills (generated once per size and cached under
//! `target/tmp/bench/`, keyed by generator, index version and store layout),
//! the host's SQLite capabilities as the native engine's ports, the built
//! binary served as an operator runs it, a loopback HTTP client, and
//! percentile figures. Included by `contacts.rs`, `load.rs` and `postgres.rs`
//! (`mod common;`), so all measure the same stores.
#![allow(dead_code)] // each bench uses its own part of it

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Instant;

use contacts_guest::model::{
    self as m, Caller, ContactPatch, Context, Dialect, OwnerKind, OwnerRef, Settings,
};
use contacts_guest::ports;
use contacts_guest::service::Engine;
use contacts_host::backends::{self, Backend};
use contacts_host::bindings::{directory as wdir, store as wstore, types as wt};
use contacts_host::capabilities::directory::Directory;
use contacts_host::capabilities::store::DocumentStore;
use contacts_host::server::{self, Config};

/// A deterministic generator (SplitMix64): the same contacts on every run.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[(self.next() % list.len() as u64) as usize]
    }
}

pub const FIRST: &[&str] = &[
    "Jean", "Marie", "Luc", "Anne", "Paul", "Julie", "Marc", "Sophie", "Louis", "Emma", "Hugo",
    "Léa",
];
pub const LAST: &[&str] = &[
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent",
];

/// The mobile number of contact `i`: distinct for every i below 10^8.
pub fn mobile(i: u64) -> String {
    let n = 600_000_000 + i;
    format!("0{}", n)
}

pub fn patch(i: u64, rng: &mut Rng) -> ContactPatch {
    let first = rng.pick(FIRST);
    let last = rng.pick(LAST);
    ContactPatch {
        first_name: Some(Some(first.to_owned())),
        last_name: Some(Some(last.to_owned())),
        email: Some(Some(format!(
            "{}.{}{i}@company{}.fr",
            first.to_lowercase().replace('é', "e"),
            last.to_lowercase(),
            i % 997
        ))),
        mobile_phone: Some(Some(mobile(i))),
        ..ContactPatch::default()
    }
}

// ---- the host's SQLite capabilities as the native engine's ports ----

pub struct NativeStore(pub Arc<dyn DocumentStore>);
pub struct NativeDirectory(pub Arc<dyn Directory>);

pub fn doc(d: wstore::Document) -> ports::Document {
    ports::Document {
        id: d.id,
        version: d.version,
        body: d.body,
    }
}

impl ports::Store for NativeStore {
    fn get(&self, c: &str, id: u64) -> Option<ports::Document> {
        self.0.get(c, id).expect("store").map(doc)
    }
    fn get_many(&self, c: &str, ids: &[u64]) -> Vec<ports::Document> {
        self.0
            .get_many(c, ids)
            .expect("store")
            .into_iter()
            .map(doc)
            .collect()
    }
    fn find(&self, c: &str, index: &str, key: &str) -> Vec<u64> {
        self.0.find(c, index, key).expect("store")
    }
    fn scan(&self, c: &str, r: &ports::Range) -> Vec<ports::Hit> {
        let r = wstore::Range {
            index: r.index.clone(),
            start: r.start.clone(),
            end: r.end.clone(),
            reverse: r.reverse,
            offset: r.offset,
            limit: r.limit,
            contains: r.contains.clone(),
        };
        self.0
            .scan(c, &r)
            .expect("store")
            .into_iter()
            .map(|h| ports::Hit {
                key: h.key,
                id: h.id,
            })
            .collect()
    }
    fn count(&self, c: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64 {
        self.0.count(c, index, start, end).expect("store")
    }
    fn ids(&self, c: &str, after: Option<u64>, limit: u32) -> Vec<u64> {
        self.0.ids(c, after, limit).expect("store")
    }
    fn allocate_id(&self, c: &str) -> u64 {
        self.0.allocate_id(c).expect("store")
    }
    fn commit(
        &self,
        writes: Vec<ports::Write>,
        events: Vec<ports::Event>,
    ) -> Result<(), ports::CommitError> {
        let (writes, events) = (wit_writes(writes), wit_events(events));
        match self.0.commit(&writes, &events).expect("store") {
            Ok(()) => Ok(()),
            Err(wstore::CommitError::Stale(s)) => Err(ports::CommitError::Stale(s)),
            Err(wstore::CommitError::Taken(e)) => {
                Err(ports::CommitError::Taken(ports::IndexEntry {
                    index: e.index,
                    key: e.key,
                }))
            }
            Err(wstore::CommitError::Unavailable(s)) => Err(ports::CommitError::Unavailable(s)),
        }
    }
    fn now(&self) -> String {
        contacts_host::clock::now_rfc3339()
    }
}

pub fn wit_writes(writes: Vec<ports::Write>) -> Vec<wstore::Write> {
    let entry = |e: ports::IndexEntry| wstore::IndexEntry {
        index: e.index,
        key: e.key,
    };
    writes
        .into_iter()
        .map(|w| match w {
            ports::Write::Put(p) => wstore::Write::Put(wstore::Put {
                collection: p.collection,
                id: p.id,
                body: p.body,
                entries: p.entries.into_iter().map(entry).collect(),
                expected_version: p.expected_version,
                exclusive: p.exclusive.into_iter().map(entry).collect(),
            }),
            ports::Write::Remove {
                collection,
                id,
                expected_version,
            } => wstore::Write::Remove(wstore::Remove {
                collection,
                id,
                expected_version,
            }),
        })
        .collect()
}

pub fn wit_events(events: Vec<ports::Event>) -> Vec<wt::Event> {
    events
        .into_iter()
        .map(|e| wt::Event {
            kind: e.kind,
            contact_id: e.contact_id,
            body: e.body,
        })
        .collect()
}

/// The store while contacts are generated: reads go through, and the
/// commits of many creates are written as one (the generated contacts are
/// distinct, so no create needs to see the one before it). The documents and
/// entries are those the engine computed for each create.
pub struct Generating {
    store: NativeStore,
    pending: std::cell::RefCell<(Vec<wstore::Write>, Vec<wt::Event>)>,
}

/// Creates per commit while generating.
pub const GENERATION_BATCH: usize = 500;

impl Generating {
    pub fn flush(&self) {
        let (mut writes, events) = std::mem::take(&mut *self.pending.borrow_mut());
        let words = contacts_guest::query::words::WORDS;
        let is_word =
            |w: &wstore::Write| matches!(w, wstore::Write::Put(p) if p.collection == words);
        while !writes.is_empty() {
            // Another worker may have stored some of the batch's dictionary
            // words since its creates looked: theirs stand.
            let ids: Vec<u64> = writes
                .iter()
                .filter_map(|w| match w {
                    wstore::Write::Put(p) if is_word(w) => Some(p.id),
                    _ => None,
                })
                .collect();
            if !ids.is_empty() {
                let stored: std::collections::HashSet<u64> = self
                    .store
                    .0
                    .get_many(words, &ids)
                    .expect("store")
                    .into_iter()
                    .map(|d| d.id)
                    .collect();
                writes.retain(|w| match w {
                    wstore::Write::Put(p) if is_word(w) => !stored.contains(&p.id),
                    _ => true,
                });
            }
            match self.store.0.commit(&writes, &events).expect("store") {
                Ok(()) => return,
                Err(wstore::CommitError::Stale(m)) if m.starts_with(&format!("{words}/")) => {}
                Err(e) => panic!("a generated batch commits: {e:?}"),
            }
        }
    }
}

impl ports::Store for Generating {
    fn get(&self, c: &str, id: u64) -> Option<ports::Document> {
        self.store.get(c, id)
    }
    fn get_many(&self, c: &str, ids: &[u64]) -> Vec<ports::Document> {
        self.store.get_many(c, ids)
    }
    fn find(&self, c: &str, index: &str, key: &str) -> Vec<u64> {
        self.store.find(c, index, key)
    }
    fn scan(&self, c: &str, r: &ports::Range) -> Vec<ports::Hit> {
        self.store.scan(c, r)
    }
    fn count(&self, c: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64 {
        self.store.count(c, index, start, end)
    }
    fn ids(&self, c: &str, after: Option<u64>, limit: u32) -> Vec<u64> {
        self.store.ids(c, after, limit)
    }
    fn allocate_id(&self, c: &str) -> u64 {
        self.store.allocate_id(c)
    }
    fn commit(
        &self,
        writes: Vec<ports::Write>,
        events: Vec<ports::Event>,
    ) -> Result<(), ports::CommitError> {
        let full = {
            let mut pending = self.pending.borrow_mut();
            for w in wit_writes(writes) {
                // Creates of one batch do not see each other's dictionary
                // words (`query::words`): the first put of a word stands.
                let repeated = match &w {
                    wstore::Write::Put(p) if p.collection == contacts_guest::query::words::WORDS => {
                        pending.0.iter().any(|o| {
                            matches!(o, wstore::Write::Put(q) if q.collection == p.collection && q.id == p.id)
                        })
                    }
                    _ => false,
                };
                if !repeated {
                    pending.0.push(w);
                }
            }
            pending.1.extend(wit_events(events));
            pending.0.len() >= GENERATION_BATCH
        };
        if full {
            self.flush();
        }
        Ok(())
    }
    fn now(&self) -> String {
        self.store.now()
    }
}

impl ports::Directory for NativeDirectory {
    fn owners(&self, refs: &[OwnerRef]) -> Vec<m::Owner> {
        let refs: Vec<wt::OwnerRef> = refs
            .iter()
            .map(|r| wt::OwnerRef {
                kind: match r.kind {
                    OwnerKind::Customer => wt::OwnerKind::Customer,
                    OwnerKind::Prospect => wt::OwnerKind::Prospect,
                },
                id: r.id,
            })
            .collect();
        self.0
            .owners(&refs)
            .expect("directory")
            .into_iter()
            .map(|o| m::Owner {
                owner: OwnerRef {
                    kind: match o.kind {
                        wt::OwnerKind::Customer => OwnerKind::Customer,
                        wt::OwnerKind::Prospect => OwnerKind::Prospect,
                    },
                    id: o.id,
                },
                name: o.name,
                account: o.account,
            })
            .collect()
    }
    fn client_account_of(&self, contact: u64) -> Option<ports::ClientAccount> {
        self.0
            .client_account_of(contact)
            .expect("directory")
            .map(|c| ports::ClientAccount {
                id: c.id,
                contact_id: c.contact_id,
                permissions: c.permissions,
            })
    }
    fn sync_client_permissions(&self, contact: u64, permissions: &[String]) {
        self.0
            .sync_client_permissions(contact, permissions)
            .expect("directory")
    }
    fn existing(&self, kind: ports::RecordKind, ids: &[u64]) -> Vec<u64> {
        let kind = match kind {
            ports::RecordKind::Company => wdir::RecordKind::Company,
            ports::RecordKind::Deal => wdir::RecordKind::Deal,
            ports::RecordKind::Activity => wdir::RecordKind::Activity,
        };
        self.0.existing(kind, ids).expect("directory")
    }
    fn conversations(&self, contact: u64) -> Vec<ports::Conversation> {
        let _ = self.0.conversations(contact).expect("directory");
        Vec::new()
    }
}

// ---- measurement ----

pub struct Stats {
    pub mean: f64,
    pub p50: f64,
    pub p99: f64,
}

pub fn stats(mut micros: Vec<f64>) -> Stats {
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        mean: micros.iter().sum::<f64>() / micros.len() as f64,
        p50: at(0.50),
        p99: at(0.99),
    }
}

pub fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed().as_secs_f64() * 1e6)
}

pub fn cx() -> Context {
    Context {
        caller: Caller {
            agent_id: 1,
            first_name: "Bench".into(),
            last_name: "Agent".into(),
            scopes: vec![],
        },
        dialect: Dialect::BlueRockTel,
    }
}

pub fn wit_cx() -> wt::Context {
    wt::Context {
        caller: wt::Caller {
            agent_id: 1,
            first_name: "Bench".into(),
            last_name: "Agent".into(),
            scopes: vec![],
        },
        dialect: wt::Dialect::Bluerocktel,
    }
}

/// Bump when the generated contacts change (`generated`, `patch`, `FIRST`,
/// `LAST`): cached stores are then generated again.
pub const GENERATOR: u32 = 2;
/// Bump with any change to how the SQLite store writes what it is given
/// (tables, encodings): cached stores are then generated again. 2: entry
/// lists LZ4-compressed.
pub const STORE_LAYOUT: u32 = 2;

/// A store of `n` contacts (built natively: the same domain code writes the
/// same documents and index entries as the component would). The store is
/// generated once per generator and index version and kept under the target
/// directory; each run works on a copy of it.
pub struct Fixture {
    pub contacts: u64,
    pub path: PathBuf,
    /// The generated store, as generated.
    pub cached: PathBuf,
    pub backend: Backend,
    pub store: NativeStore,
    pub directory: NativeDirectory,
    pub owner: OwnerRef,
    pub settings: Settings,
}

pub fn remove_db(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The generated contact `i`: the same on every run, whichever worker makes it.
pub fn generated(i: u64) -> ContactPatch {
    patch(i, &mut Rng(42 ^ i.wrapping_mul(0x2545_F491_4F6C_DD1D)))
}

/// Workers that generate contacts side by side (their commits take turns).
pub const GENERATION_WORKERS: u64 = 2;

/// Generates `n` contacts into a new store at `path`; returns the contacts/s.
pub fn generate(path: &Path, n: u64) -> f64 {
    remove_db(path);
    let backend = backends::open(&format!("sqlite:{}", path.display())).expect("db");
    let sqlite_store = backend.store.clone();
    let sqlite_directory = backend.directory.clone();
    let owner = backend
        .admin
        .create_owner(wt::OwnerKind::Customer, "ACME", Some("CL000001"))
        .expect("owner");
    let owner = OwnerRef {
        kind: OwnerKind::Customer,
        id: owner.id,
    };
    let settings = Settings::default();
    let started = Instant::now();
    std::thread::scope(|scope| {
        for worker in 0..GENERATION_WORKERS {
            let (sqlite_store, sqlite_directory, settings) =
                (sqlite_store.clone(), sqlite_directory.clone(), &settings);
            scope.spawn(move || {
                let store = Generating {
                    store: NativeStore(sqlite_store),
                    pending: Default::default(),
                };
                let directory = NativeDirectory(sqlite_directory);
                let engine = Engine::new(settings, &store, &directory);
                for i in (worker..n).step_by(GENERATION_WORKERS as usize) {
                    engine
                        .create(&cx(), Some(owner), generated(i))
                        .expect("create");
                    if worker == 0 && i > 0 && i % 50_000 == 0 {
                        eprintln!(
                            "  … {i} contacts ({:.0} s)",
                            started.elapsed().as_secs_f64()
                        );
                    }
                }
                store.flush();
            });
        }
    });
    let rate = n as f64 / started.elapsed().as_secs_f64();
    // Written by this build's definitions, as a server would record; then
    // the WAL folded into the file.
    backend
        .meta
        .set(
            contacts_host::maintenance::INDEX_VERSION_KEY,
            &contacts_guest::index::VERSION.to_string(),
        )
        .expect("index version");
    drop(backend);
    rusqlite::Connection::open(path)
        .and_then(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"))
        .expect("checkpoint");
    rate
}

impl Fixture {
    pub fn new(dir: &Path, n: u64) -> Fixture {
        let name = format!(
            "contacts-{n}-gen{GENERATOR}-index{}-store{STORE_LAYOUT}.db",
            contacts_guest::index::VERSION
        );
        let cached = dir.join(&name);
        if !cached.exists() {
            // Stores of other versions are stale: make room first.
            if let Ok(entries) = std::fs::read_dir(dir) {
                for e in entries.flatten() {
                    let other = e.file_name().to_string_lossy().into_owned();
                    if other.starts_with(&format!("contacts-{n}-")) && other.ends_with(".db") {
                        remove_db(&e.path());
                    }
                }
            }
            eprintln!("generating {n} contacts into {}…", cached.display());
            let partial = dir.join(format!("{name}.partial"));
            let rate = generate(&partial, n);
            eprintln!("  generated at {rate:.0} contacts/s");
            std::fs::rename(&partial, &cached).expect("keep the generated store");
            remove_db(&partial);
        }
        let path = dir.join(format!("bench-{n}.db"));
        remove_db(&path);
        std::fs::copy(&cached, &path).expect("copy the generated store");
        let backend = backends::open(&format!("sqlite:{}", path.display())).expect("db");
        let owner_id: i64 = rusqlite::Connection::open(&path)
            .and_then(|c| c.query_row("SELECT min(id) FROM owners", [], |r| r.get(0)))
            .expect("owner");
        let f = Fixture {
            contacts: n,
            path,
            cached,
            store: NativeStore(backend.store.clone()),
            directory: NativeDirectory(backend.directory.clone()),
            backend,
            owner: OwnerRef {
                kind: OwnerKind::Customer,
                id: owner_id as u64,
            },
            settings: Settings::default(),
        };
        let _ = Command::new("sync").status();
        f
    }

    /// The database and WAL sizes now, in bytes.
    pub fn sizes(&self) -> (u64, u64) {
        let sizes = self.backend.health.sizes();
        let size = |part| {
            sizes
                .iter()
                .find(|(p, _)| *p == part)
                .map_or(0, |(_, n)| *n)
        };
        (size("database"), size("wal"))
    }

    pub fn native(&self) -> Engine<'_, NativeStore, NativeDirectory> {
        Engine::new(&self.settings, &self.store, &self.directory)
    }
}

pub fn app_for(f: &Fixture, cache: &Path) -> Arc<contacts_host::http::App> {
    server::build(&Config {
        db: format!("sqlite:{}", f.path.display()),
        cache_dir: Some(cache.to_owned()),
        ..Config::default()
    })
    .expect("server")
}

/// A token for a new agent with every scope, made before the server starts.
pub fn agent_token(f: &Fixture, cache: &Path, name: &str) -> String {
    let app = app_for(f, cache);
    let (_, token) = app
        .auth
        .create_agent(&contacts_host::auth::NewAgent {
            name,
            email: None,
            password: None,
            scopes: vec![],
            dialect: None,
        })
        .expect("token");
    token
}

/// The built binary serving a store, as an operator runs it.
pub struct Served {
    pub child: std::process::Child,
    pub addr: String,
}

impl Served {
    pub fn start(f: &Fixture, cache: &Path) -> Served {
        Served::serve(&format!("sqlite:{}", f.path.display()), cache)
    }

    /// The built binary serving the database of `url`.
    pub fn serve(url: &str, cache: &Path) -> Served {
        let bin = Path::new(env!("CARGO_BIN_EXE_contacts-host"));
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--db", url])
            .arg("--cache-dir")
            .arg(cache)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("listening line");
        let addr = line
            .trim()
            .rsplit("http://")
            .next()
            .expect("address")
            .to_owned();
        Served { child, addr }
    }

    /// Resident memory now, at its peak, and the part of it that is the
    /// process's own (not pages of the memory-mapped database file), in MiB
    /// (`/proc`, Linux only).
    pub fn memory(&self) -> Option<(f64, f64, f64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let field = |name: &str| -> Option<f64> {
            let line = status.lines().find(|l| l.starts_with(name))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib / 1024.0)
        };
        Some((field("VmRSS:")?, field("VmHWM:")?, field("RssAnon:")?))
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---- HTTP over loopback ----

/// Lookup queries in the forms a phone system sends, for contacts below `n`.
pub fn queries(n: u64, count: usize) -> Vec<String> {
    let mut rng = Rng(7);
    (0..count)
        .map(|k| {
            let i = rng.next() % n;
            let national = mobile(i);
            match k % 4 {
                0 => format!("+33{}", &national[1..]),
                1 => format!("0033{}", &national[1..]),
                2 => national,
                _ => national[national.len() - 9..].to_owned(),
            }
        })
        .collect()
}

/// The caller-id lookup of `q` (one of [`queries`]) as a request target.
pub fn numbers_target(q: &str) -> String {
    format!(
        "/api/v1/contacts/numbers?phone_number={}",
        q.replace('+', "%2B")
    )
}

/// One keep-alive HTTP/1.1 connection; returns the status of each reply.
pub struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    pub fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).ok();
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Conn { stream, reader }
    }

    pub fn get(&mut self, target: &str, token: &str) -> u16 {
        self.get_as(target, token, "bluerocktel")
    }

    pub fn get_as(&mut self, target: &str, token: &str, dialect: &str) -> u16 {
        write!(
            self.stream,
            "GET {target} HTTP/1.1\r\nHost: bench\r\nAuthorization: Bearer {token}\r\nX-Contacts-Dialect: {dialect}\r\n\r\n"
        )
        .expect("write");
        let mut line = String::new();
        self.reader.read_line(&mut line).expect("status");
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("header");
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).expect("body");
        status
    }
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!(
        "{cpu}, {cores} cores, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}
