//! One store serves three dialects (spec §1, §2, §5). A contact made through
//! each dialect, with only that dialect's required fields, is read, updated,
//! searched and deleted through each of the others; and the places where the
//! dialects' choices meet (the shape of a 401, what `[]` means, which fields a
//! partial update checks, which scope a list needs) are held over raw HTTP.

mod support;

use serde_json::{Value, json};
use support::{Reply, Server};

#[derive(Clone, Copy, Debug, PartialEq)]
enum D {
    BlueRockTel,
    HelperIq,
    RelateCrm,
}

const ALL: [D; 3] = [D::BlueRockTel, D::HelperIq, D::RelateCrm];

impl D {
    fn header(self) -> (&'static str, &'static str) {
        let name = match self {
            D::BlueRockTel => "bluerocktel",
            D::HelperIq => "helperiq",
            D::RelateCrm => "relatecrm",
        };
        ("X-Contacts-Dialect", name)
    }
}

/// Sends `body` as JSON (or nothing) in dialect `d`.
fn send(s: &Server, d: D, method: &str, path: &str, token: &str, body: Option<&Value>) -> Reply {
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    let mut headers = vec![d.header()];
    if bytes.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    s.send(method, path, Some(token), &headers, bytes.as_deref())
}

/// What one maker dialect wrote: its id and a word to search it by.
struct Made {
    id: u64,
    word: String,
}

/// Creates a contact through `d` with only that dialect's required fields.
fn make(s: &Server, d: D, token: &str, owner: u64, n: usize) -> Made {
    let word = format!("zorglub{n}");
    let r = match d {
        // last name, email and the owner.
        D::BlueRockTel => send(
            s,
            d,
            "POST",
            &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
            token,
            Some(&json!({"last_name": word, "email_address": format!("{word}@example.com")})),
        ),
        // An email and nothing else.
        D::HelperIq => send(
            s,
            d,
            "POST",
            "/api/v1/contacts/quick",
            token,
            Some(&json!({"email": format!("{word}@example.com")})),
        ),
        // A first name and nothing else: no email, no owner, no last name.
        D::RelateCrm => send(
            s,
            d,
            "POST",
            "/api/contacts",
            token,
            Some(&json!({"first_name": word})),
        ),
    };
    let expected = if d == D::HelperIq { 200 } else { 201 };
    assert_eq!(r.status, expected, "create through {d:?}: {r:?}");
    let body = r.json();
    let id = if d == D::HelperIq {
        &body["data"]["id"]
    } else {
        &body["id"]
    };
    Made {
        id: id.as_u64().expect("an id"),
        word,
    }
}

/// Reads the contact through `d`: 200 with that dialect's shape.
fn read(s: &Server, d: D, token: &str, id: u64) -> Value {
    let path = match d {
        D::RelateCrm => format!("/api/contacts/{id}"),
        _ => format!("/api/v1/contacts/{id}"),
    };
    let r = send(s, d, "GET", &path, token, None);
    assert_eq!(r.status, 200, "read through {d:?}: {r:?}");
    let body = r.json();
    let contact = if d == D::HelperIq {
        assert_eq!(body["status"], "success", "{r:?}");
        body["data"].clone()
    } else {
        body
    };
    assert_eq!(contact["id"], id, "read through {d:?}: {r:?}");
    contact
}

/// A partial update of one field the maker did not require, through `d`.
fn update(s: &Server, d: D, token: &str, id: u64, phone: &str) {
    let (path, body, status) = match d {
        // The SDK's way: a partial PUT that adds a mobile number (spec §4: a
        // partial update checks only what it sends, so no email is needed).
        D::BlueRockTel => (
            format!("/api/v1/contacts/{id}"),
            json!({"mobile_phone": phone}),
            201,
        ),
        D::HelperIq => (
            format!("/api/v1/contacts/{id}"),
            json!({"phone": phone}),
            200,
        ),
        D::RelateCrm => (
            format!("/api/contacts/{id}"),
            json!({"phones": [{"number": phone, "type": "mobile"}], "city": "Lyon"}),
            200,
        ),
    };
    let r = send(s, d, "PUT", &path, token, Some(&body));
    assert_eq!(r.status, status, "update through {d:?}: {r:?}");
}

