//! Test support: the real `contacts-host` binary on a temporary database,
//! driven over real HTTP by a deliberately small client that sends bytes
//! exactly as written (raw query strings, malformed bodies).
//!
//! The database is a SQLite file, or a fresh PostgreSQL database when
//! `CONTACTS_TEST_BACKEND=postgres` ([`postgres`] says which server), so the
//! whole suite runs on either backend unchanged.

#![allow(dead_code)]

pub mod postgres;
pub mod webhooks;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_contacts-host");

static NEXT: AtomicUsize = AtomicUsize::new(0);

pub struct Server {
    child: Child,
    pub addr: String,
    pub dir: PathBuf,
    pub db: String,
    /// The PostgreSQL database this server owns, dropped after it stops.
    _database: Option<Arc<postgres::Database>>,
}

pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.body)
    }
}

pub fn scratch_dir() -> PathBuf {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir =
        PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("it-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

impl Server {
    pub fn start() -> Server {
        Server::start_with(&[])
    }

    /// Starts the binary with extra `serve` flags and waits until it listens.
    pub fn start_with(extra: &[&str]) -> Server {
        let database = postgres::chosen().then(|| Arc::new(postgres::Database::create()));
        Server::start_in(database, extra)
    }

    /// A server on a fresh PostgreSQL database, whatever the suite's backend
    /// (replicas share one).
    pub fn start_postgres(extra: &[&str]) -> Server {
        Server::start_in(Some(Arc::new(postgres::Database::create())), extra)
    }

    /// A server on a SQLite file, whatever the suite's backend.
    pub fn start_sqlite(extra: &[&str]) -> Server {
        Server::start_in(None, extra)
    }

    /// A server on `database` (PostgreSQL), or on a new SQLite file.
    pub fn start_in(database: Option<Arc<postgres::Database>>, extra: &[&str]) -> Server {
        let dir = scratch_dir();
        let db = match &database {
            Some(d) => d.url.clone(),
            None => format!("sqlite:{}", dir.join("contacts.db").display()),
        };
        let (child, addr) = spawn(&db, extra);
        Server {
            child,
            addr,
            dir,
            db,
            _database: database,
        }
    }

    /// Another server on this one's database (a replica), with `serve` flags.
    pub fn replica(&self, extra: &[&str]) -> Server {
        let (child, addr) = spawn(&self.db, extra);
        Server {
            child,
            addr,
            dir: scratch_dir(),
            db: self.db.clone(),
            _database: self._database.clone(),
        }
    }

    /// Takes the database away under the running server: deletes the SQLite
    /// file's folder, or drops the PostgreSQL database.
    pub fn lose_database(&self) {
        match &self._database {
            Some(d) => d.drop_now(),
            None => std::fs::remove_dir_all(&self.dir).expect("remove the database folder"),
        }
    }

    /// Kills the server at once (SIGKILL, as a crash would) and waits.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Stops the server and starts it again on the same database.
    pub fn restart(&mut self) {
        self.restart_with(&[]);
    }

    /// Asks the server to stop (SIGTERM, as a service manager does) and
    /// waits until it has.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let sent = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM failed");
        self.child.wait().expect("wait for the server")
    }

    /// [`Server::restart`] with `serve` flags.
    pub fn restart_with(&mut self, extra: &[&str]) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let (child, addr) = spawn(&self.db, extra);
        self.child = child;
        self.addr = addr;
    }
}

fn spawn(db: &str, extra: &[&str]) -> (Child, String) {
    let cache = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("compiled-cache");
    // FR unless the test chooses another region.
    let region: &[&str] = if extra.contains(&"--region") {
        &[]
    } else {
        &["--region", "FR"]
    };
    let mut child = Command::new(BIN)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", db])
        .args(region)
        .arg("--cache-dir")
        .arg(&cache)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn contacts-host");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("read the listening line");
    let addr = line
        .trim()
        .strip_prefix("listening on http://")
        .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
        .to_owned();
    (child, addr)
}

