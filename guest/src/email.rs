//! Email addresses: the strict practical mailbox policy of spec §3.
//!
//! [`normalize`] trims an address, validates it and returns it with its domain
//! lowercased (the local part is kept as typed); [`key`] is the comparison key
//! (emails compare case-insensitively); [`domain`] extracts the domain.
//!
//! The reference verdicts are those of python `email-validator` with
//! `strict=True`. `tests/vectors/email.json`, made by
//! `tests/vectors/gen_email.py`, records them; the tests below replay every row.
//!
//! The validator is written here rather than on top of `email_address`: even
//! configured strictly (no display text, no domain literal, two labels), that
//! crate accepts quoted local parts, `_` or `!` in domain labels, any non-ASCII
//! character (controls, zero-width and bidi overrides included), numeric TLDs
//! and addresses over 254 octets, and it knows nothing of IDNA. Wrapping it
//! would mean a second parse that still leaves every rule to re-check, while
//! this is the hot path of bulk imports. One pass, with no regex and no
//! allocation for ASCII addresses beyond the returned string, is simpler. The
//! crate stays as a cross-check in the tests: every ASCII address we accept,
//! it accepts too.
//!
//! Where this differs from the oracle:
//! - the local part is limited to 64 octets, as the spec says, where
//!   email-validator counts 64 characters (a vector records it);
//! - no NFC normalization and no decoding of A-labels (`xn--…`, checked but
//!   stored as typed): a decomposed `é` and a precomposed one, or `xn--p1ai`
//!   and `рф`, make different keys (the oracle's output would differ, not
//!   its verdict);
//! - without the Unicode data tables (a dependency, and size in the wasm
//!   component), IDNA 2008 and UTS 46 are approximated: labels take lowercase
//!   alphanumerics and combining marks minus a few disallowed blocks, Bidi
//!   classes follow script blocks, and compatibility characters that UTS 46
//!   would map (`①`, `㎑`, mathematical letters) get approximate verdicts;
//!   unassigned code points are not rejected.

use std::fmt;

/// Longest address, in octets (RFC 5321 §4.5.3.1.3 with RFC 3696 errata).
pub const MAX_LEN: usize = 254;
/// Longest local part, in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_LEN: usize = 64;
/// Longest domain in its ASCII (Punycode) form, in octets (RFC 1035 §2.3.4).
const MAX_DOMAIN_LEN: usize = 253;
/// Longest domain label in its ASCII (Punycode) form, in octets (RFC 1035 §2.3.1).
const MAX_LABEL_LEN: usize = 63;
/// Special-use TLDs that cannot receive mail (RFC 6761, 6762, 7686), as
/// email-validator rejects them. `example.*` stays valid (RFC 2606).
const RESERVED_TLDS: [&str; 6] = ["arpa", "invalid", "local", "localhost", "onion", "test"];
/// The ASCII characters of RFC 5322 `atext` besides letters and digits.
const ATEXT_SPECIALS: &str = "!#$%&'*+-/=?^_`{|}~";

/// Why an address was rejected; one variant per class of mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailError {
    /// Nothing but whitespace.
    Empty,
    /// Over 254 octets, as typed, as stored or with its domain in Punycode.
    TooLong,
    /// No `@`.
    MissingAt,
    /// More than one `@`.
    MultipleAt,
    /// `Jane <jane@example.com>` or `<jane@example.com>`.
    DisplayName,
    /// `"jane doe"@example.com`.
    QuotedLocal,
    /// `jane(comment)@example.com`.
    Comment,
    /// Nothing before the `@`.
    MissingLocal,
    /// A local part over 64 octets.
    LocalTooLong,
    /// A character, or a dot placement, that the local part does not allow.
    BadLocal,
    /// Nothing after the `@`.
    MissingDomain,
    /// `jane@[192.0.2.1]`.
    DomainLiteral,
    /// `jane@localhost`: a domain needs at least two labels.
    SingleLabelDomain,
    /// A domain label over 63 octets in its Punycode form.
    LabelTooLong,
    /// A domain over 253 octets in its Punycode form.
    DomainTooLong,
    /// A top-level domain that does not end with a letter (`jane@example.123`).
    BadTld,
    /// A special-use domain that cannot receive mail (`.test`, `.local`, …).
    ReservedDomain,
    /// A character, hyphen, dot or IDNA rule that the domain breaks.
    BadDomain,
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the email address is empty",
            Self::TooLong => "the email address is too long (at most 254 bytes)",
            Self::MissingAt => "the email address must contain an @ sign",
            Self::MultipleAt => "the email address must contain exactly one @ sign",
            Self::DisplayName => "enter the email address alone, without a name or angle brackets",
            Self::QuotedLocal => "quotes are not allowed before the @ sign",
            Self::Comment => "comments in parentheses are not allowed in an email address",
            Self::MissingLocal => "the email address needs something before the @ sign",
            Self::LocalTooLong => "the part before the @ sign is too long (at most 64 bytes)",
            Self::BadLocal => {
                "the part before the @ sign may contain only letters, digits and \
                 ! # $ % & ' * + - / = ? ^ _ ` { | } ~, with single dots between them"
            }
            Self::MissingDomain => "the email address needs a domain after the @ sign",
            Self::DomainLiteral => {
                "an IP address in brackets is not accepted after the @ sign; use a domain name"
            }
            Self::SingleLabelDomain => "the domain must contain a dot, as in example.com",
            Self::LabelTooLong => {
                "a part of the domain between dots is too long (at most 63 bytes)"
            }
            Self::DomainTooLong => "the domain is too long (at most 253 bytes)",
            Self::BadTld => "the domain must end with a top-level domain such as .com",
            Self::ReservedDomain => {
                "the domain is a special-use name (such as .test, .local or .invalid) \
                 that cannot receive email"
            }
            Self::BadDomain => {
                "the domain may contain only letters, digits and hyphens, with single dots \
                 between its parts, none of which may start or end with a hyphen"
            }
        })
    }
}

