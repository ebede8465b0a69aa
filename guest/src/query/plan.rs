//! Which contacts a RelateCRM query may match, read from index entries
//! (the tokens and dictionary of [`super::words`], the phone digit suffixes
//! of the `term` index, the email and E.164 indexes) instead of a walk of
//! every contact.
//!
//! Each clause yields the contacts that may satisfy it, or nothing when no
//! index can answer it (see [`super::words`] for which needles those are);
//! ORed clauses unite, ANDed ones intersect. The answer is usually a
//! superset to check against each document; for a plain `q` of one run of
//! letters, or of two such runs and what lies between them (`jean martin`),
//! over every searchable field it is exact, so a large answer is counted and
//! paged without reading its documents.

use super::words::{self, BY_SUFFIX, BY_WORD, Class, WORDS};
use super::{Clause, Cond, Field, Needle, Query, TEXT_FIELDS};
use crate::index;
use crate::ports::{Range, Store};
use crate::search::terms::{MIN_DIGITS, digits_prefix};

/// Ids, ascending and without repeats: a store's lookups give them in that
/// order, so a union is a merge and membership a binary search.
pub type Ids = Vec<u64>;

/// The contacts a query may match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Candidates {
    /// Exactly the contacts that match: no document needs checking.
    Exact(Ids),
    /// Every match is among these; each is checked against its document.
    Among(Ids),
    /// No index narrows the query: every contact is checked.
    All,
}

/// Keys read per step of a range that is read whole.
const STEP: u32 = 10_000;

/// Every id in a range, a step at a time (by offset: keys repeat).
fn ids_in<S: Store + ?Sized>(store: &S, collection: &str, mut range: Range) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    range.limit = STEP;
    loop {
        let hits = store.scan(collection, &range);
        let done = hits.len() < STEP as usize;
        out.extend(hits.into_iter().map(|h| (h.key, h.id)));
        if done {
            return out;
        }
        range.offset = range.offset.saturating_add(STEP);
    }
}

/// Where a piece sits in its needle, which says how a token must hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    Only,
    First,
    Middle,
    Last,
}

impl Place {
    fn of(at: usize, count: usize) -> Place {
        match (at, count) {
            (_, 1) => Place::Only,
            (0, _) => Place::First,
            (a, n) if a + 1 == n => Place::Last,
            _ => Place::Middle,
        }
    }

    fn holds(self, token: &str, piece: &str) -> bool {
        match self {
            Place::Only => token.contains(piece),
            Place::First => token.ends_with(piece),
            Place::Last => token.starts_with(piece),
            Place::Middle => token == piece,
        }
    }
}

/// Where a needle's digit pieces are looked up: the word index's digit
/// suffixes (text fields) or the `term` index's phone digit suffixes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Digits {
    Text,
    Phones,
}

