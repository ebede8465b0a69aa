//! The contracts of the host's storage traits (`host/src/backends/mod.rs`)
//! beyond the document store (whose cases are `store_conformance.rs`): the
//! outbox and its retention, cursors and leases, accounts and the lockout's
//! count, the extensions' key-value spaces, facts about the database, the
//! platform's directory writes, and health. Each check takes a freshly
//! opened `Backend`, so every backend runs the same checks: add its opener
//! to [`backends`]. PostgreSQL's database is a fresh one on the test server
//! (`tests/support/postgres.rs`), dropped with the check.

mod support;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use contacts_host::auth::{AgentRecord, Attempt};
use contacts_host::backends::{self, Backend};
use contacts_host::bindings::directory::RecordKind;
use contacts_host::bindings::store::{Put, Write};
use contacts_host::bindings::types::{Event, OwnerKind};
use contacts_host::capabilities::events::subscription::Subscriber;
use contacts_host::clock::now_ms;

/// Every backend this build ships, each opened fresh for one check, with
/// the PostgreSQL database to drop after it.
fn backends(check: &str) -> Vec<(&'static str, Backend, Option<support::postgres::Database>)> {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!(
        "backend-contract-{}-{check}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    let sqlite = format!("sqlite:{}", dir.join("t.db").display());
    let pg = support::postgres::Database::create();
    vec![
        (
            "sqlite",
            backends::open(&sqlite).expect("open SQLite"),
            None,
        ),
        (
            "postgres",
            backends::open(&pg.url).expect("open PostgreSQL"),
            Some(pg),
        ),
    ]
}

/// Commits one contact document with `events` events.
fn commit_events(b: &Backend, id: u64, events: usize) {
    let write = Write::Put(Put {
        collection: "contacts".into(),
        id,
        body: "{}".into(),
        entries: Vec::new(),
        expected_version: None,
        exclusive: Vec::new(),
    });
    let events: Vec<Event> = (0..events)
        .map(|i| Event {
            kind: "contact.created".into(),
            contact_id: id,
            body: format!("{{\"n\":{i}}}"),
        })
        .collect();
    b.store
        .commit(&[write], &events)
        .expect("commit")
        .expect("accepted");
}

#[test]
fn the_outbox_is_ordered_and_retention_keeps_the_newest_event() {
    for (name, b, _database) in backends("outbox") {
        assert_eq!(b.outbox.last_seq().unwrap(), 0, "{name}: empty");
        assert!(b.outbox.after(0, 10).unwrap().is_empty(), "{name}");
        for id in 1..=3 {
            commit_events(&b, id, 2);
        }
        let all = b.outbox.after(0, 100).unwrap();
        assert_eq!(all.len(), 6, "{name}");
        assert!(
            all.windows(2).all(|w| w[0].seq < w[1].seq),
            "{name}: {all:?}"
        );
        assert_eq!(all[0].body, serde_json::json!({"n": 0}), "{name}");
        let last = all[5].seq;
        assert_eq!(b.outbox.last_seq().unwrap(), last, "{name}");
        let page = b.outbox.after(all[1].seq, 2).unwrap();
        assert_eq!(
            page.iter().map(|e| e.seq).collect::<Vec<_>>(),
            vec![all[2].seq, all[3].seq],
            "{name}: after a cursor, at most the limit"
        );

        // Nothing is old enough yet.
        let an_hour_ago = now_ms() - 3_600_000;
        assert_eq!(b.outbox.prune(last, an_hour_ago).unwrap(), 0, "{name}");
        // Old enough: only what was acknowledged goes.
        let later = now_ms() + 2_000;
        assert_eq!(b.outbox.prune(all[2].seq, later).unwrap(), 3, "{name}");
        assert_eq!(b.outbox.after(0, 100).unwrap(), all[3..].to_vec(), "{name}");
        // Everything acknowledged: the newest event stays, and so does last_seq.
        assert_eq!(b.outbox.prune(u64::MAX, later).unwrap(), 2, "{name}");
        assert_eq!(b.outbox.after(0, 100).unwrap(), all[5..].to_vec(), "{name}");
        assert_eq!(b.outbox.last_seq().unwrap(), last, "{name}");
        commit_events(&b, 4, 1);
        let next = b.outbox.after(last, 10).unwrap();
        assert_eq!(next.len(), 1, "{name}");
        assert!(
            next[0].seq > last,
            "{name}: sequence numbers are never reused"
        );
    }
}

