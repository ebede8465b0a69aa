//! Fuzz entry points (issue 17): one function per fuzzed parser, taking
//! arbitrary bytes. The cargo-fuzz targets in `fuzz/` call them, and
//! `guest/tests/fuzz_corpus.rs` replays every committed corpus input through
//! them, so the corpora are regression tests without a fuzzer. Each one checks
//! that the parser does not panic and, where the rule allows it, a property
//! of what it returns.

use crate::query::QueryParams;
use crate::{email, filters, phone, query};

/// Regions a phone input is read under, picked by the first byte: the
/// vectors' regions, a non-geographic code and two that have no rules.
const REGIONS: [&str; 12] = [
    "FR", "GB", "US", "DE", "AU", "IN", "BR", "JP", "IT", "001", "XX", "",
];

/// `phone::normalize`: a valid number's E.164 form reads back as itself
/// under any region.
pub fn phone(data: &[u8]) {
    let Some((first, rest)) = data.split_first() else {
        return;
    };
    let region = REGIONS[usize::from(*first) % REGIONS.len()];
    let input = String::from_utf8_lossy(rest);
    let _ = phone::digits(&input);
    if let Ok(n) = phone::normalize(&input, region)
        && let Some(e164) = n.e164()
    {
        let again = phone::normalize(e164, "")
            .unwrap_or_else(|e| panic!("{input:?} gave {e164}, which fails: {e:?}"));
        assert_eq!(again.e164(), Some(e164), "{input:?} under {region}");
    }
}

/// `email::normalize`: the normalized form is a fixed point, and an address
/// and its normalized form share one comparison key.
pub fn email(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    let _ = email::key(&input);
    if let Ok(normalized) = email::normalize(&input) {
        assert_eq!(
            email::normalize(&normalized).as_deref(),
            Ok(normalized.as_str()),
            "{input:?}"
        );
        assert_eq!(
            email::key(input.trim()),
            email::key(&normalized),
            "{input:?}"
        );
    }
}

/// The RelateCRM query grammar: the eight parameters, split on `0xFF`
/// (a byte UTF-8 never holds), read under the default region.
pub fn query(data: &[u8]) {
    let mut parts = data
        .split(|b| *b == 0xFF)
        .map(|p| Some(String::from_utf8_lossy(p).into_owned()));
    let mut next = || parts.next().flatten();
    let params = QueryParams {
        q: next(),
        search_fields: next(),
        search_match: next(),
        order: next(),
        per_page: next(),
        page: next(),
        take: next(),
        select: next(),
    };
    let _ = query::parse_with_region(&params, "FR");
}

/// HelperIQ's `filters` JSON.
pub fn filters(data: &[u8]) {
    let _ = filters::parse(&String::from_utf8_lossy(data));
}
