//! Caller-id lookup keys (contract §3 "Phone lookup", as 3CX queries `/contacts/numbers`).
//!
//! 3CX may send the caller id as E.164, as international digits without '+' (`Prefix=Off`),
//! in national form, or cut to its last N digits (`MaxLength`). The plan lists the international
//! forms to try in the contract's order (a stored number's E.164, or for a number that parses
//! but is not valid the same `+`-digits form), then the suffix key for the last resort.

use super::parse::{self, Source};
use super::{digits, has_plus, normalize_parsed};

/// How a lookup query may match stored numbers (spec §3 "Phone lookup").
///
/// The order is the contract's preference: an exact match beats a suffix match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum MatchKind {
    /// The query was already international (`+`, a decoded leading space, `00`, `011`, ...).
    Exact,
    /// The query's digits read as international digits without '+' (`33612345678`).
    InternationalDigits,
    /// The query read in the default region (`0612345678`).
    National,
    /// The last digits of the query (3CX `MaxLength`).
    Suffix,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookupPlan {
    /// International forms (`+` country code and national number) in the order to try, each
    /// with how it was derived. Deduplicated.
    pub exact: Vec<(MatchKind, String)>,
    /// Last min(9, len) digits, only when the input has >= 6 digits and carried no '+' (nor a
    /// leading space, which is a decoded '+').
    pub suffix: Option<String>,
}

/// Shortest query that gets a suffix key: fewer digits would match too many numbers.
const MIN_SUFFIX_DIGITS: usize = 6;
/// Longest suffix key: 9 digits is a national significant number in most plans.
const MAX_SUFFIX_DIGITS: usize = 9;

/// None when the input holds no digits at all (e.g. "anonymous"): a plain not-found.
pub fn lookup_plan(query: &str, default_region: &str) -> Option<LookupPlan> {
    // The extension never takes part in matching; a query refused for letters keeps its digits.
    let number_digits = match parse::split(query) {
        Ok(split) => digits(&split.number),
        Err(_) => digits(query),
    };
    if number_digits.is_empty() {
        return None;
    }
    let explicit = has_plus(query);
    let mut exact: Vec<(MatchKind, String)> = Vec::with_capacity(2);
    let mut push = |kind: MatchKind, form: String| {
        if !exact.iter().any(|(_, e)| *e == form) {
            exact.push((kind, form));
        }
    };

    // The query as typed counts whether or not it is valid: stored numbers are indexed by the
    // same international form, valid or not, so only the same number matches it.
    let as_typed = normalize_parsed(query, default_region).ok();
    if let Some((n, source)) = &as_typed
        && (explicit || *source == Source::Idd)
    {
        push(MatchKind::Exact, n.international.clone());
    }
    if !explicit {
        // Only a valid number is taken from this reading: national digits misread as a country
        // code ("612345678" as +61 2345678) would otherwise match unrelated contacts.
        if !number_digits.starts_with('0')
            && let Ok((n, _)) = normalize_parsed(&format!("+{number_digits}"), default_region)
            && n.valid
        {
            push(MatchKind::InternationalDigits, n.international);
        }
        if let Some((n, source)) = as_typed
            && source != Source::Idd
        {
            push(MatchKind::National, n.international);
        }
    }

    let suffix = (!explicit && number_digits.len() >= MIN_SUFFIX_DIGITS).then(|| {
        let skip = number_digits.len().saturating_sub(MAX_SUFFIX_DIGITS);
        number_digits.get(skip..).unwrap_or_default().to_owned()
    });
    Some(LookupPlan { exact, suffix })
}
