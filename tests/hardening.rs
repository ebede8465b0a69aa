//! Hostile and unlucky clients (issue 17): each test holds one finding of the
//! black-box probe, on the real server over HTTP.

mod support;

use std::sync::{Arc, Barrier};

use serde_json::json;
use support::{Server, enc};

fn login(s: &Server, email: &str, password: &str) -> u16 {
    s.send(
        "POST",
        &format!("/api/login?email={}&password={}", enc(email), enc(password)),
        None,
        &[],
        None,
    )
    .status
}

/// Finding 1: 50 guesses sent at once were all checked. Each attempt is
/// counted before its password is, so at most five are ever checked, even
/// in parallel, and the right password is then locked out too.
#[test]
fn parallel_login_guesses_are_counted() {
    let s = Arc::new(Server::start());
    s.agent_with_login("Agent Smith", "smith@example.com", "right horse battery");
    let barrier = Arc::new(Barrier::new(50));
    let guesses: Vec<_> = (0..50)
        .map(|i| {
            let (s, barrier) = (s.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                login(&s, "Smith@Example.com", &format!("guess {i}"))
            })
        })
        .collect();
    let statuses: Vec<u16> = guesses.into_iter().map(|g| g.join().unwrap()).collect();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let locked = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + locked, 50, "{statuses:?}");
    assert!(checked <= 5, "{checked} guesses were checked: {statuses:?}");
    assert!(locked >= 45, "{statuses:?}");
    assert_eq!(login(&s, "smith@example.com", "right horse battery"), 429);
}

/// A success still resets the count, and unknown emails are counted too.
#[test]
fn a_success_resets_and_unknown_emails_count() {
    let s = Server::start();
    s.agent_with_login("Ada Byron", "ada@example.com", "s3cret");
    for _ in 0..4 {
        assert_eq!(login(&s, "ada@example.com", "wrong"), 401);
    }
    assert_eq!(login(&s, "ada@example.com", "s3cret"), 200);
    for _ in 0..4 {
        assert_eq!(login(&s, "ada@example.com", "wrong"), 401);
    }
    assert_eq!(login(&s, "ada@example.com", "s3cret"), 200);
    for _ in 0..5 {
        assert_eq!(login(&s, "nobody@example.com", "x"), 401);
    }
    assert_eq!(login(&s, "nobody@example.com", "x"), 429);
}

/// Finding 3: concurrent partial updates of one contact answered 409 with
/// internal versions. A partial update is re-applied on the fresh document:
/// every one succeeds and the contact ends with one of the sent names.
#[test]
fn concurrent_partial_updates_all_land() {
    let s = Arc::new(Server::start());
    let t = s.admin();
    let owner = s.owner(&t, "customers", "ACME", "CL000001");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        &t,
        &json!({"last_name": "Start", "email": "race@example.com"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_u64().unwrap();
    let barrier = Arc::new(Barrier::new(50));
    let writers: Vec<_> = (0..50)
        .map(|i| {
            let (s, t, barrier) = (s.clone(), t.clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let r = s.json(
                    "PUT",
                    &format!("/api/v1/contacts/{id}"),
                    &t,
                    &json!({"last_name": format!("Writer {i}")}),
                );
                (r.status, r.body)
            })
        })
        .collect();
    for w in writers {
        let (status, body) = w.join().unwrap();
        assert_eq!(status, 201, "{body}");
        assert!(!body.contains("version"), "{body}");
    }
    let last = s.get(&format!("/api/v1/contacts/{id}"), &t).json()["last_name"].clone();
    assert!(
        last.as_str().is_some_and(|n| n.starts_with("Writer ")),
        "{last}"
    );
    // Every write is in the outbox: one created and fifty updated events.
    let events = s.get("/api/v1/events?limit=1000", &t).json();
    let updated = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "contact.updated")
        .count();
    assert_eq!(updated, 50, "{events}");
}

