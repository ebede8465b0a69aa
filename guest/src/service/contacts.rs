//! Create, read, update and delete contacts, and the owner-centred views
//! (an owner's contacts, accounts sharing an email, coworkers).

use serde_json::json;

use super::fields::Checker;
use super::{Engine, Tx, by_name, reapplied};
use crate::email;
use crate::index;
use crate::model::{
    Contact, ContactId, ContactPatch, ContactView, Context, Dialect, Error, Owner, OwnerRef, Result,
};
use crate::permissions::{Operation, authorize};
use crate::ports::{Directory, IndexEntry, Store};

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    pub fn create(
        &self,
        cx: &Context,
        owner: Option<OwnerRef>,
        patch: ContactPatch,
    ) -> Result<ContactView> {
        authorize(&cx.caller, Operation::Create)?;
        if let Some(owner) = owner {
            self.require_owner(owner)?;
        } else if cx.dialect == Dialect::BlueRockTel {
            return Err(Error::invalid(
                "contactable_id",
                "The contactable id field is required.",
            ));
        }
        let id = self.store.allocate_id(index::CONTACTS);
        let mut contact = Contact::new(id, &self.store.now());
        contact.owner = owner;
        let mut ck = Checker::new(cx.dialect);
        self.apply(&mut contact, patch, &mut ck);
        self.check_required(&contact, Sent::ALL, &mut ck);
        self.extend(None, &mut contact, &mut ck);
        let uniques = unique_entries(&contact, cx.dialect);
        self.check_unique(&contact, &uniques, &mut ck);
        ck.finish()?;
        contact.sync_needed = true;
        let mut tx = Tx::default();
        tx.put_contact_alone(&contact, None, exclusive(&uniques));
        tx.event("contact.created", id, json!({ "id": id }));
        tx.commit_or(self.store, |e| taken(&uniques, &e, cx.dialect))?;
        Ok(self.view(contact))
    }

    pub fn get(&self, cx: &Context, id: ContactId) -> Result<ContactView> {
        authorize(&cx.caller, Operation::Get)?;
        let (contact, _) = self.load(id)?;
        Ok(self.view(contact))
    }

    /// A partial update, re-applied on the fresh document when another
    /// request committed first (no client sends a version it read).
    pub fn update(&self, cx: &Context, id: ContactId, patch: ContactPatch) -> Result<ContactView> {
        authorize(&cx.caller, Operation::Update)?;
        reapplied(|| self.update_once(cx, id, patch.clone()))
    }

    fn update_once(&self, cx: &Context, id: ContactId, patch: ContactPatch) -> Result<ContactView> {
        let (mut contact, version) = self.load(id)?;
        let before = contact.clone();
        let permissions_sent = patch.permissions.is_some();
        // One store serves three dialects: a partial update checks only the
        // required fields it sends, so a contact made elsewhere without them
        // can still be updated here.
        let sent = Sent::of(&patch);
        let mut ck = Checker::new(cx.dialect);
        self.apply(&mut contact, patch, &mut ck);
        self.check_required(&contact, sent, &mut ck);
        // HelperIQ: a first name that is sent must not be blank.
        if cx.dialect == Dialect::HelperIq && sent.first_name && contact.first_name.is_none() {
            ck.required("first_name");
        }
        let uniques = self.settle_change(&before, &mut contact, ck)?;
        if contact == before {
            return Ok(self.view(contact));
        }
        contact.updated_at = self.store.now();
        contact.sync_needed = true;
        let mut tx = Tx::default();
        tx.put_contact_alone(&contact, Some(version), exclusive(&uniques));
        tx.event("contact.updated", id, json!({ "id": id }));
        tx.commit_or(self.store, |e| taken(&uniques, &e, cx.dialect))?;
        // The portal account is the platform's record: synced after the commit.
        if permissions_sent && self.directory.client_account_of(id).is_some() {
            self.directory
                .sync_client_permissions(id, &contact.permissions);
        }
        Ok(self.view(contact))
    }

    pub fn delete(&self, cx: &Context, id: ContactId) -> Result<()> {
        authorize(&cx.caller, Operation::Delete)?;
        let (_, version) = self.load(id)?;
        let mut tx = Tx::default();
        tx.remove(index::CONTACTS, id, Some(version));
        for note in self.notes_of(id) {
            tx.remove(index::NOTES, note.0, Some(note.1));
        }
        tx.event("contact.deleted", id, json!({ "id": id }));
        tx.commit(self.store)
    }

    /// An owner's contacts by last name, first name, id.
    /// It is a list, so it needs `contacts:read_all` (spec §4 bluerocktel).
    pub fn list_by_owner(&self, cx: &Context, owner: OwnerRef) -> Result<Vec<ContactView>> {
        authorize(&cx.caller, Operation::ListByOwner)?;
        let ids = self
            .store
            .find(index::CONTACTS, index::BY_OWNER, &index::owner_key(owner));
        let mut contacts = self.load_many(&ids)?;
        contacts.sort_by(by_name);
        Ok(self.views(contacts))
    }

    /// The distinct owners of every contact sharing this one's email, by name.
    pub fn accounts(&self, cx: &Context, id: ContactId) -> Result<Vec<Owner>> {
        authorize(&cx.caller, Operation::Accounts)?;
        let (contact, _) = self.load(id)?;
        let mut refs: Vec<OwnerRef> = contact.owner.into_iter().collect();
        if let Some(address) = &contact.email {
            let ids = self
                .store
                .find(index::CONTACTS, index::BY_EMAIL, &email::key(address));
            refs.extend(self.load_many(&ids)?.iter().filter_map(|c| c.owner));
        }
        refs.sort();
        refs.dedup();
        let mut owners = if refs.is_empty() {
            Vec::new()
        } else {
            self.directory.owners(&refs)
        };
        owners.sort_by(|a, b| (&a.name, a.owner).cmp(&(&b.name, b.owner)));
        Ok(owners)
    }

    /// Other contacts of the same owner, or of the same email domain unless
    /// that domain is a free-mail one.
    pub fn coworkers(&self, cx: &Context, id: ContactId) -> Result<Vec<ContactView>> {
        authorize(&cx.caller, Operation::Coworkers)?;
        let (contact, _) = self.load(id)?;
        let mut ids = Vec::new();
        if let Some(owner) = contact.owner {
            ids.extend(
                self.store
                    .find(index::CONTACTS, index::BY_OWNER, &index::owner_key(owner)),
            );
        }
        if let Some(address) = &contact.email {
            let domain = email::domain(address);
            let free = self
                .settings
                .free_mail_domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(domain));
            if !free {
                ids.extend(self.store.find(index::CONTACTS, index::BY_DOMAIN, domain));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids.retain(|other| *other != id);
        let mut contacts = self.load_many(&ids)?;
        contacts.sort_by(by_name);
        Ok(self.views(contacts))
    }

    fn require_owner(&self, owner: OwnerRef) -> Result<()> {
        if self.directory.owners(&[owner]).is_empty() {
            return Err(Error::invalid(
                "contactable_id",
                format!(
                    "The selected contactable {} does not exist.",
                    owner.kind.as_str()
                ),
            ));
        }
        Ok(())
    }

    /// The last checks of a change to a stored contact, whichever route made
    /// it (an update, blocking, associations): the extensions see it as it
    /// was and as it would be, their changes pass the rules again, and what
    /// changes must be unique. The entries the commit must hold alone.
    pub(super) fn settle_change(
        &self,
        before: &Contact,
        contact: &mut Contact,
        mut ck: Checker,
    ) -> Result<Vec<Unique>> {
        self.extend(Some(before), contact, &mut ck);
        // Only what changes must be unique: a BlueRockTEL contact that shares
        // its email can still be renamed here.
        let uniques = if contact.email != before.email || contact.phones != before.phones {
            unique_entries(contact, ck.dialect)
        } else {
            Vec::new()
        };
        self.check_unique(contact, &uniques, &mut ck);
        ck.finish()?;
        Ok(uniques)
    }

    /// Runs the extensions on a contact that passed the rules: their changes
    /// go through the same rules and required fields again, so an extension
    /// never stores what a client could not; then they may refuse it. Their
    /// errors join the others, named for the dialect.
    pub(super) fn extend(&self, before: Option<&Contact>, contact: &mut Contact, ck: &mut Checker) {
        if !ck.errors.is_empty() {
            return;
        }
        let refused = match self.hooks.enrich(contact) {
            Ok(patches) => {
                // The contact passed the rules already: what the extensions
                // change is checked again, required fields they clear too.
                let mut sent = Sent::NONE;
                for patch in patches {
                    sent = sent.or(Sent::of(&patch));
                    self.apply(contact, patch, ck);
                }
                self.check_required(contact, sent, ck);
                if !ck.errors.is_empty() {
                    return;
                }
                self.hooks.validate(before, contact).err()
            }
            Err(errors) => Some(errors),
        };
        match refused {
            None => {}
            Some(errors) if errors.is_empty() => {
                ck.fail("extensions", "An extension refused the contact.".to_owned());
            }
            Some(errors) => {
                for e in errors {
                    ck.fail(&e.field, e.message);
                }
            }
        }
    }

    /// The fields each dialect's clients must always send.
    /// The dialect's required fields, among those `sent` (all of them on a
    /// create).
    fn check_required(&self, c: &Contact, sent: Sent, ck: &mut Checker) {
        match ck.dialect {
            Dialect::BlueRockTel => {
                if sent.last_name && c.last_name.is_none() {
                    ck.required("last_name");
                }
                if sent.email
                    && c.email.is_none()
                    && !ck.errors.iter().any(|e| e.field == "email_address")
                {
                    ck.required("email");
                }
            }
            Dialect::RelateCrm => {
                if sent.first_name && c.first_name.is_none() {
                    ck.required("first_name");
                }
            }
            Dialect::HelperIq => {}
        }
    }

    /// Fails each unique entry that another contact already holds. The
    /// commit checks them again, for a request that races this one.
    fn check_unique(&self, c: &Contact, uniques: &[Unique], ck: &mut Checker) {
        for u in uniques {
            let held_elsewhere = self
                .store
                .find(index::CONTACTS, &u.entry.index, &u.entry.key)
                .into_iter()
                .any(|other| other != c.id);
            if held_elsewhere {
                u.report(ck);
            }
        }
    }
}

