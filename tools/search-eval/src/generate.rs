//! The deterministic generator: contacts as an agent would type them, and
//! queries as an agent would ask them, each labelled with every contact that
//! is a right answer (not only the one it was drawn from).
//!
//! Labels are computed here, from the generator's own knowledge (folding by
//! Unicode decomposition, E.164 from the phone plan), never from the code
//! under evaluation.

use std::collections::{HashMap, HashSet};

use unicode_normalization::UnicodeNormalization;

use crate::data::{COMPANIES, COUNTRIES, Country};

/// SplitMix64: small, fast, and the same sequence on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn between(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// An index skewed toward the start of a list: common names repeat.
    pub fn skewed(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * n as f64) as usize).min(n - 1)
    }

    pub fn pick<'a>(&mut self, list: &[&'a str]) -> &'a str {
        list[self.below(list.len())]
    }
}

/// How a phone number was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    NationalSpaced,
    NationalCompact,
    NationalDotted,
    IntlSpaced,
    IntlCompact,
    IntlZeroZero,
}

pub const FORMS: [Form; 6] = [
    Form::NationalSpaced,
    Form::NationalCompact,
    Form::NationalDotted,
    Form::IntlSpaced,
    Form::IntlCompact,
    Form::IntlZeroZero,
];

impl Form {
    fn national(self) -> bool {
        matches!(
            self,
            Form::NationalSpaced | Form::NationalCompact | Form::NationalDotted
        )
    }
}

pub struct GenPhone {
    /// National significant number: E.164 without `+` and calling code.
    pub nsn: String,
    pub typed: String,
    pub form: Form,
    pub mobile: bool,
}

pub struct Person {
    pub country: usize,
    pub first: String,
    pub last: String,
    pub email: Option<String>,
    pub phones: Vec<GenPhone>,
}

impl Person {
    pub fn region(&self) -> &'static str {
        COUNTRIES[self.country].region
    }

    pub fn e164(&self, phone: &GenPhone) -> String {
        format!("+{}{}", COUNTRIES[self.country].phones.code, phone.nsn)
    }

    /// Every digit string a phone of this person is known by: as typed,
    /// national (trunk prefix and number) and international.
    pub fn phone_digit_forms(&self, phone: &GenPhone) -> [String; 3] {
        let plan = &COUNTRIES[self.country].phones;
        [
            phone.typed.chars().filter(char::is_ascii_digit).collect(),
            format!("{}{}", plan.trunk, phone.nsn),
            format!("{}{}", plan.code, phone.nsn),
        ]
    }
}

/// A phone number written in one form.
pub fn render(country: &Country, nsn: &str, form: Form) -> String {
    let plan = &country.phones;
    let mut groups = Vec::new();
    let mut at = 0;
    for size in (plan.groups)(nsn) {
        let end = (at + size).min(nsn.len());
        if at < end {
            groups.push(&nsn[at..end]);
        }
        at = end;
    }
    if at < nsn.len() {
        groups.push(&nsn[at..]);
    }
    let national = |sep: &str| format!("{}{}", plan.trunk, groups.join(sep));
    match form {
        Form::NationalSpaced => national(" "),
        Form::NationalCompact => format!("{}{nsn}", plan.trunk),
        Form::NationalDotted => national("."),
        Form::IntlSpaced => format!("+{} {}", plan.code, groups.join(" ")),
        Form::IntlCompact => format!("+{}{nsn}", plan.code),
        Form::IntlZeroZero => format!("00{} {}", plan.code, groups.join(" ")),
    }
}

/// Lowercase without accents, by canonical decomposition (plus the letters
/// that do not decompose): the labels' own folding.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.nfd().flat_map(char::to_lowercase) {
        match c {
            '\u{300}'..='\u{36f}' => {}
            'ß' => out.push_str("ss"),
            'ł' => out.push('l'),
            'ø' => out.push('o'),
            'æ' => out.push_str("ae"),
            'œ' => out.push_str("oe"),
            'đ' => out.push('d'),
            c => out.push(c),
        }
    }
    out
}

