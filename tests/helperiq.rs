//! The HelperIQ dialect end to end, over the same store as BlueRockTEL.

mod support;

use serde_json::{Value, json};
use support::{Reply, Server};

const HQ: (&str, &str) = ("X-Contacts-Dialect", "helperiq");

fn hq(s: &Server, method: &str, path: &str, token: &str, body: Option<&Value>) -> Reply {
    let bytes = body.map(|b| serde_json::to_vec(b).unwrap());
    let mut headers = vec![HQ];
    if bytes.is_some() {
        headers.push(("Content-Type", "application/json"));
    }
    s.send(method, path, Some(token), &headers, bytes.as_deref())
}

fn data(r: &Reply) -> Value {
    let j = r.json();
    assert_eq!(j["status"], "success", "{r:?}");
    assert_eq!(j["message"], Value::Null);
    j["data"].clone()
}

fn error_type(r: &Reply) -> String {
    let j = r.json();
    assert_eq!(j["status"], "error", "{r:?}");
    assert_eq!(j["data"]["message"], j["message"]);
    j["error_type"].as_str().unwrap().to_owned()
}

/// A contact made through the BlueRockTEL API, as another integration would.
fn seeded(s: &Server, admin: &str) -> u64 {
    let owner = s.owner(admin, "customers", "ACME", "CL1");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        admin,
        &json!({"first_name": "Linda", "last_name": "Olsen", "email": "linda@example.com",
               "mobile_phone": "06 12 34 56 78"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["id"].as_u64().unwrap()
}

fn multipart(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    form_data("----contacts-test-boundary", fields, "\r\n")
}

/// A multipart/form-data body of text fields; `epilogue` follows the
/// closing boundary. Returns the Content-Type and the body.
fn form_data(boundary: &str, fields: &[(&str, &str)], epilogue: &str) -> (String, Vec<u8>) {
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(format!("--{boundary}--{epilogue}").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[test]
fn get_shows_the_contact_with_its_channels() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let r = hq(&s, "GET", &format!("/api/v1/contacts/{id}"), &admin, None);
    assert_eq!(r.status, 200, "{r:?}");
    let d = data(&r);
    assert_eq!(d["first_name"], "Linda");
    assert_eq!(d["email"], "linda@example.com");
    assert_eq!(d["blocked"], false);
    assert_eq!(d["enabled"], true);
    assert_eq!(d["phone"], "06 12 34 56 78");
    assert_eq!(d["phone_number"], "612345678");
    assert_eq!(d["phone_number_country_code"], "FR");
    assert_eq!(d["custom_attributes"], json!({}));
    assert_eq!(d["emails"], json!(["linda@example.com"]));
    assert_eq!(d["phones"][0]["e164"], "+33612345678");
    assert_eq!(d["phones"][0]["type"], "mobile");

    let r = hq(&s, "GET", "/api/v1/contacts/abc", &admin, None);
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(error_type(&r), "InputException");
    let r = hq(&s, "GET", "/api/v1/contacts/99999", &admin, None);
    assert_eq!(r.status, 404);
    assert_eq!(error_type(&r), "NotFoundException");
}

#[test]
fn update_by_json_and_by_the_ui_form() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let path = format!("/api/v1/contacts/{id}");
    let r = hq(
        &s,
        "PUT",
        &path,
        &admin,
        Some(&json!({"last_name": "Olsen-Berg",
        "custom_attributes": {"tier": "gold", "lang": "fr"}})),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let d = data(&r);
    assert_eq!(d["last_name"], "Olsen-Berg");
    assert_eq!(d["first_name"], "Linda");
    // Attributes merge; null removes a key.
    let r = hq(
        &s,
        "PUT",
        &path,
        &admin,
        Some(&json!({"custom_attributes": {"lang": null, "vip": true}})),
    );
    assert_eq!(
        data(&r)["custom_attributes"],
        json!({"tier": "gold", "vip": true})
    );

    // The agent UI's multipart form: phone as national digits plus region.
    let (ct, body) = multipart(&[
        ("first_name", "Lin"),
        ("last_name", "undefined"),
        ("email", "lin@example.com"),
        ("phone_number", "7400123456"),
        ("phone_number_country_code", "GB"),
        ("avatar_url", "null"),
        ("enabled", "false"),
    ]);
    let r = put_form(&s, &path, &admin, (&ct, &body));
    assert_eq!(r.status, 200, "{r:?}");
    let d = data(&r);
    assert_eq!(d["first_name"], "Lin");
    assert_eq!(d["last_name"], "Olsen-Berg");
    assert_eq!(d["email"], "lin@example.com");
    assert_eq!(d["phone_number"], "7400123456");
    assert_eq!(d["phone_number_country_code"], "GB");
    assert_eq!(d["enabled"], true, "blocking has its own route");
    let full = data(&hq(&s, "GET", &path, &admin, None));
    assert_eq!(full["phones"][0]["e164"], "+447400123456");

    for (body, why) in [
        (json!({"email": "not-an-email"}), "Invalid email address"),
        (json!({"first_name": ""}), "First name"),
        (json!({"custom_attributes": [1, 2]}), "custom_attributes"),
    ] {
        let r = hq(&s, "PUT", &path, &admin, Some(&body));
        assert_eq!(r.status, 400, "{body}: {r:?}");
        assert!(r.json()["message"].as_str().unwrap().contains(why), "{r:?}");
    }
    // Unique email among contacts.
    let other = data(&hq(
        &s,
        "POST",
        "/api/v1/contacts/quick",
        &admin,
        Some(&json!({"email": "taken@example.com"})),
    ));
    let r = hq(
        &s,
        "PUT",
        &path,
        &admin,
        Some(&json!({"email": "TAKEN@example.com"})),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(
        r.json()["message"],
        "Another contact with same email already exists"
    );
    assert_ne!(other["id"], json!(id));
}

#[test]
fn quick_create_is_an_upsert_by_email() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let r = hq(
        &s,
        "POST",
        "/api/v1/contacts/quick",
        &admin,
        Some(&json!({"first_name": "X", "email": "  LINDA@example.com "})),
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(data(&r)["id"], id);
    let r = hq(
        &s,
        "POST",
        "/api/v1/contacts/quick",
        &admin,
        Some(&json!({"first_name": "New", "email": "new@example.com"})),
    );
    let d = data(&r);
    assert_ne!(d["id"], id);
    assert_eq!(d["last_name"], "");
    let r = hq(
        &s,
        "POST",
        "/api/v1/contacts/quick",
        &admin,
        Some(&json!({"first_name": "No"})),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["message"], "Email is required");
}

#[test]
fn block_and_unblock_show_in_both_dialects() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let path = format!("/api/v1/contacts/{id}/block");
    let r = hq(&s, "PUT", &path, &admin, Some(&json!({"blocked": true})));
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(data(&r)["enabled"], false);
    let brt = s.get(&format!("/api/v1/contacts/{id}"), &admin).json();
    assert_eq!(brt["blocked"], true);
    // LibreDesk's UI sends `enabled`; `blocked` wins when both come.
    let r = hq(&s, "PUT", &path, &admin, Some(&json!({"enabled": true})));
    assert_eq!(data(&r)["blocked"], false);
    let r = hq(
        &s,
        "PUT",
        &path,
        &admin,
        Some(&json!({"enabled": true, "blocked": true})),
    );
    assert_eq!(data(&r)["blocked"], true);
    let r = hq(&s, "PUT", &path, &admin, Some(&json!({"name": "x"})));
    assert_eq!(r.status, 400, "{r:?}");
    // Blocking needs its own scope.
    let writer = s.token(&[
        "--name",
        "Writer Agent",
        "--scopes",
        "contacts:read,contacts:write",
    ]);
    let r = hq(&s, "PUT", &path, &writer, Some(&json!({"blocked": false})));
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(error_type(&r), "PermissionException");
}

#[test]
fn notes_are_authored_and_immutable() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let alice = s.token(&[
        "--name",
        "Alice Agent",
        "--scopes",
        "contacts:read,contact_notes:read,contact_notes:write",
    ]);
    let bob = s.token(&[
        "--name",
        "Bob Agent",
        "--scopes",
        "contact_notes:read,contact_notes:write",
    ]);
    let notes = format!("/api/v1/contacts/{id}/notes");
    let r = hq(
        &s,
        "POST",
        &notes,
        &alice,
        Some(&json!({"note": "<p>Wants invoice changes</p>", "notify_user_ids": [2]})),
    );
    assert_eq!(r.status, 200, "{r:?}");
    let first = data(&r);
    assert_eq!(first["content"], "<p>Wants invoice changes</p>");
    assert_eq!(first["note"], first["content"]);
    assert_eq!(first["first_name"], "Alice");
    assert_eq!(first["last_name"], "Agent");
    let r = hq(
        &s,
        "POST",
        &notes,
        &bob,
        Some(&json!({"content": "Called back"})),
    );
    let second = data(&r);
    let list = data(&hq(&s, "GET", &notes, &alice, None));
    let ids: Vec<&Value> = list.as_array().unwrap().iter().map(|n| &n["id"]).collect();
    assert_eq!(ids, [&second["id"], &first["id"]], "newest first");

    let r = hq(&s, "POST", &notes, &alice, Some(&json!({"content": "   "})));
    assert_eq!(r.status, 400);
    // Bob may not delete Alice's note; Alice may; an admin may delete anyone's.
    let alices = format!("{notes}/{}", first["id"]);
    let r = hq(&s, "DELETE", &alices, &bob, None);
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(r.json()["message"], "You can only delete your own note");
    let r = hq(
        &s,
        "PUT",
        &alices,
        &alice,
        Some(&json!({"content": "edit"})),
    );
    assert_eq!(r.status, 405, "{r:?}");
    assert_eq!(hq(&s, "DELETE", &alices, &alice, None).status, 200);
    let bobs = format!("{notes}/{}", second["id"]);
    // A note of another contact is not found.
    let other = data(&hq(
        &s,
        "POST",
        "/api/v1/contacts/quick",
        &admin,
        Some(&json!({"email": "o@example.com"})),
    ));
    let r = hq(
        &s,
        "DELETE",
        &format!("/api/v1/contacts/{}/notes/{}", other["id"], second["id"]),
        &admin,
        None,
    );
    assert_eq!(r.status, 404, "{r:?}");
    assert_eq!(hq(&s, "DELETE", &bobs, &admin, None).status, 200);
    assert_eq!(data(&hq(&s, "GET", &notes, &alice, None)), json!([]));
    // Without the read scope, no notes.
    let r = hq(
        &s,
        "GET",
        &notes,
        &s.token(&["--name", "No Notes", "--scopes", "contacts:read"]),
        None,
    );
    assert_eq!(r.status, 403);
}

#[test]
fn conversations_newest_first_and_delete() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    for subject in ["First", "Second"] {
        let r = s.json(
            "POST",
            "/api/v1/conversations",
            &admin,
            &json!({"contact_id": id, "subject": subject, "last_message": "hi"}),
        );
        assert_eq!(r.status, 201, "{r:?}");
    }
    let list = data(&hq(
        &s,
        "GET",
        &format!("/api/v1/contacts/{id}/conversations"),
        &admin,
        None,
    ));
    let subjects: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["subject"].as_str().unwrap())
        .collect();
    assert_eq!(subjects, ["Second", "First"]);
    assert!(list[0]["uuid"].as_str().unwrap().len() == 36);

    let reader = s.token(&["--name", "Reader Agent", "--scopes", "contacts:read"]);
    let r = hq(
        &s,
        "DELETE",
        &format!("/api/v1/contacts/{id}"),
        &reader,
        None,
    );
    assert_eq!(r.status, 403);
    let r = hq(
        &s,
        "DELETE",
        &format!("/api/v1/contacts/{id}"),
        &admin,
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        hq(&s, "GET", &format!("/api/v1/contacts/{id}"), &admin, None).status,
        404
    );
}

