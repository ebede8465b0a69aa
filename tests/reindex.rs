//! Stored index entries follow the component's index definitions: a
//! database whose entries were written under another index version is
//! reindexed before the server answers, and `contacts-host reindex` forces
//! it. Entries are removed behind the server's back to stand for what an
//! older build did not write.

mod support;

use std::path::PathBuf;
use std::process::Command;

use serde_json::json;
use support::{BIN, Server};

const LOOKUP: &str = "/api/v1/contacts/numbers?phone_number=%2B33612345678";

/// A contact with a mobile, through BlueRockTEL; returns its id.
fn contact_with_mobile(s: &Server, token: &str) -> u64 {
    let owner = s.owner(token, "customers", "ACME", "CL000001");
    let r = s.json(
        "POST",
        &format!("/api/v1/contacts?contactable_type=App%5CCustomer&contactable_id={owner}"),
        token,
        &json!({"last_name": "Olsen", "email": "linda@example.com", "mobile_phone": "06 12 34 56 78"}),
    );
    assert_eq!(r.status, 201, "{r:?}");
    r.json()["id"].as_u64().expect("id")
}

/// Drops the phone entries (and their run sizes, which stay consistent); on
/// SQLite, every entry.
fn forget_phone_entries(db: &str, index_version: Option<&str>) {
    if db.starts_with("sqlite:") {
        // The SQLite store lists each document's entries in its row (what a
        // commit diffs against): an older build that wrote no entries listed
        // none either, so the lists go with the entries.
        support::sql(
            db,
            "DELETE FROM index_entries;
             DELETE FROM index_buckets;
             UPDATE documents SET entries = ''",
        );
    } else {
        support::sql(
            db,
            "DELETE FROM index_entries WHERE idx IN ('e164', 'phone_rev');
             DELETE FROM index_buckets WHERE idx IN ('e164', 'phone_rev')",
        );
    }
    if let Some(v) = index_version {
        // A version number, written in as a literal.
        assert!(v.bytes().all(|b| b.is_ascii_digit()), "{v:?}");
        support::sql(
            db,
            &format!("UPDATE meta SET value = '{v}' WHERE key = 'index_version'"),
        );
    }
}

#[test]
fn entries_of_another_index_version_are_rebuilt_at_start() {
    let mut s = Server::start();
    let t = s.admin();
    let id = contact_with_mobile(&s, &t);
    assert_eq!(s.get(LOOKUP, &t).json()["data"]["id"], id);
    forget_phone_entries(&s.db, Some("0"));
    assert_eq!(s.get(LOOKUP, &t).status, 404, "the entries are gone");
    s.restart();
    let r = s.get(LOOKUP, &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], id);
    // The same version at the next start: nothing to do, nothing lost.
    s.restart();
    assert_eq!(s.get(LOOKUP, &t).json()["data"]["id"], id);
}

#[test]
fn the_reindex_command_rebuilds_every_entry() {
    let s = Server::start();
    let t = s.admin();
    let id = contact_with_mobile(&s, &t);
    // As after an upgrade: entries of an older version.
    forget_phone_entries(&s.db, Some("0"));
    assert_eq!(s.get(LOOKUP, &t).status, 404, "the entries are gone");
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compiled-cache");
    let out = Command::new(BIN)
        .args(["reindex", "--db", &s.db, "--cache-dir"])
        .arg(&cache)
        .output()
        .expect("run reindex");
    assert!(out.status.success(), "reindex failed: {out:?}");
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "reindexed");
    // The running server sees the rebuilt entries at once.
    let r = s.get(LOOKUP, &t);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["data"]["id"], id);
    // And the database says which version they follow, so that the next
    // start does not rebuild them again.
    let version = s.get("/readyz", &t).json()["index_version"].to_string();
    let stored = support::sql(&s.db, "SELECT value FROM meta WHERE key = 'index_version'");
    assert_eq!(stored, [[Some(version)]]);
}
