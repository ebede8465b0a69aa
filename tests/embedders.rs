//! The component as platforms embed it: the pure build (no WASI) beside the
//! wasm32-wasip2 one, both run by the reference server; the Node (jco) and
//! Python (wasmtime-py) examples run end to end on their in-memory stores,
//! a failing store read included (the call traps, the instance is dropped);
//! those stores pass the store conformance cases; misuse of `configure` is
//! refused. The examples' packages come from `scripts/setup.sh`.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;
use support::{BIN, Server, run_client, workspace_root};
use wasmtime::component::Component;

/// The two builds that build.rs embeds: the one the server runs by default,
/// and the pure one, published beside it for embedders.
const WASIP2: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/contacts_guest.wasm"));
const PURE: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/contacts_guest_pure.wasm"));

fn scratch(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("embedders-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write the component");
    path
}

fn imports(wasm: &[u8]) -> Vec<String> {
    let engine = contacts_host::runtime::engine().expect("engine");
    let component = Component::from_binary(&engine, wasm).expect("a valid component");
    component
        .component_type()
        .imports(&engine)
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The examples' installed tools (`scripts/setup.sh`).
fn examples_dir() -> PathBuf {
    workspace_root().join("target/examples")
}

fn jco() -> PathBuf {
    let jco = examples_dir().join("node/node_modules/.bin/jco");
    assert!(
        jco.is_file(),
        "jco is not installed in {}: run scripts/setup.sh",
        jco.display()
    );
    jco
}

fn python() -> PathBuf {
    let python = examples_dir().join("python/bin/python");
    assert!(
        python.is_file(),
        "the examples' Python environment is missing ({}): run scripts/setup.sh",
        python.display()
    );
    python
}

fn path_str(p: &Path) -> &str {
    p.to_str().expect("a UTF-8 path")
}

/// The pure build transpiled by jco, as the Node example expects it.
fn transpiled(dir: &Path) -> PathBuf {
    let wasm = write(dir, "contacts_guest_pure.wasm", PURE);
    let out = dir.join("generated");
    let jco = jco();
    run_client(
        path_str(&jco),
        &[
            "transpile",
            path_str(&wasm),
            "-o",
            path_str(&out),
            "--name",
            "contacts",
            "--instantiation",
            "sync",
            "--quiet",
        ],
        &[],
    );
    // The glue is an ES module; say so, as examples/node/package.json does.
    std::fs::write(out.join("package.json"), "{\"type\": \"module\"}\n").expect("package.json");
    out
}

/// What both examples must print, in this order, whatever their binding.
fn assert_the_walkthrough(binding: &str, out: &str) {
    let lines: Vec<&str> = out.lines().collect();
    let expected = [
        "misuse: the component refused its settings: unknown default region \"XX\"",
        "misuse: before configure: unavailable: the component is not configured",
        "created: #1 Jeanne Dupont <Jeanne.Dupont@example.com> +33612345678 of ACME (CL000001)",
        "lookup: +33 (0)6.12.34.56.78 -> #1 +33612345678 (exact)",
        "caller id: 0612345678 -> #1 Jeanne Dupont +33612345678 (national)",
        "search: dupon -> #1 Jeanne Dupont <Jeanne.Dupont@example.com>",
        "updated: #1 Jeanne-Marie Dupont <Jeanne.Dupont@example.com> +33612345678 +33145678901 of ACME",
        "trap: storage unavailable; instances discarded: 1; then: #1 Jeanne-Marie Dupont",
        "invalid (bad email): invalid: email_address: The email address field must be a valid email address.",
        "invalid (unknown owner): invalid: contactable_id: The selected contactable customer does not exist.",
        "store: 1 contact(s), 2 event(s)",
    ];
    assert_eq!(lines.len(), expected.len(), "{binding} printed:\n{out}");
    for (line, want) in lines.iter().zip(expected) {
        assert!(
            line.starts_with(want),
            "{binding}: {line:?} should start with {want:?}\n{out}"
        );
    }
}

#[test]
fn the_pure_build_imports_only_the_contacts_capabilities() {
    let pure = imports(PURE);
    assert!(!pure.is_empty());
    for name in &pure {
        assert!(
            name.starts_with("contacts:core/"),
            "the pure build imports {name}"
        );
    }
    for needed in ["store", "directory", "hooks"] {
        let name = format!("contacts:core/{needed}@0.1.0");
        assert!(pure.contains(&name), "{name} missing from {pure:?}");
    }
    // The default build is the other one: its std imports WASI.
    assert!(
        imports(WASIP2)
            .iter()
            .any(|n| n.starts_with("wasi:random/")),
        "the wasm32-wasip2 build should import WASI"
    );
}

#[test]
fn the_server_runs_the_pure_build() {
    let dir = scratch("server");
    let wasm = write(&dir, "contacts_guest_pure.wasm", PURE);
    let s = Server::start_with(&["--component", path_str(&wasm)]);
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={acme}"),
        &t,
        &json!({"last_name": "Doe", "email": "jane.doe@example.com", "mobile_phone": "06 12 34 56 78"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_u64().expect("id");
    let r = s.get("/api/v1/contacts/numbers?phone_number=0033612345678", &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], id);
    assert_eq!(r.json()["data"]["matched_e164"], "+33612345678");
    // Validation runs in the pure build as in the other one.
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={acme}"),
        &t,
        &json!({"last_name": "Roe", "email": "not an email"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    drop(s);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn an_unknown_region_stops_the_server_at_start() {
    let dir = scratch("region");
    let db = format!("sqlite:{}", dir.join("contacts.db").display());
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--db",
            &db,
            "--region",
            "XX",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the server");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            panic!("the server kept running with --region XX");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().expect("stderr"), &mut stderr)
        .expect("read stderr");
    assert!(!status.success(), "{stderr}");
    assert!(
        stderr.contains("unknown default region \"XX\""),
        "the refusal should name the region: {stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_node_example_runs_the_pure_build() {
    let dir = scratch("node");
    let generated = transpiled(&dir);
    let out = run_client(
        "node",
        &["examples/node/main.mjs", path_str(&generated)],
        &[],
    );
    assert_the_walkthrough("node", &out);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_python_example_runs_both_builds() {
    let dir = scratch("python");
    let python = python();
    let pure = write(&dir, "contacts_guest_pure.wasm", PURE);
    let out = run_client(
        path_str(&python),
        &["examples/python/main.py", path_str(&pure)],
        &[],
    );
    assert_the_walkthrough("python (pure)", &out);
    let wasip2 = write(&dir, "contacts_guest.wasm", WASIP2);
    let out = run_client(
        path_str(&python),
        &["examples/python/main.py", path_str(&wasip2), "--wasi"],
        &[],
    );
    assert_the_walkthrough("python (wasm32-wasip2)", &out);
    let _ = std::fs::remove_dir_all(&dir);
}

fn assert_conformance(binding: &str, out: &str) {
    let cases =
        std::fs::read_to_string(workspace_root().join("examples/conformance/store-cases.json"))
            .expect("the cases");
    let total = serde_json::from_str::<serde_json::Value>(&cases).expect("JSON")["cases"]
        .as_array()
        .expect("cases")
        .len();
    assert!(
        out.lines()
            .any(|l| l == format!("{total} passed, 0 failed")),
        "{binding} store:\n{out}"
    );
}

#[test]
fn the_node_store_passes_the_conformance_cases() {
    let out = run_client("node", &["examples/node/conformance.mjs"], &[]);
    assert_conformance("node", &out);
}

#[test]
fn the_python_store_passes_the_conformance_cases() {
    let python = python();
    let out = run_client(path_str(&python), &["examples/python/conformance.py"], &[]);
    assert_conformance("python", &out);
}
