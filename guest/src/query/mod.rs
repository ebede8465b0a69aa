//! The RelateCRM list and search parameters (spec §4 relatecrm): `q`, `search_fields`,
//! `search_match`, `order`, `select`, `per_page`, `page` and `take`, parsed once into a
//! [`Query`] that filters, orders, pages and projects contacts.
//!
//! The grammar is Concord CRM's (a Laravel repository "request criteria"):
//! - plain `q` searches every searchable field with its default condition, ORed;
//! - `q=field:value;field:value` gives per-field values; a segment without `field:` is a plain
//!   value for the accepted fields no pair names;
//! - `search_fields=email:like;phones.number:=` restricts the fields and sets their condition
//!   (`like`, `=`, `in`; anything else falls back to the field's default);
//! - `search_match=and` ANDs the clauses, anything else ORs them.
//!
//! Text comparisons fold case and Latin accents ([`fold`]); `like` is a substring test, so `%`
//! and `_` in a value are literal characters. Numeric fields (`id`, `user_id`, `source_id`,
//! `country_id`) compare as integers; a non-numeric value skips that clause instead of failing
//! the whole search, and only a search whose every clause is skipped is refused.

use std::cmp::Ordering;

use crate::email;
use crate::model::{Contact, PhoneFields, SearchFields};
use crate::phone;
use crate::search::fold;

mod plan;
pub mod words;

pub use plan::Candidates;

/// Longest `q`, in characters.
pub const MAX_Q_CHARS: usize = 255;
/// Most `;`-separated segments in `q`.
pub const MAX_CLAUSES: usize = 20;
pub const DEFAULT_PER_PAGE: u32 = 15;
pub const MAX_PER_PAGE: u32 = 100;
/// Longest `search_fields`, `order` or `select`, in characters: far above any real use.
const MAX_PARAM_CHARS: usize = 1024;
/// Most `;`-separated entries in `search_fields`, `order` or `select`.
const MAX_PARAM_ENTRIES: usize = 50;

/// The raw query-string parameters, as the client sent them (None = absent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueryParams {
    pub q: Option<String>,
    pub search_fields: Option<String>,
    pub search_match: Option<String>,
    pub order: Option<String>,
    pub per_page: Option<String>,
    pub page: Option<String>,
    pub take: Option<String>,
    pub select: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// 403: no search field was accepted. The message lists every searchable field.
    NoAcceptedField(String),
    /// 422: every clause was skipped (e.g. a non-numeric value for `id`).
    AllSkipped(String),
    /// 422: a bad `q` (too long), `search_fields`, `order` or `select`; (field name, message).
    Invalid { field: String, message: String },
}

impl std::fmt::Display for QueryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            QueryError::NoAcceptedField(m) | QueryError::AllSkipped(m) => f.write_str(m),
            QueryError::Invalid { message, .. } => f.write_str(message),
        }
    }
}

impl std::error::Error for QueryError {}

fn invalid(field: &str, message: String) -> QueryError {
    QueryError::Invalid {
        field: field.to_owned(),
        message,
    }
}

/// A searchable field (RelateCRM names; `job_title` is the canonical `role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    FirstName,
    LastName,
    FullName,
    Email,
    Phone,
    JobTitle,
    Street,
    City,
    State,
    PostalCode,
    UserId,
    SourceId,
    CountryId,
    Id,
}

/// Every searchable field, in the order the 403 message lists them.
const SEARCHABLE: [Field; 14] = [
    Field::FirstName,
    Field::LastName,
    Field::FullName,
    Field::Email,
    Field::Phone,
    Field::JobTitle,
    Field::Street,
    Field::City,
    Field::State,
    Field::PostalCode,
    Field::UserId,
    Field::SourceId,
    Field::CountryId,
    Field::Id,
];

/// The searchable fields that hold text, which a plain `q` searches with
/// `like`: the first ten of [`SEARCHABLE`], before the id fields.
const TEXT_FIELDS: &[Field] = SEARCHABLE.split_at(10).0;

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::FirstName => "first_name",
            Field::LastName => "last_name",
            Field::FullName => "full_name",
            Field::Email => "email",
            Field::Phone => "phones.number",
            Field::JobTitle => "job_title",
            Field::Street => "street",
            Field::City => "city",
            Field::State => "state",
            Field::PostalCode => "postal_code",
            Field::UserId => "user_id",
            Field::SourceId => "source_id",
            Field::CountryId => "country_id",
            Field::Id => "id",
        }
    }

    fn parse(name: &str) -> Option<Field> {
        let name = name.trim().to_ascii_lowercase();
        SEARCHABLE.into_iter().find(|f| f.name() == name)
    }

    fn is_numeric(self) -> bool {
        matches!(
            self,
            Field::UserId | Field::SourceId | Field::CountryId | Field::Id
        )
    }

    fn default_cond(self) -> Cond {
        if self.is_numeric() {
            Cond::Eq
        } else {
            Cond::Like
        }
    }
}

/// The message of the 403, with the searchable field names.
fn no_accepted_field() -> QueryError {
    let names: Vec<&str> = SEARCHABLE.iter().map(|f| f.name()).collect();
    QueryError::NoAcceptedField(format!(
        "None of the search fields were accepted. Acceptable search fields are: {}",
        names.join(", ")
    ))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cond {
    Like,
    Eq,
    In,
}

impl Cond {
    fn parse(name: &str) -> Option<Cond> {
        match name.trim().to_ascii_lowercase().as_str() {
            "like" | "ilike" => Some(Cond::Like),
            "=" => Some(Cond::Eq),
            "in" => Some(Cond::In),
            _ => None,
        }
    }
}

/// One searched value, prepared once so that matching a contact does no parsing.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Needle {
    /// Trimmed value.
    text: String,
    folded: String,
    /// Lowercased as the email index keys addresses, so lookups agree with the matches.
    email_key: String,
    number: Option<i128>,
    /// Digits of a phone-looking value (phones only).
    digits: Option<String>,
    /// International form of the value under the default region (phones with `=`/`in` only),
    /// compared with each phone's ([`PhoneFields::e164`]), valid or not.
    e164: Option<String>,
}

