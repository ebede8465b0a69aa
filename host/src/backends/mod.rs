//! Storage backends: every piece of state the host keeps, behind one trait
//! per concern, each trait beside the code that consumes it:
//!
//! | trait | consumer | what |
//! |---|---|---|
//! | [`DocumentStore`] | `capabilities/store` | the component's documents, index entries, commits |
//! | [`Directory`], [`DirectoryAdmin`] | `capabilities/directory`, `http/platform.rs` | the platform's records |
//! | [`Outbox`] | `capabilities/events` | the ordered event feed the commits append to |
//! | [`Cursors`] | `capabilities/events/subscription.rs` | webhook and extension cursors, leases |
//! | [`Accounts`] | `auth.rs` | agents, tokens, failed logins |
//! | [`KeyValue`] | `extensions/kv.rs` | the extensions' key-value spaces |
//! | [`Meta`] | `maintenance.rs` | facts about the database (index version) |
//! | [`Health`] | `http/ops.rs` | readiness and sizes |
//!
//! A backend is one sibling folder here that implements them all, with its
//! own schema and migrations, and one line in [`open`]. Every method is
//! synchronous (callers run them off the async threads), and every contract
//! holds with several replicas on one database.

pub mod postgres;
pub mod ranks;
pub mod sqlite;

use std::sync::Arc;

use anyhow::{Result, bail};

pub use crate::auth::Accounts;
pub use crate::capabilities::directory::{Directory, DirectoryAdmin};
pub use crate::capabilities::events::Outbox;
pub use crate::capabilities::events::subscription::Cursors;
pub use crate::capabilities::store::DocumentStore;
pub use crate::extensions::kv::KeyValue;
pub use crate::maintenance::Meta;

/// How a backend is doing, for operators.
pub trait Health: Send + Sync + 'static {
    /// Whether the database answers a query now, and is still the one this
    /// backend opened (readiness: `/readyz`). An error says why not.
    fn ping(&self) -> Result<()>;

    /// What the backend occupies, in bytes, by part (SQLite: `database` and
    /// `wal`, its two files): `/metrics`. A part it cannot measure is left out.
    fn sizes(&self) -> Vec<(&'static str, u64)>;
}

/// One opened database, as every concern of the host sees it. Clones share
/// the database.
#[derive(Clone)]
pub struct Backend {
    pub store: Arc<dyn DocumentStore>,
    pub directory: Arc<dyn Directory>,
    pub admin: Arc<dyn DirectoryAdmin>,
    pub outbox: Arc<dyn Outbox>,
    pub cursors: Arc<dyn Cursors>,
    pub accounts: Arc<dyn Accounts>,
    pub kv: Arc<dyn KeyValue>,
    pub meta: Arc<dyn Meta>,
    pub health: Arc<dyn Health>,
}

impl Backend {
    /// The outbox and the cursors, as subscriptions read and move them.
    pub fn feed(&self) -> crate::capabilities::events::subscription::Feed {
        crate::capabilities::events::subscription::Feed {
            outbox: self.outbox.clone(),
            cursors: self.cursors.clone(),
        }
    }
}

/// Opens (creating and migrating if needed) the database a URL names; the
/// scheme picks the backend. A bare path is a SQLite file.
pub fn open(url: &str) -> Result<Backend> {
    match scheme(url) {
        None | Some("sqlite") => sqlite::open(url),
        Some("postgres" | "postgresql") => postgres::open(url),
        Some(other) => bail!(
            "unsupported database URL {url:?} (scheme {other:?}): this build serves sqlite:PATH and postgres://…"
        ),
    }
}

/// The scheme of a database URL: what comes before `:` when the URL says
/// `scheme://`, or `sqlite:`. `None` for a bare path.
fn scheme(url: &str) -> Option<&str> {
    let (scheme, rest) = url.split_once(':')?;
    let named = !scheme.is_empty()
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c));
    (named && (rest.starts_with("//") || scheme == "sqlite")).then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_a_backend_by_scheme() {
        assert_eq!(scheme("sqlite:./a.db"), Some("sqlite"));
        assert_eq!(scheme("sqlite:///tmp/a.db"), Some("sqlite"));
        assert_eq!(scheme("postgres://u@h/db"), Some("postgres"));
        assert_eq!(scheme("./contacts.db"), None);
        assert_eq!(scheme("contacts.db"), None);
        assert_eq!(scheme("C:\\data\\a.db"), None);
        let refused = open("mysql://h/db")
            .err()
            .expect("an unknown scheme is refused");
        assert!(format!("{refused:#}").contains("mysql"), "{refused:#}");
    }
}
