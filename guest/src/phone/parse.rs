//! libphonenumber's `PhoneNumberUtil.parse`, ported over [`super::metadata`].
//!
//! The `phonenumber` crate's parser gets the cases that matter here wrong (it strips the default
//! region's trunk prefix from numbers carrying their own country code, rejects `;ext=`,
//! full-width digits and `,,`, maps stray letters to digits), so this is a step-by-step port of
//! the reference algorithm, plus the contract's one stricter rule: letters are refused unless
//! the number is a vanity number.

use std::sync::LazyLock;

use regex::Regex;

use super::PhoneError;
use super::metadata::{self, Length, Region};

/// libphonenumber refuses longer inputs outright.
const MAX_INPUT_CHARS: usize = 250;
const MIN_LENGTH_FOR_NSN: usize = 2;
const MAX_LENGTH_FOR_NSN: usize = 17;
const MAX_LENGTH_COUNTRY_CODE: usize = 3;
/// libphonenumber converts letters only from three on; fewer are typos it silently drops.
const MIN_VANITY_LETTERS: usize = 3;

/// The code point of every `0` of a Unicode decimal-digit (Nd) block; each block runs 0..=9.
/// Java's `Character.digit(c, 10)` (what libphonenumber folds with) accepts exactly these.
const ND_ZEROS: [u32; 66] = [
    0x30, 0x660, 0x6F0, 0x7C0, 0x966, 0x9E6, 0xA66, 0xAE6, 0xB66, 0xBE6, 0xC66, 0xCE6, 0xD66,
    0xDE6, 0xE50, 0xED0, 0xF20, 0x1040, 0x1090, 0x17E0, 0x1810, 0x1946, 0x19D0, 0x1A80, 0x1A90,
    0x1B50, 0x1BB0, 0x1C40, 0x1C50, 0xA620, 0xA8D0, 0xA900, 0xA9D0, 0xA9F0, 0xAA50, 0xABF0, 0xFF10,
    0x104A0, 0x10D30, 0x11066, 0x110F0, 0x11136, 0x111D0, 0x112F0, 0x11450, 0x114D0, 0x11650,
    0x116C0, 0x11730, 0x118E0, 0x11950, 0x11C50, 0x11D50, 0x11DA0, 0x16A60, 0x16AC0, 0x16B50,
    0x1D7CE, 0x1D7D8, 0x1D7E2, 0x1D7EC, 0x1D7F6, 0x1E140, 0x1E2F0, 0x1E950, 0x1FBF0,
];

/// The ASCII digit a Unicode decimal digit stands for.
pub(super) fn decimal_digit(c: char) -> Option<char> {
    if c.is_ascii_digit() {
        return Some(c);
    }
    let cp = u32::from(c);
    let block = ND_ZEROS
        .partition_point(|&zero| zero <= cp)
        .checked_sub(1)?;
    let offset = cp - ND_ZEROS.get(block)?;
    (offset < 10).then(|| char::from(b'0' + offset as u8))
}

fn is_plus(c: char) -> bool {
    c == '+' || c == '\u{FF0B}'
}

/// A regex class body matching exactly the digits [`decimal_digit`] folds.
fn digit_class() -> String {
    ND_ZEROS
        .iter()
        .map(|&z| format!("\\x{{{z:X}}}-\\x{{{:X}}}", z + 9))
        .collect()
}

/// libphonenumber's VALID_PUNCTUATION (class body, without brackets).
const PUNCTUATION: &str = "\\-x\\x{2010}-\\x{2015}\\x{2212}\\x{30FC}\\x{FF0D}-\\x{FF0F} \\x{A0}\\x{AD}\\x{200B}\\x{2060}\\x{3000}()\\x{FF08}\\x{FF09}\\x{FF3B}\\x{FF3D}.\\[\\]/\\~\\x{2053}\\x{223C}\\x{FF5E}";

