//! The capabilities the host supplies to the component, one module each.
//!
//! Each capability is a small trait with its backends beside it, and a thin
//! `Host` implementation that serves the component's imports from it.

pub mod directory;
pub mod events;
pub mod hooks;
pub mod store;
