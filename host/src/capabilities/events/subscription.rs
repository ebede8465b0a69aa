//! A consumer of the outbox with a cursor in the database: webhooks and
//! extensions' `on-event` hooks both deliver through it.
//!
//! Each subscription's cursor is the last outbox sequence it acknowledged.
//! One task per subscription hands the events after it to the consumer, in
//! order, one at a time, and retries a failed one with a growing pause, so
//! delivery is at least once and never out of order. Replicas share the
//! cursors ([`Cursors`], kept by the backend); a lease decides which replica
//! delivers, and another takes over when it lapses.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;

use super::Outbox;
use super::StoredEvent;
use crate::clock::now_ms;

/// How often an idle subscription looks for new events.
const POLL: Duration = Duration::from_millis(200);
/// The longest pause between two attempts at one event.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long a replica's claim lasts without renewal (each step renews it):
/// how long deliveries pause when a replica dies.
const LEASE: Duration = Duration::from_secs(10);
const BATCH: u32 = 100;

/// The kinds of subscription; each kind's cursors are keyed apart (a
/// webhook by its URL, an extension by its name).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Subscriber {
    Webhook,
    Extension,
}

impl Subscriber {
    pub const ALL: [Subscriber; 2] = [Subscriber::Webhook, Subscriber::Extension];

    /// What a subscription is, in logs.
    pub fn name(self) -> &'static str {
        match self {
            Subscriber::Webhook => "webhook",
            Subscriber::Extension => "extension",
        }
    }
}

/// One subscription's position in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub key: String,
    /// The last sequence number it acknowledged.
    pub after_seq: u64,
}

/// Where subscriptions keep their cursors and leases, shared by every
/// replica on one database.
///
/// A lease names its holder (a random id per process, [`replica_id`]) and
/// lapses at a wall-clock time in Unix milliseconds that replicas compare,
/// so their clocks must roughly agree (within a fraction of [`LEASE`]).
/// Each method is one atomic step: two replicas racing for one lease see
/// exactly one of them get it.
pub trait Cursors: Send + Sync + 'static {
    /// Makes sure `(kind, key)` has a cursor; a new one starts at the newest
    /// event of the outbox (it gets what happens from now on), read in the
    /// same step. An existing cursor is left as it is.
    fn register(&self, kind: Subscriber, key: &str) -> Result<()>;

    /// Takes the lease of `(kind, key)` for `holder` until `until_ms` if it
    /// is free, lapsed (its end is before `now_ms`) or already held by
    /// `holder` (a renewal); then returns the cursor's `after_seq`. `None`
    /// when another holder's lease runs, or there is no such cursor.
    fn claim(
        &self,
        kind: Subscriber,
        key: &str,
        holder: &str,
        now_ms: i64,
        until_ms: i64,
    ) -> Result<Option<u64>>;

    /// Moves the cursor of `(kind, key)` to `seq`, only while `holder`
    /// holds its lease; returns whether it moved. A replica whose lease was
    /// taken over cannot move the cursor back.
    fn advance(&self, kind: Subscriber, key: &str, holder: &str, seq: u64) -> Result<bool>;

    /// Gives up every lease of `kind` that `holder` holds.
    fn release(&self, kind: Subscriber, holder: &str) -> Result<()>;

    /// Every cursor of `kind`, by key (bytewise ascending).
    fn list(&self, kind: Subscriber) -> Result<Vec<Cursor>>;
}

/// What receives the events.
pub trait Consumer: Send + Sync + 'static {
    /// Takes one event; an error means "again, later".
    fn deliver(&self, event: &StoredEvent) -> impl Future<Output = Result<()>> + Send;
}

/// A random name for this process in the leases.
pub fn replica_id() -> Result<String> {
    let bytes = crate::auth::random_bytes::<8>()?;
    Ok(crate::auth::hex(&bytes))
}

/// The backends a subscription reads and moves.
#[derive(Clone)]
pub struct Feed {
    pub outbox: Arc<dyn Outbox>,
    pub cursors: Arc<dyn Cursors>,
}

impl Feed {
    /// Registers `key`'s cursor and starts delivering to `consumer` on the
    /// current tokio runtime.
    pub fn start<C: Consumer>(
        &self,
        kind: Subscriber,
        key: &str,
        me: &str,
        consumer: C,
    ) -> Result<()> {
        self.cursors.register(kind, key)?;
        let sub = Subscription {
            kind,
            key: key.to_owned(),
            feed: self.clone(),
            me: me.to_owned(),
            consumer,
        };
        tokio::spawn(sub.run());
        Ok(())
    }
}

/// This process's claim on the cursors of one kind, to hand back at shutdown.
pub struct Leases {
    pub kind: Subscriber,
    pub cursors: Arc<dyn Cursors>,
    pub me: String,
}

impl Leases {
    /// Gives up every lease this process holds, so another replica (or the
    /// next start) delivers at once instead of after the lease lapses.
    pub fn release(&self) -> Result<()> {
        self.cursors.release(self.kind, &self.me)
    }
}

struct Subscription<C> {
    kind: Subscriber,
    key: String,
    feed: Feed,
    me: String,
    consumer: C,
}

impl<C: Consumer> Subscription<C> {
    async fn run(self) {
        let mut pause = Duration::from_secs(1);
        loop {
            match self.step().await {
                Ok(true) => pause = Duration::from_secs(1),
                Ok(false) => tokio::time::sleep(POLL).await,
                Err(e) => {
                    tracing::warn!(
                        "{} {}: {e:#}; retrying in {} s",
                        self.kind.name(),
                        self.key,
                        pause.as_secs()
                    );
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_BACKOFF);
                }
            }
        }
    }

    /// Delivers what is pending; true if it delivered anything. The
    /// database calls are short indexed statements, run in place on this
    /// worker thread.
    async fn step(&self) -> Result<bool> {
        let Some(after) = tokio::task::block_in_place(|| self.claim())? else {
            return Ok(false);
        };
        let events = tokio::task::block_in_place(|| self.feed.outbox.after(after, BATCH))?;
        for event in &events {
            self.consumer.deliver(event).await?;
            tokio::task::block_in_place(|| self.acknowledge(event.seq))?;
        }
        Ok(!events.is_empty())
    }

    /// Takes or renews the lease; the cursor if held.
    fn claim(&self) -> Result<Option<u64>> {
        let now = now_ms();
        self.feed.cursors.claim(
            self.kind,
            &self.key,
            &self.me,
            now,
            now + LEASE.as_millis() as i64,
        )
    }

    fn acknowledge(&self, seq: u64) -> Result<()> {
        self.feed
            .cursors
            .advance(self.kind, &self.key, &self.me, seq)?;
        Ok(())
    }
}
