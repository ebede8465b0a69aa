//! The `hooks` import: the component asks the platform's extensions for
//! changes and for a last say inside create and update, before its commit.
//!
//! A host without extensions serves it with [`NoHooks`]; the reference
//! server's loaded extensions (`crate::extensions`) are the other backend.
//! The wasmtime `Host` implementation is on [`HooksView`], which reaches
//! only the hooks, registered with [`add_to_linker`].

use wasmtime::component::{HasData, Linker};

use crate::bindings::hooks;
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

/// What the `hooks` import may reach of an instance's state.
pub struct HooksView<'a> {
    pub hooks: &'a dyn Hooks,
}

/// The [`HasData`] marker of [`HooksView`].
pub struct HooksImport;

impl HasData for HooksImport {
    type Data<'a> = HooksView<'a>;
}

/// Serves the `hooks` import of instances whose state `view` projects.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> HooksView<'_>,
) -> wasmtime::Result<()> {
    hooks::add_to_linker::<T, HooksImport>(linker, view)
}

impl hooks::Host for HooksView<'_> {
    fn enrich(
        &mut self,
        contact: Contact,
    ) -> anyhow::Result<Result<Vec<ContactPatch>, Vec<FieldError>>> {
        Ok(self.hooks.enrich(&contact))
    }

    fn validate(
        &mut self,
        before: Option<Contact>,
        after: Contact,
    ) -> anyhow::Result<Result<(), Vec<FieldError>>> {
        Ok(self.hooks.validate(before.as_ref(), &after))
    }
}

impl Hooks for NoHooks {
    fn enrich(&self, _: &Contact) -> Result<Vec<ContactPatch>, Vec<FieldError>> {
        Ok(Vec::new())
    }

    fn validate(&self, _: Option<&Contact>, _: &Contact) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}
