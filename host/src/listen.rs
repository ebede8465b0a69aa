//! Accepting connections: HTTP/1.1 over TCP, with the limits a server facing
//! hostile clients needs (issue 17, finding 2).
//!
//! `axum::serve` holds every connection for as long as the client likes: 500
//! clients dribbling headers, or 2,000 idle keep-alive connections, used up
//! the open files, and SQLite then failed to open its database. Here each
//! connection must finish its request headers within `header_timeout`, which
//! hyper also applies while a keep-alive connection waits for its next
//! request (so idle connections are closed after it), and at most
//! `max_connections` are open at once: past that, a new connection gets a
//! plain 503 with `Retry-After` and is closed, instead of waiting unseen.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};

/// The connection limits of `serve`.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Connections open at once; a common service default allows 1,024 open
    /// files, and the database needs some of them.
    pub max_connections: u32,
    /// Time a client has to send a request's headers, and that a keep-alive
    /// connection may stay idle between requests.
    pub header_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_connections: 512,
            header_timeout: Duration::from_secs(10),
        }
    }
}

/// What a connection past the limit is told before it is closed.
fn busy() -> Vec<u8> {
    let body = r#"{"message": "The server is at its connection limit; retry in a moment."}"#;
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n\
         Retry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Serves `router` on `listener` until `shutdown` resolves, then lets open
/// connections finish the request they are on.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> Result<()> {
    let slots = Arc::new(Semaphore::new(limits.max_connections as usize));
    let (stop_tx, stop_rx) = watch::channel(false);
    let service = TowerToHyperService::new(router);
    tokio::pin!(shutdown);
    loop {
        let (mut stream, _) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors, say: wait a little, go on.
                    tracing::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let Ok(slot) = slots.clone().try_acquire_owned() else {
            tokio::spawn(async move {
                let _ = stream.write_all(&busy()).await;
                let _ = stream.shutdown().await;
            });
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = service.clone();
        let mut stop = stop_rx.clone();
        tokio::spawn(async move {
            let mut builder = http1::Builder::new();
            builder
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .keep_alive(true);
            let conn = builder.serve_connection(TokioIo::new(stream), service);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                // The only change ever sent is the stop.
                _ = stop.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(slot);
        });
    }
    let _ = stop_tx.send(true);
    // Every connection holds a slot: when all are back, all are done.
    let _ = slots
        .acquire_many(limits.max_connections)
        .await
        .map(|all| all.forget());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::busy;

    #[test]
    fn the_busy_answer_is_well_formed() {
        let bytes = busy();
        let text = std::str::from_utf8(&bytes).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "), "{head}");
        let length: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(body.len(), length);
        let json: serde_json::Value = serde_json::from_str(body).unwrap();
        assert!(
            json["message"]
                .as_str()
                .unwrap()
                .contains("connection limit")
        );
    }
}
