//! The `word` index and the word dictionary: what lets RelateCRM `q`,
//! `search_fields` and `like` find their matches from index entries instead
//! of a walk of every contact (spec §4 relatecrm: `LIKE '%q%'`, folded, ORed
//! over the searchable fields).
//!
//! A folded value is cut into *tokens*: maximal runs of letters, and maximal
//! runs of digits (a letter next to a digit ends a token too, so `dupont42`
//! is `dupont` and `42`). A needle is cut the same way into *pieces*. When a
//! value contains the needle, each piece lies inside one token of the value:
//! the first piece ends a token, the last starts one, any other is a whole
//! token, and a needle of one piece is inside a token. So the contacts that
//! may match are those holding a token that holds the longest piece.
//!
//! Entries, in the contacts' `word` index:
//! - `w:{token}␟{first name}` for each letter token of a searchable text
//!   field (first and last name, which make the full name, email, job title,
//!   street, city, state, postal code) and of each phone as typed; the folded
//!   first name after the token (the `sort_first` key) puts the contacts of
//!   one token in RelateCRM's default order, so a plain `q` of one word is
//!   counted and paged by that range alone;
//! - `w:{suffix}` for every suffix of 3 or more digits of each digit token of
//!   those text fields (and the whole token when shorter), so "a digit run
//!   holds `p`" is a prefix scan; phone digits are the `term` index's (`s:`);
//! - `p:{a}␟{separator}␟{b}␟{first name}` for each two letter tokens that
//!   follow each other in one of those fields or in the full name, with the
//!   text between them (at most [`MAX_SEP`] characters): a needle of two
//!   words, `jean martin` or `jean.martin`, is then exactly the contacts of a
//!   few prefix scans, without reading a document (see [`pair_needle`]), and
//!   the first name lets those keys alone put them in RelateCRM's default order;
//! - `q:{b}␟{separator}␟{a reversed}␟{first name}` for each such pair too,
//!   read from its second token: a needle whose first piece ends thousands
//!   of words (`s.wagner`, `l.weber@`) is then a prefix scan per word that
//!   starts with its second piece;
//! - `u:`, `o:`, `c:` and the decimal `user_id`, `source_id`, `country_id`.
//!
//! Letter tokens repeat across contacts (names, streets, cities), so finding
//! the ones that hold a piece goes through a dictionary: the `words`
//! collection holds one document per distinct letter token ever stored, with
//! `d:{word}` and `x:{suffix}␟{word}` for every suffix of 3 or more letters.
//! A piece of 3 or more letters is then a prefix scan of `x:`; a shorter one
//! walks the `d:` keys (one per distinct word, not per contact). Words are
//! added in the commit that first stores them ([`missing_words`]) and never
//! removed: a word no contact holds any more only costs an empty lookup.
//!
//! What no entry answers, and is walked instead (documented in the README):
//! a needle with no letter and no digit (`@`, `-`), a digit piece shorter
//! than 3 with no longer piece beside it, and `like` on a numeric field.

use std::collections::BTreeSet;

use crate::model::Contact;

/// The contacts' index of tokens and numeric values.
pub const BY_WORD: &str = "word";
/// The dictionary: one document per distinct letter token.
pub const WORDS: &str = "words";
/// The dictionary's index of words and their suffixes.
pub const BY_SUFFIX: &str = "suffix";
/// The fewest characters of a suffix entry (digit suffixes, dictionary suffixes).
pub const MIN_SUFFIX: usize = 3;
/// Separates a suffix from its word in `x:` keys, and the parts of `p:`
/// keys; tokens never hold it, and a pair whose separator does is not kept.
pub const SEP: char = '\u{1f}';
/// The longest text between two tokens that a pair entry holds, in characters.
pub const MAX_SEP: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Letter,
    Digit,
}

fn class(c: char) -> Option<Class> {
    if !c.is_alphanumeric() {
        None
    } else if c.is_numeric() {
        Some(Class::Digit)
    } else {
        Some(Class::Letter)
    }
}

/// Where the tokens (or pieces) of folded text lie: byte ranges and class, in order.
fn spans(folded: &str) -> Vec<(usize, usize, Class)> {
    let mut out = Vec::new();
    let mut run: Option<(usize, Class)> = None;
    for (at, c) in folded.char_indices() {
        let k = class(c);
        if let Some((s, was)) = run {
            if k == Some(was) {
                continue;
            }
            out.push((s, at, was));
        }
        run = k.map(|now| (at, now));
    }
    if let Some((s, was)) = run {
        out.push((s, folded.len(), was));
    }
    out
}

