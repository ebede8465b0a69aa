//! Search terms and text folding.
//!
//! A contact is indexed under the folded words of its name, its email (whole
//! and local part) and its phone digits, so a search is a few prefix scans
//! over the `term` index rather than a scan of every contact.

use crate::email;
use crate::model::Contact;
use crate::phone;

/// Lowercases and strips the accents of Latin letters, so that `Élodie`
/// matches `elodie`. Other scripts pass through lowercased.
pub fn fold(text: &str) -> String {
    // Most names and addresses are ASCII: one pass, no per-char mapping.
    if text.is_ascii() {
        return text.to_ascii_lowercase();
    }
    let mut out = String::with_capacity(text.len());
    for c in text.chars().flat_map(char::to_lowercase) {
        let base = match c {
            'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => 'a',
            'ç' | 'ć' | 'č' => 'c',
            'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => 'e',
            'ì' | 'í' | 'î' | 'ï' | 'ī' => 'i',
            'ñ' | 'ń' | 'ň' => 'n',
            'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => 'o',
            'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => 'u',
            'ý' | 'ÿ' => 'y',
            'ś' | 'š' => 's',
            'ź' | 'ż' | 'ž' => 'z',
            'ł' => 'l',
            'ř' => 'r',
            'ß' => {
                out.push_str("ss");
                continue;
            }
            'œ' => {
                out.push_str("oe");
                continue;
            }
            'æ' => {
                out.push_str("ae");
                continue;
            }
            c => c,
        };
        out.push(base);
    }
    out
}

/// Folded words of a text: split on anything that is not a letter or digit.
pub fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(fold)
}

/// Every search term of a contact, tagged by kind so ranking can tell an
/// email hit from a name hit: `n:` name word, `e:` email, `l:` email local
/// part, `p:` phone digits.
pub fn terms(c: &Contact) -> Vec<String> {
    let mut out = Vec::new();
    for name in [&c.first_name, &c.last_name].into_iter().flatten() {
        out.extend(words(name).map(|w| format!("n:{w}")));
    }
    for address in c.email.iter().chain(&c.alternate_emails) {
        let key = email::key(address);
        if let Some((local, _)) = key.split_once('@') {
            out.push(format!("l:{}", fold(local)));
        }
        out.push(format!("e:{key}"));
    }
    for p in &c.phones {
        // The international form: a number without E.164 (not valid) is found by its digits too.
        if let Some(form) = &p.international {
            out.push(format!("p:{}", phone::digits(form)));
        }
        let national = phone::digits(&p.national);
        if !national.is_empty() {
            out.push(format!("p:{national}"));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// How many typos a search word of `len` letters tolerates: none below four
/// letters (too many names are one edit apart), one up to seven, then two.
pub fn typo_budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
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
        assert_eq!(typo_budget(3), 0);
        assert_eq!(typo_budget(5), 1);
        assert_eq!(typo_budget(9), 2);
    }

    #[test]
    fn folds_accents_and_case() {
        assert_eq!(fold("Élodie MÜLLER"), "elodie muller");
        assert_eq!(fold("Straße"), "strasse");
    }

    #[test]
    fn words_split_on_punctuation() {
        let w: Vec<String> = words("Jean-Pierre  O'Neil").collect();
        assert_eq!(w, ["jean", "pierre", "o", "neil"]);
    }
}