impl Needle {
    /// None when the value cannot be searched in this field (the clause is skipped).
    fn new(field: Field, cond: Cond, raw: &str, region: &str) -> Option<Needle> {
        let text = raw.trim();
        if text.is_empty() {
            return None;
        }
        let number = text.parse::<i128>().ok();
        // `like` on a number compares its decimal text, as SQL does, so any value is fine.
        if field.is_numeric() && cond != Cond::Like && number.is_none() {
            return None;
        }
        let (digits, e164) = if field == Field::Phone {
            let digits =
                Some(phone::digits(text)).filter(|d| !d.is_empty() && looks_like_phone(text));
            // `raw`, untrimmed: a leading space is a '+' lost to URL decoding.
            let e164 = (cond != Cond::Like)
                .then(|| phone::normalize(raw, region).ok())
                .flatten()
                .map(|n| n.international);
            (digits, e164)
        } else {
            (None, None)
        };
        Some(Needle {
            text: text.to_owned(),
            folded: fold(text),
            email_key: email::key(text),
            number,
            digits,
            e164,
        })
    }
}

/// Only digits and phone punctuation: "Room 5" must not match every phone holding a 5.
fn looks_like_phone(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_numeric() || c.is_whitespace() || "+-.()/".contains(c))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Clause {
    field: Field,
    cond: Cond,
    /// One needle, or the values of an `in` list (any may match).
    needles: Vec<Needle>,
}

impl Clause {
    /// None when the clause is skipped (empty or unusable value).
    fn new(field: Field, cond: Cond, raw: &str, region: &str) -> Option<Clause> {
        let needles: Vec<Needle> = if cond == Cond::In {
            raw.split(',')
                .filter_map(|v| Needle::new(field, cond, v, region))
                .collect()
        } else {
            Needle::new(field, cond, raw, region).into_iter().collect()
        };
        (!needles.is_empty()).then_some(Clause {
            field,
            cond,
            needles,
        })
    }

    fn matches(&self, c: &SearchFields<'_>) -> bool {
        let like = self.cond == Cond::Like;
        match self.field {
            Field::FirstName => text_matches(c.first_name, like, &self.needles),
            Field::LastName => text_matches(c.last_name, like, &self.needles),
            Field::FullName => text_matches(Some(&c.full_name()), like, &self.needles),
            Field::JobTitle => text_matches(c.role, like, &self.needles),
            Field::Street => text_matches(c.street, like, &self.needles),
            Field::City => text_matches(c.city, like, &self.needles),
            Field::State => text_matches(c.state, like, &self.needles),
            Field::PostalCode => text_matches(c.postal_code, like, &self.needles),
            Field::Email => match c.email {
                None => false,
                Some(e) if like => text_matches(Some(e), true, &self.needles),
                Some(e) => {
                    let key = email::key(e.trim());
                    self.needles.iter().any(|n| n.email_key == key)
                }
            },
            Field::Phone => c.phones.iter().any(|p| {
                self.needles.iter().any(|n| {
                    if like {
                        phone_like(p, n)
                    } else {
                        phone_eq(p, n)
                    }
                })
            }),
            Field::UserId => number_matches(c.user_id.map(i128::from), like, &self.needles),
            Field::SourceId => number_matches(c.source_id.map(i128::from), like, &self.needles),
            Field::CountryId => number_matches(c.country_id.map(i128::from), like, &self.needles),
            Field::Id => number_matches(Some(i128::from(c.id)), like, &self.needles),
        }
    }
}

/// A missing value never matches, as SQL NULL never does.
fn text_matches(value: Option<&str>, like: bool, needles: &[Needle]) -> bool {
    let Some(value) = value else {
        return false;
    };
    let value = fold(value.trim());
    needles.iter().any(|n| {
        if like {
            value.contains(&n.folded)
        } else {
            value == n.folded
        }
    })
}

fn number_matches(value: Option<i128>, like: bool, needles: &[Needle]) -> bool {
    let Some(value) = value else {
        return false;
    };
    if like {
        let text = value.to_string();
        needles.iter().any(|n| text.contains(&n.text))
    } else {
        needles.iter().any(|n| n.number == Some(value))
    }
}

fn e164_digits(p: &PhoneFields<'_>) -> String {
    p.e164.map(phone::digits).unwrap_or_default()
}

/// Substring of the number as typed, of its digits or of its E.164 digits; a value starting
/// with a trunk `0` or an international `00` also matches the start of the national or E.164
/// number, so `06 12` finds a number typed `+33 6 12 …`.
fn phone_like(p: &PhoneFields<'_>, n: &Needle) -> bool {
    if fold(p.number).contains(&n.folded) {
        return true;
    }
    let Some(d) = n.digits.as_deref() else {
        return false;
    };
    let e164 = e164_digits(p);
    if phone::digits(p.number).contains(d) || e164.contains(d) {
        return true;
    }
    if let Some(rest) = d.strip_prefix("00") {
        !rest.is_empty() && e164.starts_with(rest)
    } else if let Some(rest) = d.strip_prefix('0') {
        !rest.is_empty() && phone::digits(p.national).starts_with(rest)
    } else {
        false
    }
}

