//! Phone numbers: E.164 normalization and 3CX-style lookup keys (contract §3, "Phone" and
//! "Phone lookup").
//!
//! The reference is Google libphonenumber. The `phonenumber` crate supplies its metadata, but
//! its parser and validator have defects the contract lists, so [`parse`] ports libphonenumber's
//! parsing over rules that [`metadata`] derives and compiles once per region. [`lookup`] turns a
//! caller id into the E.164 candidates and suffix key a store searches with.
//!
//! Test vectors come from python `phonenumbers` (a faithful port of libphonenumber) through
//! `guest/tests/vectors/gen_phone.py`, a dev tool only.

mod lookup;
mod metadata;
mod parse;

use std::fmt;

pub use lookup::{LookupPlan, MatchKind, lookup_plan};

/// A number normalized under a default region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// E.164, e.g. "+33612345678"; never carries the extension.
    pub e164: String,
    /// ISO 3166 alpha-2 of the number itself, e.g. "FR" (None for non-geographic numbers, and
    /// for invalid numbers of a calling code shared by several regions).
    pub region: Option<String>,
    /// National significant number digits, e.g. "612345678".
    pub national: String,
    /// Digits of an extension (ext., x, #, ;ext=, ",," auto-dial), kept apart from `e164`.
    pub extension: Option<String>,
    /// libphonenumber's `isValidNumber` verdict.
    pub valid: bool,
}

/// Why an input has no E.164 form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing but whitespace.
    Empty,
    /// Letters that are not a vanity number (`1-800-FLOWERS`), an extension label or `tel:`.
    Letters,
    /// Not a phone number at all.
    NotANumber,
    /// The calling code is unknown, or there is none and the default region is unknown.
    InvalidCountryCode,
    /// Fewer digits than any number of its country has.
    TooShort,
    /// More digits than any number of its country has.
    TooLong,
    /// A digit count between the shortest and longest numbers of its country, but none of its
    /// numbers (or only a local number without area code).
    InvalidLength,
}

impl fmt::Display for PhoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PhoneError::Empty => "The phone number is empty.",
            PhoneError::Letters => "The phone number contains letters.",
            PhoneError::NotANumber => "The phone number is not valid.",
            PhoneError::InvalidCountryCode => "The phone number's country code is not valid.",
            PhoneError::TooShort => "The phone number is too short.",
            PhoneError::TooLong => "The phone number is too long.",
            PhoneError::InvalidLength => "The phone number does not have a valid length.",
        })
    }
}

impl std::error::Error for PhoneError {}

/// Normalizes `input` to E.164 under `default_region` (ISO 3166 alpha-2, case-insensitive).
///
/// Ok when libphonenumber parses the number and its length is possible for its country
/// (`IS_POSSIBLE`; a local-only number lacking its area code is refused, having no E.164 form);
/// [`Normalized::valid`] then tells whether it is also a valid number.
pub fn normalize(input: &str, default_region: &str) -> Result<Normalized, PhoneError> {
    normalize_parsed(input, default_region).map(|(normalized, _)| normalized)
}

/// [`normalize`], also saying where the country code came from (for lookups).
fn normalize_parsed(
    input: &str,
    default_region: &str,
) -> Result<(Normalized, parse::Source), PhoneError> {
    if input.trim().is_empty() {
        return Err(PhoneError::Empty);
    }
    let input = unify_spaces(&decode_leading_plus(input));
    if !input.chars().any(|c| parse::decimal_digit(c).is_some()) {
        return Err(PhoneError::NotANumber);
    }
    let split = parse::split(&input)?;
    let vanity = split.is_vanity();
    let parsed = parse::parse(split, metadata::region(default_region))
        .and_then(|parsed| {
            // Possibility is judged by the calling code's main region, as libphonenumber does.
            let main = metadata::main_region_for_code(parsed.country_code)
                .ok_or(PhoneError::InvalidCountryCode)?;
            match main.test_length(&parsed.nsn) {
                metadata::Length::Possible => Ok(parsed),
                metadata::Length::TooShort => Err(PhoneError::TooShort),
                metadata::Length::TooLong => Err(PhoneError::TooLong),
                metadata::Length::Invalid | metadata::Length::LocalOnly => {
                    Err(PhoneError::InvalidLength)
                }
            }
        })
        // Letters that do not spell a possible number were not a vanity number after all
        // ("06 12 34 56 78 bureau").
        .map_err(|e| if vanity { PhoneError::Letters } else { e })?;

    let owner = metadata::region_for_number(parsed.country_code, &parsed.nsn);
    let normalized = Normalized {
        e164: format!("+{}{}", parsed.country_code, parsed.nsn),
        region: owner.filter(|r| r.is_geographic()).map(|r| r.id.to_owned()),
        valid: owner.is_some_and(|r| r.is_valid_nsn(&parsed.nsn)),
        national: parsed.nsn,
        extension: parsed.extension,
    };
    Ok((normalized, parsed.source))
}

/// A leading ASCII space before a digit is a '+' that URL decoding turned into a space
/// (`?phone_number=+33…` arrives as ` 33…`).
fn decode_leading_plus(input: &str) -> std::borrow::Cow<'_, str> {
    let rest = input.trim_start_matches(' ');
    if rest.len() != input.len() && rest.starts_with(|c| parse::decimal_digit(c).is_some()) {
        format!("+{rest}").into()
    } else {
        input.into()
    }
}

/// Every Unicode space (NBSP, narrow NBSP, thin space, ideographic space, tab...) as a plain
/// space. libphonenumber knows only some of them and refuses "06\u{202F}12…", which French
/// typography produces.
fn unify_spaces(input: &str) -> String {
    input
        .chars()
        .map(|c| if c.is_whitespace() { ' ' } else { c })
        .collect()
}

/// Whether `input` carries an explicit '+' (or a leading space standing for a decoded one).
fn has_plus(input: &str) -> bool {
    decode_leading_plus(input).contains(['+', '\u{FF0B}'])
}

/// Whether libphonenumber has numbering rules for this ISO 3166 alpha-2 region
/// (case-insensitive); `XX` and the non-geographic `001` have none.
pub fn is_region(region: &str) -> bool {
    region.trim().len() == 2 && metadata::region(region).is_some()
}

/// The digits of an input, every Unicode decimal digit (ASCII, full-width, Arabic-Indic, ...)
/// folded to ASCII, for suffix and search keys.
pub fn digits(input: &str) -> String {
    parse::fold_digits(input)
}

#[cfg(test)]
mod tests;