/// libphonenumber's extension patterns for parsing (`createExtnPattern(true)`), one capture
/// group per alternative.
fn extension_pattern(d: &str) -> String {
    let digits = |max: u32| format!("([{d}]{{1,{max}}})");
    let separators = "[ \\x{A0}\\t,]*";
    let after_label = "[:\\.\\x{FF0E}]?[ \\x{A0}\\t,\\-]*";
    let explicit_labels = "(?:e?xt(?:ensi(?:o\\x{301}?|\\x{F3}))?n?|\\x{FF45}?\\x{FF58}\\x{FF54}\\x{FF4E}?|\\x{434}\\x{43E}\\x{431}|anexo)";
    let ambiguous_labels = "(?:[x\\x{FF58}#\\x{FF03}\\~\\x{FF5E}]|int|\\x{FF49}\\x{FF4E}\\x{FF54})";
    let no_comma = "[ \\x{A0}\\t]*";
    [
        format!(";ext={}", digits(20)),
        format!("{separators}{explicit_labels}{after_label}{}#?", digits(20)),
        format!("{separators}{ambiguous_labels}{after_label}{}#?", digits(9)),
        format!("[\\- ]+{}#", digits(6)),
        format!("{no_comma}(?:,{{2}}|;){after_label}{}#?", digits(15)),
        format!("{no_comma}(?:,)+{after_label}{}#?", digits(9)),
    ]
    .join("|")
}

static DIGIT_CLASS: LazyLock<String> = LazyLock::new(digit_class);

// The patterns below are constants: `expect` can only fire on a bug the unit tests catch,
// never because of an input.

/// An extension at the end of the string (libphonenumber's EXTN_PATTERN).
static EXTENSION: LazyLock<Regex> = LazyLock::new(|| {
    let pattern = format!("(?i)(?:{})$", extension_pattern(&DIGIT_CLASS));
    Regex::new(&pattern).expect("constant pattern")
});

/// libphonenumber's VALID_PHONE_NUMBER_PATTERN, matched in full.
static VIABLE: LazyLock<Regex> = LazyLock::new(|| {
    let d = DIGIT_CLASS.as_str();
    let p = PUNCTUATION;
    // The optional extension is spelled as an alternative with the empty string.
    let extension = extension_pattern(d);
    let pattern = format!(
        "(?i)^(?:[{d}]{{2}}|[+\\x{{FF0B}}]*(?:[{p}*]*[{d}]){{3,}}[{p}*A-Za-z{d}]*(?:{extension}|))$"
    );
    Regex::new(&pattern).expect("constant pattern")
});

/// RFC 3966 global-number-digits, for a `phone-context` value.
static GLOBAL_NUMBER_DIGITS: LazyLock<Regex> = LazyLock::new(|| {
    let d = DIGIT_CLASS.as_str();
    let pattern = format!("^\\+(?:[{d}]|[\\-\\.\\(\\)]?)*[{d}](?:[{d}]|[\\-\\.\\(\\)]?)*$");
    Regex::new(&pattern).expect("constant pattern")
});

/// RFC 3966 domainname, for a `phone-context` value.
static DOMAIN_NAME: LazyLock<Regex> = LazyLock::new(|| {
    let an = format!("A-Za-z{}", DIGIT_CLASS.as_str());
    let pattern = format!("^(?:[{an}]+(?:\\-*[{an}])*\\.)*[A-Za-z]+(?:\\-*[{an}])*\\.?$");
    Regex::new(&pattern).expect("constant pattern")
});

/// Where the country calling code came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    Plus,
    Idd,
    /// The default region's code written without `+` ("33612345678" under FR).
    NumberWithoutPlus,
    DefaultCountry,
}

/// A number as libphonenumber's `parse` would return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Parsed {
    pub(super) country_code: u16,
    /// National significant number, ASCII digits (leading zeros kept, as Italy needs).
    pub(super) nsn: String,
    /// ASCII digits.
    pub(super) extension: Option<String>,
    pub(super) source: Source,
}

/// The parts of an input libphonenumber looks at, before any region is involved.
pub(super) struct Split {
    /// The number without extension, formatting still in.
    pub(super) number: String,
    pub(super) extension: Option<String>,
    /// The whole extracted string, extension included (what viability is checked on).
    whole: String,
    /// Whether the number holds vanity letters (three or more, all ASCII).
    vanity: bool,
}

