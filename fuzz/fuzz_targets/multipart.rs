//! Fuzzes the host's multipart form reader, compiled here from its own file
//! (it depends on nothing else of the server).
#![no_main]

#[path = "../../host/src/http/form.rs"]
#[allow(dead_code)]
mod form;

libfuzzer_sys::fuzz_target!(|data: &[u8]| form::fuzz(data));
