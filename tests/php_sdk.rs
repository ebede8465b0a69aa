//! The official BlueRockTEL PHP SDK, unchanged, against the real server: an
//! agent logs in with email and password through the stock connector and
//! drives every contact call (`tests/clients/bluerocktel_sdk.php`). The server
//! side is then checked over raw HTTP, so the test does not rest on the
//! script's word alone.

mod support;

use serde_json::Value;
use support::{Server, clients_dir, run_client};

const EMAIL: &str = "agent.smith@example.com";
// Characters that must survive the SDK's query-string login.
const PASSWORD: &str = "c0rrect horse+battery&staple=é%#";
const CUSTOMER: &str = "ACME SARL";

#[test]
fn the_official_php_sdk_drives_every_contact_call() {
    drive_the_sdk(&Server::start());
}

/// A server whose shared routes default to another dialect still serves the
/// SDK: its login token is bound to bluerocktel (spec §4).
#[test]
fn the_sdk_works_when_another_dialect_is_the_default() {
    drive_the_sdk(&Server::start_with(&["--default-dialect", "helperiq"]));
}

fn drive_the_sdk(s: &Server) {
    let token = s.agent_with_login("Agent Smith", EMAIL, PASSWORD);
    let customer = s.owner(&token, "customers", CUSTOMER, "CL000123");

    let script = support::workspace_root().join("tests/clients/bluerocktel_sdk.php");
    let clients = clients_dir();
    let base = format!("http://{}", s.addr);
    // The SDK is given the email in another case: logins compare it case-insensitively.
    let email = EMAIL.to_uppercase();
    let out = run_client(
        "php",
        &[script.to_str().expect("utf-8 path")],
        &[
            ("CONTACTS_CLIENTS", clients.to_str().expect("utf-8 path")),
            ("CONTACTS_BASE", &base),
            ("CONTACTS_EMAIL", &email),
            ("CONTACTS_PASSWORD", PASSWORD),
            ("CONTACTS_CUSTOMER", &customer.to_string()),
            ("CONTACTS_CUSTOMER_NAME", CUSTOMER),
        ],
    );

    // The script's last line names what it deleted and what it kept.
    let last = out.lines().last().unwrap_or_default();
    let ids: Vec<u64> = last
        .split_whitespace()
        .filter_map(|w| w.parse().ok())
        .collect();
    let [deleted, kept] = ids[..] else {
        panic!("unexpected last line {last:?} in\n{out}");
    };

    // The server agrees: the deleted contact is gone, by id and by number.
    // (The CLI token speaks the server's default dialect: ask for ours.)
    let get = |target: &str| {
        s.send(
            "GET",
            target,
            Some(&token),
            &[("X-Contacts-Dialect", "bluerocktel")],
            None,
        )
    };
    let r = get(&format!("/api/v1/contacts/{deleted}"));
    assert_eq!(r.status, 404, "{r:?}");
    let r = get("/api/v1/contacts/numbers?phone_number=0612345678");
    assert_eq!(r.status, 404, "{r:?}");
    let r = get(&format!(
        "/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={customer}"
    ));
    assert_eq!(r.status, 200, "{r:?}");
    let list = r.json();
    let list = list.as_array().expect("bare array");
    assert_eq!(list.len(), 1, "{list:?}");
    // The minimal contact as the SDK made it: its explicit defaults stored.
    let paul = &list[0];
    assert_eq!(paul["id"], kept);
    assert_eq!(paul["last_name"], "Bernard");
    assert_eq!(paul["company"], CUSTOMER);
    assert_eq!(paul["newsletters_recipient"], false);
    assert_eq!(paul["source"], "admin");
    assert_eq!(paul["civility"], Value::Null);

    // The outbox saw every write the SDK made, in order; re-sending an
    // unchanged entity wrote nothing.
    let r = s.get("/api/v1/events?after=0&limit=100", &token);
    assert_eq!(r.status, 200, "{r:?}");
    let events = r.json()["data"].as_array().expect("events").clone();
    let kinds: Vec<(&str, u64)> = events
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or_default(),
                e["contact_id"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("contact.created", deleted),
            ("contact.created", kept),
            ("contact.updated", deleted),
            ("contact.deleted", deleted),
        ],
        "{events:#?}"
    );
}