/// Same text as typed, same digits (typed or E.164), or same E.164 once normalized.
fn phone_eq(p: &PhoneFields<'_>, n: &Needle) -> bool {
    if fold(p.number.trim()) == n.folded {
        return true;
    }
    if n.e164.is_some() && n.e164.as_deref() == p.e164 {
        return true;
    }
    n.digits
        .as_deref()
        .is_some_and(|d| phone::digits(p.number) == d || e164_digits(p) == d)
}

/// A sort key of `order` (RelateCRM names; `full_name` is an alias of `display_name`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SortKey {
    Id,
    FirstName,
    LastName,
    DisplayName,
    Email,
    JobTitle,
    Street,
    City,
    State,
    PostalCode,
    UserId,
    SourceId,
    CountryId,
    CreatedAt,
    UpdatedAt,
}

const SORTABLE: [(&str, SortKey); 16] = [
    ("id", SortKey::Id),
    ("first_name", SortKey::FirstName),
    ("last_name", SortKey::LastName),
    ("display_name", SortKey::DisplayName),
    ("full_name", SortKey::DisplayName),
    ("email", SortKey::Email),
    ("job_title", SortKey::JobTitle),
    ("street", SortKey::Street),
    ("city", SortKey::City),
    ("state", SortKey::State),
    ("postal_code", SortKey::PostalCode),
    ("user_id", SortKey::UserId),
    ("source_id", SortKey::SourceId),
    ("country_id", SortKey::CountryId),
    ("created_at", SortKey::CreatedAt),
    ("updated_at", SortKey::UpdatedAt),
];

/// A contact's value under a sort key; `Null` (missing or blank) sorts first, as in SQL asc.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortValue {
    Null,
    Number(i128),
    Text(String),
}

/// A contact's position under a query's order, computed once per contact
/// (comparing these is what [`Query::compare`] does, without re-folding).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct SortPosition(Vec<Directed>, u64);

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Directed {
    Asc(SortValue),
    Desc(std::cmp::Reverse<SortValue>),
}

impl SortKey {
    fn value(self, c: &SearchFields<'_>) -> SortValue {
        let text = |v: Option<&str>| match v.map(str::trim) {
            Some(t) if !t.is_empty() => SortValue::Text(fold(t)),
            _ => SortValue::Null,
        };
        let number = |v: Option<i64>| v.map_or(SortValue::Null, |n| SortValue::Number(n.into()));
        match self {
            SortKey::Id => SortValue::Number(c.id.into()),
            SortKey::FirstName => text(c.first_name),
            SortKey::LastName => text(c.last_name),
            SortKey::DisplayName => text(Some(&c.full_name())),
            SortKey::Email => text(c.email),
            SortKey::JobTitle => text(c.role),
            SortKey::Street => text(c.street),
            SortKey::City => text(c.city),
            SortKey::State => text(c.state),
            SortKey::PostalCode => text(c.postal_code),
            SortKey::UserId => number(c.user_id),
            SortKey::SourceId => number(c.source_id),
            SortKey::CountryId => number(c.country_id),
            // RFC 3339 UTC in one format: text order is time order.
            SortKey::CreatedAt => text(Some(c.created_at)),
            SortKey::UpdatedAt => text(Some(c.updated_at)),
        }
    }
}

/// The contact fields RelateCRM renders, for `select` (plus any `cf_*` custom field).
const SELECTABLE: [&str; 20] = [
    "id",
    "first_name",
    "last_name",
    "display_name",
    "email",
    "job_title",
    "phones",
    "street",
    "city",
    "state",
    "postal_code",
    "user_id",
    "source_id",
    "country_id",
    "created_at",
    "updated_at",
    "path",
    "companies",
    "deals",
    "activities",
];

fn selectable(name: &str) -> bool {
    SELECTABLE.contains(&name)
        || name.strip_prefix("cf_").is_some_and(|rest| {
            !rest.is_empty() && rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A parsed, validated request: what to search, how to order, page and project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    clauses: Vec<Clause>,
    match_all: bool,
    /// The text of a plain `q` (no `field:value` pair, no `search_fields`)
    /// asked in no order: a search may put its best matches first.
    ranked_text: Option<String>,
    /// Sort keys, `true` = descending; ties always fall to id ascending.
    order: Vec<(SortKey, bool)>,
    select: Vec<String>,
    per_page: u32,
    page: u32,
    take: Option<u32>,
}

impl Default for Query {
    /// No search, `first_name asc`, every field, first page of 15.
    fn default() -> Query {
        Query {
            clauses: Vec::new(),
            match_all: false,
            ranked_text: None,
            order: vec![(SortKey::FirstName, false)],
            select: Vec::new(),
            per_page: DEFAULT_PER_PAGE,
            page: 1,
            take: None,
        }
    }
}

/// [`parse_with_region`] without a default region: a phone `=` value then gets an E.164 form
/// only when it carries its own country code (`+33…`, `0033…`).
pub fn parse(p: &QueryParams) -> Result<Query, QueryError> {
    parse_with_region(p, "")
}

/// Parses the parameters; `default_region` (ISO 3166 alpha-2, the tenant's) normalizes phone
/// values searched with `=` or `in`, so `phones.number:06 12 34 56 78` finds `+33612345678`.
pub fn parse_with_region(p: &QueryParams, default_region: &str) -> Result<Query, QueryError> {
    let (clauses, plain) = match p.q.as_deref().filter(|q| !q.trim().is_empty()) {
        Some(q) => parse_search(q, p.search_fields.as_deref(), default_region)?,
        None => (Vec::new(), None),
    };
    let order = parse_order(p.order.as_deref())?;
    let match_all = p
        .search_match
        .as_deref()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("and"));
    Ok(Query {
        clauses,
        match_all,
        ranked_text: plain.filter(|_| order.is_none()),
        order: order.unwrap_or_else(|| Query::default().order),
        select: parse_select(p.select.as_deref())?,
        per_page: match parse_count(p.per_page.as_deref()) {
            Some(n) if n >= 1 => saturate(n.min(u64::from(MAX_PER_PAGE))),
            _ => DEFAULT_PER_PAGE,
        },
        page: match parse_count(p.page.as_deref()) {
            Some(n) if n >= 1 => saturate(n),
            _ => 1,
        },
        take: parse_count(p.take.as_deref())
            .filter(|&n| n >= 1)
            .map(saturate),
    })
}

/// A non-negative integer (`+` allowed), saturating instead of overflowing; None for garbage
/// or a negative number.
fn parse_count(raw: Option<&str>) -> Option<u64> {
    let text = raw?.trim();
    let digits = text.strip_prefix('+').unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(digits.bytes().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    }))
}

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// Splits a `;`-list into trimmed, non-empty entries, within the length limits.
fn entries<'a>(field: &str, raw: &'a str) -> Result<Vec<&'a str>, QueryError> {
    if raw.chars().count() > MAX_PARAM_CHARS {
        return Err(invalid(
            field,
            format!("The {field} may not be greater than {MAX_PARAM_CHARS} characters."),
        ));
    }
    let list: Vec<&str> = raw
        .split(';')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if list.len() > MAX_PARAM_ENTRIES {
        return Err(invalid(
            field,
            format!("The {field} may not have more than {MAX_PARAM_ENTRIES} entries."),
        ));
    }
    Ok(list)
}

