//! Numbering-plan rules per region, compiled once from the `phonenumber` crate's metadata.
//!
//! The crate ships Google's raw `PhoneNumberMetadata.xml`, not the processed form that
//! libphonenumber reads, and its own matching is unanchored (a prefix match passes) and goes
//! through a mutex-guarded LRU regex cache on every call. So this module derives what
//! libphonenumber's build step would (general possible lengths as the union of the types',
//! `nationalPrefixForParsing` defaulting to `nationalPrefix`) and compiles each pattern once,
//! anchored, the first time it is needed.

use std::collections::HashMap;
use std::sync::{LazyLock, OnceLock};

use phonenumber::metadata::{DATABASE, Descriptor, Metadata};
use regex::{Captures, Regex, RegexBuilder};

/// The region id libphonenumber gives non-geographic entities (+800, +882, ...).
pub(super) const NON_GEOGRAPHIC: &str = "001";

/// Outcome of libphonenumber's `testNumberLength` against a region's general description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Length {
    Possible,
    LocalOnly,
    TooShort,
    TooLong,
    Invalid,
}

/// How a pattern is anchored when compiled.
#[derive(Clone, Copy)]
enum Anchor {
    /// `^(?:p)$`: libphonenumber's `matchesEntirely`.
    Full,
    /// `^(?:p)`: libphonenumber's `lookingAt`.
    Start,
}

/// A metadata pattern compiled on first use.
struct Pattern {
    source: String,
    anchor: Anchor,
    compiled: OnceLock<Option<Regex>>,
}

impl Pattern {
    fn new(source: &str, anchor: Anchor) -> Self {
        // libphonenumber strips the XML's layout whitespace from patterns at build time.
        let source = source.chars().filter(|c| !c.is_whitespace()).collect();
        Pattern {
            source,
            anchor,
            compiled: OnceLock::new(),
        }
    }

    /// `None` when the pattern does not compile; callers then treat it as matching nothing.
    fn regex(&self) -> Option<&Regex> {
        self.compiled
            .get_or_init(|| {
                let anchored = match self.anchor {
                    Anchor::Full => format!("^(?:{})$", self.source),
                    Anchor::Start => format!("^(?:{})", self.source),
                };
                // Inputs are ASCII digits by now: ASCII classes keep the automata small.
                RegexBuilder::new(&anchored)
                    .unicode(false)
                    .build()
                    .or_else(|_| Regex::new(&anchored))
                    .ok()
            })
            .as_ref()
    }

    fn is_match(&self, text: &str) -> bool {
        self.regex().is_some_and(|re| re.is_match(text))
    }

    fn captures<'t>(&self, text: &'t str) -> Option<Captures<'t>> {
        self.regex().and_then(|re| re.captures(text))
    }
}

/// One number type's description (or the general one).
struct Desc {
    pattern: Option<Pattern>,
    lengths: Vec<u16>,
    local_only: Vec<u16>,
}

impl Desc {
    fn from_descriptor(desc: &Descriptor) -> Self {
        Desc {
            pattern: Some(Pattern::new(desc.national_number().as_str(), Anchor::Full)),
            lengths: sorted(desc.possible_length().iter().copied()),
            local_only: sorted(desc.possible_local_length().iter().copied()),
        }
    }

    /// libphonenumber's `matchNationalNumber`: the pattern alone, lengths not consulted.
    fn pattern_matches(&self, nsn: &str) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.is_match(nsn))
    }

    /// libphonenumber's `isNumberMatchingDesc`: possible lengths first, then the pattern.
    fn matches(&self, nsn: &str) -> bool {
        let len = u16::try_from(nsn.len()).unwrap_or(u16::MAX);
        (self.lengths.is_empty() || self.lengths.contains(&len)) && self.pattern_matches(nsn)
    }
}