/// The dictionary words that hold `piece` as `place` says.
fn words_holding<S: Store + ?Sized>(store: &S, piece: &str, place: Place) -> Vec<String> {
    let range = if piece.chars().count() >= words::MIN_SUFFIX {
        Range::prefix(BY_SUFFIX, &words::suffix_prefix(piece), 0)
    } else {
        // A short piece: every word once, tested beside the keys.
        let mut r = Range::prefix(BY_SUFFIX, "d:", 0);
        r.contains = vec![piece.to_owned()];
        r
    };
    let mut out: Vec<String> = ids_in(store, WORDS, range)
        .iter()
        .filter_map(|(key, _)| words::word_of(key))
        .filter(|w| place.holds(w, piece))
        .map(str::to_owned)
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The contacts holding a token that holds `piece`; None when no index
/// answers (a digit piece shorter than [`MIN_DIGITS`]).
fn piece_ids<S: Store + ?Sized>(
    store: &S,
    piece: &str,
    class: Class,
    place: Place,
    digits: Digits,
) -> Option<Ids> {
    match class {
        Class::Letter => {
            let mut out = Vec::new();
            for w in words_holding(store, piece, place) {
                let range = Range::prefix(BY_WORD, &words::token_prefix(&w), 0);
                out.extend(
                    ids_in(store, index::CONTACTS, range)
                        .into_iter()
                        .map(|(_, id)| id),
                );
            }
            Some(normal(out))
        }
        Class::Digit if piece.len() < MIN_DIGITS => None,
        Class::Digit => {
            let range = match digits {
                Digits::Text => Range::prefix(BY_WORD, &format!("w:{piece}"), 0),
                Digits::Phones => Range::prefix(index::BY_TERM, &digits_prefix(piece), 0),
            };
            Some(normal(
                ids_in(store, index::CONTACTS, range)
                    .into_iter()
                    .map(|(_, id)| id)
                    .collect(),
            ))
        }
    }
}

/// The entries of the contacts holding the pair `p`: a first token that
/// holds `p.first` as `place` says, then `p.sep`, then a token starting with
/// `p.second`.
fn pair_hits<S: Store + ?Sized>(store: &S, p: words::Pair<'_>, place: Place) -> Vec<(String, u64)> {
    let firsts = match place {
        Place::Middle => vec![p.first.to_owned()],
        _ => words_holding(store, p.first, place),
    };
    let mut out = Vec::new();
    for first in firsts {
        let range = Range::prefix(BY_WORD, &words::pair_prefix(&first, p.sep, p.second), 0);
        out.extend(ids_in(store, index::CONTACTS, range));
    }
    out
}

fn pair_ids<S: Store + ?Sized>(store: &S, p: words::Pair<'_>, place: Place) -> Ids {
    normal(
        pair_hits(store, p, place)
            .into_iter()
            .map(|(_, id)| id)
            .collect(),
    )
}

/// The contacts whose text holds `folded` somewhere. When two letter pieces
/// of the needle follow each other (with a short separator), those holding
/// each such pair; otherwise those holding the longest answerable piece,
/// narrowed by the next one of 3 or more characters.
fn text_ids<S: Store + ?Sized>(store: &S, folded: &str, digits: Digits) -> Option<Ids> {
    let mut by_pairs: Option<Ids> = None;
    for pair in words::pairs(folded) {
        // The first piece of the needle ends its token; any later one is whole.
        let place = if pair.at == 0 {
            Place::First
        } else {
            Place::Middle
        };
        let ids = pair_ids(store, pair, place);
        by_pairs = Some(match by_pairs {
            None => ids,
            Some(known) => common(known, &ids),
        });
    }
    if by_pairs.is_some() {
        return by_pairs;
    }
    let pieces = words::tokens(folded);
    let mut usable: Vec<(usize, &str, Class)> = pieces
        .iter()
        .enumerate()
        .filter(|(_, (p, k))| *k == Class::Letter || p.len() >= MIN_DIGITS)
        .map(|(at, (p, k))| (at, *p, *k))
        .collect();
    // Longest first; letters before digits of the same length; then in order.
    usable.sort_by_key(|(at, p, k)| {
        (
            std::cmp::Reverse(p.chars().count()),
            *k == Class::Digit,
            *at,
        )
    });
    let mut chosen = usable.iter();
    let &(at, piece, class) = chosen.next()?;
    let mut ids = piece_ids(store, piece, class, Place::of(at, pieces.len()), digits)?;
    if let Some(&(at, piece, class)) = chosen.next()
        && piece.chars().count() >= words::MIN_SUFFIX
        && let Some(more) = piece_ids(store, piece, class, Place::of(at, pieces.len()), digits)
    {
        ids = common(ids, &more);
    }
    Some(ids)
}

/// The contacts whose phone digits (as typed or international) hold `digits`.
fn phone_digit_ids<S: Store + ?Sized>(store: &S, digits: &str) -> Option<Ids> {
    piece_ids(store, digits, Class::Digit, Place::Only, Digits::Phones)
}

/// The contacts that may satisfy one needle of a clause; None when no
/// index answers.
fn needle_ids<S: Store + ?Sized>(store: &S, field: Field, cond: Cond, n: &Needle) -> Option<Ids> {
    let like = cond == Cond::Like;
    match field {
        Field::Email if !like => Some(normal(store.find(
            index::CONTACTS,
            index::BY_EMAIL,
            &n.email_key,
        ))),
        // `=` holds the value, so the candidates of `like` cover it.
        Field::FirstName
        | Field::LastName
        | Field::FullName
        | Field::Email
        | Field::JobTitle
        | Field::Street
        | Field::City
        | Field::State
        | Field::PostalCode => text_ids(store, &n.folded, Digits::Text),
        // Mirrors `phone_like` and `phone_eq`: the text as typed, its digits
        // in either form, the trunk and international prefix rules (a
        // national number is the end of the international digits, or the
        // typed digits when the number does not parse), the E.164 form.
        Field::Phone => {
            let mut ids = text_ids(store, &n.folded, Digits::Phones)?;
            if let Some(d) = n.digits.as_deref() {
                ids.extend(phone_digit_ids(store, d)?);
                let rest = d.strip_prefix("00").or_else(|| d.strip_prefix('0'));
                if let Some(rest) = rest.filter(|r| !r.is_empty()) {
                    ids.extend(phone_digit_ids(store, rest)?);
                }
            }
            if let Some(e) = n.e164.as_deref() {
                ids.extend(store.find(index::CONTACTS, index::BY_E164, e));
            }
            Some(normal(ids))
        }
        _ if like => None,
        Field::Id => Some(
            n.number
                .and_then(|v| u64::try_from(v).ok())
                .into_iter()
                .collect(),
        ),
        Field::UserId | Field::SourceId | Field::CountryId => {
            let kind = match field {
                Field::UserId => "u",
                Field::SourceId => "o",
                _ => "c",
            };
            let key = words::number_key(kind, n.number?);
            Some(
                store
                    .find(index::CONTACTS, BY_WORD, &key)
                    .into_iter()
                    .collect(),
            )
        }
    }
}

fn clause_ids<S: Store + ?Sized>(store: &S, c: &Clause) -> Option<Ids> {
    let mut out = Vec::new();
    for n in &c.needles {
        out.extend(needle_ids(store, c.field, c.cond, n)?);
    }
    Some(normal(out))
}

/// The ids of `ids` that `more` holds too.
fn common(mut ids: Ids, more: &Ids) -> Ids {
    ids.retain(|id| more.binary_search(id).is_ok());
    ids
}

/// Whether folded text is one run of letters and nothing else.
fn is_one_run(folded: &str) -> bool {
    matches!(words::tokens(folded).as_slice(), [(run, Class::Letter)] if *run == folded)
}

/// Sorted, without repeats (a sort of sorted runs is nearly a merge).
fn normal(mut ids: Vec<u64>) -> Ids {
    ids.sort_unstable();
    ids.dedup();
    ids
}

impl Query {
    /// The folded needle of a query that is one needle searched with `like`
    /// in every field the word index holds, ORed (a plain `q`).
    fn plain_needle(&self) -> Option<&str> {
        let first = self.clauses.first()?.needles.first()?;
        let plain = !self.conjunctive_many()
            && self.clauses.len() == TEXT_FIELDS.len()
            && TEXT_FIELDS.iter().all(|f| {
                self.clauses.iter().any(|c| {
                    c.field == *f
                        && c.cond == Cond::Like
                        && matches!(c.needles.as_slice(), [n] if n == first)
                })
            });
        plain.then_some(first.folded.as_str())
    }

    /// The folded needle of a plain `q` of one run of letters.
    fn one_run(&self) -> Option<&str> {
        self.plain_needle().filter(|folded| is_one_run(folded))
    }

    /// The folded needle of a plain `q` that the index answers exactly: one
    /// run of letters (a contact matches when one of its letter tokens holds
    /// the needle) or a pair of them ([`words::pair_needle`]).
    fn exact_needle(&self) -> Option<&str> {
        self.plain_needle()
            .filter(|folded| is_one_run(folded) || words::pair_needle(folded).is_some())
    }

    /// Whether several clauses are ANDed.
    fn conjunctive_many(&self) -> bool {
        self.match_all && self.clauses.len() > 1
    }

    /// The `word` range that holds exactly this query's matches in
    /// first-name order: a plain `q` of one run of letters that one
    /// dictionary word holds (then a page is a slice of the range, and the
    /// total its count).
    pub fn one_word_range<S: Store + ?Sized>(&self, store: &S) -> Option<String> {
        let needle = self.one_run()?;
        match words_holding(store, needle, Place::Only).as_slice() {
            [word] => Some(words::token_prefix(word)),
            _ => None,
        }
    }

    /// Every match of a plain `q` of two words ([`words::pair_needle`]), in
    /// RelateCRM's default order (folded first name, then id), from the
    /// first names its entries carry: no document is read.
    pub fn pair_in_first_name_order<S: Store + ?Sized>(&self, store: &S) -> Option<Ids> {
        let pair = words::pair_needle(self.plain_needle()?)?;
        let mut named: Vec<(String, u64)> = pair_hits(store, pair, Place::First)
            .into_iter()
            .filter_map(|(key, id)| Some((words::pair_first_name(&key)?.to_owned(), id)))
            .collect();
        // One contact may hold the pair in several fields: same name, same id.
        named.sort_unstable();
        named.dedup();
        Some(named.into_iter().map(|(_, id)| id).collect())
    }

    /// The contacts this query may match, from the indexes (see the module).
    pub fn candidates<S: Store + ?Sized>(&self, store: &S) -> Candidates {
        if self.clauses.is_empty() {
            return Candidates::All;
        }
        // A needle of letters gives every text field the same candidates:
        // read them once.
        if let Some(folded) = self.exact_needle() {
            return match text_ids(store, folded, Digits::Text) {
                Some(ids) => Candidates::Exact(ids),
                None => Candidates::All,
            };
        }
        let sets: Vec<Option<Ids>> = self.clauses.iter().map(|c| clause_ids(store, c)).collect();
        if self.conjunctive_many() {
            let mut known: Vec<Ids> = sets.into_iter().flatten().collect();
            known.sort_by_key(Vec::len);
            let mut known = known.into_iter();
            let Some(mut ids) = known.next() else {
                return Candidates::All;
            };
            for more in known {
                ids = common(ids, &more);
            }
            return Candidates::Among(ids);
        }
        let mut ids = Vec::new();
        for set in sets {
            let Some(set) = set else {
                return Candidates::All;
            };
            ids.extend(set);
        }
        Candidates::Among(normal(ids))
    }
}
