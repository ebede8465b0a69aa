//! The one-command benchmark: `cargo bench -p contacts-host --bench contacts`.
//!
//! It generates contacts deterministically and reports, from one run:
//! (a) caller-id lookup and contact creation through the component versus the
//!     same domain code compiled natively in this process, over the same
//!     SQLite store, at 1,000 and 100,000 contacts;
//! (b) `GET /api/v1/contacts/numbers` over loopback HTTP: p50, p99, requests/s;
//! (c) how long a restart of the built binary takes to serve;
//! (d) where the store's bytes go (SQLite's `dbstat`), against the same
//!     contacts in a plain table, and the served binary's resident memory.
//! Figures are ratios within the run; the machine is noisy. Set
//! `BENCH_CONTACTS` to change the large size (default 100000; 1000000 is the
//! size of issue 15). Each size's store is generated once and kept under
//! `target/tmp/bench/` until the generator or the index version changes.

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use common::*;
use contacts_guest::model::ContactPatch;
use contacts_host::bindings::{api, types as wt};

fn wit_patch(p: &ContactPatch) -> api::ContactPatch {
    api::ContactPatch {
        first_name: p.first_name.clone(),
        last_name: p.last_name.clone(),
        email: p.email.clone(),
        mobile_phone: p.mobile_phone.clone(),
        ..api::ContactPatch::empty()
    }
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

/// A RelateCRM `q` over every searchable field: the component and the same
/// code natively.
struct QueryFigures {
    native: Stats,
    wasm: Stats,
}

fn queries_q(f: &Fixture, app: &contacts_host::http::App) -> QueryFigures {
    use contacts_guest::query::QueryParams;
    let native = f.native();
    let cx = cx();
    let wcx = wit_cx();
    let names: Vec<String> = LAST.iter().map(|l| l.to_lowercase()).collect();
    let (mut n, mut w) = (Vec::new(), Vec::new());
    let rounds = 3;
    for (k, q) in names
        .iter()
        .cycle()
        .take(rounds * names.len() + 2)
        .enumerate()
    {
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
        let (a, tn) = time(|| native.query(&cx, &params).expect("query"));
        let (b, tw) = time(|| {
            app.runtime
                .call(|api, st| api.call_query(st, &wcx, &request))
                .expect("call")
                .expect("query")
        });
        assert_eq!(a.total, b.total, "{q}");
        // The first round of names warms the page cache.
        if k >= 2 {
            n.push(tn);
            w.push(tw);
        }
    }
    QueryFigures {
        native: stats(n),
        wasm: stats(w),
    }
}

fn http(f: &Fixture, cache: &Path, qs: &[String], contacts: u64) -> Http {
    let token = agent_token(f, cache, "Bench Agent");
    let server = Served::start(f, cache);
    let addr = server.addr.clone();
    let targets: Vec<String> = qs.iter().map(|q| numbers_target(q)).collect();
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
    let mut search_kinds: [Vec<f64>; 4] = Default::default();
    for (k, t) in searches.iter().enumerate() {
        let (status, us) = time(|| conn.get_as(t, &token, "helperiq"));
        assert_eq!(status, 200, "{t}");
        search_lat.push(us);
        search_kinds[k % 4].push(us);
    }
    // The last page of 50.
    let deep = (contacts / 50).max(2);
    let mut pages = Vec::new();
    for page in [1u64, deep] {
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
    let crm_samples = if contacts > 100_000 { 40 } else { 120 };
    for k in 0..crm_samples {
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
    // Other kinds of `q`: inside a word, phone digits, two words.
    let mut crm_kinds: [Vec<f64>; 3] = Default::default();
    for k in 0..crm_samples {
        let q = match k % 3 {
            0 => rng.pick(LAST)[1..5].to_lowercase(),
            1 => mobile(rng.next() % contacts)[3..9].to_owned(),
            _ => format!("{}%20{}", rng.pick(FIRST), rng.pick(LAST)).to_lowercase(),
        };
        let t = format!("/api/contacts?q={q}");
        let (status, us) = time(|| conn.get_as(&t, &token, "relatecrm"));
        assert_eq!(status, 200, "{t}");
        crm_kinds[k % 3].push(us);
    }
    let memory = server.memory();
    let (db, wal) = f.sizes();
    drop(server);
    Http {
        numbers: stats(lat),
        rps,
        search: stats(search_lat),
        search_kinds: search_kinds.map(stats),
        crm_kinds: crm_kinds.map(stats),
        page_1: pages.remove(0),
        deep,
        page_deep: pages.remove(0),
        crm_list: stats(crm_list),
        crm_q: stats(crm_q),
        memory,
        db,
        wal,
    }
}

fn samples_of<T>(v: &[T]) -> usize {
    v.len() / 2
}

struct Http {
    numbers: Stats,
    rps: f64,
    search: Stats,
    /// `/search` by kind: last name, first name and 3 letters, `first.last`, phone.
    search_kinds: [Stats; 4],
    /// RelateCRM `q` by kind: 4 letters inside a last name, 6 phone digits, first and last name.
    crm_kinds: [Stats; 3],
    page_1: Stats,
    deep: u64,
    page_deep: Stats,
    crm_list: Stats,
    crm_q: Stats,
    /// The server's resident memory (MiB) after the run, and its peak.
    memory: Option<(f64, f64, f64)>,
    /// Database and WAL sizes (bytes) at the end of the run.
    db: u64,
    wal: u64,
}

/// Where the bytes of a store go: each table and index (SQLite's `dbstat`),
/// the entries of each index, and the documents.
struct Footprint {
    file: u64,
    objects: Vec<(String, u64)>,
    /// Index name, entries, bytes of their keys.
    indexes: Vec<(String, u64, u64)>,
    /// Documents, bytes of their bodies, bytes of their entry lists.
    documents: (u64, u64, u64),
}

fn footprint(path: &Path) -> Footprint {
    let conn =
        rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .expect("open");
    let rows = |sql: &str| -> Vec<(String, u64, u64)> {
        let mut stmt = conn.prepare(sql).expect(sql);
        stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)? as u64,
                r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
            ))
        })
        .expect(sql)
        .collect::<rusqlite::Result<_>>()
        .expect(sql)
    };
    let objects =
        rows("SELECT name, sum(pgsize), 0 FROM dbstat GROUP BY name ORDER BY 2 DESC LIMIT 8")
            .into_iter()
            .map(|(n, b, _)| (n, b))
            .collect();
    let indexes = rows(
        "SELECT n.name, count(*), sum(length(CAST(e.key AS BLOB))) FROM index_entries e \
         JOIN store_names n ON n.code = e.idx GROUP BY e.idx ORDER BY 3 DESC",
    );
    let documents = conn
        .query_row(
            "SELECT count(*), sum(length(CAST(body AS BLOB))), sum(length(CAST(entries AS BLOB))) \
             FROM documents",
            [],
            |r| {
                Ok((
                    r.get::<_, i64>(0)? as u64,
                    r.get::<_, Option<i64>>(1)?.unwrap_or(0) as u64,
                    r.get::<_, Option<i64>>(2)?.unwrap_or(0) as u64,
                ))
            },
        )
        .expect("documents");
    Footprint {
        file: std::fs::metadata(path).map_or(0, |m| m.len()),
        objects,
        indexes,
        documents,
    }
}

