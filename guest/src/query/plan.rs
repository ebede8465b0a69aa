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
/// The most pieces a needle's first lookup is narrowed by.
const NARROWINGS: usize = 3;
/// Candidates few enough that reading their documents costs less than
/// another lookup.
const CHECKED_CHEAPLY: usize = 64;
/// How many entries per candidate a pair range may hold and still be read
/// to narrow them.
const PAIR_READ: u64 = 8;
/// The most ranges of one pair that are counted before choosing which pair
/// to read first.
const COUNTED_RANGES: usize = 4;
/// Documents checked in the time one range is read (about 50 µs against
/// 25 µs at a million contacts).
const RANGE_IN_CHECKS: usize = 2;

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

/// The ids of range entries, sorted and without repeats.
fn ids_of(hits: Vec<(String, u64)>) -> Ids {
    normal(hits.into_iter().map(|(_, id)| id).collect())
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

/// The `word` entries (key, id) of the contacts holding a letter token that
/// holds `piece` as `place` says. The tokens that start with the piece sort
/// together (`w:{token}␟…`): one range reads them all; each other word the
/// dictionary names is a range of its own.
fn token_hits<S: Store + ?Sized>(store: &S, piece: &str, place: Place) -> Vec<(String, u64)> {
    let starts = matches!(place, Place::Only | Place::Last);
    let mut out = Vec::new();
    if starts {
        let range = Range::prefix(BY_WORD, &format!("w:{piece}"), 0);
        out.extend(ids_in(store, index::CONTACTS, range));
    }
    if place == Place::Last {
        return out;
    }
    for w in words_holding(store, piece, place) {
        if starts && w.starts_with(piece) {
            continue;
        }
        let range = Range::prefix(BY_WORD, &words::token_prefix(&w), 0);
        out.extend(ids_in(store, index::CONTACTS, range));
    }
    out
}

/// How a digit piece is found in the word index's keys (`w:{suffix}` for
/// each suffix of 3 or more digits of a text field's digit token, the whole
/// token when shorter), by where it sits in its needle: None when no key
/// answers it (a short piece that must end a token, or hold anywhere).
fn text_digit_lookup(piece: &str, place: Place) -> Option<(String, bool)> {
    let key = format!("w:{piece}");
    let short = piece.len() < MIN_DIGITS;
    match place {
        // A token ending with the piece holds it as a suffix entry; a short
        // piece in the middle is a whole token, which is its own entry.
        Place::First if !short => Some((key, true)),
        Place::Middle => Some((key, true)),
        // Every token is a prefix of one of its entries.
        Place::Last => Some((key, false)),
        Place::Only if !short => Some((key, false)),
        Place::First | Place::Only => None,
    }
}

/// The contacts holding a token that holds `piece`; None when no index
/// answers (see [`text_digit_lookup`]; phone digits need [`MIN_DIGITS`]).
fn piece_ids<S: Store + ?Sized>(
    store: &S,
    piece: &str,
    class: Class,
    place: Place,
    digits: Digits,
) -> Option<Ids> {
    let found = |range: Range| ids_of(ids_in(store, index::CONTACTS, range));
    match (class, digits) {
        (Class::Letter, _) => Some(ids_of(token_hits(store, piece, place))),
        (Class::Digit, Digits::Text) => match text_digit_lookup(piece, place)? {
            (key, true) => Some(normal(store.find(index::CONTACTS, BY_WORD, &key))),
            (key, false) => Some(found(Range::prefix(BY_WORD, &key, 0))),
        },
        (Class::Digit, Digits::Phones) if piece.len() < MIN_DIGITS => None,
        (Class::Digit, Digits::Phones) => Some(found(Range::prefix(
            index::BY_TERM,
            &digits_prefix(piece),
            0,
        ))),
    }
}

/// Whether the index can answer a piece (see [`piece_ids`]), and whether
/// its answer is narrow enough to intersect with: a piece of 3 or more
/// characters, or a digit piece read by its exact key.
fn answerable(piece: &str, class: Class, place: Place, digits: Digits) -> Option<bool> {
    let long = piece.chars().count() >= words::MIN_SUFFIX;
    match (class, digits) {
        (Class::Letter, _) => Some(long),
        (Class::Digit, Digits::Text) => {
            text_digit_lookup(piece, place).map(|(_, exact)| exact || long)
        }
        (Class::Digit, Digits::Phones) => (piece.len() >= MIN_DIGITS).then_some(true),
    }
}

/// The ranges of the contacts holding the pair `p`: a first token that
/// holds `p.first` as `first` says (ends with it, or is it), then `p.sep`,
/// then a token that holds `p.second` as `second` says (starts with it, or
/// is it). Read from the first token (`p:`, a range per word that ends with
/// the first piece) or from the second (`q:`, a range per word that starts
/// with the second), whichever takes fewer ranges. None when neither can be
/// listed without walking the dictionary: a piece of one or two letters
/// that a word must end (or start) with, on each side.
fn pair_ranges<S: Store + ?Sized>(
    store: &S,
    p: words::Pair<'_>,
    first: Place,
    second: Place,
) -> Option<Vec<String>> {
    let short = |piece: &str| piece.chars().count() < words::MIN_SUFFIX;
    let forward = match first {
        Place::Middle => Some(vec![p.first.to_owned()]),
        _ if short(p.first) => None,
        _ => Some(words_holding(store, p.first, first)),
    };
    // A short list of first words is read as it is.
    if let Some(firsts) = &forward
        && firsts.len() <= 1
    {
        return Some(forward_prefixes(p, firsts));
    }
    let backward = match second {
        Place::Middle => Some(vec![p.second.to_owned()]),
        _ if short(p.second) => None,
        _ => Some(words_holding(store, p.second, second)),
    };
    match (forward, backward) {
        (Some(firsts), Some(seconds)) if seconds.len() < firsts.len() => {
            Some(backward_prefixes(p, first, &seconds))
        }
        (Some(firsts), _) => Some(forward_prefixes(p, &firsts)),
        (None, Some(seconds)) => Some(backward_prefixes(p, first, &seconds)),
        (None, None) => None,
    }
}

/// `p:` ranges: each first word, the separator, then the second piece.
fn forward_prefixes(p: words::Pair<'_>, firsts: &[String]) -> Vec<String> {
    firsts
        .iter()
        .map(|w| words::pair_prefix(w, p.sep, p.second))
        .collect()
}

/// `q:` ranges: each second word, the separator, then the first piece
/// reversed (and its end, when it is a whole token).
fn backward_prefixes(p: words::Pair<'_>, first: Place, seconds: &[String]) -> Vec<String> {
    let mut tail = words::reversed(p.first);
    if first == Place::Middle {
        tail.push(words::SEP);
    }
    seconds
        .iter()
        .map(|w| words::reversed_pair_prefix(w, p.sep, &tail))
        .collect()
}

/// The entries of the ranges of [`pair_ranges`].
fn pair_hits<S: Store + ?Sized>(store: &S, prefixes: &[String]) -> Vec<(String, u64)> {
    let mut out = Vec::new();
    for prefix in prefixes {
        out.extend(ids_in(
            store,
            index::CONTACTS,
            Range::prefix(BY_WORD, prefix, 0),
        ));
    }
    out
}

/// How many entries the ranges hold (a count is an order statistic: no
/// entry is read).
fn entries_in<S: Store + ?Sized>(store: &S, prefixes: &[String]) -> u64 {
    prefixes
        .iter()
        .map(|prefix| {
            let end = crate::ports::prefix_end(prefix);
            store.count(index::CONTACTS, BY_WORD, Some(prefix), end.as_deref())
        })
        .sum()
}

/// Whether reading a pair's ranges to narrow `candidates` costs less than
/// checking their documents: `entries` when counted, else by its number of
/// ranges (a range read costs about as much as [`RANGE_IN_CHECKS`]
/// documents checked).
fn worth_reading(entries: Option<u64>, ranges: usize, candidates: usize) -> bool {
    candidates > CHECKED_CHEAPLY
        && match entries {
            Some(n) => n <= PAIR_READ * candidates as u64,
            None => ranges * RANGE_IN_CHECKS <= candidates,
        }
}

/// The contacts whose text holds `folded` somewhere, and whether they are
/// exactly those when the needle is one run of letters or one pair. When
/// two letter pieces of the needle follow each other (with a short
/// separator), those holding each such pair, the smallest pair first;
/// otherwise those holding the longest answerable piece, narrowed by the
/// next narrow ones ([`answerable`]).
fn text_ids<S: Store + ?Sized>(store: &S, folded: &str, digits: Digits) -> Option<(Ids, bool)> {
    let pairs = words::pairs(folded);
    let pieces = words::tokens(folded);
    let count = pieces.len();
    // Each pair's ranges, and how many entries they hold when that is worth
    // asking: only to choose among several pairs, and only for a pair of a
    // few ranges (a count costs a call, as reading a small range does).
    let mut plans: Vec<(Option<u64>, Vec<String>)> = Vec::new();
    for pair in &pairs {
        // The first piece of the needle ends its token; any later one is whole.
        let first = if pair.at == 0 {
            Place::First
        } else {
            Place::Middle
        };
        // The second piece starts its token when it ends the needle.
        let second = if pair.at + 2 == count {
            Place::Last
        } else {
            Place::Middle
        };
        if let Some(prefixes) = pair_ranges(store, *pair, first, second) {
            plans.push((None, prefixes));
        }
    }
    if plans.len() > 1 {
        for (n, prefixes) in &mut plans {
            if prefixes.len() <= COUNTED_RANGES {
                *n = Some(entries_in(store, prefixes));
            }
        }
    }
    // Counted ones first, smallest first; then by how many ranges.
    plans.sort_by_key(|(n, prefixes)| (n.is_none(), *n, prefixes.len()));
    let mut by_pairs: Option<Ids> = None;
    for (n, prefixes) in &plans {
        let ids = match by_pairs {
            None => ids_of(pair_hits(store, prefixes)),
            Some(known) if worth_reading(*n, prefixes.len(), known.len()) => {
                common(known, &ids_of(pair_hits(store, prefixes)))
            }
            Some(known) => {
                by_pairs = Some(known);
                break;
            }
        };
        by_pairs = Some(ids);
    }
    if let Some(ids) = by_pairs {
        // One pair, read: exactly the contacts that hold it.
        return Some((ids, pairs.len() == 1));
    }
    let mut usable: Vec<(usize, &str, Class, bool)> = pieces
        .iter()
        .enumerate()
        .filter_map(|(at, &(p, k))| {
            let narrow = answerable(p, k, Place::of(at, count), digits)?;
            Some((at, p, k, narrow))
        })
        .collect();
    // Longest first; letters before digits of the same length; then in order.
    usable.sort_by_key(|&(at, p, k, _)| {
        (std::cmp::Reverse(p.chars().count()), k == Class::Digit, at)
    });
    let mut chosen = usable.iter();
    let &(at, piece, class, _) = chosen.next()?;
    let mut ids = piece_ids(store, piece, class, Place::of(at, count), digits)?;
    // Narrowed by the next narrow pieces, while checking the documents left
    // would cost more than another lookup.
    for &(at, piece, class, _) in chosen.filter(|u| u.3).take(NARROWINGS) {
        if ids.len() <= CHECKED_CHEAPLY {
            break;
        }
        if let Some(more) = piece_ids(store, piece, class, Place::of(at, count), digits) {
            ids = common(ids, &more);
        }
    }
    Some((ids, is_one_run(folded)))
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
        | Field::PostalCode => text_ids(store, &n.folded, Digits::Text).map(|(ids, _)| ids),
        // Mirrors `phone_like` and `phone_eq`: the text as typed, its digits
        // in either form, the trunk and international prefix rules (a
        // national number is the end of the international digits, or the
        // typed digits when the number does not parse), the E.164 form.
        Field::Phone => {
            let mut ids = match n.digits.as_deref() {
                // A number whose text holds the needle holds its digits (folding
                // leaves digits alone): the digit lookups below find it.
                Some(d) if d.len() >= MIN_DIGITS => Vec::new(),
                _ => text_ids(store, &n.folded, Digits::Phones)?.0,
            };
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

    /// One page of the matches of a plain `q` that the index answers
    /// exactly (one run of letters, or two words: [`words::pair_needle`]),
    /// in RelateCRM's default order (folded first name, then id), and their
    /// number, from the first names their entries carry: no document is read.
    pub fn in_first_name_order<S: Store + ?Sized>(
        &self,
        store: &S,
        offset: usize,
        size: usize,
    ) -> Option<(Ids, u64)> {
        let needle = self.plain_needle()?;
        let (hits, first_name): (_, fn(&str) -> Option<&str>) = if is_one_run(needle) {
            (
                token_hits(store, needle, Place::Only),
                words::token_first_name,
            )
        } else {
            let pair = words::pair_needle(needle)?;
            let prefixes = pair_ranges(store, pair, Place::First, Place::Last)?;
            (pair_hits(store, &prefixes), words::pair_first_name)
        };
        let mut named: Vec<(&str, u64)> = hits
            .iter()
            .filter_map(|(key, id)| Some((first_name(key)?, *id)))
            .collect();
        // One contact may hold the needle in several words or fields (same
        // name, same id): counted once.
        named.sort_unstable_by_key(|&(_, id)| id);
        named.dedup_by_key(|&mut (_, id)| id);
        let total = named.len() as u64;
        // Only the page is put in order.
        let end = offset.saturating_add(size).min(named.len());
        if end == 0 || offset >= end {
            return Some((Vec::new(), total));
        }
        named.select_nth_unstable(end - 1);
        named.truncate(end);
        named.sort_unstable();
        Some((named[offset..].iter().map(|&(_, id)| id).collect(), total))
    }

    /// The contacts this query may match, from the indexes (see the module).
    pub fn candidates<S: Store + ?Sized>(&self, store: &S) -> Candidates {
        if self.clauses.is_empty() {
            return Candidates::All;
        }
        // A plain `q` gives every text field the same candidates: read them
        // once. A needle of letters is found in phones by the same tokens;
        // one with digits adds the phone field's own lookups.
        if let Some(folded) = self.plain_needle() {
            let Some((mut ids, exact)) = text_ids(store, folded, Digits::Text) else {
                return Candidates::All;
            };
            if self.exact_needle().is_some() {
                return if exact {
                    Candidates::Exact(ids)
                } else {
                    Candidates::Among(ids)
                };
            }
            for phone in self.clauses.iter().filter(|c| c.field == Field::Phone) {
                let Some(more) = clause_ids(store, phone) else {
                    return Candidates::All;
                };
                ids.extend(more);
            }
            return Candidates::Among(normal(ids));
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
