//! Crash safety (issue 17): writers under load over HTTP, `kill -9` of the
//! server, a restart on the same database. Every write the server
//! acknowledged must be there afterwards, as acknowledged (or as the one
//! write in flight when the server died); SQLite's `integrity_check` must
//! find nothing wrong, and on either backend (SQLite and PostgreSQL) the run
//! sizes must still add up to the index entries. Several rounds, each
//! bounded in writes.

mod support;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use support::Server;

const ROUNDS: usize = 3;
const WRITERS: usize = 8;
/// Writes one writer attempts in a round, at most: the kill comes first.
const MAX_WRITES: usize = 400;

/// One request that never panics: `None` once the server is gone.
fn send(addr: &str, token: &str, method: &str, path: &str, body: &Value) -> Option<(u16, Value)> {
    let mut stream = TcpStream::connect(addr).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .ok()?;
    let body = body.to_string();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body.as_bytes()).ok()?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).ok()?;
    let text = String::from_utf8_lossy(&raw);
    let status = text.split(' ').nth(1)?.parse().ok()?;
    let json = serde_json::from_str(text.split("\r\n\r\n").nth(1)?).ok()?;
    Some((status, json))
}

/// What one writer was told: contacts created (id, email), and for the one
/// contact it keeps renaming, the last name acknowledged and the one in
/// flight.
#[derive(Default)]
struct Acks {
    created: Vec<(u64, String)>,
    renamed: Option<(u64, String, Option<String>)>,
}

fn writer(addr: String, token: String, round: usize, w: usize, stop: Arc<AtomicBool>) -> Acks {
    let mut acks = Acks::default();
    for n in 0..MAX_WRITES {
        if stop.load(Ordering::Relaxed) {
            break;
        }
        // Every third write renames this writer's first contact; the others create.
        if n % 3 == 2
            && let Some((id, _, in_flight)) = &mut acks.renamed
        {
            let name = format!("Renamed {n}");
            *in_flight = Some(name.clone());
            let path = format!("/api/contacts/{id}");
            match send(&addr, &token, "PUT", &path, &json!({ "last_name": name })) {
                Some((200, _)) => {
                    let id = *id;
                    acks.renamed = Some((id, name, None));
                }
                Some((status, body)) => panic!("rename answered {status}: {body}"),
                None => break,
            }
            continue;
        }
        let email = format!("r{round}w{w}n{n}@crash.example");
        let body = json!({ "first_name": "Crash", "last_name": "Start", "email": email });
        match send(&addr, &token, "POST", "/api/contacts", &body) {
            Some((201, reply)) => {
                let id = reply["id"].as_u64().expect("an id");
                acks.created.push((id, email));
                if acks.renamed.is_none() {
                    acks.renamed = Some((id, "Start".to_owned(), None));
                }
            }
            Some((status, body)) => panic!("create answered {status}: {body}"),
            None => break,
        }
    }
    acks
}

#[test]
fn acknowledged_writes_survive_kill_9() {
    crash_rounds(Server::start());
}

/// The same rounds with the server on PostgreSQL, whatever backend the rest
/// of the suite runs on.
#[test]
fn acknowledged_writes_survive_kill_9_on_postgres() {
    crash_rounds(Server::start_postgres(&[]));
}

/// Every index's run sizes add up to its entries: a commit cut short would
/// leave them apart (the same tables on both backends).
const RUNS_APART: &str = "SELECT count(*) FROM \
    (SELECT collection, idx, count(*) AS entries FROM index_entries GROUP BY collection, idx) e \
    LEFT JOIN (SELECT collection, idx, sum(n) AS runs FROM index_buckets GROUP BY collection, idx) b \
    ON b.collection = e.collection AND b.idx = e.idx \
    WHERE b.runs IS NULL OR b.runs <> e.entries";

fn crash_rounds(mut s: Server) {
    let token = s.admin();
    let mut all: Vec<Acks> = Vec::new();
    for round in 0..ROUNDS {
        let stop = Arc::new(AtomicBool::new(false));
        let writers: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (addr, token, stop) = (s.addr.clone(), token.clone(), stop.clone());
                std::thread::spawn(move || writer(addr, token, round, w, stop))
            })
            .collect();
        // Let the writers get going, then kill the server under them
        // (`restart` sends SIGKILL), and start it again on the same file.
        std::thread::sleep(Duration::from_millis(1_500));
        s.restart();
        stop.store(true, Ordering::Relaxed);
        let acks: Vec<Acks> = writers.into_iter().map(|w| w.join().unwrap()).collect();
        let written: usize = acks.iter().map(|a| a.created.len()).sum();
        assert!(written > 0, "round {round}: no write was acknowledged");
        eprintln!("round {round}: {written} creates acknowledged before the kill");
        all.extend(acks);

        // Every acknowledged write, of this round and the earlier ones.
        for acks in &all {
            for (id, email) in &acks.created {
                let (status, body) = send(
                    &s.addr,
                    &token,
                    "GET",
                    &format!("/api/contacts/{id}"),
                    &json!({}),
                )
                .expect("the restarted server answers");
                assert_eq!(status, 200, "round {round}: contact {id} lost: {body}");
                assert_eq!(body["email"], email.as_str(), "round {round}: {body}");
            }
            if let Some((id, acked, in_flight)) = &acks.renamed {
                let (_, body) = send(
                    &s.addr,
                    &token,
                    "GET",
                    &format!("/api/contacts/{id}"),
                    &json!({}),
                )
                .expect("the restarted server answers");
                let stored = body["last_name"].as_str().unwrap_or_default();
                assert!(
                    stored == acked || Some(stored) == in_flight.as_deref(),
                    "round {round}: contact {id} is {stored:?}, acknowledged {acked:?}"
                );
            }
        }
        if let Some(path) = s.db.strip_prefix("sqlite:") {
            let db = rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .unwrap();
            let check: String = db
                .query_row("PRAGMA integrity_check", [], |r| r.get(0))
                .unwrap();
            assert_eq!(check, "ok", "round {round}");
        }
        assert_eq!(
            support::sql_value(&s.db, RUNS_APART).as_deref(),
            Some("0"),
            "round {round}: run sizes and entries disagree"
        );
    }
}
