//! Domain types: what a contact, a note and a caller are, independent of WIT.
//!
//! Documents are stored as JSON through the `store` capability, so the stored
//! shapes (`Contact`, `Note`) derive serde with defaults: a document written by
//! an older build still reads. A field at its default (null, empty, `false`,
//! the default source) is left out when written, which keeps the body short
//! and readable; reading it back gives the same contact.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub type ContactId = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OwnerKind {
    Customer,
    Prospect,
}

impl OwnerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OwnerKind::Customer => "customer",
            OwnerKind::Prospect => "prospect",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct OwnerRef {
    pub kind: OwnerKind,
    pub id: u64,
}

/// A platform record that owns contacts, as the directory describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub owner: OwnerRef,
    pub name: String,
    pub account: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PhoneType {
    Mobile,
    Landline,
    Work,
    Home,
    Fax,
    Other,
}

impl PhoneType {
    /// Reads a client's type name; anything unknown is a mobile (spec §4 relatecrm).
    pub fn parse_lenient(name: Option<&str>) -> PhoneType {
        match name.map(|n| n.trim().to_ascii_lowercase()).as_deref() {
            Some("landline") => PhoneType::Landline,
            Some("work") => PhoneType::Work,
            Some("home") => PhoneType::Home,
            Some("fax") => PhoneType::Fax,
            Some("other") => PhoneType::Other,
            _ => PhoneType::Mobile,
        }
    }
}

/// A value that keeps its JSON type (BlueRockTEL `civility` and `service`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Scalar {
    Integer(i64),
    Text(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phone {
    pub id: u64,
    pub number: String,
    /// Set only when the number is valid (spec §3: `e164` is a claim of validity).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub e164: Option<String>,
    /// `+`, country code and national number of a number that parses, valid or not (the
    /// invalid `+44 7400 12345` gives `+44740012345`): what lookups, search and uniqueness
    /// compare, so that a number without `e164` stays findable. Equal to `e164` when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub international: Option<String>,
    pub kind: PhoneType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub national: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
}

fn yes() -> bool {
    true
}

fn admin() -> String {
    "admin".to_owned()
}

fn is_true(b: &bool) -> bool {
    *b
}

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_admin(s: &str) -> bool {
    s == "admin"
}

/// The one canonical contact of spec §1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Contact {
    pub id: ContactId,
    pub created_at: String,
    pub updated_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<OwnerRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub civility: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternate_emails: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<Scalar>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub phones: Vec<Phone>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub legal_representative: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub invoices_recipient: bool,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub newsletters_recipient: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_signer_contract: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_signer_iban: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profunction_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub permissions: Vec<String>,
    #[serde(default = "admin", skip_serializing_if = "is_admin")]
    pub source: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub blocked: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_attributes: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Value>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub companies: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deals: Vec<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activities: Vec<u64>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub sync_needed: bool,
    /// The fingerprint of the imported row this contact holds the content of
    /// (`service::import`): a row imported again is found by it. Not part of the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_key: Option<String>,
}

impl Contact {
    /// A blank contact with the defaults of spec §1.
    pub fn new(id: ContactId, now: &str) -> Contact {
        Contact {
            id,
            created_at: now.to_owned(),
            updated_at: now.to_owned(),
            owner: None,
            civility: None,
            first_name: None,
            last_name: None,
            email: None,
            alternate_emails: Vec::new(),
            role: None,
            service: None,
            phones: Vec::new(),
            legal_representative: false,
            invoices_recipient: false,
            newsletters_recipient: true,
            is_signer_contract: false,
            is_signer_iban: false,
            profunction_id: None,
            comment: None,
            permissions: Vec::new(),
            source: admin(),
            blocked: false,
            avatar_url: None,
            custom_attributes: Map::new(),
            user_id: None,
            source_id: None,
            street: None,
            city: None,
            state: None,
            postal_code: None,
            country_id: None,
            custom_fields: Map::new(),
            companies: Vec::new(),
            deals: Vec::new(),
            activities: Vec::new(),
            sync_needed: false,
            import_key: None,
        }
    }

    /// The first phone of a type, in list order.
    pub fn phone_of(&self, kind: PhoneType) -> Option<&Phone> {
        self.phones.iter().find(|p| p.kind == kind)
    }

    /// "First Last", trimmed, for display and search.
    pub fn full_name(&self) -> String {
        full_name(self.first_name.as_deref(), self.last_name.as_deref())
    }

