//! The domain of an address: the rules of `email-validator`'s domain check,
//! in its order, on top of [`super::idna`].
//!
//! A typed domain is checked for unsafe characters, mapped by UTS 46 (case,
//! width, compatibility forms; `⒈` is disallowed there because it would
//! hide a dot), checked as a hostname (letters, digits, hyphens, single dots),
//! converted label by label to its ASCII form (lengths count there: 63 octets
//! a label, 253 the domain), held to the deliverability rules (two labels, a
//! TLD ending with a letter, no special-use name) and, when it has A-labels,
//! decoded back to Unicode and checked again (the Bidi rule across labels).

use super::EmailError;
use super::idna::{self, LabelError};
use super::unicode::{self, Bidi, Gc};

/// Longest domain in its ASCII (Punycode) form, in octets (RFC 1035 §2.3.4).
pub(super) const MAX_DOMAIN_LEN: usize = 253;
/// Special-use TLDs that cannot receive mail (RFC 6761, 6762, 7686), as
/// email-validator rejects them. `example.*` stays valid (RFC 2606).
const RESERVED_TLDS: [&str; 6] = ["arpa", "invalid", "local", "localhost", "onion", "test"];

/// A valid domain in its two forms.
#[derive(Debug)]
pub(super) struct Domain {
    /// Mapped by UTS 46, A-labels decoded: what is stored (`None` when it is
    /// the ASCII form).
    pub unicode: Option<String>,
    /// Every label in its ASCII form: what the length limits count.
    pub ascii: String,
}

/// Whether `email-validator` accepts `c` in a domain before and after
/// mapping: letters, digits, hyphen, dot, or anything beyond ASCII.
fn hostname_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '.' || !c.is_ascii()
}

/// Characters that can make an address display as another or not display at
/// all: spaces, line breaks, controls, format characters, private use,
/// unassigned code points, and a combining mark at the very start (it would
/// combine with what precedes). Marks elsewhere, letters, numbers,
/// punctuation and symbols are safe.
pub(super) fn has_unsafe_char(s: &str) -> bool {
    s.chars()
        .enumerate()
        .any(|(i, c)| match unicode::category(c) {
            Gc::Visible => false,
            Gc::Mark => i == 0,
            _ => true,
        })
}

/// Code points that `email-validator` rejects before UTS 46 mapping, where the
/// mapping would otherwise make something else of them.
fn uts46_valid_char(c: char) -> bool {
    let cp = u32::from(c);
    if (0x80..=0x9F).contains(&cp) {
        return false;
    }
    let exempt = ((0x2010..=0x2060).contains(&cp)
        && !(0x2024..=0x2026).contains(&cp)
        && !(0x2028..=0x202E).contains(&cp))
        || matches!(cp, 0xAD | 0x2064 | 0xFF0E | 0x200B..=0x200D | 0x1_BCA0..=0x1_BCA3);
    if exempt {
        return true;
    }
    let bad_category = matches!(
        unicode::category(c),
        Gc::Format | Gc::Unassigned | Gc::PrivateUse | Gc::Surrogate | Gc::Space | Gc::LineBreak
    );
    !bad_category && !unicode::decomposes_to_dot(c)
}

