//! The committed fuzz corpora (`fuzz/corpus/<target>/`) replayed through the
//! fuzz targets' own entry points (`contacts_guest::fuzzing`): every input a
//! fuzzer kept, and every crash it found once, is a regression test that
//! needs no fuzzer. (The multipart reader's corpus is replayed by the host's
//! `http::form` tests.)

use std::path::PathBuf;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut seen = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        let data = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} fails", path.display());
        seen += 1;
    }
    assert!(seen > 0, "no corpus in {}", dir.display());
}

#[test]
fn phone_corpus() {
    replay("phone", contacts_guest::fuzzing::phone);
}

#[test]
fn email_corpus() {
    replay("email", contacts_guest::fuzzing::email);
}

#[test]
fn query_corpus() {
    replay("query", contacts_guest::fuzzing::query);
}

#[test]
fn filters_corpus() {
    replay("filters", contacts_guest::fuzzing::filters);
}
