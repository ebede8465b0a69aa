//! What an operator reaches without a token: the landing page, liveness,
//! readiness, Prometheus figures, the first-run hint, JSON logs and the
//! version line, on the real binary.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::Value;
use support::{BIN, Server};

/// The value of the first series of `name` whose line holds every `labels` part.
fn series(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| l.starts_with(name) && labels.iter().all(|p| l.contains(p)))
        .find_map(|l| l.rsplit(' ').next()?.parse().ok())
}

#[test]
fn health_readiness_and_landing_need_no_token() {
    let s = Server::start();
    let r = s.send("GET", "/healthz", None, &[], None);
    assert_eq!((r.status, r.body.as_str()), (200, "ok\n"));
    let r = s.send("GET", "/readyz", None, &[], None);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["status"], "ready");
    assert!(r.json()["index_version"].as_u64().is_some(), "{r:?}");
    let r = s.send("GET", "/", None, &[], None);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/html")
    );
    assert!(r.body.contains("contacts-host token create"), "{}", r.body);
}

#[test]
fn readiness_fails_when_the_database_is_gone() {
    let s = Server::start();
    s.lose_database();
    let r = s.send("GET", "/readyz", None, &[], None);
    assert_eq!(r.status, 503, "{r:?}");
    assert_eq!(r.json()["status"], "unavailable");
    // Liveness is only about the process.
    assert_eq!(s.send("GET", "/healthz", None, &[], None).status, 200);
}

#[test]
fn metrics_count_requests_by_route_dialect_and_status() {
    let s = Server::start();
    let t = s.admin();
    let hq = [("X-Contacts-Dialect", "helperiq")];
    for _ in 0..3 {
        let r = s.send("GET", "/api/v1/contacts/999", Some(&t), &hq, None);
        assert_eq!(r.status, 404, "{r:?}");
    }
    let r = s.send("GET", "/api/v1/contacts/999", Some(&t), &[], None);
    assert_eq!(r.status, 404, "{r:?}");
    let r = s.send("GET", "/api/v1/contacts/1", Some("bad"), &[], None);
    assert_eq!(r.status, 401, "{r:?}");

    let r = s.send("GET", "/metrics", None, &[], None);
    assert_eq!(r.status, 200, "{r:?}");
    assert!(
        r.header("content-type")
            .unwrap_or("")
            .starts_with("text/plain; version=0.0.4"),
        "{r:?}"
    );
    let text = &r.body;
    let route = "route=\"/api/v1/contacts/{id}\"";
    let requests = "contacts_http_requests_total";
    assert_eq!(
        series(
            text,
            requests,
            &[route, "dialect=\"helperiq\"", "status=\"404\""]
        ),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        series(
            text,
            requests,
            &[route, "dialect=\"bluerocktel\"", "status=\"404\""]
        ),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        series(
            text,
            requests,
            &[route, "dialect=\"none\"", "status=\"401\""]
        ),
        Some(1.0),
        "{text}"
    );
    // Ids never make series of their own.
    assert!(!text.contains("/api/v1/contacts/999"), "{text}");
    let histogram = "contacts_http_request_duration_seconds_count";
    assert_eq!(
        series(text, histogram, &[route, "method=\"GET\""]),
        Some(5.0),
        "{text}"
    );
    assert!(
        series(text, "contacts_component_calls_total", &[]).unwrap_or(0.0) >= 4.0,
        "{text}"
    );
    assert_eq!(
        series(text, "contacts_component_traps_total", &[]),
        Some(0.0)
    );
    assert!(
        series(text, "contacts_store_file_bytes", &["file=\"database\""]).unwrap_or(0.0) > 0.0,
        "{text}"
    );
    // SQLite's write-ahead log's size is reported (it may be empty right
    // now); PostgreSQL's WAL belongs to the whole server, not to one
    // database, and is not. The process's resident memory is (Linux).
    assert_eq!(
        series(text, "contacts_store_file_bytes", &["file=\"wal\""]).is_some(),
        !support::postgres::chosen(),
        "{text}"
    );
    if cfg!(target_os = "linux") {
        let rss = series(text, "process_resident_memory_bytes", &[]).unwrap_or(0.0);
        assert!(rss > 1e6, "{text}");
    }
    assert!(text.contains("# TYPE contacts_http_request_duration_seconds histogram"));
}

#[test]
fn first_run_says_how_to_make_a_token_and_logs_can_be_json() {
    let dir = std::env::temp_dir().join(format!("ops-first-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite:{}", dir.join("contacts.db").display());
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", &db])
        .args(["--log-format", "json"])
        .arg("--cache-dir")
        .arg(dir.join("cache"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    out.read_line(&mut line).unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("{line:?}"))
        .to_owned();
    let s = support::send_to(&addr, "GET", "/healthz", None, &[], None);
    assert_eq!(s.status, 200);
    let _ = child.kill();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains(&format!(
            "contacts-host token create --db {db} --name \"First Agent\""
        )),
        "{stderr}"
    );
    // Every log line is a JSON object; the request has its access line.
    let logs: Vec<Value> = stderr
        .lines()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        logs.iter().any(|l| l["route"] == "/healthz"
            && l["status"] == 200
            && l["method"] == "GET"
            && l["micros"].is_u64()),
        "{stderr}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn version_names_the_component() {
    let out = Command::new(BIN).arg("--version").output().expect("run");
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("contacts-host 0."), "{text}");
    assert!(text.contains("component contacts:core@"), "{text}");
    assert!(text.contains("sha256:"), "{text}");
    assert!(text.contains("index v"), "{text}");
}