#[test]
fn a_token_bound_to_helperiq_speaks_it_without_the_header() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let agent = s.token(&["--name", "Help Desk", "--dialect", "helperiq"]);
    let r = s.get(&format!("/api/v1/contacts/{id}"), &agent);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(data(&r)["enabled"], true);
    let me = s.get("/api/v1/agents/me", &agent).json();
    assert_eq!(me["data"]["first_name"], "Help");
    // Every scope: the eight of the contacts and notes, and the platform's admin.
    let permissions = me["data"]["permissions"].as_array().unwrap();
    assert_eq!(permissions.len(), 9, "{permissions:?}");
    assert!(permissions.contains(&json!("admin")), "{permissions:?}");
    let r = s.send("GET", "/api/v1/contacts/search?q=x", Some("bad"), &[], None);
    assert_eq!(r.status, 401);
    assert_eq!(error_type(&r), "UnauthorizedException");
}

#[test]
fn list_pages_orders_and_filters_as_the_ui_asks() {
    let s = Server::start();
    let admin = s.admin();
    for i in 0..7 {
        let r = hq(
            &s,
            "POST",
            "/api/v1/contacts/quick",
            &admin,
            Some(&json!({"first_name": format!("P{i}"), "email": format!("p{i}@example.com")})),
        );
        assert_eq!(r.status, 200, "{r:?}");
    }
    let r = hq(
        &s,
        "GET",
        "/api/v1/contacts?page=2&page_size=3&order_by=users.created_at&order=desc",
        &admin,
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    let d = data(&r);
    assert_eq!(d["total"], 7);
    assert_eq!(d["total_pages"], 3);
    assert_eq!(d["page"], 2);
    assert_eq!(d["page_size"], 3);
    assert_eq!(d["per_page"], 3);
    let names: Vec<&str> = d["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["first_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["P3", "P2", "P1"]);
    // Clamped, never refused; past the end is an empty list, not null.
    let d = data(&hq(
        &s,
        "GET",
        "/api/v1/contacts?page=0&page_size=100000",
        &admin,
        None,
    ));
    assert_eq!(d["page"], 1);
    assert_eq!(d["page_size"], 500);
    let d = data(&hq(&s, "GET", "/api/v1/contacts?page=99", &admin, None));
    assert_eq!(d["results"], json!([]));
    // The UI's email box.
    let filters =
        support::enc(r#"[{"model":"users","field":"email","operator":"contains","value":"P5@"}]"#);
    let d = data(&hq(
        &s,
        "GET",
        &format!("/api/v1/contacts?filters={filters}"),
        &admin,
        None,
    ));
    assert_eq!(d["total"], 1);
    assert_eq!(d["results"][0]["email"], "p5@example.com");
    for bad in [
        "order_by=password",
        "order=up",
        "filters=%7Bnope",
        "filters=%5B%7B%22field%22%3A%22x%22%7D%5D",
    ] {
        let r = hq(&s, "GET", &format!("/api/v1/contacts?{bad}"), &admin, None);
        assert_eq!(r.status, 400, "{bad}: {r:?}");
        assert_eq!(error_type(&r), "InputException");
    }
    let reader = s.token(&["--name", "Reader Agent", "--scopes", "contacts:read"]);
    let r = hq(&s, "GET", "/api/v1/contacts", &reader, None);
    assert_eq!(r.status, 403, "{r:?}");
}

#[test]
fn search_finds_contacts_from_every_dialect() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    for q in [
        "q=linda",
        "q=olsen",
        "query=linda%40example.com",
        "q=0612345678",
        "q=%2B33%206%2012%2034%2056%2078",
        // Typos: a swap, a missing letter.
        "q=lidna",
        "q=lnda%20olsen",
    ] {
        let r = hq(
            &s,
            "GET",
            &format!("/api/v1/contacts/search?{q}"),
            &admin,
            None,
        );
        assert_eq!(r.status, 200, "{q}: {r:?}");
        let d = data(&r);
        assert_eq!(d.as_array().unwrap().len(), 1, "{q}: {d}");
        assert_eq!(d[0]["id"], id, "{q}");
    }
    let r = hq(&s, "GET", "/api/v1/contacts/search?q=%25", &admin, None);
    assert_eq!(data(&r), json!([]));
    let r = hq(&s, "GET", "/api/v1/contacts/search?q=%20", &admin, None);
    assert_eq!(r.status, 400, "{r:?}");
    // At most 20 results.
    for i in 0..25 {
        hq(
            &s,
            "POST",
            "/api/v1/contacts/quick",
            &admin,
            Some(&json!({"first_name": "Many", "email": format!("many{i}@example.com")})),
        );
    }
    let r = hq(&s, "GET", "/api/v1/contacts/search?q=many", &admin, None);
    assert_eq!(data(&r).as_array().unwrap().len(), 20);
}

/// Every route against a token without its scope (403, before any input
/// check) and a token with only that scope (not 403).
#[test]
fn each_route_needs_its_own_scope() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let note = data(&hq(
        &s,
        "POST",
        &format!("/api/v1/contacts/{id}/notes"),
        &admin,
        Some(&json!({"content": "x"})),
    ));
    let routes: Vec<(&str, String, &str, Option<Value>)> = vec![
        ("GET", "/api/v1/contacts".into(), "contacts:read_all", None),
        (
            "GET",
            format!("/api/v1/contacts/{id}"),
            "contacts:read",
            None,
        ),
        (
            "GET",
            "/api/v1/contacts/search?q=linda".into(),
            "contacts:read",
            None,
        ),
        (
            "GET",
            format!("/api/v1/contacts/{id}/conversations"),
            "contacts:read",
            None,
        ),
        (
            "PUT",
            format!("/api/v1/contacts/{id}"),
            "contacts:write",
            Some(json!({"last_name": "B"})),
        ),
        (
            "POST",
            "/api/v1/contacts/quick".into(),
            "contacts:write",
            Some(json!({"email": "q@example.com"})),
        ),
        (
            "PUT",
            format!("/api/v1/contacts/{id}/block"),
            "contacts:block",
            Some(json!({"blocked": false})),
        ),
        (
            "GET",
            format!("/api/v1/contacts/{id}/notes"),
            "contact_notes:read",
            None,
        ),
        (
            "POST",
            format!("/api/v1/contacts/{id}/notes"),
            "contact_notes:write",
            Some(json!({"content": "y"})),
        ),
        (
            "DELETE",
            format!("/api/v1/contacts/{id}/notes/{}", note["id"]),
            "contact_notes:delete",
            None,
        ),
        (
            "DELETE",
            format!("/api/v1/contacts/{id}"),
            "contacts:delete",
            None,
        ),
    ];
    for (method, path, scope, body) in routes {
        let without = s.token(&[
            "--name",
            "Without Scope",
            "--scopes",
            &support::scopes_but(scope),
        ]);
        let r = hq(&s, method, &path, &without, body.as_ref());
        assert_eq!(r.status, 403, "{method} {path} without {scope}: {r:?}");
        assert_eq!(error_type(&r), "PermissionException");
        let only = s.token(&["--name", "Only Scope", "--scopes", scope]);
        let r = hq(&s, method, &path, &only, body.as_ref());
        assert_eq!(r.status, 200, "{method} {path} with {scope}: {r:?}");
    }
}

