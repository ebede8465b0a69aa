//! `contacts-host migrate-store --from sqlite:… --to postgres://…`: a server
//! moved from SQLite to PostgreSQL answers as before (same contacts, ids,
//! versions, lookups, tokens, directory, events) and goes on from where it
//! was (new ids and sequence numbers above the old ones).

mod support;

use std::process::Command;
use std::sync::Arc;

use serde_json::{Value, json};
use support::{BIN, Server};

fn migrate(from: &str, to: &str) -> std::process::Output {
    Command::new(BIN)
        .args(["migrate-store", "--from", from, "--to", to])
        .output()
        .expect("run migrate-store")
}

#[test]
fn a_sqlite_database_moves_to_postgres_whole() {
    let mut old = Server::start_sqlite(&[]);
    let t = old.admin();
    let owner = old.owner(&t, "customers", "ACME", "CL000001");
    let mut ids = Vec::new();
    for (i, (email, mobile)) in [
        ("linda@example.com", "06 12 34 56 78"),
        ("ann@example.com", "06 98 76 54 32"),
        ("zoe@example.com", "07 11 22 33 44"),
    ]
    .into_iter()
    .enumerate()
    {
        let r = old.json(
            "POST",
            &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
            &t,
            &json!({"last_name": format!("Olsen {i}"), "email": email, "mobile_phone": mobile}),
        );
        assert_eq!(r.status, 201, "{r:?}");
        ids.push(r.json()["id"].as_u64().expect("id"));
    }
    let r = old.json(
        "PUT",
        &format!("/api/v1/contacts/{}", ids[0]),
        &t,
        &json!({"last_name": "Olsen-Smith"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let show = |s: &Server, id: u64| s.get(&format!("/api/v1/contacts/{id}"), &t).json();
    let before: Vec<Value> = ids.iter().map(|&id| show(&old, id)).collect();
    let events_before = old.get("/api/v1/events?limit=1000", &t).json()["data"].clone();
    assert!(old.terminate().success());

    let database = Arc::new(support::postgres::Database::create());
    let out = migrate(&old.db, &database.url);
    assert!(out.status.success(), "{out:?}");
    let report = String::from_utf8_lossy(&out.stdout);
    // The 3 contacts and the 7 words of the RelateCRM dictionary they hold (olsen, smith,
    // linda, ann, zoe, example, com).
    assert!(report.contains("documents: 10 rows"), "{report}");

    let new = Server::start_in(Some(database.clone()), &[]);
    // The same token, contacts (versions included) and events.
    let after: Vec<Value> = ids.iter().map(|&id| show(&new, id)).collect();
    let strip = |v: &[Value]| -> Vec<Value> {
        // Absolute URLs name the server's address, which changed.
        v.iter()
            .map(|c| {
                let mut c = c.clone();
                if let Some(o) = c.as_object_mut() {
                    o.retain(|k, _| !k.ends_with("_url"));
                }
                c
            })
            .collect()
    };
    assert_eq!(strip(&after), strip(&before));
    let events_after = new.get("/api/v1/events?limit=1000", &t).json()["data"].clone();
    assert_eq!(events_after, events_before);
    // Index entries came along: a caller-id lookup finds its contact.
    let r = new.get("/api/v1/contacts/numbers?phone_number=%2B33698765432", &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], ids[1], "{r:?}");
    // Run sizes came along: the count of every contact is the same.
    let total = |s: &Server| s.get("/api/contacts", &t).json()["meta"]["total"].clone();
    assert_eq!(total(&new), 3);
    // New ids and sequence numbers go on above the old ones.
    let r = new.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        &t,
        &json!({"last_name": "Newcomer", "email": "new@example.com"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    let newest = r.json()["id"].as_u64().expect("id");
    assert!(ids.iter().all(|&id| id < newest), "{ids:?} then {newest}");
    let second_owner = new.owner(&t, "customers", "Beta", "CL000002");
    assert!(second_owner > owner);
    let events = new.get("/api/v1/events?limit=1000", &t).json()["data"].clone();
    let seqs: Vec<u64> = events
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["seq"].as_u64().expect("seq"))
        .collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
    assert_eq!(seqs.len(), events_before.as_array().unwrap().len() + 1);

    // A second move into the same, now non-empty, database is refused.
    let again = migrate(&old.db, &database.url);
    assert!(!again.status.success());
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("not empty"),
        "{again:?}"
    );
}