fn sorted(lengths: impl Iterator<Item = u16>) -> Vec<u16> {
    let mut v: Vec<u16> = lengths.collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// The rules of one region (or one non-geographic calling code).
pub(super) struct Region {
    pub(super) id: &'static str,
    pub(super) code: u16,
    general: Desc,
    /// Every number type but `noInternationalDialling`; order does not matter for validity.
    types: Vec<Desc>,
    international_prefix: Option<Pattern>,
    national_prefix_for_parsing: Option<Pattern>,
    national_prefix_transform: Option<String>,
    leading_digits: Option<Pattern>,
}

impl Region {
    fn compile(meta: &'static Metadata) -> Self {
        let d = meta.descriptors();
        let types: Vec<Desc> = [
            d.premium_rate(),
            d.toll_free(),
            d.shared_cost(),
            d.voip(),
            d.personal_number(),
            d.pager(),
            d.uan(),
            d.voicemail(),
            d.fixed_line(),
            d.mobile(),
        ]
        .into_iter()
        .flatten()
        .map(Desc::from_descriptor)
        .collect();

        // As libphonenumber's build: the general lengths are the union of the types' lengths,
        // and a length possible for some type is never "local only".
        let lengths = sorted(types.iter().flat_map(|t| t.lengths.iter().copied()));
        let local_only = sorted(
            types
                .iter()
                .flat_map(|t| t.local_only.iter().copied())
                .filter(|l| !lengths.contains(l)),
        );
        let general = Desc {
            pattern: Some(Pattern::new(
                d.general().national_number().as_str(),
                Anchor::Full,
            )),
            lengths,
            local_only,
        };

        let national_prefix_for_parsing = meta
            .national_prefix_for_parsing()
            .map(|re| re.as_str())
            .or(meta.national_prefix())
            .filter(|p| !p.trim().is_empty())
            .map(|p| Pattern::new(p, Anchor::Start));

        Region {
            id: meta.id(),
            code: meta.country_code(),
            general,
            types,
            international_prefix: meta
                .international_prefix()
                .map(|re| Pattern::new(re.as_str(), Anchor::Start)),
            national_prefix_for_parsing,
            national_prefix_transform: meta
                .national_prefix_transform_rule()
                .filter(|r| !r.is_empty())
                .map(dollar_groups_braced),
            leading_digits: meta
                .leading_digits()
                .map(|re| Pattern::new(re.as_str(), Anchor::Start)),
        }
    }

    pub(super) fn is_geographic(&self) -> bool {
        self.id != NON_GEOGRAPHIC
    }

    /// libphonenumber's `testNumberLength` for `UNKNOWN` (the general description).
    pub(super) fn test_length(&self, nsn: &str) -> Length {
        let lengths = &self.general.lengths;
        let (Some(&min), Some(&max)) = (lengths.first(), lengths.last()) else {
            return Length::Invalid;
        };
        let len = u16::try_from(nsn.len()).unwrap_or(u16::MAX);
        if self.general.local_only.contains(&len) {
            Length::LocalOnly
        } else if len < min {
            Length::TooShort
        } else if len > max {
            Length::TooLong
        } else if lengths.contains(&len) {
            Length::Possible
        } else {
            Length::Invalid
        }
    }

    /// libphonenumber's `getNumberType(...) != UNKNOWN`, i.e. `isValidNumberForRegion`.
    pub(super) fn is_valid_nsn(&self, nsn: &str) -> bool {
        self.general.matches(nsn) && self.types.iter().any(|t| t.matches(nsn))
    }

    /// Whether the number's leading digits select this region; `None` if it has no such rule.
    pub(super) fn leading_digits_match(&self, nsn: &str) -> Option<bool> {
        self.leading_digits.as_ref().map(|p| p.is_match(nsn))
    }

    pub(super) fn general_pattern_matches(&self, nsn: &str) -> bool {
        self.general.pattern_matches(nsn)
    }

    /// The digits after this region's international prefix (IDD), if `digits` starts with one.
    pub(super) fn strip_international_prefix<'a>(&self, digits: &'a str) -> Option<&'a str> {
        let end = self
            .international_prefix
            .as_ref()?
            .regex()?
            .find(digits)?
            .end();
        let rest = digits.get(end..)?;
        // A country calling code never starts with 0, so "0" after the IDD means no IDD.
        (!rest.starts_with('0')).then_some(rest)
    }

    /// libphonenumber's `maybeStripNationalPrefixAndCarrierCode`: the number without its
    /// national (trunk) prefix and carrier code, or `None` when nothing should be stripped.
    pub(super) fn strip_national_prefix(&self, number: &str) -> Option<String> {
        if number.is_empty() {
            return None;
        }
        let caps = self
            .national_prefix_for_parsing
            .as_ref()?
            .captures(number)?;
        let whole = caps.get(0)?;
        let viable_original = self.general.pattern_matches(number);
        // As Java's `group(numOfGroups)`: with no groups this is the whole match.
        let last_group = caps.get(caps.len() - 1);
        match (&self.national_prefix_transform, last_group) {
            (Some(rule), Some(_)) => {
                let mut transformed = String::with_capacity(number.len());
                caps.expand(rule, &mut transformed);
                transformed.push_str(number.get(whole.end()..)?);
                (!viable_original || self.general.pattern_matches(&transformed))
                    .then_some(transformed)
            }
            _ => {
                let rest = number.get(whole.end()..)?;
                (!viable_original || self.general.pattern_matches(rest)).then(|| rest.to_owned())
            }
        }
    }
}

