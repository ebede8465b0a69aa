//! What the columns and keys of imported files mean, and the one record shape
//! every format is read into and written from.
//!
//! Files name their fields every which way: each dialect's names
//! (`first_name`, `firstName`, `emailAddress`), and those of the CRM exports
//! operators bring (Google Contacts, Outlook, HubSpot). A name is compared
//! folded (lowercase letters and digits only), so `First Name`, `first_name`
//! and `firstName` are one column. The component applies the rules; this
//! module only says which value goes to which field.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use serde_json::{Map, Value};

use crate::bindings::api::{ContactPatch, ImportRow};
use crate::bindings::types::{Contact, OwnerKind, OwnerRef, PhoneInput, Scalar};

/// Where one column's value goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A text field of the contact, by canonical name.
    Text(&'static str),
    /// An email: the first one a row gives is the primary.
    Email,
    /// Several emails in one value (`;` or `,` separated).
    Emails,
    /// A phone of this type.
    Phone(&'static str),
    /// Google's numbered pairs: `Phone 1 - Type` and `Phone 1 - Value`.
    PhoneType(u32),
    PhoneValue(u32),
    /// A JSON array of phones (`[{"number", "type"}]`) or one number.
    Phones,
    /// A key of `custom_attributes` (`organization`, `country`).
    Attribute(&'static str),
    /// A JSON object merged into `custom_attributes`.
    Attributes,
    /// `kind:id`, `App\Customer:12`.
    Owner,
    OwnerType,
    OwnerId,
    /// A `cf_*` custom field.
    CustomField(String),
    /// A JSON object of `cf_*` fields.
    CustomFields,
    /// `;`-separated portal permissions.
    Permissions,
    /// The whole name, split on the last space when no other column names it.
    FullName,
    /// Known and deliberately left alone (ids, times the store sets).
    Ignore,
}

/// Every field a file may name, once: its canonical name (what `--map
/// col=field` accepts, beside `cf_*`), where its values go, and the other
/// names files give it, folded (see [`fold`]): the dialects' spellings fold
/// to the canonical name already, these are the CRM exports' (Google
/// Contacts, Outlook, HubSpot) and common words.
const NAMES: &[(&str, Target, &[&str])] = &[
    ("owner", Target::Owner, &[]),
    ("contactable_type", Target::OwnerType, &[]),
    ("contactable_id", Target::OwnerId, &[]),
    (
        "civility",
        Target::Text("civility"),
        &["title", "nameprefix", "salutation", "prefix"],
    ),
    (
        "first_name",
        Target::Text("first_name"),
        &["givenname", "first", "prenom"],
    ),
    (
        "last_name",
        Target::Text("last_name"),
        &["familyname", "surname", "last", "nom"],
    ),
    ("name", Target::FullName, &["fullname", "displayname", "fn"]),
    (
        "email",
        Target::Email,
        &[
            "emailaddress",
            "mail",
            "email1value",
            "emailaddress1",
            "email2address",
            "email3address",
            "email2value",
            "email3value",
            "email2",
            "email3",
            "secondaryemail",
            "workemail",
            "homeemail",
        ],
    ),
    (
        "alternate_emails",
        Target::Emails,
        &["emails", "additionalemailaddresses"],
    ),
    (
        "role",
        Target::Text("role"),
        &[
            "jobtitle",
            "organization1title",
            "organizationtitle",
            "function",
        ],
    ),
    (
        "service",
        Target::Text("service"),
        &[
            "department",
            "organization1department",
            "organizationdepartment",
        ],
    ),
    (
        "mobile_phone",
        Target::Phone("mobile"),
        &[
            "mobile",
            "cell",
            "cellphone",
            "mobilephonenumber",
            "mobilenumber",
        ],
    ),
    (
        "landline_phone",
        Target::Phone("landline"),
        &[
            "landline",
            "phone",
            "phonenumber",
            "primaryphone",
            "telephone",
            "tel",
        ],
    ),
    (
        "work_phone",
        Target::Phone("work"),
        &[
            "businessphone",
            "businessphone2",
            "companymainphone",
            "officephone",
        ],
    ),
    ("home_phone", Target::Phone("home"), &["homephone2"]),
    (
        "fax",
        Target::Phone("fax"),
        &["businessfax", "homefax", "faxnumber"],
    ),
    (
        "other_phone",
        Target::Phone("other"),
        &["pager", "carphone", "assistantsphone"],
    ),
    ("phones", Target::Phones, &[]),
    (
        "comment",
        Target::Text("comment"),
        &["comments", "notes", "note"],
    ),
    (
        "street",
        Target::Text("street"),
        &[
            "streetaddress",
            "businessstreet",
            "address1street",
            "address",
            "homestreet",
        ],
    ),
    (
        "city",
        Target::Text("city"),
        &["businesscity", "address1city", "homecity"],
    ),
    (
        "state",
        Target::Text("state"),
        &[
            "region",
            "stateregion",
            "businessstate",
            "address1region",
            "homestate",
        ],
    ),
    (
        "postal_code",
        Target::Text("postal_code"),
        &[
            "zip",
            "zipcode",
            "postcode",
            "businesspostalcode",
            "address1postalcode",
            "homepostalcode",
        ],
    ),
    ("country_id", Target::Text("country_id"), &[]),
    (
        "country",
        Target::Attribute("country"),
        &[
            "countryregion",
            "businesscountryregion",
            "address1country",
            "homecountryregion",
        ],
    ),
    (
        "organization",
        Target::Attribute("organization"),
        &[
            "company",
            "companyname",
            "organization1name",
            "organizationname",
            "org",
        ],
    ),
    ("custom_attributes", Target::Attributes, &[]),
    ("custom_fields", Target::CustomFields, &[]),
    (
        "legal_representative",
        Target::Text("legal_representative"),
        &[],
    ),
    (
        "invoices_recipient",
        Target::Text("invoices_recipient"),
        &[],
    ),
    (
        "newsletters_recipient",
        Target::Text("newsletters_recipient"),
        &[],
    ),
    (
        "is_signer_contract",
        Target::Text("is_signer_contract"),
        &[],
    ),
    ("is_signer_iban", Target::Text("is_signer_iban"), &[]),
    ("profunction_id", Target::Text("profunction_id"), &[]),
    ("permissions", Target::Permissions, &[]),
    ("source", Target::Text("source"), &[]),
    (
        "avatar_url",
        Target::Text("avatar_url"),
        &["avatar", "photo"],
    ),
    ("user_id", Target::Text("user_id"), &[]),
    ("source_id", Target::Text("source_id"), &[]),
    (
        "ignore",
        Target::Ignore,
        &[
            "id",
            "createdat",
            "updatedat",
            "blocked",
            "syncneeded",
            "middlename",
            "labels",
            "groupmembership",
            "namesuffix",
            "suffix",
            "nickname",
            "fileas",
        ],
    ),
];

/// The canonical field names `--map col=field` accepts, beside `cf_*`.
pub fn field_names() -> impl Iterator<Item = &'static str> {
    NAMES.iter().map(|(name, _, _)| *name)
}

/// A column or key name folded for comparison: lowercase letters and digits.
pub fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// What a column name means, or none for a column the import ignores.
pub fn target(name: &str) -> Option<Target> {
    let raw = name.trim();
    if let Some(rest) = raw.strip_prefix("cf_") {
        return (!rest.is_empty()).then(|| Target::CustomField(raw.to_owned()));
    }
    let folded = fold(raw);
    if let Some(t) = google_pair(&folded) {
        return Some(t);
    }
    NAMES
        .iter()
        .find(|(name, _, others)| fold(name) == folded || others.contains(&folded.as_str()))
        .map(|(_, target, _)| target.clone())
}

/// Google Contacts' numbered columns, folded: `Phone 1 - Type` (or `Label`,
/// in newer exports) and `Phone 1 - Value`; the labels of its emails and
/// addresses, and its formatted address, say nothing the other columns do not.
fn google_pair(folded: &str) -> Option<Target> {
    for prefix in ["email", "address"] {
        if let Some(rest) = folded.strip_prefix(prefix) {
            let digits = rest.chars().take_while(char::is_ascii_digit).count();
            if digits > 0 && matches!(&rest[digits..], "type" | "label" | "formatted" | "pobox") {
                return Some(Target::Ignore);
            }
        }
    }
    let rest = folded.strip_prefix("phone")?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    let n: u32 = digits.parse().ok()?;
    match &rest[digits.len()..] {
        "type" | "label" => Some(Target::PhoneType(n)),
        "value" => Some(Target::PhoneValue(n)),
        _ => None,
    }
}

/// A `--map col=field` pair: the column as written, and where it goes.
pub fn parse_map(raw: &str) -> Result<(String, Target)> {
    let Some((col, field)) = raw.split_once('=') else {
        bail!("--map takes column=field, not {raw:?}");
    };
    let field = field.trim();
    let known = field_names().any(|name| name == field) || field.starts_with("cf_");
    let target = target(field).filter(|_| known);
    match target {
        Some(t) => Ok((col.trim().to_owned(), t)),
        None => bail!(
            "--map {raw:?}: unknown field {field:?}; fields are {} and cf_*",
            field_names().collect::<Vec<_>>().join(", ")
        ),
    }
}

/// One row as read from any format: values by target, in file order.
#[derive(Debug, Default, Clone)]
pub struct Record {
    pub values: Vec<(Target, Value)>,
}

impl Record {
    pub fn push(&mut self, target: Target, value: Value) {
        if !matches!(&value, Value::Null) && value.as_str().is_none_or(|s| !s.trim().is_empty()) {
            self.values.push((target, value));
        }
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }
}

/// A value as text: strings as they are, other JSON as JSON.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.trim().to_owned(),
        other => other.to_string(),
    }
}

