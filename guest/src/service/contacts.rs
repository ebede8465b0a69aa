//! Create, read, update and delete contacts, and the owner-centred views
//! (an owner's contacts, accounts sharing an email, coworkers).

use serde_json::json;

use super::fields::Checker;
use super::{Engine, Tx, by_name};
use crate::email;
use crate::index;
use crate::model::{
    Contact, ContactId, ContactPatch, ContactView, Context, Dialect, Error, Owner, OwnerRef, Result,
};
use crate::permissions::{Scope, require};
use crate::ports::{Directory, Store};

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    pub fn create(
        &self,
        cx: &Context,
        owner: Option<OwnerRef>,
        patch: ContactPatch,
    ) -> Result<ContactView> {
        require(&cx.caller, Scope::Write)?;
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
        self.check_required(&contact, &mut ck);
        self.check_unique(&contact, &mut ck);
        ck.finish()?;
        contact.sync_needed = true;
        let mut tx = Tx::default();
        tx.put_contact(&contact, None);
        tx.event("contact.created", id, json!({ "id": id }));
        tx.commit(self.store)?;
        Ok(self.view(contact))
    }

    pub fn get(&self, cx: &Context, id: ContactId) -> Result<ContactView> {
        require(&cx.caller, Scope::Read)?;
        let (contact, _) = self.load(id)?;
        Ok(self.view(contact))
    }

    pub fn update(&self, cx: &Context, id: ContactId, patch: ContactPatch) -> Result<ContactView> {
        require(&cx.caller, Scope::Write)?;
        let (mut contact, version) = self.load(id)?;
        let before = contact.clone();
        let permissions_sent = patch.permissions.is_some();
        let first_name_sent = patch.first_name.is_some();
        let mut ck = Checker::new(cx.dialect);
        self.apply(&mut contact, patch, &mut ck);
        self.check_required(&contact, &mut ck);
        // HelperIQ: a first name that is sent must not be blank.
        if cx.dialect == Dialect::HelperIq && first_name_sent && contact.first_name.is_none() {
            ck.required("first_name");
        }
        if contact.email != before.email || contact.phones != before.phones {
            self.check_unique(&contact, &mut ck);
        }
        ck.finish()?;
        if contact == before {
            return Ok(self.view(contact));
        }
        contact.updated_at = self.store.now();
        contact.sync_needed = true;
        let mut tx = Tx::default();
        tx.put_contact(&contact, Some(version));
        tx.event("contact.updated", id, json!({ "id": id }));
        tx.commit(self.store)?;
        // The portal account is the platform's record: synced after the commit.
        if permissions_sent && self.directory.client_account_of(id).is_some() {
            self.directory
                .sync_client_permissions(id, &contact.permissions);
        }
        Ok(self.view(contact))
    }

    pub fn delete(&self, cx: &Context, id: ContactId) -> Result<()> {
        require(&cx.caller, Scope::Delete)?;
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
    pub fn list_by_owner(&self, cx: &Context, owner: OwnerRef) -> Result<Vec<ContactView>> {
        require(&cx.caller, Scope::Read)?;
        let ids = self
            .store
            .find(index::CONTACTS, index::BY_OWNER, &index::owner_key(owner));
        let mut contacts = self.load_many(&ids)?;
        contacts.sort_by(by_name);
        Ok(self.views(contacts))
    }

    /// The distinct owners of every contact sharing this one's email, by name.
    pub fn accounts(&self, cx: &Context, id: ContactId) -> Result<Vec<Owner>> {
        require(&cx.caller, Scope::Read)?;
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
        require(&cx.caller, Scope::Read)?;
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

    /// The fields each dialect's clients must always send.
    fn check_required(&self, c: &Contact, ck: &mut Checker) {
        match ck.dialect {
            Dialect::BlueRockTel => {
                if c.last_name.is_none() {
                    ck.required("last_name");
                }
                if c.email.is_none() && !ck.errors.iter().any(|e| e.field == "email_address") {
                    ck.required("email");
                }
            }
            Dialect::RelateCrm | Dialect::HelperIq => {
                if c.first_name.is_none() && ck.dialect == Dialect::RelateCrm {
                    ck.required("first_name");
                }
            }
        }
    }

    /// HelperIQ and RelateCRM keep one contact per email; RelateCRM also one
    /// per phone number. BlueRockTEL shares emails across owners by design.
    fn check_unique(&self, c: &Contact, ck: &mut Checker) {
        let dialect = ck.dialect;
        if dialect == Dialect::BlueRockTel {
            return;
        }
        if let Some(address) = &c.email {
            let taken = self
                .store
                .find(index::CONTACTS, index::BY_EMAIL, &email::key(address))
                .into_iter()
                .any(|other| other != c.id);
            if taken {
                ck.email_taken("email");
            }
        }
        if dialect == Dialect::RelateCrm {
            for (i, p) in c.phones.iter().enumerate() {
                let Some(e164) = &p.e164 else { continue };
                let taken = self
                    .store
                    .find(index::CONTACTS, index::BY_E164, e164)
                    .into_iter()
                    .any(|other| other != c.id);
                if taken {
                    ck.fail(
                        &format!("phones.{i}.number"),
                        "A contact with this phone number already exist.".to_owned(),
                    );
                }
            }
        }
    }
}