/// Finds the contact through `d`'s own way of searching.
fn search(s: &Server, d: D, token: &str, made: &Made, digits: &str) {
    let (path, found) = match d {
        D::BlueRockTel => {
            // A call centre's caller id, in another format than the stored one.
            let path = format!(
                "/api/v1/contacts/numbers?phone_number=%2B33{}",
                &digits[1..]
            );
            let r = send(s, d, "GET", &path, token, None);
            (path, r.json()["data"]["id"].clone())
        }
        D::HelperIq => {
            let path = format!("/api/v1/contacts/search?q={}", made.word);
            let r = send(s, d, "GET", &path, token, None);
            (path, r.json()["data"][0]["id"].clone())
        }
        D::RelateCrm => {
            let path = format!("/api/contacts/search?q={}", made.word);
            let r = send(s, d, "GET", &path, token, None);
            (path, r.json()[0]["id"].clone())
        }
    };
    assert_eq!(found, made.id, "search through {d:?}: {path}");
}

fn delete(s: &Server, d: D, token: &str, id: u64) {
    let (path, status) = match d {
        D::RelateCrm => (format!("/api/contacts/{id}"), 204),
        _ => (format!("/api/v1/contacts/{id}"), 200),
    };
    let r = send(s, d, "DELETE", &path, token, None);
    assert_eq!(r.status, status, "delete through {d:?}: {r:?}");
}

#[test]
fn a_contact_made_in_each_dialect_lives_in_the_others() {
    let s = Server::start();
    let t = s.admin();
    let owner = s.owner(&t, "customers", "ACME", "CL000001");
    let mut n = 0;
    for maker in ALL {
        for other in ALL.into_iter().filter(|o| *o != maker) {
            n += 1;
            let made = make(&s, maker, &t, owner, n);
            read(&s, other, &t, made.id);
            // Each cell gets its own mobile number (numbers are unique in
            // the dialects that say so).
            let digits = format!("06123456{n:02}");
            update(&s, other, &t, made.id, &digits);
            // The update landed, and the maker still reads its contact.
            let back = read(&s, maker, &t, made.id);
            let shown = back.to_string();
            assert!(
                shown.contains(&digits[1..]),
                "{maker:?} reads the phone {other:?} added: {shown}"
            );
            search(&s, other, &t, &made, &digits);
            search(&s, maker, &t, &made, &digits);
            delete(&s, other, &t, made.id);
            for d in ALL {
                let path = match d {
                    D::RelateCrm => format!("/api/contacts/{}", made.id),
                    _ => format!("/api/v1/contacts/{}", made.id),
                };
                let r = send(&s, d, "GET", &path, &t, None);
                assert_eq!(r.status, 404, "{d:?} after delete: {r:?}");
            }
        }
    }
}

/// Spec §4 bluerocktel: a partial update checks only what it sends; the
/// required email sent empty is still refused, and nothing is written.
#[test]
fn bluerocktel_partial_update_of_a_contact_without_email() {
    let s = Server::start();
    let t = s.admin();
    let made = make(&s, D::RelateCrm, &t, 0, 1);
    let path = format!("/api/v1/contacts/{}", made.id);
    for empty in [json!(null), json!("")] {
        let r = send(
            &s,
            D::BlueRockTel,
            "PUT",
            &path,
            &t,
            Some(&json!({"email_address": empty, "role": "CTO"})),
        );
        assert_eq!(r.status, 422, "{r:?}");
        assert!(r.json()["errors"]["email_address"].is_array(), "{r:?}");
    }
    assert_eq!(read(&s, D::BlueRockTel, &t, made.id)["role"], Value::Null);
    let r = send(
        &s,
        D::BlueRockTel,
        "PUT",
        &path,
        &t,
        Some(&json!({"mobile_phone": "06 99 88 77 66", "role": "CTO"})),
    );
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json()["mobile_phone"], "06 99 88 77 66");
    assert_eq!(r.json()["role"], "CTO");
    assert_eq!(r.json()["email_address"], Value::Null);
}

/// Spec §2: without a valid token, the header decides the 401's shape.
#[test]
fn a_helperiq_request_without_a_valid_token_gets_the_helperiq_401() {
    let s = Server::start();
    let hq = [D::HelperIq.header()];
    for token in [None, Some("not-a-token")] {
        for path in ["/api/v1/contacts", "/api/v1/contacts/1"] {
            let r = s.send("GET", path, token, &hq, None);
            assert_eq!(r.status, 401, "{r:?}");
            let j = r.json();
            assert_eq!(j["status"], "error", "{path} {r:?}");
            assert_eq!(j["error_type"], "UnauthorizedException", "{r:?}");
            assert_eq!(j["data"]["type"], "UnauthorizedError", "{r:?}");
        }
        // HelperIQ's own routes answer in its envelope with no header too.
        for path in ["/api/v1/agents/me", "/api/v1/contacts/search?q=x"] {
            let r = s.send("GET", path, token, &[], None);
            assert_eq!(r.status, 401, "{r:?}");
            assert_eq!(r.json()["error_type"], "UnauthorizedException", "{r:?}");
        }
        // Without the header, the default dialect's (Laravel) body.
        let r = s.send("GET", "/api/v1/contacts/1", token, &[], None);
        assert_eq!(r.status, 401, "{r:?}");
        assert_eq!(r.json(), json!({"message": "Unauthenticated."}));
        let r = s.send(
            "GET",
            "/api/v1/contacts/1",
            token,
            &[D::RelateCrm.header()],
            None,
        );
        assert_eq!(r.json(), json!({"message": "Unauthenticated."}));
    }
}

