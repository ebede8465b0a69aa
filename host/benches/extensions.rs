//! What extensions cost: `cargo bench -p contacts-host --bench extensions`.
//!
//! (a) A warm create through the component with 0, 1 (validate), 2
//!     (validate + enrich) and 3 (two validators + enrich) extensions, side
//!     by side, interleaved so the machine's noise falls on all alike.
//! (b) Calm requests (reads, which no extension sees, and creates through
//!     the example validator and enricher) while two clients flood the
//!     server with creates that hostile extensions (`skip` policy) fail on:
//!     used-up fuel, a memory bomb, a trap, an oversized answer, a deadline.
//!     Against the same calm requests with no flood, and with a flood the
//!     hostile extension refuses politely (the same load, no failure), in
//!     blocks interleaved in one run; and on a second server whose hostile
//!     extensions are never quarantined (`quarantine.after` out of reach),
//!     to show what the concurrency cap and the budgets alone give.
//!
//! The extensions are built from their sources first
//! (`scripts/build-extension.sh`). Figures are microseconds, in process
//! (no HTTP), on whatever else the machine is running.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use contacts_host::bindings::{api, types as wt};
use contacts_host::server::{self, Assembled, Config};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

fn build(krate: &str) -> PathBuf {
    let out = Command::new(root().join("scripts/build-extension.sh"))
        .arg(root().join(krate))
        .output()
        .expect("run scripts/build-extension.sh");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
}

fn install(dir: &Path, folder: &str, wasm: &Path, manifest: &str) {
    let to = dir.join(folder);
    std::fs::create_dir_all(&to).unwrap();
    let value: serde_json::Value = serde_json::from_str(manifest).unwrap();
    std::fs::copy(wasm, to.join(value["component"].as_str().unwrap())).unwrap();
    std::fs::write(to.join("extension.json"), manifest).unwrap();
}

struct Stats {
    p50: f64,
    p99: f64,
}