/// Which required fields a write sends: a create sends them all (absent is
/// empty), an update only the keys its patch holds.
#[derive(Clone, Copy)]
struct Sent {
    first_name: bool,
    last_name: bool,
    email: bool,
}

impl Sent {
    const ALL: Sent = Sent {
        first_name: true,
        last_name: true,
        email: true,
    };

    const NONE: Sent = Sent {
        first_name: false,
        last_name: false,
        email: false,
    };

    fn or(self, other: Sent) -> Sent {
        Sent {
            first_name: self.first_name || other.first_name,
            last_name: self.last_name || other.last_name,
            email: self.email || other.email,
        }
    }

    fn of(patch: &ContactPatch) -> Sent {
        Sent {
            first_name: patch.first_name.is_some(),
            last_name: patch.last_name.is_some(),
            email: patch.email.is_some(),
        }
    }
}

/// An index entry a contact must hold alone, and the field it answers for.
pub(super) struct Unique {
    field: String,
    entry: IndexEntry,
}

impl Unique {
    fn report(&self, ck: &mut Checker) {
        if self.entry.index == index::BY_EMAIL {
            ck.email_taken(&self.field);
        } else {
            ck.fail(
                &self.field,
                "A contact with this phone number already exist.".to_owned(),
            );
        }
    }
}

