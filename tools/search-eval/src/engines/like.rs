//! The plain SQL baseline: one SQLite table, and `LIKE '%q%'` over the name,
//! the email and the phones as typed, first 20 by id. No ranking, no
//! folding beyond SQLite's ASCII case-insensitivity: what a CRUD app does.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, params};

use super::{LIMIT, SearchEngine};
use crate::engines::component::mib;
use crate::generate::Person;

pub struct Like {
    conn: Connection,
    path: PathBuf,
}

impl Like {
    pub fn load(people: &[Person], dir: &Path) -> rusqlite::Result<Like> {
        let path = dir.join("like.sqlite");
        let mut conn = Connection::open(&path)?;
        conn.execute_batch(
            "PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;
             CREATE TABLE contacts (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
                                    email TEXT, phones TEXT NOT NULL);",
        )?;
        let tx = conn.transaction()?;
        {
            let mut insert = tx.prepare("INSERT INTO contacts VALUES (?1, ?2, ?3, ?4)")?;
            for (i, p) in people.iter().enumerate() {
                let phones: Vec<&str> = p.phones.iter().map(|ph| ph.typed.as_str()).collect();
                insert.execute(params![
                    i as i64,
                    format!("{} {}", p.first, p.last),
                    p.email,
                    phones.join(" ; ")
                ])?;
            }
        }
        tx.commit()?;
        Ok(Like { conn, path })
    }
}

/// `%q%` with the query's own `%`, `_` and `\` taken literally.
fn pattern(query: &str) -> String {
    let mut out = String::from("%");
    for c in query.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

impl SearchEngine for Like {
    fn name(&self) -> &'static str {
        "sql-like"
    }

    fn search(&self, query: &str) -> Vec<u32> {
        let run = || -> rusqlite::Result<Vec<u32>> {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id FROM contacts WHERE name LIKE ?1 ESCAPE '\\'
                 OR email LIKE ?1 ESCAPE '\\' OR phones LIKE ?1 ESCAPE '\\'
                 ORDER BY id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![pattern(query.trim()), LIMIT as i64], |r| {
                r.get::<_, i64>(0)
            })?;
            rows.map(|r| r.map(|id| id as u32)).collect()
        };
        run().unwrap_or_default()
    }

    fn footprint(&self) -> String {
        let bytes = std::fs::metadata(&self.path).map(|m| m.len()).unwrap_or(0);
        format!("{:.1} MiB SQLite file", mib(bytes))
    }
}
