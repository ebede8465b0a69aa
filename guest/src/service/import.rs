//! Bulk import: rows from an operator's file, through every contact rule, a
//! batch at a time.
//!
//! Loading contacts one API call at a time spends its time on calls and
//! commits; a batch applies the same rules row by row (field rules, phone and
//! email normalization, the owner's existence, the extensions) and commits the
//! accepted rows together, so a batch writes all its accepted rows or nothing.
//!
//! Duplicates are found by email (primary and alternate) and by each phone's
//! international form (its E.164 when valid), within the batch and against the
//! store; the [`DuplicatePolicy`] says what happens to them. Every imported
//! contact also keeps a fingerprint of its row's content (`import_key`, indexed
//! as [`index::BY_IMPORT_KEY`]), so a row imported again, say by an import
//! that was killed and run again, is found even when it has neither an email
//! nor a phone, and is skipped whatever the policy.

use std::collections::HashMap;

use serde_json::json;

use super::fields::Checker;
use super::{Engine, STALE, Tx, reapplied};
use crate::email;
use crate::index;
use crate::model::{
    Contact, ContactId, ContactPatch, Context, Error, FieldError, OwnerRef, Result,
};
use crate::permissions::{Scope, require};
use crate::ports::{Directory, IndexEntry, Store};

/// Rows per batch beyond which a call is refused: a host streams a file in
/// batches, and one batch is one commit.
pub const MAX_BATCH: usize = 10_000;

/// Addresses a row may carry besides its primary email.
const MAX_ALTERNATE_EMAILS: usize = 20;

/// One row of an import.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImportRow {
    pub owner: Option<OwnerRef>,
    pub patch: ContactPatch,
    pub alternate_emails: Vec<String>,
}

/// What happens to a row that matches another contact by email or phone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicatePolicy {
    Skip,
    Update,
    KeepBoth,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportOutcome {
    Created(ContactId),
    Updated(ContactId),
    Skipped(ContactId),
    Invalid(Vec<FieldError>),
}

/// A contact the batch writes.
struct Pending {
    contact: Contact,
    /// The version it was read at; none for a new contact.
    version: Option<u64>,
    /// Entries it must hold alone when the commit applies.
    exclusive: Vec<IndexEntry>,
}

/// The batch so far: what it writes, and the keys its contacts hold.
#[derive(Default)]
struct Batch {
    pending: Vec<Pending>,
    /// Pending contact by id.
    at: HashMap<ContactId, usize>,
    /// Email keys and phone forms (see [`unique_keys`]) of pending contacts.
    keys: HashMap<IndexEntry, ContactId>,
    fingerprints: HashMap<String, ContactId>,
}