impl std::error::Error for EmailError {}

/// Trim, validate as a strict practical mailbox, return it with the domain
/// lowercased (local part kept as typed).
///
/// The domain is also folded as UTS 46 does where users would not see the
/// difference: full-width forms become ASCII and ideographic full stops dots
/// (`ｅｘａｍｐｌｅ。com` is `example.com`, as typed with a CJK input method),
/// invisible variation selectors are dropped.
///
/// # Errors
///
/// The [`EmailError`] naming the first rule the address breaks.
pub fn normalize(input: &str) -> Result<String, EmailError> {
    let addr = input.trim();
    if addr.is_empty() {
        return Err(EmailError::Empty);
    }
    // First, so that everything below (Punycode included) works on bounded input.
    if addr.len() > MAX_LEN {
        return Err(EmailError::TooLong);
    }
    // Forms that can never be valid, recognized up front to name the mistake.
    if addr.contains(['<', '>']) {
        return Err(EmailError::DisplayName);
    }
    if addr.contains(['(', ')']) {
        return Err(EmailError::Comment);
    }
    let Some((local, domain)) = addr.split_once('@') else {
        return Err(EmailError::MissingAt);
    };
    if local.contains('"') {
        return Err(EmailError::QuotedLocal);
    }
    if domain.contains('@') {
        return Err(EmailError::MultipleAt);
    }
    check_local(local)?;

    let mut out = String::with_capacity(addr.len());
    out.push_str(local);
    out.push('@');
    let domain_start = out.len();
    push_folded_domain(domain, &mut out)?;
    let lens = check_domain(out.get(domain_start..).unwrap_or_default())?;
    // email-validator checks the address as typed (done above), as normalized
    // and with its domain in Punycode; lowercasing can lengthen a few letters.
    if out.len() > MAX_LEN
        || domain_start + lens.ascii > MAX_LEN
        || domain_start + lens.unicode > MAX_LEN
    {
        return Err(EmailError::TooLong);
    }
    Ok(out)
}

/// The comparison key: the whole normalized address lowercased (emails
/// compare case-insensitively).
///
/// Lowercases character by character, without the final-sigma rule of
/// [`str::to_lowercase`], so that `ΑΣ` and `ασ` get the same key.
pub fn key(normalized: &str) -> String {
    if normalized.is_ascii() {
        normalized.to_ascii_lowercase()
    } else {
        normalized.chars().flat_map(char::to_lowercase).collect()
    }
}

/// The domain part of a normalized address (lowercase).
pub fn domain(normalized: &str) -> &str {
    normalized.rsplit_once('@').map_or("", |(_, domain)| domain)
}

/// The local part: an RFC 5322 dot-atom, with `atext` extended to the safe
/// non-ASCII characters (RFC 6531 §3.3).
fn check_local(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::MissingLocal);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalTooLong);
    }
    // No leading, trailing or consecutive dots.
    if local.split('.').any(str::is_empty) {
        return Err(EmailError::BadLocal);
    }
    // A leading combining mark would combine with whatever precedes the address.
    if local.chars().next().is_some_and(is_mark) {
        return Err(EmailError::BadLocal);
    }
    let ok = local.chars().all(|c| {
        if c.is_ascii() {
            c == '.' || c.is_ascii_alphanumeric() || ATEXT_SPECIALS.contains(c)
        } else {
            is_safe_unicode(c)
        }
    });
    if ok {
        Ok(())
    } else {
        Err(EmailError::BadLocal)
    }
}

/// Non-ASCII characters that email-validator considers safe in an address:
/// not spaces, controls, format characters (zero-width, bidi controls),
/// private-use characters or noncharacters. (Unassigned code points, which it
/// also rejects, would need the Unicode tables.)
fn is_safe_unicode(c: char) -> bool {
    let cp = u32::from(c);
    !(c.is_whitespace()
        || c.is_control()
        || in_ranges(&FORMAT, cp)
        || matches!(cp, 0xE000..=0xF8FF | 0xF_0000..=0x10_FFFF | 0xFDD0..=0xFDEF)
        || cp & 0xFFFE == 0xFFFE)
}

/// Appends the domain to `out`, lowercased and with full-width forms folded.
fn push_folded_domain(domain: &str, out: &mut String) -> Result<(), EmailError> {
    if domain.is_empty() {
        return Err(EmailError::MissingDomain);
    }
    if domain.starts_with('[') {
        return Err(EmailError::DomainLiteral);
    }
    // Checked before dropping ignored marks: a leading mark would combine
    // with the @ sign.
    if domain.chars().next().is_some_and(is_mark) {
        return Err(EmailError::BadDomain);
    }
    if domain.is_ascii() {
        let start = out.len();
        out.push_str(domain);
        if let Some(pushed) = out.get_mut(start..) {
            pushed.make_ascii_lowercase();
        }
    } else {
        // Per character, as UTS 46 maps (no final-sigma rule).
        let folded = domain.chars().filter(|&c| !is_ignored(c)).map(fold_width);
        out.extend(folded.flat_map(char::to_lowercase));
    }
    Ok(())
}

/// Marks that UTS 46 drops from domains: variation selectors and the
/// combining grapheme joiner (invisible, so a user cannot tell they are there).
fn is_ignored(c: char) -> bool {
    matches!(
        u32::from(c),
        0x34F | 0x180B..=0x180D | 0x180F | 0xFE00..=0xFE0F | 0xE_0100..=0xE_01EF
    )
}

/// UTS 46 maps full-width ASCII forms and the ideographic full stops to ASCII.
fn fold_width(c: char) -> char {
    match c {
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(u32::from(c) - 0xFEE0).unwrap_or(c),
        '\u{3002}' | '\u{FF61}' => '.',
        _ => c,
    }
}

