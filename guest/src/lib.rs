//! The contacts engine.
//!
//! Every contact rule lives here as plain Rust: the same code is compiled to a
//! WASI Preview 2 component (through [`bindings`], the only wasm-specific
//! module) and natively, for fast unit tests and native-vs-wasm benchmarks.

pub mod email;
pub mod filters;
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzzing;
pub mod index;
pub mod memory;
pub mod model;
pub mod permissions;
pub mod phone;
pub mod ports;
pub mod query;
pub mod search;
pub mod service;
pub mod settings;

#[cfg(target_arch = "wasm32")]
mod bindings;
