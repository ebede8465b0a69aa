//! Typo tolerance. The rule is Typesense's: a query word of 4 to 6 letters
//! may be one edit from a name word, one of 7 or more letters two edits; an
//! edit is a letter inserted, deleted or replaced, or two neighbours swapped.
//! The engine also trusts the first letter (agents rarely mistype it), which
//! keeps the words a lookup weighs few.
//!
//! Near words are found in the `term` index itself: the words sharing the
//! first half of the query word (`n:` keys) and those sharing its end (`r:`
//! keys, reversed). One edit leaves one of the two intact.

use super::terms::{self, NAME_SEP};
use crate::index;
use crate::ports::{Range, Store, prefix_end};

/// Distinct words one lookup weighs, at most.
const WORDS: usize = 200;
/// Entries read per store call while listing distinct words.
const STEP: u32 = 64;

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
    let mut found = distinct(store, &format!("n:{head}"), |key| {
        key[2..].split(NAME_SEP).next().map(str::to_owned)
    });
    if !tail.is_empty() {
        found.extend(distinct(store, &format!("r:{tail}"), |key| {
            Some(terms::reversed(&key[2..]))
        }));
    }
    let first = chars[0];
    found.retain(|w| w != word && w.starts_with(first) && within_edits(word, w, budget));
    found.sort();
    found.dedup();
    found
}

/// The distinct words (as `word_of` reads them from keys) under a key
/// prefix, skipping past every entry of a word once it is read.
fn distinct<S: Store + ?Sized>(
    store: &S,
    prefix: &str,
    word_of: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let end = prefix_end(prefix);
    let mut start = prefix.to_owned();
    let mut out: Vec<String> = Vec::new();
    while out.len() < WORDS {
        let range = Range {
            index: index::BY_TERM.to_owned(),
            start: Some(start.clone()),
            end: end.clone(),
            limit: STEP,
            ..Range::default()
        };
        let hits = store.scan(index::CONTACTS, &range);
        let done = hits.len() < STEP as usize;
        let Some(last) = hits.last() else { break };
        // Past the last key's word: its entries all share the key up to the
        // separator (`n:`) or are the very key (`r:`).
        start = match last.key.split_once(NAME_SEP) {
            Some((head, _)) => format!("{head}{}", char::from(0x20)),
            None => format!("{}\u{0}", last.key),
        };
        for h in &hits {
            if let Some(w) = word_of(&h.key)
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
