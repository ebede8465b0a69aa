//! The `hooks` import: the component asks the platform's extensions for
//! changes and for a last say inside create and update, before its commit.
//!
//! A host without extensions serves it with [`NoHooks`]; the reference
//! server's loaded extensions (`crate::extensions`) are the other backend.

use crate::bindings::types::{Contact, ContactPatch, FieldError};

/// What the component's `hooks` import is served from.
pub trait Hooks: Send + Sync {
    /// The patches to apply, in order, or field errors that refuse the request.
    fn enrich(&self, contact: &Contact) -> Result<Vec<ContactPatch>, Vec<FieldError>>;
    /// Ok, or field errors that refuse the request.
    fn validate(&self, before: Option<&Contact>, after: &Contact) -> Result<(), Vec<FieldError>>;
}

/// No extensions: no changes, no refusals.
pub struct NoHooks;

impl Hooks for NoHooks {
    fn enrich(&self, _: &Contact) -> Result<Vec<ContactPatch>, Vec<FieldError>> {
        Ok(Vec::new())
    }

    fn validate(&self, _: Option<&Contact>, _: &Contact) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}
