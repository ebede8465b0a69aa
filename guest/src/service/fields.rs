//! Applying a [`ContactPatch`] to a contact, with every field rule: trimming,
//! lengths, email and phone normalization, required fields and uniqueness.
//!
//! Field names and messages follow the caller's dialect, so each API reports
//! errors the way its clients expect; the rules themselves are shared.

use serde_json::{Map, Value};

use super::Engine;
use crate::email;
use crate::index;
use crate::model::{
    Contact, ContactPatch, Dialect, Error, FieldError, Phone, PhoneInput, PhoneType, Result, Scalar,
};
use crate::phone::{self, PhoneError};
use crate::ports::{Directory, RecordKind, Store};

const SHORT_TEXT: usize = 191;
const LONG_TEXT: usize = 65_535;
const URL_TEXT: usize = 2_048;
const MAX_PHONES: usize = 50;
const MAX_PERMISSIONS: usize = 100;
/// A free-form JSON value (a `cf_*` field; `custom_attributes`, the whole
/// merged object) holds at most this many bytes as compact JSON: the 64 KiB
/// of a CRM's long-text column.
pub(super) const MAX_JSON_BYTES: usize = 65_536;
/// ...and nests arrays and objects at most this deep: a multi-select is one
/// level, a list of address objects two.
pub(super) const MAX_JSON_DEPTH: usize = 8;
/// Companies or deals linked to one contact.
pub(super) const MAX_LINKS: usize = 1_000;

/// Collects per-field errors, named and worded for one dialect.
pub(super) struct Checker {
    pub dialect: Dialect,
    pub errors: Vec<FieldError>,
}

impl Checker {
    pub fn new(dialect: Dialect) -> Checker {
        Checker {
            dialect,
            errors: Vec::new(),
        }
    }

    /// The wire name of a canonical field in this dialect.
    pub fn name(&self, field: &str) -> String {
        match (self.dialect, field) {
            (Dialect::BlueRockTel, "email") => "email_address".to_owned(),
            (Dialect::RelateCrm, "role") => "job_title".to_owned(),
            _ => field.to_owned(),
        }
    }

    /// A readable label: Laravel's default ("first name"), RelateCRM's title
    /// case ("First Name").
    fn label(&self, field: &str) -> String {
        let words = self.name(field).replace(['_', '.'], " ");
        match self.dialect {
            Dialect::RelateCrm => words
                .split(' ')
                .map(|w| {
                    let mut cs = w.chars();
                    match cs.next() {
                        Some(f) => f.to_uppercase().chain(cs).collect::<String>(),
                        None => String::new(),
                    }
                })
                .collect::<Vec<_>>()
                .join(" "),
            _ => words,
        }
    }

    pub fn fail(&mut self, field: &str, message: String) {
        let field = self.name(field);
        if !self.errors.iter().any(|e| e.field == field) {
            self.errors.push(FieldError { field, message });
        }
    }

    pub fn required(&mut self, field: &str) {
        let message = match self.dialect {
            Dialect::HelperIq => format!("{} is required", sentence(&self.label(field))),
            _ => format!("The {} field is required.", self.label(field)),
        };
        self.fail(field, message);
    }

    fn too_long(&mut self, field: &str, max: usize) {
        let message = match self.dialect {
            Dialect::HelperIq => {
                format!("{} is too long (max {max})", sentence(&self.label(field)))
            }
            _ => format!(
                "The {} field must not be greater than {max} characters.",
                self.label(field)
            ),
        };
        self.fail(field, message);
    }

    fn too_large(&mut self, field: &str) {
        let message = match self.dialect {
            Dialect::HelperIq => format!(
                "{} is too large (max {MAX_JSON_BYTES} bytes)",
                sentence(&self.label(field))
            ),
            _ => format!(
                "The {} field must not be larger than {MAX_JSON_BYTES} bytes.",
                self.label(field)
            ),
        };
        self.fail(field, message);
    }

    fn too_deep(&mut self, field: &str) {
        let message = match self.dialect {
            Dialect::HelperIq => format!(
                "{} is nested too deeply (max {MAX_JSON_DEPTH} levels)",
                sentence(&self.label(field))
            ),
            _ => format!(
                "The {} field must not nest more than {MAX_JSON_DEPTH} levels of arrays and objects.",
                self.label(field)
            ),
        };
        self.fail(field, message);
    }

    /// Notes an error unless `value` fits the free-form JSON bounds.
    fn free_form(&mut self, field: &str, value: &Value) -> bool {
        if value.to_string().len() > MAX_JSON_BYTES {
            self.too_large(field);
            false
        } else if depth(value) > MAX_JSON_DEPTH {
            self.too_deep(field);
            false
        } else {
            true
        }
    }

    fn too_many_links(&mut self, field: &str) {
        self.fail(field, format!("At most {MAX_LINKS} ids are allowed."));
    }

