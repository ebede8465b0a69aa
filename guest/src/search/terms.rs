//! The terms a contact yields to the `term` index, and the keys a query
//! reads them back with. The store only orders keys; every meaning lives
//! here, so any store that serves exact and prefix range scans serves the
//! search (spec §4 helperiq `/search`).
//!
//! Kinds, by key prefix:
//! - `n:{word}␟{name}`: each folded name word, then the contact's whole
//!   folded name (its words in order, space-separated). A scan of one word's
//!   range yields every name holding it, so the other query words are checked
//!   from the keys, without reading a document. Keys of a word sort exact
//!   first (`␟` sorts below every letter), then longer words alphabetically.
//! - `r:{first letter}{rest of the word reversed}`: each name word by its
//!   first letter and then backwards, so a typo lookup finds the words that
//!   start with the query word's letter (the engine trusts it) and end like it.
//! - `e:{address}` and `l:{local part}`: each email, compared as
//!   [`email::key`] does.
//! - `s:{digits}`: every suffix of 3 or more digits of each phone, as typed
//!   and in its international form (E.164 when valid): "the digits contain
//!   the query" is then a prefix scan.

use super::fold::{fold, words};
use crate::email;
use crate::model::Contact;
use crate::phone;

/// Separates a name word from the whole name in `n:` keys; user text cannot
/// hold it (it is not a letter or digit, so words never contain it).
pub const NAME_SEP: char = '\u{1f}';

/// The fewest digits a query needs to match phones by their digits.
pub const MIN_DIGITS: usize = 3;

/// The folded words of a contact's name, first name first.
pub fn name_words(c: &Contact) -> Vec<String> {
    [&c.first_name, &c.last_name]
        .into_iter()
        .flatten()
        .flat_map(|n| words(n))
        .collect()
}

/// The range of a name word: exactly `word` when `exact`, else every word
/// it starts.
pub fn name_prefix(word: &str, exact: bool) -> String {
    if exact {
        format!("n:{word}{NAME_SEP}")
    } else {
        format!("n:{word}")
    }
}

/// The word and the whole name of an `n:` key.
pub fn read_name_key(key: &str) -> Option<(&str, &str)> {
    key.strip_prefix("n:")?.split_once(NAME_SEP)
}

/// The `r:` key of a name word.
pub fn ending_key(word: &str) -> String {
    let mut chars = word.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    format!("r:{first}{}", chars.rev().collect::<String>())
}

/// The `r:` range of the words that start with `first` and end with the
/// reverse of `tail_reversed`.
pub fn ending_prefix(first: char, tail_reversed: &str) -> String {
    format!("r:{first}{tail_reversed}")
}

/// The name word of an `r:` key.
pub fn read_ending_key(key: &str) -> Option<String> {
    let mut chars = key.strip_prefix("r:")?.chars();
    let first = chars.next()?;
    Some(std::iter::once(first).chain(chars.rev()).collect())
}

pub fn digits_prefix(digits: &str) -> String {
    format!("s:{digits}")
}

/// Every search term of a contact, sorted and without repeats.
pub fn terms(c: &Contact) -> Vec<String> {
    let mut out = Vec::new();
    let name = name_words(c);
    let whole = name.join(" ");
    for w in &name {
        out.push(format!("n:{w}{NAME_SEP}{whole}"));
        out.push(ending_key(w));
    }
    for address in c.email.iter().chain(&c.alternate_emails) {
        let key = email::key(address);
        if let Some((local, _)) = key.split_once('@') {
            out.push(format!("l:{}", fold(local)));
        }
        out.push(format!("e:{key}"));
    }
    for p in &c.phones {
        // As typed too: a number that does not parse is found by its digits.
        let typed = phone::digits(&p.number);
        let international = p.international.as_deref().map(phone::digits);
        for digits in [typed, international.unwrap_or_default()] {
            for (at, _) in digits.char_indices() {
                if digits.len() - at >= MIN_DIGITS {
                    out.push(digits_prefix(&digits[at..]));
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Phone, PhoneType};

    #[test]
    fn a_contact_yields_name_email_and_digit_terms() {
        let mut c = Contact::new(1, "2026-01-01T00:00:00Z");
        c.first_name = Some("Élodie".into());
        c.last_name = Some("Le Gall".into());
        c.email = Some("Elodie@Martin.fr".into());
        c.phones = vec![Phone {
            id: 1,
            number: "06 12 34".into(),
            e164: None,
            international: None,
            kind: PhoneType::Mobile,
            region: None,
            national: String::new(),
            extension: None,
        }];
        let t = terms(&c);
        assert!(t.contains(&"n:elodie\u{1f}elodie le gall".to_owned()));
        assert!(t.contains(&"n:gall\u{1f}elodie le gall".to_owned()));
        assert!(t.contains(&"r:eeidol".to_owned()));
        assert_eq!(read_ending_key("r:eeidol").as_deref(), Some("elodie"));
        assert_eq!(read_ending_key(&ending_key("é")).as_deref(), Some("é"));
        assert!(t.contains(&"e:elodie@martin.fr".to_owned()));
        assert!(t.contains(&"l:elodie".to_owned()));
        // Digits as typed, though the number has no E.164 form.
        for s in ["s:061234", "s:61234", "s:234", "s:34"] {
            assert_eq!(t.contains(&s.to_owned()), s != "s:34", "{s}");
        }
        assert_eq!(
            read_name_key("n:gall\u{1f}elodie le gall"),
            Some(("gall", "elodie le gall"))
        );
    }
}