impl Batch {
    fn hold(&mut self, c: &Contact) {
        for key in unique_keys(c) {
            self.keys.entry(key).or_insert(c.id);
        }
        if let Some(fp) = &c.import_key {
            self.fingerprints.entry(fp.clone()).or_insert(c.id);
        }
    }
}

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    /// Applies every rule to each row and commits the accepted ones at once;
    /// one outcome per row. A commit that races another writer (a server on
    /// the same store) runs the batch again on what that writer committed.
    pub fn import_batch(
        &self,
        cx: &Context,
        rows: &[ImportRow],
        policy: DuplicatePolicy,
    ) -> Result<Vec<ImportOutcome>> {
        require(&cx.caller, Scope::Write)?;
        if rows.len() > MAX_BATCH {
            return Err(Error::BadRequest(format!(
                "A batch holds at most {MAX_BATCH} rows."
            )));
        }
        let mut refs: Vec<OwnerRef> = rows.iter().filter_map(|r| r.owner).collect();
        refs.sort_unstable();
        refs.dedup();
        let known: Vec<OwnerRef> = if refs.is_empty() {
            Vec::new()
        } else {
            self.directory
                .owners(&refs)
                .iter()
                .map(|o| o.owner)
                .collect()
        };
        reapplied(|| self.import_once(cx, rows, policy, &known))
    }

    fn import_once(
        &self,
        cx: &Context,
        rows: &[ImportRow],
        policy: DuplicatePolicy,
        owners: &[OwnerRef],
    ) -> Result<Vec<ImportOutcome>> {
        let now = self.store.now();
        let mut batch = Batch::default();
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            let outcome = match self.import_row(cx, row, policy, owners, &now, &mut batch)? {
                Ok(outcome) => outcome,
                Err(errors) => ImportOutcome::Invalid(errors),
            };
            outcomes.push(outcome);
        }
        let mut tx = Tx::default();
        for p in batch.pending {
            let kind = if p.version.is_none() {
                "contact.created"
            } else {
                "contact.updated"
            };
            let id = p.contact.id;
            tx.put_contact_alone(&p.contact, p.version, p.exclusive);
            tx.event(kind, id, json!({ "id": id }));
        }
        if tx.writes.is_empty() {
            return Ok(outcomes);
        }
        // Another writer took a key or changed a contact since the batch read
        // it: run the batch again on what it committed.
        tx.commit_or(self.store, |_| Error::Conflict(STALE.to_owned()))?;
        Ok(outcomes)
    }

    /// One row: `Ok(Err(_))` is an invalid row, `Err(_)` a failure of the batch.
    fn import_row(
        &self,
        cx: &Context,
        row: &ImportRow,
        policy: DuplicatePolicy,
        owners: &[OwnerRef],
        now: &str,
        batch: &mut Batch,
    ) -> Result<std::result::Result<ImportOutcome, Vec<FieldError>>> {
        let mut ck = Checker::new(cx.dialect);
        let mut contact = Contact::new(0, now);
        if let Some(owner) = row.owner {
            if !owners.contains(&owner) {
                ck.fail(
                    "contactable_id",
                    format!(
                        "The selected contactable {} {} does not exist.",
                        owner.kind.as_str(),
                        owner.id
                    ),
                );
            }
            contact.owner = Some(owner);
        }
        self.apply(&mut contact, row.patch.clone(), &mut ck);
        add_alternates(&mut contact, &row.alternate_emails, &mut ck);
        if contact.first_name.is_none()
            && contact.last_name.is_none()
            && contact.email.is_none()
            && contact.phones.is_empty()
        {
            ck.fail(
                "row",
                "A contact needs a first name, a last name, an email or a phone.".to_owned(),
            );
        }
        self.extend(None, &mut contact, &mut ck);
        if !ck.errors.is_empty() {
            return Ok(Err(ck.errors));
        }
        let fingerprint = fingerprint(&contact);
        // The same content imported before: already there.
        if let Some(id) = self.imported(&fingerprint, batch) {
            return Ok(Ok(ImportOutcome::Skipped(id)));
        }
        contact.import_key = Some(fingerprint);
        let matches = self.holders(&contact, batch);
        let Some(&first) = matches.first() else {
            return Ok(Ok(self.create_pending(contact, true, batch)));
        };
        Ok(match policy {
            DuplicatePolicy::Skip => Ok(ImportOutcome::Skipped(first)),
            DuplicatePolicy::Update => self.update_pending(cx, first, contact, row, batch)?,
            DuplicatePolicy::KeepBoth => {
                let others = self.contacts_of(&matches, batch)?;
                let apart = contact.owner.is_some()
                    && others
                        .iter()
                        .all(|o| o.owner.is_some() && o.owner != contact.owner);
                if apart {
                    Ok(self.create_pending(contact, false, batch))
                } else {
                    Err(vec![FieldError {
                        field: "duplicate".to_owned(),
                        message: format!(
                            "Contact {first} holds this email or phone: a second contact may \
                             share them only under another owner."
                        ),
                    }])
                }
            }
        })
    }

    /// The contact imported from the same content before, in this batch or in the store.
    fn imported(&self, fingerprint: &str, batch: &Batch) -> Option<ContactId> {
        if let Some(id) = batch.fingerprints.get(fingerprint) {
            return Some(*id);
        }
        self.store
            .find(index::CONTACTS, index::BY_IMPORT_KEY, fingerprint)
            .first()
            .copied()
    }

    /// Contacts holding one of this contact's emails or phone forms: those
    /// of the batch first, then the store's, each once.
    fn holders(&self, c: &Contact, batch: &Batch) -> Vec<ContactId> {
        let mut out = Vec::new();
        let keys = unique_keys(c);
        for key in &keys {
            if let Some(id) = batch.keys.get(key)
                && !out.contains(id)
                && *id != c.id
            {
                out.push(*id);
            }
        }
        for key in &keys {
            for id in self.store.find(index::CONTACTS, &key.index, &key.key) {
                if id != c.id && !out.contains(&id) {
                    out.push(id);
                }
            }
        }
        out
    }

    /// The contacts of these ids, as the batch has them or as stored.
    fn contacts_of(&self, ids: &[ContactId], batch: &Batch) -> Result<Vec<Contact>> {
        let mut out = Vec::with_capacity(ids.len());
        let mut stored = Vec::new();
        for id in ids {
            match batch.at.get(id) {
                Some(&at) => out.push(batch.pending[at].contact.clone()),
                None => stored.push(*id),
            }
        }
        if !stored.is_empty() {
            out.extend(self.load_many(&stored)?);
        }
        Ok(out)
    }

    /// A new contact; `alone`: it claims its emails and phones (a contact
    /// kept beside another of another owner shares them).
    fn create_pending(
        &self,
        mut contact: Contact,
        alone: bool,
        batch: &mut Batch,
    ) -> ImportOutcome {
        let id = self.store.allocate_id(index::CONTACTS);
        contact.id = id;
        contact.sync_needed = true;
        let mut exclusive = if alone {
            unique_keys(&contact)
        } else {
            Vec::new()
        };
        // No two contacts come from the same content: a batch checked
        // beside another (see the host's import) learns at its commit that
        // the other created it first.
        if let Some(fp) = &contact.import_key {
            exclusive.push(IndexEntry {
                index: index::BY_IMPORT_KEY.to_owned(),
                key: fp.clone(),
            });
        }
        batch.hold(&contact);
        batch.at.insert(id, batch.pending.len());
        batch.pending.push(Pending {
            contact,
            version: None,
            exclusive,
        });
        ImportOutcome::Created(id)
    }

    /// Applies a row to the contact it duplicates: its fields as a patch, its
    /// emails and phones added to those the contact has.
    fn update_pending(
        &self,
        cx: &Context,
        id: ContactId,
        row_contact: Contact,
        row: &ImportRow,
        batch: &mut Batch,
    ) -> Result<std::result::Result<ImportOutcome, Vec<FieldError>>> {
        let (mut target, version, mut exclusive) = match batch.at.get(&id) {
            Some(&at) => {
                let p = &batch.pending[at];
                (p.contact.clone(), p.version, p.exclusive.clone())
            }
            None => {
                let (c, v) = self.load(id)?;
                (c, Some(v), Vec::new())
            }
        };
        let before = target.clone();
        let mut ck = Checker::new(cx.dialect);
        let patch = ContactPatch {
            email: None,
            mobile_phone: None,
            landline_phone: None,
            primary_phone: None,
            phones: None,
            ..row.patch.clone()
        };
        self.apply(&mut target, patch, &mut ck);
        if row.owner.is_some() {
            target.owner = row.owner;
        }
        for address in row_contact
            .email
            .iter()
            .chain(&row_contact.alternate_emails)
        {
            let key = email::key(address);
            let held = target
                .email
                .iter()
                .chain(&target.alternate_emails)
                .any(|a| email::key(a) == key);
            if held {
                continue;
            }
            if target.email.is_none() {
                target.email = Some(address.clone());
            } else if target.alternate_emails.len() < MAX_ALTERNATE_EMAILS {
                target.alternate_emails.push(address.clone());
            }
        }
        for phone in row_contact.phones {
            let held =
                target
                    .phones
                    .iter()
                    .any(|p| match (&p.international, &phone.international) {
                        (Some(a), Some(b)) => a == b,
                        _ => p.number == phone.number,
                    });
            if !held {
                target.phones.push(phone);
            }
        }
        self.extend(Some(&before), &mut target, &mut ck);
        if !ck.errors.is_empty() {
            return Ok(Err(ck.errors));
        }
        // What the contact gains must be its own: not held by another contact.
        let had = unique_keys(&before);
        for key in unique_keys(&target) {
            if had.contains(&key) {
                continue;
            }
            let other = batch
                .keys
                .get(&key)
                .copied()
                .filter(|holder| *holder != id)
                .or_else(|| {
                    self.store
                        .find(index::CONTACTS, &key.index, &key.key)
                        .into_iter()
                        .find(|holder| *holder != id)
                });
            if let Some(other) = other {
                return Ok(Err(vec![FieldError {
                    field: key.index.clone(),
                    message: format!("Contact {other} already holds {:?}.", key.key),
                }]));
            }
            exclusive.push(key);
        }
        if target == before {
            return Ok(Ok(ImportOutcome::Skipped(id)));
        }
        target.import_key = row_contact.import_key;
        target.updated_at = self.store.now();
        target.sync_needed = true;
        batch.hold(&target);
        match batch.at.get(&id) {
            Some(&at) => {
                batch.pending[at].contact = target;
                batch.pending[at].exclusive = exclusive;
            }
            None => {
                batch.at.insert(id, batch.pending.len());
                batch.pending.push(Pending {
                    contact: target,
                    version,
                    exclusive,
                });
            }
        }
        Ok(Ok(ImportOutcome::Updated(id)))
    }
}