/// Finding 6: forwarded headers are believed only with `--trust-proxy`, and
/// then only as a plain host and http or https.
#[test]
fn forwarded_headers_need_a_trusted_proxy() {
    let hostile = [
        ("X-Forwarded-Host", "evil.example"),
        ("X-Forwarded-Proto", "javascript"),
    ];
    // A server with one contact to look up, and its token.
    let serve = |extra: &[&str]| {
        let s = Server::start_with(extra);
        let t = s.admin();
        s.contact(
            &t,
            &json!({"first_name": "Ann", "phones": [{"number": "0611223344"}]}),
        );
        (s, t)
    };
    let url = |(s, t): &(Server, String), headers: &[(&str, &str)]| {
        let r = s.send(
            "GET",
            "/api/v1/contacts/numbers?phone_number=0611223344",
            Some(t),
            headers,
            None,
        );
        assert_eq!(r.status, 200, "{r:?}");
        r.json()["data"]["contact_url"].as_str().unwrap().to_owned()
    };
    let s = serve(&[]);
    let u = url(&s, &hostile);
    assert!(u.starts_with(&format!("http://{}/", s.0.addr)), "{u}");

    let s = serve(&["--trust-proxy"]);
    let u = url(&s, &hostile);
    assert!(u.starts_with("http://evil.example/"), "{u}");
    let u = url(
        &s,
        &[
            ("X-Forwarded-Host", "crm.example.com"),
            ("X-Forwarded-Proto", "https"),
        ],
    );
    assert!(u.starts_with("https://crm.example.com/"), "{u}");
    let u = url(&s, &[("X-Forwarded-Host", "javascript://x/")]);
    assert!(u.starts_with(&format!("http://{}/", s.0.addr)), "{u}");
}

