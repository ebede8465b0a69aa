//! The operations of the `api` interface, written against the ports.
//!
//! One module per group of operations. Each public operation checks the
//! caller's scope first, then validates, then writes everything it changes in
//! one commit ([`Tx`]), so a request that fails writes nothing.

mod associations;
mod browse;
mod contacts;
mod export;
mod fields;
mod helpdesk;
mod import;
mod lookup;
mod maintenance;

pub use associations::Mode;
pub use export::{ExportFilter, ExportPage};
pub use import::{DuplicatePolicy, ImportOutcome, ImportRow, MAX_BATCH};
pub use lookup::{CallerId, PhoneMatch};

use std::collections::BTreeSet;

use crate::index;
use crate::model::{Contact, ContactId, ContactView, Error, Note, Result, Settings};
use crate::ports::{
    CommitError, Directory, Document, Event, Hooks, IndexEntry, NoHooks, Put, Store, Write,
};
use crate::query::words;

/// The contact engine over one store and one directory.
pub struct Engine<'a, S: Store + ?Sized, D: Directory + ?Sized> {
    pub settings: &'a Settings,
    pub store: &'a S,
    pub directory: &'a D,
    /// The platform's extensions; none unless [`Engine::with_hooks`] says.
    pub hooks: &'a dyn Hooks,
}

impl<'a, S: Store + ?Sized, D: Directory + ?Sized> Engine<'a, S, D> {
    pub fn new(settings: &'a Settings, store: &'a S, directory: &'a D) -> Self {
        Engine {
            settings,
            store,
            directory,
            hooks: &NoHooks,
        }
    }

    /// The same engine, running these extensions inside create and update.
    pub fn with_hooks(self, hooks: &'a dyn Hooks) -> Self {
        Engine { hooks, ..self }
    }

    /// A contact and the version it was read at.
    fn load(&self, id: ContactId) -> Result<(Contact, u64)> {
        let doc = self
            .store
            .get(index::CONTACTS, id)
            .ok_or_else(Error::contact_not_found)?;
        Ok((decode_contact(&doc)?, doc.version))
    }

    fn load_many(&self, ids: &[u64]) -> Result<Vec<Contact>> {
        self.store
            .get_many(index::CONTACTS, ids)
            .iter()
            .map(decode_contact)
            .collect()
    }

    /// Attaches what the directory knows of each contact's owner.
    fn views(&self, contacts: Vec<Contact>) -> Vec<ContactView> {
        let mut refs: Vec<_> = contacts.iter().filter_map(|c| c.owner).collect();
        refs.sort();
        refs.dedup();
        let owners = if refs.is_empty() {
            Vec::new()
        } else {
            self.directory.owners(&refs)
        };
        contacts
            .into_iter()
            .map(|contact| ContactView {
                owner: contact
                    .owner
                    .and_then(|r| owners.iter().find(|o| o.owner == r).cloned()),
                has_client: false,
                contact,
            })
            .collect()
    }

    /// One contact's view, with its portal account looked up.
    fn view(&self, contact: Contact) -> ContactView {
        let has_client = self.directory.client_account_of(contact.id).is_some();
        let mut views = self.views(vec![contact]);
        let mut view = views.remove(0);
        view.has_client = has_client;
        view
    }
}

fn decode_contact(doc: &Document) -> Result<Contact> {
    let mut contact: Contact = serde_json::from_str(&doc.body)
        .map_err(|e| Error::Unavailable(format!("contact {} is unreadable: {e}", doc.id)))?;
    contact
        .phones
        .iter_mut()
        .for_each(fields::upgrade_stored_phone);
    Ok(contact)
}

/// A unit of work: the writes and events of one operation, committed at once.
#[derive(Default)]
struct Tx {
    writes: Vec<Write>,
    events: Vec<Event>,
    /// The letter tokens of the contacts put: the dictionary must hold them
    /// when the commit applies (`query::words`).
    words: BTreeSet<String>,
}

impl Tx {
    fn put_contact(&mut self, c: &Contact, expected_version: Option<u64>) {
        self.put_contact_alone(c, expected_version, Vec::new());
    }

    /// Puts a contact that must hold the `exclusive` entries alone when the
    /// commit applies.
    fn put_contact_alone(
        &mut self,
        c: &Contact,
        expected_version: Option<u64>,
        exclusive: Vec<IndexEntry>,
    ) {
        self.words.extend(words::letter_tokens(c));
        self.writes.push(Write::Put(Put {
            collection: index::CONTACTS.to_owned(),
            id: c.id,
            body: encode(c),
            entries: index::contact_entries(c),
            expected_version,
            exclusive,
        }));
    }