impl Split {
    /// Whether the number is spelled with letters (`1-800-FLOWERS`).
    pub(super) fn is_vanity(&self) -> bool {
        self.vanity
    }
}

/// Extracts the number and extension from raw input, refusing stray letters.
pub(super) fn split(input: &str) -> Result<Split, PhoneError> {
    if input.chars().count() > MAX_INPUT_CHARS {
        return Err(PhoneError::TooLong);
    }
    let (whole, stray_outside) = national_number_for_parsing(input)?;
    let found = EXTENSION.captures(&whole);
    // An extension label's letters are never stray, even where libphonenumber then declines
    // the extension because what precedes it is no number: that input fails on its own.
    let unlabelled = found
        .as_ref()
        .and_then(|caps| caps.get(0))
        .and_then(|m| whole.get(..m.start()))
        .unwrap_or(&whole);
    let letters = Letters::count(unlabelled);
    if stray_outside || letters.stray() {
        return Err(PhoneError::Letters);
    }
    let extension = found.and_then(|caps| {
        let start = caps.get(0)?.start();
        let digits = caps.iter().skip(1).flatten().next()?;
        is_viable(whole.get(..start)?).then(|| (start, fold_digits(digits.as_str())))
    });
    let (number, extension) = match extension {
        Some((start, digits)) => (
            whole.get(..start).unwrap_or_default().to_owned(),
            Some(digits),
        ),
        None => (whole.clone(), None),
    };
    Ok(Split {
        number,
        extension,
        whole,
        vanity: letters.ascii > 0,
    })
}

/// Parses a split input as libphonenumber would, with `region` as the default region.
pub(super) fn parse(split: Split, region: Option<&'static Region>) -> Result<Parsed, PhoneError> {
    if !is_viable(&split.whole) {
        return Err(PhoneError::NotANumber);
    }
    let number = split.number.as_str();
    // Without a usable default region only an explicit '+' can say where the number is from.
    if region.is_none() && !number.starts_with(is_plus) {
        return Err(PhoneError::InvalidCountryCode);
    }

    let extracted = match extract_country_code(number, region) {
        Err(PhoneError::InvalidCountryCode) if number.starts_with(is_plus) => {
            // "+0..." or "+011 ...": libphonenumber retries as if the '+' were not there.
            let retried = extract_country_code(number.trim_start_matches(is_plus), region)?;
            if retried.0 == 0 {
                return Err(PhoneError::InvalidCountryCode);
            }
            retried
        }
        other => other?,
    };
    let (mut country_code, mut nsn, source) = extracted;

    let rules = if country_code != 0 {
        metadata::main_region_for_code(country_code).ok_or(PhoneError::InvalidCountryCode)?
    } else {
        let rules = region.ok_or(PhoneError::InvalidCountryCode)?;
        nsn = normalize(number);
        country_code = rules.code;
        rules
    };

    if nsn.len() < MIN_LENGTH_FOR_NSN {
        return Err(PhoneError::TooShort);
    }
    // Keep the trunk prefix when dropping it would leave something no number here can be
    // (the original may be a short code).
    if let Some(stripped) = rules.strip_national_prefix(&nsn)
        && !matches!(
            rules.test_length(&stripped),
            Length::TooShort | Length::LocalOnly | Length::Invalid
        )
    {
        nsn = stripped;
    }
    if nsn.len() < MIN_LENGTH_FOR_NSN {
        return Err(PhoneError::TooShort);
    }
    if nsn.len() > MAX_LENGTH_FOR_NSN {
        return Err(PhoneError::TooLong);
    }
    Ok(Parsed {
        country_code,
        nsn,
        extension: split.extension,
        source,
    })
}