/// Octet lengths of a valid domain in its two wire forms.
struct DomainLens {
    /// With every label in ASCII (Punycode for internationalized ones).
    ascii: usize,
    /// With every label in Unicode (A-labels decoded).
    unicode: usize,
}

/// What one valid label contributes to its domain.
struct LabelInfo {
    ascii: usize,
    unicode: usize,
    /// It holds right-to-left characters: the Bidi rule applies to the domain.
    rtl: bool,
    /// Its ASCII form ends with a letter, as every TLD does.
    ends_with_letter: bool,
}

/// Validates a folded, lowercased domain: LDH or IDNA labels, at least two,
/// a TLD ending with a letter, not special-use, lengths in Punycode form.
fn check_domain(domain: &str) -> Result<DomainLens, EmailError> {
    let mut lens = DomainLens {
        ascii: 0,
        unicode: 0,
    };
    let mut labels = 0;
    let mut rtl = false;
    let mut tld_ends_with_letter = false;
    let mut scratch = String::new();
    for label in domain.split('.') {
        let info = check_label(label, &mut scratch)?;
        // Dots count in both forms.
        lens.ascii += info.ascii + usize::from(labels > 0);
        lens.unicode += info.unicode + usize::from(labels > 0);
        labels += 1;
        rtl |= info.rtl;
        tld_ends_with_letter = info.ends_with_letter;
    }
    if labels < 2 {
        return Err(EmailError::SingleLabelDomain);
    }
    if lens.ascii > MAX_DOMAIN_LEN {
        return Err(EmailError::DomainTooLong);
    }
    if !tld_ends_with_letter {
        return Err(EmailError::BadTld);
    }
    if domain
        .rsplit('.')
        .next()
        .is_some_and(|tld| RESERVED_TLDS.contains(&tld))
    {
        return Err(EmailError::ReservedDomain);
    }
    if rtl && !domain.split('.').all(bidi_label_ok) {
        return Err(EmailError::BadDomain);
    }
    Ok(lens)
}

/// One label: LDH (RFC 952/1123), an A-label that decodes to a valid U-label,
/// or a U-label (RFC 5890/5891).
fn check_label(label: &str, scratch: &mut String) -> Result<LabelInfo, EmailError> {
    if label.is_ascii() {
        let bytes = label.as_bytes();
        let ldh = bytes
            .iter()
            .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !ldh || label.is_empty() || label.starts_with('-') || label.ends_with('-') {
            return Err(EmailError::BadDomain);
        }
        if label.len() > MAX_LABEL_LEN {
            return Err(EmailError::LabelTooLong);
        }
        let ends_with_letter = bytes.last().is_some_and(u8::is_ascii_alphabetic);
        // Hyphens in positions 3 and 4 are reserved for "xn--" (RFC 5891 §4.2.3.1).
        if bytes.get(2..4) != Some(b"--") {
            let len = label.len();
            return Ok(LabelInfo {
                ascii: len,
                unicode: len,
                rtl: false,
                ends_with_letter,
            });
        }
        let decoded = label
            .strip_prefix("xn--")
            .and_then(punycode_decode)
            .ok_or(EmailError::BadDomain)?;
        check_ulabel(&decoded)?;
        Ok(LabelInfo {
            ascii: label.len(),
            unicode: decoded.iter().map(|c| c.len_utf8()).sum(),
            rtl: decoded.iter().any(|&c| starts_bidi(c)),
            ends_with_letter,
        })
    } else {
        let chars: Vec<char> = label.chars().collect();
        check_ulabel(&chars)?;
        scratch.clear();
        scratch.push_str("xn--");
        punycode_encode(&chars, scratch).ok_or(EmailError::BadDomain)?;
        if scratch.len() > MAX_LABEL_LEN {
            return Err(EmailError::LabelTooLong);
        }
        Ok(LabelInfo {
            ascii: scratch.len(),
            unicode: label.len(),
            rtl: chars.iter().any(|&c| starts_bidi(c)),
            ends_with_letter: scratch.ends_with(|c: char| c.is_ascii_alphabetic()),
        })
    }
}

/// A U-label (typed, or decoded from an A-label) per RFC 5891 §5.4, with the
/// code point classes of RFC 5892 approximated (see the module doc).
fn check_ulabel(chars: &[char]) -> Result<(), EmailError> {
    let (Some(&first), Some(&last)) = (chars.first(), chars.last()) else {
        return Err(EmailError::BadDomain);
    };
    let reserved_hyphens = chars.get(2..4) == Some(&['-', '-'][..]);
    if first == '-' || last == '-' || reserved_hyphens || is_mark(first) {
        return Err(EmailError::BadDomain);
    }
    let ok = chars.iter().enumerate().all(|(i, &c)| match c {
        'a'..='z' | '0'..='9' | '-' => true,
        // RFC 5892 A.3: the Catalan middle dot, only in "l·l".
        '\u{B7}' => {
            i.checked_sub(1).and_then(|j| chars.get(j)) == Some(&'l')
                && chars.get(i + 1) == Some(&'l')
        }
        // A.4: the Greek keraia, only before a Greek letter.
        '\u{375}' => chars
            .get(i + 1)
            .is_some_and(|&c| matches!(c, '\u{370}'..='\u{3FF}' | '\u{1F00}'..='\u{1FFF}')),
        // A.5, A.6: the Hebrew geresh and gershayim, only after a Hebrew letter.
        '\u{5F3}' | '\u{5F4}' => i
            .checked_sub(1)
            .and_then(|j| chars.get(j))
            .is_some_and(|&c| matches!(c, '\u{5D0}'..='\u{5EA}')),
        // A.7: the katakana middle dot, only among Japanese characters.
        '\u{30FB}' => chars.iter().any(|&c| is_japanese(c)),
        _ if c.is_ascii() => false,
        _ => !is_disallowed(c) && ((c.is_alphanumeric() && !c.is_uppercase()) || is_mark(c)),
    });
    if ok {
        Ok(())
    } else {
        Err(EmailError::BadDomain)
    }
}

