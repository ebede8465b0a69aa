//! Two `serve` replicas on one PostgreSQL database, as behind a load
//! balancer (issue 16): what the database must decide between them, it
//! decides. Updates of one contact through both all land (also when every
//! writer runs at once and must take turns), a race for one
//! unique email or phone number has exactly one winner, the login lockout
//! counts failures from both, webhook deliveries are shared through leases
//! (each event once, in order), and a replica killed with SIGKILL leaves the
//! other serving. Always on PostgreSQL, whatever `CONTACTS_TEST_BACKEND` says.

mod support;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use serde_json::{Value, json};
use support::Server;
use support::webhooks::receiver;

/// Two replicas on one new database, and an admin token valid on both.
fn replicas(extra: &[&str]) -> (Arc<Server>, Arc<Server>, String) {
    let a = Server::start_postgres(extra);
    let b = a.replica(extra);
    let t = a.admin();
    (Arc::new(a), Arc::new(b), t)
}

/// Runs `n` requests at once, alternating replicas; answers (status, body).
fn race(
    servers: [&Arc<Server>; 2],
    n: usize,
    request: impl Fn(&Server, usize) -> support::Reply + Send + Sync + Clone + 'static,
) -> Vec<(u16, String)> {
    let barrier = Arc::new(Barrier::new(n));
    let threads: Vec<_> = (0..n)
        .map(|i| {
            let (s, barrier, request) = (servers[i % 2].clone(), barrier.clone(), request.clone());
            std::thread::spawn(move || {
                barrier.wait();
                let r = request(&s, i);
                (r.status, r.body)
            })
        })
        .collect();
    threads
        .into_iter()
        .map(|t| t.join().expect("a client"))
        .collect()
}

#[test]
fn updates_of_one_contact_through_two_replicas_all_land() {
    let (a, b, t) = replicas(&[]);
    writers_all_land(&a, &b, &t, 40);
}

/// Forty-eight writers of one contact all running at once (24 component
/// instances on each replica): retried at once, the losers of each commit
/// re-read the same new version and race again, and some lose every one of
/// the component's attempts. The host's random, growing wait after a stale
/// commit (`capabilities/store/backoff.rs`) spreads them out: all land.
#[test]
fn writers_that_all_run_at_once_take_turns() {
    let (a, b, t) = replicas(&["--instances", "24"]);
    writers_all_land(&a, &b, &t, 48);
}

