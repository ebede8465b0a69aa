//! Typo tolerance. The rule is Typesense's: a query word of 4 to 6 letters
//! may be one edit from a name word, one of 7 or more letters two edits; an
//! edit is a letter inserted, deleted or replaced, or two neighbours swapped.
//! The engine also trusts the first letter (agents rarely mistype it), which
//! keeps the words a lookup weighs few.
//!
//! Near words are the name words that share the first half of the query
//! word, listed from the word dictionary (`crate::query::words`: one key per
//! distinct word, where the names' own keys hold one per name), and those
//! that share its first letter and its end, from the `term` index's `r:`
//! keys (the first letter, then the rest reversed). One edit leaves one of
//! the two intact. The dictionary holds runs of letters, so a name word with
//! digits in it (`jean2`, a typing slip) is found from its end only.

use super::terms::{self, name_prefix};
use crate::index;
use crate::ports::{Range, Store};
use crate::query::words;

/// Distinct words one `r:` listing weighs, at most.
const WORDS: usize = 200;
/// Dictionary words read per store call, and at most in all.
const DICTIONARY_STEP: u32 = 1_000;
const DICTIONARY_WORDS: usize = 10_000;
/// Entries read per store call while listing distinct words. Each call
/// starts past every entry of the last word it read, so a common word costs
/// a call, not its thousands of entries; a few keys per call still list
/// several rare words at once.
const STEP: u32 = 8;

/// How many edits a query word of `len` letters may be from a name word.
pub fn budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=6 => 1,
        _ => 2,
    }
}

/// Whether `a` becomes `b` in at most `max` edits: a letter inserted,
/// deleted or replaced, or two neighbours swapped (optimal string
/// alignment distance).
pub fn within_edits(a: &str, b: &str, max: usize) -> bool {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return false;
    }
    // Three rows of the distance table: two back (for swaps), one back, this.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut last: Vec<usize> = (0..=b.len()).collect();
    for i in 1..=a.len() {
        let mut row = vec![i; b.len() + 1];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            row[j] = (last[j] + 1).min(row[j - 1] + 1).min(last[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                row[j] = row[j].min(before[j - 2] + 1);
            }
        }
        if row.iter().min().is_some_and(|m| *m > max) {
            return false;
        }
        before = std::mem::replace(&mut last, row);
    }
    last[b.len()] <= max
}

/// Name words within the budget of `word`, with its first letter, sorted.
pub fn near_words<S: Store + ?Sized>(store: &S, word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let budget = budget(chars.len());
    if budget == 0 {
        return Vec::new();
    }
    let half = chars.len() / 2;
    let head: String = chars[..half.max(1)].iter().collect();
    let tail: String = chars[(half + 1).min(chars.len())..].iter().rev().collect();
    let first = chars[0];
    let near = |w: &str| w != word && w.starts_with(first) && within_edits(word, w, budget);
    // Words that start like it: the dictionary lists them in a call or two,
    // where the names' own keys take a call per word; only those some name
    // holds are kept.
    let mut found: Vec<String> = dictionary_words(store, &head)
        .into_iter()
        .filter(|w| near(w) && is_name_word(store, w))
        .collect();
    if !tail.is_empty() {
        found.extend(
            endings(store, &terms::ending_prefix(first, &tail))
                .into_iter()
                .filter(|w| near(w)),
        );
    }
    found.sort();
    found.dedup();
    found
}

/// The dictionary's words (every letter token ever stored, see
/// [`crate::query::words`]) that start with `head`, at most
/// [`DICTIONARY_WORDS`].
fn dictionary_words<S: Store + ?Sized>(store: &S, head: &str) -> Vec<String> {
    let prefix = words::dictionary_prefix(head);
    let mut range = Range::prefix(words::BY_SUFFIX, &prefix, DICTIONARY_STEP);
    let mut out = Vec::new();
    while out.len() < DICTIONARY_WORDS {
        let hits = store.scan(words::WORDS, &range);
        let done = hits.len() < DICTIONARY_STEP as usize;
        let Some(last) = hits.last() else { break };
        // Each word has one key: the next read starts just past the last.
        range.start = Some(format!("{}\u{1}", last.key));
        out.extend(
            hits.iter()
                .filter_map(|h| words::word_of(&h.key))
                .map(str::to_owned),
        );
        if done {
            break;
        }
    }
    out
}

/// Whether some contact's name holds `word` as a whole word.
fn is_name_word<S: Store + ?Sized>(store: &S, word: &str) -> bool {
    let range = Range::prefix(index::BY_TERM, &name_prefix(word, true), 1);
    !store.scan(index::CONTACTS, &range).is_empty()
}

/// The distinct words of the `r:` keys under a prefix, skipping past every
/// entry of a word (one key, an entry per contact) once it is read.
fn endings<S: Store + ?Sized>(store: &S, prefix: &str) -> Vec<String> {
    let mut range = Range::prefix(index::BY_TERM, prefix, STEP);
    let mut out: Vec<String> = Vec::new();
    while out.len() < WORDS {
        let hits = store.scan(index::CONTACTS, &range);
        let done = hits.len() < STEP as usize;
        let Some(last) = hits.last() else { break };
        range.start = Some(format!("{}\u{1}", last.key));
        for h in &hits {
            if let Some(w) = terms::read_ending_key(&h.key)
                && out.last() != Some(&w)
            {
                out.push(w);
            }
        }
        if done {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ContactPatch;
    use crate::search::tests::{named, store_of};

    /// Near words come from the head (the dictionary, names only) and from
    /// the tail (`r:` keys with the first letter), never from other fields.
    #[test]
    fn near_words_are_name_words_found_by_either_half() {
        let people = [
            ("Anna", "Müller", "Mullet Street"),
            ("Jan", "Miller", "Moller Lane"),
            ("Eva", "Mayer", "Hiller Road"),
            ("Ida", "Mueller", "Main Road"),
        ];
        let store = store_of(people.map(|(first, last, street)| ContactPatch {
            street: Some(Some(street.into())),
            ..named(first, last)
        }));
        // `mul` starts muller and the street word mullet (2 edits): only the
        // name stays; mueller (1 edit) holds `mul` nowhere but ends in `ler`
        // as miller (2 edits) does: both from the tail.
        assert_eq!(
            near_words(&store, "mulller"),
            ["miller", "mueller", "muller"]
        );
        // Nothing starts with `mxl`: both come from the tail, and moller
        // (a street, 1 edit) and hiller (another first letter) do not.
        assert_eq!(near_words(&store, "mxller"), ["miller", "muller"]);
        assert_eq!(near_words(&store, "muller"), ["miller", "mueller"]);
        assert!(near_words(&store, "mul").is_empty(), "too short for a typo");
    }

    #[test]
    fn counts_edits_with_swaps() {
        assert!(within_edits("linda", "linda", 0));
        assert!(within_edits("lidna", "linda", 1), "a swap is one edit");
        assert!(within_edits("lind", "linda", 1));
        assert!(within_edits("lyndaa", "linda", 2));
        assert!(!within_edits("lyndaa", "linda", 1));
        assert!(!within_edits("olsen", "nilsson", 2));
        assert!(within_edits("müller", "muller", 1));
        assert_eq!(budget(3), 0);
        assert_eq!(budget(5), 1);
        assert_eq!(budget(9), 2);
    }
}