/// The tokens (or pieces) of folded text, in order, with their class.
pub fn tokens(folded: &str) -> Vec<(&str, Class)> {
    spans(folded)
        .into_iter()
        .map(|(s, e, k)| (&folded[s..e], k))
        .collect()
}

/// Two letter tokens that follow each other, and the text between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pair<'a> {
    /// Where the first token is among the text's tokens.
    pub at: usize,
    pub first: &'a str,
    pub sep: &'a str,
    pub second: &'a str,
}

/// The pairs of folded text that a `p:` entry can hold.
pub fn pairs(folded: &str) -> Vec<Pair<'_>> {
    spans(folded)
        .windows(2)
        .enumerate()
        .filter_map(|(at, w)| {
            let [(s1, e1, k1), (s2, e2, k2)] = [w[0], w[1]];
            let sep = &folded[e1..s2];
            (k1 == Class::Letter
                && k2 == Class::Letter
                && sep.chars().count() <= MAX_SEP
                && !sep.contains(SEP))
            .then(|| Pair {
                at,
                first: &folded[s1..e1],
                sep,
                second: &folded[s2..e2],
            })
        })
        .collect()
}

/// The pair a needle is, whole: two letter pieces and what lies between
/// them, nothing before or after. A value holds such a needle exactly when
/// one of its pairs has a first token ending with the first piece, the same
/// separator, and a second token starting with the second piece.
pub fn pair_needle(folded: &str) -> Option<Pair<'_>> {
    match pairs(folded).as_slice() {
        // The pair lies within the text: as long as it, it is all of it.
        [p] if p.first.len() + p.sep.len() + p.second.len() == folded.len() => Some(*p),
        _ => None,
    }
}

/// The range of the contacts holding `first`, `sep`, then a token starting
/// with `second`.
pub fn pair_prefix(first: &str, sep: &str, second: &str) -> String {
    format!("p:{first}{SEP}{sep}{SEP}{second}")
}

/// The range of the contacts holding `second` after `sep` after a token
/// that ends with the reverse of `first_reversed`.
pub fn reversed_pair_prefix(second: &str, sep: &str, first_reversed: &str) -> String {
    format!("q:{second}{SEP}{sep}{SEP}{first_reversed}")
}

/// The characters of `token` in reverse order.
pub fn reversed(token: &str) -> String {
    token.chars().rev().collect()
}

/// A pair's entries: its range, then the contact's folded first name; and
/// the same read from its second token (`q:`), the first reversed, so that
/// a needle whose first piece ends thousands of words (`s.wagner`) is read
/// from the few words that start with its second.
fn pair_keys(p: &Pair<'_>, first_name: &str) -> [String; 2] {
    [
        format!("{}{SEP}{first_name}", pair_prefix(p.first, p.sep, p.second)),
        format!(
            "{}{SEP}{first_name}",
            reversed_pair_prefix(p.second, p.sep, &reversed(p.first))
        ),
    ]
}

/// The folded first name a `p:` or `q:` key carries.
pub fn pair_first_name(key: &str) -> Option<&str> {
    // Tokens and separators never hold `SEP`; the first name may.
    let rest = key.strip_prefix("p:").or_else(|| key.strip_prefix("q:"))?;
    let (_token, rest) = rest.split_once(SEP)?;
    let (_sep, rest) = rest.split_once(SEP)?;
    let (_token, first_name) = rest.split_once(SEP)?;
    Some(first_name)
}

/// Every suffix of `word` with at least [`MIN_SUFFIX`] characters; the word
/// itself when it is shorter.
pub fn suffixes(word: &str) -> Vec<&str> {
    let n = word.chars().count();
    if n < MIN_SUFFIX {
        return vec![word];
    }
    word.char_indices()
        .take(n - MIN_SUFFIX + 1)
        .map(|(at, _)| &word[at..])
        .collect()
}

/// The folded texts whose tokens a contact is found by.
fn texts(c: &Contact) -> Vec<String> {
    let mut out: Vec<String> = [
        &c.first_name,
        &c.last_name,
        &c.email,
        &c.role,
        &c.street,
        &c.city,
        &c.state,
        &c.postal_code,
    ]
    .into_iter()
    .flatten()
    .map(|t| crate::search::fold(t))
    .collect();
    out.extend(c.phones.iter().map(|p| crate::search::fold(&p.number)));
    out
}

