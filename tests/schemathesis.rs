//! Schema-driven API testing (issue 17): schemathesis, pinned by
//! `tests/schemathesis/requirements.txt` and installed by `scripts/setup.sh`,
//! generates requests from each OpenAPI document the server publishes
//! (`/openapi/<name>.json`) and sends them to the real server on a seeded
//! database. A request the document allows must get an answer the document
//! describes (status, content type, body schema); no request, allowed or
//! not, may get a 5xx. The number of examples and the seed are fixed, so a
//! run is bounded and repeatable.

mod support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;
use support::{Server, workspace_root};

/// Generated requests per operation and mode: enough to reach every status
/// a document lists, bounded so the four documents take about a minute.
const EXAMPLES: &str = "20";

fn schemathesis() -> PathBuf {
    std::env::var_os("CONTACTS_SCHEMATHESIS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target/schemathesis/bin/schemathesis"))
}

/// A server with a contact of each dialect, an owner, a company, a deal, a
/// note and a portal account to find, and a token holding every scope.
fn seeded() -> (Server, String) {
    let s = Server::start_with(&["--custom-fields", "cf_tier"]);
    let t = s.admin();
    let owner = s.owner(&t, "customers", "ACME", "CL000001");
    let created = |method: &str, path: &str, body: serde_json::Value| {
        let r = s.json(method, path, &t, &body);
        assert!(r.status == 200 || r.status == 201, "{path}: {r:?}");
        r.json()
    };
    created(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        json!({"last_name": "Doe", "email": "jane@example.com", "mobile_phone": "0612345678"}),
    );
    let ann = created(
        "POST",
        "/api/contacts",
        json!({"first_name": "Ann", "email": "ann@example.com", "cf_tier": "gold",
               "phones": [{"number": "+33 6 12 34 56 79", "type": "work"}]}),
    );
    let id = ann["id"].as_u64().unwrap();
    created(
        "POST",
        "/api/companies",
        json!({"name": "Initech", "domain": "initech.example"}),
    );
    created("POST", "/api/deals", json!({"name": "Deal"}));
    created(
        "POST",
        &format!("/api/v1/contacts/{id}/notes"),
        json!({"content": "Called back"}),
    );
    created("POST", "/api/v1/clients", json!({"contact_id": id}));
    (s, t)
}

/// Runs schemathesis on one document, in one generation mode with the given
/// checks, and fails the test with its report unless every case passed.
fn run(s: &Server, token: &str, document: &str, mode: &str, checks: &str) {
    let scratch = s.dir.join(format!("schemathesis-{document}-{mode}"));
    std::fs::create_dir_all(&scratch).unwrap();
    let base = format!("http://{}", s.addr);
    let out = Command::new(schemathesis())
        .current_dir(&scratch)
        .args(["run", &format!("{base}/openapi/{document}.json")])
        .args(["--url", &base])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["--mode", mode, "--checks", checks])
        .args(["--max-examples", EXAMPLES, "--seed", "17"])
        .args(["--generation-database", "none", "--no-color"])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run schemathesis ({e}): run scripts/setup.sh first, it installs it")
        });
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "schemathesis on {document} ({mode}) failed:\n{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A run that generated nothing would pass without testing anything.
    assert!(report.contains(" passed"), "{report}");
}

fn document(name: &str) {
    let (s, t) = seeded();
    run(
        &s,
        &t,
        name,
        "positive",
        "not_a_server_error,status_code_conformance,content_type_conformance,\
         response_schema_conformance",
    );
    run(&s, &t, name, "negative", "not_a_server_error");
}

#[test]
fn bluerocktel() {
    document("bluerocktel");
}

#[test]
fn helperiq() {
    document("helperiq");
}

#[test]
fn relatecrm() {
    document("relatecrm");
}

#[test]
fn platform() {
    document("platform");
}
