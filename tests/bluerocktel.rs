//! The BlueRockTEL dialect end to end: the real host binary, the real
//! component, a temporary SQLite file, real HTTP.

mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use support::{BIN, Server, enc};

const CUSTOMER: &str = "App%5CCustomer";

fn contacts_of(s: &Server, token: &str, owner: u64) -> Vec<Value> {
    let r = s.get(
        &format!("/api/v1/contacts?contactable_type={CUSTOMER}&contactable_id={owner}"),
        token,
    );
    assert_eq!(r.status, 200, "{r:?}");
    r.json().as_array().expect("bare array").clone()
}

fn create(s: &Server, token: &str, owner: u64, body: Value) -> support::Reply {
    s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type={CUSTOMER}&contactable_id={owner}"),
        token,
        &body,
    )
}

fn jane(s: &Server, token: &str, owner: u64) -> u64 {
    let r = create(
        s,
        token,
        owner,
        json!({"first_name": "Jane", "last_name": "Doe", "email": "jane.doe@acme.fr",
               "mobile_phone": "06 12 34 56 78", "landline_phone": "+33 1 23 45 67 89"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["id"].as_u64().expect("id")
}

fn events(s: &Server, token: &str) -> Vec<String> {
    let r = s.get("/api/v1/events?after=0&limit=1000", token);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["data"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["kind"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn every_route_needs_a_valid_token() {
    let s = Server::start();
    for (method, path) in [
        (
            "GET",
            "/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id=1",
        ),
        (
            "POST",
            "/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id=1",
        ),
        ("GET", "/api/v1/contacts/1"),
        ("PUT", "/api/v1/contacts/1"),
        ("DELETE", "/api/v1/contacts/1"),
        ("GET", "/api/v1/contacts/numbers?phone_number=0612345678"),
        ("GET", "/api/v1/contacts/1/accounts"),
        ("GET", "/api/v1/contacts/1/coworkers"),
        ("POST", "/api/v1/customers"),
    ] {
        for token in [None, Some("ct_not_a_real_token")] {
            let r = s.send(method, path, token, &[], None);
            assert_eq!(r.status, 401, "{method} {path}: {r:?}");
            assert_eq!(r.json(), json!({"message": "Unauthenticated."}));
        }
    }
}

#[test]
fn create_get_list_update_delete() {
    let s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME SARL", "CL000123");

    // camelCase aliases of the official SDK, with its read-only and unknown keys.
    let r = create(
        &s,
        &t,
        acme,
        json!({"civility": 1, "firstName": "Jane", "lastName": "Doe",
               "emailAddress": "Jane.Doe@ACME.fr", "mobilePhone": "06 12 34 56 78",
               "legalRepresentative": true, "service": 3, "company": "ignored",
               "id": 999, "active": true, "technicalContact": false, "response": {},
               "role": null}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let c = r.json();
    let id = c["id"].as_u64().unwrap();
    assert_ne!(id, 999);
    assert_eq!(c["first_name"], "Jane");
    assert_eq!(c["firstName"], "Jane");
    assert_eq!(c["email_address"], "Jane.Doe@acme.fr");
    assert_eq!(c["emailAddress"], "Jane.Doe@acme.fr");
    assert_eq!(c["mobile_phone"], "06 12 34 56 78");
    assert_eq!(c["civility"], 1);
    assert_eq!(c["service"], 3);
    assert_eq!(c["legal_representative"], true);
    assert_eq!(c["newsletters_recipient"], true);
    assert_eq!(c["is_signer_contract"], false);
    assert_eq!(c["is_signer_iban"], false);
    assert_eq!(c["source"], "admin");
    assert_eq!(c["contactable_type"], "App\\Customer");
    assert_eq!(c["contactable_id"], acme);
    assert_eq!(c["sync_needed"], true);

    let r = s.get(&format!("/api/v1/contacts/{id}"), &t);
    assert_eq!(r.status, 200);
    let g = r.json();
    assert_eq!(g["company"], "ACME SARL");
    assert_eq!(g["customer_id"], acme);
    assert_eq!(g["customer_account"], "CL000123");
    assert_eq!(g["has_client"], false);
    assert_eq!(g["permissions"], json!([]));
    assert!(g["created_at"].as_str().unwrap().ends_with('Z'));

    // Partial update: 201, absent keys untouched, null clears.
    let r = s.json(
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &t,
        &json!({"role": "CFO", "mobile_phone": null, "source": "import"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let u = r.json();
    assert_eq!(u["role"], "CFO");
    assert_eq!(u["mobile_phone"], Value::Null);
    assert_eq!(u["first_name"], "Jane");
    assert_eq!(u["source"], "import");

    assert_eq!(contacts_of(&s, &t, acme).len(), 1);

    // DELETE as the SDK sends it: a `[]` JSON body.
    let r = s.send(
        "DELETE",
        &format!("/api/v1/contacts/{id}"),
        Some(&t),
        &[("Content-Type", "application/json")],
        Some(b"[]"),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert!(r.json()["message"].is_string());
    assert_eq!(s.get(&format!("/api/v1/contacts/{id}"), &t).status, 404);
    assert_eq!(
        events(&s, &t),
        ["contact.created", "contact.updated", "contact.deleted"]
    );
}

#[test]
fn unknown_ids_are_404() {
    let s = Server::start();
    let t = s.admin();
    for path in [
        "/api/v1/contacts/424242",
        "/api/v1/contacts/abc",
        "/api/v1/contacts/-1",
    ] {
        let r = s.get(path, &t);
        assert_eq!(r.status, 404, "{path}: {r:?}");
        assert!(r.json()["message"].is_string());
    }
    let r = s.json("PUT", "/api/v1/contacts/424242", &t, &json!({"role": "x"}));
    assert_eq!(r.status, 404);
    let r = s.send("DELETE", "/api/v1/contacts/424242", Some(&t), &[], None);
    assert_eq!(r.status, 404);
    assert_eq!(s.get("/api/v1/contacts/424242/accounts", &t).status, 404);
    assert_eq!(s.get("/api/v1/contacts/424242/coworkers", &t).status, 404);
}

#[test]
fn validation_errors_are_422_and_write_nothing() {
    let s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let cases = [
        (
            json!({"first_name": "No"}),
            vec!["last_name", "email_address"],
        ),
        (
            json!({"last_name": "Doe", "email": "Jane <jane@acme.fr>"}),
            vec!["email_address"],
        ),
        (
            json!({"last_name": "Doe", "email": "jane@localhost"}),
            vec!["email_address"],
        ),
        (
            json!({"last_name": "Doe", "email": "j@acme.fr", "mobile_phone": "call me"}),
            vec!["mobile_phone"],
        ),
        (
            json!({"last_name": ["Doe"], "email": "j@acme.fr"}),
            vec!["last_name"],
        ),
        (
            json!({"last_name": "Doe", "email": "j@acme.fr", "legal_representative": "perhaps"}),
            vec!["legal_representative"],
        ),
        (
            json!({"last_name": "x".repeat(5000), "email": "j@acme.fr"}),
            vec!["last_name"],
        ),
        (
            json!({"last_name": "Doe", "email": 42}),
            vec!["email_address"],
        ),
        (
            json!({"last_name": "Doe", "email": "j@acme.fr", "permissions": "all"}),
            vec!["permissions"],
        ),
    ];
    for (body, fields) in cases {
        let r = create(&s, &t, acme, body.clone());
        assert_eq!(r.status, 422, "{body}: {r:?}");
        let j = r.json();
        assert!(j["message"].is_string(), "{j}");
        for f in fields {
            assert!(j["errors"][f].is_array(), "{body}: no error for {f} in {j}");
        }
    }
    // Owner problems.
    let r = s.json(
        "POST",
        "/api/v1/contacts",
        &t,
        &json!({"last_name": "Doe", "email": "j@acme.fr"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    let r = s.json(
        "POST",
        "/api/v1/contacts?contactable_type=App%5CUser&contactable_id=1",
        &t,
        &json!({"last_name": "Doe", "email": "j@acme.fr"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    let r = create(
        &s,
        &t,
        9999,
        json!({"last_name": "Doe", "email": "j@acme.fr"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert!(r.json()["errors"]["contactable_id"].is_array());
    assert!(contacts_of(&s, &t, acme).is_empty());
    assert!(events(&s, &t).is_empty());
}

#[test]
fn malformed_bodies_are_client_errors_and_write_nothing() {
    let mut s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let id = jane(&s, &t, acme);
    let path = format!("/api/v1/contacts?contactable_type={CUSTOMER}&contactable_id={acme}");
    let json_type = [("Content-Type", "application/json")];
    for raw in [
        &b"{"[..],
        b"{\"last_name\": }",
        b"[1,2]",
        b"\"text\"",
        b"\xff\xfe",
        b"null",
    ] {
        let r = s.send("POST", &path, Some(&t), &json_type, Some(raw));
        assert!((400..500).contains(&r.status), "{raw:?}: {r:?}");
        let r = s.send(
            "PUT",
            &format!("/api/v1/contacts/{id}"),
            Some(&t),
            &json_type,
            Some(raw),
        );
        assert!((400..500).contains(&r.status), "{raw:?}: {r:?}");
    }
    // Larger than the body limit.
    let huge = format!("{{\"last_name\": \"{}\"}}", "x".repeat(2 << 20));
    let r = s.send("POST", &path, Some(&t), &json_type, Some(huge.as_bytes()));
    assert_eq!(r.status, 413, "{r:?}");
    // Wrong types on update change nothing, even the valid keys beside them.
    let r = s.json(
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &t,
        &json!({"role": "CEO", "invoices_recipient": {"yes": 1}}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    let r = s.json(
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &t,
        &json!({"role": "CEO", "email_address": "not an email"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    let g = s.get(&format!("/api/v1/contacts/{id}"), &t).json();
    assert_eq!(g["role"], Value::Null);
    assert_eq!(g["email_address"], "jane.doe@acme.fr");
    assert_eq!(contacts_of(&s, &t, acme).len(), 1);
    assert_eq!(events(&s, &t), ["contact.created"]);
    assert!(s.is_running(), "the host must stay up");
}

#[test]
fn list_orders_by_name_and_needs_the_owner() {
    let s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let other = s.owner(&t, "customers", "Other", "CL2");
    for (first, last) in [("Zoe", "Martin"), ("Anne", "Martin"), ("Paul", "Bernard")] {
        let r = create(
            &s,
            &t,
            acme,
            json!({"first_name": first, "last_name": last, "email": "x@acme.fr"}),
        );
        assert_eq!(r.status, 201, "{r:?}");
    }
    create(
        &s,
        &t,
        other,
        json!({"last_name": "Aaron", "email": "a@other.fr"}),
    );
    let names: Vec<String> = contacts_of(&s, &t, acme)
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["first_name"].as_str().unwrap(),
                c["last_name"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(names, ["Paul Bernard", "Anne Martin", "Zoe Martin"]);
    for q in [
        "",
        "?contactable_type=App%5CCustomer",
        "?contactable_id=1",
        "?contactable_type=App%5CCustomer&contactable_id=x",
    ] {
        let r = s.get(&format!("/api/v1/contacts{q}"), &t);
        assert_eq!(r.status, 422, "{q}: {r:?}");
        assert!(r.json()["errors"].is_object());
    }
}

#[test]
fn numbers_lookup_in_every_3cx_form() {
    let s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let id = jane(&s, &t, acme);
    let forms = [
        "%2B33612345678", // +33…, encoded
        "+33612345678",   // + decoded as a space by the server
        "0033612345678",
        "33612345678", // 3CX Prefix=Off
        "06%2012%2034%2056%2078",
        "0612345678",
        "612345678", // MaxLength=9
        "2345678",   // a shorter cut
        "%2B33%20(0)6%2012%2034%2056%2078",
        "tel%3A%2B33-6-12-34-56-78",
    ];
    for form in forms {
        let r = s.get(&format!("/api/v1/contacts/numbers?phone_number={form}"), &t);
        assert_eq!(r.status, 200, "{form}: {r:?}");
        let d = &r.json()["data"];
        assert_eq!(d["id"], id, "{form}");
        assert_eq!(d["last_name"], "Doe");
        assert_eq!(d["matched_e164"], "+33612345678", "{form}");
        assert_eq!(d["matched_type"], "mobile");
        let url = d["contact_url"].as_str().unwrap();
        assert!(
            url.starts_with("http://") && url.ends_with(&format!("/api/v1/contacts/{id}")),
            "{url}"
        );
    }
    // The landline matches too, and `phoneNumber` is an alias.
    let r = s.get("/api/v1/contacts/numbers?phoneNumber=%2B33123456789", &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["matched_type"], "landline");
    // `phone_number` wins over `phoneNumber`.
    let r = s.get(
        "/api/v1/contacts/numbers?phoneNumber=0612345678&phone_number=0699999999",
        &t,
    );
    assert_eq!(r.status, 404, "{r:?}");
    for miss in ["anonymous", "0699999999", "%2B442079460958", "12345"] {
        let r = s.get(&format!("/api/v1/contacts/numbers?phone_number={miss}"), &t);
        assert_eq!(r.status, 404, "{miss}: {r:?}");
        assert_eq!(
            r.json(),
            json!({"response": "Contact not found", "message": "Contact not found"})
        );
    }
    for q in ["", "?phone_number=", "?phoneNumber="] {
        let r = s.get(&format!("/api/v1/contacts/numbers{q}"), &t);
        assert_eq!(r.status, 422, "{q}: {r:?}");
    }
}

/// The official SDK's `showByNumber` fails only when the body's `response`
/// says "not found" (whatever the status), so every failed lookup says so:
/// an empty caller id (a withheld number) is still the 422 of a missing
/// parameter, and a token without `contacts:read` still a 403.
#[test]
fn failed_lookups_say_not_found_to_the_sdk() {
    let s = Server::start();
    let admin = s.admin();
    let writer = s.token(&["--name", "No Reader", "--scopes", "contacts:write"]);
    let acme = s.owner(&admin, "customers", "ACME", "CL1");
    jane(&s, &admin, acme);
    // What the SDK sends: `phoneNumber`, a JSON content type, no body.
    let lookup = |token: &str, number: &str| {
        s.send(
            "GET",
            &format!("/api/v1/contacts/numbers?phoneNumber={number}"),
            Some(token),
            &[("Content-Type", "application/json")],
            None,
        )
    };
    let long = "6".repeat(65);
    for (token, number, status, field) in [
        (&admin, "", 422, Some("phone_number")),
        (&admin, long.as_str(), 422, Some("phone_number")),
        (&writer, "%2B33612345678", 403, None),
        (&admin, "anonymous", 404, None),
    ] {
        let r = lookup(token, number);
        assert_eq!(r.status, status, "{number}: {r:?}");
        let j = r.json();
        assert_eq!(j["response"], "Contact not found", "{number}: {j}");
        assert!(j["message"].is_string(), "{number}: {j}");
        if let Some(field) = field {
            assert!(j["errors"][field].is_array(), "{number}: {j}");
        }
    }
    // A found contact carries no `response`.
    let r = lookup(&admin, "%2B33612345678");
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json().get("response"), None);
}

#[test]
fn lookup_prefers_the_mobile_then_the_latest() {
    let s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let r = create(
        &s,
        &t,
        acme,
        json!({"last_name": "Land", "email": "l@acme.fr", "landline_phone": "0612345678"}),
    );
    assert_eq!(r.status, 201);
    let r = create(
        &s,
        &t,
        acme,
        json!({"last_name": "Mob", "email": "m@acme.fr", "mobile_phone": "+33 6 12 34 56 78"}),
    );
    let mobile = r.json()["id"].clone();
    let r = s.get("/api/v1/contacts/numbers?phone_number=0612345678", &t);
    assert_eq!(r.json()["data"]["id"], mobile);
}

#[test]
fn accounts_and_coworkers() {
    let s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL000001");
    let globex = s.owner(&t, "prospects", "Globex", "PR000002");
    let a = jane(&s, &t, acme);
    // The same person at a prospect (emails are shared across owners here).
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CProspect&contactable_id={globex}"),
        &t,
        &json!({"last_name": "Doe", "email": "JANE.DOE@acme.fr"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    create(
        &s,
        &t,
        acme,
        json!({"last_name": "Brun", "email": "brun@gmail.com"}),
    );
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CProspect&contactable_id={globex}"),
        &t,
        &json!({"last_name": "Able", "email": "able@acme.fr"}),
    );
    assert_eq!(r.status, 201);

    let r = s.get(&format!("/api/v1/contacts/{a}/accounts"), &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json(),
        json!([
            {"id": acme, "type": "App\\Customer", "name": "ACME", "customer_account": "CL000001"},
            {"id": globex, "type": "App\\Prospect", "name": "Globex", "customer_account": "PR000002"},
        ])
    );
    let r = s.get(&format!("/api/v1/contacts/{a}/coworkers"), &t);
    assert_eq!(r.status, 200, "{r:?}");
    let lasts: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["last_name"].as_str().unwrap().to_owned())
        .collect();
    // Same domain (Able, Doe at Globex) and same owner (Brun), never itself.
    assert_eq!(lasts, ["Able", "Brun", "Doe"]);
}

#[test]
fn permissions_sync_to_the_portal_account() {
    let s = Server::start();
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let id = jane(&s, &t, acme);
    let r = s.json("POST", "/api/v1/clients", &t, &json!({"contact_id": id}));
    assert_eq!(r.status, 201, "{r:?}");
    let client = r.json()["id"].as_u64().unwrap();
    let r = s.json(
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &t,
        &json!({"permissions": ["invoices", "tickets"]}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json()["has_client"], true);
    let r = s.get(&format!("/api/v1/clients/{client}"), &t);
    assert_eq!(r.json()["permissions"], json!(["invoices", "tickets"]));
}

#[test]
fn scopes_are_enforced_before_validation() {
    let s = Server::start();
    let admin = s.admin();
    let reader = s.token(&["--name", "Read Only", "--scopes", "contacts:read"]);
    let acme = s.owner(&admin, "customers", "ACME", "CL1");
    let id = jane(&s, &admin, acme);
    assert_eq!(
        s.get(&format!("/api/v1/contacts/{id}"), &reader).status,
        200
    );
    // An invalid body still gets 403, not 422: permission comes first.
    let r = create(&s, &reader, acme, json!({}));
    assert_eq!(r.status, 403, "{r:?}");
    let r = s.json(
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &reader,
        &json!({"role": "x"}),
    );
    assert_eq!(r.status, 403, "{r:?}");
    let r = s.send(
        "DELETE",
        &format!("/api/v1/contacts/{id}"),
        Some(&reader),
        &[],
        None,
    );
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(s.get(&format!("/api/v1/contacts/{id}"), &admin).status, 200);
}

#[test]
fn the_dialect_header_wins_over_the_token() {
    let s = Server::start();
    let admin = s.admin();
    let hq = s.token(&["--name", "Help Desk", "--dialect", "helperiq"]);
    let acme = s.owner(&admin, "customers", "ACME", "CL1");
    let id = jane(&s, &admin, acme);
    let r = s.send(
        "GET",
        &format!("/api/v1/contacts/{id}"),
        Some(&hq),
        &[("X-Contacts-Dialect", "bluerocktel")],
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["email_address"], "jane.doe@acme.fr");
}

fn agent_with_password(s: &Server, email: &str, password: &str) {
    let mut child = Command::new(BIN)
        .args([
            "token",
            "create",
            "--db",
            &s.db,
            "--name",
            "Agent Smith",
            "--email",
            email,
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn");
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
}

#[test]
fn login_issues_tokens_and_locks_after_five_failures() {
    let s = Server::start();
    agent_with_password(&s, "smith@example.com", "correct horse");
    // The SDK's way: credentials in the query string, empty body.
    let r = s.send(
        "POST",
        &format!(
            "/api/login?email={}&password={}",
            enc("SMITH@example.com"),
            enc("correct horse")
        ),
        None,
        &[],
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    let j = r.json();
    assert_eq!(j["user"]["first_name"], "Agent");
    assert_eq!(j["user"]["last_name"], "Smith");
    assert_eq!(j["user"]["email"], "smith@example.com");
    let token = j["token"].as_str().unwrap().to_owned();
    assert_eq!(s.get("/api/v1/contacts/1", &token).status, 404);
    // A JSON body works too, and wins over the query.
    let r = s.send(
        "POST",
        "/api/login?email=nobody%40example.com&password=x",
        None,
        &[("Content-Type", "application/json")],
        Some(br#"{"email": "smith@example.com", "password": "correct horse"}"#),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let r = s.send(
        "POST",
        "/api/login?email=smith%40example.com",
        None,
        &[],
        None,
    );
    assert_eq!(r.status, 422, "{r:?}");
    for _ in 0..5 {
        let r = s.send(
            "POST",
            "/api/login?email=smith%40example.com&password=wrong",
            None,
            &[],
            None,
        );
        assert_eq!(r.status, 401, "{r:?}");
        assert_eq!(r.json(), json!({"message": "Invalid credentials."}));
    }
    let r = s.send(
        "POST",
        &format!(
            "/api/login?email=smith%40example.com&password={}",
            enc("correct horse")
        ),
        None,
        &[],
        None,
    );
    assert_eq!(r.status, 429, "{r:?}");
    let wait: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait));
}

/// The lockout lives in the database: a restarted server (or another
/// replica on the same database) still refuses the locked email.
#[test]
fn login_lockout_outlives_the_process() {
    let mut s = Server::start();
    agent_with_password(&s, "jones@example.com", "right");
    let login = |s: &Server, password: &str| {
        s.send(
            "POST",
            &format!("/api/login?email=jones%40example.com&password={password}"),
            None,
            &[],
            None,
        )
        .status
    };
    for _ in 0..5 {
        assert_eq!(login(&s, "wrong"), 401);
    }
    s.restart();
    assert_eq!(login(&s, "right"), 429);
    // Another email is not affected.
    agent_with_password(&s, "keel@example.com", "right");
    let r = s.send(
        "POST",
        "/api/login?email=keel%40example.com&password=right",
        None,
        &[],
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
}

#[test]
fn data_survives_a_restart_and_the_platform_routes_validate() {
    let s = Server::start();
    let t = s.admin();
    let r = s.json(
        "POST",
        "/api/v1/customers",
        &t,
        &json!({"customerAccount": "CL9"}),
    );
    assert_eq!(r.status, 422, "{r:?}");
    let r = s.json(
        "POST",
        "/api/v1/prospects",
        &t,
        &json!({"name": "P", "customerAccount": "PR7"}),
    );
    assert_eq!(r.status, 201);
    assert_eq!(r.json()["customer_account"], "PR7");
    for (path, body) in [
        (
            "/api/companies",
            json!({"name": "ACME", "domain": "acme.fr"}),
        ),
        ("/api/deals", json!({"name": "Big deal"})),
        ("/api/activities", json!({"title": "Call"})),
    ] {
        let r = s.json("POST", path, &t, &body);
        assert_eq!(r.status, 201, "{path}: {r:?}");
        assert!(r.json()["id"].as_u64().is_some());
    }
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let id = jane(&s, &t, acme);
    let r = s.json(
        "POST",
        "/api/v1/conversations",
        &t,
        &json!({"contact_id": id, "subject": "Hi", "last_message": "Hello"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    // A restart on the same file serves the same contact.
    let mut s = s;
    s.restart();
    let r = s.get("/api/v1/contacts/numbers?phone_number=0612345678", &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], id);
}

#[test]
fn operators_settings_reach_the_component() {
    // acme.fr declared free mail: it no longer makes coworkers; region GB
    // reads national numbers as British.
    let s = Server::start_with(&["--free-mail-domains", "acme.fr", "--region", "GB"]);
    let t = s.admin();
    let acme = s.owner(&t, "customers", "ACME", "CL1");
    let other = s.owner(&t, "customers", "Other", "CL2");
    let a = create(
        &s,
        &t,
        acme,
        json!({"last_name": "Doe", "email": "jane@acme.fr", "mobile_phone": "07400 123456"}),
    );
    assert_eq!(a.status, 201, "{a:?}");
    let id = a.json()["id"].as_u64().unwrap();
    create(
        &s,
        &t,
        other,
        json!({"last_name": "Roe", "email": "rob@acme.fr"}),
    );
    let r = s.get(&format!("/api/v1/contacts/{id}/coworkers"), &t);
    assert_eq!(r.json(), json!([]));
    let r = s.get("/api/v1/contacts/numbers?phone_number=%2B447400123456", &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], id);
}