/// Folded words: runs of letters and digits.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The folded name words of a person, sorted: equal for the same name in
/// either order.
fn name_key(words: &[String]) -> String {
    let mut sorted = words.to_vec();
    sorted.sort();
    sorted.join(" ")
}

fn letters_only(text: &str) -> String {
    fold(text).chars().filter(|c| c.is_alphanumeric()).collect()
}

pub fn people(count: usize, seed: u64) -> Vec<Person> {
    let mut rng = Rng::new(seed);
    let total_share: u32 = COUNTRIES.iter().map(|c| c.share).sum();
    let mut taken_emails: HashSet<String> = HashSet::with_capacity(count);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut roll = (rng.next() % u64::from(total_share)) as u32;
        let country = COUNTRIES
            .iter()
            .position(|c| {
                if roll < c.share {
                    true
                } else {
                    roll -= c.share;
                    false
                }
            })
            .unwrap_or(0);
        let c = &COUNTRIES[country];
        let first = c.first[rng.skewed(c.first.len())].to_owned();
        let surname = |rng: &mut Rng| {
            if rng.chance(30) {
                format!("{}{}", rng.pick(c.roots), rng.pick(c.endings))
            } else {
                c.last[rng.skewed(c.last.len())].to_owned()
            }
        };
        let mut last = surname(&mut rng);
        if c.region == "ES" && rng.chance(60) {
            last = format!("{last} {}", surname(&mut rng));
        }
        let email = if rng.chance(88) {
            let f = letters_only(&first);
            let l = letters_only(&last);
            let company = format!("{}.{}", rng.pick(COMPANIES), c.tld);
            let free = rng.pick(c.free_mail);
            let (local, domain) = match rng.below(5) {
                0 => (format!("{f}.{l}"), company),
                1 => (format!("{}.{l}", &f[..1]), company),
                2 => (format!("{f}{l}{}", rng.between(1, 99)), free.to_owned()),
                3 => (format!("{f}.{l}"), free.to_owned()),
                _ => (format!("{l}.{f}"), company),
            };
            let mut address = format!("{local}@{domain}");
            let mut n = 2;
            while !taken_emails.insert(address.clone()) {
                address = format!("{local}{n}@{domain}");
                n += 1;
            }
            Some(address)
        } else {
            None
        };
        let count = match rng.below(10) {
            0..=3 => 1,
            4..=7 => 2,
            _ => 3,
        };
        let phones = (0..count)
            .map(|k| {
                let mobile = k != 1;
                let starts = if mobile {
                    c.phones.mobiles
                } else {
                    c.phones.landlines
                };
                let (start, more) = starts[rng.below(starts.len())];
                let mut nsn = start.to_owned();
                for _ in 0..more {
                    nsn.push(char::from(b'0' + rng.below(10) as u8));
                }
                let form = FORMS[rng.below(FORMS.len())];
                GenPhone {
                    typed: render(c, &nsn, form),
                    nsn,
                    form,
                    mobile,
                }
            })
            .collect();
        out.push(Person {
            country,
            first,
            last,
            email,
            phones,
        });
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    ExactName,
    NamePrefix,
    Typo,
    Accents,
    Email,
    PhoneDigits,
    PhoneFormat,
}

pub const KINDS: [Kind; 7] = [
    Kind::ExactName,
    Kind::NamePrefix,
    Kind::Typo,
    Kind::Accents,
    Kind::Email,
    Kind::PhoneDigits,
    Kind::PhoneFormat,
];

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::ExactName => "exact name, either order, any case",
            Kind::NamePrefix => "name prefix",
            Kind::Typo => "one typo (word of 5+ letters, not the first)",
            Kind::Accents => "accents left out",
            Kind::Email => "email fragment",
            Kind::PhoneDigits => "phone digits from the middle or end",
            Kind::PhoneFormat => "whole phone in another format",
        }
    }
}