/// libphonenumber's `maybeExtractCountryCode`: `(code, national number, source)`, with code 0
/// (and an empty national number) when the number carries no country code.
fn extract_country_code(
    number: &str,
    region: Option<&'static Region>,
) -> Result<(u16, String, Source), PhoneError> {
    if number.is_empty() {
        return Ok((0, String::new(), Source::DefaultCountry));
    }
    let (source, full) = strip_international_prefix(number, region);
    if source != Source::DefaultCountry {
        if full.len() <= MIN_LENGTH_FOR_NSN {
            return Err(PhoneError::TooShort);
        }
        return match leading_country_code(&full) {
            Some((code, rest)) => Ok((code, rest.to_owned(), source)),
            None => Err(PhoneError::InvalidCountryCode),
        };
    }
    if let Some(rules) = region {
        let code = rules.code.to_string();
        if let Some(after_code) = full.strip_prefix(code.as_str()) {
            let potential = rules
                .strip_national_prefix(after_code)
                .unwrap_or_else(|| after_code.to_owned());
            // The default region's code written without '+': take it as one if the digits
            // only make sense that way, or are too long otherwise.
            if (!rules.general_pattern_matches(&full) && rules.general_pattern_matches(&potential))
                || rules.test_length(&full) == Length::TooLong
            {
                return Ok((rules.code, potential, Source::NumberWithoutPlus));
            }
        }
    }
    Ok((0, String::new(), Source::DefaultCountry))
}

/// libphonenumber's `maybeStripInternationalPrefixAndNormalize`.
fn strip_international_prefix(number: &str, region: Option<&Region>) -> (Source, String) {
    let after_plus = number.trim_start_matches(is_plus);
    if after_plus.len() != number.len() {
        return (Source::Plus, normalize(after_plus));
    }
    let digits = normalize(number);
    match region.and_then(|r| r.strip_international_prefix(&digits)) {
        Some(rest) => (Source::Idd, rest.to_owned()),
        None => (Source::DefaultCountry, digits),
    }
}

/// libphonenumber's `extractCountryCode`: the shortest known calling code the digits start with.
fn leading_country_code(digits: &str) -> Option<(u16, &str)> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=MAX_LENGTH_COUNTRY_CODE.min(digits.len())).find_map(|len| {
        let code: u16 = digits.get(..len)?.parse().ok()?;
        metadata::is_calling_code(code).then(|| (code, digits.get(len..).unwrap_or_default()))
    })
}

/// libphonenumber's `buildNationalNumberForParsing`, plus whether the discarded text held
/// letters (anything but a `tel:` scheme), which the contract refuses.
fn national_number_for_parsing(number: &str) -> Result<(String, bool), PhoneError> {
    const PHONE_CONTEXT: &str = ";phone-context=";
    const TEL: &str = "tel:";
    const ISDN_SUBADDRESS: &str = ";isub=";

    let (mut national, stray) = if let Some(at) = number.find(PHONE_CONTEXT) {
        let value_start = at + PHONE_CONTEXT.len();
        let rest = number.get(value_start..).unwrap_or_default();
        let context = rest.split(';').next().unwrap_or_default();
        if !(GLOBAL_NUMBER_DIGITS.is_match(context) || DOMAIN_NAME.is_match(context)) {
            return Err(PhoneError::NotANumber);
        }
        let mut national = String::new();
        if context.starts_with('+') {
            national.push_str(context);
        }
        let (start, before) = match number.find(TEL) {
            Some(t) => (t + TEL.len(), number.get(..t).unwrap_or_default()),
            None => (0, ""),
        };
        national.push_str(number.get(start..at).unwrap_or_default());
        (national, has_letters(before))
    } else {
        extract_possible_number(number)
    };

    if let Some(at) = national.find(ISDN_SUBADDRESS)
        && at > 0
    {
        national.truncate(at);
    }
    Ok((national, stray))
}

/// libphonenumber's `extractPossibleNumber`: from the first `+` or digit, without trailing
/// punctuation nor a second number ("x302/x2303").
fn extract_possible_number(number: &str) -> (String, bool) {
    let Some(start) = number.find(|c: char| is_plus(c) || decimal_digit(c).is_some()) else {
        return (String::new(), has_letters(number));
    };
    let leading = number.get(..start).unwrap_or_default().trim_start();
    let leading = match leading.get(..4) {
        Some(scheme) if scheme.eq_ignore_ascii_case("tel:") => leading.get(4..).unwrap_or_default(),
        _ => leading,
    };
    let mut stray = has_letters(leading);

    let rest = number.get(start..).unwrap_or_default();
    // Trailing characters that are neither letters, digits nor '#' (which may end an extension).
    let mut rest =
        rest.trim_end_matches(|c: char| !(c == '#' || c.is_alphabetic() || c.is_numeric()));
    if let Some(second) = second_number_start(rest) {
        // The cut-off part is "/x..." or "\x...": only that 'x' may be a letter.
        let cut = rest.get(second..).unwrap_or_default();
        stray |= cut.chars().filter(|c| c.is_alphabetic()).count() > 1;
        rest = rest.get(..second).unwrap_or_default();
    }
    (rest.to_owned(), stray)
}

