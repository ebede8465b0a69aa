//! Reading a search query: the folded text, its words, and its digits, once,
//! for every kind of lookup.

use super::fold::{fold, words};
use super::terms::MIN_DIGITS;
use crate::phone;

/// Query words weighed, at most: a name or an address has a few, and each
/// costs index reads.
pub const MAX_WORDS: usize = 8;

pub struct Query<'a> {
    /// Trimmed, as typed.
    pub text: &'a str,
    pub folded: String,
    /// The first [`MAX_WORDS`] folded words.
    pub words: Vec<String>,
    /// Every digit of the query, in order.
    pub digits: String,
}

impl<'a> Query<'a> {
    pub fn read(text: &'a str) -> Query<'a> {
        let text = text.trim();
        Query {
            text,
            folded: fold(text),
            words: words(text).take(MAX_WORDS).collect(),
            digits: phone::digits(text),
        }
    }

    pub fn has_at(&self) -> bool {
        self.text.contains('@')
    }

    /// Whether the query reads as a piece of an email address: it holds an
    /// `@`, or a `.` between letters and no space.
    pub fn email_like(&self) -> bool {
        self.has_at()
            || (self.text.contains('.')
                && !self.text.contains(char::is_whitespace)
                && self.digits.len() < MIN_DIGITS)
    }

    /// Digit strings a phone must contain to match, best first: the digits
    /// as typed, then without the trunk `0` or the international `00` a
    /// national or dialled form starts with (`07700 900123` is in
    /// `+44 7700 900123`).
    pub fn digit_probes(&self) -> Vec<&str> {
        let d = self.digits.as_str();
        if d.len() < MIN_DIGITS {
            return Vec::new();
        }
        let mut out = vec![d];
        let bare = d
            .strip_prefix("00")
            .or_else(|| d.strip_prefix('0'))
            .unwrap_or(d);
        if bare.len() >= MIN_DIGITS && bare.len() != d.len() {
            out.push(bare);
        }
        out
    }

    /// A company domain or its start (`acme.fr`, `@acme`): one token without
    /// an inner `@` or space.
    pub fn domain(&self) -> Option<&str> {
        let d = self.folded.strip_prefix('@').unwrap_or(&self.folded);
        (!d.is_empty() && !d.contains(|c: char| c == '@' || c.is_whitespace())).then_some(d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_words_digits_and_domains() {
        let q = Query::read("  Jean-Pierre DUPONT ");
        assert_eq!(q.words, ["jean", "pierre", "dupont"]);
        let long = "a ".repeat(1000);
        assert_eq!(Query::read(&long).words.len(), MAX_WORDS);
        assert!(q.digit_probes().is_empty());
        assert_eq!(q.domain(), None);
        assert_eq!(
            Query::read("07700 900123").digit_probes(),
            ["07700900123", "7700900123"]
        );
        assert_eq!(Query::read("0044 20").digit_probes(), ["004420", "4420"]);
        assert_eq!(Query::read("345678").digit_probes(), ["345678"]);
        assert_eq!(Query::read("01").digit_probes(), Vec::<&str>::new());
        assert_eq!(Query::read("@Acme.fr").domain(), Some("acme.fr"));
        assert!(Query::read("j.dupont").email_like());
        assert!(Query::read("dupont@").email_like());
        assert!(!Query::read("06.12.34.56.78").email_like());
        assert!(!Query::read("jean dupont").email_like());
    }
}
