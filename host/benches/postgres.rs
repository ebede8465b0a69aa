//! The PostgreSQL benchmark (issue 16): `cargo bench -p contacts-host --bench
//! postgres`.
//!
//! The cached generated store of `BENCH_CONTACTS` contacts (default 100000,
//! the store of `contacts.rs`, shared through `common/`) is moved into a new
//! PostgreSQL database with `migrate-store` (then `ANALYZE`d, as after any
//! bulk load), and the built binary serves it, as an operator runs it:
//! (a) `GET /api/v1/contacts/numbers`, one keep-alive client: p50, p99;
//! (b) HelperIQ list pages 1 and 1,600 of 50: p50, p99;
//! (c) `/numbers` requests per second with `BENCH_CLIENTS` clients (default
//!     16) through one replica, then through two on the same database (the
//!     clients alternate replicas), in alternating rounds of
//!     `BENCH_SECONDS` (default 8), with the CPU each process used.
//! The targets of issue 16 are printed beside the figures; none is asserted.
//! The server is a throwaway one from `scripts/postgres.sh` (stopped at the
//! end), or the one `BENCH_POSTGRES` names (a URL; a database `contacts_bench`
//! is made on it and dropped at the end).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::*;

/// The database the bench makes on the server, and drops when done.
const DATABASE: &str = "contacts_bench";

/// A PostgreSQL server: a throwaway one (its folder, stopped on drop) or
/// the one the operator named.
struct PgServer {
    url: String,
    folder: Option<String>,
}

impl PgServer {
    fn start() -> PgServer {
        if let Ok(url) = std::env::var("BENCH_POSTGRES")
            && !url.trim().is_empty()
        {
            return PgServer {
                url: url.trim().to_owned(),
                folder: None,
            };
        }
        let script = workspace().join("scripts/postgres.sh");
        let out = Command::new("bash")
            .arg(&script)
            .arg("start")
            .output()
            .expect("run scripts/postgres.sh");
        assert!(
            out.status.success(),
            "no PostgreSQL: run scripts/setup.sh or set BENCH_POSTGRES\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = String::from_utf8(out.stdout).expect("utf-8");
        let mut lines = out.lines();
        let folder = lines.next().expect("folder").to_owned();
        let url = lines.next().expect("url").to_owned();
        PgServer {
            url,
            folder: Some(folder),
        }
    }

    fn admin(&self, sql: &str) {
        let mut c = postgres::Client::connect(&self.url, postgres::NoTls).expect("connect");
        c.batch_execute(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"));
    }

    /// The server's processes (postmaster and backends), when it is ours.
    fn pids(&self) -> Vec<u32> {
        let Some(folder) = &self.folder else {
            return Vec::new();
        };
        let Ok(pidfile) = std::fs::read_to_string(format!("{folder}/data/postmaster.pid")) else {
            return Vec::new();
        };
        let Some(main) = pidfile.lines().next().and_then(|l| l.trim().parse().ok()) else {
            return Vec::new();
        };
        let mut pids = vec![main];
        for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            if stat(pid).is_some_and(|(ppid, _)| ppid == main) {
                pids.push(pid);
            }
        }
        pids
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        if self.folder.is_none() {
            self.admin(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"));
        }
        if let Some(folder) = &self.folder {
            let _ = Command::new("bash")
                .arg(workspace().join("scripts/postgres.sh"))
                .args(["stop", folder])
                .status();
        }
    }
}

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace")
        .to_owned()
}

/// A process's parent and CPU time (user + system) in clock ticks, from
/// `/proc/PID/stat` (Linux only).
fn stat(pid: u32) -> Option<(u32, u64)> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name, which is in parentheses.
    let rest = &s[s.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ppid = f.get(1)?.parse().ok()?;
    let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some((ppid, ticks))
}

/// The CPU ticks of a group of processes (those that exist).
fn ticks(pids: &[u32]) -> u64 {
    pids.iter().filter_map(|&p| stat(p)).map(|(_, t)| t).sum()
}

/// The CPU ticks of each of the server's processes now.
fn pg_ticks(pg: &PgServer) -> Vec<(u32, u64)> {
    pg.pids()
        .into_iter()
        .filter_map(|p| Some((p, stat(p)?.1)))
        .collect()
}

/// The CPU ticks PostgreSQL spent between two readings: backends started
/// in between (the pools open more connections under load) count whole.
fn pg_spent(before: &[(u32, u64)], after: &[(u32, u64)]) -> u64 {
    after
        .iter()
        .map(|(pid, t)| {
            let was = before.iter().find(|(p, _)| p == pid).map_or(0, |(_, t)| *t);
            t.saturating_sub(was)
        })
        .sum()
}

fn ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}

