//! Email addresses: the strict practical mailbox policy of spec §3.
//!
//! [`normalize`] trims an address, validates it and returns its canonical
//! form; [`key`] is the comparison key (emails compare case-insensitively);
//! [`domain`] extracts the domain.
//!
//! The reference verdicts are those of python `email-validator` with
//! `strict=True`; the rules follow it step by step, on the same Unicode data
//! (see `tables.rs`):
//! - [`local`]: the local part, a dot-atom of `atext` and safe non-ASCII
//!   characters, as typed and in NFC;
//! - [`domain`](mod@domain): the domain, mapped by UTS 46, checked as a
//!   hostname and as IDNA 2008 ([`idna`], [`punycode`]), its lengths counted
//!   on its ASCII form;
//! - [`unicode`]: the property lookups and NFC over the generated tables.
//!
//! Where this differs from the reference, on purpose (spec §3): the input is
//! trimmed first; the local part is limited to 64 octets where
//! email-validator counts 64 characters; and the local part keeps its case
//! (email-validator lowercases the RFC 2142 role mailboxes, `Postmaster`).
//! The vectors in `tests/vectors/email*.json` (made by `gen_email.py`) name
//! every row where the verdict differs; `docs/rules-email.md` tells the rules.
//!
//! The crate `email_address`, even configured strictly, accepts quoted local
//! parts, `_` in domain labels, any non-ASCII character and knows nothing of
//! IDNA: it stays as a cross-check in the tests only.

mod domain;
mod idna;
mod local;
mod punycode;
mod tables;
mod unicode;

#[cfg(test)]
mod tests;

use std::fmt;

pub use local::MAX_LOCAL_LEN;

/// Longest address, in octets (RFC 5321 §4.5.3.1.3 with RFC 3696 errata),
/// as typed, as normalized and with its domain in ASCII form.
pub const MAX_LEN: usize = 254;

/// Why an address was rejected; one variant per class of mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EmailError {
    /// Nothing but whitespace.
    Empty,
    /// Over 254 octets, as typed, as stored or with its domain in Punycode.
    TooLong,
    /// No `@`.
    MissingAt,
    /// More than one `@`.
    MultipleAt,
    /// `Jane <jane@example.com>` or `<jane@example.com>`.
    DisplayName,
    /// `"jane doe"@example.com`.
    QuotedLocal,
    /// `jane(comment)@example.com`.
    Comment,
    /// Nothing before the `@`.
    MissingLocal,
    /// A local part over 64 octets.
    LocalTooLong,
    /// A character, or a dot placement, that the local part does not allow.
    BadLocal,
    /// Nothing after the `@`.
    MissingDomain,
    /// `jane@[192.0.2.1]`.
    DomainLiteral,
    /// `jane@localhost`: a domain needs at least two labels.
    SingleLabelDomain,
    /// A domain label over 63 octets in its Punycode form.
    LabelTooLong,
    /// A domain over 253 octets in its Punycode form.
    DomainTooLong,
    /// A top-level domain that does not end with a letter (`jane@example.123`).
    BadTld,
    /// A special-use domain that cannot receive mail (`.test`, `.local`, …).
    ReservedDomain,
    /// A character, hyphen or dot placement that a hostname does not allow.
    BadDomain,
    /// A rule of internationalized domain names (IDNA 2008, UTS 46): a
    /// disallowed code point (`⒈`, symbols), a contextual rule, the Bidi rule.
    BadIdn,
    /// An invisible or unsafe character: a non-ASCII space, a control or
    /// format character, a private-use or unassigned code point.
    UnsafeCharacter,
}

impl EmailError {
    /// Every variant, in declaration order (a new one goes here too: the
    /// tests hold each message to be a distinct sentence).
    pub const ALL: [EmailError; 20] = [
        Self::Empty,
        Self::TooLong,
        Self::MissingAt,
        Self::MultipleAt,
        Self::DisplayName,
        Self::QuotedLocal,
        Self::Comment,
        Self::MissingLocal,
        Self::LocalTooLong,
        Self::BadLocal,
        Self::MissingDomain,
        Self::DomainLiteral,
        Self::SingleLabelDomain,
        Self::LabelTooLong,
        Self::DomainTooLong,
        Self::BadTld,
        Self::ReservedDomain,
        Self::BadDomain,
        Self::BadIdn,
        Self::UnsafeCharacter,
    ];
}