/// The folded full name, as the query grammar matches it: pairs across the
/// first and last name live there.
fn full_name(c: &Contact) -> String {
    crate::search::fold(&c.full_name())
}

/// A contact's letter tokens, sorted and without repeats: the dictionary
/// words it needs.
pub fn letter_tokens(c: &Contact) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for text in texts(c) {
        for (t, k) in tokens(&text) {
            if k == Class::Letter {
                out.insert(t.to_owned());
            }
        }
    }
    out
}

/// A contact's keys in the [`BY_WORD`] index.
pub fn entries(c: &Contact) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let first = crate::index::order_key(c, crate::index::BY_SORT_FIRST);
    let fields = texts(c);
    let phones = fields.len() - c.phones.len();
    for (i, text) in fields.iter().enumerate() {
        for (t, k) in tokens(text) {
            match k {
                Class::Letter => {
                    out.insert(format!("{}{first}", token_prefix(t)));
                }
                // A phone's digits are the `term` index's.
                Class::Digit if i < phones => {
                    for s in suffixes(t) {
                        out.insert(format!("w:{s}"));
                    }
                }
                Class::Digit => {}
            }
        }
    }
    for text in fields.iter().chain([&full_name(c)]) {
        for p in pairs(text) {
            out.extend(pair_keys(&p, &first));
        }
    }
    for (kind, n) in [("u", c.user_id), ("o", c.source_id), ("c", c.country_id)] {
        if let Some(n) = n {
            out.insert(number_key(kind, i128::from(n)));
        }
    }
    out
}

/// The range of the contacts holding a letter token, in first-name order.
pub fn token_prefix(token: &str) -> String {
    format!("w:{token}{SEP}")
}

/// The folded first name a letter token's key carries.
pub fn token_first_name(key: &str) -> Option<&str> {
    // Tokens never hold `SEP`; the first name may.
    key.strip_prefix("w:")?
        .split_once(SEP)
        .map(|(_, first_name)| first_name)
}

/// The key of a numeric field's value: `u` user, `o` source, `c` country.
pub fn number_key(kind: &str, n: i128) -> String {
    format!("{kind}:{n}")
}

/// The id of a word's dictionary document: a 63-bit FNV-1a hash, moved on
/// by `probe` when another word holds it (see [`missing_words`]).
pub fn word_id(word: &str, probe: u64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in word.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // Never 0, and within i64 for the stores that keep ids signed.
    ((h.wrapping_add(probe)) & (i64::MAX as u64)).max(1)
}

/// A word's keys in the [`BY_SUFFIX`] index.
pub fn word_entries(word: &str) -> Vec<String> {
    let mut out = vec![format!("d:{word}")];
    if word.chars().count() >= MIN_SUFFIX {
        out.extend(
            suffixes(word)
                .into_iter()
                .map(|s| format!("x:{s}{SEP}{word}")),
        );
    }
    out
}

/// The word of a [`BY_SUFFIX`] key.
pub fn word_of(key: &str) -> Option<&str> {
    if let Some(word) = key.strip_prefix("d:") {
        return Some(word);
    }
    key.strip_prefix("x:")?.split_once(SEP).map(|(_, w)| w)
}

/// The `d:` range of the dictionary words that start with `start`.
pub fn dictionary_prefix(start: &str) -> String {
    format!("d:{start}")
}

/// The `x:` range of the words holding `piece` (3 or more letters).
pub fn suffix_prefix(piece: &str) -> String {
    format!("x:{piece}")
}

/// How many probes a word's id may take before the dictionary gives up on it.
pub const PROBES: u64 = 8;

