//! `contacts-host migrate-store`: moves a SQLite database into an empty
//! PostgreSQL one, for operators who outgrow one node.
//!
//! Everything is copied as it is stored: documents with their versions,
//! index entries and run sizes (so nothing needs reindexing), id sequences,
//! the directory, agents and tokens (existing tokens keep working), the
//! outbox with its sequence numbers, subscription cursors (their leases
//! released), facts and the extensions' key-value spaces. The source is read
//! in one snapshot; the target is written in one transaction, so a failed
//! move leaves it empty.

use std::path::Path;

use anyhow::{Context, Result, bail};
use postgres::types::ToSql;
use rusqlite::OpenFlags;

use super::{Pg, Tx};

/// Rows per INSERT.
const BATCH: usize = 5_000;

/// How a column travels: SQLite's value, PostgreSQL's array type.
#[derive(Clone, Copy)]
enum Kind {
    /// INTEGER → bigint.
    Int,
    /// TEXT → text.
    Text,
    /// TEXT or NULL → text.
    OptText,
    /// An index key, TEXT → bytea.
    Key,
}

/// Each table and its columns, in the order both schemas share.
const TABLES: &[(&str, &[(&str, Kind)])] = {
    use Kind::*;
    &[
        (
            "documents",
            &[
                ("collection", Text),
                ("id", Int),
                ("version", Int),
                ("body", Text),
            ],
        ),
        (
            "index_entries",
            &[
                ("collection", Text),
                ("idx", Text),
                ("key", Key),
                ("id", Int),
            ],
        ),
        (
            "index_buckets",
            &[
                ("collection", Text),
                ("idx", Text),
                ("lo_key", Key),
                ("lo_id", Int),
                ("n", Int),
            ],
        ),
        ("sequences", &[("collection", Text), ("next", Int)]),
        (
            "outbox",
            &[
                ("seq", Int),
                ("kind", Text),
                ("contact_id", Int),
                ("body", Text),
                ("created_at", Text),
            ],
        ),
        (
            "owners",
            &[
                ("id", Int),
                ("kind", Text),
                ("name", Text),
                ("account", Text),
            ],
        ),
        (
            "companies",
            &[("id", Int), ("name", Text), ("domain", OptText)],
        ),
        ("deals", &[("id", Int), ("name", Text)]),
        ("activities", &[("id", Int), ("title", Text)]),
        (
            "conversations",
            &[
                ("id", Int),
                ("uuid", Text),
                ("contact_id", Int),
                ("subject", Text),
                ("last_message", Text),
                ("created_at", Text),
                ("last_message_at", Text),
            ],
        ),
        (
            "clients",
            &[("id", Int), ("contact_id", Int), ("permissions", Text)],
        ),
        (
            "agents",
            &[
                ("id", Int),
                ("first_name", Text),
                ("last_name", Text),
                ("email", OptText),
                ("password_hash", OptText),
                ("dialect", OptText),
                ("scopes", Text),
                ("created_at", Text),
            ],
        ),
        (
            "tokens",
            &[
                ("hash", Text),
                ("agent_id", Int),
                ("dialect", OptText),
                ("scopes", Text),
                ("created_at", Text),
            ],
        ),
        ("login_failures", &[("email", Text), ("at_ms", Int)]),
        ("meta", &[("key", Text), ("value", Text)]),
        ("webhook_cursors", &[("url", Text), ("after_seq", Int)]),
        (
            "extension_kv",
            &[("extension", Text), ("key", Text), ("value", Text)],
        ),
        ("extension_cursors", &[("name", Text), ("after_seq", Int)]),
    ]
};

/// Tables whose ids PostgreSQL generates, and the SQLite name of each.
const SERIALS: &[(&str, &str)] = &[
    ("outbox", "seq"),
    ("owners", "id"),
    ("companies", "id"),
    ("deals", "id"),
    ("activities", "id"),
    ("conversations", "id"),
    ("clients", "id"),
    ("agents", "id"),
];

/// One column's values of a batch.
enum Column {
    Int(Vec<i64>),
    Text(Vec<String>),
    OptText(Vec<Option<String>>),
    Key(Vec<Vec<u8>>),
}

impl Column {
    fn new(kind: Kind) -> Column {
        match kind {
            Kind::Int => Column::Int(Vec::new()),
            Kind::Text => Column::Text(Vec::new()),
            Kind::OptText => Column::OptText(Vec::new()),
            Kind::Key => Column::Key(Vec::new()),
        }
    }

    fn push(&mut self, row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<()> {
        match self {
            Column::Int(v) => v.push(row.get(i)?),
            Column::Text(v) => v.push(row.get(i)?),
            Column::OptText(v) => v.push(row.get(i)?),
            Column::Key(v) => v.push(row.get::<_, String>(i)?.into_bytes()),
        }
        Ok(())
    }

    fn param(&self) -> &(dyn ToSql + Sync) {
        match self {
            Column::Int(v) => v,
            Column::Text(v) => v,
            Column::OptText(v) => v,
            Column::Key(v) => v,
        }
    }

    fn array_type(&self) -> &'static str {
        match self {
            Column::Int(_) => "bigint[]",
            Column::Text(_) | Column::OptText(_) => "text[]",
            Column::Key(_) => "bytea[]",
        }
    }
}

