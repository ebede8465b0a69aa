//! The ports: what the engine needs from its host, as plain Rust traits.
//!
//! In the component these are served by the imported `store` and `directory`
//! interfaces and `hooks` by the imported `hooks` (see `bindings`); natively, by any implementation, such as
//! [`crate::memory`] in tests or the reference host's SQLite backend in its
//! benchmark. Reads are infallible at this level: a host whose storage fails
//! aborts the call (a trap), which fails only that request.

use crate::model::{Contact, ContactId, ContactPatch, FieldError, Owner, OwnerRef};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    pub id: u64,
    pub version: u64,
    pub body: String,
}

/// One secondary index key of a document. Keys compare bytewise.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IndexEntry {
    pub index: String,
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub key: String,
    pub id: u64,
}

/// Keys in `[start, end)` of one index.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Range {
    pub index: String,
    pub start: Option<String>,
    pub end: Option<String>,
    pub reverse: bool,
    pub offset: u32,
    pub limit: u32,
    /// Hits must contain one of these (none: every key is a hit).
    pub contains: Vec<String>,
}

impl Range {
    /// Every key that starts with `prefix`, ascending.
    pub fn prefix(index: &str, prefix: &str, limit: u32) -> Range {
        Range {
            index: index.to_owned(),
            start: Some(prefix.to_owned()),
            end: prefix_end(prefix),
            reverse: false,
            offset: 0,
            limit,
            contains: Vec::new(),
        }
    }
}

/// The smallest string greater than every string starting with `prefix`.
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // Skip over the surrogate gap; char::MAX has no successor.
        let next = match last {
            '\u{D7FF}' => Some('\u{E000}'),
            c => char::from_u32(c as u32 + 1),
        };
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Put {
    pub collection: String,
    pub id: u64,
    pub body: String,
    pub entries: Vec<IndexEntry>,
    pub expected_version: Option<u64>,
    /// Entries no other document may hold at commit (see the WIT `put`).
    pub exclusive: Vec<IndexEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Write {
    Put(Put),
    Remove {
        collection: String,
        id: u64,
        expected_version: Option<u64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    pub kind: String,
    pub contact_id: ContactId,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitError {
    Stale(String),
    /// Another document holds this `exclusive` entry.
    Taken(IndexEntry),
    Unavailable(String),
}

/// Durable documents with computed index entries and atomic commits.
pub trait Store {
    fn get(&self, collection: &str, id: u64) -> Option<Document>;
    fn get_many(&self, collection: &str, ids: &[u64]) -> Vec<Document>;
    fn find(&self, collection: &str, index: &str, key: &str) -> Vec<u64>;
    fn scan(&self, collection: &str, range: &Range) -> Vec<Hit>;
    fn count(&self, collection: &str, index: &str, start: Option<&str>, end: Option<&str>) -> u64;
    fn allocate_id(&self, collection: &str) -> u64;
    /// Ids of a collection's documents above `after`, ascending.
    fn ids(&self, collection: &str, after: Option<u64>, limit: u32) -> Vec<u64>;
    fn commit(&self, writes: Vec<Write>, events: Vec<Event>) -> Result<(), CommitError>;
    /// RFC 3339 UTC, seconds precision.
    fn now(&self) -> String;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAccount {
    pub id: u64,
    pub contact_id: ContactId,
    pub permissions: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Company,
    Deal,
    Activity,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conversation {
    pub id: u64,
    pub uuid: String,
    pub subject: String,
    pub last_message: String,
    pub created_at: String,
    pub last_message_at: String,
}

/// The platform's own records.
pub trait Directory {
    fn owners(&self, refs: &[OwnerRef]) -> Vec<Owner>;
    fn client_account_of(&self, contact: ContactId) -> Option<ClientAccount>;
    fn sync_client_permissions(&self, contact: ContactId, permissions: &[String]);
    fn existing(&self, kind: RecordKind, ids: &[u64]) -> Vec<u64>;
    fn conversations(&self, contact: ContactId) -> Vec<Conversation>;
}

/// The platform's extensions, run inside create and update before the
/// commit. Errors are per-field messages that refuse the request.
pub trait Hooks {
    /// Changes to apply, in order; each goes through the same rules as a
    /// client's patch.
    fn enrich(&self, contact: &Contact) -> Result<Vec<ContactPatch>, Vec<FieldError>>;
    /// A last say on the contact as it would be stored.
    fn validate(&self, before: Option<&Contact>, after: &Contact) -> Result<(), Vec<FieldError>>;
}

/// No extensions: nothing changes, nothing is refused.
pub struct NoHooks;

impl Hooks for NoHooks {
    fn enrich(&self, _: &Contact) -> Result<Vec<ContactPatch>, Vec<FieldError>> {
        Ok(Vec::new())
    }

    fn validate(&self, _: Option<&Contact>, _: &Contact) -> Result<(), Vec<FieldError>> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::prefix_end;

    #[test]
    fn prefix_end_is_the_next_string() {
        assert_eq!(prefix_end("abc").as_deref(), Some("abd"));
        assert_eq!(prefix_end("").as_deref(), None);
        assert_eq!(prefix_end("a\u{10FFFF}").as_deref(), Some("b"));
    }
}