// ---- what the agent UI's API module sends (tests/helperiq_ui.rs found these) ----

/// The edit form as the module sends `{ ...values }` with the multipart
/// header: axios builds the form with the `form-data` package, in the zod
/// schema's key order, and leaves out null values (here `avatar_url`).
fn ui_form(fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    form_data(
        "--------------------------2aecb21b099cd76c96b35423",
        fields,
        "\r\n\r\n",
    )
}

/// PUTs a multipart body made by [`multipart`] or [`ui_form`], as HelperIQ.
fn put_form(s: &Server, path: &str, token: &str, (ct, body): (&str, &[u8])) -> Reply {
    s.send(
        "PUT",
        path,
        Some(token),
        &[HQ, ("Content-Type", ct)],
        Some(body),
    )
}

fn events_of(s: &Server, token: &str, kind: &str) -> usize {
    let all = s.get("/api/v1/events?after=0&limit=1000", token).json();
    all["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .count()
}

#[test]
fn an_unchanged_ui_form_keeps_the_phone_as_entered() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let path = format!("/api/v1/contacts/{id}");
    let r = hq(
        &s,
        "PUT",
        &path,
        &admin,
        Some(&json!({"phone": "06 12 34 56 78 ext. 12"})),
    );
    let before = data(&r);
    assert_eq!(before["phone_number"], "612345678");
    let updates = events_of(&s, &admin, "contact.updated");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    // The form shows 612345678 + FR and sends them back unchanged.
    let (ct, body) = ui_form(&[
        ("first_name", "Linda"),
        ("enabled", "true"),
        ("last_name", "Olsen"),
        ("phone_number", "612345678"),
        ("phone_number_country_code", "FR"),
        ("email", "linda@example.com"),
    ]);
    let r = put_form(&s, &path, &admin, (&ct, &body));
    assert_eq!(data(&r), before, "nothing changed");
    assert_eq!(events_of(&s, &admin, "contact.updated"), updates);
    let brt = s.get(&path, &admin).json();
    assert_eq!(brt["mobile_phone"], "06 12 34 56 78 ext. 12");
    // Another number from the same form does replace it, keeping its type.
    let (ct, body) = ui_form(&[
        ("first_name", "Linda"),
        ("phone_number", "612345679"),
        ("phone_number_country_code", "FR"),
    ]);
    let r = put_form(&s, &path, &admin, (&ct, &body));
    assert_eq!(data(&r)["phone"], "612345679");
    assert_eq!(s.get(&path, &admin).json()["mobile_phone"], "612345679");
}

