//! Fuzzes HelperIQ's filters (guest/src/filters.rs) through its entry point in `contacts_guest::fuzzing`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| contacts_guest::fuzzing::filters(data));
