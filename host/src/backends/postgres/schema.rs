//! The PostgreSQL schema and its migrations, versioned in `contacts_schema`.
//!
//! Why its own list: the tables mirror the SQLite backend's, but the types
//! differ (`bigint`, `bigserial`, `COLLATE "C"` keys) and so will their
//! histories. Migrations run in one transaction under an advisory lock, so
//! replicas that start together migrate once.

use anyhow::{Context, Result, bail};
use postgres::Client;

/// The advisory lock key migrations hold ("contacts" in ASCII).
const MIGRATION_LOCK: i64 = 0x636f_6e74_6163_7473;

/// Migrations in order; `contacts_schema.version` records how many ran.
///
/// Index keys are `bytea`, which compares bytewise (the WIT's order) and
/// holds any character; names use the "C" collation, which compares bytes
/// too, in a UTF-8 database (checked at open).
pub(crate) const MIGRATIONS: &[&str] = &[r#"
CREATE TABLE documents (
    collection text COLLATE "C" NOT NULL,
    id bigint NOT NULL,
    version bigint NOT NULL,
    body text NOT NULL,
    PRIMARY KEY (collection, id)
);
CREATE TABLE index_entries (
    collection text COLLATE "C" NOT NULL,
    idx text COLLATE "C" NOT NULL,
    key bytea NOT NULL,
    id bigint NOT NULL,
    PRIMARY KEY (collection, idx, key, id)
);
CREATE INDEX index_entries_by_document ON index_entries (collection, id);
-- Run sizes (see ranks.rs): a row per run of consecutive entries of an index.
CREATE TABLE index_buckets (
    collection text COLLATE "C" NOT NULL,
    idx text COLLATE "C" NOT NULL,
    lo_key bytea NOT NULL,
    lo_id bigint NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (collection, idx, lo_key, lo_id)
);
CREATE TABLE sequences (collection text COLLATE "C" PRIMARY KEY, next bigint NOT NULL);
CREATE TABLE outbox (
    seq bigserial PRIMARY KEY,
    kind text NOT NULL,
    contact_id bigint NOT NULL,
    body text NOT NULL,
    created_at text NOT NULL
);
CREATE TABLE owners (
    id bigserial PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('customer', 'prospect')),
    name text NOT NULL,
    account text NOT NULL
);
CREATE TABLE companies (id bigserial PRIMARY KEY, name text NOT NULL, domain text);
CREATE TABLE deals (id bigserial PRIMARY KEY, name text NOT NULL);
CREATE TABLE activities (id bigserial PRIMARY KEY, title text NOT NULL);
CREATE TABLE conversations (
    id bigserial PRIMARY KEY,
    uuid text NOT NULL,
    contact_id bigint NOT NULL,
    subject text NOT NULL,
    last_message text NOT NULL,
    created_at text NOT NULL,
    last_message_at text NOT NULL
);
CREATE INDEX conversations_by_contact ON conversations (contact_id, created_at);
CREATE TABLE clients (
    id bigserial PRIMARY KEY,
    contact_id bigint NOT NULL UNIQUE,
    permissions text NOT NULL DEFAULT '[]'
);
CREATE TABLE agents (
    id bigserial PRIMARY KEY,
    first_name text NOT NULL,
    last_name text NOT NULL,
    email text,
    password_hash text,
    dialect text,
    scopes text NOT NULL DEFAULT '[]',
    created_at text NOT NULL
);
-- SQLite's NOCASE: ASCII letters only.
CREATE UNIQUE INDEX agents_by_email ON agents (lower(email COLLATE "C"));
CREATE TABLE tokens (
    hash text PRIMARY KEY,
    agent_id bigint NOT NULL REFERENCES agents (id),
    dialect text,
    scopes text NOT NULL DEFAULT '[]',
    created_at text NOT NULL
);
CREATE TABLE login_failures (email text NOT NULL, at_ms bigint NOT NULL);
CREATE INDEX login_failures_by_email ON login_failures (email, at_ms);
CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE webhook_cursors (
    url text PRIMARY KEY,
    after_seq bigint NOT NULL,
    holder text NOT NULL DEFAULT '',
    lease_until_ms bigint NOT NULL DEFAULT 0
);
CREATE TABLE extension_kv (
    extension text NOT NULL,
    key text COLLATE "C" NOT NULL,
    value text NOT NULL,
    PRIMARY KEY (extension, key)
);
CREATE TABLE extension_cursors (
    name text PRIMARY KEY,
    after_seq bigint NOT NULL,
    holder text NOT NULL DEFAULT '',
    lease_until_ms bigint NOT NULL DEFAULT 0
);
"#];

/// Checks the server and brings the schema up to [`MIGRATIONS`].
pub fn migrate(client: &mut Client) -> Result<()> {
    let row = client.query_one(
        "SELECT current_setting('server_version_num')::int, \
                current_setting('server_encoding')",
        &[],
    )?;
    let (version, encoding): (i32, String) = (row.get(0), row.get(1));
    if version < 150_000 {
        bail!("PostgreSQL {version} is too old: this build needs PostgreSQL 15 or newer");
    }
    if encoding != "UTF8" {
        bail!(
            "the database's encoding is {encoding}: it must be UTF8 \
             (CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0)"
        );
    }
    let mut tx = client.transaction()?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS contacts_schema (version integer NOT NULL)")?;
    let done: Option<i32> = tx
        .query_opt("SELECT version FROM contacts_schema", &[])?
        .map(|r| r.get(0));
    let done = match done {
        Some(d) => d as usize,
        None => {
            tx.execute("INSERT INTO contacts_schema (version) VALUES (0)", &[])?;
            0
        }
    };
    if done > MIGRATIONS.len() {
        bail!(
            "the database schema is version {done}, newer than this build ({})",
            MIGRATIONS.len()
        );
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
        tx.batch_execute(sql)
            .with_context(|| format!("PostgreSQL migration {}", i + 1))?;
    }
    tx.execute(
        "UPDATE contacts_schema SET version = $1",
        &[&(MIGRATIONS.len() as i32)],
    )?;
    tx.commit()?;
    Ok(())
}
