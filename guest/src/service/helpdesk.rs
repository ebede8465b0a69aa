//! Helpdesk operations: blocking, quick-create, conversations and notes.

use serde_json::json;

use super::contacts::{exclusive, taken};
use super::fields::Checker;
use super::{Engine, Tx, reapplied};
use crate::email;
use crate::index;
use crate::model::{ContactId, ContactPatch, ContactView, Context, Error, Note, Result};
use crate::permissions::{Operation, authorize, may_delete_note};
use crate::ports::{Conversation, Directory, Range, Store};

const MAX_NOTE: usize = 65_535;
/// Agents notified of one note.
const MAX_NOTIFIED: usize = 100;

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    pub fn set_blocked(&self, cx: &Context, id: ContactId, blocked: bool) -> Result<ContactView> {
        authorize(&cx.caller, Operation::SetBlocked)?;
        reapplied(|| self.set_blocked_once(cx, id, blocked))
    }

    /// Blocking changes the contact: the extensions see it as any update.
    fn set_blocked_once(&self, cx: &Context, id: ContactId, blocked: bool) -> Result<ContactView> {
        let (mut contact, version) = self.load(id)?;
        if contact.blocked == blocked {
            return Ok(self.view(contact));
        }
        let before = contact.clone();
        contact.blocked = blocked;
        let uniques = self.settle_change(&before, &mut contact, Checker::new(cx.dialect))?;
        contact.updated_at = self.store.now();
        contact.sync_needed = true;
        let mut tx = Tx::default();
        tx.put_contact_alone(&contact, Some(version), exclusive(&uniques));
        tx.event(
            "contact.blocked",
            id,
            json!({ "id": id, "blocked": contact.blocked }),
        );
        tx.commit_or(self.store, |e| taken(&uniques, &e, cx.dialect))?;
        Ok(self.view(contact))
    }

    /// Upsert by email: the oldest contact with that email, else a new one.
    pub fn quick_upsert(
        &self,
        cx: &Context,
        first_name: Option<String>,
        last_name: Option<String>,
        email_address: Option<String>,
    ) -> Result<ContactView> {
        authorize(&cx.caller, Operation::QuickUpsert)?;
        let raw = email_address
            .map(|e| e.trim().to_lowercase())
            .unwrap_or_default();
        if raw.is_empty() {
            return Err(Error::invalid("email", "Email is required"));
        }
        let normalized =
            email::normalize(&raw).map_err(|_| Error::invalid("email", "Invalid email address"))?;
        let key = email::key(&normalized);
        let oldest = || {
            let existing = self.store.find(index::CONTACTS, index::BY_EMAIL, &key);
            existing.into_iter().min()
        };
        if let Some(id) = oldest() {
            let (contact, _) = self.load(id)?;
            return Ok(self.view(contact));
        }
        let patch = ContactPatch {
            first_name: Some(first_name),
            last_name: Some(last_name),
            email: Some(Some(normalized)),
            ..ContactPatch::default()
        };
        match self.create(cx, None, patch) {
            // A racing request created it first: the upsert answers with it.
            Err(Error::Invalid(errors)) if errors.iter().any(|e| e.field == "email") => {
                match oldest() {
                    Some(id) => Ok(self.view(self.load(id)?.0)),
                    None => Err(Error::Invalid(errors)),
                }
            }
            other => other,
        }
    }

    pub fn conversations(&self, cx: &Context, id: ContactId) -> Result<Vec<Conversation>> {
        authorize(&cx.caller, Operation::Conversations)?;
        self.load(id)?;
        let mut list = self.directory.conversations(id);
        list.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
        Ok(list)
    }

    /// Ids and versions of a contact's notes, oldest first.
    pub(super) fn notes_of(&self, contact: ContactId) -> Vec<(u64, u64)> {
        let prefix = index::note_contact_prefix(contact);
        let range = Range::prefix(index::NOTES_BY_CONTACT, &prefix, u32::MAX);
        let ids: Vec<u64> = self
            .store
            .scan(index::NOTES, &range)
            .into_iter()
            .map(|h| h.id)
            .collect();
        self.store
            .get_many(index::NOTES, &ids)
            .into_iter()
            .map(|d| (d.id, d.version))
            .collect()
    }

    /// A contact's notes, newest first.
    pub fn list_notes(&self, cx: &Context, id: ContactId) -> Result<Vec<Note>> {
        authorize(&cx.caller, Operation::ListNotes)?;
        self.load(id)?;
        let prefix = index::note_contact_prefix(id);
        let mut range = Range::prefix(index::NOTES_BY_CONTACT, &prefix, u32::MAX);
        range.reverse = true;
        let ids: Vec<u64> = self
            .store
            .scan(index::NOTES, &range)
            .into_iter()
            .map(|h| h.id)
            .collect();
        let docs = self.store.get_many(index::NOTES, &ids);
        let mut notes = Vec::with_capacity(docs.len());
        for id in ids {
            if let Some(doc) = docs.iter().find(|d| d.id == id) {
                notes.push(decode_note(&doc.body)?);
            }
        }
        Ok(notes)
    }

    pub fn add_note(
        &self,
        cx: &Context,
        id: ContactId,
        content: &str,
        notify: &[u64],
    ) -> Result<Note> {
        authorize(&cx.caller, Operation::AddNote)?;
        self.load(id)?;
        let content = content.trim();
        if content.is_empty() || shows_nothing(content) {
            return Err(Error::invalid("content", "Note content is required"));
        }
        if content.chars().count() > MAX_NOTE {
            return Err(Error::invalid("content", "Note is too long"));
        }
        if notify.len() > MAX_NOTIFIED {
            return Err(Error::invalid(
                "notify_user_ids",
                format!("At most {MAX_NOTIFIED} users can be notified"),
            ));
        }
        let now = self.store.now();
        let note = Note {
            id: self.store.allocate_id(index::NOTES),
            contact_id: id,
            content: content.to_owned(),
            author_id: cx.caller.agent_id,
            author_first_name: cx.caller.first_name.clone(),
            author_last_name: cx.caller.last_name.clone(),
            created_at: now.clone(),
            updated_at: now,
        };
        let mut tx = Tx::default();
        tx.put_note(&note, None);
        tx.event(
            "note.created",
            id,
            json!({ "id": note.id, "author_id": note.author_id, "notify_user_ids": notify }),
        );
        tx.commit(self.store)?;
        Ok(note)
    }

    pub fn delete_note(&self, cx: &Context, id: ContactId, note_id: u64) -> Result<()> {
        // Authorship decides, so the note is read before the scope check.
        let doc = self
            .store
            .get(index::NOTES, note_id)
            .ok_or_else(|| Error::NotFound("Note not found".to_owned()))?;
        let note = decode_note(&doc.body)?;
        if note.contact_id != id {
            return Err(Error::NotFound("Note not found".to_owned()));
        }
        may_delete_note(&cx.caller, &note)?;
        let mut tx = Tx::default();
        tx.remove(index::NOTES, note_id, Some(doc.version));
        tx.event("note.deleted", id, json!({ "id": note_id }));
        tx.commit(self.store)
    }
}