/// Finding 6: an integer beyond 64 bits for a text field was stored as
/// `1.8446744073709552e+19`; it is refused, in each dialect's words, and an
/// integer that fits is still taken as its text.
#[test]
fn a_number_without_faithful_text_is_refused_for_a_text_field() {
    let s = Server::start();
    let t = s.admin();
    let big = "18446744073709551616";
    let body = format!(r#"{{"first_name": {big}}}"#);
    let json = ("Content-Type", "application/json");
    let create = |body: &str| {
        let r = s.send(
            "POST",
            "/api/contacts",
            Some(&t),
            &[json],
            Some(body.as_bytes()),
        );
        assert_eq!(r.status, 422, "{r:?}");
        r
    };
    let r = create(&body);
    assert!(r.json()["errors"]["first_name"].is_array(), "{r:?}");
    let r = s.json("POST", "/api/contacts", &t, &json!({"first_name": 42}));
    assert_eq!(r.status, 201, "{r:?}");
    assert_eq!(r.json()["first_name"], "42");
    let id = r.json()["id"].as_u64().unwrap();
    let body = format!(r#"{{"last_name": {big}}}"#);
    let r = s.send(
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        Some(&t),
        &[json, ("X-Contacts-Dialect", "helperiq")],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["error_type"], "InputException", "{r:?}");
    create(&format!(
        r#"{{"first_name": "Ann", "phones": [{{"number": {big}}}]}}"#
    ));
}

/// Finding 6: one email in two Unicode forms, or with its domain in Unicode
/// and in Punycode, is one email: stored in NFC with the domain decoded, so
/// the second is refused as taken where emails are unique.
#[test]
fn one_email_in_two_unicode_forms_is_one_email() {
    let s = Server::start();
    let t = s.admin();
    s.contact(
        &t,
        &json!({"first_name": "Jos\u{e9}", "email": "jos\u{e9}@m\u{fc}nchen.de"}),
    );
    for twin in [
        "jose\u{301}@m\u{fc}nchen.de",
        "jos\u{e9}@xn--mnchen-3ya.de",
        "JOSE\u{301}@XN--MNCHEN-3YA.DE",
    ] {
        let r = s.json(
            "POST",
            "/api/contacts",
            &t,
            &json!({"first_name": "Twin", "email": twin}),
        );
        assert_eq!(r.status, 422, "{twin:?}: {r:?}");
        assert!(r.json()["errors"]["email"].is_array(), "{r:?}");
    }
}

/// Reads until the server closes the connection; panics if it does not
/// within a bound far above the server's own limits.
fn read_until_closed(stream: &mut std::net::TcpStream) -> String {
    use std::io::Read as _;
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return String::from_utf8_lossy(&got).into_owned(),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            // A reset is a close too.
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                return String::from_utf8_lossy(&got).into_owned();
            }
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
}

/// Finding 2: connections dribbling headers, or idle between requests, were
/// held forever. Each must send its headers within the header timeout,
/// which also bounds a keep-alive connection's idle time.
#[test]
fn slow_and_idle_connections_are_closed() {
    use std::io::Write as _;
    let s = Server::start_with(&["--header-timeout-ms", "300"]);
    let mut slow = std::net::TcpStream::connect(&s.addr).unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let answer = read_until_closed(&mut slow);
    assert!(!answer.contains("200 OK"), "{answer}");

    let mut idle = std::net::TcpStream::connect(&s.addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    // The answer comes, then the idle connection is closed.
    let answer = read_until_closed(&mut idle);
    assert!(answer.starts_with("HTTP/1.1 200 OK"), "{answer}");
    // The server still serves.
    assert_eq!(s.send("GET", "/healthz", None, &[], None).status, 200);
}

/// Finding 2: past `--max-connections`, a new connection is told so at once
/// (503, Retry-After) instead of waiting unseen; once connections close, the
/// server serves again.
#[test]
fn connections_past_the_cap_get_a_clear_answer() {
    let s = Server::start_with(&["--max-connections", "4"]);
    let held: Vec<_> = (0..4)
        .map(|_| std::net::TcpStream::connect(&s.addr).unwrap())
        .collect();
    // Connections are counted when accepted: give the server a moment to
    // accept the four, by a bounded number of tries of the fifth.
    let mut answer = String::new();
    for _ in 0..100 {
        let mut fifth = std::net::TcpStream::connect(&s.addr).unwrap();
        answer = read_until_closed(&mut fifth);
        if answer.starts_with("HTTP/1.1 503") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("Retry-After: 1"), "{answer}");
    assert!(answer.contains("connection limit"), "{answer}");
    drop(held);
    let mut status = 0;
    for _ in 0..100 {
        let mut probe = std::net::TcpStream::connect(&s.addr).unwrap();
        std::io::Write::write_all(
            &mut probe,
            b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        )
        .unwrap();
        let got = read_until_closed(&mut probe);
        status = if got.starts_with("HTTP/1.1 200") {
            200
        } else {
            503
        };
        if status == 200 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(status, 200);
}

/// Finding 5: a `contacts:read` token created customers, companies, deals,
/// activities, conversations and portal accounts. The platform's records
/// need the `admin` scope, checked before the body is read.
#[test]
fn platform_records_need_the_admin_scope() {
    let s = Server::start();
    let admin = s.admin();
    let contact = s.contact(&admin, &json!({"first_name": "Ann"}));
    let contact_scopes = support::contact_scopes().join(",");
    let reader = s.token(&["--name", "Reader", "--scopes", "contacts:read"]);
    let every_contact_scope = s.token(&["--name", "Contacts Only", "--scopes", &contact_scopes]);
    let only_admin = s.token(&["--name", "Platform", "--scopes", "admin"]);
    let routes: [(&str, serde_json::Value); 7] = [
        (
            "/api/v1/customers",
            json!({"name": "ACME", "customer_account": "CL1"}),
        ),
        (
            "/api/v1/prospects",
            json!({"name": "Globex", "customer_account": "PR1"}),
        ),
        (
            "/api/companies",
            json!({"name": "Initech", "domain": "initech.example"}),
        ),
        ("/api/deals", json!({"name": "Deal"})),
        ("/api/activities", json!({"title": "Call"})),
        (
            "/api/v1/conversations",
            json!({"contact_id": contact, "subject": "Hello"}),
        ),
        ("/api/v1/clients", json!({"contact_id": contact})),
    ];
    for (path, body) in &routes {
        for token in [&reader, &every_contact_scope] {
            // Refused before the body is read: an invalid body gets 403 too.
            let r = s.json("POST", path, token, &json!({}));
            assert_eq!(r.status, 403, "{path}: {r:?}");
            let r = s.json("POST", path, token, body);
            assert_eq!(r.status, 403, "{path}: {r:?}");
        }
        let r = s.json("POST", path, &only_admin, body);
        assert_eq!(r.status, 201, "{path}: {r:?}");
    }
    let r = s.get("/api/v1/clients/1", &reader);
    assert_eq!(r.status, 403, "{r:?}");
    assert_eq!(s.get("/api/v1/clients/1", &only_admin).status, 200);
}

/// A request of [`permission_is_checked_before_the_input`]: dialect,
/// method, target, raw body, the scope it needs, and the status of a caller
/// who holds that scope.
type Case<'a> = (&'a str, &'a str, String, &'a [u8], &'a str, u16);

/// Finding 5: on association, block and owner-list routes (and every route
/// whose input the host parses) the input was judged before the caller's
/// scope: 400 or 422 where the spec says 403. A caller without the scope now
/// gets the dialect's 403 for a malformed body, a bad id or a missing
/// parameter; a caller holding it still gets the input's own error.
#[test]
fn permission_is_checked_before_the_input() {
    let s = Server::start();
    let admin = s.admin();
    let id = s.contact(&admin, &json!({"first_name": "Ann"}));
    let contact = format!("/api/v1/contacts/{id}");
    let cases: Vec<Case> = vec![
        // RelateCRM associations: unreadable JSON, then ids that are not ids.
        (
            "relatecrm",
            "PUT",
            format!("/api/associations/contacts/{id}"),
            b"{",
            "contacts:write",
            400,
        ),
        (
            "relatecrm",
            "PUT",
            format!("/api/associations/contacts/{id}"),
            br#"{"companies": "x"}"#,
            "contacts:write",
            422,
        ),
        (
            "relatecrm",
            "DELETE",
            format!("/api/associations/contacts/{id}"),
            br#"{"deals": [true]}"#,
            "contacts:write",
            422,
        ),
        (
            "relatecrm",
            "POST",
            format!("/api/associations/contacts/{id}"),
            b"17",
            "contacts:write",
            400,
        ),
        (
            "relatecrm",
            "POST",
            "/api/contacts".into(),
            br#"{"first_name": []}"#,
            "contacts:write",
            422,
        ),
        (
            "relatecrm",
            "PUT",
            format!("/api/contacts/{id}"),
            b"{",
            "contacts:write",
            400,
        ),
        (
            "relatecrm",
            "GET",
            "/api/contacts/abc".into(),
            b"",
            "contacts:read",
            404,
        ),
        // HelperIQ block: neither key, a key of the wrong type, a bad id.
        (
            "helperiq",
            "PUT",
            format!("{contact}/block"),
            b"{}",
            "contacts:block",
            400,
        ),
        (
            "helperiq",
            "PUT",
            format!("{contact}/block"),
            br#"{"blocked": "yes"}"#,
            "contacts:block",
            400,
        ),
        (
            "helperiq",
            "PUT",
            "/api/v1/contacts/abc/block".into(),
            br#"{"blocked": true}"#,
            "contacts:block",
            400,
        ),
        (
            "helperiq",
            "PUT",
            contact.clone(),
            br#"{"custom_attributes": 1}"#,
            "contacts:write",
            400,
        ),
        (
            "helperiq",
            "POST",
            "/api/v1/contacts/quick".into(),
            br#"{"email": 1}"#,
            "contacts:write",
            400,
        ),
        (
            "helperiq",
            "POST",
            format!("{contact}/notes"),
            br#"{"content": 1}"#,
            "contact_notes:write",
            400,
        ),
        (
            "helperiq",
            "GET",
            "/api/v1/contacts/search?q=".into(),
            b"",
            "contacts:read",
            400,
        ),
        // BlueRockTEL owner list and create: the owner parameters missing.
        (
            "bluerocktel",
            "GET",
            "/api/v1/contacts".into(),
            b"",
            "contacts:read_all",
            422,
        ),
        (
            "bluerocktel",
            "GET",
            "/api/v1/contacts?contactable_type=App%5CUser&contactable_id=x".into(),
            b"",
            "contacts:read_all",
            422,
        ),
        (
            "bluerocktel",
            "POST",
            "/api/v1/contacts".into(),
            br#"{"last_name": "X"}"#,
            "contacts:write",
            422,
        ),
        (
            "bluerocktel",
            "PUT",
            contact.clone(),
            br#"{"first_name": {}}"#,
            "contacts:write",
            422,
        ),
        (
            "bluerocktel",
            "GET",
            "/api/v1/contacts/numbers".into(),
            b"",
            "contacts:read",
            422,
        ),
    ];
    for (dialect, method, target, body, scope, invalid) in &cases {
        let without = s.token(&["--name", "Without", "--scopes", &support::scopes_but(scope)]);
        let with = s.token(&["--name", "With", "--scopes", scope]);
        let headers = [
            ("Content-Type", "application/json"),
            ("X-Contacts-Dialect", *dialect),
        ];
        let r = s.send(method, target, Some(&without), &headers, Some(body));
        assert_eq!(r.status, 403, "{method} {target} without {scope}: {r:?}");
        if *dialect == "helperiq" {
            assert_eq!(r.json()["error_type"], "PermissionException", "{r:?}");
        } else {
            assert!(r.json()["message"].is_string(), "{r:?}");
        }
        let r = s.send(method, target, Some(&with), &headers, Some(body));
        assert_eq!(r.status, *invalid, "{method} {target} with {scope}: {r:?}");
    }
}

/// Finding 6: RelateCRM `cf_*` values of any size or depth were stored. Every
/// free-form field is bounded: texts by their column's length, `cf_*` values
/// and HelperIQ's merged `custom_attributes` by 64 KiB of JSON and 8 levels
/// of nesting, lists of linked ids by 1,000. Each refusal is a field error
/// in the dialect's own shape, and writes nothing.
#[test]
fn every_free_form_field_is_bounded() {
    let s = Server::start_with(&["--custom-fields", "cf_notes"]);
    let t = s.admin();
    let relate =
        |method: &str, path: &str, body: &serde_json::Value| s.json(method, path, &t, body);
    let r = relate("POST", "/api/contacts", &json!({"first_name": "Ann"}));
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_u64().unwrap();
    let contact = format!("/api/contacts/{id}");
    let nested = |levels: usize| -> serde_json::Value {
        let text = "[".repeat(levels) + &"]".repeat(levels);
        serde_json::from_str(&text).unwrap()
    };
    // Texts: one character past each column.
    for (field, max) in [
        ("first_name", 191),
        ("last_name", 191),
        ("job_title", 191),
        ("street", 191),
        ("city", 191),
        ("state", 191),
        ("postal_code", 191),
    ] {
        let r = relate("PUT", &contact, &json!({ field: "x".repeat(max + 1) }));
        assert_eq!(r.status, 422, "{field}: {r:?}");
        assert!(r.json()["errors"][field].is_array(), "{field}: {r:?}");
        let r = relate("PUT", &contact, &json!({ field: "x".repeat(max) }));
        assert_eq!(r.status, 200, "{field}: {r:?}");
    }
    // cf_*: 64 KiB of JSON and 8 levels; at the bound it is stored.
    let fits = "x".repeat(65_536 - 2);
    for (value, ok) in [
        (json!(fits), true),
        (json!(format!("{fits}xy")), false),
        (nested(8), true),
        (nested(9), false),
        (json!([{"a": {"b": [[[[[[1]]]]]]}}]), false),
    ] {
        let r = relate("PUT", &contact, &json!({ "cf_notes": value }));
        if ok {
            assert_eq!(r.status, 200, "{r:?}");
            assert_eq!(r.json()["cf_notes"], value);
        } else {
            assert_eq!(r.status, 422, "{r:?}");
            let errors = &r.json()["errors"]["cf_notes"];
            assert!(
                errors[0]
                    .as_str()
                    .unwrap()
                    .starts_with("The Cf Notes field must not"),
                "{r:?}"
            );
        }
    }
    assert_eq!(s.get(&contact, &t).json()["cf_notes"], nested(8));
    // Linked ids: at most 1,000 in a body or an association.
    let many: Vec<u64> = (1..=1_001).collect();
    let r = relate("PUT", &contact, &json!({ "deals": many }));
    assert_eq!(r.status, 422, "{r:?}");
    assert!(r.json()["errors"]["deals"].is_array(), "{r:?}");
    let r = relate(
        "PUT",
        &format!("/api/associations/contacts/{id}"),
        &json!({ "companies": many }),
    );
    assert_eq!(r.status, 422, "{r:?}");
    assert!(r.json()["errors"]["companies"].is_array(), "{r:?}");
    // HelperIQ: the merged custom_attributes, and their depth.
    let hq = |body: serde_json::Value| {
        s.send(
            "PUT",
            &format!("/api/v1/contacts/{id}"),
            Some(&t),
            &[
                ("Content-Type", "application/json"),
                ("X-Contacts-Dialect", "helperiq"),
            ],
            Some(body.to_string().as_bytes()),
        )
    };
    let half = "y".repeat(32_768);
    assert_eq!(hq(json!({"custom_attributes": {"a": half}})).status, 200);
    let r = hq(json!({"custom_attributes": {"b": half}}));
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(r.json()["error_type"], "InputException", "{r:?}");
    assert!(
        r.json()["message"].as_str().unwrap().contains("too large"),
        "{r:?}"
    );
    let r = hq(json!({"custom_attributes": {"deep": nested(8)}}));
    assert_eq!(r.status, 400, "{r:?}");
    assert!(
        r.json()["message"]
            .as_str()
            .unwrap()
            .contains("nested too deeply"),
        "{r:?}"
    );
    let kept = s.get(&contact, &t).json();
    assert_eq!(kept["cf_notes"], nested(8), "nothing was written: {kept}");
    // A note and the agents it notifies.
    let note = |body: serde_json::Value| {
        s.send(
            "POST",
            &format!("/api/v1/contacts/{id}/notes"),
            Some(&t),
            &[("Content-Type", "application/json")],
            Some(body.to_string().as_bytes()),
        )
    };
    assert_eq!(note(json!({"content": "z".repeat(65_536)})).status, 400);
    let notified: Vec<u64> = (1..=101).collect();
    let r = note(json!({"content": "hello", "notify_user_ids": notified}));
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(note(json!({"content": "z".repeat(65_535)})).status, 200);
}

/// Rate limiting per token: each response to a limited token says where its
/// bucket stands; past the burst the answer is 429 with `Retry-After`, in
/// the dialect's error shape, and another token is not slowed. On loopback
/// there is no limit unless `--rate-limit` sets one.
#[test]
fn tokens_are_rate_limited() {
    let s = Server::start_with(&["--rate-limit", "5/m"]);
    let busy = s.admin();
    let quiet = s.admin();
    for left in (0..5).rev() {
        let r = s.get("/api/contacts", &busy);
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.header("x-ratelimit-limit"), Some("5"));
        assert_eq!(
            r.header("x-ratelimit-remaining"),
            Some(left.to_string().as_str())
        );
    }
    let r = s.get("/api/contacts", &busy);
    assert_eq!(r.status, 429, "{r:?}");
    assert_eq!(r.json()["message"], "Too Many Attempts.", "{r:?}");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("0"));
    // One request comes back every 12 s.
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=12).contains(&wait), "{wait}");
    let r = s.send(
        "GET",
        "/api/v1/contacts",
        Some(&busy),
        &[("X-Contacts-Dialect", "helperiq")],
        None,
    );
    assert_eq!(r.status, 429, "{r:?}");
    assert_eq!(r.json()["status"], "error", "{r:?}");
    assert!(r.header("retry-after").is_some(), "{r:?}");
    // Another token, and requests without one, are served.
    let r = s.get("/api/contacts", &quiet);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("x-ratelimit-remaining"), Some("4"));
    assert_eq!(s.send("GET", "/healthz", None, &[], None).status, 200);

    let s = Server::start();
    let t = s.admin();
    for _ in 0..30 {
        let r = s.get("/api/contacts", &t);
        assert_eq!(r.status, 200, "{r:?}");
        assert_eq!(r.header("x-ratelimit-limit"), None);
    }
}
