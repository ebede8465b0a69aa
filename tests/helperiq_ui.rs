//! The HelperIQ agent UI's own API module, unchanged, driven under Node by
//! `tests/clients/helperiq_ui.mjs` against the real server; then the server
//! side is checked over raw HTTP, so this test also fails on its own terms.

mod support;

use std::path::PathBuf;

use serde_json::{Value, json};
use support::{Reply, Server};

const HQ: (&str, &str) = ("X-Contacts-Dialect", "helperiq");

/// The copy of the UI module with its packages (`scripts/setup.sh`).
fn ui_dir() -> PathBuf {
    let dir = std::env::var_os("CONTACTS_UI_DIR").map_or_else(
        || support::workspace_root().join("target/clients/helperiq-ui"),
        PathBuf::from,
    );
    assert!(
        dir.join("frontend/src/api/index.js").is_file() && dir.join("node_modules/axios").is_dir(),
        "the HelperIQ UI module is not installed in {}: run scripts/setup.sh \
         (or point CONTACTS_UI_DIR at a copy with its node_modules)",
        dir.display()
    );
    dir
}

fn hq_get(s: &Server, path: &str, token: &str) -> Reply {
    s.send("GET", path, Some(token), &[HQ], None)
}

fn data(r: &Reply) -> Value {
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["data"].clone()
}

fn quick(s: &Server, token: &str, first: &str, last: &str, email: &str) {
    let r = s.send(
        "POST",
        "/api/v1/contacts/quick",
        Some(token),
        &[HQ, ("Content-Type", "application/json")],
        Some(
            json!({"first_name": first, "last_name": last, "email": email})
                .to_string()
                .as_bytes(),
        ),
    );
    assert_eq!(r.status, 200, "{r:?}");
}

#[test]
fn the_agent_ui_module_works_against_the_server() {
    let ui = ui_dir();
    let s = Server::start();
    let alice = s.token(&["--name", "Alice Agent", "--email", "alice@helpdesk.example"]);
    let bob = s.token(&[
        "--name",
        "Bob Agent",
        "--email",
        "bob@helpdesk.example",
        "--scopes",
        "contacts:read,contact_notes:read,contact_notes:write",
    ]);

    // The oldest contact comes from another integration (BlueRockTEL), the
    // others from the helpdesk, in this order.
    let owner = s.owner(&alice, "customers", "ACME", "CL1");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        &alice,
        &json!({"first_name": "Linda", "last_name": "Olsen", "email": "linda@example.com",
               "mobile_phone": "06 12 34 56 78"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let linda = r.json()["id"].as_u64().expect("id");
    let r = s.send(
        "PUT",
        &format!("/api/v1/contacts/{linda}"),
        Some(&alice),
        &[HQ, ("Content-Type", "application/json")],
        Some(br#"{"avatar_url": "https://cdn.example/linda.png"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    quick(&s, &alice, "Zed", "", "zed@zorg.example");
    for i in 1..=16 {
        quick(
            &s,
            &alice,
            "Guest",
            &i.to_string(),
            &format!("guest{i}@example.com"),
        );
    }

    let base = format!("http://{}", s.addr);
    let script = support::workspace_root().join("tests/clients/helperiq_ui.mjs");
    let out = support::run_client(
        "node",
        &[script.to_str().expect("utf-8 path")],
        &[
            ("CONTACTS_BASE_URL", &base),
            ("CONTACTS_TOKEN", &alice),
            ("CONTACTS_OTHER_TOKEN", &bob),
            ("CONTACTS_UI_DIR", ui.to_str().expect("utf-8 path")),
            ("CONTACTS_CONTACT_ID", &linda.to_string()),
            ("CONTACTS_SEEDED", "18"),
        ],
    );
    assert!(out.contains("all steps passed"), "{out}");

    // What the UI did, as the server now holds it.
    let c = data(&hq_get(&s, &format!("/api/v1/contacts/{linda}"), &alice));
    assert_eq!(c["first_name"], "Lindy");
    assert_eq!(c["last_name"], "Olsen");
    assert_eq!(c["email"], "linda@example.com");
    assert_eq!(c["blocked"], false);
    assert_eq!(c["avatar_url"], Value::Null, "removed from the UI");
    assert_eq!(c["phones"][0]["e164"], "+33612345678");
    assert_eq!(c["phones"][0]["type"], "mobile", "the form keeps the type");
    let brt = s.get(&format!("/api/v1/contacts/{linda}"), &alice);
    assert_eq!(brt.status, 200, "{brt:?}");
    assert_eq!(brt.json()["first_name"], "Lindy");

    let notes = data(&hq_get(
        &s,
        &format!("/api/v1/contacts/{linda}/notes"),
        &alice,
    ));
    assert_eq!(notes.as_array().map(Vec::len), Some(1), "{notes}");
    assert_eq!(notes[0]["first_name"], "Alice");
    assert_eq!(notes[0]["content"], "<p>Wants invoice changes</p>");

    let r = hq_get(&s, "/api/v1/contacts/search?q=nora%40example.com", &alice);
    assert_eq!(data(&r), json!([]), "the deleted contact");

    // The outbox saw each kind of write the UI made.
    let events = s.get("/api/v1/events?after=0&limit=1000", &alice).json();
    let kinds: Vec<&str> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for kind in [
        "contact.updated",
        "contact.blocked",
        "note.created",
        "note.deleted",
        "contact.deleted",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let notified = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .find(|e| e["kind"] == "note.created")
        .map(|e| e["body"]["notify_user_ids"].clone());
    let bob_id = s.get("/api/v1/agents/me", &bob).json()["data"]["id"].clone();
    assert_eq!(notified, Some(json!([bob_id])));
}
