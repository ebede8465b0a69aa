//! Export: every contact, or an owner's, or those updated since a time, a page
//! at a time.
//!
//! A host streams an export of any size: each page is a bounded number of
//! documents, read by id order (or through the owner and update-time indexes
//! when a filter narrows them), decoded here, so the host never reads the
//! document encoding.

use super::Engine;
use crate::index;
use crate::model::{Contact, Context, Error, OwnerRef, Result};
use crate::permissions::{Scope, require};
use crate::ports::{Directory, Range, Store};

/// Contacts per page at most.
pub const MAX_PAGE: u32 = 1_000;

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ExportFilter {
    pub owner: Option<OwnerRef>,
    /// RFC 3339 UTC with seconds: contacts updated at or after it.
    pub updated_since: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExportPage {
    pub contacts: Vec<Contact>,
    /// The cursor of the next page; none after the last.
    pub next: Option<u64>,
}

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    /// One page from `cursor`: the last id of the page before when no filter
    /// applies, otherwise how many index entries the pages before read.
    pub fn export_page(
        &self,
        cx: &Context,
        cursor: Option<u64>,
        limit: u32,
        filter: &ExportFilter,
    ) -> Result<ExportPage> {
        require(&cx.caller, Scope::ReadAll)?;
        let limit = limit.clamp(1, MAX_PAGE);
        if let Some(since) = &filter.updated_since
            && !is_utc_timestamp(since)
        {
            return Err(Error::BadRequest(format!(
                "updated-since must be an RFC 3339 UTC time such as 2026-11-22T10:00:00Z, not {since:?}."
            )));
        }
        let range = match (&filter.owner, &filter.updated_since) {
            (Some(owner), _) => Some(Range {
                index: index::BY_OWNER.to_owned(),
                start: Some(index::owner_key(*owner)),
                end: Some(index::owner_key(OwnerRef {
                    kind: owner.kind,
                    id: owner.id.saturating_add(1),
                })),
                ..Range::default()
            }),
            (None, Some(since)) => Some(Range {
                index: index::BY_UPDATED.to_owned(),
                start: Some(since.clone()),
                ..Range::default()
            }),
            (None, None) => None,
        };
        let (ids, next) = match range {
            Some(mut range) => {
                let offset = cursor.unwrap_or(0);
                range.offset = u32::try_from(offset)
                    .map_err(|_| Error::BadRequest(format!("bad export cursor {offset}")))?;
                range.limit = limit;
                let ids: Vec<u64> = self
                    .store
                    .scan(index::CONTACTS, &range)
                    .into_iter()
                    .map(|h| h.id)
                    .collect();
                let next = (ids.len() == limit as usize).then(|| offset + ids.len() as u64);
                (ids, next)
            }
            None => {
                let ids = self.store.ids(index::CONTACTS, cursor, limit);
                let next = if ids.len() == limit as usize {
                    ids.last().copied()
                } else {
                    None
                };
                (ids, next)
            }
        };
        let mut contacts = self.load_many(&ids)?;
        if let Some(since) = &filter.updated_since {
            contacts.retain(|c| c.updated_at.as_str() >= since.as_str());
        }
        Ok(ExportPage { contacts, next })
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ`, the form the store's times take.
fn is_utc_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 20
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            10 => *c == b'T',
            13 | 16 => *c == b':',
            19 => *c == b'Z',
            _ => c.is_ascii_digit(),
        })
}
