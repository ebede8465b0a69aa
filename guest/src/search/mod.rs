//! The search engine: one ranked search over names, emails and phone digits,
//! for every dialect (spec §4 helperiq `/search`).
//!
//! The component keeps the rules: which terms a contact yields
//! ([`terms`]), how a query is read ([`query`]), which words are near
//! ([`typo`]) and how answers rank ([`ranking_rules`]). The posting lists
//! are the store's ordered `term` index: a search is a few exact and prefix
//! range scans, so every store that serves the port serves the search with
//! no capability of its own. Only the documents of the answer are read.

mod fold;
pub mod query;
pub mod ranking_rules;
pub mod terms;
pub mod typo;

use std::collections::HashMap;

pub use fold::{fold, words};
pub use terms::terms;

use crate::email;
use crate::index;
use crate::phone;
use crate::ports::{Range, Store};
use query::Query;
use ranking_rules::{Rank, Scored, match_name, name_tie};
use terms::{NAME_SEP, name_prefix, read_name_key};

/// Keys in one name word's range from which it counts as common (its names
/// are then filtered by the other words, not all read).
const PROBE: u32 = 500;
/// Names weighed when every query word is common.
const CANDIDATES: u32 = 2_000;
/// Hits weighed per email, phone-digit or domain range.
const HITS: u32 = 500;
/// Query words whose orders are tried as a whole name.
const WHOLE_NAME_WORDS: usize = 3;
/// Typo corrections weighed per query word.
const NEAR: usize = 8;

/// Whether a search also reads names within the typo budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typos {
    Tolerated,
    /// For a caller that keeps only what the text matches as typed.
    Refused,
}

/// The ids of the best `limit` contacts for `text`, best first.
pub fn search<S: Store + ?Sized>(
    store: &S,
    default_region: &str,
    text: &str,
    limit: usize,
    typos: Typos,
) -> Vec<u64> {
    let q = Query::read(text);
    let mut best: HashMap<u64, Scored> = HashMap::new();
    let scan = |prefix: &str, limit: u32| {
        store.scan(
            index::CONTACTS,
            &Range::prefix(index::BY_TERM, prefix, limit),
        )
    };
    if q.has_at() {
        let key = format!("e:{}", email::key(q.text));
        for id in store.find(index::CONTACTS, index::BY_TERM, &key) {
            note(&mut best, id, Rank::ExactEmail, &key);
        }
    }
    // Whether every name that holds the query words as typed was read.
    let mut read_every_name = false;
    let probes = q.digit_probes();
    if !probes.is_empty() {
        // By the international form, so a stored number without E.164 is found too.
        if let Ok(n) = phone::normalize(q.text, default_region) {
            for id in store.find(index::CONTACTS, index::BY_E164, &n.international) {
                note(&mut best, id, Rank::ExactPhone, &n.international);
            }
        }
        for (i, digits) in probes.iter().enumerate() {
            for h in scan(&terms::digits_prefix(digits), HITS) {
                note(&mut best, h.id, Rank::Weaker(i as u8), &h.key);
            }
        }
    }
    if !q.words.is_empty() {
        let choices: Vec<Choice> = q.words.iter().map(|w| Choice::typed(w)).collect();
        let (found, all) = names(store, &choices, limit, None);
        read_every_name = all;
        rank_names(&q.words, found, false, &mut best);
    }
    if !q.folded.is_empty() {
        let rank = if q.email_like() {
            Rank::EmailFragment
        } else {
            Rank::EmailPrefix
        };
        for kind in ["e:", "l:"] {
            for h in scan(&format!("{kind}{}", q.folded), HITS) {
                note(&mut best, h.id, rank, &h.key);
            }
        }
    }
    if let Some(domain) = q.domain() {
        let hits = store.scan(
            index::CONTACTS,
            &Range::prefix(index::BY_DOMAIN, domain, HITS),
        );
        for h in hits {
            note(&mut best, h.id, Rank::Weaker(2), &h.key);
        }
    }
    // Names with typos, below every other kind, while there is room.
    if typos == Typos::Tolerated && best.len() < limit && !q.words.is_empty() {
        let choices: Vec<Choice> = q
            .words
            .iter()
            .map(|w| Choice::with_near(w, typo::near_words(store, w)))
            .collect();
        if choices.iter().any(|c| !c.near.is_empty()) {
            let before = read_every_name.then_some(&best);
            let (found, _) = names(store, &choices, limit, before);
            rank_names(&q.words, found, true, &mut best);
        }
    }
    ranking_rules::top(best.into_values().collect(), limit)
}

