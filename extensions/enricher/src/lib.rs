//! Example enricher: names in title case, and the company of a contact
//! whose email is at a known company's domain (`companies.txt`, compiled
//! in). The core component applies the changes with its own rules: an id
//! the platform does not know is dropped there.

wit_bindgen::generate!({ world: "extension", path: "../../wit/extension" });

use contacts::extension::types::{Changes, Contact, Event, FieldError};
use exports::contacts::extension::hooks::Guest;

const COMPANIES: &str = include_str!("../companies.txt");

/// The company id of an email domain, if known.
fn company_of(domain: &str) -> Option<u64> {
    COMPANIES
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter_map(|l| l.split_once(' '))
        .find(|(d, _)| d.eq_ignore_ascii_case(domain))
        .and_then(|(_, id)| id.trim().parse().ok())
}

/// "jean-luc O'NEIL" → "Jean-Luc O'Neil": each word's first letter upper,
/// the rest lower, words being cut by spaces, '-' and '\''.
fn title_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut start = true;
    for c in name.chars() {
        if start {
            out.extend(c.to_uppercase());
        } else {
            out.extend(c.to_lowercase());
        }
        start = c.is_whitespace() || c == '-' || c == '\'';
    }
    out
}

/// `Some(new)` when title case changes the name.
fn retitled(name: &Option<String>) -> Option<Option<String>> {
    let name = name.as_deref()?;
    let titled = title_case(name);
    (titled != name).then_some(Some(titled))
}

struct Enricher;

export!(Enricher);

impl Guest for Enricher {
    fn validate(_before: Option<Contact>, _after: Contact) -> Result<(), Vec<FieldError>> {
        Ok(())
    }

    fn enrich(contact: Contact) -> Result<Changes, Vec<FieldError>> {
        let company = contact
            .email
            .as_deref()
            .and_then(|e| e.rsplit_once('@'))
            .and_then(|(_, domain)| company_of(domain))
            .filter(|_| contact.companies.is_empty());
        Ok(Changes {
            first_name: retitled(&contact.first_name),
            last_name: retitled(&contact.last_name),
            role: None,
            comment: None,
            companies: company.map(|id| vec![id]),
            custom_fields: Vec::new(),
        })
    }

    fn on_event(_event: Event) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_title_case() {
        assert_eq!(title_case("jean-luc O'NEIL"), "Jean-Luc O'Neil");
        assert_eq!(title_case("élodie"), "Élodie");
        assert_eq!(retitled(&Some("Ann".into())), None);
    }

    #[test]
    fn known_domains_give_their_company() {
        assert_eq!(company_of("ACME.com"), Some(1));
        assert_eq!(company_of("example.com"), None);
    }
}