fn boolean(field: &str, v: &Value) -> Result<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_i64() != Some(0)),
        other => match fold(&text(other)).as_str() {
            "true" | "yes" | "y" | "1" | "on" | "oui" => Ok(true),
            "false" | "no" | "n" | "0" | "off" | "non" => Ok(false),
            _ => bail!("{field}: {} is not true or false", text(other)),
        },
    }
}

fn integer(field: &str, v: &Value) -> Result<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        other => text(other).parse().ok(),
    }
    .ok_or_else(|| anyhow::anyhow!("{field}: {} is not a whole number", text(v)))
}

fn scalar(v: &Value) -> Scalar {
    match v {
        Value::Number(n) if n.is_i64() => Scalar::Integer(n.as_i64().unwrap_or_default()),
        other => Scalar::Text(text(other)),
    }
}

/// `customer:12`, `prospect:3`, `App\Customer:12`.
pub fn parse_owner(raw: &str) -> Result<OwnerRef> {
    let Some((kind, id)) = raw.trim().rsplit_once(':') else {
        bail!("owner {raw:?} is not kind:id (customer:12)");
    };
    let kind = owner_kind(kind).ok_or_else(|| {
        anyhow::anyhow!("owner {raw:?}: the kind is customer or prospect (or App\\Customer)")
    })?;
    let id = id
        .trim()
        .parse()
        .map_err(|_| anyhow::anyhow!("owner {raw:?}: the id is not a number"))?;
    Ok(OwnerRef { kind, id })
}