/// HelperIQ and RelateCRM keep one contact per email; RelateCRM also one per
/// phone number. BlueRockTEL shares emails across owners by design.
fn unique_entries(c: &Contact, dialect: Dialect) -> Vec<Unique> {
    let mut out = Vec::new();
    if dialect == Dialect::BlueRockTel {
        return out;
    }
    if let Some(address) = &c.email {
        out.push(Unique {
            field: "email".to_owned(),
            entry: IndexEntry {
                index: index::BY_EMAIL.to_owned(),
                key: email::key(address),
            },
        });
    }
    if dialect == Dialect::RelateCrm {
        for (i, p) in c.phones.iter().enumerate() {
            // "Compare by E.164 when both parse": the international form of every number
            // that parses, so a number too short to be valid is still one number, whichever
            // way it is written.
            if let Some(form) = &p.international {
                out.push(Unique {
                    field: format!("phones.{i}.number"),
                    entry: IndexEntry {
                        index: index::BY_E164.to_owned(),
                        key: form.clone(),
                    },
                });
            }
        }
    }
    out
}

pub(super) fn exclusive(uniques: &[Unique]) -> Vec<IndexEntry> {
    uniques.iter().map(|u| u.entry.clone()).collect()
}

/// A unique entry that a racing request took between the check and the
/// commit: the same 422 the check gives.
pub(super) fn taken(uniques: &[Unique], entry: &IndexEntry, dialect: Dialect) -> Error {
    let mut ck = Checker::new(dialect);
    match uniques.iter().find(|u| u.entry == *entry) {
        Some(u) => u.report(&mut ck),
        None => ck.fail("id", format!("{} {:?} is taken", entry.index, entry.key)),
    }
    ck.finish()
        .err()
        .unwrap_or_else(|| Error::Conflict("taken".to_owned()))
}
