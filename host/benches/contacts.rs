//! The one-command benchmark: `cargo bench -p contacts-host --bench contacts`.
//!
//! It generates contacts deterministically and reports, from one run:
//! (a) caller-id lookup and contact creation through the component versus the
//!     same domain code compiled natively in this process, over the same
//!     SQLite store, at 1,000 and 100,000 contacts;
//! (b) `GET /api/v1/contacts/numbers` over loopback HTTP: p50, p99, requests/s;
//! (c) how long a restart of the built binary takes to serve.
//! Figures are ratios within the run; the machine is noisy. Set
//! `BENCH_CONTACTS` to change the large size (default 100000).

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
use contacts_host::bindings::{api, directory as wdir, store as wstore, types as wt};
use contacts_host::capabilities::directory::Directory;
use contacts_host::capabilities::store::DocumentStore;
use contacts_host::server::{self, Config};

/// A deterministic generator (SplitMix64): the same contacts on every run.
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

/// The mobile number of contact `i`: distinct for every i below 10^8.
fn mobile(i: u64) -> String {
    let n = 600_000_000 + i;
    format!("0{}", n)
}

fn patch(i: u64, rng: &mut Rng) -> ContactPatch {
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

fn wit_patch(p: &ContactPatch) -> api::ContactPatch {
    api::ContactPatch {
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        email: p.email.clone(),
        mobile_phone: p.mobile_phone.clone(),
        ..api::ContactPatch::empty()
    }
}

// ---- the host's SQLite capabilities as the native engine's ports ----

struct NativeStore(Arc<dyn DocumentStore>);
struct NativeDirectory(Arc<dyn Directory>);

fn doc(d: wstore::Document) -> ports::Document {
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
        let entry = |e: ports::IndexEntry| wstore::IndexEntry {
            index: e.index,
            key: e.key,
        };
        let writes: Vec<wstore::Write> = writes
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
            .collect();
        let events: Vec<wt::Event> = events
            .into_iter()
            .map(|e| wt::Event {
                kind: e.kind,
                contact_id: e.contact_id,
                body: e.body,
            })
            .collect();
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

struct Stats {
    mean: f64,
    p50: f64,
    p99: f64,
}

fn stats(mut micros: Vec<f64>) -> Stats {
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        mean: micros.iter().sum::<f64>() / micros.len() as f64,
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn time<T>(f: impl FnOnce() -> T) -> (T, f64) {
    let t = Instant::now();
    let v = f();
    (v, t.elapsed().as_secs_f64() * 1e6)
}

fn cx() -> Context {
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

fn wit_cx() -> wt::Context {
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

/// A store of `n` contacts (built natively: the same domain code writes the
/// same documents and index entries as the component would).
struct Fixture {
    path: PathBuf,
    store: NativeStore,
    directory: NativeDirectory,
    owner: OwnerRef,
    settings: Settings,
}

impl Fixture {
    fn new(dir: &Path, n: u64) -> Fixture {
        let path = dir.join(format!("bench-{n}.db"));
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        let backend =
            contacts_host::backends::open(&format!("sqlite:{}", path.display())).expect("db");
        let owner = backend
            .admin
            .create_owner(wt::OwnerKind::Customer, "ACME", Some("CL000001"))
            .expect("owner");
        let f = Fixture {
            path,
            store: NativeStore(backend.store.clone()),
            directory: NativeDirectory(backend.directory.clone()),
            owner: OwnerRef {
                kind: OwnerKind::Customer,
                id: owner.id,
            },
            settings: Settings::default(),
        };
        let started = Instant::now();
        let mut rng = Rng(42);
        for i in 0..n {
            f.native()
                .create(&cx(), Some(f.owner), patch(i, &mut rng))
                .expect("create");
            if i > 0 && i % 20_000 == 0 {
                eprintln!(
                    "  … {i} contacts ({:.0} s)",
                    started.elapsed().as_secs_f64()
                );
            }
        }
        // Measure a settled database, as a server sees it between bursts of
        // writes: the WAL folded into the file and the dirty pages on disk,
        // so the first measurements do not pay for this generation.
        // Written by this build's definitions, as a server would record.
        backend
            .meta
            .set(
                contacts_host::maintenance::INDEX_VERSION_KEY,
                &contacts_guest::index::VERSION.to_string(),
            )
            .expect("index version");
        rusqlite::Connection::open(&f.path)
            .and_then(|c| c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)"))
            .expect("checkpoint");
        let _ = Command::new("sync").status();
        f
    }

    fn native(&self) -> Engine<'_, NativeStore, NativeDirectory> {
        Engine::new(&self.settings, &self.store, &self.directory)
    }
}

/// Lookup queries in the forms a phone system sends, for contacts below `n`.
fn queries(n: u64, count: usize) -> Vec<String> {
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

struct LookupFigures {
    native: Stats,
    wasm: Stats,
}

/// Lookups over several stores, interleaved query by query and path by
/// path, so that every size and both paths see the same machine state (a
/// slow spell then moves every figure together, not one size's p99).
fn lookups(sizes: &[(&Fixture, &contacts_host::http::App, Vec<String>)]) -> Vec<LookupFigures> {
    let cx = cx();
    let wcx = wit_cx();
    let natives: Vec<_> = sizes.iter().map(|(f, _, _)| f.native()).collect();
    // Warm both paths (page cache, instance) before timing.
    for ((_, app, qs), native) in sizes.iter().zip(&natives) {
        for q in qs.iter().take(200) {
            native.lookup_phone(&cx, q).expect("lookup");
            app.runtime
                .call(|api, s| api.call_lookup_phone(s, &wcx, q))
                .expect("call")
                .expect("lookup");
        }
    }
    let rounds = sizes.iter().map(|(_, _, qs)| qs.len()).min().unwrap_or(0);
    let mut n = vec![Vec::with_capacity(rounds); sizes.len()];
    let mut w = vec![Vec::with_capacity(rounds); sizes.len()];
    for k in 0..rounds {
        for (i, ((_, app, qs), native)) in sizes.iter().zip(&natives).enumerate() {
            let q = &qs[k];
            let (r, t) = time(|| native.lookup_phone(&cx, q).expect("lookup"));
            assert!(r.is_some(), "native missed {q}");
            n[i].push(t);
            let (r, t) = time(|| {
                app.runtime
                    .call(|api, s| api.call_lookup_phone(s, &wcx, q))
                    .expect("call")
                    .expect("lookup")
            });
            assert!(r.is_some(), "wasm missed {q}");
            w[i].push(t);
        }
    }
    n.into_iter()
        .zip(w)
        .map(|(n, w)| LookupFigures {
            native: stats(n),
            wasm: stats(w),
        })
        .collect()
}

fn creates(f: &Fixture, app: &contacts_host::http::App, count: u64, first: u64) -> LookupFigures {
    let native = f.native();
    let cx = cx();
    let wcx = wit_cx();
    let owner = wt::OwnerRef {
        kind: wt::OwnerKind::Customer,
        id: f.owner.id,
    };
    let mut rng = Rng(99);
    let mut n = Vec::new();
    let mut w = Vec::new();
    for k in 0..count {
        let p = patch(first + 2 * k, &mut rng);
        let (_, t) = time(|| native.create(&cx, Some(f.owner), p).expect("create"));
        n.push(t);
        let p = wit_patch(&patch(first + 2 * k + 1, &mut rng));
        let (_, t) = time(|| {
            app.runtime
                .call(|api, s| api.call_create(s, &wcx, Some(owner), &p))
                .expect("call")
                .expect("create")
        });
        w.push(t);
    }
    LookupFigures {
        native: stats(n),
        wasm: stats(w),
    }
}

/// A RelateCRM `q` over every searchable field: the component, the same code
/// natively, and the store's filtered walk alone (what no engine can skip).
struct QueryFigures {
    native: Stats,
    wasm: Stats,
    walk: Stats,
}

fn queries_q(f: &Fixture, app: &contacts_host::http::App) -> QueryFigures {
    use contacts_guest::query::{QueryParams, parse_with_region};
    let native = f.native();
    let cx = cx();
    let wcx = wit_cx();
    let names: Vec<String> = LAST.iter().map(|l| l.to_lowercase()).collect();
    let (mut n, mut w, mut s) = (Vec::new(), Vec::new(), Vec::new());
    for (k, q) in names.iter().cycle().take(3 * names.len() + 2).enumerate() {
        let params = QueryParams {
            q: Some(q.clone()),
            ..QueryParams::default()
        };
        let request = api::QueryRequest {
            q: Some(q.clone()),
            search_fields: None,
            search_match: None,
            order: None,
            per_page: None,
            page: None,
            take: None,
            select: None,
        };
        let probes = parse_with_region(&params, "FR")
            .expect("q")
            .probes()
            .to_vec();
        let walk = || {
            let mut start: Option<String> = None;
            let mut hits = 0;
            loop {
                let range = wstore::Range {
                    index: contacts_guest::index::BY_QUERY_TEXT.into(),
                    start: start.take(),
                    end: None,
                    reverse: false,
                    offset: 0,
                    limit: 10_000,
                    contains: probes.clone(),
                };
                let got = f
                    .store
                    .0
                    .scan(contacts_guest::index::CONTACTS, &range)
                    .expect("scan");
                hits += got.len();
                match got.last() {
                    Some(last) if got.len() == 10_000 => start = Some(format!("{}\u{0}", last.key)),
                    _ => return hits,
                }
            }
        };
        let (a, tn) = time(|| native.query(&cx, &params).expect("query"));
        let (b, tw) = time(|| {
            app.runtime
                .call(|api, st| api.call_query(st, &wcx, &request))
                .expect("call")
                .expect("query")
        });
        let (_, ts) = time(walk);
        assert_eq!(a.total, b.total, "{q}");
        // The first round of names warms the page cache.
        if k >= 2 {
            n.push(tn);
            w.push(tw);
            s.push(ts);
        }
    }
    QueryFigures {
        native: stats(n),
        wasm: stats(w),
        walk: stats(s),
    }
}

fn app_for(f: &Fixture, cache: &Path) -> Arc<contacts_host::http::App> {
    server::build(&Config {
        db: format!("sqlite:{}", f.path.display()),
        cache_dir: Some(cache.to_owned()),
        ..Config::default()
    })
    .expect("server")
}

/// One keep-alive HTTP/1.1 connection; returns the status of each reply.
struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: &str) -> Conn {
        let stream = TcpStream::connect(addr).expect("connect");
        stream.set_nodelay(true).ok();
        let reader = BufReader::new(stream.try_clone().expect("clone"));
        Conn { stream, reader }
    }

    fn get(&mut self, target: &str, token: &str) -> u16 {
        self.get_as(target, token, "bluerocktel")
    }

    fn get_as(&mut self, target: &str, token: &str, dialect: &str) -> u16 {
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

fn http(f: &Fixture, cache: &Path, qs: &[String]) -> Http {
    let app = app_for(f, cache);
    let (_, token) = app
        .auth
        .create_agent(&contacts_host::auth::NewAgent {
            name: "Bench Agent",
            email: None,
            password: None,
            scopes: vec![],
            dialect: None,
        })
        .expect("token");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio");
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    rt.spawn(async move {
        let _ = axum::serve(listener, contacts_host::http::router(app)).await;
    });
    let targets: Vec<String> = qs
        .iter()
        .map(|q| {
            format!(
                "/api/v1/contacts/numbers?phone_number={}",
                q.replace('+', "%2B")
            )
        })
        .collect();
    // Latency: one client, sequential requests.
    let mut conn = Conn::open(&addr);
    for t in targets.iter().take(200) {
        assert_eq!(conn.get(t, &token), 200);
    }
    let mut lat = Vec::new();
    for t in &targets {
        let (status, us) = time(|| conn.get(t, &token));
        assert_eq!(status, 200, "{t}");
        lat.push(us);
    }
    // Throughput: four clients for a fixed count each.
    let started = Instant::now();
    let per_client = targets.len();
    std::thread::scope(|s| {
        for c in 0..4 {
            let addr = &addr;
            let token = &token;
            let targets = &targets;
            s.spawn(move || {
                let mut conn = Conn::open(addr);
                for k in 0..per_client {
                    let t = &targets[(k + c * 97) % targets.len()];
                    assert_eq!(conn.get(t, token), 200);
                }
            });
        }
    });
    let rps = (4 * per_client) as f64 / started.elapsed().as_secs_f64();
    // HelperIQ: ranked search and deep list pages, same connection.
    let mut rng = Rng(11);
    let searches: Vec<String> = (0..samples_of(&targets))
        .map(|k| {
            let q = match k % 4 {
                0 => rng.pick(LAST).to_lowercase(),
                1 => format!("{} {}", rng.pick(FIRST), &rng.pick(LAST)[..3]).to_lowercase(),
                2 => format!(
                    "{}.{}",
                    rng.pick(FIRST).to_lowercase().replace('é', "e"),
                    rng.pick(LAST).to_lowercase()
                ),
                _ => mobile(rng.next() % 1_000),
            };
            format!("/api/v1/contacts/search?q={}", q.replace(' ', "%20"))
        })
        .collect();
    let mut search_lat = Vec::new();
    for t in &searches {
        let (status, us) = time(|| conn.get_as(t, &token, "helperiq"));
        assert_eq!(status, 200, "{t}");
        search_lat.push(us);
    }
    let mut pages = Vec::new();
    for page in [1u64, 1_600] {
        let t = format!("/api/v1/contacts?page={page}&page_size=50");
        let mut lat = Vec::new();
        for _ in 0..200 {
            let (status, us) = time(|| conn.get_as(&t, &token, "helperiq"));
            assert_eq!(status, 200, "{t}");
            lat.push(us);
        }
        pages.push(stats(lat));
    }
    // RelateCRM: the default list, and a plain `q` over every searchable field.
    let mut crm_list = Vec::new();
    for _ in 0..200 {
        let (status, us) = time(|| conn.get_as("/api/contacts?per_page=15", &token, "relatecrm"));
        assert_eq!(status, 200);
        crm_list.push(us);
    }
    let mut crm_q = Vec::new();
    for k in 0..120 {
        let t = format!("/api/contacts?q={}", rng.pick(LAST).to_lowercase());
        let t = if k % 2 == 0 {
            t
        } else {
            format!("{t}&per_page=50&page=3")
        };
        let (status, us) = time(|| conn.get_as(&t, &token, "relatecrm"));
        assert_eq!(status, 200, "{t}");
        crm_q.push(us);
    }
    drop(rt);
    Http {
        numbers: stats(lat),
        rps,
        search: stats(search_lat),
        page_1: pages.remove(0),
        page_1600: pages.remove(0),
        crm_list: stats(crm_list),
        crm_q: stats(crm_q),
    }
}

fn samples_of<T>(v: &[T]) -> usize {
    v.len() / 2
}

struct Http {
    numbers: Stats,
    rps: f64,
    search: Stats,
    page_1: Stats,
    page_1600: Stats,
    crm_list: Stats,
    crm_q: Stats,
}

/// Time from spawning the built binary to its "listening" line, warm cache.
fn restart(f: &Fixture, cache: &Path) -> Option<Stats> {
    let bin = Path::new(env!("CARGO_BIN_EXE_contacts-host"));
    let db = format!("sqlite:{}", f.path.display());
    let mut times = Vec::new();
    for _ in 0..6 {
        let started = Instant::now();
        let mut child = Command::new(bin)
            .args(["serve", "--listen", "127.0.0.1:0", "--db", &db])
            .arg("--cache-dir")
            .arg(cache)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut line = String::new();
        BufReader::new(child.stdout.take()?)
            .read_line(&mut line)
            .ok()?;
        times.push(started.elapsed().as_secs_f64() * 1e3);
        let _ = child.kill();
        let _ = child.wait();
    }
    times.remove(0); // the first start fills the compiled-code cache
    Some(stats(times))
}

fn machine() -> String {
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

fn main() {
    // `cargo bench` passes `--bench`; nothing else is accepted.
    let large: u64 = std::env::var("BENCH_CONTACTS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let cache = dir.join("compiled-cache");
    let samples = 2_000;

    eprintln!("generating 1000 contacts…");
    let small = Fixture::new(&dir, 1_000);
    eprintln!("generating {large} contacts…");
    let big = Fixture::new(&dir, large);

    let small_app = app_for(&small, &cache);
    let big_app = app_for(&big, &cache);
    let mut sizes = lookups(&[
        (&small, &*small_app, queries(1_000, samples)),
        (&big, &*big_app, queries(large, samples)),
    ])
    .into_iter();
    let (small_l, big_l) = (sizes.next().expect("1,000"), sizes.next().expect("large"));
    let create = creates(&big, &big_app, 1_000, 10_000_000);
    let crm_q = queries_q(&big, &big_app);
    drop(small_app);
    drop(big_app);
    let web = http(&big, &cache, &queries(large, samples));
    let restart = restart(&big, &cache);

    let ratio = |w: &Stats, n: &Stats| w.mean / n.mean;
    println!("## Run of {}", contacts_host::clock::now_rfc3339());
    println!();
    println!(
        "Machine: {}. Contacts: 1,000 and {large}, one mobile each; {samples} lookups per size, in the forms +33…, 0033…, 06… and the last 9 digits.",
        machine()
    );
    println!();
    println!(
        "| measure | native (µs) mean / p50 / p99 | component (µs) mean / p50 / p99 | component ÷ native (mean) |"
    );
    println!("|---|---|---|---|");
    for (name, s) in [
        ("lookup, 1,000 contacts", &small_l),
        (&*format!("lookup, {large} contacts"), &big_l),
        (&*format!("create, at {large} contacts"), &create),
    ] {
        println!(
            "| {name} | {:.1} / {:.1} / {:.1} | {:.1} / {:.1} / {:.1} | {:.2}× |",
            s.native.mean,
            s.native.p50,
            s.native.p99,
            s.wasm.mean,
            s.wasm.p50,
            s.wasm.p99,
            ratio(&s.wasm, &s.native)
        );
    }
    let q = &crm_q;
    println!(
        "| RelateCRM `q=<last name>` at {large} contacts | {:.0} / {:.0} / {:.0} | {:.0} / {:.0} / {:.0} | {:.2}× |",
        q.native.mean,
        q.native.p50,
        q.native.p99,
        q.wasm.mean,
        q.wasm.p50,
        q.wasm.p99,
        ratio(&q.wasm, &q.native)
    );
    println!();
    println!(
        "Of a RelateCRM `q`, the store's filtered walk of the projections alone: p50 {:.1} ms, p99 {:.1} ms.",
        q.walk.p50 / 1e3,
        q.walk.p99 / 1e3
    );
    println!();
    println!(
        "Scale: component lookup p99 at {large} ÷ p99 at 1,000 = {:.2}× (native {:.2}×).",
        big_l.wasm.p99 / small_l.wasm.p99,
        big_l.native.p99 / small_l.native.p99
    );
    println!();
    println!(
        "HTTP `GET /api/v1/contacts/numbers` at {large} contacts, loopback: p50 {:.2} ms, p99 {:.2} ms (one keep-alive client); {:.0} requests/s (4 clients).",
        web.numbers.p50 / 1e3,
        web.numbers.p99 / 1e3,
        web.rps
    );
    println!();
    println!(
        "HTTP `GET /api/v1/contacts/search` (helperiq) at {large} contacts: p50 {:.2} ms, p99 {:.2} ms.",
        web.search.p50 / 1e3,
        web.search.p99 / 1e3
    );
    println!();
    println!(
        "HTTP `GET /api/v1/contacts?page_size=50` (helperiq): page 1 p50 {:.2} ms / p99 {:.2} ms; page 1,600 p50 {:.2} ms / p99 {:.2} ms; page 1,600 ÷ page 1 (p50) = {:.2}×.",
        web.page_1.p50 / 1e3,
        web.page_1.p99 / 1e3,
        web.page_1600.p50 / 1e3,
        web.page_1600.p99 / 1e3,
        web.page_1600.p50 / web.page_1.p50
    );
    println!();
    println!(
        "HTTP `GET /api/contacts?per_page=15` (relatecrm) at {large} contacts: p50 {:.2} ms, p99 {:.2} ms; `GET /api/contacts?q=<last name>` (every searchable field, a scan): p50 {:.1} ms, p99 {:.1} ms.",
        web.crm_list.p50 / 1e3,
        web.crm_list.p99 / 1e3,
        web.crm_q.p50 / 1e3,
        web.crm_q.p99 / 1e3
    );
    if let Some(r) = restart {
        println!();
        println!(
            "Restart of the built binary to its listening line (warm compiled-code cache): p50 {:.0} ms, max of 5 {:.0} ms.",
            r.p50, r.p99
        );
    }
}