    fn bad_email(&mut self, field: &str, why: &dyn std::fmt::Display) {
        let message = match self.dialect {
            Dialect::HelperIq => "Invalid email address".to_owned(),
            _ => format!(
                "The {} field must be a valid email address. ({why})",
                self.label(field)
            ),
        };
        self.fail(field, message);
    }

    fn bad_phone(&mut self, field: &str, why: &PhoneError) {
        let message = match self.dialect {
            Dialect::HelperIq => format!("Invalid phone number: {why}"),
            _ => format!(
                "The {} field must be a valid phone number. ({why})",
                self.label(field)
            ),
        };
        self.fail(field, message);
    }

    pub fn email_taken(&mut self, field: &str) {
        let message = match self.dialect {
            Dialect::RelateCrm => "A contact or team member with this email already exist.",
            _ => "Another contact with same email already exists",
        };
        self.fail(field, message.to_owned());
    }

    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Invalid(self.errors))
        }
    }
}

fn sentence(label: &str) -> String {
    let mut cs = label.chars();
    match cs.next() {
        Some(f) => f.to_uppercase().chain(cs).collect(),
        None => String::new(),
    }
}

/// Trims a text; blank becomes absent (as Laravel's empty-string middleware does).
fn clean(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

fn text(ck: &mut Checker, field: &str, value: Option<String>, max: usize) -> Option<String> {
    let value = clean(value);
    if let Some(v) = &value
        && v.chars().count() > max
    {
        ck.too_long(field, max);
    }
    value
}

fn scalar(ck: &mut Checker, field: &str, value: Option<Scalar>) -> Option<Scalar> {
    match value {
        Some(Scalar::Text(t)) => text(ck, field, Some(t), SHORT_TEXT).map(Scalar::Text),
        other => other,
    }
}

/// Sets `target` when the patch names the field.
macro_rules! set {
    ($target:expr, $patch:expr, |$v:ident| $conv:expr) => {
        if let Some($v) = $patch {
            $target = $conv;
        }
    };
}

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    /// Applies a patch field by field. Errors are collected in `ck`; the
    /// caller decides whether to commit.
    pub(super) fn apply(&self, c: &mut Contact, patch: ContactPatch, ck: &mut Checker) {
        let p = patch;
        set!(c.first_name, p.first_name, |v| text(
            ck,
            "first_name",
            v,
            SHORT_TEXT
        ));
        set!(c.last_name, p.last_name, |v| text(
            ck,
            "last_name",
            v,
            SHORT_TEXT
        ));
        set!(c.civility, p.civility, |v| scalar(ck, "civility", v));
        set!(c.service, p.service, |v| scalar(ck, "service", v));
        set!(c.role, p.role, |v| text(ck, "role", v, SHORT_TEXT));
        set!(c.comment, p.comment, |v| text(ck, "comment", v, LONG_TEXT));
        set!(c.avatar_url, p.avatar_url, |v| text(
            ck,
            "avatar_url",
            v,
            URL_TEXT
        ));
        set!(c.street, p.street, |v| text(ck, "street", v, SHORT_TEXT));
        set!(c.city, p.city, |v| text(ck, "city", v, SHORT_TEXT));
        set!(c.state, p.state, |v| text(ck, "state", v, SHORT_TEXT));
        set!(c.postal_code, p.postal_code, |v| text(
            ck,
            "postal_code",
            v,
            SHORT_TEXT
        ));
        set!(c.profunction_id, p.profunction_id, |v| v);
        set!(c.user_id, p.user_id, |v| v);
        set!(c.source_id, p.source_id, |v| v);
        set!(c.country_id, p.country_id, |v| v);
        // A null flag goes back to its default.
        set!(c.legal_representative, p.legal_representative, |v| v
            .unwrap_or(false));
        set!(c.invoices_recipient, p.invoices_recipient, |v| v
            .unwrap_or(false));
        set!(c.newsletters_recipient, p.newsletters_recipient, |v| v
            .unwrap_or(true));
        set!(c.is_signer_contract, p.is_signer_contract, |v| v
            .unwrap_or(false));
        set!(c.is_signer_iban, p.is_signer_iban, |v| v.unwrap_or(false));
        set!(c.source, p.source, |v| text(ck, "source", v, SHORT_TEXT)
            .unwrap_or_else(|| "admin".to_owned()));
        if let Some(v) = p.permissions {
            c.permissions = permissions(ck, v.unwrap_or_default());
        }
        if let Some(v) = p.email {
            c.email = match clean(v) {
                None => None,
                Some(raw) => match email::normalize(&raw) {
                    Ok(normalized) => Some(normalized),
                    Err(why) => {
                        ck.bad_email("email", &why);
                        None
                    }
                },
            };
        }
        if let Some(attrs) = p.custom_attributes {
            merge_attributes(ck, &mut c.custom_attributes, &attrs);
        }
        for (name, value) in p.custom_fields {
            if !self.settings.custom_fields.contains(&name) {
                continue; // undefined custom fields are ignored (spec §4)
            }
            match serde_json::from_str::<Value>(&value) {
                Ok(Value::Null) => {
                    c.custom_fields.remove(&name);
                }
                Ok(v) => {
                    if ck.free_form(&name, &v) {
                        c.custom_fields.insert(name, v);
                    }
                }
                Err(_) => ck.fail(&name, format!("The {name} field is not valid JSON.")),
            }
        }
        // Ids the platform does not know are skipped, as on the association routes.
        if let Some(ids) = p.companies {
            if ids.len() > MAX_LINKS {
                ck.too_many_links("companies");
            } else {
                c.companies = dedup(self.directory.existing(RecordKind::Company, &ids));
            }
        }
        if let Some(ids) = p.deals {
            if ids.len() > MAX_LINKS {
                ck.too_many_links("deals");
            } else {
                c.deals = dedup(self.directory.existing(RecordKind::Deal, &ids));
            }
        }
        if let Some(v) = p.mobile_phone {
            self.replace_typed_phone(c, ck, "mobile_phone", PhoneType::Mobile, v);
        }
        if let Some(v) = p.landline_phone {
            self.replace_typed_phone(c, ck, "landline_phone", PhoneType::Landline, v);
        }
        if let Some(v) = p.primary_phone {
            self.replace_primary_phone(c, ck, v);
        }
        if let Some(list) = p.phones {
            self.replace_phones(c, ck, list);
        }
    }

    /// Normalizes one phone; `None` (with an error noted) when it is invalid.
    fn phone(&self, ck: &mut Checker, field: &str, input: PhoneInput, id: u64) -> Option<Phone> {
        let number = input.number.trim().to_owned();
        if number.chars().count() > 64 {
            ck.too_long(field, 64);
            return None;
        }
        let region = input
            .region
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_ascii_uppercase)
            .unwrap_or_else(|| self.settings.default_region.clone());
        let kind = PhoneType::parse_lenient(input.kind.as_deref());
        match phone::normalize(&number, &region) {
            // Parsed: `e164` only when valid (§3), the international form either way.
            Ok(n) => Some(Phone {
                id,
                number,
                e164: n.e164().map(str::to_owned),
                international: Some(n.international),
                kind,
                region: n.region,
                national: n.national,
                extension: n.extension,
            }),
            // Letters (outside vanity numbers) or no digits: refuse.
            Err(why @ (PhoneError::Letters | PhoneError::Empty | PhoneError::NotANumber)) => {
                ck.bad_phone(field, &why);
                None
            }
            // Digits that do not parse as a number are kept as typed, without E.164.
            Err(_) => Some(Phone {
                id,
                national: phone::digits(&number),
                number,
                e164: None,
                international: None,
                kind,
                region: None,
                extension: None,
            }),
        }
    }

    fn new_phone_id(&self) -> u64 {
        self.store.allocate_id(index::PHONES)
    }

    fn replace_typed_phone(
        &self,
        c: &mut Contact,
        ck: &mut Checker,
        field: &str,
        kind: PhoneType,
        value: Option<String>,
    ) {
        let at = c.phones.iter().position(|p| p.kind == kind);
        let Some(number) = clean(value) else {
            if let Some(at) = at {
                c.phones.remove(at);
            }
            return;
        };
        if let Some(at) = at
            && c.phones[at].number == number
        {
            return;
        }
        let id = at.map_or_else(|| self.new_phone_id(), |at| c.phones[at].id);
        let input = PhoneInput {
            number,
            kind: None,
            region: None,
        };
        if let Some(mut phone) = self.phone(ck, field, input, id) {
            phone.kind = kind;
            match at {
                Some(at) => c.phones[at] = phone,
                None => c.phones.push(phone),
            }
        }
    }

    fn replace_primary_phone(&self, c: &mut Contact, ck: &mut Checker, value: Option<PhoneInput>) {
        let value = value.filter(|p| !p.number.trim().is_empty());
        let Some(input) = value else {
            if !c.phones.is_empty() {
                c.phones.remove(0);
            }
            return;
        };
        // The agent UI's form sends back the national digits and region it
        // was shown: that is the same phone, kept as entered (extension too).
        if let Some(first) = c.phones.first()
            && is_echo(first, &input)
        {
            return;
        }
        let id = c
            .phones
            .first()
            .map_or_else(|| self.new_phone_id(), |p| p.id);
        let keep_kind = c.phones.first().map(|p| p.kind);
        if let Some(mut phone) = self.phone(ck, "phone", input, id) {
            if let Some(kind) = keep_kind {
                phone.kind = kind;
            }
            match c.phones.first_mut() {
                Some(first) => *first = phone,
                None => c.phones.push(phone),
            }
        }
    }

    /// Replaces the set, keeping the ids of numbers that stay.
    fn replace_phones(&self, c: &mut Contact, ck: &mut Checker, list: Vec<PhoneInput>) {
        if list.len() > MAX_PHONES {
            ck.fail(
                "phones",
                format!("At most {MAX_PHONES} phones are allowed."),
            );
            return;
        }
        let mut next = Vec::with_capacity(list.len());
        for (i, input) in list.into_iter().enumerate() {
            if input.number.trim().is_empty() {
                continue; // empty entries are dropped (spec §4 relatecrm)
            }
            let field = format!("phones.{i}.number");
            let existing = c
                .phones
                .iter()
                .find(|p| p.number == input.number.trim())
                .map(|p| p.id);
            let id = existing.unwrap_or_else(|| self.new_phone_id());
            if let Some(phone) = self.phone(ck, &field, input, id) {
                next.push(phone);
            }
        }
        c.phones = next;
    }
}

