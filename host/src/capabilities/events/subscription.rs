//! A consumer of the outbox with a cursor in the database: webhooks and
//! extensions' `on-event` hooks both deliver through it.
//!
//! Each subscription's cursor is the last outbox sequence it acknowledged.
//! One task per subscription hands the events after it to the consumer, in
//! order, one at a time, and retries a failed one with a growing pause, so
//! delivery is at least once and never out of order. Replicas share the
//! cursors; a lease decides which replica delivers, and another takes over
//! when it lapses.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use super::{Outbox, StoredEvent};
use crate::db::{Db, now_ms};

/// How often an idle subscription looks for new events.
const POLL: Duration = Duration::from_millis(200);
/// The longest pause between two attempts at one event.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long a replica's claim lasts without renewal (each step renews it):
/// how long deliveries pause when a replica dies.
const LEASE: Duration = Duration::from_secs(10);
const BATCH: u32 = 100;

/// Where a kind of subscription keeps its cursors: a table with the key
/// column, `after_seq`, `holder` and `lease_until_ms` (see `db.rs`).
#[derive(Debug, Clone, Copy)]
pub struct Cursors {
    /// What a subscription is, in logs: `webhook`, `extension`.
    pub what: &'static str,
    pub table: &'static str,
    pub key: &'static str,
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

impl Cursors {
    /// Makes sure `key` has a cursor; a new one starts at the end of the
    /// outbox (it gets what happens from now on).
    pub fn register(&self, db: &Db, key: &str) -> Result<()> {
        db.conn()?.execute(
            &format!(
                "INSERT OR IGNORE INTO {} ({}, after_seq) \
                 VALUES (?1, (SELECT coalesce(max(seq), 0) FROM outbox))",
                self.table, self.key
            ),
            params![key],
        )?;
        Ok(())
    }

    /// Starts delivering to `consumer` on the current tokio runtime.
    pub fn spawn<C: Consumer>(&self, db: Arc<Db>, key: &str, me: &str, consumer: C) {
        let sub = Subscription {
            cursors: *self,
            key: key.to_owned(),
            outbox: Outbox::new(db.clone()),
            db,
            me: me.to_owned(),
            consumer,
        };
        tokio::spawn(sub.run());
    }
}

/// This process's claim on the cursors of one kind, to hand back at shutdown.
pub struct Leases {
    pub cursors: Cursors,
    pub db: Arc<Db>,
    pub me: String,
}

impl Leases {
    /// Gives up every lease this process holds, so another replica (or the
    /// next start) delivers at once instead of after the lease lapses.
    pub fn release(&self) -> Result<()> {
        self.db.conn()?.execute(
            &format!(
                "UPDATE {} SET holder = '', lease_until_ms = 0 WHERE holder = ?1",
                self.cursors.table
            ),
            params![self.me],
        )?;
        Ok(())
    }
}

struct Subscription<C> {
    cursors: Cursors,
    key: String,
    db: Arc<Db>,
    outbox: Outbox,
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
                        self.cursors.what,
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
        let events = tokio::task::block_in_place(|| self.outbox.after(after, BATCH))?;
        for event in &events {
            self.consumer.deliver(event).await?;
            tokio::task::block_in_place(|| self.acknowledge(event.seq))?;
        }
        Ok(!events.is_empty())
    }

    /// Takes or renews the lease; the cursor if held.
    fn claim(&self) -> Result<Option<u64>> {
        let now = now_ms();
        let after: Option<i64> = self
            .db
            .conn()?
            .query_row(
                &format!(
                    "UPDATE {} SET holder = ?2, lease_until_ms = ?3 \
                     WHERE {} = ?1 AND (holder = ?2 OR lease_until_ms < ?4) \
                     RETURNING after_seq",
                    self.cursors.table, self.cursors.key
                ),
                params![self.key, self.me, now + LEASE.as_millis() as i64, now],
                |r| r.get(0),
            )
            .optional()?;
        Ok(after.map(|a| a as u64))
    }

    fn acknowledge(&self, seq: u64) -> Result<()> {
        self.db.conn()?.execute(
            &format!(
                "UPDATE {} SET after_seq = ?2 WHERE {} = ?1 AND holder = ?3",
                self.cursors.table, self.cursors.key
            ),
            params![self.key, seq as i64, self.me],
        )?;
        Ok(())
    }
}