#[test]
fn a_lease_has_one_holder_until_it_lapses() {
    for (name, b, _database) in backends("cursors") {
        commit_events(&b, 1, 3);
        let (w, url) = (Subscriber::Webhook, "http://127.0.0.1:9/hook");
        b.cursors.register(w, url).unwrap();
        let start = b.outbox.last_seq().unwrap();
        let listed = b.cursors.list(w).unwrap();
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(listed[0].key, url, "{name}");
        assert_eq!(
            listed[0].after_seq, start,
            "{name}: a new cursor starts at the end"
        );
        assert!(
            b.cursors.list(Subscriber::Extension).unwrap().is_empty(),
            "{name}"
        );

        let now = now_ms();
        assert_eq!(
            b.cursors.claim(w, url, "a", now, now + 10_000).unwrap(),
            Some(start)
        );
        assert_eq!(
            b.cursors.claim(w, url, "b", now, now + 10_000).unwrap(),
            None,
            "{name}"
        );
        assert!(b.cursors.advance(w, url, "a", start + 1).unwrap(), "{name}");
        // Renewal by the holder, then a takeover once the lease lapsed.
        assert_eq!(
            b.cursors.claim(w, url, "a", now, now + 10_000).unwrap(),
            Some(start + 1)
        );
        let lapsed = now + 10_001;
        assert_eq!(
            b.cursors
                .claim(w, url, "b", lapsed, lapsed + 10_000)
                .unwrap(),
            Some(start + 1),
            "{name}"
        );
        assert!(
            !b.cursors.advance(w, url, "a", start + 9).unwrap(),
            "{name}: not the holder"
        );
        assert_eq!(b.cursors.list(w).unwrap()[0].after_seq, start + 1, "{name}");
        // Registering again keeps the cursor where it is.
        b.cursors.register(w, url).unwrap();
        assert_eq!(b.cursors.list(w).unwrap()[0].after_seq, start + 1, "{name}");
        // A release frees the lease at once.
        b.cursors.release(w, "b").unwrap();
        assert_eq!(
            b.cursors.claim(w, url, "a", now, now + 10_000).unwrap(),
            Some(start + 1)
        );
        assert_eq!(
            b.cursors
                .claim(w, "http://unknown/", "a", now, now)
                .unwrap(),
            None
        );

        // Racing replicas: exactly one gets a free lease.
        b.cursors.register(Subscriber::Extension, "audit").unwrap();
        let won = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for i in 0..8 {
                let (b, won) = (&b, &won);
                s.spawn(move || {
                    let me = format!("replica-{i}");
                    let t = now_ms();
                    if b.cursors
                        .claim(Subscriber::Extension, "audit", &me, t, t + 60_000)
                        .unwrap()
                        .is_some()
                    {
                        won.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(won.load(Ordering::Relaxed), 1, "{name}");
    }
}

#[test]
fn accounts_match_emails_in_any_case_and_count_parallel_attempts() {
    for (name, b, _database) in backends("accounts") {
        assert!(!b.accounts.has_agents().unwrap(), "{name}");
        let scopes = vec!["contacts:read".to_owned()];
        let record = |email: &'static str, hash: Option<&'static str>| AgentRecord {
            first_name: "Ann",
            last_name: "Lee",
            email: Some(email),
            password_hash: hash,
            dialect: Some("helperiq"),
            scopes: &[],
        };
        let id = b
            .accounts
            .upsert_agent(&record("Ann@Example.com", Some("h1")))
            .unwrap();
        assert!(b.accounts.has_agents().unwrap(), "{name}");
        let again = b
            .accounts
            .upsert_agent(&record("ann@example.com", None))
            .unwrap();
        assert_eq!(again, id, "{name}: one agent per email, whatever its case");
        let stored = b
            .accounts
            .agent_by_email("ANN@example.com")
            .unwrap()
            .expect("found");
        assert_eq!(stored.agent.id, id, "{name}");
        assert_eq!(
            stored.password_hash.as_deref(),
            Some("h1"),
            "{name}: hash kept"
        );
        assert_eq!(stored.agent.dialect.as_deref(), Some("helperiq"), "{name}");
        assert!(
            b.accounts
                .agent_by_email("nobody@example.com")
                .unwrap()
                .is_none()
        );
        let other = b
            .accounts
            .upsert_agent(&AgentRecord {
                email: None,
                ..record("unused@example.com", None)
            })
            .unwrap();
        assert_ne!(other, id, "{name}: without an email, a new agent");

        b.accounts
            .add_token("digest-1", id, Some("relatecrm"), &scopes)
            .unwrap();
        let agent = b.accounts.token_agent("digest-1").unwrap().expect("valid");
        assert_eq!(agent.id, id, "{name}");
        assert_eq!(agent.scopes, scopes, "{name}: the token's scopes");
        assert_eq!(agent.dialect.as_deref(), Some("relatecrm"), "{name}");
        assert!(
            b.accounts.token_agent("digest-2").unwrap().is_none(),
            "{name}"
        );

        // Sixteen parallel attempts, five allowed: exactly five are counted.
        let now = now_ms();
        let counted = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..16 {
                let (b, counted) = (&b, &counted);
                s.spawn(move || {
                    let attempt = b
                        .accounts
                        .count_attempt("ann@example.com", now - 60_000, now, 5)
                        .unwrap();
                    if attempt == Attempt::Counted {
                        counted.fetch_add(1, Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(counted.load(Ordering::Relaxed), 5, "{name}");
        assert_eq!(
            b.accounts
                .count_attempt("ann@example.com", now - 60_000, now + 1, 5)
                .unwrap(),
            Attempt::Locked { oldest_ms: now },
            "{name}"
        );
        // Once the window has moved past them, the failures are forgotten.
        assert_eq!(
            b.accounts
                .count_attempt("ann@example.com", now, now + 60_001, 5)
                .unwrap(),
            Attempt::Counted,
            "{name}"
        );
        b.accounts.clear_failures("ann@example.com").unwrap();
        for _ in 0..5 {
            let t = now + 60_002;
            assert_eq!(
                b.accounts
                    .count_attempt("ann@example.com", now, t, 5)
                    .unwrap(),
                Attempt::Counted,
                "{name}: cleared"
            );
        }

        // A login may send any bytes, a NUL too (PostgreSQL's text holds
        // none): it matches no agent, and its failures count and clear.
        let odd = "a\0b@example.com";
        assert!(b.accounts.agent_by_email(odd).unwrap().is_none(), "{name}");
        for _ in 0..2 {
            assert_eq!(
                b.accounts.count_attempt(odd, now - 60_000, now, 2).unwrap(),
                Attempt::Counted,
                "{name}"
            );
        }
        assert_eq!(
            b.accounts.count_attempt(odd, now - 60_000, now, 2).unwrap(),
            Attempt::Locked { oldest_ms: now },
            "{name}"
        );
        b.accounts.clear_failures(odd).unwrap();
        assert_eq!(
            b.accounts.count_attempt(odd, now - 60_000, now, 2).unwrap(),
            Attempt::Counted,
            "{name}: cleared"
        );
    }
}

#[test]
fn key_value_spaces_are_apart_and_bounded() {
    for (name, b, _database) in backends("kv") {
        let kv = &b.kv;
        assert_eq!(kv.get("ext-a", "k").unwrap(), None, "{name}");
        kv.set("ext-a", "k", "one", 100).unwrap().unwrap();
        kv.set("ext-a", "k", "two", 100).unwrap().unwrap();
        assert_eq!(
            kv.get("ext-a", "k").unwrap().as_deref(),
            Some("two"),
            "{name}"
        );
        assert_eq!(
            kv.get("ext-b", "k").unwrap(),
            None,
            "{name}: spaces are apart"
        );
        // "k" + "two" = 4 bytes; 96 more would make 101.
        let refused = kv.set("ext-a", "big", &"x".repeat(94), 100).unwrap();
        assert_eq!(refused, Err(101), "{name}");
        assert_eq!(
            kv.get("ext-a", "big").unwrap(),
            None,
            "{name}: nothing written"
        );
        kv.set("ext-a", "big", &"x".repeat(93), 100)
            .unwrap()
            .unwrap();
        // Replacing a value counts the new value instead of the old one.
        kv.set("ext-a", "big", "small", 100).unwrap().unwrap();
        for key in ["p/2", "p/1", "q", "p/é"] {
            kv.set("ext-b", key, "v", 1_000).unwrap().unwrap();
        }
        assert_eq!(
            kv.keys("ext-b", "p/", 10).unwrap(),
            ["p/1", "p/2", "p/é"],
            "{name}"
        );
        assert_eq!(kv.keys("ext-b", "p/", 2).unwrap(), ["p/1", "p/2"], "{name}");
        assert_eq!(kv.keys("ext-b", "", 10).unwrap().len(), 4, "{name}");
        kv.delete("ext-b", "p/1").unwrap();
        kv.delete("ext-b", "absent").unwrap();
        assert_eq!(
            kv.keys("ext-b", "p/", 10).unwrap(),
            ["p/2", "p/é"],
            "{name}"
        );
    }
}

#[test]
fn meta_records_facts_and_knows_whether_there_are_documents() {
    for (name, b, _database) in backends("meta") {
        assert_eq!(b.meta.get("index_version").unwrap(), None, "{name}");
        assert!(!b.meta.has_documents().unwrap(), "{name}");
        b.meta.set("index_version", "7").unwrap();
        b.meta.set("index_version", "8").unwrap();
        assert_eq!(b.meta.get("index_version").unwrap().as_deref(), Some("8"));
        commit_events(&b, 1, 0);
        assert!(b.meta.has_documents().unwrap(), "{name}");
    }
}

#[test]
fn the_directory_creates_records_and_one_portal_account_per_contact() {
    for (name, b, _database) in backends("directory") {
        let owner = b
            .admin
            .create_owner(OwnerKind::Customer, "ACME", None)
            .unwrap();
        assert_eq!(owner.account, format!("CL{:06}", owner.id), "{name}");
        let prospect = b
            .admin
            .create_owner(OwnerKind::Prospect, "Initech", Some("X-1"))
            .unwrap();
        assert_eq!(prospect.account, "X-1", "{name}");
        let refs = [
            contacts_host::bindings::types::OwnerRef {
                kind: OwnerKind::Customer,
                id: owner.id,
            },
            contacts_host::bindings::types::OwnerRef {
                kind: OwnerKind::Customer,
                id: prospect.id,
            },
        ];
        let found = b.directory.owners(&refs).unwrap();
        assert_eq!(found.len(), 1, "{name}: an owner is its id with its kind");
        assert_eq!(found[0].name, "ACME", "{name}");

        let company = b
            .admin
            .create_record(RecordKind::Company, "ACME SA", Some("acme.test"))
            .unwrap();
        let deal = b
            .admin
            .create_record(RecordKind::Deal, "Renewal", None)
            .unwrap();
        assert_eq!(
            b.directory
                .existing(RecordKind::Company, &[company, company + 1_000])
                .unwrap(),
            vec![company],
            "{name}"
        );
        assert_eq!(
            b.directory.existing(RecordKind::Deal, &[deal]).unwrap(),
            vec![deal]
        );

        let conversation = b
            .admin
            .create_conversation(42, "Hello", "Hi there")
            .unwrap();
        assert_eq!(conversation.uuid.len(), 36, "{name}");
        assert_eq!(&conversation.uuid[14..15], "4", "{name}: a version 4 UUID");
        let listed = b.directory.conversations(42).unwrap();
        assert_eq!(listed.len(), 1, "{name}");
        assert_eq!(
            (
                listed[0].id,
                &listed[0].uuid,
                &listed[0].subject,
                &listed[0].last_message
            ),
            (
                conversation.id,
                &conversation.uuid,
                &conversation.subject,
                &conversation.last_message
            ),
            "{name}"
        );
        assert!(b.directory.conversations(43).unwrap().is_empty(), "{name}");

        // Racing creations of one contact's portal account: exactly one wins.
        let created: Vec<_> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| s.spawn(|| b.admin.create_client(7).unwrap()))
                .collect();
            handles
                .into_iter()
                .filter_map(|h| h.join().unwrap())
                .collect()
        });
        assert_eq!(created.len(), 1, "{name}");
        let client = &created[0];
        let read = b.admin.client(client.id).unwrap().expect("stored");
        assert_eq!((read.id, read.contact_id), (client.id, 7), "{name}");
        assert!(read.permissions.is_empty(), "{name}");
        b.directory
            .sync_client_permissions(7, &["invoices".to_owned()])
            .unwrap();
        let account = b.directory.client_account_of(7).unwrap().expect("one");
        assert_eq!(account.permissions, ["invoices"], "{name}");
        assert!(
            b.directory.client_account_of(8).unwrap().is_none(),
            "{name}"
        );
    }
}

#[test]
fn health_answers_and_measures() {
    for (name, b, _database) in backends("health") {
        b.health.ping().unwrap();
        let sizes = b.health.sizes();
        let database = sizes.iter().find(|(part, _)| *part == "database");
        assert!(
            database.is_some_and(|(_, bytes)| *bytes > 0),
            "{name}: {sizes:?}"
        );
    }
}