/// Notes in `best` each name `found` (id, whole folded name) that matches
/// the query `words`, with typos or not.
fn rank_names(
    words: &[String],
    found: Vec<(u64, String)>,
    typos: bool,
    best: &mut HashMap<u64, Scored>,
) {
    for (id, name) in found {
        let name_words: Vec<&str> = name.split(' ').collect();
        if let Some(m) = match_name(words, &name_words, typos) {
            note(best, id, m.rank, &name_tie(&m.matched, &name));
        }
    }
}

/// What one query word may match: words it starts, and near words exactly.
struct Choice {
    typed: String,
    near: Vec<String>,
    /// Near words left out (past [`NEAR`]).
    cut: bool,
}

impl Choice {
    fn typed(word: &str) -> Choice {
        Choice {
            typed: word.to_owned(),
            near: Vec::new(),
            cut: false,
        }
    }

    /// The typed word with its near words, at most [`NEAR`] of them.
    fn with_near(word: &str, mut near: Vec<String>) -> Choice {
        let cut = near.len() > NEAR;
        near.truncate(NEAR);
        Choice {
            typed: word.to_owned(),
            near,
            cut,
        }
    }

    /// The key ranges of the word: its prefix range, then each near word's.
    fn ranges(&self) -> Vec<String> {
        let mut out = vec![name_prefix(&self.typed, false)];
        out.extend(self.near.iter().map(|w| name_prefix(w, true)));
        out
    }
}

