//! Browsing contacts: the paginated, ordered, filtered list and the ranked
//! search of the helpdesk (spec §4 helperiq). Both start from index entries
//! the engine computed, never from a scan of every document, except for a
//! filtered list that no index can narrow.

use std::collections::HashMap;

use super::Engine;
use crate::email;
use crate::filters::{self, Filter};
use crate::index;
use crate::model::{
    Contact, ContactPage, ContactView, Context, Error, ListRequest, QueryPage, Result,
};
use crate::permissions::{Operation, authorize};
use crate::ports::{Directory, Range, Store};
use crate::query::{self, Query, QueryError, QueryParams, SortPosition};
use crate::search;

/// Documents read per step when a filter has to look at every contact.
const CHUNK: u32 = 500;

/// Which index orders the list, and whether it runs backwards.
fn order(order_by: Option<&str>, order: Option<&str>) -> Result<(&'static str, bool)> {
    let by = order_by.map(|o| {
        o.trim()
            .trim_start_matches("users.")
            .trim_start_matches("contacts.")
    });
    let (index, timestamp) = match by {
        None | Some("created_at") => (index::BY_CREATED, true),
        Some("updated_at") => (index::BY_UPDATED, true),
        Some("email") => (index::BY_SORT_EMAIL, false),
        Some("first_name") => (index::BY_SORT_FIRST, false),
        Some("last_name") => (index::BY_SORT_LAST, false),
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "Invalid order_by `{other}` (created_at, updated_at, email, first_name, last_name)"
            )));
        }
    };
    let desc = match order.map(|o| o.trim().to_ascii_lowercase()).as_deref() {
        None => timestamp,
        Some("desc") => true,
        Some("asc") => false,
        Some(other) => {
            return Err(Error::BadRequest(format!(
                "Invalid order `{other}` (asc, desc)"
            )));
        }
    };
    Ok((index, desc))
}