/// Letters and marks that IDNA 2008 disallows: the exceptions of RFC 5892
/// §2.6 (tatweel, NKo lajanyalan, Hangul tone marks, vertical kana repeat
/// marks), the old Hangul jamo of §2.9 with the compatibility jamo that UTS 46
/// maps to them, the iota subscript (mapped to a space) and the combining
/// marks for symbols and music.
fn is_disallowed(c: char) -> bool {
    matches!(
        u32::from(c),
        0x37A
            | 0x640
            | 0x7FA
            | 0x302E
            | 0x302F
            | 0x3031..=0x3035
            | 0x303B
            | 0x1100..=0x11FF
            | 0x3131..=0x318E
            | 0xA960..=0xA97F
            | 0xD7B0..=0xD7FF
            | 0xFFA0..=0xFFDC
            | 0x20D0..=0x20FF
            | 0x1_D100..=0x1_D24F
    )
}

/// Characters of the Hiragana, Katakana or Han scripts, roughly (the middle
/// dot itself and the prolonged sound mark are of the Common script).
fn is_japanese(c: char) -> bool {
    matches!(
        u32::from(c),
        0x3005
            | 0x3007
            | 0x3040..=0x30FA
            | 0x30FD..=0x30FF
            | 0x31F0..=0x31FF
            | 0x3400..=0x4DBF
            | 0x4E00..=0x9FFF
            | 0xF900..=0xFAFF
            | 0xFF66..=0xFF6F
            | 0xFF71..=0xFF9D
            | 0x2_0000..=0x3_FFFF
    )
}

/// Bidi classes, as far as the characters allowed in labels need them.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Bidi {
    /// Left-to-right letters (L).
    Ltr,
    /// Right-to-left letters (R, AL).
    Rtl,
    /// Arabic-Indic digits (AN).
    ArabicNumber,
    /// European digits (EN).
    EuropeanNumber,
    /// Combining marks (NSM).
    Mark,
    /// Hyphen and middle dots (ES, ON).
    Neutral,
}

fn bidi_class(c: char) -> Bidi {
    match u32::from(c) {
        0x30..=0x39 | 0x6F0..=0x6F9 => Bidi::EuropeanNumber,
        0x660..=0x669 => Bidi::ArabicNumber,
        0x2D | 0xB7 | 0x30FB => Bidi::Neutral,
        _ if is_mark(c) => Bidi::Mark,
        // The right-to-left blocks: Hebrew to Arabic Extended-A, the Hebrew
        // and Arabic presentation forms, and the right-to-left SMP ranges.
        0x590..=0x8FF
        | 0xFB1D..=0xFDFF
        | 0xFE70..=0xFEFF
        | 0x1_0800..=0x1_0FFF
        | 0x1_E800..=0x1_EFFF => Bidi::Rtl,
        // Superscript, circled and other compatibility digits, which UTS 46
        // maps to ASCII digits.
        _ if c.is_numeric() && !c.is_alphabetic() => Bidi::EuropeanNumber,
        _ => Bidi::Ltr,
    }
}

/// Whether `c` makes the domain a "Bidi domain name" (RFC 5893 §1.4).
fn starts_bidi(c: char) -> bool {
    matches!(bidi_class(c), Bidi::Rtl | Bidi::ArabicNumber)
}

/// The Bidi rule (RFC 5893 §2), applied to every label of a Bidi domain name,
/// left-to-right ones included, as email-validator does: it keeps a domain
/// from displaying like another (`1.אב.com` and `אב.1.com`).
fn bidi_label_ok(label: &str) -> bool {
    let chars: Vec<char> = match label.strip_prefix("xn--") {
        Some(puny) => punycode_decode(puny).unwrap_or_default(),
        None => label.chars().collect(),
    };
    let rtl = match chars.first().map(|&c| bidi_class(c)) {
        Some(Bidi::Rtl) => true,
        Some(Bidi::Ltr) => false,
        _ => return false,
    };
    let mut valid_ending = false;
    let mut numbers = None;
    for &c in &chars {
        let class = bidi_class(c);
        match (rtl, class) {
            (true, Bidi::Ltr) | (false, Bidi::Rtl | Bidi::ArabicNumber) => return false,
            (_, Bidi::Mark) => {}
            (true, Bidi::Rtl | Bidi::ArabicNumber | Bidi::EuropeanNumber)
            | (false, Bidi::Ltr | Bidi::EuropeanNumber) => valid_ending = true,
            _ => valid_ending = false,
        }
        // A right-to-left label may not mix Arabic-Indic and European digits.
        if matches!(class, Bidi::ArabicNumber | Bidi::EuropeanNumber)
            && *numbers.get_or_insert(class) != class
        {
            return false;
        }
    }
    valid_ending
}

// Punycode (RFC 3492), to measure internationalized labels in their ASCII form
// and to check A-labels. Inputs are bounded by MAX_LEN; arithmetic is checked
// anyway, an overflow being an invalid label.
const BASE: u32 = 36;
const T_MIN: u32 = 1;
const T_MAX: u32 = 26;
const SKEW: u32 = 38;
const DAMP: u32 = 700;
const INITIAL_BIAS: u32 = 72;
const INITIAL_N: u32 = 0x80;

fn adapt(delta: u32, num_points: u32, first_time: bool) -> u32 {
    let mut delta = if first_time { delta / DAMP } else { delta / 2 };
    delta += delta / num_points.max(1);
    let mut k = 0;
    while delta > (BASE - T_MIN) * T_MAX / 2 {
        delta /= BASE - T_MIN;
        k += BASE;
    }
    k + (BASE - T_MIN + 1) * delta / (delta + SKEW)
}

