//! A webhook receiver on loopback, for the tests that watch the outbox's
//! deliveries (tests/webhooks.rs, and both replicas in tests/replicas.rs):
//! one copy of the small HTTP reading it takes.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::mpsc::{Receiver, channel};

/// One delivery as the receiver saw it: the event headers and the raw body.
pub struct Delivery {
    /// `X-Contacts-Event`.
    pub kind: String,
    /// `X-Contacts-Delivery`.
    pub seq: u64,
    /// `X-Contacts-Signature`.
    pub signature: String,
    pub body: Vec<u8>,
}

/// A receiver that answers 500 to its first `failures` requests, then 200;
/// returns its URL and the deliveries it answered 200 to, in order.
pub fn receiver(failures: usize) -> (String, Receiver<Delivery>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!(
        "http://{}/hooks/contacts",
        listener.local_addr().expect("address")
    );
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut head = Vec::new();
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                head.push(line.trim_end().to_owned());
            }
            let header = |name: &str| {
                head.iter()
                    .find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
                    })
                    .unwrap_or_default()
            };
            let length: usize = header("content-length").parse().unwrap_or(0);
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let ok = n >= failures;
            let status = if ok {
                "200 OK"
            } else {
                "500 Internal Server Error"
            };
            let _ = stream
                .write_all(format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n\r\n").as_bytes());
            if ok {
                let _ = tx.send(Delivery {
                    kind: header("x-contacts-event"),
                    seq: header("x-contacts-delivery").parse().unwrap_or(0),
                    signature: header("x-contacts-signature"),
                    body,
                });
            }
        }
    });
    (url, rx)
}