impl fmt::Display for EmailError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "the email address is empty",
            Self::TooLong => "the email address is too long (at most 254 bytes)",
            Self::MissingAt => "the email address must contain an @ sign",
            Self::MultipleAt => "the email address must contain exactly one @ sign",
            Self::DisplayName => "enter the email address alone, without a name or angle brackets",
            Self::QuotedLocal => "quotes are not allowed before the @ sign",
            Self::Comment => "comments in parentheses are not allowed in an email address",
            Self::MissingLocal => "the email address needs something before the @ sign",
            Self::LocalTooLong => "the part before the @ sign is too long (at most 64 bytes)",
            Self::BadLocal => {
                "the part before the @ sign may contain only letters, digits and \
                 ! # $ % & ' * + - / = ? ^ _ ` { | } ~, with single dots between them"
            }
            Self::MissingDomain => "the email address needs a domain after the @ sign",
            Self::DomainLiteral => {
                "an IP address in brackets is not accepted after the @ sign; use a domain name"
            }
            Self::SingleLabelDomain => "the domain must contain a dot, as in example.com",
            Self::LabelTooLong => {
                "a part of the domain between dots is too long (at most 63 bytes)"
            }
            Self::DomainTooLong => "the domain is too long (at most 253 bytes)",
            Self::BadTld => "the domain must end with a top-level domain such as .com",
            Self::ReservedDomain => {
                "the domain is a special-use name (such as .test, .local or .invalid) \
                 that cannot receive email"
            }
            Self::BadDomain => {
                "the domain may contain only letters, digits and hyphens, with single dots \
                 between its parts, none of which may start or end with a hyphen"
            }
            Self::BadIdn => {
                "the domain contains a character that internationalized domain names do not \
                 allow (such as ⒈ or a symbol), or mixes writing directions"
            }
            Self::UnsafeCharacter => {
                "the email address contains an invisible or unsafe character (a special \
                 space, a control or formatting character, or an unassigned one)"
            }
        })
    }
}

impl std::error::Error for EmailError {}
/// Trim, validate as a strict practical mailbox, return the canonical form:
/// the local part in NFC, case kept; the domain as UTS 46 maps it (lowercase,
/// full-width forms and compatibility characters folded, `ｅｘａｍｐｌｅ。com`
/// is `example.com`) with A-labels decoded (`xn--p1ai` is `рф`).
///
/// # Errors
///
/// The [`EmailError`] naming the first rule the address breaks.
pub fn normalize(input: &str) -> Result<String, EmailError> {
    let addr = input.trim();
    if addr.is_empty() {
        return Err(EmailError::Empty);
    }
    // First, so that everything below works on bounded input.
    if addr.len() > MAX_LEN {
        return Err(EmailError::TooLong);
    }
    // Forms that can never be valid, recognized up front to name the mistake.
    if addr.contains(['<', '>']) {
        return Err(EmailError::DisplayName);
    }
    if addr.contains(['(', ')']) {
        return Err(EmailError::Comment);
    }
    let Some((local, domain)) = addr.split_once('@') else {
        return Err(EmailError::MissingAt);
    };
    if local.contains('"') {
        return Err(EmailError::QuotedLocal);
    }
    if domain.contains('@') {
        return Err(EmailError::MultipleAt);
    }
    let local = local::check(local)?;
    if domain.is_empty() {
        return Err(EmailError::MissingDomain);
    }
    if domain.starts_with('[') {
        return Err(EmailError::DomainLiteral);
    }
    let domain = domain::check(domain)?;
    let stored = domain.unicode.as_deref().unwrap_or(&domain.ascii);
    // As normalized, and with the domain in its ASCII form.
    if local.len() + 1 + stored.len().max(domain.ascii.len()) > MAX_LEN {
        return Err(EmailError::TooLong);
    }
    let mut out = String::with_capacity(local.len() + 1 + stored.len());
    out.push_str(&local);
    out.push('@');
    out.push_str(stored);
    Ok(out)
}

/// The comparison key: the whole address lowercased (emails compare
/// case-insensitively).
///
/// Callers also pass what a user typed in a search, so an address that is
/// not plain ASCII is first put in its normalized form when it is valid:
/// canonically equivalent spellings (an A-label and its Unicode form,
/// decomposed and precomposed accents, full-width letters) share one key, as
/// they share one stored form. A plain ASCII one without A-labels is already
/// its normalized form once lowercased.
///
/// Lowercases character by character, without the final-sigma rule of
/// [`str::to_lowercase`], so that `ΑΣ` and `ασ` get the same key.
pub fn key(address: &str) -> String {
    let bytes = address.as_bytes();
    let a_label = bytes.windows(4).any(|w| w.eq_ignore_ascii_case(b"xn--"));
    if address.is_ascii() && !a_label {
        return address.to_ascii_lowercase();
    }
    let normalized = normalize(address);
    let canonical = normalized.as_deref().unwrap_or(address);
    canonical.chars().flat_map(char::to_lowercase).collect()
}

/// The domain part of a normalized address (lowercase).
pub fn domain(normalized: &str) -> &str {
    normalized.rsplit_once('@').map_or("", |(_, domain)| domain)
}
