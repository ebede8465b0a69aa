//! The engines compared in one run: the component's own search and two
//! baselines a platform might pick instead. Each answers a query with at
//! most [`LIMIT`] people, best first, as indexes into the generated list.

pub mod component;
pub mod like;
pub mod tantivy_index;

/// HelperIQ `/search` answers at most 20 contacts (spec §4 helperiq).
pub const LIMIT: usize = 20;

pub trait SearchEngine {
    fn name(&self) -> &'static str;
    /// At most [`LIMIT`] people, best first.
    fn search(&self, query: &str) -> Vec<u32>;
    /// A line on what the engine holds (entries, bytes), for the report.
    fn footprint(&self) -> String;
}