pub struct Query {
    pub kind: Kind,
    pub text: String,
    /// The person it was drawn from.
    pub from: usize,
    /// Every right answer, ascending.
    pub right: Vec<u32>,
}

/// Precomputed views of the people, for labelling.
struct Views {
    words: Vec<Vec<String>>,
    by_name: HashMap<String, Vec<u32>>,
    by_word: HashMap<String, Vec<u32>>,
    by_e164: HashMap<String, Vec<u32>>,
    /// Every phone digit form of every person, '|'-separated, and where
    /// each person's part starts.
    digits: Vec<u8>,
    digit_starts: Vec<usize>,
}

impl Views {
    fn new(people: &[Person]) -> Views {
        let mut v = Views {
            words: Vec::with_capacity(people.len()),
            by_name: HashMap::new(),
            by_word: HashMap::new(),
            by_e164: HashMap::new(),
            digits: Vec::new(),
            digit_starts: Vec::with_capacity(people.len()),
        };
        for (i, p) in people.iter().enumerate() {
            let i = i as u32;
            let mut w = words(&p.first);
            w.extend(words(&p.last));
            v.by_name.entry(name_key(&w)).or_default().push(i);
            let mut distinct = w.clone();
            distinct.sort();
            distinct.dedup();
            for word in distinct {
                v.by_word.entry(word).or_default().push(i);
            }
            v.words.push(w);
            v.digit_starts.push(v.digits.len());
            for phone in &p.phones {
                let list = v.by_e164.entry(p.e164(phone)).or_default();
                if list.last() != Some(&i) {
                    list.push(i);
                }
                for form in p.phone_digit_forms(phone) {
                    v.digits.extend_from_slice(form.as_bytes());
                    v.digits.push(b'|');
                }
            }
        }
        v
    }

    fn with_digits(&self, fragment: &str) -> Vec<u32> {
        let mut out: Vec<u32> = memchr::memmem::find_iter(&self.digits, fragment.as_bytes())
            .map(|at| (self.digit_starts.partition_point(|s| *s <= at) - 1) as u32)
            .collect();
        out.dedup();
        out
    }
}

/// Whether a person's name words hold every word of `query` but the last
/// (each a distinct word) and, among the rest, one the last one starts.
fn prefix_match(name: &[String], query: &[String]) -> bool {
    let Some((last, whole)) = query.split_last() else {
        return false;
    };
    if !name.iter().any(|n| n.starts_with(last.as_str())) {
        return false;
    }
    let mut left: Vec<&String> = name.iter().collect();
    for w in whole {
        match left.iter().position(|n| *n == w) {
            Some(at) => {
                left.remove(at);
            }
            None => return false,
        }
    }
    left.iter().any(|n| n.starts_with(last.as_str()))
}

/// One edit at a letter other than the first: replace, delete, insert, or
/// swap two neighbours.
fn one_typo(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    let n = chars.len();
    let letter = |rng: &mut Rng| char::from(b'a' + (rng.next() % 26) as u8);
    match rng.below(4) {
        0 => {
            let at = rng.between(1, n - 1);
            let mut c = letter(rng);
            while c == chars[at] {
                c = letter(rng);
            }
            chars[at] = c;
        }
        1 => {
            chars.remove(rng.between(1, n - 1));
        }
        2 => {
            let c = letter(rng);
            chars.insert(rng.between(1, n), c);
        }
        _ => {
            let at = rng.between(1, n - 2);
            chars.swap(at, at + 1);
        }
    }
    chars.into_iter().collect()
}

fn cased(text: &str, rng: &mut Rng) -> String {
    match rng.below(3) {
        0 => text.to_owned(),
        1 => text.to_lowercase(),
        _ => text.to_uppercase(),
    }
}

