//! What extensions cost: `cargo bench -p contacts-host --bench extensions`.
//!
//! (a) A warm create through the component with 0, 1 (validate), 2
//!     (validate + enrich) and 3 (two validators + enrich) extensions, side
//!     by side, interleaved so the machine's noise falls on all alike.
//! (b) Creates and reads that pass a hostile extension's checks: alone,
//!     while another thread floods it with requests it refuses politely (the
//!     control: the same load, no failure), and while the flood is of
//!     requests it fails on (used-up fuel, memory bomb, trap, oversized
//!     answer): p50 and p99 of each.
//!
//! The extensions are built from their sources first
//! (`scripts/build-extension.sh`). Figures are microseconds, in process
//! (no HTTP), on whatever else the machine is running.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;

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

/// One flood request every this long.
const FLOOD_PERIOD: std::time::Duration = std::time::Duration::from_millis(2);

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

    // (b) Calm requests beside a hostile extension, without and with attack.
    let dir = work.join("hostile");
    install(&dir, "hostile", &hostile, h);
    let s = Arc::new(server(&work, "hostile", Some(dir)));
    let id = {
        let cx = cx();
        s.app
            .runtime
            .call(|api, st| api.call_create(st, &cx, None, &patch("Ann", "Lee", None)))
            .expect("call")
            .expect("create")
            .contact
            .id
    };
    let calm = |s: &Assembled, rounds: usize, offset: usize| {
        let cx = cx();
        let (mut creates, mut gets) = (Vec::new(), Vec::new());
        for i in 0..rounds {
            let (t, ok) = create(s, &patch("Calm", &format!("Calm{}", offset + i), None));
            assert!(ok);
            creates.push(t);
            let t = Instant::now();
            s.app
                .runtime
                .call(|api, st| api.call_get(st, &cx, id))
                .expect("call")
                .expect("get");
            gets.push(t.elapsed().as_secs_f64() * 1e6);
        }
        (stats(creates), stats(gets))
    };
    const ROUNDS: usize = 1500;
    calm(&s, 200, 0);
    let quiet = calm(&s, ROUNDS, 1_000);
    // BENCH_ATTACKS=loop,bomb picks the kinds of hostile requests.
    let kinds: Vec<String> = std::env::var("BENCH_ATTACKS")
        .unwrap_or_else(|_| "loop,bomb,trap,huge".into())
        .split(',')
        .map(str::to_owned)
        .collect();
    // Calm requests while another thread sends requests the extension
    // refuses, 500 a second: `veto` refusals are the control (the same
    // flood, no failure in the sandbox), the hostile kinds the attack.
    let under = |kinds: &[String], offset: usize| {
        let stop = Arc::new(AtomicBool::new(false));
        let sent = Arc::new(AtomicU64::new(0));
        let flood = {
            let (s, stop, sent) = (s.clone(), stop.clone(), sent.clone());
            let kinds = kinds.to_vec();
            std::thread::spawn(move || {
                let started = Instant::now();
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    // A steady rate, the same for both floods.
                    let due = started + FLOOD_PERIOD * i as u32;
                    if let Some(wait) = due.checked_duration_since(Instant::now()) {
                        std::thread::sleep(wait);
                    }
                    let (_, ok) = create(&s, &patch("Eve", &kinds[i % kinds.len()], None));
                    assert!(!ok, "a hostile request was accepted");
                    sent.fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            })
        };
        let figures = calm(&s, ROUNDS, offset);
        stop.store(true, Ordering::Relaxed);
        flood.join().expect("flood");
        (figures, sent.load(Ordering::Relaxed))
    };
    let (polite, vetoes) = under(&["veto".to_owned()], 10_000);
    let (attacked, attacks) = under(&kinds, 20_000);
    println!(
        "\n## Extensions: calm requests beside a hostile extension (µs, {ROUNDS} each, 0 calm failures)\n"
    );
    println!(
        "Flood: another thread sends 500 creates a second that the extension refuses politely \
         ({vetoes} vetoes) or fails on ({attacks}: {}).\n",
        kinds.join(", ")
    );
    println!(
        "| request | quiet p50 / p99 | polite flood p50 / p99 | hostile flood p50 / p99 | p99 hostile / polite | p99 hostile / quiet |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (label, q, p, a) in [
        ("create", &quiet.0, &polite.0, &attacked.0),
        ("get", &quiet.1, &polite.1, &attacked.1),
    ] {
        println!(
            "| {label} | {:.1} / {:.1} | {:.1} / {:.1} | {:.1} / {:.1} | {:.2}× | {:.2}× |",
            q.p50,
            q.p99,
            p.p50,
            p.p99,
            a.p50,
            a.p99,
            a.p99 / p.p99,
            a.p99 / q.p99
        );
    }
    let _ = std::fs::remove_dir_all(&work);
}
