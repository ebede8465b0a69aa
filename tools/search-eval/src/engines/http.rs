//! HelperIQ `/search` (engine `http`) or RelateCRM `/contacts/search`
//! (engine `http-relatecrm`: the `q` grammar, its plain text ranked) of a
//! running server, over HTTP: the same queries timed as a client sees them
//! (the component in wasm, the store on disk, the request and its JSON), not
//! only in process.
//!
//! The server holds the evaluation's people, imported in file order with one
//! worker into a fresh database from the file `--write-jsonl` writes: ids
//! are then handed out in file order to the rows the import keeps, so its
//! rejects file (`--rejects`; the generator gives a few people another's
//! address, which the import refuses as a duplicate) says which person each
//! id is. A store loaded any other way gives wrong answers, and the
//! relevance tables say so at once.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;

use super::{LIMIT, SearchEngine};

/// A search route of the server, as an engine.
pub struct Route {
    /// The engine's name on the command line.
    pub name: &'static str,
    /// The path and its query string, up to the query's text.
    path: &'static str,
    dialect: &'static str,
}

/// The engines this module serves.
pub const ROUTES: [Route; 2] = [
    Route {
        name: "http",
        path: "/api/v1/contacts/search?q=",
        dialect: "helperiq",
    },
    Route {
        name: "http-relatecrm",
        path: "/api/contacts/search?take=20&q=",
        dialect: "relatecrm",
    },
];

pub struct Served {
    route: &'static Route,
    addr: String,
    token: String,
    conn: RefCell<Conn>,
    /// The person of each contact id (index 0 unused).
    person_of: Vec<u32>,
}

/// One keep-alive HTTP/1.1 connection.
struct Conn {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}

impl Conn {
    fn open(addr: &str) -> Result<Conn, String> {
        let stream = TcpStream::connect(addr).map_err(|e| format!("connecting to {addr}: {e}"))?;
        stream.set_nodelay(true).ok();
        let reader = BufReader::new(stream.try_clone().map_err(|e| e.to_string())?);
        Ok(Conn { stream, reader })
    }

    /// The status and body of a GET.
    fn get(&mut self, target: &str, token: &str, dialect: &str) -> std::io::Result<(u16, Vec<u8>)> {
        write!(
            self.stream,
            "GET {target} HTTP/1.1\r\nHost: eval\r\nAuthorization: Bearer {token}\r\nX-Contacts-Dialect: {dialect}\r\nAccept: application/json\r\n\r\n"
        )?;
        let mut line = String::new();
        self.reader.read_line(&mut line)?;
        let status = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let mut length = 0usize;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body)?;
        Ok((status, body))
    }
}

/// `q` as a query-string value.
fn encode(q: &str) -> String {
    let mut out = String::new();
    for b in q.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Served {
    /// Checks that the server answers the token before any query is timed.
    /// `rejects` is the import's rejects file, `people` how many it read.
    pub fn connect(
        route: &'static Route,
        addr: &str,
        token: &str,
        rejects: Option<&std::path::Path>,
        people: usize,
    ) -> Result<Served, String> {
        let mut refused = std::collections::HashSet::new();
        if let Some(path) = rejects {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            // `line,reason,row`: the line is a person's place in the file, from 1.
            for line in text.lines().skip(1) {
                if let Some(n) = line.split(',').next().and_then(|n| n.parse::<usize>().ok()) {
                    refused.insert(n);
                }
            }
        }
        let mut person_of = vec![u32::MAX];
        person_of.extend(
            (0..people)
                .filter(|i| !refused.contains(&(i + 1)))
                .map(|i| i as u32),
        );
        let mut conn = Conn::open(addr)?;
        let (status, body) = conn
            .get(&format!("{}a", route.path), token, route.dialect)
            .map_err(|e| format!("{addr}: {e}"))?;
        if status != 200 {
            return Err(format!(
                "{addr} answered {status} to a search: {}",
                String::from_utf8_lossy(&body)
            ));
        }
        Ok(Served {
            route,
            addr: addr.to_owned(),
            token: token.to_owned(),
            conn: RefCell::new(conn),
            person_of,
        })
    }
}

impl SearchEngine for Served {
    fn name(&self) -> &'static str {
        self.route.name
    }

    fn search(&self, query: &str) -> Vec<u32> {
        let target = format!("{}{}", self.route.path, encode(query));
        let mut conn = self.conn.borrow_mut();
        let answer = match conn.get(&target, &self.token, self.route.dialect) {
            Ok(a) => a,
            Err(_) => {
                // One new connection, once, if the server closed this one.
                let Ok(fresh) = Conn::open(&self.addr) else {
                    return Vec::new();
                };
                *conn = fresh;
                match conn.get(&target, &self.token, self.route.dialect) {
                    Ok(a) => a,
                    Err(_) => return Vec::new(),
                }
            }
        };
        let (200, body) = answer else {
            return Vec::new();
        };
        let Ok(v) = serde_json::from_slice::<serde_json::Value>(&body) else {
            return Vec::new();
        };
        let list = v.as_array().or_else(|| v["data"].as_array());
        list.into_iter()
            .flatten()
            .filter_map(|c| c["id"].as_u64())
            .filter_map(|id| self.person_of.get(id as usize).copied())
            .filter(|p| *p != u32::MAX)
            .take(LIMIT)
            .collect()
    }

    fn footprint(&self) -> String {
        format!(
            "`{}` at {}",
            self.route.path.split('?').next().unwrap_or_default(),
            self.addr
        )
    }
}
