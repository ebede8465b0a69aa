//! The load test (issue 17 item 5): `cargo bench -p contacts-host --bench load`.
//!
//! The built `contacts-host serve` binary, on the cached generated store of
//! `BENCH_CONTACTS` contacts (default 100000; the stores of `contacts.rs`,
//! shared through `common/`), is driven for `LOAD_SECONDS` (default 60) by
//! `LOAD_CLIENTS` threads (default 8), each on its own keep-alive connection,
//! with a mix of what the three dialects' clients send: caller-id lookups in
//! the formats phones send, HelperIQ search, first and deep list pages, gets,
//! RelateCRM `q` (weight `LOAD_CRM_Q`, 1 in 100 by default; 0 leaves it
//! out), creates, partial updates and deletes. It prints, per kind,
//! the count, the errors (any other status than the one the spec gives, or a
//! broken connection; the first bodies are shown), p50 and p99, then the total
//! requests/s, the server's resident memory and the WAL at the end. It exits
//! non-zero when any request failed. It is a benchmark: no time is asserted.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use common::*;
use contacts_host::bindings::types as wt;

/// The kinds of request in the mix, with their weight (out of the sum).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Numbers,
    Search,
    ListFirst,
    ListDeep,
    Get,
    CrmQ,
    Create,
    Update,
    Delete,
}

const MIX: &[(Kind, u32)] = &[
    (Kind::Numbers, 40),
    (Kind::Search, 10),
    (Kind::ListFirst, 8),
    (Kind::ListDeep, 4),
    (Kind::Get, 15),
    (Kind::CrmQ, 1),
    (Kind::Create, 9),
    (Kind::Update, 9),
    (Kind::Delete, 4),
];

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Numbers => "caller id `GET /api/v1/contacts/numbers` (bluerocktel)",
            Kind::Search => "`GET /api/v1/contacts/search` (helperiq)",
            Kind::ListFirst => {
                "list: first page (helperiq, relatecrm), a customer's contacts (bluerocktel)"
            }
            Kind::ListDeep => "list, last page (helperiq, relatecrm)",
            Kind::Get => "get one contact (3 dialects)",
            Kind::CrmQ => "`GET /api/contacts?q=<last name>` (relatecrm)",
            Kind::Create => "create (3 dialects)",
            Kind::Update => "partial update (3 dialects)",
            Kind::Delete => "delete (3 dialects)",
        }
    }

    fn index(self) -> usize {
        MIX.iter()
            .position(|(k, _)| *k == self)
            .expect("in the mix")
    }
}

const DIALECTS: [&str; 3] = ["bluerocktel", "helperiq", "relatecrm"];

/// One reply: its status (0 when the connection broke) and body.
struct Reply {
    status: u16,
    body: Vec<u8>,
}

/// One keep-alive HTTP/1.1 connection, reopened after a failure.
struct Client {
    addr: String,
    token: String,
    conn: Option<(TcpStream, BufReader<TcpStream>)>,
}

impl Client {
    fn send(&mut self, method: &str, target: &str, dialect: &str, body: Option<&str>) -> Reply {
        match self.try_send(method, target, dialect, body) {
            Ok(r) => r,
            Err(e) => {
                self.conn = None;
                Reply {
                    status: 0,
                    body: format!("connection error: {e}").into_bytes(),
                }
            }
        }
    }

    fn try_send(
        &mut self,
        method: &str,
        target: &str,
        dialect: &str,
        body: Option<&str>,
    ) -> std::io::Result<Reply> {
        if self.conn.is_none() {
            let stream = TcpStream::connect(&self.addr)?;
            stream.set_nodelay(true)?;
            stream.set_read_timeout(Some(Duration::from_secs(60)))?;
            let reader = BufReader::new(stream.try_clone()?);
            self.conn = Some((stream, reader));
        }
        let (stream, reader) = self.conn.as_mut().expect("connected");
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: load\r\nAuthorization: Bearer {}\r\nX-Contacts-Dialect: {dialect}\r\nAccept: application/json\r\n",
            self.token
        );
        if let Some(b) = body {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{b}",
                b.len()
            ));
        } else if method != "GET" {
            head.push_str("Content-Length: 0\r\n\r\n");
        } else {
            head.push_str("\r\n");
        }
        stream.write_all(head.as_bytes())?;
        let broken = |what: &str| std::io::Error::other(what.to_owned());
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Err(broken("closed before the status line"));
        }
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| broken("no status"))?;
        let (mut length, mut chunked, mut close) = (0usize, false, false);
        loop {
            line.clear();
            if reader.read_line(&mut line)? == 0 {
                return Err(broken("closed in the headers"));
            }
            if line == "\r\n" {
                break;
            }
            let lower = line.to_ascii_lowercase();
            if let Some(v) = lower.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            } else if lower.starts_with("transfer-encoding:") && lower.contains("chunked") {
                chunked = true;
            } else if lower.starts_with("connection:") && lower.contains("close") {
                close = true;
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                line.clear();
                reader.read_line(&mut line)?;
                let size =
                    usize::from_str_radix(line.trim(), 16).map_err(|_| broken("bad chunk size"))?;
                let mut chunk = vec![0; size + 2];
                reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            reader.read_exact(&mut body)?;
        }
        if close {
            self.conn = None;
        }
        Ok(Reply { status, body })
    }
}