fn owner_kind(raw: &str) -> Option<OwnerKind> {
    let folded = fold(raw);
    match folded
        .trim_start_matches("app")
        .trim_start_matches("models")
    {
        "customer" => Some(OwnerKind::Customer),
        "prospect" => Some(OwnerKind::Prospect),
        _ => None,
    }
}

pub fn owner_text(o: OwnerRef) -> String {
    let kind = match o.kind {
        OwnerKind::Customer => "customer",
        OwnerKind::Prospect => "prospect",
    };
    format!("{kind}:{}", o.id)
}

fn phone_input(number: String, kind: &str) -> PhoneInput {
    PhoneInput {
        number,
        kind: Some(kind.to_owned()),
        region: None,
    }
}

/// Phones from a `phones` value: a JSON array of `{number, type, region}`
/// (the region, as in the API, says where a national number is read; the
/// store's default region otherwise) or of `"number|type"` strings
/// (RelateCRM), or one number.
fn phones_of(v: &Value, out: &mut Vec<PhoneInput>) -> Result<()> {
    let parsed;
    let v = match v {
        Value::String(s) if s.trim_start().starts_with('[') => {
            parsed = serde_json::from_str::<Value>(s)
                .map_err(|e| anyhow::anyhow!("phones: not a JSON array ({e})"))?;
            &parsed
        }
        other => other,
    };
    match v {
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::Object(o) => {
                        let number = o.get("number").map(text).unwrap_or_default();
                        let kind = o.get("type").map(text).unwrap_or_else(|| "mobile".into());
                        let mut phone = phone_input(number, &kind);
                        phone.region = o.get("region").filter(|r| !r.is_null()).map(text);
                        out.push(phone);
                    }
                    Value::String(s) => {
                        let (number, kind) = s.split_once('|').unwrap_or((s, "mobile"));
                        out.push(phone_input(number.trim().to_owned(), kind.trim()));
                    }
                    other => bail!("phones: {other} is not a phone"),
                }
            }
        }
        other => out.push(phone_input(text(other), "mobile")),
    }
    Ok(())
}