/// The fields `search_fields` accepts, with their condition; every searchable field with its
/// default when the parameter is absent or blank.
fn parse_search_fields(raw: Option<&str>) -> Result<Vec<(Field, Cond)>, QueryError> {
    let Some(raw) = raw.filter(|r| !r.trim().is_empty()) else {
        return Ok(SEARCHABLE.iter().map(|&f| (f, f.default_cond())).collect());
    };
    let mut fields: Vec<(Field, Cond)> = Vec::new();
    for entry in entries("search_fields", raw)? {
        let (name, cond) = entry.split_once(':').unwrap_or((entry, ""));
        let Some(field) = Field::parse(name) else {
            continue; // not searchable: ignored, like upstream
        };
        let cond = Cond::parse(cond).unwrap_or(field.default_cond());
        match fields.iter_mut().find(|(f, _)| *f == field) {
            Some(slot) => slot.1 = cond,
            None => fields.push((field, cond)),
        }
    }
    if fields.is_empty() {
        return Err(no_accepted_field());
    }
    Ok(fields)
}

/// `field:value` when the text before the first `:` looks like a field name (so `10:30` stays
/// a plain value); the name is lowercased, the value left raw.
fn pair(segment: &str) -> Option<(String, &str)> {
    let (name, value) = segment.split_once(':')?;
    let name = name.trim().to_ascii_lowercase();
    let mut chars = name.chars();
    let ident = chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.');
    ident.then_some((name, value))
}

/// The clauses of `q`, and its text when it is plain: no `field:value`
/// pair and no `search_fields`.
fn parse_search(
    q: &str,
    search_fields: Option<&str>,
    region: &str,
) -> Result<(Vec<Clause>, Option<String>), QueryError> {
    if q.chars().count() > MAX_Q_CHARS {
        return Err(invalid(
            "q",
            format!("The q may not be greater than {MAX_Q_CHARS} characters."),
        ));
    }
    let segments: Vec<&str> = q.split(';').filter(|s| !s.trim().is_empty()).collect();
    if segments.len() > MAX_CLAUSES {
        return Err(invalid(
            "q",
            format!("The q may not have more than {MAX_CLAUSES} clauses."),
        ));
    }
    let fields = parse_search_fields(search_fields)?;

    let mut pairs: Vec<(String, &str)> = Vec::new();
    let mut plain: Vec<&str> = Vec::new();
    for segment in &segments {
        match pair(segment) {
            Some(p) => pairs.push(p),
            None => plain.push(segment),
        }
    }
    // Without pairs the whole of `q` is the value, `;` included ("Smith; John").
    let plain = if pairs.is_empty() {
        Some(q.to_owned())
    } else {
        Some(plain.join(";")).filter(|p| !p.trim().is_empty())
    };

    let mut accepted = 0usize;
    let mut clauses = Vec::new();
    let mut paired: Vec<Field> = Vec::new();
    for (name, value) in &pairs {
        let Some(&(field, cond)) =
            Field::parse(name).and_then(|f| fields.iter().find(|(accepted, _)| *accepted == f))
        else {
            continue; // unknown, or not among `search_fields`
        };
        accepted += 1;
        paired.push(field);
        clauses.extend(Clause::new(field, cond, value, region));
    }
    if let Some(plain) = plain {
        for &(field, cond) in fields.iter().filter(|(f, _)| !paired.contains(f)) {
            accepted += 1;
            clauses.extend(Clause::new(field, cond, &plain, region));
        }
    }
    if accepted == 0 {
        return Err(no_accepted_field());
    }
    if clauses.is_empty() {
        return Err(QueryError::AllSkipped(
            "The search value is not valid for any of the search fields.".to_owned(),
        ));
    }
    let every_field = search_fields.is_none_or(|f| f.trim().is_empty());
    let text = (pairs.is_empty() && every_field).then(|| q.to_owned());
    Ok((clauses, text))
}

