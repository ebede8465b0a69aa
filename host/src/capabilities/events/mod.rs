//! The event outbox (spec §6): the component's commits append to it in the
//! same transaction as the change; the host serves it as an ordered feed that
//! webhooks and extensions consume from a cursor.
//!
//! [`Outbox`] is what the host reads of it; a backend (`crate::backends`)
//! implements it beside its `DocumentStore`, whose `commit` writes it.

use anyhow::Result;
use serde::Serialize;

pub mod subscription;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StoredEvent {
    pub seq: u64,
    pub kind: String,
    pub contact_id: u64,
    pub body: serde_json::Value,
    /// RFC 3339 UTC, with seconds: when the commit that wrote it ran.
    pub created_at: String,
}

/// The events the store's commits appended, in the order they committed.
///
/// Sequence numbers are assigned at commit, strictly increase, and are never
/// reused, not even after [`Outbox::prune`] deleted the events that held them.
/// A reader that has seen event `n` never later sees an event below `n`
/// appear: a backend whose concurrent commits could make sequence numbers
/// visible out of order (PostgreSQL sequences do) must serialize the append,
/// or cursors would skip events. Every replica on one database reads the
/// same feed.
pub trait Outbox: Send + Sync + 'static {
    /// At most `limit` events with a sequence number above `seq`, ascending.
    fn after(&self, seq: u64, limit: u32) -> Result<Vec<StoredEvent>>;

    /// The sequence number of the newest event (0 when there has never been
    /// one). Retention keeps the newest event, so this never goes back.
    fn last_seq(&self) -> Result<u64>;

    /// Retention: deletes the events with a sequence number at most
    /// `through` that were created at or before `created_before_ms`
    /// (Unix milliseconds), always keeping the newest event; returns how
    /// many it deleted. The caller chooses `through` (what every consumer
    /// acknowledged); one call is atomic, and deleting what another replica
    /// deleted already is not an error.
    fn prune(&self, through: u64, created_before_ms: i64) -> Result<u64>;
}
