//! The operator's console end to end in headless Chromium (Debian's
//! `chromium`, installed by `scripts/setup.sh`): `tests/clients/console_browser.mjs`
//! drives the page over the DevTools protocol against the real server and
//! reports what it showed; this test asserts on that. Screenshots are kept
//! under `target/console-e2e/`.

mod support;

use serde_json::{Value, json};
use support::Server;

const HQ: (&str, &str) = ("X-Contacts-Dialect", "helperiq");

fn chromium() -> String {
    let path = std::env::var("CONTACTS_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    assert!(
        std::path::Path::new(&path).is_file(),
        "{path} not found: run scripts/setup.sh (it installs Debian's chromium), \
         or point CONTACTS_CHROMIUM at a Chromium binary"
    );
    path
}

fn post(s: &Server, token: &str, path: &str, headers: &[(&str, &str)], body: Value) -> Value {
    let mut all = vec![("Content-Type", "application/json")];
    all.extend_from_slice(headers);
    let r = s.send(
        "POST",
        path,
        Some(token),
        &all,
        Some(body.to_string().as_bytes()),
    );
    assert!((200..300).contains(&r.status), "{path}: {r:?}");
    r.json()
}

#[test]
fn an_operator_logs_in_searches_opens_a_contact_and_tests_caller_ids() {
    let chromium = chromium();
    let s = Server::start();
    let token = s.token(&["--name", "Olivia Operator"]);
    let customer = s.owner(&token, "customers", "Acme SARL", "CL000123");
    let owner = format!("contactable_type=App%5CCustomer&contactable_id={customer}");
    let bluerocktel = ("X-Contacts-Dialect", "bluerocktel");
    let jeanne = post(
        &s,
        &token,
        &format!("/api/v1/contacts?{owner}"),
        &[bluerocktel],
        json!({"first_name": "Jeanne", "last_name": "Martinez", "email_address": "jeanne.martinez@acme.fr",
            "mobile_phone": "06 12 34 56 78", "landline_phone": "01 23 45"}),
    )["id"]
        .as_u64()
        .unwrap();
    post(
        &s,
        &token,
        &format!("/api/v1/contacts?{owner}"),
        &[bluerocktel],
        json!({"first_name": "Marc", "last_name": "Dupont", "email_address": "marc@martin-avocats.fr"}),
    );
    post(
        &s,
        &token,
        "/api/v1/contacts/quick",
        &[HQ],
        json!({"first_name": "Ana", "last_name": "Lopez", "email": "ana@example.org"}),
    );
    post(
        &s,
        &token,
        &format!("/api/v1/contacts/{jeanne}/notes"),
        &[HQ],
        json!({"content": "Prefers calls after 2 pm"}),
    );

    let out = support::workspace_root().join("target/console-e2e");
    let scenario = json!({
        "base": format!("http://{}", s.addr),
        "token": token,
        "out": out,
        "chromium": chromium,
        "query": "mart",
        "digits": "0612345678",
        "numbers": ["+33 6 12 34 56 78", "33612345678", "0612345678", "12 34 56 78", "+44 20 7946 0000"],
    });
    let stdout = support::run_client(
        "node",
        &[
            "--experimental-websocket",
            "--no-warnings",
            "tests/clients/console_browser.mjs",
            &scenario.to_string(),
        ],
        &[],
    );
    let seen: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("the driver's report is not JSON ({e}): {stdout}"));

    // Accessible: labelled inputs, live regions for what changes.
    assert_eq!(seen["labelled_inputs"], true, "{seen}");
    let live = seen["live_regions"].to_string();
    for id in [
        "search-status",
        "caller-result",
        "contact-status",
        "login-error",
    ] {
        assert!(live.contains(id), "{id} is not announced: {live}");
    }
    // Login: a wrong token is refused; the right one is kept for the tab only.
    assert!(
        seen["bad_login"].as_str().unwrap().contains("not valid"),
        "{seen}"
    );
    assert_eq!(seen["agent"], "Olivia Operator");
    assert_eq!(seen["token_in_session"], true);

    // Search as you type: both "mart" contacts, the name prefix first, with
    // the matched text highlighted and the reason given.
    let results = seen["search"]["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{results:?}");
    assert_eq!(results[0]["id"], jeanne);
    assert_eq!(results[0]["name"], "Jeanne Martinez");
    assert_eq!(results[0]["rule"], "name prefix");
    assert!(
        results[0]["marks"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().eq_ignore_ascii_case("mart")),
        "{results:?}"
    );
    assert_eq!(results[1]["name"], "Marc Dupont");
    assert_eq!(results[1]["rule"], "within the email");
    assert_eq!(results[1]["marks"], json!(["mart"]));
    assert!(
        seen["search"]["status"]
            .as_str()
            .unwrap()
            .starts_with("2 results")
    );

    // By phone: the digits are marked inside the number as typed.
    let digits = seen["digits"]["results"].as_array().unwrap();
    assert_eq!(digits.len(), 1, "{digits:?}");
    assert_eq!(digits[0]["id"], jeanne);
    assert_eq!(digits[0]["rule"], "exact phone");
    assert_eq!(digits[0]["marks"], json!(["06 12 34 56 78"]));

    // The contact's page: phones as typed with E.164 and validity, the note,
    // the events.
    let contact = &seen["contact"];
    assert_eq!(contact["hash"], format!("#/contact/{jeanne}"));
    assert_eq!(contact["title"], "Jeanne Martinez");
    assert_eq!(
        contact["phones"],
        json!([
            ["06 12 34 56 78", "+33612345678", "mobile", "valid"],
            ["01 23 45", "—", "landline", "not valid"],
        ])
    );
    assert_eq!(contact["notes"], json!(["Prefers calls after 2 pm"]));
    assert_eq!(
        contact["events"],
        json!(["note.created", "contact.created"])
    );

    // The caller-ID tester: each format resolves to Jeanne by its rule.
    let caller = seen["caller"].as_array().unwrap();
    let rules: Vec<(&str, &str)> = caller
        .iter()
        .map(|c| {
            (
                c["outcome"].as_str().unwrap_or_default(),
                c["rule"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("found", "exact"),
            ("found", "international_digits"),
            ("found", "national"),
            ("found", "suffix"),
            ("not-found", ""),
        ],
        "{caller:?}"
    );
    for c in &caller[..4] {
        assert_eq!(c["contact"], "Jeanne Martinez", "{c}");
    }
    assert!(caller[4]["text"].as_str().unwrap().contains("No contact"));

    assert_eq!(seen["logged_out"], true);
    assert_eq!(seen["console_errors"], json!([]), "the page logged errors");
    for shot in ["search.png", "contact.png", "caller.png", "console.png"] {
        let bytes = std::fs::read(out.join(shot)).expect("a screenshot");
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{shot}"
        );
    }
}