/// `per_kind` labelled queries of each kind.
pub fn queries(people: &[Person], per_kind: usize, seed: u64) -> Vec<Query> {
    let views = Views::new(people);
    let dictionary: HashSet<&str> = views.by_word.keys().map(String::as_str).collect();
    let mut rng = Rng::new(seed ^ 0x5EA5_C4E5);
    let mut out = Vec::new();
    for kind in KINDS {
        let mut made = 0;
        while made < per_kind {
            let from = rng.below(people.len());
            let p = &people[from];
            let w = &views.words[from];
            let drawn = match kind {
                Kind::ExactName => {
                    let text = if rng.chance(50) {
                        format!("{} {}", p.first, p.last)
                    } else {
                        format!("{} {}", p.last, p.first)
                    };
                    let text = cased(&text, &mut rng);
                    Some((text, views.by_name[&name_key(w)].clone()))
                }
                Kind::NamePrefix => {
                    let last_words = words(&p.last);
                    let target = &last_words[0];
                    let n = target.chars().count();
                    if n < 4 {
                        None
                    } else if rng.chance(50) {
                        let cut: String = target.chars().take(rng.between(3, n - 1)).collect();
                        Some(vec![cut])
                    } else {
                        let mut q = words(&p.first);
                        q.push(target.chars().take(rng.between(2, n - 1)).collect());
                        Some(q)
                    }
                    .map(|q| {
                        let right = (0..people.len() as u32)
                            .filter(|i| prefix_match(&views.words[*i as usize], &q))
                            .collect();
                        (q.join(" "), right)
                    })
                }
                Kind::Typo => {
                    let long: Vec<usize> = (0..w.len())
                        .filter(|at| w[*at].chars().count() >= 5)
                        .collect();
                    if long.is_empty() {
                        None
                    } else {
                        let at = long[rng.below(long.len())];
                        let typo = one_typo(&w[at], &mut rng);
                        if dictionary.contains(typo.as_str()) {
                            None
                        } else if rng.chance(70) {
                            let mut q = w.clone();
                            q[at] = typo;
                            Some((q.join(" "), views.by_name[&name_key(w)].clone()))
                        } else {
                            Some((typo, views.by_word[&w[at]].clone()))
                        }
                    }
                }
                Kind::Accents => {
                    let name = format!("{} {}", p.first, p.last);
                    if name.is_ascii() {
                        None
                    } else if rng.chance(60) {
                        Some((w.join(" "), views.by_name[&name_key(w)].clone()))
                    } else {
                        let accented: Vec<String> = name
                            .split(|c: char| !c.is_alphanumeric())
                            .filter(|s| !s.is_ascii())
                            .map(fold)
                            .collect();
                        let word = accented[rng.below(accented.len())].clone();
                        let right = views.by_word[&word].clone();
                        Some((word, right))
                    }
                }
                Kind::Email => p.email.as_ref().map(|address| {
                    let (local, domain) = address.split_once('@').unwrap_or((address, ""));
                    let fragment = match rng.below(3) {
                        0 => format!("{local}@"),
                        1 => domain.to_owned(),
                        _ => local.to_owned(),
                    };
                    let right = people
                        .iter()
                        .enumerate()
                        .filter(|(_, o)| {
                            o.email
                                .as_deref()
                                .is_some_and(|e| e.to_lowercase().contains(&fragment))
                        })
                        .map(|(i, _)| i as u32)
                        .collect();
                    (cased_fragment(&fragment, &mut rng), right)
                }),
                Kind::PhoneDigits => {
                    let phone = &p.phones[rng.below(p.phones.len())];
                    let n = phone.nsn.len();
                    let k = rng.between(6, 8).min(n - 1);
                    let start = if rng.chance(50) || n - k < 2 {
                        n - k
                    } else {
                        rng.between(1, n - k - 1)
                    };
                    let fragment = phone.nsn[start..start + k].to_owned();
                    let right = views.with_digits(&fragment);
                    Some((fragment, right))
                }
                Kind::PhoneFormat => {
                    let phone = &p.phones[rng.below(p.phones.len())];
                    let other: Vec<Form> = FORMS
                        .iter()
                        .copied()
                        .filter(|f| *f != phone.form)
                        .filter(|f| f.national() != phone.form.national() || rng.chance(30))
                        .collect();
                    let form = other[rng.below(other.len())];
                    let text = render(&COUNTRIES[p.country], &phone.nsn, form);
                    Some((text, views.by_e164[&p.e164(phone)].clone()))
                }
            };
            if let Some((text, right)) = drawn {
                debug_assert!(right.contains(&(from as u32)), "{kind:?} {text}");
                out.push(Query {
                    kind,
                    text,
                    from,
                    right,
                });
                made += 1;
            }
        }
    }
    out
}

