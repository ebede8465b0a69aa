//! A hostile extension for the host's tests: `validate` misbehaves when the
//! contact's last name (in any case) asks it to, and lets every other
//! contact through.
//!
//! `loop` spins forever (fuel stops it), `slow` spins without end too (its
//! manifest gives it fuel to spare, so the deadline stops it), `bomb` grows
//! memory until the limit, `trap` panics, `huge` answers 4 MiB of errors,
//! `veto` refuses the contact politely, and `frozen` is accepted as a new
//! contact but refuses every change to it once stored.
//!
//! `on-event` traps the first time it sees an event and takes it the second
//! time, noting both in its key-value space (`failed:<seq>`, `took:<seq>`),
//! so a test sees what its policy did with the failure.

wit_bindgen::generate!({ world: "extension", path: "../../../wit/extension" });

use contacts::extension::types::{Changes, Contact, Event, FieldError};
use exports::contacts::extension::hooks::Guest;

struct Hostile;

export!(Hostile);

impl Guest for Hostile {
    fn validate(before: Option<Contact>, after: Contact) -> Result<(), Vec<FieldError>> {
        // Whatever case an enricher gives the name.
        let name = after.last_name.as_deref().map(str::to_ascii_lowercase);
        match name.as_deref() {
            Some("frozen") if before.is_some() => {
                Err(vec![FieldError {
                    field: "last_name".into(),
                    message: "A frozen contact does not change.".into(),
                }])
            }
            Some("loop" | "slow") => {
                let mut n = 0u64;
                loop {
                    n = std::hint::black_box(n.wrapping_add(1));
                }
            }
            Some("bomb") => {
                let mut hoard: Vec<Vec<u8>> = Vec::new();
                loop {
                    hoard.push(Vec::<u8>::with_capacity(1 << 20));
                    std::hint::black_box(&hoard);
                }
            }
            Some("trap") => panic!("asked to trap"),
            Some("huge") => Err(vec![FieldError {
                field: "last_name".into(),
                message: "x".repeat(4 << 20),
            }]),
            Some("veto") => Err(vec![FieldError {
                field: "last_name".into(),
                message: "The hostile extension refuses this name.".into(),
            }]),
            _ => Ok(()),
        }
    }

    fn enrich(_contact: Contact) -> Result<Changes, Vec<FieldError>> {
        Ok(Changes {
            first_name: None,
            last_name: None,
            role: None,
            comment: None,
            companies: None,
            custom_fields: Vec::new(),
        })
    }

    fn on_event(event: Event) -> Result<(), String> {
        use contacts::extension::kv;
        let failed = format!("failed:{}", event.seq);
        if kv::get(&failed).is_none() {
            kv::set(&failed, &event.kind)?;
            panic!("asked to fail on event {} once", event.seq);
        }
        kv::set(&format!("took:{}", event.seq), &event.kind)
    }
}
