//! The multipart form reader: LibreDesk's agent UI posts contact updates as
//! `multipart/form-data`. It turns a body already read in full (so bounded by
//! the body limit) into the fields of a JSON object, as strings: `"null"` is
//! null and `"undefined"` is absent; file parts are skipped, and a `files`
//! part that is empty or `"null"` (the UI's "remove avatar") clears
//! `avatar_url`.
//!
//! It depends on nothing else of the server, so the fuzz target
//! `fuzz/fuzz_targets/multipart.rs` compiles this very file.

use std::convert::Infallible;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use serde_json::{Map, Value};

/// Reads the form of `content_type` (its original case: the boundary is
/// case-sensitive) from `body`; `Err` says why, for a 400.
pub fn read(content_type: &str, body: Bytes) -> Result<Map<String, Value>, String> {
    let boundary =
        multer::parse_boundary(content_type).map_err(|e| format!("Invalid form: {e}"))?;
    let chunks = futures_util::stream::iter([Ok::<Bytes, Infallible>(body)]);
    let mut form = multer::Multipart::new(chunks, boundary);
    resolve(async move {
        let mut map = Map::new();
        let mut no_avatar = false;
        while let Some(field) = form
            .next_field()
            .await
            .map_err(|e| format!("Invalid form: {e}"))?
        {
            let Some(name) = field.name().map(str::to_owned) else {
                continue;
            };
            if field.file_name().is_some() {
                continue; // avatar uploads are the platform's business
            }
            let text = field
                .text()
                .await
                .map_err(|e| format!("Invalid form field {name}: {e}"))?;
            if name == "files" {
                no_avatar |= matches!(text.as_str(), "null" | "");
                continue;
            }
            match text.as_str() {
                "undefined" => {}
                "null" => {
                    map.insert(name, Value::Null);
                }
                _ => {
                    map.insert(name, Value::String(text));
                }
            }
        }
        if no_avatar {
            map.entry("avatar_url").or_insert(Value::Null);
        }
        Ok(map)
    })
}

/// Runs a future over data already in memory to its end. Such a future never
/// waits on anything, so it is polled until ready, without a runtime.
fn resolve<T>(future: impl Future<Output = T>) -> T {
    let mut future = pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(value) = future.as_mut().poll(&mut cx) {
            return value;
        }
    }
}

/// The fuzz target's entry point, also replayed over the committed corpus by
/// the tests: the first line is the `Content-Type`, the rest the body. The
/// reader must not panic, and yields only strings and nulls.
pub fn fuzz(data: &[u8]) {
    let (head, body) = match data.iter().position(|b| *b == b'\n') {
        Some(at) => (&data[..at], &data[at + 1..]),
        None => (data, &[][..]),
    };
    let content_type = String::from_utf8_lossy(head);
    if let Ok(map) = read(&content_type, Bytes::copy_from_slice(body)) {
        assert!(map.values().all(|v| v.is_string() || v.is_null()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TYPE: &str = "multipart/form-data; boundary=XyZ";

    fn part(name: &str, value: &str) -> String {
        format!("--XyZ\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
    }

    #[test]
    fn strings_nulls_and_the_cleared_avatar() {
        let body = part("first_name", "Ann")
            + &part("email", "null")
            + &part("phone", "undefined")
            + &part("files", "null")
            + "--XyZ--\r\n";
        let map = read(TYPE, Bytes::from(body)).unwrap();
        assert_eq!(map["first_name"], "Ann");
        assert!(map["email"].is_null());
        assert!(!map.contains_key("phone"));
        assert!(map["avatar_url"].is_null());
    }

    #[test]
    fn a_mixed_case_boundary_is_kept() {
        let body = part("last_name", "Lee") + "--XyZ--\r\n";
        assert!(read(TYPE, Bytes::from(body.clone())).is_ok());
        let lower = TYPE.to_ascii_lowercase();
        assert!(read(&lower, Bytes::from(body)).is_err());
    }

    #[test]
    fn broken_forms_are_errors() {
        assert!(read("multipart/form-data", Bytes::new()).is_err());
        assert!(read(TYPE, Bytes::from_static(b"--XyZ\r\nbroken")).is_err());
    }

    /// Every input of the committed fuzz corpus, through the fuzz target's
    /// entry point: no fuzzer needed.
    #[test]
    fn the_fuzz_corpus_replays() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/multipart");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            fuzz(&std::fs::read(&path).unwrap());
            seen += 1;
        }
        assert!(seen > 0, "no corpus in {}", dir.display());
    }
}