/// `n` partial updates of one new contact at once, alternating replicas:
/// every one succeeds and is its own version.
fn writers_all_land(a: &Arc<Server>, b: &Arc<Server>, t: &str, n: usize) {
    let r = a.json(
        "POST",
        "/api/contacts",
        t,
        &json!({"first_name": "Start", "email": "shared@example.com"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let id = r.json()["id"].as_u64().expect("id");
    let tok = t.to_owned();
    let answers = race([a, b], n, move |s, i| {
        s.json(
            "PUT",
            &format!("/api/v1/contacts/{id}"),
            &tok,
            &json!({"last_name": format!("Writer {i}")}),
        )
    });
    let lost: Vec<_> = answers
        .iter()
        .filter(|(status, _)| *status != 201)
        .collect();
    assert!(lost.is_empty(), "{} of {n} lost: {lost:?}", lost.len());
    // Each update is its own version: n updated events, none lost.
    let events = b.get("/api/v1/events?limit=1000", t).json();
    let updated = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "contact.updated" && e["contact_id"] == id)
        .count();
    assert_eq!(updated, n, "{events}");
    let from_a = a.get(&format!("/api/v1/contacts/{id}"), t).json();
    let from_b = b.get(&format!("/api/v1/contacts/{id}"), t).json();
    assert_eq!(from_a, from_b);
    assert!(
        from_a["last_name"]
            .as_str()
            .is_some_and(|n| n.starts_with("Writer ")),
        "{from_a}"
    );
}

#[test]
fn a_race_for_one_email_or_phone_has_exactly_one_winner() {
    let (a, b, t) = replicas(&[]);
    for (round, body) in [
        json!({"email": "only-one@example.com"}),
        json!({"phones": [{"number": "+33 6 12 34 56 78"}]}),
    ]
    .into_iter()
    .enumerate()
    {
        let tok = t.clone();
        let answers = race([&a, &b], 16, move |s, i| {
            let mut body = body.clone();
            body["first_name"] = json!(format!("Racer {round}-{i}"));
            s.json("POST", "/api/contacts", &tok, &body)
        });
        let won: Vec<_> = answers.iter().filter(|(s, _)| *s == 201).collect();
        assert_eq!(won.len(), 1, "round {round}: {answers:?}");
        for (status, body) in &answers {
            assert!(*status == 201 || *status == 422, "{status} {body}");
            if *status == 422 {
                assert!(body.contains("already exist"), "{body}");
            }
        }
    }
    // Exactly the two winners are stored, as both replicas see.
    let ids = |s: &Server| -> (Value, Vec<Value>) {
        let list = s.get("/api/contacts", &t).json();
        let ids = list["data"]
            .as_array()
            .expect("data")
            .iter()
            .map(|c| c["id"].clone())
            .collect();
        (list["meta"]["total"].clone(), ids)
    };
    assert_eq!(ids(&a).0, 2);
    assert_eq!(ids(&a), ids(&b));
}

#[test]
fn the_login_lockout_counts_failures_from_every_replica() {
    let (a, b, _) = replicas(&[]);
    a.agent_with_login("Ada Lovelace", "ada@example.com", "right");
    let login = |s: &Server, password: &str| {
        s.send(
            "POST",
            &format!("/api/login?email=ada%40example.com&password={password}"),
            None,
            &[],
            None,
        )
        .status
    };
    for i in 0..5 {
        let s = if i % 2 == 0 { &a } else { &b };
        assert_eq!(login(s, "wrong"), 401);
    }
    // Five failures through two replicas lock the email on both.
    assert_eq!(login(&a, "right"), 429);
    assert_eq!(login(&b, "right"), 429);
}

#[test]
fn webhook_deliveries_are_shared_each_event_once_in_order() {
    let (url, rx) = receiver(0);
    let (a, b, t) = replicas(&["--webhooks", &url]);
    let tok = t.clone();
    let answers = race([&a, &b], 20, move |s, i| {
        s.json(
            "POST",
            "/api/contacts",
            &tok,
            &json!({"first_name": format!("Hooked {i}")}),
        )
    });
    assert!(answers.iter().all(|(s, _)| *s == 201), "{answers:?}");
    let events = a.get("/api/v1/events?limit=1000", &t).json();
    let seqs: Vec<u64> = events["data"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    assert_eq!(seqs.len(), 20, "{events}");
    let mut got = Vec::new();
    while got.len() < seqs.len() {
        let d = rx
            .recv_timeout(Duration::from_secs(25))
            .unwrap_or_else(|_| panic!("a delivery within 25 s; got {got:?} of {seqs:?}"));
        assert_eq!(d.kind, "contact.created");
        got.push(d.seq);
    }
    // Whichever replica holds the lease delivers: each event once, in order.
    assert_eq!(got, seqs);
    assert!(
        rx.recv_timeout(Duration::from_secs(2)).is_err(),
        "an event was delivered twice"
    );
}

#[test]
fn a_replica_killed_with_sigkill_leaves_the_other_serving() {
    let a = Server::start_postgres(&[]);
    let mut b = a.replica(&[]);
    let t = a.admin();
    let r = b.json(
        "POST",
        "/api/contacts",
        &t,
        &json!({"first_name": "Before"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let before = r.json()["id"].as_u64().expect("id");
    b.kill();
    assert!(!b.is_running());
    let r = a.json("POST", "/api/contacts", &t, &json!({"first_name": "After"}));
    assert_eq!(r.status, 201, "{r:?}");
    let after = r.json()["id"].as_u64().expect("id");
    assert_ne!(before, after);
    let r = a.get(&format!("/api/contacts/{before}"), &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["first_name"], "Before", "{r:?}");
    assert_eq!(a.send("GET", "/readyz", None, &[], None).status, 200);
    let _: Value = a.get("/api/contacts", &t).json();
}