/// The import row a record gives: `Err` with the reason when a value cannot
/// be read (an owner that is not `kind:id`, a flag that is not a boolean).
pub fn import_row(record: &Record, default_owner: Option<OwnerRef>) -> Result<ImportRow> {
    let mut patch = ContactPatch::empty();
    let mut emails: Vec<String> = Vec::new();
    let mut alternates: Vec<String> = Vec::new();
    let mut phones: Vec<PhoneInput> = Vec::new();
    let mut attributes = Map::new();
    let mut google: BTreeMap<u32, (Option<String>, Option<String>)> = BTreeMap::new();
    let mut owner = default_owner;
    let mut owner_type = None;
    let mut owner_id = None;
    let mut full_name = None;
    for (target, v) in &record.values {
        match target {
            Target::Text(field) => set_text(&mut patch, field, v)?,
            Target::Email => emails.push(text(v)),
            Target::Emails => match v {
                Value::Array(items) => alternates.extend(items.iter().map(text)),
                other => alternates.extend(
                    text(other)
                        .split([';', ','])
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned),
                ),
            },
            Target::Phone(kind) => {
                // Google writes several numbers of one type as `a ::: b`.
                for number in text(v).split(":::") {
                    phones.push(phone_input(number.trim().to_owned(), kind));
                }
            }
            Target::PhoneType(n) => google.entry(*n).or_default().0 = Some(text(v)),
            Target::PhoneValue(n) => google.entry(*n).or_default().1 = Some(text(v)),
            Target::Phones => phones_of(v, &mut phones)?,
            Target::Attribute(key) => {
                attributes.insert((*key).to_owned(), Value::String(text(v)));
            }
            Target::Attributes => {
                let object = match v {
                    Value::Object(o) => o.clone(),
                    other => match serde_json::from_str::<Value>(&text(other)) {
                        Ok(Value::Object(o)) => o,
                        _ => bail!("custom_attributes: not a JSON object"),
                    },
                };
                attributes.extend(object);
            }
            Target::Owner => owner = Some(parse_owner(&text(v))?),
            Target::OwnerType => owner_type = Some(text(v)),
            Target::OwnerId => owner_id = Some(text(v)),
            Target::CustomField(name) => {
                let json = match v {
                    Value::String(s) => Value::String(s.clone()).to_string(),
                    other => other.to_string(),
                };
                patch.custom_fields.push((name.clone(), json));
            }
            Target::CustomFields => {
                let object = match v {
                    Value::Object(o) => o.clone(),
                    other => match serde_json::from_str::<Value>(&text(other)) {
                        Ok(Value::Object(o)) => o,
                        _ => bail!("custom_fields: not a JSON object"),
                    },
                };
                for (k, v) in object {
                    patch.custom_fields.push((k, v.to_string()));
                }
            }
            Target::Permissions => {
                let list = match v {
                    Value::Array(items) => items.iter().map(text).collect(),
                    other => text(other)
                        .split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect(),
                };
                patch.permissions = Some(Some(list));
            }
            Target::FullName => full_name = Some(text(v)),
            Target::Ignore => {}
        }
    }
    if owner_type.is_some() || owner_id.is_some() {
        let kind = owner_type.as_deref().unwrap_or("");
        let id = owner_id.as_deref().unwrap_or("");
        owner = Some(parse_owner(&format!("{kind}:{id}"))?);
    }
    for (_, (kind, value)) in google {
        let Some(value) = value else { continue };
        let kind = google_phone_type(kind.as_deref().unwrap_or(""));
        for number in value.split(":::") {
            phones.push(phone_input(number.trim().to_owned(), kind));
        }
    }
    if let Some(name) = full_name
        && patch.first_name.is_none()
        && patch.last_name.is_none()
    {
        match name.rsplit_once(' ') {
            Some((first, last)) => {
                patch.first_name = Some(Some(first.trim().to_owned()));
                patch.last_name = Some(Some(last.trim().to_owned()));
            }
            None => patch.last_name = Some(Some(name)),
        }
    }
    // Emails of their own columns first, whatever order the keys came in.
    emails.extend(alternates);
    let mut emails = emails.into_iter().filter(|e| !e.is_empty());
    if let Some(primary) = emails.next() {
        patch.email = Some(Some(primary));
    }
    phones.retain(|p| !p.number.trim().is_empty());
    if !phones.is_empty() {
        patch.phones = Some(phones);
    }
    if !attributes.is_empty() {
        patch.custom_attributes = Some(Value::Object(attributes).to_string());
    }
    Ok(ImportRow {
        owner,
        patch,
        alternate_emails: emails.collect(),
    })
}