/// The order asked, or None when none was (the default applies).
fn parse_order(raw: Option<&str>) -> Result<Option<Vec<(SortKey, bool)>>, QueryError> {
    let list = match raw {
        Some(raw) => entries("order", raw)?,
        None => Vec::new(),
    };
    if list.is_empty() {
        return Ok(None);
    }
    let mut order = Vec::with_capacity(list.len());
    for entry in list {
        let (name, dir) = entry.split_once('|').unwrap_or((entry, ""));
        // The seed's markdown escapes the bar (`created_at\|desc`); clients copy it verbatim.
        let name = name.trim().trim_end_matches('\\').trim();
        let Some(&(_, key)) = SORTABLE.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) else {
            let names: Vec<&str> = SORTABLE.iter().map(|(n, _)| *n).collect();
            return Err(invalid(
                "order",
                format!(
                    "The order field \"{name}\" is not sortable. Sortable fields are: {}",
                    names.join(", ")
                ),
            ));
        };
        let desc = match dir.trim().to_ascii_lowercase().as_str() {
            "" | "asc" => false,
            "desc" => true,
            other => {
                return Err(invalid(
                    "order",
                    format!("The order direction \"{other}\" is not valid: use asc or desc."),
                ));
            }
        };
        order.push((key, desc));
    }
    Ok(Some(order))
}

fn parse_select(raw: Option<&str>) -> Result<Vec<String>, QueryError> {
    let Some(raw) = raw else {
        return Ok(Vec::new());
    };
    let list = entries("select", raw)?;
    if list.is_empty() {
        return Ok(Vec::new());
    }
    let mut select = vec!["id".to_owned()];
    for name in list {
        if !selectable(name) {
            return Err(invalid(
                "select",
                format!("The select field \"{name}\" is not valid."),
            ));
        }
        if !select.iter().any(|s| s == name) {
            select.push(name.to_owned());
        }
    }
    Ok(select)
}

impl Query {
    /// Whether a contact satisfies the search (true when there is no `q`).
    pub fn matches(&self, c: &Contact) -> bool {
        self.matches_fields(&c.search_fields())
    }

    /// [`Query::matches`] on borrowed fields (a contact or a projection).
    pub fn matches_fields(&self, c: &SearchFields<'_>) -> bool {
        if self.clauses.is_empty() {
            true
        } else if self.match_all {
            self.clauses.iter().all(|cl| cl.matches(c))
        } else {
            self.clauses.iter().any(|cl| cl.matches(c))
        }
    }

    /// Ordering of two contacts under `order` (ties by id ascending). Missing or blank values
    /// come first in ascending order and last in descending order.
    /// The sort position of a contact: ordering positions orders contacts
    /// exactly as [`Query::compare`] does.
    pub fn sort_position(&self, c: &Contact) -> SortPosition {
        self.position_of(&c.search_fields())
    }

    /// [`Query::sort_position`] of borrowed fields (a contact or a projection).
    pub fn position_of(&self, c: &SearchFields<'_>) -> SortPosition {
        let keys = self
            .order
            .iter()
            .map(|&(key, desc)| {
                if desc {
                    Directed::Desc(std::cmp::Reverse(key.value(c)))
                } else {
                    Directed::Asc(key.value(c))
                }
            })
            .collect();
        SortPosition(keys, c.id)
    }

