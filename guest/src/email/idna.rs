//! IDNA 2008 (RFC 5890-5893) and the UTS 46 mapping, as python `idna` applies
//! them for `email-validator`.
//!
//! [`uts46_remap`] maps a typed domain to its canonical form (case, width,
//! compatibility characters, ignored marks; then NFC). [`to_ascii`] and
//! [`to_unicode`] convert one label, checking it as RFC 5891 §5.4 says: NFC,
//! hyphens, no leading combining mark, every code point PVALID or allowed by
//! its contextual rule (RFC 5892 appendix A), and the Bidi rule (RFC 5893).

use super::punycode;
use super::tables;
use super::unicode::{self, Bidi, Idna, Joining, Script};

/// Longest label in its ASCII form, in octets (RFC 1035 §2.3.1).
pub(super) const MAX_LABEL_LEN: usize = 63;
/// The prefix of A-labels.
const ACE_PREFIX: &str = "xn--";

/// Why a label is not a valid IDNA label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum LabelError {
    /// Over 63 octets in its ASCII form.
    TooLong,
    /// Any other IDNA rule.
    Invalid,
}

/// UTS 46 processing, nontransitional, without the STD3 rules: each code
/// point is kept, mapped or dropped; a disallowed one fails. The result is in
/// NFC.
pub(super) fn uts46_remap(domain: &str) -> Option<String> {
    if domain.is_ascii() {
        // Every ASCII code point is valid but the capitals, mapped to lowercase.
        return Some(domain.to_ascii_lowercase());
    }
    let mut out = String::with_capacity(domain.len());
    for c in domain.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        let cp = u32::from(c);
        let row = tables::UTS46.partition_point(|&(start, _)| start <= cp);
        let &(_, code) = tables::UTS46.get(row.checked_sub(1)?)?;
        match code & 0b111 {
            // Valid, and deviations (kept when nontransitional).
            0 | 1 => out.push(c),
            // Ignored.
            2 => {}
            // Mapped.
            3 => {
                let len = usize::try_from((code >> 3) & 0b11_1111).ok()?;
                let offset = usize::try_from(code >> 9).ok()?;
                out.push_str(tables::UTS46_MAPPINGS.get(offset..offset + len)?);
            }
            // Disallowed.
            _ => return None,
        }
    }
    Some(unicode::nfc(&out))
}

/// One valid label in its two forms.
pub(super) struct Label {
    /// The ASCII form: as typed, or `xn--` and the Punycode.
    pub ascii: String,
    /// The Unicode form: as typed, or the A-label decoded.
    pub unicode: String,
}

/// Checks a label and gives both its forms in one pass: what [`to_ascii`]
/// and then [`to_unicode`] of its result check, without doing it twice
/// (Punycode is one-to-one, so the round trip cannot change the verdict).
pub(super) fn convert(label: &str) -> Result<Label, LabelError> {
    let forms = if label.is_ascii() {
        Label {
            unicode: to_unicode(label)?,
            ascii: label.to_owned(),
        }
    } else {
        Label {
            ascii: to_ascii(label)?,
            unicode: label.to_owned(),
        }
    };
    if forms.ascii.len() > MAX_LABEL_LEN {
        return Err(LabelError::TooLong);
    }
    Ok(forms)
}

/// The ASCII form of a label (RFC 5891 §4, python `idna.alabel`): an ASCII
/// label is checked as it would decode, a Unicode one is checked and encoded.
pub(super) fn to_ascii(label: &str) -> Result<String, LabelError> {
    let ascii = if label.is_ascii() {
        to_unicode(label)?;
        label.to_owned()
    } else {
        let chars: Vec<char> = label.chars().collect();
        check_label(&chars)?;
        let mut out = String::from(ACE_PREFIX);
        punycode::encode(&chars, &mut out).ok_or(LabelError::Invalid)?;
        out
    };
    if ascii.len() > MAX_LABEL_LEN {
        return Err(LabelError::TooLong);
    }
    Ok(ascii)
}

/// The Unicode form of a label (python `idna.ulabel`): an A-label is decoded
/// and checked, any other label checked as it is (ASCII lowercased).
pub(super) fn to_unicode(label: &str) -> Result<String, LabelError> {
    if !label.is_ascii() {
        let chars: Vec<char> = label.chars().collect();
        check_label(&chars)?;
        return Ok(label.to_owned());
    }
    let lower = label.to_ascii_lowercase();
    let Some(puny) = lower.strip_prefix(ACE_PREFIX) else {
        let chars: Vec<char> = lower.chars().collect();
        check_label(&chars)?;
        return Ok(lower);
    };
    if puny.is_empty() || puny.ends_with('-') {
        return Err(LabelError::Invalid);
    }
    let chars = punycode::decode(puny).ok_or(LabelError::Invalid)?;
    check_label(&chars)?;
    Ok(chars.into_iter().collect())
}

