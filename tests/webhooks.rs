//! Webhook delivery of the outbox (spec §6), against a real receiver on
//! loopback: every event, in order, signed, retried after a failure, and
//! not delivered twice across a restart.

mod support;

use std::sync::mpsc::Receiver;
use std::time::Duration;

use serde_json::{Value, json};
use support::Server;
use support::webhooks::{Delivery, receiver};

const SECRET: &str = "s3cret";

fn next(rx: &Receiver<Delivery>) -> (Delivery, Value) {
    let d = rx
        .recv_timeout(Duration::from_secs(25))
        .expect("a delivery within 25 s");
    let body = serde_json::from_slice(&d.body).expect("a JSON body");
    (d, body)
}

#[test]
fn events_reach_the_webhook_in_order_signed_and_once() {
    let (url, rx) = receiver(1);
    let flags = ["--webhooks", &url, "--webhook-secret", SECRET];
    let mut s = Server::start_with(&flags);
    let t = s.admin();
    let owner = s.owner(&t, "customers", "ACME", "CL000001");
    let created = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        &t,
        &json!({"last_name": "Olsen", "email": "linda@example.com"}),
    );
    assert_eq!(created.status, 201, "{created:?}");
    let id = created.json()["id"].as_u64().unwrap();
    let r = s.json(
        "PUT",
        &format!("/api/v1/contacts/{id}"),
        &t,
        &json!({"first_name": "Linda"}),
    );
    assert!(r.status / 100 == 2, "{r:?}");

    // The first attempt failed (500); the retry delivers, then the next event.
    let (first, body) = next(&rx);
    assert_eq!(first.kind, "contact.created");
    assert_eq!(body["kind"], "contact.created");
    assert_eq!(body["contact_id"], id);
    assert_eq!(body["seq"], first.seq);
    let expected = contacts_host::webhooks::hmac_sha256(SECRET.as_bytes(), &first.body);
    assert_eq!(first.signature, format!("sha256={expected}"));
    let (second, body) = next(&rx);
    assert_eq!(second.kind, "contact.updated");
    assert_eq!(body["contact_id"], id);
    assert!(second.seq > first.seq);

    // Once the server has recorded the acknowledgement, it is killed (its
    // lease on the endpoint stays until it lapses, then the new process
    // takes over): acknowledged events are not sent again. (An event whose
    // 2xx was not recorded yet would be: delivery is at least once.)
    let acknowledged = || -> u64 {
        support::sql_value(&s.db, "SELECT after_seq FROM webhook_cursors")
            .expect("cursor")
            .parse()
            .expect("a number")
    };
    for _ in 0..100 {
        if acknowledged() == second.seq {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(acknowledged(), second.seq);
    s.restart_with(&flags);
    let r = s.send(
        "DELETE",
        &format!("/api/v1/contacts/{id}"),
        Some(&t),
        &[],
        None,
    );
    assert_eq!(r.status, 200, "{r:?}");
    let (third, _) = next(&rx);
    assert_eq!(third.kind, "contact.deleted");
    assert!(third.seq > second.seq);
    assert!(
        rx.recv_timeout(Duration::from_millis(800)).is_err(),
        "nothing twice"
    );
}

/// A server that is asked to stop hands its lease back, so the next start
/// (or another replica) delivers at once.
#[test]
fn a_stopping_server_hands_its_lease_back() {
    let (url, rx) = receiver(0);
    let mut s = Server::start_with(&["--webhooks", &url]);
    let t = s.admin();
    s.owner(&t, "customers", "ACME", "CL000001");
    let quick = json!({"first_name": "Linda", "email": "linda@example.com"});
    let r = s.send(
        "POST",
        "/api/v1/contacts/quick",
        Some(&t),
        &[
            ("X-Contacts-Dialect", "helperiq"),
            ("Content-Type", "application/json"),
        ],
        Some(quick.to_string().as_bytes()),
    );
    assert_eq!(r.status / 100, 2, "{r:?}");
    let (delivery, _) = next(&rx);
    assert_eq!(delivery.kind, "contact.created");
    let lease = |s: &Server| -> (String, i64) {
        let rows = support::sql(&s.db, "SELECT holder, lease_until_ms FROM webhook_cursors");
        let row = rows.first().expect("cursor");
        let text = |i: usize| row[i].clone().expect("a value");
        (text(0), text(1).parse().expect("a number"))
    };
    assert_ne!(lease(&s).0, "", "held while running");
    assert!(s.terminate().success());
    assert_eq!(lease(&s), (String::new(), 0));
}

#[test]
fn an_https_webhook_is_refused_at_start() {
    let out = std::process::Command::new(support::BIN)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--webhooks",
            "https://example.com/x",
        ])
        .output()
        .expect("run");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("http://"),
        "{out:?}"
    );
}