/// What one client thread saw, per kind.
#[derive(Default)]
struct Tally {
    micros: Vec<f64>,
    errors: u64,
    /// The first few failures: the request and what came back.
    samples: Vec<String>,
}

/// The id in a create's answer (HelperIQ wraps it in `data`).
fn created_id(dialect: &str, body: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let v = if dialect == "helperiq" {
        &v["data"]
    } else {
        &v
    };
    v["id"].as_u64()
}

/// Customers besides the generated one (which owns every generated contact):
/// BlueRockTEL's list is a bare array of one owner's contacts, so its creates
/// and lists go to these, as a phone system's customers each have a few.
const SMALL_OWNERS: u64 = 50;

struct Plan<'a> {
    mix: Vec<(Kind, u32)>,
    contacts: u64,
    small_owners: Vec<u64>,
    deep: u64,
    until: Instant,
    addr: &'a str,
    token: &'a str,
}

/// One client: picks kinds by weight until the deadline.
fn client(plan: &Plan<'_>, thread: u64) -> Vec<Tally> {
    let mut tallies: Vec<Tally> = MIX.iter().map(|_| Tally::default()).collect();
    let mut rng = Rng(1_000 + thread);
    let total: u32 = plan.mix.iter().map(|(_, w)| w).sum();
    let mut client = Client {
        addr: plan.addr.to_owned(),
        token: plan.token.to_owned(),
        conn: None,
    };
    // The contacts this client made during the run: the ones it deletes.
    let mut mine: Vec<u64> = Vec::new();
    let mut made = 0u64;
    let n = plan.contacts;
    while Instant::now() < plan.until {
        let mut roll = (rng.next() % total as u64) as u32;
        let mut kind = plan.mix[0].0;
        for (k, w) in &plan.mix {
            if roll < *w {
                kind = *k;
                break;
            }
            roll -= w;
        }
        if kind == Kind::Delete && mine.is_empty() {
            kind = Kind::Create;
        }
        let dialect = DIALECTS[(rng.next() % 3) as usize];
        let any = 1 + rng.next() % n;
        let (method, target, dialect, body, expected): (&str, String, &str, Option<String>, u16) =
            match kind {
                Kind::Numbers => {
                    let national = mobile(rng.next() % n);
                    let q = match rng.next() % 4 {
                        0 => format!("%2B33{}", &national[1..]),
                        1 => format!("0033{}", &national[1..]),
                        2 => national.clone(),
                        _ => national[national.len() - 9..].to_owned(),
                    };
                    let t = format!("/api/v1/contacts/numbers?phone_number={q}");
                    ("GET", t, "bluerocktel", None, 200)
                }
                Kind::Search => {
                    let q = match rng.next() % 4 {
                        0 => rng.pick(LAST).to_lowercase(),
                        1 => format!("{}%20{}", rng.pick(FIRST), &rng.pick(LAST)[..3]),
                        2 => format!(
                            "{}.{}",
                            rng.pick(FIRST).to_lowercase().replace('é', "e"),
                            rng.pick(LAST).to_lowercase()
                        ),
                        _ => mobile(rng.next() % n),
                    };
                    let t = format!("/api/v1/contacts/search?q={}", q.replace('é', "%C3%A9"));
                    ("GET", t, "helperiq", None, 200)
                }
                Kind::ListFirst => match dialect {
                    "relatecrm" => (
                        "GET",
                        "/api/contacts?per_page=15".into(),
                        dialect,
                        None,
                        200,
                    ),
                    "helperiq" => (
                        "GET",
                        "/api/v1/contacts?page=1&page_size=50".into(),
                        dialect,
                        None,
                        200,
                    ),
                    _ => {
                        let owner = plan.small_owners[(rng.next() % SMALL_OWNERS) as usize];
                        let t = format!(
                            "/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"
                        );
                        ("GET", t, dialect, None, 200)
                    }
                },
                Kind::ListDeep => {
                    if dialect == "relatecrm" {
                        let t = format!("/api/contacts?per_page=50&page={}", plan.deep);
                        ("GET", t, dialect, None, 200)
                    } else {
                        let t = format!("/api/v1/contacts?page={}&page_size=50", plan.deep);
                        ("GET", t, "helperiq", None, 200)
                    }
                }
                Kind::Get => {
                    let t = if dialect == "relatecrm" {
                        format!("/api/contacts/{any}")
                    } else {
                        format!("/api/v1/contacts/{any}")
                    };
                    ("GET", t, dialect, None, 200)
                }
                Kind::CrmQ => {
                    let t = format!("/api/contacts?q={}", rng.pick(LAST).to_lowercase());
                    ("GET", t, "relatecrm", None, 200)
                }
                Kind::Create => {
                    made += 1;
                    // Distinct from the generated contacts (06…, companyN.fr)
                    // and between clients.
                    let phone = format!("07{:08}", thread * 10_000_000 + made);
                    let email = format!("load{thread}.{made}@load.example");
                    let (first, last) = (rng.pick(FIRST), rng.pick(LAST));
                    match dialect {
                        "bluerocktel" => (
                            "POST",
                            format!(
                                "/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={}",
                                plan.small_owners[(made % SMALL_OWNERS) as usize]
                            ),
                            dialect,
                            Some(
                                serde_json::json!({"first_name": first, "last_name": last,
                                    "email_address": email, "mobile_phone": phone})
                                .to_string(),
                            ),
                            201,
                        ),
                        "helperiq" => (
                            "POST",
                            "/api/v1/contacts/quick".into(),
                            dialect,
                            Some(
                                serde_json::json!({"first_name": first, "last_name": last,
                                    "email": email})
                                .to_string(),
                            ),
                            200,
                        ),
                        _ => (
                            "POST",
                            "/api/contacts".into(),
                            dialect,
                            Some(
                                serde_json::json!({"first_name": first, "last_name": last,
                                    "email": email,
                                    "phones": [{"number": phone, "type": "mobile"}]})
                                .to_string(),
                            ),
                            201,
                        ),
                    }
                }
                Kind::Update => {
                    let k = rng.next() % 1000;
                    match dialect {
                        "bluerocktel" => (
                            "PUT",
                            format!("/api/v1/contacts/{any}"),
                            dialect,
                            Some(serde_json::json!({"role": format!("Role {k}")}).to_string()),
                            201,
                        ),
                        "helperiq" => (
                            "PUT",
                            format!("/api/v1/contacts/{any}"),
                            dialect,
                            Some(serde_json::json!({"custom_attributes": {"load": k}}).to_string()),
                            200,
                        ),
                        _ => (
                            "PUT",
                            format!("/api/contacts/{any}"),
                            dialect,
                            Some(serde_json::json!({"city": format!("City {k}")}).to_string()),
                            200,
                        ),
                    }
                }
                Kind::Delete => {
                    let id = mine.swap_remove((rng.next() % mine.len() as u64) as usize);
                    if dialect == "relatecrm" {
                        ("DELETE", format!("/api/contacts/{id}"), dialect, None, 204)
                    } else {
                        (
                            "DELETE",
                            format!("/api/v1/contacts/{id}"),
                            dialect,
                            None,
                            200,
                        )
                    }
                }
            };
        let started = Instant::now();
        let reply = client.send(method, &target, dialect, body.as_deref());
        let us = started.elapsed().as_secs_f64() * 1e6;
        let tally = &mut tallies[kind.index()];
        tally.micros.push(us);
        if reply.status != expected {
            tally.errors += 1;
            if tally.samples.len() < 3 {
                let shown = String::from_utf8_lossy(&reply.body);
                tally.samples.push(format!(
                    "{method} {target} ({dialect}) → {}: {}",
                    reply.status,
                    shown.chars().take(300).collect::<String>()
                ));
            }
        } else if kind == Kind::Create {
            match created_id(dialect, &reply.body) {
                Some(id) => mine.push(id),
                None => {
                    tally.errors += 1;
                    if tally.samples.len() < 3 {
                        tally.samples.push(format!(
                            "{method} {target} ({dialect}): no id in {}",
                            String::from_utf8_lossy(&reply.body)
                        ));
                    }
                }
            }
        }
    }
    tallies
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let contacts = env_or("BENCH_CONTACTS", 100_000);
    let seconds = env_or("LOAD_SECONDS", 60);
    let clients = env_or("LOAD_CLIENTS", 8).max(1);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let cache = dir.join("compiled-cache");
    let f = Fixture::new(&dir, contacts);
    let token = agent_token(&f, &cache, "Load Agent");
    let small_owners = (0..SMALL_OWNERS)
        .map(|k| {
            f.backend
                .admin
                .create_owner(
                    wt::OwnerKind::Customer,
                    &format!("Load customer {k}"),
                    Some(&format!("CL9{k:05}")),
                )
                .expect("owner")
                .id
        })
        .collect();
    let server = Served::start(&f, &cache);
    eprintln!(
        "load: {clients} clients for {seconds} s on {contacts} contacts at {}",
        server.addr
    );
    let started = Instant::now();
    // `LOAD_CRM_Q` sets the weight of RelateCRM `q` (0 leaves it out): at a
    // million contacts each one walks every contact for about a second and a
    // half, so it weighs on everything else.
    let crm_q = env_or("LOAD_CRM_Q", 1) as u32;
    let mix: Vec<(Kind, u32)> = MIX
        .iter()
        .map(|&(k, w)| (k, if k == Kind::CrmQ { crm_q } else { w }))
        .collect();
    let plan = Plan {
        mix: mix.clone(),
        contacts,
        small_owners,
        // A page near the end that stays inside the store while the run's
        // creates and deletes move its size a little.
        deep: (contacts / 50).saturating_sub(1).max(2),
        until: started + Duration::from_secs(seconds),
        addr: &server.addr,
        token: &token,
    };
    let per_client: Vec<Vec<Tally>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clients)
            .map(|t| {
                let plan = &plan;
                s.spawn(move || client(plan, t))
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client thread"))
            .collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let memory = server.memory();
    let (db, wal) = f.sizes();
    drop(server);

    let mib = |b: u64| b as f64 / (1024.0 * 1024.0);
    let (mut requests, mut errors) = (0u64, 0u64);
    println!("## Load test of {}", contacts_host::clock::now_rfc3339());
    println!();
    println!(
        "Machine: {}. {contacts} contacts, {clients} keep-alive clients, {seconds} s.",
        machine()
    );
    println!();
    println!("| kind | share of the mix | count | errors | p50 (ms) | p99 (ms) |");
    println!("|---|---|---|---|---|---|");
    let total: u32 = mix.iter().map(|(_, w)| w).sum();
    let mut failures = Vec::new();
    for (i, (kind, weight)) in mix.iter().enumerate() {
        if *weight == 0 {
            continue;
        }
        let mut micros = Vec::new();
        let mut kind_errors = 0;
        for t in &per_client {
            micros.extend_from_slice(&t[i].micros);
            kind_errors += t[i].errors;
            failures.extend(t[i].samples.iter().take(3).cloned());
        }
        requests += micros.len() as u64;
        errors += kind_errors;
        let (p50, p99) = if micros.is_empty() {
            (0.0, 0.0)
        } else {
            let s = stats(micros.clone());
            (s.p50 / 1e3, s.p99 / 1e3)
        };
        println!(
            "| {} | {:.0} % | {} | {kind_errors} | {p50:.2} | {p99:.2} |",
            kind.label(),
            100.0 * *weight as f64 / total as f64,
            micros.len(),
        );
    }
    println!();
    println!(
        "Total: {requests} requests in {elapsed:.1} s, {:.0} requests/s, {errors} errors.",
        requests as f64 / elapsed
    );
    println!();
    match memory {
        Some((now, peak, own)) => println!(
            "Server at the end: resident {now:.0} MiB (of which {own:.0} MiB its own memory, the rest pages of the memory-mapped database), peak {peak:.0} MiB; database {:.1} MiB, WAL {:.1} MiB.",
            mib(db),
            mib(wal)
        ),
        None => println!(
            "Database {:.1} MiB, WAL {:.1} MiB at the end.",
            mib(db),
            mib(wal)
        ),
    }
    if errors > 0 {
        eprintln!("{errors} requests failed; the first ones:");
        for f in failures.iter().take(12) {
            eprintln!("  {f}");
        }
        std::process::exit(1);
    }
}