fn threshold(k: u32, bias: u32) -> u32 {
    k.saturating_sub(bias).clamp(T_MIN, T_MAX)
}

fn encode_digit(d: u32) -> char {
    // d < 36: a-z are 0-25, 0-9 are 26-35.
    let b = if d < 26 {
        b'a' + d as u8
    } else {
        b'0' + (d - 26) as u8
    };
    char::from(b)
}

fn decode_digit(b: u8) -> Option<u32> {
    match b {
        b'a'..=b'z' => Some(u32::from(b - b'a')),
        b'A'..=b'Z' => Some(u32::from(b - b'A')),
        b'0'..=b'9' => Some(u32::from(b - b'0') + 26),
        _ => None,
    }
}

/// Appends the Punycode of `input` to `out`.
fn punycode_encode(input: &[char], out: &mut String) -> Option<()> {
    out.extend(input.iter().filter(|c| c.is_ascii()));
    let basic = u32::try_from(input.iter().filter(|c| c.is_ascii()).count()).ok()?;
    let total = u32::try_from(input.len()).ok()?;
    if basic > 0 {
        out.push('-');
    }
    let (mut n, mut delta, mut bias, mut handled) = (INITIAL_N, 0u32, INITIAL_BIAS, basic);
    while handled < total {
        let m = input
            .iter()
            .map(|&c| u32::from(c))
            .filter(|&c| c >= n)
            .min()?;
        delta = delta.checked_add((m - n).checked_mul(handled + 1)?)?;
        n = m;
        for &c in input {
            let c = u32::from(c);
            if c < n {
                delta = delta.checked_add(1)?;
            } else if c == n {
                let mut q = delta;
                let mut k = BASE;
                loop {
                    let t = threshold(k, bias);
                    if q < t {
                        break;
                    }
                    out.push(encode_digit(t + (q - t) % (BASE - t)));
                    q = (q - t) / (BASE - t);
                    k += BASE;
                }
                out.push(encode_digit(q));
                bias = adapt(delta, handled + 1, handled == basic);
                delta = 0;
                handled += 1;
            }
        }
        delta = delta.checked_add(1)?;
        n = n.checked_add(1)?;
    }
    Some(())
}

/// Decodes the Punycode part of an A-label (after "xn--").
fn punycode_decode(input: &str) -> Option<Vec<char>> {
    let (basic, deltas) = input.rsplit_once('-').unwrap_or(("", input));
    let mut output: Vec<char> = basic.chars().collect();
    let (mut n, mut i, mut bias) = (INITIAL_N, 0u32, INITIAL_BIAS);
    let mut digits = deltas.bytes().peekable();
    while digits.peek().is_some() {
        let old_i = i;
        let mut w = 1u32;
        let mut k = BASE;
        loop {
            let d = decode_digit(digits.next()?)?;
            i = i.checked_add(d.checked_mul(w)?)?;
            let t = threshold(k, bias);
            if d < t {
                break;
            }
            w = w.checked_mul(BASE - t)?;
            k = k.checked_add(BASE)?;
        }
        let len = u32::try_from(output.len() + 1).ok()?;
        bias = adapt(i - old_i, len, old_i == 0);
        n = n.checked_add(i / len)?;
        i %= len;
        output.insert(usize::try_from(i).ok()?, char::from_u32(n)?);
        i += 1;
    }
    Some(output)
}

fn is_mark(c: char) -> bool {
    let cp = u32::from(c);
    cp >= 0x300 && in_ranges(&MARKS, cp)
}

/// Whether `cp` lies in one of the sorted inclusive ranges `[start, end, …]`.
fn in_ranges(ranges: &[u32], cp: u32) -> bool {
    // Binary search for the first range that ends at or after `cp`.
    let (mut lo, mut hi) = (0, ranges.len() / 2);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if ranges.get(2 * mid + 1).is_some_and(|&end| end < cp) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    ranges.get(2 * lo).is_some_and(|&start| start <= cp)
}

