//! The `directory` capability: the platform's own records (customers and
//! prospects, companies, deals, activities, conversations, portal accounts),
//! which contacts refer to but the component does not own.
//!
//! [`Directory`] is what the component reads; [`DirectoryAdmin`] is the
//! reference platform's own writes (spec §7, `http/platform.rs`). A backend
//! (`crate::backends`) implements both over the same records.

pub mod host;

use anyhow::Result;

use crate::bindings::directory::{ClientAccount, Conversation, Owner, RecordKind};
use crate::bindings::types::{OwnerKind, OwnerRef};

/// A backend of the `directory` capability.
pub trait Directory: Send + Sync + 'static {
    fn owners(&self, refs: &[OwnerRef]) -> Result<Vec<Owner>>;
    fn client_account_of(&self, contact: u64) -> Result<Option<ClientAccount>>;
    fn sync_client_permissions(&self, contact: u64, permissions: &[String]) -> Result<()>;
    fn existing(&self, kind: RecordKind, ids: &[u64]) -> Result<Vec<u64>>;
    fn conversations(&self, contact: u64) -> Result<Vec<Conversation>>;
}

/// The platform's writes to its directory: the minimal creation API of
/// spec §7 that lets contacts be exercised end to end.
///
/// Ids are assigned by the backend, positive and unique per kind of record
/// across every replica (owners share one sequence for customers and
/// prospects, as an owner's id with its kind names it). Each method is one
/// atomic step: a record is wholly created or not at all.
pub trait DirectoryAdmin: Send + Sync + 'static {
    /// Creates a customer or prospect; without an account number one is
    /// derived from the id (`CL000012`, `PR000012`) in the same step.
    fn create_owner(&self, kind: OwnerKind, name: &str, account: Option<&str>) -> Result<Owner>;

    /// Creates a company (with its optional domain), deal or activity and
    /// returns its id; `name` is a deal's name or an activity's title.
    fn create_record(&self, kind: RecordKind, name: &str, domain: Option<&str>) -> Result<u64>;

    /// Creates a conversation of a contact, with a new random (v4) UUID; its
    /// creation and last-message times are both now.
    fn create_conversation(
        &self,
        contact: u64,
        subject: &str,
        last_message: &str,
    ) -> Result<Conversation>;

    /// Creates the portal account of a contact, with no permissions; `None`
    /// when the contact has one already (one per contact, even when two
    /// replicas race).
    fn create_client(&self, contact: u64) -> Result<Option<ClientAccount>>;

    /// A portal account by its id.
    fn client(&self, id: u64) -> Result<Option<ClientAccount>>;
}

/// An owner kind as the platform names it (`customer`, `prospect`).
pub fn kind_name(kind: OwnerKind) -> &'static str {
    match kind {
        OwnerKind::Customer => "customer",
        OwnerKind::Prospect => "prospect",
    }
}

/// A random version 4 UUID (RFC 4122), for a new conversation.
pub fn new_uuid() -> Result<String> {
    let mut bytes: [u8; 16] = crate::auth::random_bytes()?;
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
    let hex = crate::auth::hex(&bytes);
    Ok(format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    ))
}