#[test]
fn the_ui_remove_avatar_form_clears_the_avatar() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let path = format!("/api/v1/contacts/{id}");
    let avatar = json!({"avatar_url": "https://cdn.example/linda.png"});
    let r = hq(&s, "PUT", &path, &admin, Some(&avatar));
    assert_eq!(data(&r)["avatar_url"], avatar["avatar_url"]);
    // An upload (a file in `files`) is the platform's business: untouched.
    let boundary = "axios-1.13.5-boundary-fX-dMPzN2jD6hcnIKVuJQ2iwm";
    let upload = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n\
         Content-Type: image/png\r\n\r\nPNG\r\n--{boundary}\r\n\
         Content-Disposition: form-data; name=\"first_name\"\r\n\r\nLinda\r\n--{boundary}--\r\n"
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = put_form(&s, &path, &admin, (&ct, upload.as_bytes()));
    assert_eq!(data(&r)["avatar_url"], avatar["avatar_url"]);
    // onRemove: onUpload(null) appends null and the form's values to a
    // browser FormData, which spells them "null" (and undefined "undefined").
    let (ct, body) = multipart(&[
        ("files", "null"),
        ("first_name", "Linda"),
        ("last_name", "undefined"),
        ("email", "linda@example.com"),
        ("phone_number", "612345678"),
        ("phone_number_country_code", "FR"),
        ("enabled", "true"),
    ]);
    let r = put_form(&s, &path, &admin, (&ct, &body));
    let d = data(&r);
    assert_eq!(d["avatar_url"], Value::Null);
    assert_eq!(d["last_name"], "Olsen");
    assert_eq!(d["phone"], "06 12 34 56 78");
}