    fn put_note(&mut self, n: &Note, expected_version: Option<u64>) {
        self.writes.push(Write::Put(Put {
            collection: index::NOTES.to_owned(),
            id: n.id,
            body: encode(n),
            entries: index::note_entries(n),
            expected_version,
            exclusive: Vec::new(),
        }));
    }

    fn remove(&mut self, collection: &str, id: u64, expected_version: Option<u64>) {
        self.writes.push(Write::Remove {
            collection: collection.to_owned(),
            id,
            expected_version,
        });
    }

    fn event(&mut self, kind: &str, contact_id: ContactId, body: serde_json::Value) {
        self.events.push(Event {
            kind: kind.to_owned(),
            contact_id,
            body: body.to_string(),
        });
    }

    fn commit(self, store: &(impl Store + ?Sized)) -> Result<()> {
        self.commit_or(store, |e| {
            Error::Conflict(format!("Another record holds {} {:?}.", e.index, e.key))
        })
    }

    /// Commits; `taken` says what it means to the caller that another
    /// document holds one of its exclusive entries.
    fn commit_or(
        self,
        store: &(impl Store + ?Sized),
        taken: impl FnOnce(IndexEntry) -> Error,
    ) -> Result<()> {
        let mut result = Ok(());
        let mut added = Vec::new();
        for _ in 0..WORD_ATTEMPTS {
            // The dictionary words this commit adds; a commit that raced
            // another adding the same word sees it stored on the next turn.
            let missing = words::missing_words(&self.words, |ids| {
                store
                    .get_many(words::WORDS, ids)
                    .into_iter()
                    .map(|d| (d.id, d.body))
                    .collect()
            });
            if result.is_err() && missing == added {
                break;
            }
            let mut writes = self.writes.clone();
            writes.extend(missing.iter().map(|(id, word)| {
                Write::Put(Put {
                    collection: words::WORDS.to_owned(),
                    id: *id,
                    body: word.clone(),
                    entries: words::word_entries(word)
                        .into_iter()
                        .map(|key| IndexEntry {
                            index: words::BY_SUFFIX.to_owned(),
                            key,
                        })
                        .collect(),
                    expected_version: None,
                    exclusive: Vec::new(),
                })
            }));
            result = store.commit(writes, self.events.clone());
            match &result {
                Err(CommitError::Stale(_)) if !missing.is_empty() => added = missing,
                _ => break,
            }
        }
        result.map_err(|e| match e {
            // What the store says of versions stays in the store: a client
            // learns that it raced, not the record's internal versions.
            CommitError::Stale(_) => Error::Conflict(STALE.to_owned()),
            CommitError::Taken(e) => taken(e),
            CommitError::Unavailable(m) => Error::Unavailable(m),
        })
    }
}

/// How many times a commit is tried while another adds the same dictionary words.
const WORD_ATTEMPTS: usize = 3;

/// The conflict of a commit that found a document changed since it was read.
const STALE: &str = "The record was changed by another request; retry.";

/// How many times a read-modify-write runs before its conflict reaches the
/// caller.
const ATTEMPTS: usize = 16;

/// Runs a read-modify-write `op` again, on the fresh document, while its
/// commit finds that another request changed the document in between. A
/// partial update names only the fields it changes, so applying it to the
/// newer document loses nothing; the versions still keep the two writes from
/// overwriting each other. The attempts follow one another at once: the
/// component has no clock, so the host spaces them out (it answers a stale
/// commit after a random, growing wait: host/src/capabilities/store/backoff.rs).
fn reapplied<T>(mut op: impl FnMut() -> Result<T>) -> Result<T> {
    for _ in 1..ATTEMPTS {
        match op() {
            Err(Error::Conflict(m)) if m == STALE => continue,
            other => return other,
        }
    }
    op()
}

fn encode<T: serde::Serialize>(value: &T) -> String {
    // Serializing our own plain structs cannot fail (no maps with non-string keys).
    serde_json::to_string(value).unwrap_or_default()
}

/// Orders contacts by last name, first name, then id (spec §4 bluerocktel).
fn by_name(a: &Contact, b: &Contact) -> std::cmp::Ordering {
    let key = |c: &Contact| {
        (
            c.last_name.as_deref().map(crate::search::fold),
            c.first_name.as_deref().map(crate::search::fold),
            c.id,
        )
    };
    key(a).cmp(&key(b))
}

#[cfg(test)]
pub(crate) mod tests;