    /// The fields the query grammar reads, borrowed.
    pub fn search_fields(&self) -> SearchFields<'_> {
        SearchFields {
            id: self.id,
            first_name: self.first_name.as_deref(),
            last_name: self.last_name.as_deref(),
            email: self.email.as_deref(),
            role: self.role.as_deref(),
            street: self.street.as_deref(),
            city: self.city.as_deref(),
            state: self.state.as_deref(),
            postal_code: self.postal_code.as_deref(),
            user_id: self.user_id,
            source_id: self.source_id,
            country_id: self.country_id,
            created_at: &self.created_at,
            updated_at: &self.updated_at,
            phones: self
                .phones
                .iter()
                .map(|p| PhoneFields {
                    number: &p.number,
                    e164: p.international.as_deref(),
                    national: &p.national,
                })
                .collect(),
        }
    }
}

fn full_name(first: Option<&str>, last: Option<&str>) -> String {
    format!("{} {}", first.unwrap_or(""), last.unwrap_or(""))
        .trim()
        .to_owned()
}

/// What the query grammar matches and orders by, borrowed from a whole
/// [`Contact`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchFields<'a> {
    pub id: ContactId,
    pub first_name: Option<&'a str>,
    pub last_name: Option<&'a str>,
    pub email: Option<&'a str>,
    pub role: Option<&'a str>,
    pub street: Option<&'a str>,
    pub city: Option<&'a str>,
    pub state: Option<&'a str>,
    pub postal_code: Option<&'a str>,
    pub user_id: Option<i64>,
    pub source_id: Option<i64>,
    pub country_id: Option<i64>,
    pub created_at: &'a str,
    pub updated_at: &'a str,
    pub phones: Vec<PhoneFields<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PhoneFields<'a> {
    pub number: &'a str,
    /// The international form ([`Phone::international`]): the E.164 of a valid number, the
    /// same `+`-digits form of one that parses but is not valid.
    pub e164: Option<&'a str>,
    pub national: &'a str,
}

impl SearchFields<'_> {
    pub fn full_name(&self) -> String {
        full_name(self.first_name, self.last_name)
    }
}

/// A contact with what the platform knows about its owner.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactView {
    pub contact: Contact,
    pub owner: Option<Owner>,
    pub has_client: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: u64,
    pub contact_id: ContactId,
    pub content: String,
    pub author_id: u64,
    pub author_first_name: String,
    pub author_last_name: String,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    BlueRockTel,
    HelperIq,
    RelateCrm,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub agent_id: u64,
    pub first_name: String,
    pub last_name: String,
    /// Empty means every scope (spec §4).
    pub scopes: Vec<String>,
}

/// Who calls, and through which API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    pub caller: Caller,
    pub dialect: Dialect,
}

/// Where a reindex goes on: after document `after` of `collection`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReindexCursor {
    pub collection: String,
    pub after: u64,
}

/// Tenant settings, fixed for the life of an engine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub default_region: String,
    pub free_mail_domains: Vec<String>,
    pub custom_fields: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            default_region: "FR".to_owned(),
            free_mail_domains: DEFAULT_FREE_MAIL.iter().map(|d| (*d).to_owned()).collect(),
            custom_fields: Vec::new(),
        }
    }
}

/// Domains that never identify an organization (coworkers).
pub const DEFAULT_FREE_MAIL: &[&str] = &[
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "hotmail.fr",
    "live.com",
    "live.fr",
    "msn.com",
    "yahoo.com",
    "yahoo.fr",
    "icloud.com",
    "me.com",
    "aol.com",
    "gmx.com",
    "gmx.de",
    "gmx.fr",
    "web.de",
    "orange.fr",
    "wanadoo.fr",
    "free.fr",
    "sfr.fr",
    "laposte.net",
    "protonmail.com",
    "proton.me",
    "yandex.ru",
    "mail.ru",
];

/// A phone as a client sent it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhoneInput {
    pub number: String,
    pub kind: Option<String>,
    pub region: Option<String>,
}