/// The same contacts in a plain SQLite table with the indexes a peer keeps
/// (unique email, phone, name, owner, creation time): the size a lean store
/// is held against. Built once per generator version; returns its size.
fn baseline(dir: &Path, n: u64) -> u64 {
    let path = dir.join(format!("baseline-{n}-gen{GENERATOR}.db"));
    if !path.exists() {
        let partial = dir.join(format!("baseline-{n}-gen{GENERATOR}.db.partial"));
        remove_db(&partial);
        let mut conn = rusqlite::Connection::open(&partial).expect("baseline");
        conn.execute_batch(
            "CREATE TABLE contacts (
                id INTEGER PRIMARY KEY,
                owner_type TEXT NOT NULL,
                owner_id INTEGER NOT NULL,
                first_name TEXT,
                last_name TEXT,
                email TEXT,
                phone TEXT,
                phone_e164 TEXT,
                created_at TEXT NOT NULL,
                updated_at TEXT NOT NULL
            );
            CREATE UNIQUE INDEX contacts_email ON contacts (email);
            CREATE INDEX contacts_phone ON contacts (phone_e164);
            CREATE INDEX contacts_name ON contacts (last_name, first_name);
            CREATE INDEX contacts_owner ON contacts (owner_type, owner_id);
            CREATE INDEX contacts_created ON contacts (created_at);",
        )
        .expect("baseline schema");
        let tx = conn.transaction().expect("tx");
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO contacts VALUES (?1, 'customer', 1, ?2, ?3, ?4, ?5, ?6, \
                     '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')",
                )
                .expect("insert");
            for i in 0..n {
                let p = generated(i);
                let phone = p.mobile_phone.clone().flatten().unwrap_or_default();
                insert
                    .execute(rusqlite::params![
                        (i + 1) as i64,
                        p.first_name.clone().flatten(),
                        p.last_name.clone().flatten(),
                        p.email.clone().flatten(),
                        phone,
                        format!("+33{}", &phone[1..]),
                    ])
                    .expect("insert");
            }
        }
        tx.commit().expect("commit");
        drop(conn);
        std::fs::rename(&partial, &path).expect("keep the baseline");
    }
    std::fs::metadata(&path).map_or(0, |m| m.len())
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

    let small = Fixture::new(&dir, 1_000);
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
    let web = http(&big, &cache, &queries(large, samples), large);
    let prints = footprint(&big.cached);
    let plain = baseline(&dir, large);
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
    for (kind, st) in [
        "last name",
        "first name and 3 letters",
        "first.last",
        "phone",
    ]
    .iter()
    .zip(&web.search_kinds)
    {
        println!(
            "- {kind}: p50 {:.2} ms, p99 {:.2} ms",
            st.p50 / 1e3,
            st.p99 / 1e3
        );
    }
    println!();
    println!(
        "HTTP `GET /api/v1/contacts?page_size=50` (helperiq): page 1 p50 {:.2} ms / p99 {:.2} ms; page {deep} (the last) p50 {:.2} ms / p99 {:.2} ms; page {deep} ÷ page 1 (p50) = {:.2}×.",
        web.page_1.p50 / 1e3,
        web.page_1.p99 / 1e3,
        web.page_deep.p50 / 1e3,
        web.page_deep.p99 / 1e3,
        web.page_deep.p50 / web.page_1.p50,
        deep = web.deep,
    );
    println!();
    println!(
        "HTTP `GET /api/contacts?per_page=15` (relatecrm) at {large} contacts: p50 {:.2} ms, p99 {:.2} ms; `GET /api/contacts?q=<last name>` (every searchable field): p50 {:.1} ms, p99 {:.1} ms.",
        web.crm_list.p50 / 1e3,
        web.crm_list.p99 / 1e3,
        web.crm_q.p50 / 1e3,
        web.crm_q.p99 / 1e3
    );
    for (kind, st) in [
        "4 letters inside a last name",
        "6 phone digits",
        "first and last name",
    ]
    .iter()
    .zip(&web.crm_kinds)
    {
        println!(
            "- RelateCRM `q` of {kind}: p50 {:.1} ms, p99 {:.1} ms",
            st.p50 / 1e3,
            st.p99 / 1e3
        );
    }
    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    println!();
    println!(
        "Store of {large} contacts as generated: {:.1} MiB ({:.0} bytes a contact); the same contacts in a plain table with a peer's indexes: {:.1} MiB; ratio {:.2}×.",
        mib(prints.file),
        prints.file as f64 / large as f64,
        mib(plain),
        prints.file as f64 / plain as f64
    );
    println!();
    println!("| table or index (dbstat) | MiB | share |");
    println!("|---|---|---|");
    for (name, bytes) in &prints.objects {
        println!(
            "| {name} | {:.1} | {:.0} % |",
            mib(*bytes),
            100.0 * *bytes as f64 / prints.file as f64
        );
    }
    println!();
    let (docs, body, listed) = prints.documents;
    println!(
        "Documents: {docs}, bodies {:.0} bytes each on average, entry lists {:.0} bytes. Index entries by index:",
        body as f64 / docs.max(1) as f64,
        listed as f64 / docs.max(1) as f64
    );
    println!();
    println!("| index | entries | a contact | key bytes (MiB) |");
    println!("|---|---|---|---|");
    for (name, entries, keys) in &prints.indexes {
        println!(
            "| {name} | {entries} | {:.1} | {:.1} |",
            *entries as f64 / large as f64,
            mib(*keys)
        );
    }
    println!();
    match web.memory {
        Some((now, peak, own)) => println!(
            "Server (the built binary) after the HTTP measurements: resident {now:.0} MiB (of which {own:.0} MiB its own memory, the rest pages of the memory-mapped database), peak {peak:.0} MiB; database {:.1} MiB, WAL {:.1} MiB.",
            mib(web.db),
            mib(web.wal)
        ),
        None => println!(
            "Database {:.1} MiB, WAL {:.1} MiB at the end of the HTTP measurements.",
            mib(web.db),
            mib(web.wal)
        ),
    }
    if let Some(r) = restart {
        println!();
        println!(
            "Restart of the built binary to its listening line (warm compiled-code cache): p50 {:.0} ms, max of 5 {:.0} ms.",
            r.p50, r.p99
        );
    }
}