/// RFC 5891 §5.4: the checks of a U-label.
fn check_label(label: &[char]) -> Result<(), LabelError> {
    let (Some(&first), Some(&last)) = (label.first(), label.last()) else {
        return Err(LabelError::Invalid);
    };
    let hyphens_3_4 = label.get(2..4) == Some(&['-', '-'][..]);
    let ok = !hyphens_3_4
        && first != '-'
        && last != '-'
        && !unicode::is_mark(first)
        && (0..label.len()).all(|pos| code_point_ok(label, pos))
        && unicode::is_nfc(label)
        && bidi_rule(label, false);
    if ok { Ok(()) } else { Err(LabelError::Invalid) }
}

/// RFC 5892: PVALID, or CONTEXTJ / CONTEXTO with its rule holding.
fn code_point_ok(label: &[char], pos: usize) -> bool {
    let Some(&c) = label.get(pos) else {
        return false;
    };
    match unicode::idna_class(c) {
        Some(Idna::Pvalid) => true,
        Some(Idna::ContextJ) => context_j(label, pos),
        Some(Idna::ContextO) => context_o(label, pos),
        None => false,
    }
}

/// RFC 5892 A.1 and A.2: the zero-width non-joiner and joiner.
fn context_j(label: &[char], pos: usize) -> bool {
    const VIRAMA: u8 = 9;
    let before = pos.checked_sub(1).and_then(|i| label.get(i)).copied();
    if before.is_some_and(|b| unicode::combining_class(b) == VIRAMA) {
        return true;
    }
    match label.get(pos) {
        // ZWNJ: between a left- or dual-joining and a right- or dual-joining
        // character, transparent ones skipped.
        Some('\u{200C}') => {
            let joins = |chars: &mut dyn Iterator<Item = &char>, wanted: Joining| {
                chars
                    .map(|&c| unicode::joining(c))
                    .find(|&j| j != Joining::T)
                    .is_some_and(|j| j == wanted || j == Joining::D)
            };
            let (left, right) = label.split_at(pos);
            joins(&mut left.iter().rev(), Joining::L)
                && joins(&mut right.iter().skip(1), Joining::R)
        }
        // ZWJ: only after a virama.
        _ => false,
    }
}

/// RFC 5892 A.3 to A.9.
fn context_o(label: &[char], pos: usize) -> bool {
    let before = pos.checked_sub(1).and_then(|i| label.get(i)).copied();
    let after = label.get(pos + 1).copied();
    let is = |c: Option<char>, s: Script| c.and_then(unicode::script) == Some(s);
    match label.get(pos).copied() {
        // Middle dot: only in "l·l" (Catalan).
        Some('\u{B7}') => before == Some('l') && after == Some('l'),
        // Greek keraia: before a Greek character.
        Some('\u{375}') => is(after, Script::Greek),
        // Hebrew geresh and gershayim: after a Hebrew character.
        Some('\u{5F3}' | '\u{5F4}') => is(before, Script::Hebrew),
        // Katakana middle dot: with a Hiragana, Katakana or Han character.
        Some('\u{30FB}') => label.iter().any(|&c| {
            c != '\u{30FB}'
                && matches!(
                    unicode::script(c),
                    Some(Script::Hiragana | Script::Katakana | Script::Han)
                )
        }),
        // Arabic-Indic digits: not mixed with extended Arabic-Indic ones.
        Some('\u{660}'..='\u{669}') => !label.iter().any(|c| ('\u{6F0}'..='\u{6F9}').contains(c)),
        Some('\u{6F0}'..='\u{6F9}') => !label.iter().any(|c| ('\u{660}'..='\u{669}').contains(c)),
        _ => false,
    }
}