fn google_phone_type(label: &str) -> &'static str {
    let label = fold(label.split(":::").next().unwrap_or(""));
    match label.as_str() {
        "mobile" | "cell" => "mobile",
        "work" | "business" | "workmobile" => "work",
        "home" => "home",
        "workfax" | "homefax" | "fax" => "fax",
        "main" | "landline" => "landline",
        _ => "other",
    }
}

fn set_text(p: &mut ContactPatch, field: &str, v: &Value) -> Result<()> {
    let s = || Some(Some(text(v)));
    match field {
        "civility" => p.civility = Some(Some(scalar(v))),
        "service" => p.service = Some(Some(scalar(v))),
        "first_name" => p.first_name = s(),
        "last_name" => p.last_name = s(),
        "role" => p.role = s(),
        "comment" => p.comment = s(),
        "street" => p.street = s(),
        "city" => p.city = s(),
        "state" => p.state = s(),
        "postal_code" => p.postal_code = s(),
        "source" => p.source = s(),
        "avatar_url" => p.avatar_url = s(),
        "country_id" => p.country_id = Some(Some(integer(field, v)?)),
        "profunction_id" => p.profunction_id = Some(Some(integer(field, v)?)),
        "user_id" => p.user_id = Some(Some(integer(field, v)?)),
        "source_id" => p.source_id = Some(Some(integer(field, v)?)),
        "legal_representative" => p.legal_representative = Some(Some(boolean(field, v)?)),
        "invoices_recipient" => p.invoices_recipient = Some(Some(boolean(field, v)?)),
        "newsletters_recipient" => p.newsletters_recipient = Some(Some(boolean(field, v)?)),
        "is_signer_contract" => p.is_signer_contract = Some(Some(boolean(field, v)?)),
        "is_signer_iban" => p.is_signer_iban = Some(Some(boolean(field, v)?)),
        other => bail!("unknown field {other}"),
    }
    Ok(())
}

fn scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Text(t) => Value::String(t.clone()),
        Scalar::Integer(i) => Value::from(*i),
    }
}

/// The columns of a CSV export, in order; a JSON Lines export writes the
/// same keys. Each one reads back through [`target`].
pub const COLUMNS: &[&str] = &[
    "id",
    "owner",
    "civility",
    "first_name",
    "last_name",
    "email",
    "alternate_emails",
    "role",
    "service",
    "phones",
    "comment",
    "street",
    "city",
    "state",
    "postal_code",
    "country_id",
    "custom_attributes",
    "custom_fields",
    "legal_representative",
    "invoices_recipient",
    "newsletters_recipient",
    "is_signer_contract",
    "is_signer_iban",
    "profunction_id",
    "permissions",
    "source",
    "avatar_url",
    "user_id",
    "source_id",
    "created_at",
    "updated_at",
];

