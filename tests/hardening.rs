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
        let r = s.json(
            "POST",
            "/api/contacts",
            &t,
            &json!({"first_name": "Ann", "phones": [{"number": "0611223344"}]}),
        );
        assert_eq!(r.status, 201, "{r:?}");
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