/// Inclusive ranges of General_Category=Mark (Mn, Mc, Me).
/// Unicode 14.0.0, from `gen_email.py --tables`.
const MARKS: [u32; 598] = [
    0x300, 0x36F, 0x483, 0x489, 0x591, 0x5BD, 0x5BF, 0x5BF, 0x5C1, 0x5C2, 0x5C4, 0x5C5, 0x5C7,
    0x5C7, 0x610, 0x61A, 0x64B, 0x65F, 0x670, 0x670, 0x6D6, 0x6DC, 0x6DF, 0x6E4, 0x6E7, 0x6E8,
    0x6EA, 0x6ED, 0x711, 0x711, 0x730, 0x74A, 0x7A6, 0x7B0, 0x7EB, 0x7F3, 0x7FD, 0x7FD, 0x816,
    0x819, 0x81B, 0x823, 0x825, 0x827, 0x829, 0x82D, 0x859, 0x85B, 0x898, 0x89F, 0x8CA, 0x8E1,
    0x8E3, 0x903, 0x93A, 0x93C, 0x93E, 0x94F, 0x951, 0x957, 0x962, 0x963, 0x981, 0x983, 0x9BC,
    0x9BC, 0x9BE, 0x9C4, 0x9C7, 0x9C8, 0x9CB, 0x9CD, 0x9D7, 0x9D7, 0x9E2, 0x9E3, 0x9FE, 0x9FE,
    0xA01, 0xA03, 0xA3C, 0xA3C, 0xA3E, 0xA42, 0xA47, 0xA48, 0xA4B, 0xA4D, 0xA51, 0xA51, 0xA70,
    0xA71, 0xA75, 0xA75, 0xA81, 0xA83, 0xABC, 0xABC, 0xABE, 0xAC5, 0xAC7, 0xAC9, 0xACB, 0xACD,
    0xAE2, 0xAE3, 0xAFA, 0xAFF, 0xB01, 0xB03, 0xB3C, 0xB3C, 0xB3E, 0xB44, 0xB47, 0xB48, 0xB4B,
    0xB4D, 0xB55, 0xB57, 0xB62, 0xB63, 0xB82, 0xB82, 0xBBE, 0xBC2, 0xBC6, 0xBC8, 0xBCA, 0xBCD,
    0xBD7, 0xBD7, 0xC00, 0xC04, 0xC3C, 0xC3C, 0xC3E, 0xC44, 0xC46, 0xC48, 0xC4A, 0xC4D, 0xC55,
    0xC56, 0xC62, 0xC63, 0xC81, 0xC83, 0xCBC, 0xCBC, 0xCBE, 0xCC4, 0xCC6, 0xCC8, 0xCCA, 0xCCD,
    0xCD5, 0xCD6, 0xCE2, 0xCE3, 0xD00, 0xD03, 0xD3B, 0xD3C, 0xD3E, 0xD44, 0xD46, 0xD48, 0xD4A,
    0xD4D, 0xD57, 0xD57, 0xD62, 0xD63, 0xD81, 0xD83, 0xDCA, 0xDCA, 0xDCF, 0xDD4, 0xDD6, 0xDD6,
    0xDD8, 0xDDF, 0xDF2, 0xDF3, 0xE31, 0xE31, 0xE34, 0xE3A, 0xE47, 0xE4E, 0xEB1, 0xEB1, 0xEB4,
    0xEBC, 0xEC8, 0xECD, 0xF18, 0xF19, 0xF35, 0xF35, 0xF37, 0xF37, 0xF39, 0xF39, 0xF3E, 0xF3F,
    0xF71, 0xF84, 0xF86, 0xF87, 0xF8D, 0xF97, 0xF99, 0xFBC, 0xFC6, 0xFC6, 0x102B, 0x103E, 0x1056,
    0x1059, 0x105E, 0x1060, 0x1062, 0x1064, 0x1067, 0x106D, 0x1071, 0x1074, 0x1082, 0x108D, 0x108F,
    0x108F, 0x109A, 0x109D, 0x135D, 0x135F, 0x1712, 0x1715, 0x1732, 0x1734, 0x1752, 0x1753, 0x1772,
    0x1773, 0x17B4, 0x17D3, 0x17DD, 0x17DD, 0x180B, 0x180D, 0x180F, 0x180F, 0x1885, 0x1886, 0x18A9,
    0x18A9, 0x1920, 0x192B, 0x1930, 0x193B, 0x1A17, 0x1A1B, 0x1A55, 0x1A5E, 0x1A60, 0x1A7C, 0x1A7F,
    0x1A7F, 0x1AB0, 0x1ACE, 0x1B00, 0x1B04, 0x1B34, 0x1B44, 0x1B6B, 0x1B73, 0x1B80, 0x1B82, 0x1BA1,
    0x1BAD, 0x1BE6, 0x1BF3, 0x1C24, 0x1C37, 0x1CD0, 0x1CD2, 0x1CD4, 0x1CE8, 0x1CED, 0x1CED, 0x1CF4,
    0x1CF4, 0x1CF7, 0x1CF9, 0x1DC0, 0x1DFF, 0x20D0, 0x20F0, 0x2CEF, 0x2CF1, 0x2D7F, 0x2D7F, 0x2DE0,
    0x2DFF, 0x302A, 0x302F, 0x3099, 0x309A, 0xA66F, 0xA672, 0xA674, 0xA67D, 0xA69E, 0xA69F, 0xA6F0,
    0xA6F1, 0xA802, 0xA802, 0xA806, 0xA806, 0xA80B, 0xA80B, 0xA823, 0xA827, 0xA82C, 0xA82C, 0xA880,
    0xA881, 0xA8B4, 0xA8C5, 0xA8E0, 0xA8F1, 0xA8FF, 0xA8FF, 0xA926, 0xA92D, 0xA947, 0xA953, 0xA980,
    0xA983, 0xA9B3, 0xA9C0, 0xA9E5, 0xA9E5, 0xAA29, 0xAA36, 0xAA43, 0xAA43, 0xAA4C, 0xAA4D, 0xAA7B,
    0xAA7D, 0xAAB0, 0xAAB0, 0xAAB2, 0xAAB4, 0xAAB7, 0xAAB8, 0xAABE, 0xAABF, 0xAAC1, 0xAAC1, 0xAAEB,
    0xAAEF, 0xAAF5, 0xAAF6, 0xABE3, 0xABEA, 0xABEC, 0xABED, 0xFB1E, 0xFB1E, 0xFE00, 0xFE0F, 0xFE20,
    0xFE2F, 0x101FD, 0x101FD, 0x102E0, 0x102E0, 0x10376, 0x1037A, 0x10A01, 0x10A03, 0x10A05,
    0x10A06, 0x10A0C, 0x10A0F, 0x10A38, 0x10A3A, 0x10A3F, 0x10A3F, 0x10AE5, 0x10AE6, 0x10D24,
    0x10D27, 0x10EAB, 0x10EAC, 0x10F46, 0x10F50, 0x10F82, 0x10F85, 0x11000, 0x11002, 0x11038,
    0x11046, 0x11070, 0x11070, 0x11073, 0x11074, 0x1107F, 0x11082, 0x110B0, 0x110BA, 0x110C2,
    0x110C2, 0x11100, 0x11102, 0x11127, 0x11134, 0x11145, 0x11146, 0x11173, 0x11173, 0x11180,
    0x11182, 0x111B3, 0x111C0, 0x111C9, 0x111CC, 0x111CE, 0x111CF, 0x1122C, 0x11237, 0x1123E,
    0x1123E, 0x112DF, 0x112EA, 0x11300, 0x11303, 0x1133B, 0x1133C, 0x1133E, 0x11344, 0x11347,
    0x11348, 0x1134B, 0x1134D, 0x11357, 0x11357, 0x11362, 0x11363, 0x11366, 0x1136C, 0x11370,
    0x11374, 0x11435, 0x11446, 0x1145E, 0x1145E, 0x114B0, 0x114C3, 0x115AF, 0x115B5, 0x115B8,
    0x115C0, 0x115DC, 0x115DD, 0x11630, 0x11640, 0x116AB, 0x116B7, 0x1171D, 0x1172B, 0x1182C,
    0x1183A, 0x11930, 0x11935, 0x11937, 0x11938, 0x1193B, 0x1193E, 0x11940, 0x11940, 0x11942,
    0x11943, 0x119D1, 0x119D7, 0x119DA, 0x119E0, 0x119E4, 0x119E4, 0x11A01, 0x11A0A, 0x11A33,
    0x11A39, 0x11A3B, 0x11A3E, 0x11A47, 0x11A47, 0x11A51, 0x11A5B, 0x11A8A, 0x11A99, 0x11C2F,
    0x11C36, 0x11C38, 0x11C3F, 0x11C92, 0x11CA7, 0x11CA9, 0x11CB6, 0x11D31, 0x11D36, 0x11D3A,
    0x11D3A, 0x11D3C, 0x11D3D, 0x11D3F, 0x11D45, 0x11D47, 0x11D47, 0x11D8A, 0x11D8E, 0x11D90,
    0x11D91, 0x11D93, 0x11D97, 0x11EF3, 0x11EF6, 0x16AF0, 0x16AF4, 0x16B30, 0x16B36, 0x16F4F,
    0x16F4F, 0x16F51, 0x16F87, 0x16F8F, 0x16F92, 0x16FE4, 0x16FE4, 0x16FF0, 0x16FF1, 0x1BC9D,
    0x1BC9E, 0x1CF00, 0x1CF2D, 0x1CF30, 0x1CF46, 0x1D165, 0x1D169, 0x1D16D, 0x1D172, 0x1D17B,
    0x1D182, 0x1D185, 0x1D18B, 0x1D1AA, 0x1D1AD, 0x1D242, 0x1D244, 0x1DA00, 0x1DA36, 0x1DA3B,
    0x1DA6C, 0x1DA75, 0x1DA75, 0x1DA84, 0x1DA84, 0x1DA9B, 0x1DA9F, 0x1DAA1, 0x1DAAF, 0x1E000,
    0x1E006, 0x1E008, 0x1E018, 0x1E01B, 0x1E021, 0x1E023, 0x1E024, 0x1E026, 0x1E02A, 0x1E130,
    0x1E136, 0x1E2AE, 0x1E2AE, 0x1E2EC, 0x1E2EF, 0x1E8D0, 0x1E8D6, 0x1E944, 0x1E94A, 0xE0100,
    0xE01EF,
];
/// Inclusive ranges of General_Category=Format (Cf).
/// Unicode 14.0.0, from `gen_email.py --tables`.
const FORMAT: [u32; 42] = [
    0xAD, 0xAD, 0x600, 0x605, 0x61C, 0x61C, 0x6DD, 0x6DD, 0x70F, 0x70F, 0x890, 0x891, 0x8E2, 0x8E2,
    0x180E, 0x180E, 0x200B, 0x200F, 0x202A, 0x202E, 0x2060, 0x2064, 0x2066, 0x206F, 0xFEFF, 0xFEFF,
    0xFFF9, 0xFFFB, 0x110BD, 0x110BD, 0x110CD, 0x110CD, 0x13430, 0x13438, 0x1BCA0, 0x1BCA3,
    0x1D173, 0x1D17A, 0xE0001, 0xE0001, 0xE0020, 0xE007F,
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    /// One row of `tests/vectors/email.json` (see `gen_email.py`).
    #[derive(Deserialize)]
    struct Row {
        input: String,
        valid: bool,
        normalized: Option<String>,
        oracle: String,
        note: String,
    }

    #[derive(Deserialize)]
    struct Vectors {
        rows: Vec<Row>,
    }

    fn vectors() -> Vec<Row> {
        let text = include_str!("../tests/vectors/email.json");
        serde_json::from_str::<Vectors>(text)
            .expect("email.json parses")
            .rows
    }

    #[test]
    fn every_vector_holds() {
        let rows = vectors();
        assert!(rows.len() >= 100, "only {} vectors", rows.len());
        let failures: Vec<String> = rows
            .iter()
            .filter_map(|row| {
                let got = normalize(&row.input);
                let holds = match &got {
                    Ok(n) => row.valid && row.normalized.as_deref() == Some(n.as_str()),
                    Err(_) => !row.valid,
                };
                (!holds).then(|| {
                    format!(
                        "{:?} ({}): got {got:?}, expected {}",
                        row.input,
                        row.note,
                        row.normalized.as_deref().unwrap_or("an error")
                    )
                })
            })
            .collect();
        assert!(
            failures.is_empty(),
            "{} of {} vectors fail:\n{}",
            failures.len(),
            rows.len(),
            failures.join("\n")
        );
    }

    #[test]
    fn vectors_deviate_from_the_oracle_only_where_noted() {
        for row in vectors() {
            if row.valid != (row.oracle == "valid") {
                assert!(row.note.contains("DEVIATION"), "{:?}", row.input);
            }
        }
    }

    /// The `email_address` crate, configured strictly, accepts every ASCII
    /// address we accept. (On IDNs it is stricter than IDNA: it measures labels
    /// in UTF-8 and wants them to end with an alphanumeric, not a mark.)
    #[test]
    fn strict_email_address_crate_accepts_what_we_accept() {
        let options = email_address::Options::default()
            .with_required_tld()
            .without_domain_literal()
            .without_display_text();
        for row in vectors() {
            let Some(normalized) = row.normalized.filter(|n| n.is_ascii()) else {
                continue;
            };
            let parsed = email_address::EmailAddress::parse_with_options(&normalized, options);
            assert!(parsed.is_ok(), "{normalized:?}: {parsed:?}");
        }
    }

    #[test]
    fn errors_name_the_mistake() {
        use EmailError::*;
        let long_local = format!("{}@example.com", "a".repeat(65));
        let long_label = format!("a@{}.com", "a".repeat(64));
        // ASCII, 233 octets as typed; 4 x 62 octets of Punycode + ".com".
        let long_idn = format!(
            "a@{}.com",
            vec![format!("ü{}", "b".repeat(54)); 4].join(".")
        );
        let cases = [
            (" \t ", Empty),
            (&*"a".repeat(255), TooLong),
            ("jane.example.com", MissingAt),
            ("jane@doe@example.com", MultipleAt),
            ("Jane <j@x.com>", DisplayName),
            ("<jane@example.com>", DisplayName),
            ("\"jane\"@example.com", QuotedLocal),
            ("jane(work)@example.com", Comment),
            ("@example.com", MissingLocal),
            (&long_local, LocalTooLong),
            ("ja..ne@example.com", BadLocal),
            ("jane doe@example.com", BadLocal),
            ("jane@", MissingDomain),
            ("a@[1.2.3.4]", DomainLiteral),
            ("a@localhost", SingleLabelDomain),
            (&long_label, LabelTooLong),
            (&long_idn, DomainTooLong),
            ("a@example.123", BadTld),
            ("a@example.test", ReservedDomain),
            ("a@ex_ample.com", BadDomain),
            ("a@example.com.", BadDomain),
            ("a@xn--zz.com", BadDomain),
            ("a@1.אב.com", BadDomain),
        ];
        for (input, expected) in cases {
            assert_eq!(normalize(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn messages_are_distinct_sentences() {
        use EmailError::*;
        let all = [
            Empty,
            TooLong,
            MissingAt,
            MultipleAt,
            DisplayName,
            QuotedLocal,
            Comment,
            MissingLocal,
            LocalTooLong,
            BadLocal,
            MissingDomain,
            DomainLiteral,
            SingleLabelDomain,
            LabelTooLong,
            DomainTooLong,
            BadTld,
            ReservedDomain,
            BadDomain,
        ];
        let messages: std::collections::HashSet<String> =
            all.iter().map(ToString::to_string).collect();
        assert_eq!(messages.len(), all.len());
        assert!(messages.iter().all(|m| m.len() > 20));
    }

    #[test]
    fn keys_compare_case_insensitively() {
        let a = normalize(" Jane.Doe@EXAMPLE.com ").unwrap();
        let b = normalize("jane.doe@example.COM").unwrap();
        assert_eq!(a, "Jane.Doe@example.com");
        assert_ne!(a, b);
        assert_eq!(key(&a), key(&b));
        assert_eq!(key(&a), "jane.doe@example.com");
        let greek = normalize("ΑΣ@example.gr").unwrap();
        assert_eq!(key(&greek), key(&normalize("ασ@example.gr").unwrap()));
    }

    #[test]
    fn domain_is_the_lowercased_part_after_the_at() {
        let n = normalize("Jane@MÜNCHEN.DE").unwrap();
        assert_eq!(domain(&n), "münchen.de");
        assert_eq!(domain(&normalize("a@Example.ORG").unwrap()), "example.org");
        assert_eq!(domain("not an address"), "");
    }

    #[test]
    fn punycode_round_trips() {
        for (unicode, ascii) in [
            ("münchen", "mnchen-3ya"),
            ("рф", "p1ai"),
            ("テスト", "zckzah"),
        ] {
            let chars: Vec<char> = unicode.chars().collect();
            let mut out = String::new();
            assert_eq!(punycode_encode(&chars, &mut out), Some(()));
            assert_eq!(out, ascii);
            assert_eq!(punycode_decode(ascii), Some(chars));
        }
        assert_eq!(punycode_decode("zz"), None);
    }

    /// Random addresses made of troublesome pieces: never a panic, and
    /// whatever is accepted is a fixed point of `normalize` within 254 octets.
    #[test]
    fn random_inputs_never_panic_and_normalization_is_idempotent() {
        const PIECES: [&str; 32] = [
            "a", "Z", "0", "9", "-", ".", "@", "xn--", "ü", "中", "\u{301}", "א", "٣", "۳", " ",
            "\"", "<", "l", "(", "[", "é", "ｅ", "。", "·", "l", "ß", "İ", "Σ", "\u{200d}", "zz",
            "b", "\u{ffff}",
        ];
        const TLDS: [&str; 8] = ["com", "de", "xn--p1ai", "рф", "test", "1", "c0", "ΣΑ"];
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move |n: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            usize::try_from(state % n as u64).unwrap_or(0)
        };
        let mut accepted = 0;
        for _ in 0..50_000 {
            let mut input = String::new();
            for part in 0..3 {
                for _ in 0..=next(4) {
                    input.push_str(PIECES[next(PIECES.len())]);
                }
                input.push_str(["@", ".", ""][part]);
            }
            input.push_str(TLDS[next(TLDS.len())]);
            if let Ok(n) = normalize(&input) {
                accepted += 1;
                assert!(n.len() <= MAX_LEN, "{input:?}");
                assert_eq!(normalize(&n).as_deref(), Ok(n.as_str()), "{input:?}");
                assert_eq!(domain(&n), domain(&n).to_lowercase(), "{input:?}");
            }
        }
        assert!(accepted > 1000, "only {accepted} random inputs accepted");
    }
}