/// Candidate names (id, whole folded name) for the query words: for a few
/// words, the names that are the query words in some order; then the names
/// of the rarest word (whose ranges hold fewer than [`PROBE`] keys), else
/// the names of the word with the fewest that hold another word's text. When the
/// first already hold `limit` names made of exactly the typed words (the
/// best a name can rank), the others could only rank below: not read.
///
/// `before`, in the typo pass, holds the contacts the search ranked when it
/// read every name that holds the query words as typed: a name not yet read
/// then needs an edit. Also says whether every name holding the words (or
/// their near words) was read: no read was cut short.
fn names<S: Store + ?Sized>(
    store: &S,
    choices: &[Choice],
    limit: usize,
    before: Option<&HashMap<u64, Scored>>,
) -> (Vec<(u64, String)>, bool) {
    // A read of `budget` keys of a range, but never more than `limit` ids of
    // one name (see `first_of_each`); also how many keys that read covers.
    let scan = |start: &str, budget: u32, contains: Vec<String>| {
        let mut r = Range::prefix(index::BY_TERM, start, 0);
        r.contains = contains;
        first_of_each(store, r, budget, limit)
    };
    let mut out: Vec<(u64, String)> = Vec::new();
    let keep = |hits: Vec<crate::ports::Hit>, out: &mut Vec<(u64, String)>| {
        for h in hits {
            if let Some((_, name)) = read_name_key(&h.key) {
                out.push((h.id, name.to_owned()));
            }
        }
    };
    // The query words as a whole name, in each order (the last one may be
    // the start of the last name word). Each read starts at the key of the
    // spelled name itself, so it reads that name's first `limit` contacts
    // however the read ends; `untried` is the fewest edits of a spelling
    // left out (`None`: none was).
    let mut untried = None;
    let mut tried = false;
    if (2..=WHOLE_NAME_WORDS).contains(&choices.len()) {
        let (spelled, rest) = spellings(choices);
        (tried, untried) = (limit < PROBE as usize, rest);
        for words in spelled {
            for order in orders(words.len()) {
                let name: Vec<&str> = order.iter().map(|i| words[*i].as_str()).collect();
                let start = format!("n:{}{NAME_SEP}{}", name[0], name.join(" "));
                keep(scan(&start, PROBE, Vec::new()).0, &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    // How many names a range holds (run sizes make it cheap).
    let count = |r: &str| {
        let end = crate::ports::prefix_end(r);
        store.count(index::CONTACTS, index::BY_TERM, Some(r), end.as_deref())
    };
    // The names each typed word starts, when the early stop weighs them
    // (the first of each word's ranges, not counted again below).
    let starts: Option<Vec<u64>> =
        (tried && choices.iter().any(|c| !c.near.is_empty()) && !choices.iter().any(|c| c.cut))
            .then(|| {
                choices
                    .iter()
                    .map(|c| count(&name_prefix(&c.typed, false)))
                    .collect()
            });
    if let Some(starts) = &starts
        && enough_with_typos(choices, starts, &out, untried, before, limit)
    {
        return (out, false);
    }
    if choices.iter().all(|c| c.near.is_empty()) {
        let mut typed: Vec<&str> = choices.iter().map(|c| c.typed.as_str()).collect();
        typed.sort_unstable();
        let whole_names = out
            .iter()
            .filter(|(_, name)| {
                let mut words: Vec<&str> = name.split(' ').collect();
                words.sort_unstable();
                words == typed
            })
            .count();
        if whole_names >= limit {
            return (out, false);
        }
    }
    // How many names each word's ranges hold: counts, which run sizes make
    // cheap, so that only the word chosen is read (a single word is read
    // however common: no count).
    let several = choices.len() > 1;
    let sizes: Vec<Vec<u64>> = choices
        .iter()
        .enumerate()
        .filter(|_| several)
        .map(|(i, c)| {
            c.ranges()
                .iter()
                .enumerate()
                .map(|(j, r)| match &starts {
                    Some(starts) if j == 0 => starts[i],
                    _ => count(r),
                })
                .collect()
        })
        .collect();
    // The rarest word whose every range holds fewer than PROBE names (the
    // first such on a tie); a single word is read however common: its first
    // keys are its exact matches, then the words it starts in order.
    let rarest = if !several {
        Some(0)
    } else {
        (0..choices.len())
            .filter(|&i| sizes[i].iter().all(|n| *n < u64::from(PROBE)))
            .min_by_key(|&i| (sizes[i].iter().sum::<u64>(), i))
    };
    let mut all = true;
    match rarest {
        Some(i) => {
            for r in choices[i].ranges() {
                let (hits, covered) = scan(&r, PROBE, Vec::new());
                all &= covered < PROBE;
                keep(hits, &mut out);
            }
        }
        None => {
            // Every word is common: walk the names of the one with the
            // fewest, keeping those that hold the other words' text; on a
            // tie, the longest word.
            let fewest = (0..choices.len())
                .min_by_key(|&i| {
                    let len = choices[i].typed.chars().count();
                    (sizes[i].iter().sum::<u64>(), std::cmp::Reverse(len), i)
                })
                .unwrap_or(0);
            let others: Vec<String> = choices
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != fewest)
                .flat_map(|(_, c)| std::iter::once(c.typed.clone()).chain(c.near.clone()))
                .collect();
            for r in choices[fewest].ranges() {
                let (hits, covered) = scan(&r, CANDIDATES, others.clone());
                all &= covered < CANDIDATES;
                keep(hits, &mut out);
            }
        }
    }
    out.sort();
    out.dedup();
    (out, all)
}

/// The hits a read of `budget` hits of `range` would give, in key order,
/// but only the first `per_key` of each key, and how many hits that read
/// would have given. The ids of one `n:` key hold the same name, so they
/// match the query alike and rank by id: past the first `per_key`, none can
/// reach an answer of `per_key`. The rest of a key is counted, not read (a
/// count reads run sizes): a common name costs a few hits instead of
/// hundreds, and the keys the read covers are the same.
fn first_of_each<S: Store + ?Sized>(
    store: &S,
    mut range: Range,
    budget: u32,
    per_key: usize,
) -> (Vec<crate::ports::Hit>, u32) {
    let mut kept: Vec<crate::ports::Hit> = Vec::new();
    let mut covered: u32 = 0;
    // The key being read, and how many of its ids were read.
    let (mut key, mut read) = (String::new(), 0u32);
    let mut step = u32::try_from(per_key).unwrap_or(u32::MAX).saturating_add(1);
    while covered < budget {
        range.limit = step.min(budget - covered);
        let hits = store.scan(index::CONTACTS, &range);
        let done = hits.len() < range.limit as usize;
        covered = covered.saturating_add(u32::try_from(hits.len()).unwrap_or(u32::MAX));
        for h in hits {
            if h.key == key {
                read += 1;
            } else {
                (key, read) = (h.key.clone(), 1);
            }
            if read as usize <= per_key {
                kept.push(h);
            }
        }
        if done {
            break;
        }
        if read as usize >= per_key {
            // The rest of this key, counted. Just past it: name keys hold
            // words and spaces, never a control character (and PostgreSQL
            // text never holds NUL).
            let next = format!("{key}\u{1}");
            let all = store.count(index::CONTACTS, &range.index, Some(&key), Some(&next));
            let rest = all.saturating_sub(u64::from(read));
            covered = covered.saturating_add(u32::try_from(rest).unwrap_or(u32::MAX));
            range.start = Some(next);
            range.offset = 0;
        } else {
            range.start = Some(key.clone());
            range.offset = read;
        }
        step = step.saturating_mul(2).min(512);
    }
    (kept, covered.min(budget))
}

/// The ways to spell the query words (as typed, or with near words) with
/// the fewest edits, at most [`NEAR`] of them, and the fewest edits of a
/// spelling left out (`None`: none was). A near word is one edit or two.
fn spellings(choices: &[Choice]) -> (Vec<Vec<String>>, Option<usize>) {
    // Each word's options with their edits.
    let options: Vec<Vec<(&String, usize)>> = choices
        .iter()
        .map(|c| {
            std::iter::once((&c.typed, 0))
                .chain(c.near.iter().map(|w| (w, edits(&c.typed, w))))
                .collect()
        })
        .collect();
    let mut all: Vec<(usize, Vec<String>)> = vec![(0, Vec::new())];
    for word in &options {
        all = all
            .iter()
            .flat_map(|(n, so_far)| {
                word.iter().map(move |(o, e)| {
                    let mut next = so_far.clone();
                    next.push((*o).clone());
                    (n + e, next)
                })
            })
            .collect();
    }
    // Fewest edits first; on a tie, as typed, then the near words' order.
    all.sort_by_key(|(n, _)| *n);
    let rest = all.get(NEAR).map(|(n, _)| *n);
    all.truncate(NEAR);
    (all.into_iter().map(|(_, words)| words).collect(), rest)
}

/// The edits from a query word to one of its near words: one or two.
fn edits(typed: &str, near: &str) -> usize {
    if typo::within_edits(typed, near, 1) {
        1
    } else {
        2
    }
}

/// Whether `limit` of the names found so far rank above every name not yet
/// read, so that the typo pass may stop. The names that are exactly a
/// spelling tried are read (their first `limit` contacts), so a name not
/// yet read is a spelling left out (`untried`: at least that many edits),
/// or has a word left over, or a query word only starts one of its words,
/// or needs a word no near list holds. At best it ranks as [`Rank::Typo`]
/// with the fewest edits any name can need and one word over ([`Rank::Name`]
/// when no edit is needed), or as the whole name of a spelling left out. A
/// whole name two edits from a word the near lists left out is the
/// exception, weighed only when it is read (near lists cut short are not
/// weighed here). `starts` holds how many names each typed word starts.
/// With `before` (see [`names`]), a name not yet read needs an edit, and the
/// contacts ranked before count: they rank above any name with one.
fn enough_with_typos(
    choices: &[Choice],
    starts: &[u64],
    found: &[(u64, String)],
    untried: Option<usize>,
    before: Option<&HashMap<u64, Scored>>,
    limit: usize,
) -> bool {
    let typed: Vec<String> = choices.iter().map(|c| c.typed.clone()).collect();
    // The fewest edits each query word needs: none when some name word
    // starts with it, else its nearest near word's (a near word is within
    // the budget, so one edit or two).
    let mut fewest = 0;
    for (c, n) in choices.iter().zip(starts) {
        if *n == 0 {
            fewest += c.near.iter().map(|w| edits(&c.typed, w)).min().unwrap_or(2);
        }
    }
    if before.is_some() {
        fewest = fewest.max(1);
    }
    let rank = |edits: usize, exactness| match edits {
        0 => Rank::Name(exactness),
        n => Rank::Typo(n, exactness),
    };
    let mut bound = rank(fewest, ranking_rules::Exactness::Words { extra: 1 });
    if let Some(n) = untried {
        bound = bound.min(rank(n, ranking_rules::Exactness::Words { extra: 0 }));
    }
    // Contacts ranked before count when a name not yet read needs an edit.
    let counted = before.filter(|_| fewest > 0);
    let above = found
        .iter()
        .filter(|(id, name)| {
            let words: Vec<&str> = name.split(' ').collect();
            !counted.is_some_and(|b| b.contains_key(id))
                && match_name(&typed, &words, true).is_some_and(|m| m.rank < bound)
        })
        .count();
    counted.map_or(0, HashMap::len) + above >= limit
}

/// Every order of `n` items (n ≤ 3).
fn orders(n: usize) -> Vec<Vec<usize>> {
    match n {
        2 => vec![vec![0, 1], vec![1, 0]],
        3 => vec![
            vec![0, 1, 2],
            vec![0, 2, 1],
            vec![1, 0, 2],
            vec![1, 2, 0],
            vec![2, 0, 1],
            vec![2, 1, 0],
        ],
        _ => vec![(0..n).collect()],
    }
}

/// Keeps a contact's best match.
fn note(best: &mut HashMap<u64, Scored>, id: u64, rank: Rank, tie: &str) {
    let s = Scored {
        rank,
        tie: tie.to_owned(),
        id,
    };
    match best.get(&id) {
        Some(old) if *old <= s => {}
        _ => {
            best.insert(id, s);
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::memory::{MemoryDirectory, MemoryStore};
    use crate::model::{ContactPatch, Dialect, Settings};
    use crate::service::Engine;

    /// A store holding a contact created through the engine for each patch.
    pub(crate) fn store_of(patches: impl IntoIterator<Item = ContactPatch>) -> MemoryStore {
        let (settings, store, directory) = (
            Settings::default(),
            MemoryStore::new(),
            MemoryDirectory::default(),
        );
        let engine = Engine::new(&settings, &store, &directory);
        let cx = crate::service::tests::cx(Dialect::RelateCrm, &[]);
        for patch in patches {
            engine.create(&cx, None, patch).expect("create");
        }
        store
    }

    /// A patch of a first and last name.
    pub(crate) fn named(first: &str, last: &str) -> ContactPatch {
        ContactPatch {
            first_name: Some(Some(first.into())),
            last_name: Some(Some(last.into())),
            ..ContactPatch::default()
        }
    }

    /// A store of `n` contacts for each (first, last, n).
    fn people(list: &[(&str, &str, usize)]) -> MemoryStore {
        store_of(
            list.iter()
                .flat_map(|(first, last, n)| std::iter::repeat_n(named(first, last), *n)),
        )
    }

    /// The ids of the best `limit` contacts once the names `found` are
    /// matched to the query `words` and ranked among those of `best`.
    fn top_of(
        words: &[String],
        found: Vec<(u64, String)>,
        typos: bool,
        mut best: HashMap<u64, Scored>,
        limit: usize,
    ) -> Vec<u64> {
        rank_names(words, found, typos, &mut best);
        ranking_rules::top(best.into_values().collect(), limit)
    }

    /// Capping each key gives the first ids of each key that a plain read
    /// of the same budget gives, and says how many that read gives.
    #[test]
    fn first_of_each_is_a_plain_read_capped_per_key() {
        use crate::ports::{IndexEntry, Put, Write};
        let store = MemoryStore::new();
        let runs = [
            ("n:a\u{1f}x", 10),
            ("n:a\u{1f}y", 3),
            ("n:a\u{1f}yz", 5),
            ("n:b\u{1f}q", 7),
        ];
        let mut id = 0;
        for (key, n) in runs {
            for _ in 0..n {
                id += 1;
                let put = Put {
                    collection: index::CONTACTS.into(),
                    id,
                    body: "{}".into(),
                    entries: vec![IndexEntry {
                        index: index::BY_TERM.into(),
                        key: key.into(),
                    }],
                    expected_version: None,
                    exclusive: Vec::new(),
                };
                store.commit(vec![Write::Put(put)], Vec::new()).unwrap();
            }
        }
        for contains in [Vec::new(), vec!["y".to_owned()]] {
            for budget in [1, 2, 3, 5, 10, 11, 13, 14, 17, 18, 30] {
                for per_key in [1, 2, 3, 5, 10, 100] {
                    let mut r = Range::prefix(index::BY_TERM, "n:a", budget);
                    r.contains = contains.clone();
                    let plain = store.scan(index::CONTACTS, &r);
                    let mut want: Vec<(String, u64)> = Vec::new();
                    for h in &plain {
                        if want.iter().filter(|(k, _)| *k == h.key).count() < per_key {
                            want.push((h.key.clone(), h.id));
                        }
                    }
                    let (got, covered) = first_of_each(&store, r, budget, per_key);
                    let got: Vec<(String, u64)> = got.into_iter().map(|h| (h.key, h.id)).collect();
                    let case = format!("{contains:?} budget {budget} per key {per_key}");
                    assert_eq!(got, want, "{case}");
                    assert_eq!(covered as usize, plain.len(), "{case}");
                }
            }
        }
    }

    /// Enough names made of exactly the typed words end the read early, and
    /// the answer is the same as when every candidate name is read.
    #[test]
    fn whole_names_spare_the_wide_read_without_changing_the_answer() {
        let store = people(&[
            ("Jean-Pierre", "Martin", 3),
            ("Jean", "Martin", 8),
            ("Martin", "Jean", 3),
            ("Jean", "Martinez", 3),
            ("Jean", "Martin Durand", 2),
        ]);
        let q = Query::read("jean martin");
        let choices: Vec<Choice> = q.words.iter().map(|w| Choice::typed(w)).collect();
        let top = |limit: usize, read: usize| {
            let found = names(&store, &choices, read, None).0;
            top_of(&q.words, found, false, HashMap::new(), limit)
        };
        assert!(
            names(&store, &choices, 10, None).0.len()
                < names(&store, &choices, usize::MAX, None).0.len()
        );
        for limit in [1, 5, 10, 11, 20] {
            assert_eq!(top(limit, limit), top(limit, usize::MAX), "{limit}");
        }
    }

    /// The best `limit` ids of `names` for a query, with typos, reading as
    /// if the answer were `read` long.
    fn top_with_typos(store: &MemoryStore, text: &str, limit: usize, read: usize) -> Vec<u64> {
        let q = Query::read(text);
        let choices: Vec<Choice> = q
            .words
            .iter()
            .map(|w| Choice::with_near(w, typo::near_words(store, w)))
            .collect();
        let found = names(store, &choices, read, None).0;
        top_of(&q.words, found, true, HashMap::new(), limit)
    }

    /// When the first pass read every name holding the typed words, the
    /// typo pass counts what it ranked and stops once names one edit away
    /// fill the answer, with the same answer as a read of everything.
    #[test]
    fn a_whole_first_pass_lets_the_typo_pass_stop_at_one_edit() {
        let store = people(&[
            ("Jerome", "Belmont", 3),
            ("Jerome", "Bermont", 20),
            ("Martin", "Jerome Bermont", 1),
        ]);
        let q = Query::read("jerome belmont");
        let typed: Vec<Choice> = q.words.iter().map(|w| Choice::typed(w)).collect();
        let (first, all) = names(&store, &typed, 10, None);
        assert!(all, "the first pass read every Belmont");
        let mut best = HashMap::new();
        rank_names(&q.words, first, false, &mut best);
        assert_eq!(best.len(), 3);
        let near: Vec<Choice> = q
            .words
            .iter()
            .map(|w| Choice::with_near(w, typo::near_words(&store, w)))
            .collect();
        let (read, _) = names(&store, &near, 10, Some(&best));
        assert!(!read.iter().any(|(_, n)| n == "martin jerome bermont"));
        let top = |found| top_of(&q.words, found, true, best.clone(), 10);
        assert_eq!(top(read), top(names(&store, &near, usize::MAX, None).0));
    }

    /// A typo one edit from two names shows both near the top, each round
    /// of spellings in the tie order (rule 5), where the tie order alone
    /// filled the answer with the first name. Names without typos keep it.
    #[test]
    fn a_typo_that_could_mean_two_names_shows_both() {
        let store = people(&[("Jean", "Chamelle", 25), ("Jean", "Chamville", 3)]);
        let chamelle = 1..=25;
        let chamville = 26..=28;
        let got = search(&store, "FR", "jean chamille", 20, Typos::Tolerated);
        assert_eq!(got.len(), 20);
        assert_eq!(&got[..7], [1, 26, 2, 27, 3, 28, 4]);
        assert!(got[7..].iter().all(|id| chamelle.contains(id)));
        // Without a typo, the tie order: every Chamelle by id, then Chamville.
        let got = search(&store, "FR", "jean cham", 30, Typos::Tolerated);
        assert_eq!(got, chamelle.chain(chamville).collect::<Vec<u64>>());
    }

    /// Spellings come fewest edits first, and say how near the first one
    /// left out is; a bound on names not read takes it in.
    #[test]
    fn spellings_with_the_fewest_edits_are_tried_first() {
        let near = |words: &[&str]| words.iter().map(|w| w.to_string()).collect();
        let choices = [
            Choice::with_near("anna", near(&["ana", "anne"])),
            Choice::with_near("debiski", near(&["debewski", "debinski", "debski"])),
        ];
        let (spelled, rest) = spellings(&choices);
        let spelled: Vec<String> = spelled.iter().map(|w| w.join(" ")).collect();
        assert_eq!(
            spelled,
            [
                "anna debiski",
                "anna debinski",
                "anna debski",
                "ana debiski",
                "anne debiski",
                "anna debewski",
                "ana debinski",
                "ana debski",
            ]
        );
        // Left out: anne debinski, anne debski (2 edits), then 3.
        assert_eq!(rest, Some(2));
        // Whole names two edits away end the read only when no spelling
        // left out is as near.
        // No name starts with `anna` or `debiski`.
        let found: Vec<(u64, String)> = vec![(1, "ana debinski".into()), (2, "ana debski".into())];
        assert!(enough_with_typos(
            &choices,
            &[0, 0],
            &found,
            Some(3),
            None,
            2
        ));
        assert!(!enough_with_typos(
            &choices,
            &[0, 0],
            &found,
            Some(2),
            None,
            2
        ));
        assert!(!enough_with_typos(
            &choices,
            &[0, 0],
            &found,
            Some(3),
            None,
            3
        ));
    }

    /// The typo pass stops once enough whole names at the fewest edits are
    /// read, with the same answer; names with fewer edits and a word left
    /// over still come first when the whole names need more edits.
    #[test]
    fn whole_names_with_typos_spare_the_wide_read_only_when_nothing_could_rank_above() {
        let store = people(&[
            ("Jean", "Dupont", 12),
            ("Jean", "Dupond", 3),
            ("Martin", "Jean Dupont", 2),
            ("Jean-Luc", "Dupont", 2),
        ]);
        let q = Query::read("jean dupontt");
        let choices: Vec<Choice> = q
            .words
            .iter()
            .map(|w| Choice::with_near(w, typo::near_words(&store, w)))
            .collect();
        // The names with a word over are read only when the read goes on.
        let reads_over = |read| {
            names(&store, &choices, read, None)
                .0
                .iter()
                .any(|(_, name)| name == "martin jean dupont")
        };
        assert!(!reads_over(10) && reads_over(usize::MAX));
        for limit in [1, 5, 10, 11, 20] {
            let top = |read| top_with_typos(&store, "jean dupontt", limit, read);
            assert_eq!(top(limit), top(usize::MAX), "{limit}");
        }
        // Whole names two edits away do not end the read: a name one edit
        // away with a word left over ranks above them.
        let store = people(&[("Jean", "Dupond", 12), ("Martin", "Jean Dupont", 1)]);
        assert_eq!(top_with_typos(&store, "jean dupontt", 10, 10)[0], 13);
    }
}
