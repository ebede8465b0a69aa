//! A PostgreSQL server for the tests that need one, and a fresh database on
//! it per test.
//!
//! `CONTACTS_TEST_POSTGRES` names a running server (`.ci/run` starts one for
//! the whole run; point it at your own to test against it). Without it, the
//! first test of a binary starts a throwaway server through
//! `scripts/postgres.sh`, stopped once this process has exited. A machine
//! that can do neither fails the test with what to do: never a silent skip.

use std::process::Command;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

static SERVER: OnceLock<String> = OnceLock::new();
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// Whether the suite runs on PostgreSQL (`CONTACTS_TEST_BACKEND=postgres`)
/// rather than on SQLite files; any other value but `sqlite` is refused.
pub fn chosen() -> bool {
    match std::env::var("CONTACTS_TEST_BACKEND").as_deref() {
        Ok("postgres") => true,
        Ok("sqlite") | Ok("") | Err(_) => false,
        Ok(other) => panic!("CONTACTS_TEST_BACKEND={other:?}: expected sqlite or postgres"),
    }
}

/// The URL of the server this test binary uses.
pub fn server_url() -> String {
    SERVER
        .get_or_init(|| {
            if let Ok(url) = std::env::var("CONTACTS_TEST_POSTGRES")
                && !url.trim().is_empty()
            {
                return url.trim().to_owned();
            }
            let script = super::workspace_root().join("scripts/postgres.sh");
            let out = Command::new("bash")
                .arg(&script)
                .args(["start", "--owner", &std::process::id().to_string()])
                .output()
                .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
            assert!(
                out.status.success(),
                "no PostgreSQL server for the tests: set CONTACTS_TEST_POSTGRES to a server's \
                 URL, or run scripts/setup.sh (it installs Debian's postgresql) so that \
                 scripts/postgres.sh can start one.\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8(out.stdout)
                .expect("utf-8")
                .lines()
                .nth(1)
                .expect("postgres.sh prints the URL on its second line")
                .to_owned()
        })
        .clone()
}

/// A new, empty UTF-8 database on the test server, dropped with the value.
pub struct Database {
    pub url: String,
    name: String,
}

impl Database {
    pub fn create() -> Database {
        let server = server_url();
        let name = format!(
            "contacts_t{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = postgres::Client::connect(&server, postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to the test PostgreSQL {server}: {e}"));
        // One statement per call: CREATE DATABASE cannot run in the implicit
        // transaction of a multi-statement query.
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name} ENCODING 'UTF8' TEMPLATE template0"),
        ] {
            admin
                .batch_execute(&sql)
                .unwrap_or_else(|e| panic!("creating database {name}: {e:?}"));
        }
        Database {
            url: contacts_host::backends::postgres::with_database(&server, &name),
            name,
        }
    }
}

impl Database {
    /// Drops the database now, closing its connections.
    pub fn drop_now(&self) {
        let mut admin = postgres::Client::connect(&server_url(), postgres::NoTls)
            .unwrap_or_else(|e| panic!("connecting to the test PostgreSQL: {e}"));
        admin
            .batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .unwrap_or_else(|e| panic!("dropping database {}: {e:?}", self.name));
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut admin) = postgres::Client::connect(&server_url(), postgres::NoTls) {
            let _ = admin.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}
