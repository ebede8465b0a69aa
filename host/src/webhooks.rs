//! Delivering the event outbox to webhooks (spec §6).
//!
//! Each endpoint is a subscription to the outbox (see
//! `capabilities/events/subscription.rs`): a cursor in the database, events
//! posted in order, one at a time, retried with a growing pause, and a lease
//! that lets one replica deliver to it at a time.

use std::time::Duration;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper::http::uri::{Scheme, Uri};
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};

use crate::capabilities::events::StoredEvent;
use crate::capabilities::events::subscription::{Consumer, Feed, Leases, Subscriber, replica_id};

/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

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
pub type Deliveries = Leases;

/// Starts one delivery task per endpoint on the current tokio runtime. A new
/// endpoint starts at the end of the outbox: it gets what happens from now.
pub fn start(cfg: &Webhooks, feed: &Feed) -> Result<Deliveries> {
    validate(&cfg.urls)?;
    let me = replica_id()?;
    for url in &cfg.urls {
        let endpoint = Endpoint {
            uri: url.parse()?,
            secret: cfg.secret.clone(),
        };
        feed.start(Subscriber::Webhook, url, &me, endpoint)?;
    }
    Ok(Leases {
        kind: Subscriber::Webhook,
        cursors: feed.cursors.clone(),
        me,
    })
}

struct Endpoint {
    uri: Uri,
    secret: Option<String>,
}

impl Consumer for Endpoint {
    async fn deliver(&self, event: &StoredEvent) -> Result<()> {
        self.post(event).await
    }
}

impl Endpoint {
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