/// One throughput round: requests/s, and the CPU (in cores) of each
/// replica, of PostgreSQL and of this process (the clients).
struct Round {
    rps: f64,
    replicas: Vec<f64>,
    postgres: f64,
    clients: f64,
}

fn round(
    replicas: &[&Served],
    pg: &PgServer,
    token: &str,
    targets: &[String],
    clients: usize,
    seconds: f64,
) -> Round {
    let groups: Vec<Vec<u32>> = replicas.iter().map(|r| vec![r.child.id()]).collect();
    let me = vec![std::process::id()];
    let before: Vec<u64> = groups.iter().map(|g| ticks(g)).collect();
    let (pg_before, me_before) = (pg_ticks(pg), ticks(&me));
    let done = AtomicBool::new(false);
    let count = AtomicU64::new(0);
    let started = Instant::now();
    std::thread::scope(|s| {
        for c in 0..clients {
            let (addr, done, count) = (&replicas[c % replicas.len()].addr, &done, &count);
            s.spawn(move || {
                let mut conn = Conn::open(addr);
                let mut k = c * 97;
                while !done.load(Ordering::Relaxed) {
                    let t = &targets[k % targets.len()];
                    assert_eq!(conn.get(t, token), 200, "{t}");
                    count.fetch_add(1, Ordering::Relaxed);
                    k += 1;
                }
            });
        }
        std::thread::sleep(Duration::from_secs_f64(seconds));
        done.store(true, Ordering::Relaxed);
    });
    let elapsed = started.elapsed().as_secs_f64();
    let hz = ticks_per_second() * elapsed;
    Round {
        rps: count.load(Ordering::Relaxed) as f64 / elapsed,
        replicas: groups
            .iter()
            .zip(&before)
            .map(|(g, b)| (ticks(g) - b) as f64 / hz)
            .collect(),
        postgres: pg_spent(&pg_before, &pg_ticks(pg)) as f64 / hz,
        clients: (ticks(&me) - me_before) as f64 / hz,
    }
}