/// Whether an HTML note renders as nothing: the agent UI's editor sends
/// `<p></p>` (or `<p><br></p>`) when it is empty. Text outside tags, an
/// entity other than a space, or an image is something; a `<` that does not
/// open a tag is text.
fn shows_nothing(html: &str) -> bool {
    let mut rest = html;
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let opens_tag = rest[1..]
                .chars()
                .next()
                .is_some_and(|n| n.is_ascii_alphabetic() || n == '/' || n == '!');
            if let (true, Some(end)) = (opens_tag, rest.find('>')) {
                let name = rest[1..end].trim_start_matches('/').to_ascii_lowercase();
                if name.starts_with("img") {
                    return false;
                }
                rest = &rest[end + 1..];
                continue;
            }
            return false;
        }
        if c == '&' {
            let entity = ["&nbsp;", "&#160;", "&#xa0;"].into_iter().find(|e| {
                rest.get(..e.len())
                    .is_some_and(|r| r.eq_ignore_ascii_case(e))
            });
            match entity {
                Some(e) => {
                    rest = &rest[e.len()..];
                    continue;
                }
                None => return false,
            }
        }
        if !c.is_whitespace() {
            return false;
        }
        rest = &rest[c.len_utf8()..];
    }
    true
}

pub(super) fn decode_note(body: &str) -> Result<Note> {
    serde_json::from_str(body).map_err(|e| Error::Unavailable(format!("unreadable note: {e}")))
}

#[cfg(test)]
mod tests {
    use super::shows_nothing;

    #[test]
    fn an_empty_editor_shows_nothing() {
        for html in [
            "<p></p>",
            "<p><br></p>",
            " <p>&nbsp;</p>\n<p> </p>",
            "<!-- -->",
        ] {
            assert!(shows_nothing(html), "{html}");
        }
        for html in [
            "<p>x</p>",
            "<3",
            "a < b",
            "<p>&amp;</p>",
            "<p><img src=\"cid:a\"></p>",
            "<p",
        ] {
            assert!(!shows_nothing(html), "{html}");
        }
    }
}