#[test]
fn an_empty_editor_note_is_refused() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    let notes = format!("/api/v1/contacts/{id}/notes");
    for empty in ["<p></p>", "<p><br></p>", "<p>&nbsp; </p>"] {
        let r = hq(
            &s,
            "POST",
            &notes,
            &admin,
            Some(&json!({"note": empty, "notify_user_ids": []})),
        );
        assert_eq!(r.status, 400, "{empty}: {r:?}");
        assert_eq!(error_type(&r), "InputException");
        assert_eq!(r.json()["message"], "Note content is required");
    }
    assert_eq!(data(&hq(&s, "GET", &notes, &admin, None)), json!([]));
    let r = hq(
        &s,
        "POST",
        &notes,
        &admin,
        Some(&json!({"note": "<p><img src=\"cid:scan\"></p>", "notify_user_ids": []})),
    );
    assert_eq!(r.status, 200, "{r:?}");
}

#[test]
fn search_finds_the_people_of_a_domain() {
    let s = Server::start();
    let admin = s.admin();
    let id = seeded(&s, &admin);
    for (first, email) in [("Zed", "zed@zorg.example"), ("Zoe", "zoe@zorg.example")] {
        let r = hq(
            &s,
            "POST",
            "/api/v1/contacts/quick",
            &admin,
            Some(&json!({"first_name": first, "email": email})),
        );
        assert_eq!(r.status, 200, "{r:?}");
    }
    // What the UI's email box sends as the agent types a company's domain.
    for q in ["zorg.example", "%40zorg", "ZORG"] {
        let d = data(&hq(
            &s,
            "GET",
            &format!("/api/v1/contacts/search?query={q}"),
            &admin,
            None,
        ));
        let emails: Vec<&str> = d
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["email"].as_str().unwrap())
            .collect();
        assert_eq!(emails, ["zed@zorg.example", "zoe@zorg.example"], "{q}");
    }
    let d = data(&hq(
        &s,
        "GET",
        "/api/v1/contacts/search?query=example",
        &admin,
        None,
    ));
    assert_eq!(d.as_array().unwrap().len(), 1, "{d}");
    assert_eq!(d[0]["id"], id);
    // A whole address is that contact, not its colleagues.
    let d = data(&hq(
        &s,
        "GET",
        "/api/v1/contacts/search?query=zed%40zorg.example",
        &admin,
        None,
    ));
    assert_eq!(d.as_array().unwrap().len(), 1, "{d}");
}
