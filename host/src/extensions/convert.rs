//! Between the core component's records and the extension world's: an
//! extension sees a contact through its own versioned records, and its
//! changes become an ordinary patch that the core's rules check.

use crate::bindings::extension::types as ext;
use crate::bindings::types as core;
use crate::capabilities::events::StoredEvent;

pub fn contact(c: &core::Contact) -> ext::Contact {
    ext::Contact {
        id: c.id,
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.clone(),
        role: c.role.clone(),
        comment: c.comment.clone(),
        phones: c.phones.iter().map(phone).collect(),
        companies: c.companies.clone(),
        custom_fields: c.custom_fields.clone(),
        custom_attributes: c.custom_attributes.clone(),
    }
}

fn phone(p: &core::Phone) -> ext::Phone {
    ext::Phone {
        number: p.number.clone(),
        e164: p.e164.clone(),
        kind: p.kind.name().to_owned(),
    }
}

/// The patch a client would send to make these changes.
pub fn changes(c: ext::Changes) -> core::ContactPatch {
    core::ContactPatch {
        first_name: c.first_name,
        last_name: c.last_name,
        role: c.role,
        comment: c.comment,
        companies: c.companies,
        custom_fields: c.custom_fields,
        ..core::ContactPatch::empty()
    }
}

/// Bytes of text in an answer, to hold it to `limits.output_bytes`.
pub fn changes_size(c: &ext::Changes) -> usize {
    let text =
        |v: &Option<Option<String>>| v.as_ref().and_then(|o| o.as_ref()).map_or(0, String::len);
    text(&c.first_name)
        + text(&c.last_name)
        + text(&c.role)
        + text(&c.comment)
        + c.companies.as_ref().map_or(0, |l| l.len() * 8)
        + c.custom_fields
            .iter()
            .map(|(k, v)| k.len() + v.len())
            .sum::<usize>()
}

pub fn errors_size(list: &[ext::FieldError]) -> usize {
    list.iter().map(|e| e.field.len() + e.message.len()).sum()
}

/// An extension's refusal as core field errors; a field it left empty is
/// named after the extension.
pub fn errors(name: &str, list: Vec<ext::FieldError>) -> Vec<core::FieldError> {
    list.into_iter()
        .map(|e| core::FieldError {
            field: if e.field.trim().is_empty() {
                format!("extensions.{name}")
            } else {
                e.field
            },
            message: e.message,
        })
        .collect()
}

pub fn event(e: &StoredEvent) -> ext::Event {
    ext::Event {
        seq: e.seq,
        kind: e.kind.clone(),
        contact_id: e.contact_id,
        body: e.body.to_string(),
        created_at: e.created_at.clone(),
    }
}