/// A hostname label (RFC 952, RFC 1123 §2.1): ASCII letters and digits,
/// hyphens inside.
fn ldh_label(label: &str) -> bool {
    let bytes = label.as_bytes();
    let alnum = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    alnum(bytes.first())
        && alnum(bytes.last())
        && bytes
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Checks a domain (trimmed, after the `@`, not empty, not a literal).
pub(super) fn check(typed: &str) -> Result<Domain, EmailError> {
    // First, so that everything below works on bounded input.
    if typed.chars().count() > MAX_DOMAIN_LEN {
        return Err(EmailError::DomainTooLong);
    }
    if !typed.chars().all(hostname_char) {
        return Err(EmailError::BadDomain);
    }
    // ASCII hostname characters are all safe and valid for UTS 46.
    if !typed.is_ascii() {
        if has_unsafe_char(typed) {
            return Err(EmailError::UnsafeCharacter);
        }
        if !typed.chars().all(uts46_valid_char) {
            return Err(EmailError::BadIdn);
        }
    }
    let mapped = idna::uts46_remap(typed).ok_or(EmailError::BadIdn)?;
    // A character can map to one a hostname does not allow (U+1FEF to `).
    if !mapped.chars().all(hostname_char) {
        return Err(EmailError::BadIdn);
    }
    // Dots and hyphens (RFC 952, RFC 1123 §2.1, RFC 5322 §3.2.3): no empty
    // label, none starting or ending with a hyphen; and hyphens in positions
    // 3 and 4 are reserved for "xn--" (RFC 5891 §4.2.3.1). Positions count
    // characters, not bytes (`à--v` holds none there).
    let mut all_ldh = true;
    for label in mapped.split('.') {
        let mut chars = label.chars();
        let first_two = [chars.next(), chars.next()];
        let hyphen_3_4 = chars.next() == Some('-') && chars.next() == Some('-');
        let xn = matches!(first_two, [Some('x' | 'X'), Some('n' | 'N')]);
        if label.is_empty() || label.starts_with('-') || label.ends_with('-') || (hyphen_3_4 && !xn)
        {
            return Err(EmailError::BadDomain);
        }
        all_ldh &= ldh_label(label);
    }

    // The ASCII form: as mapped when every label is a hostname label, else
    // label by label through IDNA, keeping the Unicode forms for below.
    let mut unicode = None;
    let ascii = if all_ldh {
        mapped
    } else {
        let (ascii, uni) = convert_labels(&mapped)?;
        unicode = Some(uni);
        ascii
    };
    if ascii.len() > MAX_DOMAIN_LEN {
        return Err(EmailError::DomainTooLong);
    }
    if ascii
        .split('.')
        .any(|label| label.len() > idna::MAX_LABEL_LEN)
    {
        return Err(EmailError::LabelTooLong);
    }
    if !ascii.contains('.') {
        return Err(EmailError::SingleLabelDomain);
    }
    if !ascii.ends_with(|c: char| c.is_ascii_alphabetic()) {
        return Err(EmailError::BadTld);
    }
    let reserved_tld = RESERVED_TLDS.iter().any(|&tld| {
        ascii
            .strip_suffix(tld)
            .is_some_and(|rest| rest.is_empty() || rest.ends_with('.'))
    });
    if reserved_tld {
        return Err(EmailError::ReservedDomain);
    }
    if !ascii.as_bytes().windows(4).any(|w| w == b"xn--") {
        return Ok(Domain {
            unicode: None,
            ascii,
        });
    }
    let unicode = match unicode {
        Some(u) => u,
        None => convert_labels(&ascii)?.1,
    };
    check_unicode_form(&unicode)?;
    Ok(Domain {
        unicode: Some(unicode),
        ascii,
    })
}

/// Both forms of a domain, label by label.
fn convert_labels(domain: &str) -> Result<(String, String), EmailError> {
    let mut ascii = String::with_capacity(domain.len() + 8);
    let mut unicode = String::with_capacity(domain.len());
    for (i, label) in domain.split('.').enumerate() {
        let forms = idna::convert(label).map_err(label_error)?;
        if i > 0 {
            ascii.push('.');
            unicode.push('.');
        }
        ascii.push_str(&forms.ascii);
        unicode.push_str(&forms.unicode);
    }
    Ok((ascii, unicode))
}

/// The Unicode form of a domain with A-labels, checked as a whole as the
/// reference does before it returns it.
fn check_unicode_form(unicode: &str) -> Result<(), EmailError> {
    if !unicode.chars().all(hostname_char) {
        return Err(EmailError::BadIdn);
    }
    if has_unsafe_char(unicode) {
        return Err(EmailError::UnsafeCharacter);
    }
    // In a domain with a right-to-left label, the Bidi rule holds for every
    // label, left-to-right ones too (RFC 5893 §1.4): it keeps `1.אב.com` from
    // displaying as `אב.1.com`.
    let bidi_domain = unicode
        .chars()
        .any(|c| matches!(unicode::bidi(c), Bidi::R | Bidi::AL | Bidi::AN));
    if bidi_domain {
        let all_ok = unicode.split('.').all(|label| {
            let chars: Vec<char> = label.chars().collect();
            idna::bidi_rule(&chars, true)
        });
        if !all_ok {
            return Err(EmailError::BadIdn);
        }
    }
    Ok(())
}

fn label_error(e: LabelError) -> EmailError {
    match e {
        LabelError::TooLong => EmailError::LabelTooLong,
        LabelError::Invalid => EmailError::BadIdn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// email-validator rejects these before UTS 46 sees them; with idna 3.13
    /// the mapping disallows most of them too, but not with every version.
    #[test]
    fn characters_that_would_hide_a_dot_are_rejected_before_mapping() {
        for c in [
            '⒈', '⒛', '\u{2024}', '﹒', '㏂', '\u{85}', '\u{A0}', '\u{E000}',
        ] {
            assert!(!uts46_valid_char(c), "{c:?}");
        }
        // The full-width full stop is a dot; hyphens and joiners are left
        // to the IDNA checks.
        for c in ['a', 'ü', '．', '\u{2010}', '\u{200D}', '\u{AD}'] {
            assert!(uts46_valid_char(c), "{c:?}");
        }
    }

    #[test]
    fn unsafe_characters() {
        assert!(has_unsafe_char("\u{301}a"));
        assert!(!has_unsafe_char("a\u{301}"));
        for s in [
            "a b",
            "a\u{2028}",
            "a\u{200B}",
            "a\u{E000}",
            "a\u{378}",
            "a\u{7}",
        ] {
            assert!(has_unsafe_char(s), "{s:?}");
        }
        assert!(!has_unsafe_char("ü€©¿中"));
    }

    #[test]
    fn both_forms_of_a_domain() {
        let d = check("XN--MNCHEN-3YA.Example.COM").unwrap();
        assert_eq!(d.unicode.as_deref(), Some("münchen.example.com"));
        assert_eq!(d.ascii, "xn--mnchen-3ya.example.com");
        let d = check("例え.テスト").unwrap();
        assert_eq!(d.ascii, "xn--r8jz45g.xn--zckzah");
        let d = check("Example.COM").unwrap();
        assert_eq!((d.ascii.as_str(), d.unicode), ("example.com", None));
    }
}