/// Metadata writes `$1`; the `regex` crate would read `$15` as group 15, so brace the digit.
fn dollar_groups_braced(rule: &str) -> String {
    let mut out = String::with_capacity(rule.len() + 4);
    let mut chars = rule.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('$', Some(d)) if d.is_ascii_digit() => {
                out.push_str("${");
                out.push(*d);
                out.push('}');
                chars.next();
            }
            _ => out.push(c),
        }
    }
    out
}

struct Slot {
    meta: &'static Metadata,
    rules: OnceLock<Region>,
}

impl Slot {
    fn rules(&self) -> &Region {
        self.rules.get_or_init(|| Region::compile(self.meta))
    }
}

struct Catalog {
    slots: Vec<Slot>,
    by_id: HashMap<&'static str, usize>,
    /// Per calling code, the main region first, then the others alphabetically (as libphonenumber).
    by_code: HashMap<u16, Vec<usize>>,
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let db: &'static phonenumber::metadata::Database = &DATABASE;
    let mut catalog = Catalog {
        slots: Vec::new(),
        by_id: HashMap::new(),
        by_code: HashMap::new(),
    };
    // `by_id` collapses the many "001" entries, so walk the calling codes instead.
    for code in 1..=999u16 {
        let Some(mut metas) = db.by_code(&code) else {
            continue;
        };
        metas.sort_by_key(|m| (!m.is_main_country_for_code(), m.id()));
        let indices = metas
            .into_iter()
            .map(|meta| {
                let index = catalog.slots.len();
                catalog.slots.push(Slot {
                    meta,
                    rules: OnceLock::new(),
                });
                if meta.id() != NON_GEOGRAPHIC {
                    catalog.by_id.insert(meta.id(), index);
                }
                index
            })
            .collect();
        catalog.by_code.insert(code, indices);
    }
    catalog
});

/// The rules of a geographic region by ISO 3166 alpha-2 id (case-insensitive).
pub(super) fn region(id: &str) -> Option<&'static Region> {
    let id = id.trim().to_ascii_uppercase();
    let catalog = &*CATALOG;
    let index = *catalog.by_id.get(id.as_str())?;
    catalog.slots.get(index).map(Slot::rules)
}

/// All regions sharing a calling code, main region first.
pub(super) fn regions_for_code(code: u16) -> impl Iterator<Item = &'static Region> {
    let catalog = &*CATALOG;
    catalog
        .by_code
        .get(&code)
        .into_iter()
        .flatten()
        .filter_map(|&i| catalog.slots.get(i).map(Slot::rules))
}

/// The main region of a calling code (libphonenumber's `getRegionCodeForCountryCode`).
pub(super) fn main_region_for_code(code: u16) -> Option<&'static Region> {
    regions_for_code(code).next()
}

/// Whether `code` is an assigned calling code.
pub(super) fn is_calling_code(code: u16) -> bool {
    CATALOG.by_code.contains_key(&code)
}

/// libphonenumber's `getRegionCodeForNumber`: which region of the calling code owns the number.
pub(super) fn region_for_number(code: u16, nsn: &str) -> Option<&'static Region> {
    let mut regions = regions_for_code(code).peekable();
    let first = regions.next()?;
    if regions.peek().is_none() {
        return Some(first);
    }
    std::iter::once(first).chain(regions).find(|r| {
        r.leading_digits_match(nsn)
            .unwrap_or_else(|| r.is_valid_nsn(nsn))
    })
}