/// Spec §4 bluerocktel: the list by owner is a list (`contacts:read_all`).
#[test]
fn bluerocktel_list_by_owner_needs_read_all() {
    let s = Server::start();
    let admin = s.admin();
    let owner = s.owner(&admin, "customers", "ACME", "CL000001");
    make(&s, D::BlueRockTel, &admin, owner, 1);
    let path = format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}");
    let reader = s.token(&["--name", "Reader", "--scopes", "contacts:read"]);
    let r = send(&s, D::BlueRockTel, "GET", &path, &reader, None);
    assert_eq!(r.status, 403, "{r:?}");
    let lister = s.token(&["--name", "Lister", "--scopes", "contacts:read_all"]);
    let r = send(&s, D::BlueRockTel, "GET", &path, &lister, None);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json().as_array().map(Vec::len), Some(1), "{r:?}");
}

/// Spec §5: `[]` is PHP's empty object in the PHP-born dialects only.
#[test]
fn an_empty_array_body_is_an_empty_update_only_in_the_php_dialects() {
    let s = Server::start();
    let t = s.admin();
    let owner = s.owner(&t, "customers", "ACME", "CL000001");
    let made = make(&s, D::BlueRockTel, &t, owner, 1);
    let before = read(&s, D::BlueRockTel, &t, made.id);
    let json = ("Content-Type", "application/json");
    let put = |d: D, path: String| s.send("PUT", &path, Some(&t), &[d.header(), json], Some(b"[]"));

    let r = put(D::HelperIq, format!("/api/v1/contacts/{}", made.id));
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["error_type"], "InputException", "{r:?}");
    let r = put(D::BlueRockTel, format!("/api/v1/contacts/{}", made.id));
    assert_eq!(r.status, 201, "{r:?}");
    let r = put(D::RelateCrm, format!("/api/contacts/{}", made.id));
    assert_eq!(r.status, 200, "{r:?}");
    // Nothing changed, not even the update time.
    assert_eq!(read(&s, D::BlueRockTel, &t, made.id), before);
}

/// Spec §3: one email rule in every dialect. An IDNA 2008 disallowed code
/// point in the domain is refused by each dialect's own error; an A-label
/// domain is stored decoded, as email-validator normalizes it.
#[test]
fn every_dialect_judges_an_email_alike() {
    let s = Server::start();
    let t = s.admin();
    let owner = s.owner(&t, "customers", "ACME", "CL000001");
    let create = |d: D, email: &str| -> Reply {
        match d {
            D::BlueRockTel => send(
                &s,
                d,
                "POST",
                &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
                &t,
                Some(&json!({"last_name": "Idn", "email_address": email})),
            ),
            D::HelperIq => send(
                &s,
                d,
                "POST",
                "/api/v1/contacts/quick",
                &t,
                Some(&json!({"email": email})),
            ),
            D::RelateCrm => send(
                &s,
                d,
                "POST",
                "/api/contacts",
                &t,
                Some(&json!({"first_name": "Idn", "email": email})),
            ),
        }
    };
    for d in ALL {
        let r = create(d, "jane@\u{2488}example.com");
        let expected = if d == D::HelperIq { 400 } else { 422 };
        assert_eq!(r.status, expected, "{d:?}: {r:?}");
    }
    for (n, d) in ALL.into_iter().enumerate() {
        let typed = format!("J\u{f6}ran{n}@XN--MNCHEN-3YA.DE");
        let r = create(d, &typed);
        assert!(r.status == 200 || r.status == 201, "{d:?}: {r:?}");
        // HelperIQ's quick create keeps the address lowercased (spec §4).
        let first = if d == D::HelperIq { 'j' } else { 'J' };
        assert!(
            r.body
                .contains(&format!("{first}\u{f6}ran{n}@m\u{fc}nchen.de")),
            "{d:?}: {r:?}"
        );
    }
}
