//! The index entries the engine computes for each document.
//!
//! The store only keeps keys; what they mean lives here, so every backend
//! (SQLite, PostgreSQL, a map) serves the same lookups from real indexes.

use crate::email;
use crate::model::{Contact, ContactId, Note, OwnerRef, Phone, PhoneFields, SearchFields};
use crate::phone;
use crate::ports::IndexEntry;
use crate::search;

/// The version of the definitions below. Bump it with any change to what an
/// entry holds, so that hosts reindex stored documents (`reindex`).
/// 2: `e164` entries hold the international form of every phone that parses, valid or not,
/// and suffix entries its digits.
/// 3: the search terms of `crate::search::terms` (name words with the whole name, reversed
/// name words, phone digit suffixes).
/// 4: the `qtext` projection leaves out the searchable forms that its fields already hold.
/// 5: order keys are the value alone (the entry's id breaks ties).
pub const VERSION: u32 = 5;

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
/// One entry per contact holding its searchable fields (see [`query_text`]):
/// a query that no index narrows scans these keys instead of the documents.
pub const BY_QUERY_TEXT: &str = "qtext";
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
    push(BY_QUERY_TEXT, query_text(c));
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

const FIELD: char = '\u{1f}';
const ITEM: char = '\u{1e}';

/// The id, then every field the RelateCRM grammar searches, then a blob of
/// their searchable forms (folded text, email key, phone digits), separated
/// by control characters that user text cannot carry (they are dropped).
pub fn query_text(c: &Contact) -> String {
    fn clean(s: Option<&str>) -> String {
        s.unwrap_or("")
            .chars()
            .filter(|ch| *ch != FIELD && *ch != ITEM)
            .collect()
    }
    fn num(n: Option<i64>) -> String {
        n.map(|n| n.to_string()).unwrap_or_default()
    }
    let phones: Vec<String> = c
        .phones
        .iter()
        .map(|p| {
            format!(
                "{}{ITEM}{}{ITEM}{}",
                clean(Some(&p.number)),
                p.international.as_deref().unwrap_or(""),
                clean(Some(&p.national))
            )
        })
        .collect();
    let mut blob = vec![search::fold(&c.full_name())];
    for text in [
        &c.first_name,
        &c.last_name,
        &c.email,
        &c.role,
        &c.street,
        &c.city,
        &c.state,
        &c.postal_code,
    ]
    .into_iter()
    .flatten()
    {
        blob.push(search::fold(text));
    }
    if let Some(e) = &c.email {
        blob.push(email::key(e));
    }
    for p in &c.phones {
        blob.push(search::fold(&p.number));
        blob.push(phone::digits(&p.number));
        blob.push(phone::digits(&p.national));
        if let Some(e) = &p.international {
            blob.push(e.clone());
            blob.push(phone::digits(e));
        }
    }
    blob.push(c.id.to_string());
    let mut parts = vec![
        id_key(c.id),
        clean(c.first_name.as_deref()),
        clean(c.last_name.as_deref()),
        clean(c.email.as_deref()),
        clean(c.role.as_deref()),
        clean(c.street.as_deref()),
        clean(c.city.as_deref()),
        clean(c.state.as_deref()),
        clean(c.postal_code.as_deref()),
        num(c.user_id),
        num(c.source_id),
        num(c.country_id),
        phones.join(&ITEM.to_string()),
        c.created_at.clone(),
        c.updated_at.clone(),
    ];
    // A form that another part already holds is left out: a probe found in
    // it is found in that part too (the id is the end of its padded form,
    // first and last names are in the folded full name, and so on).
    let mut kept: Vec<String> = Vec::new();
    for item in blob.iter().map(|b| clean(Some(b))) {
        let held = item.is_empty() || parts.iter().chain(&kept).any(|p| p.contains(item.as_str()));
        if !held {
            kept.push(item);
        }
    }
    parts.push(kept.join(&ITEM.to_string()));
    parts.join(&FIELD.to_string())
}

/// The fields [`query_text`] kept, borrowed from the projection: enough to
/// match a query and to order by it, without building a contact.
pub fn query_fields(key: &str) -> Option<SearchFields<'_>> {
    let mut f = key.split(FIELD);
    let mut next = || f.next();
    fn text(s: &str) -> Option<&str> {
        (!s.is_empty()).then_some(s)
    }
    let num = |s: &str| s.parse::<i64>().ok();
    let id = next()?.parse().ok()?;
    let first_name = text(next()?);
    let last_name = text(next()?);
    let email = text(next()?);
    let role = text(next()?);
    let street = text(next()?);
    let city = text(next()?);
    let state = text(next()?);
    let postal_code = text(next()?);
    let user_id = num(next()?);
    let source_id = num(next()?);
    let country_id = num(next()?);
    let phones = next()?;
    let created_at = next()?;
    let updated_at = next()?;
    let _blob = next()?;
    if next().is_some() {
        return None;
    }
    // Each phone is three items: as typed, international form (may be empty), national.
    let mut items = phones.split(ITEM);
    let mut list = Vec::new();
    while !phones.is_empty()
        && let Some(number) = items.next()
    {
        list.push(PhoneFields {
            number,
            e164: items.next().and_then(text),
            national: items.next().unwrap_or(""),
        });
    }
    Some(SearchFields {
        id,
        first_name,
        last_name,
        email,
        role,
        street,
        city,
        state,
        postal_code,
        user_id,
        source_id,
        country_id,
        created_at,
        updated_at,
        phones: list,
    })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PhoneType;

    #[test]
    fn query_text_round_trips_the_searchable_fields() {
        let mut c = Contact::new(42, "2026-01-01T00:00:00Z");
        c.first_name = Some("Ann\u{1f}x".into());
        c.city = Some("Lyon".into());
        c.user_id = Some(7);
        c.phones = vec![Phone {
            id: 1,
            number: "06 12".into(),
            e164: None,
            international: Some("+33612".into()),
            kind: PhoneType::Work,
            region: None,
            national: String::new(),
            extension: None,
        }];
        let key = query_text(&c);
        let back = query_fields(&key).unwrap();
        assert_eq!(back.id, 42);
        assert_eq!(back.first_name, Some("Annx"));
        assert_eq!(back.city, Some("Lyon"));
        assert_eq!(back.last_name, None);
        assert_eq!(back.user_id, Some(7));
        assert_eq!(back.phones.len(), 1);
        assert_eq!(back.phones[0].number, "06 12");
        assert_eq!(back.phones[0].e164, Some("+33612"));
        assert!(query_fields("garbage").is_none());
    }
}