fn stats(mut micros: Vec<f64>) -> Stats {
    micros.sort_by(f64::total_cmp);
    let at = |q: f64| micros[((micros.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn cx() -> wt::Context {
    wt::Context {
        caller: wt::Caller {
            agent_id: 1,
            first_name: "Bench".into(),
            last_name: "Agent".into(),
            scopes: vec![],
        },
        dialect: wt::Dialect::Relatecrm,
    }
}

fn patch(first: &str, last: &str, email: Option<String>) -> api::ContactPatch {
    api::ContactPatch {
        first_name: Some(Some(first.to_owned())),
        last_name: Some(Some(last.to_owned())),
        email: email.map(Some),
        ..api::ContactPatch::empty()
    }
}

/// A server on a fresh database with the extensions of `dir`, if any.
fn server(work: &Path, name: &str, extensions: Option<PathBuf>) -> Assembled {
    server::assemble(&Config {
        db: format!("sqlite:{}", work.join(format!("{name}.db")).display()),
        cache_dir: Some(work.join("cache")),
        extensions,
        ..Config::default()
    })
    .expect("server")
}

/// One create; its time in µs, and whether it was accepted.
fn create(s: &Assembled, p: &api::ContactPatch) -> (f64, bool) {
    let cx = cx();
    let t = Instant::now();
    let r = s
        .app
        .runtime
        .call(|api, st| api.call_create(st, &cx, None, p))
        .expect("call");
    (t.elapsed().as_secs_f64() * 1e6, r.is_ok())
}

/// One flood request every this long, per flooding client.
const FLOOD_PERIOD: Duration = Duration::from_millis(2);

/// Flooding clients.
const FLOODERS: usize = 2;

/// What the flooding clients send while a block of calm requests runs.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Flood {
    /// Nothing.
    Quiet,
    /// Creates that the hostile extension refuses politely: the same load
    /// with no failure in the sandbox.
    Polite,
    /// Creates it fails on, in turn: used-up fuel, a memory bomb, a trap,
    /// an oversized answer, a deadline.
    Hostile,
}

const ATTACKS: [&str; 5] = ["loop", "bomb", "trap", "huge", "slow"];

fn main() {
    let work = std::env::temp_dir().join(format!("contacts-bench-ext-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).unwrap();

    let validator = build("extensions/disposable-email");
    let enricher = build("extensions/enricher");
    let hostile = build("tests/extensions/hostile");
    let v = r#"{"name":"disposable-email","version":"0.1.0","component":"v.wasm","hooks":["validate"],"grants":["log"]}"#;
    let e = r#"{"name":"enricher","version":"0.1.0","component":"e.wasm","hooks":["enrich"]}"#;
    let h = r#"{"name":"hostile","version":"0.1.0","component":"h.wasm","hooks":["validate"],"grants":["kv"]}"#;
    let sets: [(&str, Vec<(&Path, &str)>); 4] = [
        ("0 extensions", vec![]),
        ("1 (validate)", vec![(&validator, v)]),
        (
            "2 (validate + enrich)",
            vec![(&validator, v), (&enricher, e)],
        ),
        (
            "3 (2 validate + enrich)",
            vec![(&validator, v), (&enricher, e), (&hostile, h)],
        ),
    ];
    let servers: Vec<(&str, Assembled)> = sets
        .iter()
        .enumerate()
        .map(|(i, (label, exts))| {
            let ext_dir = (!exts.is_empty()).then(|| {
                let dir = work.join(format!("ext{i}"));
                for (n, (wasm, manifest)) in exts.iter().enumerate() {
                    install(&dir, &format!("{n}"), wasm, manifest);
                }
                dir
            });
            (*label, server(&work, &format!("s{i}"), ext_dir))
        })
        .collect();

    // (a) Creates, interleaved across the four servers.
    const WARM: usize = 200;
    const N: usize = 2000;
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); servers.len()];
    for i in 0..WARM + N {
        for (k, (_, s)) in servers.iter().enumerate() {
            let email = format!("jean.martin{i}@company{}.fr", i % 97);
            let (t, ok) = create(s, &patch("jean", "MARTIN", Some(email)));
            assert!(ok, "a create through {k} extensions was refused");
            if i >= WARM {
                times[k].push(t);
            }
        }
    }
    println!("## Extensions: warm create through the component (µs, {N} each, interleaved)\n");
    println!("| extensions | p50 | p99 | p50 over none |");
    println!("|---|---:|---:|---:|");
    let base = stats(times[0].clone()).p50;
    for ((label, _), t) in servers.iter().zip(&times) {
        let s = stats(t.clone());
        println!(
            "| {label} | {:.1} | {:.1} | {:+.1} |",
            s.p50,
            s.p99,
            s.p50 - base
        );
    }

    // What one failure costs: a create whose hostile validate uses up its
    // fuel (the validator and enricher pass it first), median of 3 (fewer
    // failures than a quarantine takes).
    let mut t: Vec<f64> = (0..3)
        .map(|_| create(&servers[3].1, &patch("Eve", "loop", None)).0)
        .collect();
    t.sort_by(f64::total_cmp);
    println!(
        "\nA create whose validate uses up its fuel (default limits): {:.1} ms (median of 3).",
        t[1] / 1000.0
    );

    // (b) Calm requests beside hostile extensions, with and without attack.
    hostile_floods(&work, &validator, &enricher, &hostile, v, e);
    let _ = std::fs::remove_dir_all(&work);
}

/// Part (b): one run, blocks of calm requests under each kind of flood, in
/// turn, so the machine's own load falls on all of them alike.
fn hostile_floods(
    work: &Path,
    validator: &Path,
    enricher: &Path,
    hostile: &Path,
    v: &str,
    e: &str,
) {
    let h = |name: &str, limits: &str, quarantine: &str| {
        format!(
            r#"{{"name":"{name}","version":"0.1.0","component":"h.wasm","hooks":["validate"],"grants":["kv"],"on_failure":"skip","limits":{{{limits}}},"quarantine":{{{quarantine}}}}}"#
        )
    };
    // `slow` spins with fuel to spare: only its deadline stops it.
    let slow_limits = r#""fuel":10000000000"#;
    let servers: Vec<Arc<Assembled>> = ["", r#""after":1000000"#]
        .iter()
        .enumerate()
        .map(|(i, quarantine)| {
            let dir = work.join(format!("hostile{i}"));
            install(&dir, "10-validator", validator, v);
            install(&dir, "20-enricher", enricher, e);
            install(&dir, "30-hostile", hostile, &h("hostile", "", quarantine));
            install(
                &dir,
                "40-slow",
                hostile,
                &h("slow", slow_limits, quarantine),
            );
            Arc::new(server(work, &format!("hostile{i}"), Some(dir)))
        })
        .collect();
    let ids: Vec<u64> = servers
        .iter()
        .map(|s| {
            let cx = cx();
            s.app
                .runtime
                .call(|api, st| api.call_create(st, &cx, None, &patch("Ann", "Lee", None)))
                .expect("call")
                .expect("create")
                .contact
                .id
        })
        .collect();

    // The flooding clients: each sends a create every FLOOD_PERIOD to the
    // server and of the kind that `mode` says, none while it says Quiet.
    let mode: Arc<Mutex<(usize, Flood)>> = Arc::new(Mutex::new((0, Flood::Quiet)));
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let flooders: Vec<_> = (0..FLOODERS)
        .map(|c| {
            let (servers, mode, stop, sent) =
                (servers.clone(), mode.clone(), stop.clone(), sent.clone());
            std::thread::spawn(move || {
                let mut i = c;
                let mut next = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    if let Some(wait) = next.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    next = Instant::now().max(next) + FLOOD_PERIOD;
                    let (server, flood) = *mode.lock().unwrap();
                    let name = match flood {
                        Flood::Quiet => continue,
                        Flood::Polite => "veto",
                        Flood::Hostile => ATTACKS[i % ATTACKS.len()],
                    };
                    let email = Some(format!("eve{c}.{i}@company.fr"));
                    create(&servers[server], &patch("Eve", name, email));
                    sent.fetch_add(1, Ordering::Relaxed);
                    i += FLOODERS;
                }
            })
        })
        .collect();

    // The calm client: a create through the validator and the enricher,
    // then a read, per round; BLOCK rounds per block, blocks in turn.
    const BLOCK: usize = 100;
    const ROUNDS: usize = 20;
    let conditions: [(&str, usize, Flood); 4] = [
        ("quiet", 0, Flood::Quiet),
        ("polite flood", 0, Flood::Polite),
        ("hostile flood", 0, Flood::Hostile),
        ("hostile flood, never quarantined", 1, Flood::Hostile),
    ];
    let mut creates = vec![Vec::new(); conditions.len()];
    let mut gets = vec![Vec::new(); conditions.len()];
    let mut failures = 0usize;
    let cx = cx();
    let mut n = 0usize;
    for round in 0..=ROUNDS {
        for (k, (label, server, flood)) in conditions.iter().enumerate() {
            *mode.lock().unwrap() = (*server, *flood);
            // Let the flood start before timing.
            std::thread::sleep(Duration::from_millis(20));
            let s = &servers[*server];
            for _ in 0..BLOCK {
                n += 1;
                let email = Some(format!("calm{n}@company{}.fr", n % 97));
                let p = patch("calm", &format!("CALM{n}"), email);
                let t0 = Instant::now();
                let made = s
                    .app
                    .runtime
                    .call(|api, st| api.call_create(st, &cx, None, &p));
                let t = t0.elapsed().as_secs_f64() * 1e6;
                let t0 = Instant::now();
                let got = s
                    .app
                    .runtime
                    .call(|api, st| api.call_get(st, &cx, ids[*server]));
                let g = t0.elapsed().as_secs_f64() * 1e6;
                for outcome in [made.map(|r| r.map(|_| ())), got.map(|r| r.map(|_| ()))] {
                    if !matches!(outcome, Ok(Ok(()))) {
                        failures += 1;
                        eprintln!("a calm request failed ({label}): {outcome:?}");
                    }
                }
                // Round 0 warms every condition up.
                if round > 0 {
                    creates[k].push(t);
                    gets[k].push(g);
                }
            }
        }
    }
    *mode.lock().unwrap() = (0, Flood::Quiet);
    stop.store(true, Ordering::Relaxed);
    for f in flooders {
        f.join().expect("flooder");
    }
    let counts = |s: &Assembled| {
        let stats = s.extensions.as_ref().expect("extensions").stats();
        stats
            .iter()
            .filter(|x| x.name == "hostile" || x.name == "slow")
            .map(|x| {
                format!(
                    "{}: {} calls, {} failures, {} unrun, {} quarantines",
                    x.name, x.calls, x.failures, x.unrun, x.quarantines
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    println!(
        "\n## Extensions: calm requests beside hostile extensions (µs, {} rounds each, {failures} calm failures)\n",
        BLOCK * ROUNDS
    );
    println!(
        "{FLOODERS} clients each send a create every {} ms ({} in all) that the hostile extensions \
         (`skip`) fail on ({}) or refuse politely; blocks of {BLOCK} calm rounds (a create through \
         the validator and the enricher, then a read) under each condition in turn.\n\
         Quarantined server: {}.\nNever quarantined: {}.\n",
        FLOOD_PERIOD.as_millis(),
        sent.load(Ordering::Relaxed),
        ATTACKS.join(", "),
        counts(&servers[0]),
        counts(&servers[1]),
    );
    println!("| condition | create p50 / p99 | p99 ÷ quiet | get p50 / p99 | p99 ÷ quiet |");
    println!("|---|---:|---:|---:|---:|");
    let quiet = (stats(creates[0].clone()), stats(gets[0].clone()));
    for (k, (label, _, _)) in conditions.iter().enumerate() {
        let (c, g) = (stats(creates[k].clone()), stats(gets[k].clone()));
        println!(
            "| {label} | {:.1} / {:.1} | {:.2}× | {:.1} / {:.1} | {:.2}× |",
            c.p50,
            c.p99,
            c.p99 / quiet.0.p99,
            g.p50,
            g.p99,
            g.p99 / quiet.1.p99
        );
    }
}
