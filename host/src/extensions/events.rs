//! The `on-event` hook: every outbox event after its commit, in order, at
//! least once, through the same subscription machinery as webhooks (one
//! cursor per extension, leases, backoff).
//!
//! An extension's own error asks for the event again, after a pause. A
//! failure (trap, timeout, budget) follows its policy: `reject` retries the
//! event like an error, so nothing is lost; `skip` logs and counts it, and
//! moves on.

use std::sync::Arc;

use anyhow::{Result, anyhow};

use super::Extensions;
use super::convert;
use super::manifest::Hook;
use crate::capabilities::events::StoredEvent;
use crate::capabilities::events::subscription::{Consumer, Feed, Leases, Subscriber, replica_id};

/// Starts one delivery task per extension with an `on-event` hook, on the
/// current tokio runtime. A new extension starts at the end of the outbox.
pub fn start(extensions: &Arc<Extensions>, feed: &Feed) -> Result<Leases> {
    let me = replica_id()?;
    for (index, loaded) in extensions.loaded().iter().enumerate() {
        if !loaded.runner.manifest().has(Hook::OnEvent) {
            continue;
        }
        let name = &loaded.runner.manifest().name;
        let reactor = Reactor {
            extensions: extensions.clone(),
            index,
        };
        feed.start(Subscriber::Extension, name, &me, reactor)?;
    }
    Ok(Leases {
        kind: Subscriber::Extension,
        cursors: feed.cursors.clone(),
        me,
    })
}

struct Reactor {
    extensions: Arc<Extensions>,
    index: usize,
}

impl Consumer for Reactor {
    async fn deliver(&self, event: &StoredEvent) -> Result<()> {
        let loaded = &self.extensions.loaded()[self.index];
        let input = convert::event(event);
        // The call is synchronous wasm, bounded by the extension's deadline.
        let outcome = tokio::task::block_in_place(|| {
            loaded.run(|| loaded.runner.call(|h, s| h.call_on_event(s, &input)))
        });
        match loaded.settle("on-event", outcome) {
            Ok(Some(Err(asked))) => {
                let mut asked = asked;
                asked.truncate(asked.floor_char_boundary(1024));
                Err(anyhow!("event {} not taken: {asked}", event.seq))
            }
            Ok(_) => Ok(()),
            Err(refused) => Err(anyhow!("{}", refused.message.trim_end_matches('.'))),
        }
    }
}