/// The Bidi rule (RFC 5893 §2) for one label. Without `check_ltr` a label with
/// no right-to-left character passes; with it (every label of a domain that
/// has one) it is held to the left-to-right conditions. A code point of
/// unknown direction always fails.
pub(super) fn bidi_rule(label: &[char], check_ltr: bool) -> bool {
    let mut has_rtl = false;
    for &c in label {
        match unicode::bidi(c) {
            Bidi::Unknown => return false,
            Bidi::R | Bidi::AL | Bidi::AN => has_rtl = true,
            _ => {}
        }
    }
    if !has_rtl && !check_ltr {
        return true;
    }
    let rtl = match label.first().map(|&c| unicode::bidi(c)) {
        Some(Bidi::R | Bidi::AL) => true,
        Some(Bidi::L) => false,
        _ => return false,
    };
    let mut valid_ending = false;
    let mut numbers: Option<Bidi> = None;
    for &c in label {
        let class = unicode::bidi(c);
        // Numbers, separators, neutrals and marks go in a label of either
        // direction; strong letters only in their own.
        let weak = matches!(
            class,
            Bidi::EN | Bidi::ES | Bidi::CS | Bidi::ET | Bidi::ON | Bidi::BN | Bidi::NSM
        );
        let allowed = weak
            || if rtl {
                matches!(class, Bidi::R | Bidi::AL | Bidi::AN)
            } else {
                class == Bidi::L
            };
        if !allowed {
            return false;
        }
        let ends = if rtl {
            matches!(class, Bidi::R | Bidi::AL | Bidi::EN | Bidi::AN)
        } else {
            matches!(class, Bidi::L | Bidi::EN)
        };
        if ends {
            valid_ending = true;
        } else if class != Bidi::NSM {
            valid_ending = false;
        }
        // A right-to-left label may not mix Arabic-Indic and European digits.
        if rtl && matches!(class, Bidi::AN | Bidi::EN) && *numbers.get_or_insert(class) != class {
            return false;
        }
    }
    valid_ending
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One label of `tests/vectors/email_idna.json` with python `idna`'s own
    /// verdict: its ASCII form, or none.
    #[derive(serde::Deserialize)]
    struct Row {
        label: String,
        ascii: Option<String>,
    }

    #[derive(serde::Deserialize)]
    struct Vectors {
        rows: Vec<Row>,
    }

    #[test]
    fn labels_agree_with_python_idna() {
        let text = include_str!("../../tests/vectors/email_idna.json");
        let rows = serde_json::from_str::<Vectors>(text)
            .expect("vectors parse")
            .rows;
        assert!(rows.len() >= 1000);
        assert!(rows.iter().filter(|r| r.ascii.is_some()).count() >= 200);
        let failures: Vec<String> = rows
            .iter()
            .filter_map(|row| {
                let got = to_ascii(&row.label).ok();
                (got != row.ascii)
                    .then(|| format!("{:?}: got {got:?}, expected {:?}", row.label, row.ascii))
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} labels:\n{}",
            failures.len(),
            rows.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn remaps_case_width_and_compatibility_characters() {
        assert_eq!(uts46_remap("MÜNCHEN.de").as_deref(), Some("münchen.de"));
        assert_eq!(
            uts46_remap("ｅｘａｍｐｌｅ。com").as_deref(),
            Some("example.com")
        );
        assert_eq!(uts46_remap("①.com").as_deref(), Some("1.com"));
        assert_eq!(uts46_remap("straße").as_deref(), Some("straße"));
        assert_eq!(uts46_remap("mu\u{308}nchen").as_deref(), Some("münchen"));
        assert_eq!(uts46_remap("exa\u{FE0F}mple").as_deref(), Some("example"));
        assert_eq!(uts46_remap("a\u{2488}b"), None);
    }

    #[test]
    fn labels_convert_both_ways() {
        assert_eq!(to_ascii("münchen").as_deref(), Ok("xn--mnchen-3ya"));
        assert_eq!(to_unicode("xn--mnchen-3ya").as_deref(), Ok("münchen"));
        assert_eq!(to_unicode("XN--P1AI").as_deref(), Ok("рф"));
        assert_eq!(to_ascii("example").as_deref(), Ok("example"));
        assert_eq!(to_ascii(&"中文".repeat(27)), Err(LabelError::TooLong));
        assert_eq!(to_ascii("xn--zz"), Err(LabelError::Invalid));
        assert_eq!(to_ascii("xn--"), Err(LabelError::Invalid));
    }

    #[test]
    fn contextual_rules_of_rfc_5892() {
        let ok = |s: &str| to_ascii(s).is_ok();
        assert!(ok("col·legi"));
        assert!(!ok("ab·c"));
        assert!(ok("α͵β"));
        assert!(!ok("a͵b"));
        assert!(ok("אב׳"));
        assert!(ok("ジョン・スミス"));
        assert!(!ok("a・b"));
        assert!(ok("ب٣٤"));
        assert!(!ok("ب٣۴"));
        // ZWNJ after a virama, and between dual-joining Arabic letters.
        assert!(ok("क्\u{200C}ष"));
        assert!(ok("بب\u{200C}بب"));
        assert!(!ok("a\u{200C}b"));
        assert!(ok("क्\u{200D}ष"));
        assert!(!ok("a\u{200D}b"));
    }

    #[test]
    fn bidi_rule_of_rfc_5893() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert!(bidi_rule(&chars("אב"), false));
        assert!(bidi_rule(&chars("1"), false));
        assert!(!bidi_rule(&chars("1"), true));
        assert!(!bidi_rule(&chars("aא"), false));
        assert!(!bidi_rule(&chars("א١1"), false));
    }
}
