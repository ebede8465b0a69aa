//! Tenant settings as `configure` receives them, checked once per instance.
//!
//! An embedder that passes a region libphonenumber does not know (`XX`)
//! would otherwise get every national number refused later, far from the
//! cause; so `configure` refuses it, and until a `configure` succeeds every
//! operation answers [`not_configured`] instead of running on defaults.

use crate::model::{self, Settings};

/// Checks and normalizes the settings an embedder gives to `configure`.
///
/// The region is trimmed and uppercased; free-mail domains are trimmed and
/// lowercased (none keeps the built-in list). Normalizing a number here also
/// builds the phone metadata, so the first lookup does not pay for it.
pub fn check(
    default_region: &str,
    free_mail_domains: Option<Vec<String>>,
    custom_fields: Vec<String>,
) -> Result<Settings, String> {
    let region = default_region.trim().to_ascii_uppercase();
    if !crate::phone::is_region(&region) {
        return Err(format!(
            "unknown default region {region:?}: expected an ISO 3166 alpha-2 code with phone \
             numbering rules, such as \"FR\" or \"US\""
        ));
    }
    if let Err(e) = crate::phone::normalize("+33612345678", &region) {
        return Err(format!("the phone metadata could not be built: {e}"));
    }
    if let Some(bad) = custom_fields.iter().find(|f| !f.starts_with("cf_")) {
        return Err(format!("custom field {bad:?} must start with \"cf_\""));
    }
    Ok(Settings {
        default_region: region,
        free_mail_domains: match free_mail_domains {
            Some(list) => list.iter().map(|d| d.trim().to_ascii_lowercase()).collect(),
            None => Settings::default().free_mail_domains,
        },
        custom_fields,
    })
}

/// What every operation answers before a successful `configure`.
pub fn not_configured() -> model::Error {
    model::Error::Unavailable(
        "the component is not configured: call configure(settings) on this instance first"
            .to_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_region_is_normalized() {
        let s = check(
            " fr ",
            Some(vec![" Example.COM ".into()]),
            vec!["cf_a".into()],
        )
        .unwrap();
        assert_eq!(s.default_region, "FR");
        assert_eq!(s.free_mail_domains, vec!["example.com".to_owned()]);
        assert_eq!(s.custom_fields, vec!["cf_a".to_owned()]);
        let us = check("US", None, vec![]).unwrap();
        assert_eq!(us.free_mail_domains, Settings::default().free_mail_domains);
    }

    #[test]
    fn an_unknown_region_is_refused() {
        for bad in ["XX", "", "F", "FRA", "001", "ZZ", "+33"] {
            let err = check(bad, None, vec![]).expect_err(bad);
            assert!(err.contains("unknown default region"), "{bad}: {err}");
        }
    }

    #[test]
    fn a_custom_field_without_its_prefix_is_refused() {
        let err = check("FR", None, vec!["cf_ok".into(), "colour".into()]).unwrap_err();
        assert!(err.contains("\"colour\""), "{err}");
    }
}