/// Changes to a contact: `None` leaves a field alone, `Some(None)` clears it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContactPatch {
    pub civility: Option<Option<Scalar>>,
    pub first_name: Option<Option<String>>,
    pub last_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub role: Option<Option<String>>,
    pub service: Option<Option<Scalar>>,
    pub mobile_phone: Option<Option<String>>,
    pub landline_phone: Option<Option<String>>,
    pub primary_phone: Option<Option<PhoneInput>>,
    pub phones: Option<Vec<PhoneInput>>,
    pub legal_representative: Option<Option<bool>>,
    pub invoices_recipient: Option<Option<bool>>,
    pub newsletters_recipient: Option<Option<bool>>,
    pub is_signer_contract: Option<Option<bool>>,
    pub is_signer_iban: Option<Option<bool>>,
    pub profunction_id: Option<Option<i64>>,
    pub comment: Option<Option<String>>,
    pub permissions: Option<Option<Vec<String>>>,
    pub source: Option<Option<String>>,
    pub avatar_url: Option<Option<String>>,
    /// A JSON object, merged into the current attributes.
    pub custom_attributes: Option<String>,
    pub user_id: Option<Option<i64>>,
    pub source_id: Option<Option<i64>>,
    pub street: Option<Option<String>>,
    pub city: Option<Option<String>>,
    pub state: Option<Option<String>>,
    pub postal_code: Option<Option<String>>,
    pub country_id: Option<Option<i64>>,
    /// `cf_*` name and JSON value text.
    pub custom_fields: Vec<(String, String)>,
    pub companies: Option<Vec<u64>>,
    pub deals: Option<Vec<u64>>,
}

/// A page of the HelperIQ list, as the agent UI asks for it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ListRequest {
    pub page: u32,
    pub page_size: u32,
    pub order_by: Option<String>,
    pub order: Option<String>,
    /// The UI's filter JSON, unparsed.
    pub filters: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ContactPage {
    pub items: Vec<ContactView>,
    pub total: u64,
    pub page: u32,
    pub page_size: u32,
}

/// A page of the RelateCRM list or search.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryPage {
    pub items: Vec<ContactView>,
    pub total: u64,
    pub page: u32,
    pub per_page: u32,
    /// Fields to render, `id` first; empty renders every field.
    pub select: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// Every way an operation can fail; each dialect maps these to its statuses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Error {
    NotFound(String),
    Forbidden(String),
    Invalid(Vec<FieldError>),
    BadRequest(String),
    Conflict(String),
    Unavailable(String),
}

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Error {
        Error::Invalid(vec![FieldError {
            field: field.to_owned(),
            message: message.into(),
        }])
    }

    pub fn contact_not_found() -> Error {
        Error::NotFound("Contact not found".to_owned())
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::NotFound(m)
            | Error::Forbidden(m)
            | Error::BadRequest(m)
            | Error::Conflict(m)
            | Error::Unavailable(m) => f.write_str(m),
            Error::Invalid(errors) => match errors.first() {
                Some(first) => f.write_str(&first.message),
                None => f.write_str("The given data was invalid."),
            },
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    /// A body leaves out what is at its default and reads back the same; a
    /// body of an older build, with every field spelled out, still reads.
    #[test]
    fn stored_bodies_leave_defaults_out_and_read_back() {
        let mut c = Contact::new(7, "2026-01-01T00:00:00Z");
        c.first_name = Some("Linda".into());
        c.newsletters_recipient = false;
        c.phones = vec![Phone {
            id: 1,
            number: "06 12 34 56 78".into(),
            e164: Some("+33612345678".into()),
            international: Some("+33612345678".into()),
            kind: PhoneType::Mobile,
            region: Some("FR".into()),
            national: "06 12 34 56 78".into(),
            extension: None,
        }];
        let body = serde_json::to_string(&c).unwrap();
        for absent in [
            "last_name",
            "alternate_emails",
            "blocked",
            "source",
            "custom_fields",
            "extension",
            "null",
        ] {
            assert!(!body.contains(absent), "{absent} in {body}");
        }
        assert!(body.contains(r#""newsletters_recipient":false"#), "{body}");
        assert_eq!(serde_json::from_str::<Contact>(&body).unwrap(), c);

        let mut old = serde_json::to_value(&c).unwrap();
        let fields = old.as_object_mut().unwrap();
        for (k, v) in [
            ("last_name", Value::Null),
            ("alternate_emails", Value::Array(vec![])),
            ("blocked", Value::Bool(false)),
            ("source", Value::String("admin".into())),
            ("custom_fields", Value::Object(Map::new())),
        ] {
            fields.insert(k.into(), v);
        }
        assert_eq!(serde_json::from_value::<Contact>(old).unwrap(), c);
    }
}