/// Whether a region-qualified input is exactly the `national` + `region` pair
/// this phone renders as (HelperIQ's `phone_number` and its country code; an
/// empty code for a number that has no region).
fn is_echo(phone: &Phone, input: &PhoneInput) -> bool {
    let Some(region) = input.region.as_deref().map(str::trim) else {
        return false;
    };
    let number = input.number.trim();
    let same_region = match phone.region.as_deref() {
        Some(r) => r.eq_ignore_ascii_case(region),
        None => region.is_empty(),
    };
    same_region
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
        && number == phone.national
}

fn permissions(ck: &mut Checker, list: Vec<String>) -> Vec<String> {
    if list.len() > MAX_PERMISSIONS {
        ck.fail(
            "permissions",
            format!("At most {MAX_PERMISSIONS} permissions are allowed."),
        );
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for p in list {
        match text(ck, "permissions", Some(p), SHORT_TEXT) {
            Some(p) if !out.contains(&p) => out.push(p),
            _ => {}
        }
    }
    out
}

/// Merges a `custom_attributes` patch: each key set, or removed by null. The
/// patch and the merged object both keep to the free-form bounds.
fn merge_attributes(ck: &mut Checker, current: &mut Map<String, Value>, json: &str) {
    const FIELD: &str = "custom_attributes";
    if json.len() > MAX_JSON_BYTES {
        ck.too_large(FIELD);
        return;
    }
    match serde_json::from_str::<Value>(json) {
        Ok(changes @ Value::Object(_)) => {
            if depth(&changes) > MAX_JSON_DEPTH {
                ck.too_deep(FIELD);
                return;
            }
            let Value::Object(changes) = changes else {
                return;
            };
            let mut merged = std::mem::take(current);
            for (k, v) in changes {
                if v.is_null() {
                    merged.remove(&k);
                } else {
                    merged.insert(k, v);
                }
            }
            let merged = Value::Object(merged);
            ck.free_form(FIELD, &merged);
            if let Value::Object(merged) = merged {
                *current = merged;
            }
        }
        Ok(Value::Null) => current.clear(),
        _ => ck.fail(
            "custom_attributes",
            "The custom attributes must be an object.".to_owned(),
        ),
    }
}

/// How deep arrays and objects nest in `value`: 0 for a scalar, 1 for a flat
/// list. Walked with a stack, not recursion, whatever the input.
pub(super) fn depth(value: &Value) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(value, 0)];
    while let Some((v, level)) = stack.pop() {
        let children: Box<dyn Iterator<Item = &Value>> = match v {
            Value::Array(items) => Box::new(items.iter()),
            Value::Object(map) => Box::new(map.values()),
            _ => continue,
        };
        deepest = deepest.max(level + 1);
        stack.extend(children.map(|c| (c, level + 1)));
    }
    deepest
}

fn dedup(mut ids: Vec<u64>) -> Vec<u64> {
    ids.sort_unstable();
    ids.dedup();
    ids
}

/// Brings a phone stored before `e164` became a claim of validity up to date. Such a phone
/// has no `international` form, and its `e164` was given to every number of a possible
/// length; an E.164 value reads the same under any default region, so both fields are
/// derived again from it. A phone already up to date is left as it is.
pub(super) fn upgrade_stored_phone(p: &mut Phone) {
    if p.international.is_some() {
        return;
    }
    let Some(stored) = p.e164.take() else {
        return;
    };
    match phone::normalize(&stored, "") {
        Ok(n) => {
            p.e164 = n.e164().map(str::to_owned);
            p.international = Some(n.international);
            p.region = n.region;
            p.national = n.national;
        }
        // It parsed when it was written: keep it findable, but claim nothing.
        Err(_) => p.international = Some(stored),
    }
}
