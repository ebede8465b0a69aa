//! The Unicode properties the email rules read, and NFC.
//!
//! The email verdicts follow python `email-validator`, which reads Python's
//! `unicodedata` and the `idna` package; [`super::tables`] holds the same data,
//! generated from them, and this module looks it up. NFC (Unicode canonical
//! composition) is here because both the local part and the domain are
//! checked in NFC, as the reference does.

use super::tables;

/// General category, coarsened to the classes `email-validator` tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gc {
    /// Letters, numbers, punctuation and symbols (L, N, P, S).
    Visible,
    /// Combining marks (M).
    Mark,
    /// Space separators (Zs).
    Space,
    /// Line and paragraph separators (Zl, Zp).
    LineBreak,
    /// Controls (Cc).
    Control,
    /// Format characters (Cf): zero-width, bidi controls, soft hyphen.
    Format,
    /// Not assigned in the reference's Unicode version (Cn).
    Unassigned,
    /// Private use (Co).
    PrivateUse,
    /// Surrogates (Cs); a `char` never is one.
    Surrogate,
}

/// Bidirectional class (UAX #9), as far as the Bidi rule (RFC 5893) names them.
// The names are UAX #9's, as the RFC spells them.
#[allow(clippy::upper_case_acronyms)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bidi {
    L,
    R,
    AL,
    AN,
    EN,
    ES,
    CS,
    ET,
    ON,
    BN,
    NSM,
    /// Any class the Bidi rule never allows (B, S, WS, the embedding controls).
    Other,
    /// Unassigned: the reference knows no direction for it.
    Unknown,
}

/// RFC 5892 derived property of a code point (DISALLOWED when in no range).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Idna {
    Pvalid,
    ContextJ,
    ContextO,
}

/// The scripts the contextual rules of RFC 5892 appendix A read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Script {
    Greek,
    Han,
    Hebrew,
    Hiragana,
    Katakana,
}

/// Arabic joining type (RFC 5892 A.1); `U` for non-joining and unlisted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Joining {
    /// Join causing.
    C,
    /// Dual joining.
    D,
    /// Left joining.
    L,
    /// Right joining.
    R,
    /// Transparent.
    T,
    /// Non-joining.
    U,
}

/// The value of the run `c` falls in, in a table of `(first code point, value)`.
fn run_value<T: Copy>(runs: &[(u32, T)], c: char, default: T) -> T {
    let cp = u32::from(c);
    let i = runs.partition_point(|&(start, _)| start <= cp);
    i.checked_sub(1)
        .and_then(|i| runs.get(i))
        .map_or(default, |&(_, v)| v)
}

/// The value of the range `c` falls in, in a table of `(first, last, value)`.
fn range_value<T: Copy>(ranges: &[(u32, u32, T)], c: char) -> Option<T> {
    let cp = u32::from(c);
    let i = ranges.partition_point(|&(_, last, _)| last < cp);
    ranges
        .get(i)
        .filter(|&&(first, _, _)| first <= cp)
        .map(|&(_, _, v)| v)
}

pub(super) fn category(c: char) -> Gc {
    match c {
        ' ' => Gc::Space,
        '\0'..='\x1F' | '\x7F' => Gc::Control,
        _ if c.is_ascii() => Gc::Visible,
        _ => run_value(&tables::CATEGORY, c, Gc::Unassigned),
    }
}

pub(super) fn is_mark(c: char) -> bool {
    category(c) == Gc::Mark
}

pub(super) fn bidi(c: char) -> Bidi {
    match c {
        'a'..='z' | 'A'..='Z' => Bidi::L,
        '0'..='9' => Bidi::EN,
        '-' => Bidi::ES,
        _ => run_value(&tables::BIDI, c, Bidi::Unknown),
    }
}

pub(super) fn combining_class(c: char) -> u8 {
    run_value(&tables::COMBINING_CLASS, c, 0)
}

pub(super) fn idna_class(c: char) -> Option<Idna> {
    match c {
        'a'..='z' | '0'..='9' | '-' => Some(Idna::Pvalid),
        _ if c.is_ascii() => None,
        _ => range_value(&tables::IDNA_CLASS, c),
    }
}

pub(super) fn script(c: char) -> Option<Script> {
    range_value(&tables::SCRIPT, c)
}

pub(super) fn joining(c: char) -> Joining {
    run_value(&tables::JOINING_TYPE, c, Joining::U)
}

/// Whether the decomposition of `c` holds a full stop (`⒈` is `1.`).
pub(super) fn decomposes_to_dot(c: char) -> bool {
    tables::DECOMPOSES_TO_DOT
        .binary_search(&u32::from(c))
        .is_ok()
}