impl Server {
    /// Creates an agent through the CLI and returns its bearer token.
    pub fn token(&self, args: &[&str]) -> String {
        let out = Command::new(BIN)
            .args(["token", "create", "--db", &self.db])
            .args(args)
            .output()
            .expect("run token create");
        assert!(out.status.success(), "token create failed: {out:?}");
        let stdout = String::from_utf8(out.stdout).expect("utf-8");
        stdout
            .lines()
            .last()
            .expect("a token line")
            .trim()
            .to_owned()
    }

    /// An agent who can also log in with `email` and `password` (`token
    /// create --email … --password-stdin`); returns its token.
    pub fn agent_with_login(&self, name: &str, email: &str, password: &str) -> String {
        let mut child = Command::new(BIN)
            .args(["token", "create", "--db", &self.db, "--name", name])
            .args(["--email", email, "--password-stdin"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn token create");
        writeln!(child.stdin.take().expect("stdin"), "{password}").expect("write the password");
        let out = child.wait_with_output().expect("token create");
        assert!(out.status.success(), "token create failed: {out:?}");
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .lines()
            .last()
            .expect("a token line")
            .trim()
            .to_owned()
    }

    /// A token with every scope.
    pub fn admin(&self) -> String {
        self.token(&["--name", "Admin Agent"])
    }

    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends one request; `target` is the path and raw query string.
    pub fn send(
        &self,
        method: &str,
        target: &str,
        token: Option<&str>,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Reply {
        send_to(&self.addr, method, target, token, headers, body)
    }

    pub fn get(&self, target: &str, token: &str) -> Reply {
        self.send("GET", target, Some(token), &[], None)
    }

    pub fn json(&self, method: &str, target: &str, token: &str, body: &Value) -> Reply {
        let bytes = serde_json::to_vec(body).expect("serialize");
        self.send(
            method,
            target,
            Some(token),
            &[("Content-Type", "application/json")],
            Some(&bytes),
        )
    }

    /// Creates a contact through `POST /api/contacts` (its answer must be
    /// 201); returns its id.
    pub fn contact(&self, token: &str, body: &Value) -> u64 {
        let r = self.json("POST", "/api/contacts", token, body);
        assert_eq!(r.status, 201, "{r:?}");
        r.json()["id"].as_u64().expect("id")
    }

    /// Creates a customer (or prospect) through the directory routes; returns its id.
    pub fn owner(&self, token: &str, kind: &str, name: &str, account: &str) -> u64 {
        let r = self.json(
            "POST",
            &format!("/api/v1/{kind}"),
            token,
            &serde_json::json!({"name": name, "customer_account": account}),
        );
        assert_eq!(r.status, 201, "{r:?}");
        r.json()["id"].as_u64().expect("id")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn parse_reply(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    if chunked {
        body = dechunk(&body);
    }
    Reply {
        status,
        headers,
        body: String::from_utf8(body).expect("utf-8 body"),
    }
}

fn dechunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(eol) = raw.windows(2).position(|w| w == b"\r\n") else {
            return out;
        };
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&raw[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            return out;
        }
        let start = eol + 2;
        out.extend_from_slice(&raw[start..start + size]);
        raw = &raw[start + size + 2..];
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved kept).
pub fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The workspace root (tests live in `<root>/tests`).
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("host/ has a parent")
        .to_path_buf()
}

/// The folder of the real, unchanged clients: `tests/clients/vendor` in this
/// checkout (the project carries them), or `CONTACTS_CLIENTS` to try another
/// copy with the same layout. `scripts/setup.sh` looks the same way.
pub fn clients_dir() -> PathBuf {
    std::env::var_os("CONTACTS_CLIENTS")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("tests/clients/vendor"))
}

/// Runs an external client script to completion and fails the test, with the
/// script's own output, unless it exits 0. A missing interpreter is a failure
/// that names the set-up step, never a silent skip.
pub fn run_client(program: &str, args: &[&str], envs: &[(&str, &str)]) -> String {
    let out = Command::new(program)
        .args(args)
        .envs(envs.iter().copied())
        .current_dir(workspace_root())
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run {program} ({e}): run scripts/setup.sh first, it installs it")
        });
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{program} {args:?} failed ({}):\n--- stdout\n{stdout}\n--- stderr\n{stderr}",
        out.status
    );
    stdout
}