/// An email fragment as typed: mostly lowercase, sometimes capitalised.
fn cased_fragment(fragment: &str, rng: &mut Rng) -> String {
    if rng.chance(20) {
        fragment.to_uppercase()
    } else {
        fragment.to_owned()
    }
}

/// The people as JSON Lines that `contacts-host import` reads: the same
/// fields the component engine is given (`engines::component::patch`), each
/// phone with the region its person types it in.
pub fn write_jsonl(people: &[Person], path: &std::path::Path) -> std::io::Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    for p in people {
        let phones: Vec<serde_json::Value> = p
            .phones
            .iter()
            .map(|ph| {
                serde_json::json!({
                    "number": ph.typed,
                    "type": if ph.mobile { "mobile" } else { "landline" },
                    "region": p.region(),
                })
            })
            .collect();
        let row = serde_json::json!({
            "first_name": p.first,
            "last_name": p.last,
            "email": p.email,
            "phones": phones,
        });
        writeln!(out, "{row}")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_by_decomposition() {
        assert_eq!(fold("Hélène MÜLLER"), "helene muller");
        assert_eq!(fold("Weiß Łukasz Cœur"), "weiss lukasz coeur");
        assert_eq!(
            words("O'Brien Jean-Pierre"),
            ["o", "brien", "jean", "pierre"]
        );
    }

    #[test]
    fn renders_every_form() {
        let fr = &COUNTRIES[0];
        assert_eq!(
            render(fr, "612345678", Form::NationalSpaced),
            "06 12 34 56 78"
        );
        assert_eq!(
            render(fr, "612345678", Form::IntlSpaced),
            "+33 6 12 34 56 78"
        );
        assert_eq!(
            render(fr, "612345678", Form::IntlZeroZero),
            "0033 6 12 34 56 78"
        );
        assert_eq!(
            render(fr, "612345678", Form::NationalDotted),
            "06.12.34.56.78"
        );
        let gb = &COUNTRIES[2];
        assert_eq!(
            render(gb, "7911123456", Form::NationalSpaced),
            "07911 123456"
        );
        assert_eq!(
            render(gb, "2071234567", Form::IntlSpaced),
            "+44 20 7123 4567"
        );
    }

    #[test]
    fn a_typo_never_touches_the_first_letter() {
        let mut rng = Rng::new(1);
        for _ in 0..1000 {
            let t = one_typo("dupont", &mut rng);
            assert!(t.starts_with('d'));
            assert_ne!(t, "dupont");
        }
    }

    #[test]
    fn labels_hold_every_right_answer() {
        let people = people(3000, 7);
        let qs = queries(&people, 30, 7);
        assert_eq!(qs.len(), 30 * KINDS.len());
        for q in &qs {
            assert!(
                q.right.contains(&(q.from as u32)),
                "{:?} {}",
                q.kind,
                q.text
            );
            assert!(q.right.windows(2).all(|w| w[0] < w[1]));
        }
        let same = queries(&people, 30, 7);
        assert!(qs.iter().zip(&same).all(|(a, b)| a.text == b.text));
    }

    #[test]
    fn a_prefix_needs_every_whole_word() {
        let name = words("Jean Dupont");
        assert!(prefix_match(&name, &words("jean dup")));
        assert!(prefix_match(&name, &words("dupont je")));
        assert!(!prefix_match(&name, &words("jea dup")));
        assert!(!prefix_match(&name, &words("jean jean")));
    }
}