// Hangul syllables compose and decompose by arithmetic (Unicode §3.12).
const S_BASE: u32 = 0xAC00;
const L_BASE: u32 = 0x1100;
const V_BASE: u32 = 0x1161;
const T_BASE: u32 = 0x11A7;
const L_COUNT: u32 = 19;
const V_COUNT: u32 = 21;
const T_COUNT: u32 = 28;
const N_COUNT: u32 = V_COUNT * T_COUNT;
const S_COUNT: u32 = L_COUNT * N_COUNT;

/// Appends the full canonical decomposition of `c`.
fn decompose(c: char, out: &mut Vec<char>) {
    let cp = u32::from(c);
    if (S_BASE..S_BASE + S_COUNT).contains(&cp) {
        let s = cp - S_BASE;
        let parts = [
            L_BASE + s / N_COUNT,
            V_BASE + (s % N_COUNT) / T_COUNT,
            T_BASE + s % T_COUNT,
        ];
        let len = if s.is_multiple_of(T_COUNT) { 2 } else { 3 };
        out.extend(parts.iter().take(len).filter_map(|&p| char::from_u32(p)));
        return;
    }
    match tables::DECOMPOSITION.binary_search_by_key(&cp, |&(c, _, _)| c) {
        Ok(i) => {
            let Some(&(_, first, second)) = tables::DECOMPOSITION.get(i) else {
                return;
            };
            for part in [first, second] {
                if let Some(p) = char::from_u32(part).filter(|_| part != 0) {
                    decompose(p, out);
                }
            }
        }
        Err(_) => out.push(c),
    }
}

/// The primary composite of `first` and `second`, if any.
fn compose_pair(first: char, second: char) -> Option<char> {
    let (a, b) = (u32::from(first), u32::from(second));
    // Hangul: L + V makes LV, LV + T makes LVT.
    if (L_BASE..L_BASE + L_COUNT).contains(&a) && (V_BASE..V_BASE + V_COUNT).contains(&b) {
        return char::from_u32(S_BASE + ((a - L_BASE) * V_COUNT + (b - V_BASE)) * T_COUNT);
    }
    if (S_BASE..S_BASE + S_COUNT).contains(&a)
        && (a - S_BASE).is_multiple_of(T_COUNT)
        && (T_BASE + 1..T_BASE + T_COUNT).contains(&b)
    {
        return char::from_u32(a + (b - T_BASE));
    }
    let i = tables::COMPOSITION
        .binary_search_by_key(&(a, b), |&(x, y, _)| (x, y))
        .ok()?;
    tables::COMPOSITION
        .get(i)
        .and_then(|&(_, _, c)| char::from_u32(c))
}

/// Whether `s` is certainly in NFC without looking it up: nothing before
/// U+0300 changes or combines under NFC.
fn trivially_nfc(s: &str) -> bool {
    s.chars().all(|c| u32::from(c) < 0x300)
}

/// Unicode Normalization Form C (UAX #15): decompose, order the marks,
/// compose.
pub(super) fn nfc(s: &str) -> String {
    if trivially_nfc(s) {
        return s.to_owned();
    }
    let mut chars = Vec::with_capacity(s.len());
    for c in s.chars() {
        decompose(c, &mut chars);
    }
    // Canonical ordering: a stable sort of each run of non-starters by class.
    let mut start = 0;
    while start < chars.len() {
        let run = chars
            .get(start..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&c| combining_class(c) != 0)
            .count();
        if let Some(marks) = chars.get_mut(start..start + run) {
            marks.sort_by_key(|&c| combining_class(c));
        }
        start += run.max(1);
    }
    // Canonical composition.
    let mut out: Vec<char> = Vec::with_capacity(chars.len());
    let mut starter: Option<usize> = None;
    let mut last_class: Option<u8> = None;
    for c in chars {
        let class = combining_class(c);
        if let Some(si) = starter {
            // Blocked when a character in between has a class of zero or
            // at least that of `c`.
            let blocked = last_class.is_some_and(|last| last == 0 || last >= class);
            if !blocked && let Some(composite) = out.get(si).and_then(|&s| compose_pair(s, c)) {
                if let Some(slot) = out.get_mut(si) {
                    *slot = composite;
                }
                continue;
            }
        }
        if class == 0 {
            starter = Some(out.len());
            last_class = None;
        } else {
            last_class = Some(class);
        }
        out.push(c);
    }
    out.into_iter().collect()
}

/// Whether `chars` are in NFC.
pub(super) fn is_nfc(chars: &[char]) -> bool {
    if chars.iter().all(|&c| u32::from(c) < 0x300) {
        return true;
    }
    let text: String = chars.iter().collect();
    nfc(&text) == text
}
