//! The `directory` capability: the platform's own records (customers and
//! prospects, companies, deals, activities, conversations, portal accounts),
//! which contacts refer to but the component does not own.

pub mod sqlite;

pub use sqlite::SqliteDirectory;

use anyhow::Result;

use crate::bindings::directory::{ClientAccount, Conversation, Owner, RecordKind};
use crate::bindings::types::OwnerRef;

/// A backend of the `directory` capability.
pub trait Directory: Send + Sync + 'static {
    fn owners(&self, refs: &[OwnerRef]) -> Result<Vec<Owner>>;
    fn client_account_of(&self, contact: u64) -> Result<Option<ClientAccount>>;
    fn sync_client_permissions(&self, contact: u64, permissions: &[String]) -> Result<()>;
    fn existing(&self, kind: RecordKind, ids: &[u64]) -> Result<Vec<u64>>;
    fn conversations(&self, contact: u64) -> Result<Vec<Conversation>>;
}