/// libphonenumber's SECOND_NUMBER_START: `[\\/] *x`.
fn second_number_start(s: &str) -> Option<usize> {
    s.char_indices()
        .filter(|&(_, c)| c == '/' || c == '\\')
        .find(|&(i, _)| {
            s.get(i + 1..)
                .is_some_and(|after| after.trim_start_matches(' ').starts_with('x'))
        })
        .map(|(i, _)| i)
}

fn has_letters(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
}

/// The letters of a number.
struct Letters {
    ascii: usize,
    other: usize,
}

impl Letters {
    fn count(number: &str) -> Self {
        let mut letters = Letters { ascii: 0, other: 0 };
        for c in number.chars() {
            if c.is_ascii_alphabetic() {
                letters.ascii += 1;
            } else if c.is_alphabetic() {
                letters.other += 1;
            }
        }
        letters
    }

    /// Letters libphonenumber would silently drop: fewer than three, or any non-ASCII letter
    /// (it converts only A-Z). The contract refuses them; three or more is a vanity number.
    fn stray(&self) -> bool {
        self.other > 0 || (self.ascii > 0 && self.ascii < MIN_VANITY_LETTERS)
    }
}

/// libphonenumber's `isViablePhoneNumber`.
fn is_viable(number: &str) -> bool {
    number.chars().nth(MIN_LENGTH_FOR_NSN - 1).is_some() && VIABLE.is_match(number)
}

/// libphonenumber's `normalize`: digits only; vanity letters become keypad digits when there
/// are at least three letters (and then, as in Java, only ASCII digits are kept).
fn normalize(number: &str) -> String {
    let letters = number.chars().filter(char::is_ascii_alphabetic).count();
    if letters >= MIN_VANITY_LETTERS {
        number
            .chars()
            .filter_map(|c| match c {
                '0'..='9' => Some(c),
                _ => keypad_digit(c),
            })
            .collect()
    } else {
        fold_digits(number)
    }
}

/// Every decimal digit of `s`, as ASCII; everything else dropped.
pub(super) fn fold_digits(s: &str) -> String {
    s.chars().filter_map(decimal_digit).collect()
}

/// ITU E.161 keypad.
fn keypad_digit(c: char) -> Option<char> {
    Some(match c.to_ascii_uppercase() {
        'A'..='C' => '2',
        'D'..='F' => '3',
        'G'..='I' => '4',
        'J'..='L' => '5',
        'M'..='O' => '6',
        'P'..='S' => '7',
        'T'..='V' => '8',
        'W'..='Z' => '9',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_patterns_compile() {
        let d = digit_class();
        for pattern in [
            format!("(?i)(?:{})$", extension_pattern(&d)),
            format!("[{PUNCTUATION}]"),
        ] {
            assert!(Regex::new(&pattern).is_ok(), "{pattern}");
        }
        assert!(VIABLE.is_match("06 12 34 56 78"));
        assert!(EXTENSION.is_match("1 ext. 12"));
        assert!(GLOBAL_NUMBER_DIGITS.is_match("+33"));
        assert!(DOMAIN_NAME.is_match("example.com"));
    }

    #[test]
    fn folds_unicode_digits() {
        assert_eq!(decimal_digit('７'), Some('7'));
        assert_eq!(decimal_digit('٣'), Some('3'));
        assert_eq!(decimal_digit('²'), None);
        assert_eq!(decimal_digit('a'), None);
        assert_eq!(decimal_digit('\u{2F}'), None);
    }

    #[test]
    fn keypad() {
        assert_eq!(normalize("1-800-FLOWERS"), "18003569377");
        assert_eq!(normalize("06 12 34 56 7A"), "061234567");
    }
}
