//! Host-side bindings generated from `wit/contacts.wit`.
//!
//! Imports are `trappable`: a capability whose backend fails (the database is
//! gone) traps the instance, which fails only the request that was running.

wasmtime::component::bindgen!({
    world: "contacts",
    path: "../wit",
    imports: { default: trappable },
    anyhow: true,
});

pub use contacts::core::{directory, store, types};
pub use exports::contacts::core::api;