fn latencies(conn: &mut Conn, token: &str, dialect: &str, targets: &[String]) -> Stats {
    let mut lat = Vec::new();
    for t in targets {
        let (status, us) = time(|| conn.get_as(t, token, dialect));
        assert_eq!(status, 200, "{t}");
        lat.push(us);
    }
    stats(lat)
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let n: u64 = env_or("BENCH_CONTACTS", 100_000);
    let clients: usize = env_or("BENCH_CLIENTS", 16);
    let seconds: f64 = env_or("BENCH_SECONDS", 8.0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench");
    std::fs::create_dir_all(&dir).expect("bench dir");
    let cache = dir.join("compiled-cache");

    let f = Fixture::new(&dir, n);
    // The agent is made in the SQLite copy, and moves with it.
    let token = agent_token(&f, &cache, "Bench Agent");
    let pg = PgServer::start();
    pg.admin(&format!("DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)"));
    pg.admin(&format!(
        "CREATE DATABASE {DATABASE} ENCODING 'UTF8' TEMPLATE template0"
    ));
    let url = contacts_host::backends::postgres::with_database(&pg.url, DATABASE);
    let ((), migrate_ms) = time(|| {
        contacts_host::backends::postgres::migrate::from_sqlite(
            &format!("sqlite:{}", f.path.display()),
            &url,
        )
        .expect("migrate-store");
    });
    postgres::Client::connect(&url, postgres::NoTls)
        .and_then(|mut c| c.batch_execute("ANALYZE"))
        .expect("analyze");
    let size: i64 = postgres::Client::connect(&url, postgres::NoTls)
        .and_then(|mut c| c.query_one("SELECT pg_database_size(current_database())", &[]))
        .expect("size")
        .get(0);

    let a = Served::serve(&url, &cache);
    let numbers: Vec<String> = queries(n, 2_000)
        .iter()
        .map(|q| numbers_target(q))
        .collect();
    let mut conn = Conn::open(&a.addr);
    // Warm the server's instances and PostgreSQL's buffers first.
    latencies(&mut conn, &token, "bluerocktel", &numbers[..200]);
    let numbers_lat = latencies(&mut conn, &token, "bluerocktel", &numbers);
    let deep = 1_600u64.min((n / 50).max(2));
    let mut pages = Vec::new();
    for page in [1u64, deep] {
        let t = vec![format!("/api/v1/contacts?page={page}&page_size=50"); 500];
        latencies(&mut conn, &token, "helperiq", &t[..50]);
        pages.push(latencies(&mut conn, &token, "helperiq", &t));
    }
    drop(conn);

    // Throughput: one replica, then two, in alternating rounds; both
    // replicas run all along, so each round pays the same for the other.
    let b = Served::serve(&url, &cache);
    for r in [&a, &b] {
        let mut conn = Conn::open(&r.addr);
        latencies(&mut conn, &token, "bluerocktel", &numbers[..200]);
    }
    let mut ones = Vec::new();
    let mut twos = Vec::new();
    for _ in 0..2 {
        ones.push(round(&[&a], &pg, &token, &numbers, clients, seconds));
        twos.push(round(&[&a, &b], &pg, &token, &numbers, clients, seconds));
    }
    drop((a, b));

    let ms = |us: f64| us / 1e3;
    let mean =
        |rs: &[Round], f: &dyn Fn(&Round) -> f64| rs.iter().map(f).sum::<f64>() / rs.len() as f64;
    let one = mean(&ones, &|r| r.rps);
    let two = mean(&twos, &|r| r.rps);
    println!("## PostgreSQL at {n} contacts ({})", machine());
    println!();
    println!(
        "`migrate-store` from the SQLite store: {:.1} s; database {:.0} MiB after `ANALYZE`.",
        migrate_ms / 1e6,
        size as f64 / (1 << 20) as f64
    );
    println!();
    println!("| target (issue 16) | measured |");
    println!("|---|---|");
    println!(
        "| `/numbers` p99 < 3 ms | p50 {:.2} ms, p99 {:.2} ms (one keep-alive client, {} lookups) |",
        ms(numbers_lat.p50),
        ms(numbers_lat.p99),
        numbers.len()
    );
    println!(
        "| list page 1 p99 < 10 ms | p50 {:.2} ms, p99 {:.2} ms (helperiq, 50 a page, 500 requests) |",
        ms(pages[0].p50),
        ms(pages[0].p99)
    );
    println!(
        "| list page {deep} p99 < 10 ms | p50 {:.2} ms, p99 {:.2} ms |",
        ms(pages[1].p50),
        ms(pages[1].p99)
    );
    println!(
        "| two replicas ≥ 1.6× the `/numbers` requests/s of one | {:.2}× ({two:.0} / {one:.0} requests/s, {clients} clients, mean of {} rounds of {seconds} s each) |",
        two / one,
        ones.len()
    );
    println!();
    println!(
        "CPU in cores during the throughput rounds (this machine has {} cores):",
        machine_cores()
    );
    println!();
    println!("| round | requests/s | replica A | replica B | PostgreSQL | clients |");
    println!("|---|---|---|---|---|---|");
    for (k, (o, t)) in ones.iter().zip(&twos).enumerate() {
        println!(
            "| one replica, round {} | {:.0} | {:.2} | - | {:.2} | {:.2} |",
            k + 1,
            o.rps,
            o.replicas[0],
            o.postgres,
            o.clients
        );
        println!(
            "| two replicas, round {} | {:.0} | {:.2} | {:.2} | {:.2} | {:.2} |",
            k + 1,
            t.rps,
            t.replicas[0],
            t.replicas[1],
            t.postgres,
            t.clients
        );
    }
    if pg.folder.is_none() {
        println!();
        println!("(PostgreSQL's CPU is shown only for the throwaway server this bench starts.)");
    }
}

fn machine_cores() -> usize {
    std::thread::available_parallelism().map_or(0, |n| n.get())
}
