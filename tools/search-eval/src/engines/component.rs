//! The component's search, run natively: the same domain code the wasm
//! component runs (`Engine::search`, the HelperIQ `/search` operation), over
//! the evaluation's in-memory store. Contacts are created through
//! `Engine::create`, so they are validated and indexed as in production.

use contacts_guest::memory::MemoryDirectory;
use contacts_guest::model::{Caller, ContactPatch, Context, Dialect, PhoneInput, Settings};
use contacts_guest::service::Engine;

use super::{LIMIT, SearchEngine};
use crate::generate::Person;
use crate::store::CompactStore;

pub struct Component {
    store: CompactStore,
    directory: MemoryDirectory,
    settings: Settings,
    cx: Context,
    /// Contact id of each person (ids are allocated in creation order).
    first_id: u64,
}

pub fn context() -> Context {
    Context {
        caller: Caller {
            agent_id: 1,
            first_name: "Eval".to_owned(),
            last_name: "Agent".to_owned(),
            scopes: Vec::new(),
        },
        dialect: Dialect::HelperIq,
    }
}

pub fn patch(p: &Person) -> ContactPatch {
    ContactPatch {
        first_name: Some(Some(p.first.clone())),
        last_name: Some(Some(p.last.clone())),
        email: Some(p.email.clone()),
        phones: Some(
            p.phones
                .iter()
                .map(|ph| PhoneInput {
                    number: ph.typed.clone(),
                    kind: Some(if ph.mobile { "mobile" } else { "landline" }.to_owned()),
                    region: Some(p.region().to_owned()),
                })
                .collect(),
        ),
        ..ContactPatch::default()
    }
}

impl Component {
    /// Creates every person as a contact; an error names the first refused.
    pub fn load(people: &[Person]) -> Result<Component, String> {
        let c = Component {
            store: CompactStore::new(),
            directory: MemoryDirectory::default(),
            settings: Settings::default(),
            cx: context(),
            first_id: 1,
        };
        let engine = Engine::new(&c.settings, &c.store, &c.directory);
        for (i, p) in people.iter().enumerate() {
            let view = engine
                .create(&c.cx, None, patch(p))
                .map_err(|e| format!("person {i} ({} {}) was refused: {e:?}", p.first, p.last))?;
            if view.contact.id != c.first_id + i as u64 {
                return Err(format!("person {i} got id {}", view.contact.id));
            }
        }
        c.store.freeze();
        Ok(c)
    }

    /// How many stored phones have no E.164 form.
    pub fn phones_without_e164(&self, people: &[Person]) -> usize {
        let engine = Engine::new(&self.settings, &self.store, &self.directory);
        (0..people.len())
            .filter_map(|i| engine.get(&self.cx, self.first_id + i as u64).ok())
            .map(|v| v.contact.phones.iter().filter(|p| p.e164.is_none()).count())
            .sum()
    }
}

impl SearchEngine for Component {
    fn name(&self) -> &'static str {
        "component"
    }

    fn search(&self, query: &str) -> Vec<u32> {
        let engine = Engine::new(&self.settings, &self.store, &self.directory);
        match engine.search(&self.cx, query, LIMIT as u32) {
            Ok(views) => views
                .iter()
                .map(|v| (v.contact.id - self.first_id) as u32)
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    fn trace(&self) {
        self.store.set_trace(true);
    }

    fn cost(&self) -> Option<String> {
        let c = self.store.take_cost();
        Some(format!(
            "{} store calls, {} hits, {} entries walked",
            c.calls, c.hits, c.walked
        ))
    }

    fn footprint(&self) -> String {
        let (entries, key_bytes, body_bytes) = self.store.footprint();
        let top: Vec<String> = self
            .store
            .index_sizes(contacts_guest::index::CONTACTS)
            .iter()
            .take(4)
            .map(|(name, n, bytes)| format!("{name} {n} entries {:.1} MiB", mib(*bytes)))
            .collect();
        format!(
            "{entries} index entries, {:.1} MiB of keys; {:.1} MiB of documents (largest: {})",
            mib(key_bytes),
            mib(body_bytes),
            top.join(", ")
        )
    }
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}
