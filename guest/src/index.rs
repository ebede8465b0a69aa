//! The index entries the engine computes for each document.
//!
//! The store only keeps keys; what they mean lives here, so every backend
//! (SQLite, PostgreSQL, a map) serves the same lookups from real indexes.

use crate::email;
use crate::model::{Contact, ContactId, Note, OwnerRef, Phone};
use crate::phone;
use crate::ports::IndexEntry;
use crate::query;
use crate::search;

/// The version of the definitions below. Bump it with any change to what an
/// entry holds, so that hosts reindex stored documents (`reindex`).
/// 2: `e164` entries hold the international form of every phone that parses, valid or not,
/// and suffix entries its digits.
/// 3: the search terms of `crate::search::terms` (name words with the whole name, reversed
/// name words, phone digit suffixes).
/// 4: the `qtext` projection leaves out the searchable forms that its fields already hold.
/// 5: order keys are the value alone (the entry's id breaks ties).
/// 6: the `word` index and the `words` dictionary (`crate::query::words`) replace the
/// `qtext` projection.
/// 7: `p:` entries in the `word` index: letter tokens that follow each other, with the text
/// between them, so a `q` of two words is answered without reading documents.
/// 8: `r:` terms start with the word's first letter (`crate::search::terms::ending_key`), so a
/// typo lookup lists only the words that start as the query word does.
/// 9: `q:` entries in the `word` index: each `p:` pair read from its second token
/// (`crate::query::words`), so that a pair whose first piece ends many words is a few scans.
pub const VERSION: u32 = 9;

pub const CONTACTS: &str = "contacts";
pub const NOTES: &str = "notes";
pub const PHONES: &str = "phones";

/// Contacts by owner: `customer:00000000000000000010`.
pub const BY_OWNER: &str = "owner";
/// Contacts by email, compared case-insensitively.
pub const BY_EMAIL: &str = "email";
/// Contacts by email domain (coworkers).
pub const BY_DOMAIN: &str = "domain";
/// Contacts by the international form of each phone that parses: its E.164 when it is valid,
/// the same `+`-digits form when it is not (so that it stays findable, spec §3).
pub const BY_E164: &str = "e164";
/// Contacts by each phone's digits reversed: a suffix match is a prefix scan.
pub const BY_PHONE_SUFFIX: &str = "phone_rev";
/// Contacts by creation and update time, then id (paging).
pub const BY_CREATED: &str = "created";
pub const BY_UPDATED: &str = "updated";
/// Sort orders of the HelperIQ list: folded value, then id.
pub const BY_SORT_EMAIL: &str = "sort_email";
pub const BY_SORT_FIRST: &str = "sort_first";
pub const BY_SORT_LAST: &str = "sort_last";
/// Search terms: name words with the whole name, reversed name words, email
/// parts, phone digit suffixes (see [`crate::search::terms`]).
pub const BY_TERM: &str = "term";
/// Tokens and numeric values of the RelateCRM searchable fields (see
/// [`crate::query::words`]).
pub const BY_WORD: &str = query::words::BY_WORD;
/// Contacts by the fingerprint of the imported row they hold (`service::import`).
pub const BY_IMPORT_KEY: &str = "import";
/// Notes by contact, then creation time and id.
pub const NOTES_BY_CONTACT: &str = "contact";

/// Zero-padded so that numeric order is key order.
pub fn id_key(id: u64) -> String {
    format!("{id:020}")
}

pub fn owner_key(owner: OwnerRef) -> String {
    format!("{}:{}", owner.kind.as_str(), id_key(owner.id))
}

pub fn note_contact_prefix(contact: ContactId) -> String {
    format!("{}|", id_key(contact))
}

/// The digits a suffix lookup compares: those of the international form when the number
/// parses (valid or not), else those typed.
pub fn phone_digits(p: &Phone) -> String {
    match &p.international {
        Some(form) => phone::digits(form),
        None => phone::digits(&p.number),
    }
}

/// The digits a suffix lookup compares, reversed.
pub fn reversed(digits: &str) -> String {
    digits.chars().rev().collect()
}

pub fn contact_entries(c: &Contact) -> Vec<IndexEntry> {
    let mut out = Vec::with_capacity(8 + 3 * c.phones.len());
    let mut push = |index: &str, key: String| {
        let entry = IndexEntry {
            index: index.to_owned(),
            key,
        };
        if !out.contains(&entry) {
            out.push(entry);
        }
    };
    if let Some(owner) = c.owner {
        push(BY_OWNER, owner_key(owner));
    }
    for address in c.email.iter().chain(&c.alternate_emails) {
        push(BY_EMAIL, email::key(address));
        push(BY_DOMAIN, email::domain(address).to_owned());
    }
    for p in &c.phones {
        if let Some(form) = &p.international {
            push(BY_E164, form.clone());
        }
        let digits = phone_digits(p);
        if !digits.is_empty() {
            push(BY_PHONE_SUFFIX, reversed(&digits));
        }
    }
    for index in ORDERS {
        push(index, order_key(c, index));
    }
    for term in search::terms(c) {
        push(BY_TERM, term);
    }
    for key in query::words::entries(c) {
        push(BY_WORD, key);
    }
    if let Some(key) = &c.import_key {
        push(BY_IMPORT_KEY, key.clone());
    }
    out
}

/// The indexes a contact list can be ordered by.
pub const ORDERS: [&str; 5] = [
    BY_CREATED,
    BY_UPDATED,
    BY_SORT_EMAIL,
    BY_SORT_FIRST,
    BY_SORT_LAST,
];

/// A contact's key in one of the [`ORDERS`] indexes: the value alone. Every
/// store orders entries by key, then id, so ties fall in id order, and a
/// value sorts before the longer values it starts (`ann` before `anna`).
pub fn order_key(c: &Contact, index: &str) -> String {
    match index {
        BY_CREATED => c.created_at.clone(),
        BY_UPDATED => c.updated_at.clone(),
        BY_SORT_EMAIL => c.email.as_deref().map(email::key).unwrap_or_default(),
        BY_SORT_FIRST => c
            .first_name
            .as_deref()
            .map(search::fold)
            .unwrap_or_default(),
        _ => c.last_name.as_deref().map(search::fold).unwrap_or_default(),
    }
}

pub fn note_entries(n: &Note) -> Vec<IndexEntry> {
    vec![IndexEntry {
        index: NOTES_BY_CONTACT.to_owned(),
        key: format!(
            "{}{}|{}",
            note_contact_prefix(n.contact_id),
            n.created_at,
            id_key(n.id)
        ),
    }]
}
