//! Browsing contacts: the paginated, ordered, filtered list and the ranked
//! search of the helpdesk (spec §4 helperiq), and the RelateCRM list and
//! search (spec §4 relatecrm). They start from index entries the engine
//! computed, never from a scan of every document, except for a filtered list
//! that no index can narrow and the few RelateCRM needles no index answers
//! (`crate::query::words`).

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
use crate::query::{self, Candidates, Query, QueryError, QueryParams, SortPosition};
use crate::search::{self, Typos};

/// Documents read per step when a filter has to look at every contact.
const CHUNK: u32 = 500;
/// Contacts the search engine ranks at the head of a RelateCRM search (as
/// many as HelperIQ's `/search` answers); the rest keep the list's order.
const RANKED: u32 = 20;

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

/// Order index entries read per step of a walk for one page of matches.
const WALK_CHUNK: u32 = 1_000;
/// An exact answer is paged along its order's index when the walk is
/// expected to read at most this many entries per match (an entry read is
/// far cheaper than a document); else its documents are read and ordered.
const WALK_PER_MATCH: u64 = 4;
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
        // A search of plain text in no given order: the best matches first.
        let head = match q.ranked_text().filter(|_| searching) {
            Some(text) => self.best_matches(&q, text, size.min(RANKED))?,
            None => Vec::new(),
        };
        let (mut contacts, total) = match (q.has_search(), q.sort_index()) {
            (false, Some((index, desc))) => self.page_of(index, desc, offset, size)?,
            _ => self.query_page(&q, offset, size)?,
        };
        // The page in order overlaps the head by at most the head's length,
        // so the two together still fill `size` when there are that many.
        if !head.is_empty() {
            contacts.retain(|c| !head.iter().any(|h| h.id == c.id));
            contacts = head
                .into_iter()
                .chain(contacts)
                .take(size as usize)
                .collect();
        }
        Ok(QueryPage {
            items: self.views(contacts),
            total,
            page,
            per_page: size,
            select: q.select(),
        })
    }

    /// The search engine's best `limit` contacts for `text` (its ranking,
    /// [`crate::search`]) among those the query matches, so every contact
    /// given matches as before. The grammar matches no typo, so the engine
    /// looks for none.
    fn best_matches(&self, q: &Query, text: &str, limit: u32) -> Result<Vec<Contact>> {
        let region = &self.settings.default_region;
        let ids = search::search(self.store, region, text, limit as usize, Typos::Refused);
        let mut found = self.in_order(&ids)?;
        found.retain(|c| q.matches(c));
        Ok(found)
    }

    /// One page of the contacts a query matches, in the query's order, and
    /// how many match. The candidates come from the indexes
    /// ([`crate::query::words`]); an exact answer is counted without reading
    /// documents, and paged along the order's index when it is dense enough;
    /// otherwise the candidates' documents are checked and ordered.
    fn query_page(&self, q: &Query, offset: u64, size: u32) -> Result<(Vec<Contact>, u64)> {
        let window = |mut matched: Vec<(SortPosition, Contact)>| {
            matched.sort_unstable_by(|a, b| a.0.cmp(&b.0));
            let total = matched.len() as u64;
            let page = matched
                .into_iter()
                .skip(usize::try_from(offset).unwrap_or(usize::MAX))
                .take(size as usize)
                .map(|(_, c)| c)
                .collect();
            (page, total)
        };
        // One word in the default order: a slice of its range.
        if q.sort_index() == Some((index::BY_SORT_FIRST, false))
            && let Some(prefix) = q.one_word_range(self.store)
        {
            let end = crate::ports::prefix_end(&prefix);
            let total = self.store.count(
                index::CONTACTS,
                index::BY_WORD,
                Some(&prefix),
                end.as_deref(),
            );
            let mut range = Range::prefix(index::BY_WORD, &prefix, size);
            range.offset = u32::try_from(offset).unwrap_or(u32::MAX);
            let ids = if offset >= total {
                Vec::new()
            } else {
                self.ids_in(&range)
            };
            return Ok((self.in_order(&ids)?, total));
        }
        // A run of letters that several words hold, or two words, in the
        // default order: ordered from their entries' keys.
        if q.sort_index() == Some((index::BY_SORT_FIRST, false))
            && let Some((page, total)) = q.in_first_name_order(
                self.store,
                usize::try_from(offset).unwrap_or(usize::MAX),
                size as usize,
            )
        {
            return Ok((self.in_order(&page)?, total));
        }
        let ids: Vec<u64> = match q.candidates(self.store) {
            Candidates::Exact(ids) => {
                let total = ids.len() as u64;
                if let Some((index, desc)) = q.sort_index() {
                    let contacts = self.store.count(index::CONTACTS, index, None, None);
                    // Entries walked to fill the page, expected: cheaper than
                    // reading every match once they are dense enough.
                    let walk = (offset + u64::from(size)).saturating_mul(contacts) / total.max(1);
                    if walk <= total.saturating_mul(WALK_PER_MATCH) {
                        let page = self.members_in_order(&ids, index, desc, offset, size);
                        return Ok((self.in_order(&page)?, total));
                    }
                }
                return Ok(window(self.matches_of(q, &ids, false)?));
            }
            Candidates::Among(ids) => ids,
            // No index narrows the query: every contact, a step at a time.
            Candidates::All => {
                let mut matched = Vec::new();
                let mut after = None;
                loop {
                    let ids = self.store.ids(index::CONTACTS, after, CHUNK);
                    let Some(&last) = ids.last() else {
                        return Ok(window(matched));
                    };
                    matched.extend(self.matches_of(q, &ids, true)?);
                    after = Some(last);
                }
            }
        };
        Ok(window(self.matches_of(q, &ids, true)?))
    }

    /// The documents of `ids` (those that match, when `check`), with their
    /// position under the query's order, read a chunk at a time.
    fn matches_of(
        &self,
        q: &Query,
        ids: &[u64],
        check: bool,
    ) -> Result<Vec<(SortPosition, Contact)>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK as usize) {
            for c in self.load_many(chunk)? {
                if !check || q.matches(&c) {
                    out.push((q.sort_position(&c), c));
                }
            }
        }
        Ok(out)
    }

    /// The ids of one page of `members` (ascending), walking the index that holds the
    /// query's order. Ties fall in id order as [`SortPosition`] has them, so
    /// the walk goes on to the end of the last key of the page.
    fn members_in_order(
        &self,
        members: &[u64],
        index: &str,
        desc: bool,
        offset: u64,
        size: u32,
    ) -> Vec<u64> {
        let want = offset + u64::from(size);
        let mut found: Vec<(String, u64)> = Vec::new();
        let mut step = 0u32;
        'walk: loop {
            let range = Range {
                index: index.to_owned(),
                reverse: desc,
                offset: step.saturating_mul(WALK_CHUNK),
                limit: WALK_CHUNK,
                ..Range::default()
            };
            let hits = self.store.scan(index::CONTACTS, &range);
            let done = hits.len() < WALK_CHUNK as usize;
            for h in hits {
                if found.len() as u64 >= want && found.last().is_some_and(|(k, _)| *k != h.key) {
                    break 'walk;
                }
                if members.binary_search(&h.id).is_ok() {
                    found.push((h.key, h.id));
                }
            }
            if done {
                break;
            }
            step += 1;
        }
        found.sort_by(|a, b| {
            let keys = if desc { b.0.cmp(&a.0) } else { a.0.cmp(&b.0) };
            keys.then(a.1.cmp(&b.1))
        });
        found
            .into_iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(size as usize)
            .map(|(_, id)| id)
            .collect()
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
        let region = &self.settings.default_region;
        let ids = search::search(self.store, region, q, limit, Typos::Tolerated);
        Ok(self.views(self.in_order(&ids)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::{MemoryDirectory, MemoryStore};
    use crate::model::{Caller, ContactPatch, Dialect, PhoneInput, Settings};
    use crate::query::words;

    fn crm() -> Context {
        Context {
            caller: Caller {
                agent_id: 1,
                first_name: "Agent".into(),
                last_name: "Smith".into(),
                scopes: Vec::new(),
            },
            dialect: Dialect::RelateCrm,
        }
    }

    const FIRST: [&str; 8] = [
        "Jean",
        "Élodie",
        "Anne-Marie",
        "Luc",
        "Martine",
        "Zoë",
        "Jean-Luc",
        "Ann",
    ];
    const LAST: [&str; 7] = [
        "Martin",
        "Dupont",
        "Müller",
        "Le Gall",
        "Martinez",
        "O'Neil",
        "Dupont-Aignan",
    ];
    const CITIES: [&str; 5] = ["Besançon", "Paris", "Lyon", "Saint-Étienne", "Brest"];
    /// Phone forms; `#` is the contact's number, so that each is its own.
    const PHONES: [&str; 6] = [
        "06 12 34 56 #",
        "+33 1 23 45 67 #",
        "0044 20 7946 09#",
        "555-01# ext 12",
        "12#",
        "+1 415 555 26#",
    ];

    /// Contacts whose fields cover every kind of token: accents, hyphens,
    /// letters next to digits, numbers, phones in several forms.
    fn patch(i: usize) -> ContactPatch {
        let first = FIRST[i % FIRST.len()];
        let last = LAST[(i / 2) % LAST.len()];
        let local = words::tokens(&crate::search::fold(first))
            .first()
            .map_or("x", |t| t.0)
            .to_owned();
        let phone = |k: usize| PhoneInput {
            number: PHONES[k % PHONES.len()].replace('#', &format!("{i:02}")),
            kind: None,
            region: None,
        };
        ContactPatch {
            first_name: Some(Some(first.to_owned())),
            last_name: (i % 9 != 4).then(|| Some(last.to_owned())),
            email: (i % 5 != 3).then(|| Some(format!("{local}.x{i}7@company{}.fr", i % 4))),
            role: i.is_multiple_of(3).then(|| Some("Head of R&D".to_owned())),
            street: i
                .is_multiple_of(2)
                .then(|| Some(format!("{} rue de la Paix", 10 + i))),
            city: Some(Some(CITIES[i % CITIES.len()].to_owned())),
            // Separators of one to four characters between words; and a
            // second pair `de la…` beside the street's.
            state: match i % 7 {
                1 => Some(Some("Pays  de - la -- Loire".to_owned())),
                3 => Some(Some("Vallée de Lanfon".to_owned())),
                _ => None,
            },
            postal_code: Some(Some(format!("{:05}", 25000 + 37 * i))),
            user_id: (i % 4 == 1).then_some(Some(7 + (i as i64 % 3))),
            country_id: (i % 6 == 2).then_some(Some(42)),
            phones: Some(vec![phone(i), phone(i + 3)]),
            ..ContactPatch::default()
        }
    }

    /// The page and total the grammar gives over every contact, checked one
    /// by one: what the index must answer too.
    fn by_walking(all: &[Contact], q: &Query, offset: usize, size: usize) -> (Vec<u64>, u64) {
        let mut matched: Vec<&Contact> = all.iter().filter(|c| q.matches(c)).collect();
        matched.sort_by(|a, b| q.compare(a, b));
        let ids = matched
            .iter()
            .skip(offset)
            .take(size)
            .map(|c| c.id)
            .collect();
        (ids, matched.len() as u64)
    }

    /// Every query answered from the indexes gives the page and total of a
    /// walk of every contact, whatever the fields, conditions, order and page.
    #[test]
    fn queries_from_the_index_answer_as_a_walk_does() {
        let settings = Settings::default();
        let store = MemoryStore::new();
        let directory = MemoryDirectory::default();
        let engine = Engine::new(&settings, &store, &directory);
        let cx = crm();
        for i in 0..60 {
            engine.create(&cx, None, patch(i)).expect("create");
        }
        // A removed word stays in the dictionary and finds nothing.
        let gone = engine
            .create(
                &cx,
                None,
                ContactPatch {
                    first_name: Some(Some("Quentinouille".into())),
                    ..ContactPatch::default()
                },
            )
            .expect("create");
        engine.delete(&cx, gone.contact.id).expect("delete");
        let all = engine
            .load_many(&store.ids(index::CONTACTS, None, 1000))
            .unwrap();
        assert_eq!(all.len(), 60);
        let queries = [
            "martin",
            "MARTIN",
            "artin",
            "mar",
            "ma",
            "a",
            "tine",
            "dupont",
            "pont-aig",
            "dupont aignan",
            "dupont-aignan",
            "jean luc",
            "jean martin",
            "JEAN MARTIN",
            "luc martin",
            "an martin",
            "n martin",
            "jean-luc",
            "luc m",
            "e le gall",
            "le gall",
            "le  gall",
            "anne-marie dupont",
            "marie dupont",
            "rue de la paix",
            "de la",
            "e la",
            "la paix",
            "zoe o'n",
            "jean.x",
            "n.x1",
            "head of r&d",
            "of r",
            "pays  de",
            "pays de",
            "de - la",
            "la -- loire",
            "ys  de - l",
            "ays  d",
            "martin 1",
            "an-ma",
            "muller",
            "Müller",
            "elodie",
            "o'neil",
            "neil",
            "besancon",
            "saint-etienne",
            "tienne",
            "rue de la",
            "de",
            "12 rue",
            "paix",
            "r&d",
            "head of",
            "company2",
            "ompany",
            "x17",
            "17@",
            "x1",
            "@company",
            "@",
            "-",
            ".fr",
            "25037",
            "250",
            "0612",
            "06 12",
            "06 12 34 56",
            "06.12.34.56.0",
            "+33 1 23 45 67",
            "1 23 45",
            "34 56 1",
            "0 12",
            "12 rue de",
            "25 0",
            "x17@company0",
            "10 ru",
            "612345678",
            "+33612345678",
            "0033612",
            "01 23",
            "0044",
            "442079",
            "ext",
            "ext 12",
            "555",
            "12",
            "7",
            "42",
            "8",
            "quentinouille",
            "nothing",
            "zz9",
        ];
        let fields = [
            None,
            Some("first_name;last_name"),
            Some("full_name:like"),
            Some("email:=;phones.number:="),
            Some("phones.number:like"),
            Some("city:in;postal_code:="),
            Some("user_id;country_id;id"),
            Some("user_id:like"),
        ];
        let orders = [
            None,
            Some("last_name|desc"),
            Some("city;id|desc"),
            Some("email"),
        ];
        let mut from_index = 0;
        for text in queries {
            for f in fields {
                for (k, order) in orders.iter().enumerate() {
                    let params = QueryParams {
                        q: Some(text.to_owned()),
                        search_fields: f.map(str::to_owned),
                        search_match: (k % 2 == 1).then(|| "and".to_owned()),
                        order: order.map(str::to_owned),
                        per_page: Some("4".to_owned()),
                        page: Some(((k % 3) + 1).to_string()),
                        ..QueryParams::default()
                    };
                    let Ok(q) = query::parse_with_region(&params, "FR") else {
                        continue;
                    };
                    if q.candidates(&store) != Candidates::All {
                        from_index += 1;
                    }
                    let page = engine.query(&cx, &params).expect("query");
                    let got: Vec<u64> = page.items.iter().map(|v| v.contact.id).collect();
                    let want = by_walking(&all, &q, q.offset() as usize, 4);
                    assert_eq!((got, page.total), want, "q={text} fields={f:?} {params:?}");
                }
            }
        }
        // Most of them never walk.
        assert!(from_index > 1000, "{from_index}");
    }

    /// `a.gross`: every word ending in `a` could start the pair, more than a
    /// lookup lists; the pair is read from the words that start with `gross`
    /// (`q:` entries), exactly.
    #[test]
    fn a_pair_that_many_words_could_start_is_read_from_its_second_word() {
        let settings = Settings::default();
        let store = MemoryStore::new();
        let directory = MemoryDirectory::default();
        let engine = Engine::new(&settings, &store, &directory);
        let cx = crm();
        let letters = "bcdfghjklmnpqrstvz";
        for (i, c) in letters.chars().cycle().take(40).enumerate() {
            // Forty words ending in `a`: `Bba`, `Cba`, … `Bca`, …
            let second = letters.chars().nth(i / letters.len()).unwrap();
            let first = format!("{}{second}a", c.to_ascii_uppercase());
            let tail = match i % 3 {
                0 => String::new(),
                1 => i.to_string(),
                _ => "i".to_owned(),
            };
            let email = format!("{}.gross{tail}@example.fr", first.to_lowercase());
            let patch = ContactPatch {
                first_name: Some(Some(first)),
                last_name: Some(Some(if i % 4 == 0 { "Gross" } else { "Klein" }.into())),
                email: Some(Some(email)),
                ..ContactPatch::default()
            };
            engine.create(&cx, None, patch).expect("create");
        }
        let all = engine
            .load_many(&store.ids(index::CONTACTS, None, 1000))
            .unwrap();
        for text in [
            "a.gross",
            "a.gross1",
            "A.GROSS@",
            "ba.gross",
            "a gross",
            "a.grossi@",
        ] {
            let params = QueryParams {
                q: Some(text.to_owned()),
                per_page: Some("5".to_owned()),
                ..QueryParams::default()
            };
            let q = query::parse_with_region(&params, "FR").expect("parse");
            if ["a.gross", "a gross"].contains(&text) {
                assert!(matches!(q.candidates(&store), Candidates::Exact(_)));
            }
            let page = engine.query(&cx, &params).expect("query");
            let got: Vec<u64> = page.items.iter().map(|v| v.contact.id).collect();
            let want = by_walking(&all, &q, 0, 5);
            assert!(want.1 > 0, "{text}");
            assert_eq!((got, page.total), want, "q={text}");
        }
    }

    /// A RelateCRM search of plain text in no given order puts the search
    /// engine's best matches first and the rest in the list's order; every
    /// contact in it matches the grammar (never a typo it does not match).
    /// An order, or a `field:value` query, keeps the list's order.
    #[test]
    fn a_plain_search_puts_the_best_matches_first() {
        let settings = Settings::default();
        let store = MemoryStore::new();
        let directory = MemoryDirectory::default();
        let engine = Engine::new(&settings, &store, &directory);
        let person = |first: &str, last: &str, street: &str| ContactPatch {
            first_name: Some(Some(first.into())),
            last_name: Some(Some(last.into())),
            street: Some(Some(street.into())),
            ..ContactPatch::default()
        };
        let mut ids = Vec::new();
        for p in [
            person("Alice", "Bernard", "3 rue Dupont"),
            person("Zoé", "Dupont", "1 rue Haute"),
            person("Bruno", "Dupontel", "2 rue Basse"),
            person("Carl", "Petit", "4 rue Dupont"),
        ] {
            ids.push(engine.create(&crm(), None, p).expect("create").contact.id);
        }
        let [alice, zoe, bruno, carl] = ids[..] else {
            panic!()
        };
        let search = |q: &str, order: Option<&str>, take: &str| {
            let params = QueryParams {
                q: Some(q.to_owned()),
                order: order.map(str::to_owned),
                take: Some(take.to_owned()),
                ..QueryParams::default()
            };
            let page = engine.query(&crm(), &params).expect("query");
            page.items
                .iter()
                .map(|v| v.contact.id)
                .collect::<Vec<u64>>()
        };
        // The whole last name, then the name it starts, then the street.
        assert_eq!(search("dupont", None, "10"), [zoe, bruno, alice, carl]);
        assert_eq!(search("dupont", Some(""), "10"), [zoe, bruno, alice, carl]);
        assert_eq!(search("dupont", None, "1"), [zoe]);
        // The page in order (Alice, Bruno, Carl) fills what the head leaves.
        assert_eq!(search("dupont", None, "3"), [zoe, bruno, alice]);
        // Given an order, or asked field by field: the list's order.
        assert_eq!(
            search("dupont", Some("first_name"), "10"),
            [alice, bruno, carl, zoe]
        );
        assert_eq!(search("last_name:dupont", None, "10"), [bruno, zoe]);
        // The engine finds Dupont for `dupnot`; the grammar does not.
        assert!(search("dupnot", None, "10").is_empty());
        // A list is never ranked.
        let list = QueryParams {
            q: Some("dupont".to_owned()),
            ..QueryParams::default()
        };
        let page = engine.query(&crm(), &list).expect("list");
        let got: Vec<u64> = page.items.iter().map(|v| v.contact.id).collect();
        assert_eq!(got, [alice, bruno, carl, zoe]);
    }

    /// What the index answers and what it leaves to a walk.
    #[test]
    fn which_queries_the_index_answers() {
        let settings = Settings::default();
        let store = MemoryStore::new();
        let directory = MemoryDirectory::default();
        let engine = Engine::new(&settings, &store, &directory);
        for i in 0..8 {
            engine.create(&crm(), None, patch(i)).expect("create");
        }
        let kind = |text: &str, fields: Option<&str>| {
            let params = QueryParams {
                q: Some(text.to_owned()),
                search_fields: fields.map(str::to_owned),
                ..QueryParams::default()
            };
            match query::parse_with_region(&params, "FR")
                .unwrap()
                .candidates(&store)
            {
                Candidates::Exact(ids) => format!("exact {}", ids.len()),
                Candidates::Among(_) => "among".to_owned(),
                Candidates::All => "all".to_owned(),
            }
        };
        assert_eq!(kind("artin", None), "exact 3");
        assert_eq!(kind("MARTIN", None), "exact 3");
        assert_eq!(kind("a", None), "exact 8");
        // Two words: the pairs of tokens that follow each other.
        assert_eq!(kind("jean martin", None), "exact 1");
        assert_eq!(kind("luc le", None), "exact 1");
        assert_eq!(kind("dupont-aignan", None), "exact 0");
        assert_eq!(kind("dupont aignan", None), "exact 0");
        assert_eq!(kind("rue de", None), "exact 4");
        // A first piece of one or two letters would end thousands of words
        // in a large store: the other pieces find the candidates.
        assert_eq!(kind("e de", None), "among");
        assert_eq!(kind("jean martin", Some("last_name")), "among");
        assert_eq!(kind("rue de la", None), "among");
        assert_eq!(kind("artin", Some("last_name")), "among");
        assert_eq!(kind("0612", None), "among");
        // Runs of one or two digits: a whole token between others, or the
        // start of one at the end; the phones by all the needle's digits.
        assert_eq!(kind("06 12 34 56", None), "among");
        assert_eq!(kind("06 12", None), "among");
        assert_eq!(kind("1 2", Some("phones.number")), "all");
        // No letter and no digit; a lone short digit run; `like` on a number.
        assert_eq!(kind("@", None), "all");
        assert_eq!(kind("12", None), "all");
        assert_eq!(kind("7", Some("user_id:like")), "all");
        // One dictionary word: a slice of its range; several: not.
        let one = |text: &str| {
            query::parse_with_region(
                &QueryParams {
                    q: Some(text.to_owned()),
                    ..QueryParams::default()
                },
                "FR",
            )
            .unwrap()
            .one_word_range(&store)
        };
        assert_eq!(one("upon"), Some(words::token_prefix("dupont")));
        assert_eq!(one("artin"), None);
        assert_eq!(one("dupont aignan"), None);
        assert_eq!(one("jean martin"), None);
    }
}