/// The dictionary documents `words` still needs, as (id, word): each word
/// whose document is absent, at the first free id of its probe sequence.
/// `stored` answers the bodies of the ids asked.
pub fn missing_words(
    words: &BTreeSet<String>,
    stored: impl Fn(&[u64]) -> Vec<(u64, String)>,
) -> Vec<(u64, String)> {
    let mut todo: Vec<&String> = words.iter().collect();
    let mut out: Vec<(u64, String)> = Vec::new();
    for probe in 0..PROBES {
        if todo.is_empty() {
            break;
        }
        let ids: Vec<u64> = todo.iter().map(|w| word_id(w, probe)).collect();
        let found = stored(&ids);
        let mut next = Vec::new();
        for (w, id) in todo.into_iter().zip(ids) {
            match found.iter().find(|(i, _)| *i == id) {
                Some((_, body)) if body == w => {}
                // Another word holds this id: try the next one.
                Some(_) => next.push(w),
                None if out.iter().any(|(i, _)| *i == id) => next.push(w),
                None => out.push((id, w.clone())),
            }
        }
        todo = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_split_on_separators_and_between_letters_and_digits() {
        let t: Vec<&str> = tokens("jean-pierre.dupont42@company7.fr")
            .into_iter()
            .map(|(t, _)| t)
            .collect();
        assert_eq!(t, ["jean", "pierre", "dupont", "42", "company", "7", "fr"]);
        assert_eq!(tokens("42")[0].1, Class::Digit);
        assert!(tokens(" -@ ").is_empty());
    }

    #[test]
    fn pairs_hold_neighbouring_letter_tokens_and_what_lies_between() {
        let p: Vec<(&str, &str, &str)> = pairs("jean-luc  le gall.x42 y -- z")
            .into_iter()
            .map(|p| (p.first, p.sep, p.second))
            .collect();
        // `x` and `y` have a digit token between them; `y -- z` too wide a gap.
        assert_eq!(
            p,
            [
                ("jean", "-", "luc"),
                ("luc", "  ", "le"),
                ("le", " ", "gall"),
                ("gall", ".", "x")
            ]
        );
        assert_eq!(pairs("jean-luc")[0].at, 0);
        assert_eq!(pairs("a b c")[1].at, 1);
        assert!(pairs("a\u{1f}b").is_empty());
        let [key, back] = pair_keys(&pairs("jean martin")[0], "jean\u{1f}x");
        assert!(key.starts_with(&pair_prefix("jean", " ", "mar")));
        assert_eq!(pair_first_name(&key), Some("jean\u{1f}x"));
        assert!(back.starts_with(&reversed_pair_prefix("martin", " ", "na")));
        assert_eq!(pair_first_name(&back), Some("jean\u{1f}x"));
        let key = format!("{}jean\u{1f}x", token_prefix("martin"));
        assert_eq!(token_first_name(&key), Some("jean\u{1f}x"));
    }

    #[test]
    fn a_pair_needle_is_two_words_and_nothing_around_them() {
        let p = pair_needle("jean martin").unwrap();
        assert_eq!((p.first, p.sep, p.second), ("jean", " ", "martin"));
        assert!(pair_needle("n.mar").is_some());
        for not in [
            "jean",
            " jean martin",
            "jean martin.",
            "a b c",
            "jean 12",
            "a -- b",
        ] {
            assert_eq!(pair_needle(not), None, "{not}");
        }
    }

    #[test]
    fn suffixes_keep_three_characters_or_the_whole() {
        assert_eq!(suffixes("12345"), ["12345", "2345", "345"]);
        assert_eq!(suffixes("éla"), ["éla"]);
        assert_eq!(suffixes("12"), ["12"]);
    }

    #[test]
    fn dictionary_keys_name_their_word() {
        let keys = word_entries("dupont");
        assert!(keys.contains(&"d:dupont".to_owned()));
        assert!(keys.contains(&format!("x:pont{SEP}dupont")));
        assert!(keys.iter().all(|k| word_of(k) == Some("dupont")));
        assert_eq!(word_entries("al"), ["d:al"]);
    }

    #[test]
    fn a_taken_id_moves_the_word_to_the_next_probe() {
        let words: BTreeSet<String> = ["ann".to_owned(), "bob".to_owned()].into();
        let taken = word_id("ann", 0);
        let missing = missing_words(&words, |ids| {
            ids.iter()
                .filter(|&&i| i == taken)
                .map(|&i| (i, "someone else".to_owned()))
                .collect()
        });
        assert!(missing.contains(&(word_id("ann", 1), "ann".to_owned())));
        assert!(missing.contains(&(word_id("bob", 0), "bob".to_owned())));
        // A stored word is not written again.
        let none = missing_words(&words, |ids| {
            ids.iter()
                .zip(&words)
                .map(|(&i, w)| (i, w.clone()))
                .collect()
        });
        assert!(none.is_empty());
    }
}
