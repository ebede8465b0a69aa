//! The reference host for the contacts component: wasmtime runtime, the
//! capabilities it supplies (store, platform directory, event outbox) from a
//! storage backend (`backends`, SQLite by default), authentication, and the
//! three HTTP dialects.
//!
//! The binary (`src/main.rs`) is the command line of spec §8; the library
//! exists so benchmarks and embedders can reuse the same parts.

pub mod auth;
pub mod backends;
pub mod bindings;
pub mod capabilities;
pub mod clock;
pub mod extensions;
pub mod http;
pub mod listen;
pub mod maintenance;
pub mod metrics;
pub mod runtime;
pub mod server;
pub mod webhooks;
