//! Delivering the event outbox to webhooks (spec §6).
//!
//! Each endpoint has a cursor in the database: the last outbox sequence it
//! acknowledged with a 2xx. One task per endpoint posts the events after it,
//! in order, one at a time, and retries a failed one with a growing pause,
//! so delivery is at least once and never out of order. Replicas share the
//! cursors; a lease decides which replica delivers to an endpoint, and
//! another takes over when it lapses.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper::http::uri::{Scheme, Uri};
use hyper_util::rt::TokioIo;
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::capabilities::events::{Outbox, StoredEvent};
use crate::db::{Db, now_ms};

/// How often an idle endpoint looks for new events.
const POLL: Duration = Duration::from_millis(200);
/// The longest pause between two attempts at one event.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a replica's claim on an endpoint lasts without renewal (each
/// step renews it): how long deliveries pause when a replica dies.
const LEASE: Duration = Duration::from_secs(10);
const BATCH: u32 = 100;

/// Where events go, and the secret their signatures use.
#[derive(Debug, Clone)]
pub struct Webhooks {
    pub urls: Vec<String>,
    pub secret: Option<String>,
}

/// Checks that every URL can be delivered to by this build.
pub fn validate(urls: &[String]) -> Result<()> {
    for url in urls {
        let uri: Uri = url
            .parse()
            .with_context(|| format!("webhook {url:?} is not a URL"))?;
        if uri.scheme() != Some(&Scheme::HTTP) || uri.host().is_none() {
            bail!(
                "webhook {url:?}: this build posts to http:// URLs; put a TLS-terminating relay in front of an https:// endpoint"
            );
        }
    }
    Ok(())
}

/// This process's claim on its endpoints, to hand back at shutdown.
pub struct Deliveries {
    db: Arc<Db>,
    me: String,
}

impl Deliveries {
    /// Gives up this process's leases, so another replica (or the next
    /// start) delivers at once instead of after the lease lapses.
    pub fn release(&self) -> Result<()> {
        self.db.conn()?.execute(
            "UPDATE webhook_cursors SET holder = '', lease_until_ms = 0 WHERE holder = ?1",
            params![self.me],
        )?;
        Ok(())
    }
}

/// How far each endpoint has acknowledged the outbox, by URL.
pub fn cursors(db: &Db) -> Result<Vec<(String, u64)>> {
    let conn = db.conn()?;
    let mut stmt =
        conn.prepare_cached("SELECT url, after_seq FROM webhook_cursors ORDER BY url")?;
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Starts one delivery task per endpoint on the current tokio runtime. A new
/// endpoint starts at the end of the outbox: it gets what happens from now.
pub fn start(cfg: &Webhooks, db: Arc<Db>) -> Result<Deliveries> {
    validate(&cfg.urls)?;
    let me = replica_id()?;
    for url in &cfg.urls {
        db.conn()?.execute(
            "INSERT OR IGNORE INTO webhook_cursors (url, after_seq) \
             VALUES (?1, (SELECT coalesce(max(seq), 0) FROM outbox))",
            params![url],
        )?;
        let endpoint = Endpoint {
            url: url.clone(),
            uri: url.parse()?,
            secret: cfg.secret.clone(),
            db: db.clone(),
            outbox: Outbox::new(db.clone()),
            me: me.clone(),
        };
        tokio::spawn(endpoint.run());
    }
    Ok(Deliveries { db, me })
}

fn replica_id() -> Result<String> {
    let bytes = crate::auth::random_bytes::<8>()?;
    Ok(crate::auth::hex(&bytes))
}

struct Endpoint {
    url: String,
    uri: Uri,
    secret: Option<String>,
    db: Arc<Db>,
    outbox: Outbox,
    me: String,
}

impl Endpoint {
    async fn run(self) {
        let mut pause = Duration::from_secs(1);
        loop {
            match self.step().await {
                Ok(true) => pause = Duration::from_secs(1),
                Ok(false) => tokio::time::sleep(POLL).await,
                Err(e) => {
                    tracing::warn!(
                        "webhook {}: {e:#}; retrying in {} s",
                        self.url,
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
            self.post(event).await?;
            tokio::task::block_in_place(|| self.acknowledge(event.seq))?;
        }
        Ok(!events.is_empty())
    }

    /// Takes or renews the lease on this endpoint; its cursor if held.
    fn claim(&self) -> Result<Option<u64>> {
        let now = now_ms();
        let after: Option<i64> = self
            .db
            .conn()?
            .query_row(
                "UPDATE webhook_cursors SET holder = ?2, lease_until_ms = ?3 \
                 WHERE url = ?1 AND (holder = ?2 OR lease_until_ms < ?4) \
                 RETURNING after_seq",
                params![self.url, self.me, now + LEASE.as_millis() as i64, now],
                |r| r.get(0),
            )
            .optional()?;
        Ok(after.map(|a| a as u64))
    }

    fn acknowledge(&self, seq: u64) -> Result<()> {
        self.db.conn()?.execute(
            "UPDATE webhook_cursors SET after_seq = ?2 WHERE url = ?1 AND holder = ?3",
            params![self.url, seq as i64, self.me],
        )?;
        Ok(())
    }

    async fn post(&self, event: &StoredEvent) -> Result<()> {
        let body = serde_json::to_vec(event)?;
        let attempt = async {
            let host = self.uri.host().context("no host")?;
            let port = self.uri.port_u16().unwrap_or(80);
            let stream = tokio::net::TcpStream::connect((host, port)).await?;
            let (mut sender, conn) =
                hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            let path = self.uri.path_and_query().map_or("/", |p| p.as_str());
            let mut request = Request::post(path)
                .header("host", self.uri.authority().map_or(host, |a| a.as_str()))
                .header("content-type", "application/json")
                .header("user-agent", "contacts-host")
                .header("x-contacts-event", &event.kind)
                .header("x-contacts-delivery", event.seq.to_string());
            if let Some(secret) = &self.secret {
                let signature = hmac_sha256(secret.as_bytes(), &body);
                request = request.header("x-contacts-signature", format!("sha256={signature}"));
            }
            let response = sender
                .send_request(request.body(Full::new(Bytes::from(body)))?)
                .await?;
            anyhow::Ok(response.status())
        };
        let status = tokio::time::timeout(ATTEMPT_TIMEOUT, attempt)
            .await
            .context("timed out")??;
        if !status.is_success() {
            bail!("event {} answered {status}", event.seq);
        }
        Ok(())
    }
}

/// HMAC-SHA256 (RFC 2104) in lowercase hex, so receivers can check that an
/// event came from this server.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> String {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    let outer = Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize();
    crate::auth::hex(&outer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_like_rfc_4231() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_sha256(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn only_http_urls_are_accepted() {
        assert!(validate(&["http://127.0.0.1:9000/hook".into()]).is_ok());
        assert!(validate(&["https://example.com/hook".into()]).is_err());
        assert!(validate(&["not a url".into()]).is_err());
    }
}
