//! The engines compared in one run: the component's own search and two
//! baselines a platform might pick instead. Each answers a query with at
//! most [`LIMIT`] people, best first, as indexes into the generated list.

pub mod component;
pub mod http;
pub mod like;
pub mod tantivy_index;

/// HelperIQ `/search` answers at most 20 contacts (spec §4 helperiq).
pub const LIMIT: usize = 20;

pub trait SearchEngine {
    fn name(&self) -> &'static str;
    /// At most [`LIMIT`] people, best first.
    fn search(&self, query: &str) -> Vec<u32>;
    /// What the last searches cost the engine's store, since it was last
    /// asked (engines that have no store of the port say nothing).
    fn cost(&self) -> Option<String> {
        None
    }
    /// Print each read of the engine's store from now on (`--trace`).
    fn trace(&self) {}
    /// A line on what the engine holds (entries, bytes), for the report.
    fn footprint(&self) -> String;
}
