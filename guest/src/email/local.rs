//! The local part of an address (before the `@`): an RFC 5322 dot-atom whose
//! `atext` is extended to every non-ASCII character (RFC 6531 §3.3), minus the
//! unsafe ones, checked as typed and again in NFC, as `email-validator` does.

use super::EmailError;
use super::domain::has_unsafe_char;
use super::unicode;

/// Longest local part, in octets (RFC 5321 §4.5.3.1.1).
pub const MAX_LOCAL_LEN: usize = 64;
/// The ASCII characters of RFC 5322 `atext` besides letters and digits.
const ATEXT_SPECIALS: &[u8] = b"!#$%&'*+-/=?^_`{|}~";

/// RFC 5322 `atext`, with RFC 6531's extension to non-ASCII characters.
fn atext(c: char) -> bool {
    // `c` is ASCII when the cast is reached.
    c.is_ascii_alphanumeric() || !c.is_ascii() || ATEXT_SPECIALS.contains(&(c as u8))
}

/// Checks a local part and returns it in NFC (canonically equivalent to what
/// was typed, so no one can tell the difference).
pub(super) fn check(local: &str) -> Result<String, EmailError> {
    check_form(local)?;
    let nfc = unicode::nfc(local);
    if nfc != local {
        // NFC can make an ASCII character of a non-ASCII one (U+037E, the
        // Greek question mark, is `;`) or lengthen the part.
        check_form(&nfc)?;
    }
    Ok(nfc)
}

fn check_form(local: &str) -> Result<(), EmailError> {
    if local.is_empty() {
        return Err(EmailError::MissingLocal);
    }
    if local.len() > MAX_LOCAL_LEN {
        return Err(EmailError::LocalTooLong);
    }
    // Atoms of atext between single dots: no leading, trailing or double dot.
    let dot_atom = local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(atext));
    if !dot_atom {
        return Err(EmailError::BadLocal);
    }
    if !local.is_ascii() && has_unsafe_char(local) {
        return Err(EmailError::UnsafeCharacter);
    }
    Ok(())
}
