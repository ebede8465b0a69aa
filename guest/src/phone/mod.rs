//! Phone numbers: parsing, the validity that earns a number its E.164 value, and 3CX-style
//! lookup keys (contract §3, "Phone" and "Phone lookup").
//!
//! The reference is Google libphonenumber: a number gets an E.164 value only when its
//! `isValidNumber` holds; one that parses but is not valid keeps its international form as a
//! key to be found by. The `phonenumber` crate supplies its metadata, but
//! its parser and validator have defects the contract lists, so [`parse`] ports libphonenumber's
//! parsing over rules that [`metadata`] derives and compiles once per region. [`lookup`] turns a
//! caller id into the international forms and suffix key a store searches with.
//!
//! Test vectors come from python `phonenumbers` (a faithful port of libphonenumber) through
//! `guest/tests/vectors/gen_phone.py`, a dev tool only.

mod lookup;
mod metadata;
mod parse;

use std::fmt;

pub use lookup::{LookupPlan, MatchKind, lookup_plan};

/// A number parsed under a default region, valid or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// `+`, country code and national significant number, e.g. "+33612345678"; never the
    /// extension. It is the number's E.164 form only when [`Normalized::valid`] (see
    /// [`Normalized::e164`]); for any other number it is the key its digits are found by.
    pub international: String,
    /// ISO 3166 alpha-2 of the number itself, e.g. "FR" (None for non-geographic numbers, and
    /// for invalid numbers of a calling code shared by several regions).
    pub region: Option<String>,
    /// National significant number digits, e.g. "612345678".
    pub national: String,
    /// Digits of an extension (ext., x, #, ;ext=, ",," auto-dial), kept apart from `e164`.
    pub extension: Option<String>,
    /// libphonenumber's `isPossibleNumberWithReason` verdict.
    pub possible: Possibility,
    /// libphonenumber's `isValidNumber` verdict.
    pub valid: bool,
}

impl Normalized {
    /// The E.164 value the contract stores and renders: a claim of validity (§3), so `None`
    /// for a number that parses but is not valid.
    pub fn e164(&self) -> Option<&str> {
        self.valid.then_some(self.international.as_str())
    }
}

/// libphonenumber's `ValidationResult`: whether the number's length is one its country uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Possibility {
    Possible,
    /// Possible only as a local number dialled without its area code.
    LocalOnly,
    TooShort,
    TooLong,
    /// Between the shortest and longest lengths of its country, but none of them.
    InvalidLength,
}

/// Why an input does not parse as a phone number at all.
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
    /// Too few digits to hold a national number (or nothing after an international prefix).
    TooShort,
    /// More digits than any national number has (17), or an input over 250 characters.
    TooLong,
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
        })
    }
}

impl std::error::Error for PhoneError {}

/// Parses `input` under `default_region` (ISO 3166 alpha-2, case-insensitive).
///
/// Ok whenever libphonenumber's `parse` succeeds, whatever the number's length or prefix;
/// [`Normalized::possible`] and [`Normalized::valid`] then carry libphonenumber's verdicts, and
/// only a valid number has an E.164 value ([`Normalized::e164`]).
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
    let parsed = parse::parse(split, metadata::region(default_region));
    // Possibility is judged by the calling code's main region, as libphonenumber does.
    let possible = parsed.as_ref().ok().and_then(|p| {
        let main = metadata::main_region_for_code(p.country_code)?;
        Some(match main.test_length(&p.nsn) {
            metadata::Length::Possible => Possibility::Possible,
            metadata::Length::LocalOnly => Possibility::LocalOnly,
            metadata::Length::TooShort => Possibility::TooShort,
            metadata::Length::TooLong => Possibility::TooLong,
            metadata::Length::Invalid => Possibility::InvalidLength,
        })
    });
    // Letters that do not spell a possible number were not a vanity number after all
    // ("06 12 34 56 78 bureau").
    if vanity && possible != Some(Possibility::Possible) {
        return Err(PhoneError::Letters);
    }
    let parsed = parsed?;
    let possible = possible.ok_or(PhoneError::InvalidCountryCode)?;

    let owner = metadata::region_for_number(parsed.country_code, &parsed.nsn);
    let normalized = Normalized {
        international: format!("+{}{}", parsed.country_code, parsed.nsn),
        region: owner.filter(|r| r.is_geographic()).map(|r| r.id.to_owned()),
        valid: owner.is_some_and(|r| r.is_valid_nsn(&parsed.nsn)),
        possible,
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
