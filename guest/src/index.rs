//! The index entries the engine computes for each document.
//!
//! The store only keeps keys; what they mean lives here, so every backend
//! (SQLite, PostgreSQL, a map) serves the same lookups from real indexes.

use crate::email;
use crate::model::{Contact, ContactId, Note, OwnerRef};
use crate::phone;
use crate::ports::IndexEntry;
use crate::search;

pub const CONTACTS: &str = "contacts";
pub const NOTES: &str = "notes";
pub const PHONES: &str = "phones";

/// Contacts by owner: `customer:00000000000000000010`.
pub const BY_OWNER: &str = "owner";
/// Contacts by email, compared case-insensitively.
pub const BY_EMAIL: &str = "email";
/// Contacts by email domain (coworkers).
pub const BY_DOMAIN: &str = "domain";
/// Contacts by the E.164 form of each phone.
pub const BY_E164: &str = "e164";
/// Contacts by each phone's digits reversed: a suffix match is a prefix scan.
pub const BY_PHONE_SUFFIX: &str = "phone_rev";
/// Contacts by creation and update time, then id (paging).
pub const BY_CREATED: &str = "created";
pub const BY_UPDATED: &str = "updated";
/// Search terms: folded name words, email parts, phone digits.
pub const BY_TERM: &str = "term";
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
        if let Some(e164) = &p.e164 {
            push(BY_E164, e164.clone());
        }
        let digits = match &p.e164 {
            Some(e164) => phone::digits(e164),
            None => phone::digits(&p.number),
        };
        if !digits.is_empty() {
            push(BY_PHONE_SUFFIX, reversed(&digits));
        }
    }
    push(BY_CREATED, format!("{}|{}", c.created_at, id_key(c.id)));
    push(BY_UPDATED, format!("{}|{}", c.updated_at, id_key(c.id)));
    for term in search::terms(c) {
        push(BY_TERM, term);
    }
    out
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