/// Projection keys read per step of a query scan.
const SCAN_CHUNK: u32 = 10_000;
/// At most this many contacts in one RelateCRM `/search` answer.
const MAX_TAKE: u32 = 1_000;

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    pub fn list_contacts(&self, cx: &Context, req: &ListRequest) -> Result<ContactPage> {
        authorize(&cx.caller, Operation::ListContacts)?;
        let (index, desc) = order(req.order_by.as_deref(), req.order.as_deref())?;
        let filter = match req.filters.as_deref() {
            Some(json) => Some(filters::parse(json).map_err(Error::BadRequest)?),
            None => None,
        };
        let page = req.page.max(1);
        let page_size = req.page_size.clamp(1, 500);
        let offset = u64::from(page - 1) * u64::from(page_size);
        let (contacts, total) = match filter {
            None => self.page_of(index, desc, offset, page_size)?,
            Some(f) => self.filtered_page(&f, index, desc, offset, page_size)?,
        };
        Ok(ContactPage {
            items: self.views(contacts),
            total,
            page,
            page_size,
        })
    }

    fn page_of(
        &self,
        index: &str,
        desc: bool,
        offset: u64,
        size: u32,
    ) -> Result<(Vec<Contact>, u64)> {
        let total = self.store.count(index::CONTACTS, index, None, None);
        if offset >= total {
            return Ok((Vec::new(), total));
        }
        let range = Range {
            index: index.to_owned(),
            reverse: desc,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            limit: size,
            ..Range::default()
        };
        Ok((self.in_order(&self.ids_in(&range))?, total))
    }

    fn ids_in(&self, range: &Range) -> Vec<u64> {
        self.store
            .scan(index::CONTACTS, range)
            .into_iter()
            .map(|h| h.id)
            .collect()
    }

    /// Documents for ids, in the order of the ids.
    fn in_order(&self, ids: &[u64]) -> Result<Vec<Contact>> {
        let mut by_id: HashMap<u64, Contact> = self
            .load_many(ids)?
            .into_iter()
            .map(|c| (c.id, c))
            .collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    fn filtered_page(
        &self,
        filter: &Filter,
        index: &str,
        desc: bool,
        offset: u64,
        size: u32,
    ) -> Result<(Vec<Contact>, u64)> {
        let window = offset..offset + u64::from(size);
        // The UI's "search by email" pins the list to one address: start there.
        if let Some(address) = filter.pinned_email() {
            let ids = self.store.find(
                index::CONTACTS,
                index::BY_EMAIL,
                &email::key(address.trim()),
            );
            let mut matched: Vec<Contact> = self
                .load_many(&ids)?
                .into_iter()
                .filter(|c| filter.matches(c))
                .collect();
            matched.sort_by_cached_key(|c| (index::order_key(c, index), c.id));
            if desc {
                matched.reverse();
            }
            let total = matched.len() as u64;
            let page = matched
                .into_iter()
                .skip(offset as usize)
                .take(size as usize)
                .collect();
            return Ok((page, total));
        }
        let mut page = Vec::new();
        let mut total = 0u64;
        let mut step = 0u32;
        loop {
            let range = Range {
                index: index.to_owned(),
                reverse: desc,
                offset: step.saturating_mul(CHUNK),
                limit: CHUNK,
                ..Range::default()
            };
            let ids = self.ids_in(&range);
            let done = ids.len() < CHUNK as usize;
            for c in self.in_order(&ids)? {
                if filter.matches(&c) {
                    if window.contains(&total) {
                        page.push(c);
                    }
                    total += 1;
                }
            }
            if done {
                return Ok((page, total));
            }
            step += 1;
        }
    }

    /// The RelateCRM list and search: the query grammar, then a page. With
    /// `take` it is a search: one page of at most `take` contacts.
    pub fn query(&self, cx: &Context, params: &QueryParams) -> Result<QueryPage> {
        let searching = params.take.is_some();
        authorize(
            &cx.caller,
            if searching {
                Operation::QuerySearch
            } else {
                Operation::Query
            },
        )?;
        let q = query::parse_with_region(params, &self.settings.default_region).map_err(
            |e| match e {
                QueryError::NoAcceptedField(m) => Error::Forbidden(m),
                QueryError::AllSkipped(m) => Error::invalid("q", m),
                QueryError::Invalid { field, message } => Error::invalid(&field, message),
            },
        )?;
        let (offset, size, page) = if searching {
            (0, q.take().unwrap_or(MAX_TAKE).min(MAX_TAKE), 1)
        } else {
            (q.offset(), q.per_page(), q.page())
        };
        let (contacts, total) = match (q.has_search(), q.sort_index()) {
            (false, Some((index, desc))) => self.page_of(index, desc, offset, size)?,
            _ => {
                // Order the matches by their positions; read only the
                // documents of the page.
                let mut matched = self.query_matches(&q)?;
                matched.sort_unstable();
                let total = matched.len() as u64;
                let ids: Vec<u64> = matched
                    .iter()
                    .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                    .take(size as usize)
                    .map(|(_, id)| *id)
                    .collect();
                (self.in_order(&ids)?, total)
            }
        };
        Ok(QueryPage {
            items: self.views(contacts),
            total,
            page,
            per_page: size,
            select: q.select(),
        })
    }

    /// Every contact the query matches, with its position in the query's
    /// order: from whole documents when the query pins ids or an email, else
    /// from the projections of a walk over all contacts (which hold every
    /// field the grammar matches and orders by, read in place).
    fn query_matches(&self, q: &Query) -> Result<Vec<(SortPosition, u64)>> {
        let pinned = match (q.pinned_ids(), q.pinned_email()) {
            (Some(ids), _) => Some(ids),
            (None, Some(address)) => Some(self.store.find(
                index::CONTACTS,
                index::BY_EMAIL,
                &email::key(&address),
            )),
            (None, None) => None,
        };
        if let Some(ids) = pinned {
            let found = self.load_many(&ids)?;
            return Ok(found
                .iter()
                .map(Contact::search_fields)
                .filter(|f| q.matches_fields(f))
                .map(|f| (q.position_of(&f), f.id))
                .collect());
        }
        // Walk by key (no OFFSET, so the walk is linear). The store tests the
        // probes beside the keys, so only projections that may match cross
        // into the component; `may_match` keeps that true of any store.
        let mut matched = Vec::new();
        let mut start: Option<String> = None;
        loop {
            let range = Range {
                index: index::BY_QUERY_TEXT.to_owned(),
                start: start.take(),
                limit: SCAN_CHUNK,
                contains: q.probes().to_vec(),
                ..Range::default()
            };
            let hits = self.store.scan(index::CONTACTS, &range);
            let done = hits.len() < SCAN_CHUNK as usize;
            matched.extend(
                hits.iter()
                    .filter(|h| q.may_match(&h.key))
                    .filter_map(|h| index::query_fields(&h.key))
                    .filter(|f| q.matches_fields(f))
                    .map(|f| (q.position_of(&f), f.id)),
            );
            match hits.last() {
                // The smallest key after the last one read.
                Some(last) if !done => start = Some(format!("{}\u{0}", last.key)),
                _ => return Ok(matched),
            }
        }
    }

    /// Ranked search over names, emails and phone digits (the engine in
    /// [`crate::search`]); at most `limit` contacts.
    pub fn search(&self, cx: &Context, q: &str, limit: u32) -> Result<Vec<ContactView>> {
        authorize(&cx.caller, Operation::Search)?;
        let q = q.trim();
        if q.is_empty() {
            return Err(Error::BadRequest("Search query is required".to_owned()));
        }
        let limit = limit.clamp(1, 100) as usize;
        let ids = search::search(self.store, &self.settings.default_region, q, limit);
        Ok(self.views(self.in_order(&ids)?))
    }
}
