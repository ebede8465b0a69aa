//! Example validator: refuses contacts whose email is at a disposable
//! (throwaway) domain. The list is data (`domains.txt`), compiled in: an
//! extension has no files.

wit_bindgen::generate!({ world: "extension", path: "../../wit/extension" });

use contacts::extension::log::{Level, log};
use contacts::extension::types::{Changes, Contact, Event, FieldError};
use exports::contacts::extension::hooks::Guest;

const DOMAINS: &str = include_str!("../domains.txt");

/// The listed domain that `domain` is, or is under.
fn disposable(domain: &str) -> Option<&'static str> {
    let domain = domain.trim_end_matches('.').to_ascii_lowercase();
    DOMAINS
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .find(|listed| {
            domain == *listed
                || domain
                    .strip_suffix(listed)
                    .is_some_and(|head| head.ends_with('.'))
        })
}

struct Validator;

export!(Validator);

impl Guest for Validator {
    fn validate(_before: Option<Contact>, after: Contact) -> Result<(), Vec<FieldError>> {
        let Some(email) = after.email.as_deref() else {
            return Ok(());
        };
        let domain = email.rsplit_once('@').map_or("", |(_, d)| d);
        match disposable(domain) {
            None => Ok(()),
            Some(listed) => {
                log(
                    Level::Info,
                    &format!("refused contact {}: {listed} is disposable", after.id),
                );
                Err(vec![FieldError {
                    field: "email".into(),
                    message: format!(
                        "Disposable email addresses are not accepted ({listed})."
                    ),
                }])
            }
        }
    }

    fn enrich(_contact: Contact) -> Result<Changes, Vec<FieldError>> {
        Ok(Changes {
            first_name: None,
            last_name: None,
            role: None,
            comment: None,
            companies: None,
            custom_fields: Vec::new(),
        })
    }

    fn on_event(_event: Event) -> Result<(), String> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::disposable;

    #[test]
    fn listed_domains_and_their_subdomains_are_disposable() {
        assert_eq!(disposable("mailinator.com"), Some("mailinator.com"));
        assert_eq!(disposable("eu.Mailinator.com"), Some("mailinator.com"));
        assert_eq!(disposable("notmailinator.com"), None);
        assert_eq!(disposable("acme.com"), None);
    }
}