    pub fn compare(&self, a: &Contact, b: &Contact) -> Ordering {
        let (a, b) = (a.search_fields(), b.search_fields());
        for &(key, desc) in &self.order {
            let o = key.value(&a).cmp(&key.value(&b));
            let o = if desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id.cmp(&b.id)
    }

    /// The index that already holds this order, when the order is one key
    /// the engine indexes (then a page is an index range, not a sort), and
    /// whether it runs backwards. Ties there follow the index: by id in the
    /// same direction.
    pub fn sort_index(&self) -> Option<(&'static str, bool)> {
        let [(key, desc)] = self.order.as_slice() else {
            return None;
        };
        let index = match key {
            SortKey::FirstName => crate::index::BY_SORT_FIRST,
            SortKey::LastName => crate::index::BY_SORT_LAST,
            SortKey::Email => crate::index::BY_SORT_EMAIL,
            SortKey::CreatedAt => crate::index::BY_CREATED,
            SortKey::UpdatedAt => crate::index::BY_UPDATED,
            _ => return None,
        };
        Some((index, *desc))
    }

    /// The text a search may rank by relevance: a plain `q` (no
    /// `field:value` pair, no `search_fields`) asked in no order.
    pub fn ranked_text(&self) -> Option<&str> {
        self.ranked_text.as_deref()
    }

    /// Whether `q` asked for a search (a blank `q` does not).
    pub fn has_search(&self) -> bool {
        !self.clauses.is_empty()
    }

    /// Whether the clauses are ANDed (`search_match=and`).
    pub fn match_all(&self) -> bool {
        self.match_all
    }

    /// Default 15, at most 100; 0, negative or garbage gives 15.
    pub fn per_page(&self) -> u32 {
        self.per_page
    }

    /// Default 1; 0, negative or garbage gives 1.
    pub fn page(&self) -> u32 {
        self.page
    }

    /// How many records precede the page.
    pub fn offset(&self) -> u64 {
        u64::from(self.page.saturating_sub(1)) * u64::from(self.per_page)
    }

    /// The `take` limit of `/contacts/search`; None when absent, 0, negative or garbage.
    pub fn take(&self) -> Option<u32> {
        self.take
    }

    /// Field names to render, `id` always included and first; empty = every field.
    pub fn select(&self) -> Vec<String> {
        self.select.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Phone, PhoneType};

    fn contact(id: u64, first: &str, last: &str, email: &str) -> Contact {
        let mut c = Contact::new(id, "2026-01-01T00:00:00Z");
        c.first_name = Some(first.to_owned()).filter(|s| !s.is_empty());
        c.last_name = Some(last.to_owned()).filter(|s| !s.is_empty());
        c.email = Some(email.to_owned()).filter(|s| !s.is_empty());
        c
    }

    fn with_phone(mut c: Contact, number: &str) -> Contact {
        let n = phone::normalize(number, "FR").ok();
        c.phones.push(Phone {
            id: c.phones.len() as u64 + 1,
            number: number.to_owned(),
            e164: n.as_ref().and_then(|n| n.e164()).map(str::to_owned),
            international: n.as_ref().map(|n| n.international.clone()),
            kind: PhoneType::Mobile,
            region: None,
            national: n.map(|n| n.national).unwrap_or_default(),
            extension: None,
        });
        c
    }

    fn q(q: &str) -> QueryParams {
        QueryParams {
            q: Some(q.to_owned()),
            ..QueryParams::default()
        }
    }

    fn parsed(p: QueryParams) -> Query {
        parse_with_region(&p, "FR").expect("valid query")
    }

    fn jane() -> Contact {
        let mut c = contact(1, "Jane", "Doe", "Jane.Doe@Example.com");
        c.role = Some("Head of R&D".to_owned());
        c.city = Some("Besançon".to_owned());
        c.user_id = Some(7);
        with_phone(c, "06 12 34 56 78")
    }

    fn john() -> Contact {
        let mut c = contact(2, "John", "Smith", "john@acme.io");
        c.city = Some("Paris".to_owned());
        c.country_id = Some(42);
        with_phone(c, "+33 1 23 45 67 89")
    }

    #[test]
    fn no_q_matches_everything() {
        for query in [parsed(QueryParams::default()), parsed(q("   "))] {
            assert!(!query.has_search());
            assert!(query.matches(&jane()));
        }
    }

    #[test]
    fn plain_q_searches_every_field_case_and_accent_insensitive() {
        let query = parsed(q("JANE"));
        assert!(query.has_search());
        assert!(query.matches(&jane()));
        assert!(!query.matches(&john()));
        assert!(parsed(q("besancon")).matches(&jane()));
        assert!(parsed(q("r&d")).matches(&jane()));
        assert!(parsed(q("example.com")).matches(&jane()));
        assert!(parsed(q("jane doe")).matches(&jane()), "full_name");
        assert!(parsed(q("acme")).matches(&john()));
    }

    #[test]
    fn plain_numeric_q_hits_ids_and_phones() {
        assert!(parsed(q("2")).matches(&john()), "id = 2");
        assert!(parsed(q("42")).matches(&john()), "country_id = 42");
        assert!(parsed(q("7")).matches(&jane()), "user_id = 7");
        assert!(!parsed(q("99")).matches(&jane()));
        assert!(parsed(q("0612")).matches(&jane()), "typed digits");
        assert!(parsed(q("336123")).matches(&jane()), "E.164 digits");
        assert!(parsed(q("01 23 45")).matches(&john()), "trunk 0 vs +33");
        assert!(parsed(q("0033 1 23")).matches(&john()), "00 prefix");
    }

    #[test]
    fn text_with_digits_does_not_match_phones_by_digits() {
        assert!(!parsed(q("Room 12")).matches(&jane()));
    }

    #[test]
    fn percent_and_underscore_are_literal() {
        let mut c = contact(3, "100%", "a_b", "");
        c.city = Some("x".to_owned());
        assert!(parsed(q("100%")).matches(&c));
        assert!(parsed(q("a_b")).matches(&c));
        assert!(!parsed(q("%")).matches(&jane()));
        assert!(!parsed(q("_")).matches(&jane()));
        assert!(!parsed(q("j%e")).matches(&jane()));
    }

    #[test]
    fn field_value_pairs() {
        let query = parsed(q("email:acme;city:paris"));
        assert!(query.matches(&john()));
        assert!(!query.matches(&jane()));
        assert!(parsed(q("first_name:jan")).matches(&jane()));
        assert!(!parsed(q("last_name:jan")).matches(&jane()));
        assert!(parsed(q("job_title:head")).matches(&jane()));
        assert!(parsed(q("full_name:e d")).matches(&jane()));
        assert!(parsed(q("Email:JANE.DOE@example.COM")).matches(&jane()));
    }

    #[test]
    fn pair_value_keeps_later_colons() {
        let mut c = contact(4, "A", "", "");
        c.street = Some("Gate 10:30".to_owned());
        assert!(parsed(q("street:10:30")).matches(&c));
        // `10:30` is not a field name: a plain value.
        assert!(parsed(q("10:30")).matches(&c));
    }

    #[test]
    fn plain_segment_applies_to_unpaired_fields() {
        let query = parsed(q("email:nobody;Paris"));
        assert!(query.matches(&john()));
        assert!(!query.matches(&jane()));
    }

    #[test]
    fn numeric_fields_compare_as_integers() {
        assert!(parsed(q("id:1")).matches(&jane()));
        assert!(parsed(q("id: 01 ")).matches(&jane()));
        assert!(!parsed(q("id:1")).matches(&john()));
        assert!(parsed(q("user_id:7")).matches(&jane()));
        assert!(!parsed(q("user_id:7")).matches(&john()), "null user_id");
        assert!(parsed(q("country_id:42")).matches(&john()));
    }

    #[test]
    fn search_fields_restrict_and_set_conditions() {
        let p = QueryParams {
            search_fields: Some("email:=".to_owned()),
            ..q("john@ACME.io")
        };
        let query = parsed(p);
        assert!(query.matches(&john()));
        let p = QueryParams {
            search_fields: Some("email:=".to_owned()),
            ..q("acme")
        };
        assert!(!parsed(p).matches(&john()), "= is not a substring");

        // Plain q with search_fields searches only those fields.
        let p = QueryParams {
            search_fields: Some("last_name".to_owned()),
            ..q("jane")
        };
        assert!(!parsed(p).matches(&jane()));

        // A pair outside search_fields is not accepted; one inside is.
        let p = QueryParams {
            search_fields: Some("city;email".to_owned()),
            ..q("first_name:jane;city:paris")
        };
        let query = parsed(p);
        assert!(query.matches(&john()));
        assert!(!query.matches(&jane()));
    }

    #[test]
    fn unknown_condition_falls_back_to_default() {
        let p = QueryParams {
            search_fields: Some("email:~;id:between".to_owned()),
            ..q("acme")
        };
        assert!(parsed(p).matches(&john()), "email like");
        let p = QueryParams {
            search_fields: Some("EMAIL:LIKE".to_owned()),
            ..q("acme")
        };
        assert!(parsed(p).matches(&john()));
    }

    #[test]
    fn in_condition_takes_a_comma_list() {
        let p = QueryParams {
            search_fields: Some("id:in".to_owned()),
            ..q("5, 2,abc")
        };
        let query = parsed(p);
        assert!(query.matches(&john()));
        assert!(!query.matches(&jane()));

        let p = QueryParams {
            search_fields: Some("city:in".to_owned()),
            ..q("city:lyon,PARIS")
        };
        assert!(parsed(p).matches(&john()));
    }

    #[test]
    fn phone_equality_uses_digits_and_e164() {
        let eq = |value: &str| {
            parsed(QueryParams {
                search_fields: Some("phones.number:=".to_owned()),
                ..q(value)
            })
        };
        assert!(eq("06 12 34 56 78").matches(&jane()), "as typed");
        assert!(eq("0612345678").matches(&jane()), "digits");
        assert!(eq("+33612345678").matches(&jane()), "E.164");
        assert!(eq(" 33 6 12 34 56 78").matches(&jane()), "decoded +");
        assert!(eq("0123456789").matches(&john()), "national form under FR");
        assert!(!eq("061234").matches(&jane()), "= is not a substring");
        // Without a region, only numbers with their own country code normalize.
        let p = QueryParams {
            search_fields: Some("phones.number:=".to_owned()),
            ..q("+33 1 23 45 67 89")
        };
        assert!(parse(&p).expect("valid").matches(&john()));
    }

    #[test]
    fn and_versus_or() {
        let or = parsed(q("first_name:jane;city:paris"));
        assert!(or.matches(&jane()) && or.matches(&john()));
        let and = parsed(QueryParams {
            search_match: Some(" AND ".to_owned()),
            ..q("first_name:jane;city:paris")
        });
        assert!(and.match_all());
        assert!(!and.matches(&jane()) && !and.matches(&john()));
        let and = parsed(QueryParams {
            search_match: Some("and".to_owned()),
            ..q("first_name:jane;city:besan")
        });
        assert!(and.matches(&jane()));
        let other = parsed(QueryParams {
            search_match: Some("xor".to_owned()),
            ..q("first_name:jane;city:paris")
        });
        assert!(!other.match_all());
    }

    #[test]
    fn skipped_clauses_drop_out() {
        let and = parsed(QueryParams {
            search_match: Some("and".to_owned()),
            ..q("id:abc;first_name:jane")
        });
        assert!(and.matches(&jane()));
    }

    #[test]
    fn no_accepted_field_is_403() {
        let expected = QueryError::NoAcceptedField(
            "None of the search fields were accepted. Acceptable search fields are: first_name, \
             last_name, full_name, email, phones.number, job_title, street, city, state, \
             postal_code, user_id, source_id, country_id, id"
                .to_owned(),
        );
        assert_eq!(parse(&q("nickname:jo")), Err(expected.clone()));
        let p = QueryParams {
            search_fields: Some("nickname:like;password".to_owned()),
            ..q("jo")
        };
        assert_eq!(parse(&p), Err(expected.clone()));
        let p = QueryParams {
            search_fields: Some("email".to_owned()),
            ..q("city:paris")
        };
        assert_eq!(parse(&p), Err(expected));
        // Without q, search_fields is not looked at.
        let p = QueryParams {
            search_fields: Some("nickname".to_owned()),
            ..QueryParams::default()
        };
        assert!(parse(&p).is_ok());
    }

    #[test]
    fn every_clause_skipped_is_422() {
        for p in [
            q("id:abc"),
            q("email:"),
            q("id:1.5;user_id:x"),
            QueryParams {
                search_fields: Some("id;country_id".to_owned()),
                ..q("abc")
            },
            QueryParams {
                search_fields: Some("id:in".to_owned()),
                ..q("a,b,")
            },
        ] {
            assert!(matches!(parse(&p), Err(QueryError::AllSkipped(_))), "{p:?}");
        }
    }

    #[test]
    fn q_length_and_clause_limits() {
        let long = "a".repeat(MAX_Q_CHARS + 1);
        assert!(matches!(
            parse(&q(&long)),
            Err(QueryError::Invalid { field, .. }) if field == "q"
        ));
        assert!(
            parse(&q(&"é".repeat(MAX_Q_CHARS))).is_ok(),
            "chars, not bytes"
        );
        let many = vec!["city:x"; MAX_CLAUSES + 1].join(";");
        assert!(matches!(
            parse(&q(&many)),
            Err(QueryError::Invalid { field, .. }) if field == "q"
        ));
        assert!(parse(&q(&vec!["city:x"; MAX_CLAUSES].join(";"))).is_ok());
    }

    #[test]
    fn paging_defaults_and_clamps() {
        let paging = |per_page: &str, page: &str| {
            let query = parsed(QueryParams {
                per_page: Some(per_page.to_owned()),
                page: Some(page.to_owned()),
                ..QueryParams::default()
            });
            (query.per_page(), query.page())
        };
        let d = parsed(QueryParams::default());
        assert_eq!((d.per_page(), d.page(), d.take()), (15, 1, None));
        assert_eq!(paging("20", "2"), (20, 2));
        assert_eq!(paging("1000", "0"), (100, 1));
        assert_eq!(paging("0", "-3"), (15, 1));
        assert_eq!(paging("abc", "2.5"), (15, 1));
        assert_eq!(paging(" +5 ", ""), (5, 1));
        assert_eq!(paging("-1", "99999999999999999999999"), (15, u32::MAX));
        let q = parsed(QueryParams {
            per_page: Some("10".to_owned()),
            page: Some("3".to_owned()),
            ..QueryParams::default()
        });
        assert_eq!(q.offset(), 20);
        let max = parsed(QueryParams {
            per_page: Some("100".to_owned()),
            page: Some("99999999999".to_owned()),
            ..QueryParams::default()
        });
        assert_eq!(max.offset(), u64::from(u32::MAX - 1) * 100);
    }

    #[test]
    fn take_parses_leniently() {
        let take = |v: &str| {
            parsed(QueryParams {
                take: Some(v.to_owned()),
                ..QueryParams::default()
            })
            .take()
        };
        assert_eq!(take("1"), Some(1));
        assert_eq!(take("0"), None);
        assert_eq!(take("-2"), None);
        assert_eq!(take("many"), None);
    }

    #[test]
    fn select_always_includes_id_first() {
        let select = |v: &str| {
            parse(&QueryParams {
                select: Some(v.to_owned()),
                ..QueryParams::default()
            })
        };
        assert_eq!(
            select("first_name;email").map(|q| q.select()),
            Ok(vec!["id".into(), "first_name".into(), "email".into()])
        );
        assert_eq!(
            select("first_name; id ;first_name;cf_shoe_size").map(|q| q.select()),
            Ok(vec![
                "id".into(),
                "first_name".into(),
                "cf_shoe_size".into()
            ])
        );
        assert_eq!(select("").map(|q| q.select()), Ok(Vec::new()));
        assert_eq!(select(" ; ").map(|q| q.select()), Ok(Vec::new()));
        for bad in ["password", "cf_", "first_name;cf_x-y"] {
            assert!(
                matches!(select(bad), Err(QueryError::Invalid { field, .. }) if field == "select"),
                "{bad}"
            );
        }
    }

    #[test]
    fn order_parses_field_and_direction() {
        let order = |v: &str| {
            parse(&QueryParams {
                order: Some(v.to_owned()),
                ..QueryParams::default()
            })
        };
        assert!(order("created_at").is_ok());
        assert!(order("created_at|DESC").is_ok());
        assert!(
            order("created_at\\|desc").is_ok(),
            "escaped bar from the docs"
        );
        assert!(order("last_name|asc;first_name|desc").is_ok());
        assert!(order("").is_ok());
        for bad in ["password", "id|up", "id|asc|desc", "|asc"] {
            assert!(
                matches!(order(bad), Err(QueryError::Invalid { field, .. }) if field == "order"),
                "{bad}"
            );
        }
    }

    #[test]
    fn default_order_is_first_name_with_nulls_first_and_ties_by_id() {
        let query = parsed(QueryParams::default());
        let mut list = [
            contact(5, "bob", "", ""),
            contact(4, "Alice", "", ""),
            contact(3, "", "Nameless", ""),
            contact(2, "Émile", "", ""),
            contact(1, "bob", "", ""),
        ];
        list.sort_by(|a, b| query.compare(a, b));
        let ids: Vec<u64> = list.iter().map(|c| c.id).collect();
        assert_eq!(ids, [3, 4, 1, 5, 2]);
    }

    #[test]
    fn descending_puts_nulls_last_and_keeps_id_ties_ascending() {
        let query = parsed(QueryParams {
            order: Some("user_id|desc".to_owned()),
            ..QueryParams::default()
        });
        let mut list: Vec<Contact> = [(1, Some(3)), (2, None), (3, Some(10)), (4, Some(3))]
            .into_iter()
            .map(|(id, user)| {
                let mut c = contact(id, "x", "", "");
                c.user_id = user;
                c
            })
            .collect();
        list.sort_by(|a, b| query.compare(a, b));
        let ids: Vec<u64> = list.iter().map(|c| c.id).collect();
        assert_eq!(ids, [3, 1, 4, 2]);
    }

    #[test]
    fn order_by_id_and_dates() {
        let by_id = parsed(QueryParams {
            order: Some("id|desc".to_owned()),
            ..QueryParams::default()
        });
        assert_eq!(by_id.compare(&jane(), &john()), Ordering::Greater);
        let mut old = jane();
        old.created_at = "2025-01-01T00:00:00Z".to_owned();
        let by_created = parsed(QueryParams {
            order: Some("created_at".to_owned()),
            ..QueryParams::default()
        });
        assert_eq!(by_created.compare(&old, &john()), Ordering::Less);
    }

    #[test]
    fn garbage_never_panics() {
        let inputs = [
            "",
            ";",
            ":",
            "::",
            ";;:;",
            "id:",
            ":x",
            "\u{0}",
            "é:é",
            "phones.number:+",
            "phones.number:tel:",
            "a\\|b",
            "|",
            "%_%",
            "in:in",
            " 33",
            "00",
            "0",
        ];
        for a in inputs {
            for b in inputs {
                let p = QueryParams {
                    q: Some(a.to_owned()),
                    search_fields: Some(b.to_owned()),
                    search_match: Some(b.to_owned()),
                    order: Some(a.to_owned()),
                    per_page: Some(a.to_owned()),
                    page: Some(b.to_owned()),
                    take: Some(a.to_owned()),
                    select: Some(b.to_owned()),
                };
                if let Ok(query) = parse_with_region(&p, b) {
                    let _ = query.matches(&jane());
                    let _ = query.compare(&jane(), &john());
                    let _ = query.offset();
                }
            }
        }
    }
}