/// Copies the SQLite database of `from` (`sqlite:PATH`) into the empty
/// PostgreSQL database at `to`; answers the rows copied per table.
pub fn from_sqlite(from: &str, to: &str) -> Result<Vec<(&'static str, u64)>> {
    let from = match from.strip_prefix("sqlite:") {
        Some(rest) => Path::new(rest.strip_prefix("//").unwrap_or(rest)),
        None => bail!("--from must be a sqlite:PATH URL, not {from:?}"),
    };
    if !from.is_file() {
        bail!("no SQLite database at {}", from.display());
    }
    // Brings the source's schema up to this build's first, as serve would.
    crate::backends::open(&format!("sqlite:{}", from.display()))?;
    let mut source = rusqlite::Connection::open_with_flags(
        from,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .with_context(|| format!("opening {}", from.display()))?;
    source.busy_timeout(std::time::Duration::from_secs(10))?;
    let snapshot = source.transaction()?;
    let pg = Pg::open(to)?;
    let mut conn = pg.conn()?;
    let mut tx = conn.get().write()?;
    for (table, _) in TABLES {
        let any = tx
            .query_one(&format!("SELECT EXISTS (SELECT 1 FROM {table})"), &[])?
            .get::<_, bool>(0);
        if any {
            bail!(
                "the target database is not empty ({table} has rows): migrate into a new database"
            );
        }
    }
    let mut copied = Vec::new();
    for &(table, columns) in TABLES {
        let n = copy_table(&snapshot, &mut tx, table, columns)
            .with_context(|| format!("copying {table}"))?;
        copied.push((table, n));
    }
    for (table, column) in SERIALS {
        // SQLite's AUTOINCREMENT never reuses an id, even a deleted one's.
        let used: i64 = snapshot.query_row(
            &format!(
                "SELECT max(coalesce((SELECT max({column}) FROM {table}), 0), \
                 coalesce((SELECT seq FROM sqlite_sequence WHERE name = ?1), 0))"
            ),
            [table],
            |r| r.get(0),
        )?;
        if used > 0 {
            tx.execute(
                &format!("SELECT setval(pg_get_serial_sequence('{table}', '{column}'), $1)"),
                &[&used],
            )?;
        }
    }
    tx.commit()?;
    Ok(copied)
}

/// Where a table's rows are read in the SQLite database: the store's own
/// tables keep collection and index names as integer codes (`store_names`,
/// backends/sqlite/store), which PostgreSQL stores by name.
fn sqlite_rows(table: &str) -> String {
    let names = |alias: &str, columns: &str| {
        format!(
            "(SELECT c.name AS collection, {columns} FROM {table} {alias} \
             JOIN store_names c ON c.code = {alias}.collection{idx})",
            idx = if columns.contains("i.name") {
                format!(" JOIN store_names i ON i.code = {alias}.idx")
            } else {
                String::new()
            }
        )
    };
    match table {
        "documents" => names("d", "d.id, d.version, d.body"),
        "index_entries" => names("e", "i.name AS idx, e.key, e.id"),
        "index_buckets" => names("b", "i.name AS idx, b.lo_key, b.lo_id, b.n"),
        other => other.to_owned(),
    }
}

fn copy_table(
    source: &rusqlite::Transaction<'_>,
    tx: &mut Tx<'_>,
    table: &str,
    columns: &[(&str, Kind)],
) -> Result<u64> {
    let names: Vec<&str> = columns.iter().map(|(n, _)| *n).collect();
    let mut stmt = source.prepare(&format!(
        "SELECT {} FROM {}",
        names.join(", "),
        sqlite_rows(table)
    ))?;
    let mut rows = stmt.query([])?;
    let mut batch: Vec<Column> = columns.iter().map(|&(_, k)| Column::new(k)).collect();
    let (mut pending, mut total) = (0usize, 0u64);
    loop {
        let row = rows.next()?;
        if let Some(row) = row {
            for (i, column) in batch.iter_mut().enumerate() {
                column.push(row, i)?;
            }
            pending += 1;
        }
        if pending > 0 && (row.is_none() || pending == BATCH) {
            let arrays: Vec<String> = batch
                .iter()
                .enumerate()
                .map(|(i, c)| format!("${}::{}", i + 1, c.array_type()))
                .collect();
            let sql = format!(
                "INSERT INTO {table} ({}) SELECT * FROM unnest({})",
                names.join(", "),
                arrays.join(", ")
            );
            let params: Vec<&(dyn ToSql + Sync)> = batch.iter().map(Column::param).collect();
            tx.execute(&sql, &params)?;
            total += pending as u64;
            pending = 0;
            batch = columns.iter().map(|&(_, k)| Column::new(k)).collect();
        }
        if row.is_none() {
            return Ok(total);
        }
    }
}
