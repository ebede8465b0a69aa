//! The capabilities the host supplies to the component, one module each.
//!
//! Each capability is a small trait, and a thin `Host` implementation beside
//! it that serves the component's import from it, on a view of the instance
//! state that reaches only that capability (wasmtime's `HasData`). The
//! backends that implement the traits are in `crate::backends`.

use wasmtime::component::{HasData, Linker};

use crate::bindings::types;

pub mod directory;
pub mod events;
pub mod hooks;
pub mod store;

/// The shared `types` interface declares types only: its import reaches
/// nothing of an instance's state.
pub struct TypesImport;

impl HasData for TypesImport {
    type Data<'a> = TypesImport;
}

impl types::Host for TypesImport {}

/// Registers the `types` import.
pub fn add_types_to_linker<T: 'static>(linker: &mut Linker<T>) -> wasmtime::Result<()> {
    types::add_to_linker::<T, TypesImport>(linker, |_| TypesImport)
}