/// A contact as the values of [`COLUMNS`], JSON-typed (null when unset).
pub fn export_values(c: &Contact) -> Vec<Value> {
    let opt = |s: &Option<String>| s.clone().map_or(Value::Null, Value::String);
    let int = |i: Option<i64>| i.map_or(Value::Null, Value::from);
    let phones: Vec<Value> = c
        .phones
        .iter()
        .map(|p| {
            let mut phone = serde_json::json!({ "number": p.number, "type": p.kind.name() });
            if let Some(region) = &p.region {
                phone["region"] = Value::String(region.clone());
            }
            phone
        })
        .collect();
    let custom: Map<String, Value> = c
        .custom_fields
        .iter()
        .map(|(k, v)| {
            let v = serde_json::from_str(v).unwrap_or_else(|_| Value::String(v.clone()));
            (k.clone(), v)
        })
        .collect();
    let attributes: Value =
        serde_json::from_str(&c.custom_attributes).unwrap_or_else(|_| Value::Object(Map::new()));
    vec![
        Value::from(c.id),
        c.owner
            .map_or(Value::Null, |o| Value::String(owner_text(o))),
        c.civility.as_ref().map_or(Value::Null, scalar_value),
        opt(&c.first_name),
        opt(&c.last_name),
        opt(&c.email),
        Value::from(c.alternate_emails.clone()),
        opt(&c.role),
        c.service.as_ref().map_or(Value::Null, scalar_value),
        Value::Array(phones),
        opt(&c.comment),
        opt(&c.street),
        opt(&c.city),
        opt(&c.state),
        opt(&c.postal_code),
        int(c.country_id),
        attributes,
        Value::Object(custom),
        Value::Bool(c.legal_representative),
        Value::Bool(c.invoices_recipient),
        Value::Bool(c.newsletters_recipient),
        Value::Bool(c.is_signer_contract),
        Value::Bool(c.is_signer_iban),
        int(c.profunction_id),
        Value::from(c.permissions.clone()),
        Value::String(c.source.clone()),
        opt(&c.avatar_url),
        int(c.user_id),
        int(c.source_id),
        Value::String(c.created_at.clone()),
        Value::String(c.updated_at.clone()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dialect_and_crm_names_fold_to_one_field() {
        for name in ["first_name", "firstName", "First Name", "Given Name"] {
            assert_eq!(target(name), Some(Target::Text("first_name")), "{name}");
        }
        for name in [
            "email",
            "emailAddress",
            "E-mail Address",
            "E-mail 1 - Value",
        ] {
            assert_eq!(target(name), Some(Target::Email), "{name}");
        }
        assert_eq!(target("Phone 2 - Value"), Some(Target::PhoneValue(2)));
        assert_eq!(target("Mobile Phone"), Some(Target::Phone("mobile")));
        assert_eq!(
            target("cf_size"),
            Some(Target::CustomField("cf_size".into()))
        );
        assert_eq!(target("Favourite colour"), None);
    }

    /// One table: each name, canonical or other, means one field, and every
    /// column an export writes reads back as a field of its own name.
    #[test]
    fn every_name_means_one_field() {
        let mut seen = std::collections::HashSet::new();
        for (name, want, others) in NAMES {
            assert_eq!(target(name).as_ref(), Some(want), "{name}");
            assert!(seen.insert(fold(name)), "{name} twice");
            for other in *others {
                assert_eq!(fold(other), *other, "{other} is written folded");
                assert!(seen.insert(other.to_string()), "{other} twice");
            }
        }
        for column in COLUMNS {
            let named = NAMES.iter().find(|(name, _, _)| name == column);
            let want = named.map_or(Target::Ignore, |(_, t, _)| t.clone());
            assert_eq!(target(column), Some(want), "{column}");
        }
        assert!(parse_map("Cell=mobile_phone").is_ok());
        assert!(
            parse_map("Cell=cell").is_err(),
            "--map takes canonical names"
        );
    }

    #[test]
    fn owners_read_in_every_spelling() {
        let acme = OwnerRef {
            kind: OwnerKind::Customer,
            id: 12,
        };
        for raw in ["customer:12", "App\\Customer:12", " Customer : 12 "] {
            let got = parse_owner(raw).unwrap();
            assert_eq!((got.kind, got.id), (acme.kind, acme.id), "{raw}");
        }
        assert!(parse_owner("customer").is_err());
        assert!(parse_owner("team:1").is_err());
    }

    #[test]
    fn a_record_becomes_a_row() {
        let mut r = Record::default();
        r.push(Target::FullName, Value::String("Ada King Lovelace".into()));
        r.push(Target::Email, Value::String("ada@example.com".into()));
        r.push(Target::Email, Value::String("ada@work.example".into()));
        r.push(Target::PhoneType(1), Value::String("Mobile".into()));
        r.push(
            Target::PhoneValue(1),
            Value::String("06 12 34 56 78 ::: 07 12 34 56 78".into()),
        );
        r.push(
            Target::Attribute("organization"),
            Value::String("Analytical".into()),
        );
        let row = import_row(&r, None).unwrap();
        assert_eq!(row.patch.first_name, Some(Some("Ada King".into())));
        assert_eq!(row.patch.last_name, Some(Some("Lovelace".into())));
        assert_eq!(row.patch.email, Some(Some("ada@example.com".into())));
        assert_eq!(row.alternate_emails, ["ada@work.example"]);
        let phones = row.patch.phones.unwrap();
        assert_eq!(phones.len(), 2);
        assert_eq!(phones[1].kind.as_deref(), Some("mobile"));
        assert!(row.patch.custom_attributes.unwrap().contains("Analytical"));
        let mut bad = Record::default();
        bad.push(
            Target::Text("legal_representative"),
            Value::String("maybe".into()),
        );
        assert!(import_row(&bad, None).is_err());
    }
}
