//! Associations of a contact with the platform's companies, deals and
//! activities (spec §4 relatecrm): attach, detach and sync.

use serde_json::json;

use super::contacts::{exclusive, taken};
use super::fields::{Checker, MAX_LINKS};
use super::{Engine, Tx};
use crate::model::{Contact, ContactId, ContactView, Context, Error, Result};
use crate::permissions::{Operation, authorize};
use crate::ports::{Directory, RecordKind, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Attach,
    Detach,
    Sync,
}

fn kind_of(resource: &str) -> Option<RecordKind> {
    match resource {
        "companies" => Some(RecordKind::Company),
        "deals" => Some(RecordKind::Deal),
        "activities" => Some(RecordKind::Activity),
        _ => None,
    }
}

fn list_of(c: &mut Contact, kind: RecordKind) -> &mut Vec<u64> {
    match kind {
        RecordKind::Company => &mut c.companies,
        RecordKind::Deal => &mut c.deals,
        RecordKind::Activity => &mut c.activities,
    }
}

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    /// Applies `(resource, ids)` changes. Ids the platform does not know are
    /// skipped; attaching one record that is already attached is a conflict.
    pub fn associate(
        &self,
        cx: &Context,
        id: ContactId,
        mode: Mode,
        changes: &[(String, Vec<u64>)],
    ) -> Result<ContactView> {
        authorize(&cx.caller, Operation::Associate)?;
        if changes.is_empty() {
            return Err(Error::invalid(
                "resources",
                "Make sure to provide at least one resource.",
            ));
        }
        let mut resolved = Vec::with_capacity(changes.len());
        for (resource, ids) in changes {
            let kind = kind_of(resource).ok_or_else(|| {
                Error::Conflict(format!(
                    "The provided resource name \"{resource}\" cannot be associated to contact."
                ))
            })?;
            if ids.len() > MAX_LINKS {
                return Err(Error::invalid(
                    resource,
                    format!("At most {MAX_LINKS} ids are allowed."),
                ));
            }
            resolved.push((kind, ids));
        }
        let (mut contact, version) = self.load(id)?;
        let before = contact.clone();
        for (kind, ids) in resolved {
            let known = if ids.is_empty() {
                Vec::new()
            } else {
                self.directory.existing(kind, ids)
            };
            let list = list_of(&mut contact, kind);
            match mode {
                Mode::Attach => {
                    if let [single] = ids.as_slice()
                        && list.contains(single)
                    {
                        return Err(Error::Conflict(
                            "This record is already associated".to_owned(),
                        ));
                    }
                    list.extend(known);
                }
                Mode::Detach => list.retain(|x| !ids.contains(x)),
                Mode::Sync => *list = known,
            }
            list.sort_unstable();
            list.dedup();
        }
        if contact == before {
            return Ok(self.view(contact));
        }
        // A changed contact passes the extensions, as an update does.
        let uniques = self.settle_change(&before, &mut contact, Checker::new(cx.dialect))?;
        contact.updated_at = self.store.now();
        contact.sync_needed = true;
        let mut tx = Tx::default();
        tx.put_contact_alone(&contact, Some(version), exclusive(&uniques));
        tx.event(
            "association.changed",
            id,
            json!({
                "id": id,
                "companies": contact.companies,
                "deals": contact.deals,
                "activities": contact.activities,
            }),
        );
        tx.commit_or(self.store, |e| taken(&uniques, &e, cx.dialect))?;
        Ok(self.view(contact))
    }
}