/// Normalizes a row's other addresses onto the contact, skipping the primary
/// and repeats.
fn add_alternates(c: &mut Contact, list: &[String], ck: &mut Checker) {
    if list.len() > MAX_ALTERNATE_EMAILS {
        ck.fail(
            "alternate_emails",
            format!("At most {MAX_ALTERNATE_EMAILS} alternate emails are allowed."),
        );
        return;
    }
    for (i, raw) in list.iter().enumerate() {
        let raw = raw.trim();
        if raw.is_empty() {
            continue;
        }
        match email::normalize(raw) {
            Ok(address) => {
                let key = email::key(&address);
                let known = c
                    .email
                    .iter()
                    .chain(&c.alternate_emails)
                    .any(|a| email::key(a) == key);
                if !known {
                    if c.email.is_none() {
                        c.email = Some(address);
                    } else {
                        c.alternate_emails.push(address);
                    }
                }
            }
            Err(why) => ck.fail(
                &format!("alternate_emails.{i}"),
                format!("The alternate email {raw:?} is not a valid email address. ({why})"),
            ),
        }
    }
}

/// The entries that make a contact a duplicate of another: each email's key,
/// then each phone's international form (the E.164 of a valid number). A row
/// matching several contacts goes to the one its email names first.
fn unique_keys(c: &Contact) -> Vec<IndexEntry> {
    let emails = c
        .email
        .iter()
        .chain(&c.alternate_emails)
        .map(|address| (index::BY_EMAIL, email::key(address)));
    let phones = c
        .phones
        .iter()
        .filter_map(|p| p.international.clone())
        .map(|form| (index::BY_E164, form));
    let mut out: Vec<IndexEntry> = Vec::new();
    for (index, key) in emails.chain(phones) {
        let entry = IndexEntry {
            index: index.to_owned(),
            key,
        };
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    out
}

/// A fingerprint of what a row gives a contact, normalized: the same content
/// from any file format, whatever its spelling (a phone's formatting, an
/// email's domain case), gives the same fingerprint. Ids and times are left
/// out. 128 bits of two FNV-1a passes: a stable function, unlike std's hasher.
fn fingerprint(c: &Contact) -> String {
    let mut content = c.clone();
    content.id = 0;
    content.created_at.clear();
    content.updated_at.clear();
    content.import_key = None;
    content.phones.iter_mut().for_each(|p| p.id = 0);
    let text = super::encode(&content);
    let a = fnv1a(text.as_bytes(), 0xcbf2_9ce4_8422_2325);
    let b = fnv1a(text.as_bytes(), 0x6c62_272e_07bb_0142);
    format!("{a:016x}{b:016x}")
}

fn fnv1a(bytes: &[u8], seed: u64) -> u64 {
    bytes.iter().fold(seed, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests;