/// Sends one request to a server at `addr` (`host:port`).
pub fn send_to(
    addr: &str,
    method: &str,
    target: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Reply {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut req = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\n",
        addr
    );
    if let Some(t) = token {
        req.push_str(&format!("Authorization: Bearer {t}\r\n"));
    }
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    let body = body.unwrap_or_default();
    if !body.is_empty() || matches!(method, "POST" | "PUT" | "PATCH" | "DELETE") {
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    stream.write_all(req.as_bytes()).expect("write head");
    stream.write_all(body).expect("write body");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read reply");
    parse_reply(&raw)
}

/// Runs `;`-separated SQL on a server's database (`Server::db`), as a test
/// looks behind the API: the rows of the last statement, each column as
/// text (`None` for NULL). The SQL must read the same on SQLite and on
/// PostgreSQL (no parameters: tests write their few literals in).
pub fn sql(db: &str, sql: &str) -> Vec<Vec<Option<String>>> {
    if let Some(path) = db.strip_prefix("sqlite:") {
        let conn = rusqlite::Connection::open(path).expect("open the SQLite database");
        conn.busy_timeout(Duration::from_secs(10)).expect("timeout");
        let mut last = Vec::new();
        for statement in sql.split(';').filter(|s| !s.trim().is_empty()) {
            let mut stmt = conn
                .prepare(statement)
                .unwrap_or_else(|e| panic!("{statement}: {e}"));
            let columns = stmt.column_count();
            let mut rows = stmt.query([]).expect("run the statement");
            last.clear();
            while let Some(row) = rows.next().expect("a row") {
                use rusqlite::types::ValueRef;
                let text = |i: usize| match row.get_ref(i).expect("a column") {
                    ValueRef::Null => None,
                    ValueRef::Integer(n) => Some(n.to_string()),
                    ValueRef::Real(x) => Some(x.to_string()),
                    ValueRef::Text(t) | ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                };
                last.push((0..columns).map(text).collect());
            }
        }
        return last;
    }
    let mut client = ::postgres::Client::connect(db, ::postgres::NoTls)
        .unwrap_or_else(|e| panic!("connecting to {db}: {e}"));
    let mut last = Vec::new();
    let mut rows = Vec::new();
    for message in client
        .simple_query(sql)
        .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
    {
        match message {
            ::postgres::SimpleQueryMessage::Row(row) => rows.push(
                (0..row.len())
                    .map(|i| row.get(i).map(str::to_owned))
                    .collect(),
            ),
            ::postgres::SimpleQueryMessage::CommandComplete(_) => {
                last = std::mem::take(&mut rows);
            }
            _ => {}
        }
    }
    last
}

/// The one value of a query's first row.
pub fn sql_value(db: &str, query: &str) -> Option<String> {
    sql(db, query)
        .into_iter()
        .next()
        .and_then(|row| row.into_iter().next())
        .flatten()
}

/// Every contact scope, as `token create --scopes` takes them (the names
/// are the component's: `contacts_guest::permissions::Scope`).
pub fn contact_scopes() -> Vec<&'static str> {
    contacts_guest::permissions::Scope::ALL
        .into_iter()
        .map(|s| s.name())
        .collect()
}

/// Every contact scope but `scope`, comma-separated: a token that lacks
/// exactly that one.
pub fn scopes_but(scope: &str) -> String {
    let others: Vec<&str> = contact_scopes()
        .into_iter()
        .filter(|s| *s != scope)
        .collect();
    others.join(",")
}
