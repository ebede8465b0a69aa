//! Agents, bearer tokens and password logins.
//!
//! Tokens are random and stored as SHA-256 digests; passwords as Argon2id
//! hashes. A token carries the scopes and dialect it was created with.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rusqlite::{OptionalExtension, params};
use sha2::{Digest, Sha256};

use crate::bindings::types::Dialect;
use crate::db::{Db, now_ms, now_rfc3339};

/// Every scope a token may hold (spec §4).
pub const SCOPES: &[&str] = &[
    "contacts:read_all",
    "contacts:read",
    "contacts:write",
    "contacts:delete",
    "contacts:block",
    "contact_notes:read",
    "contact_notes:write",
    "contact_notes:delete",
    // The platform's own records (spec §7): customers, prospects, companies,
    // deals, activities, conversations, portal accounts.
    "admin",
];

/// The agent behind a valid token.
#[derive(Debug, Clone)]
pub struct Agent {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub email: Option<String>,
    /// Empty means every scope.
    pub scopes: Vec<String>,
    /// The dialect the token was created for, if any.
    pub dialect: Option<String>,
}

impl Agent {
    /// The scopes to show a client: all of them when none are listed.
    pub fn effective_scopes(&self) -> Vec<String> {
        if self.scopes.is_empty() {
            SCOPES.iter().map(|s| (*s).to_owned()).collect()
        } else {
            self.scopes.clone()
        }
    }
}

pub struct NewAgent<'a> {
    pub name: &'a str,
    pub email: Option<&'a str>,
    pub password: Option<&'a str>,
    pub scopes: Vec<String>,
    pub dialect: Option<&'a str>,
}

/// Splits "Agent Smith" into first and last name (the last word is the last name).
pub fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.rsplit_once(char::is_whitespace) {
        Some((first, last)) => (first.trim().to_owned(), last.to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

/// Checks scope names from the command line.
pub fn parse_scopes(list: &str) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for s in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !SCOPES.contains(&s) {
            bail!("unknown scope {s:?}; known scopes: {}", SCOPES.join(", "));
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_owned());
        }
    }
    Ok(out)
}

fn digest(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// Lowercase hexadecimal, two digits a byte.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from the operating system's secure random source.
pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no secure randomness: {e}"))?;
    Ok(bytes)
}

fn new_token() -> Result<String> {
    let bytes: [u8; 32] = random_bytes()?;
    Ok(format!("ct_{}", hex(&bytes)))
}

fn hash_password(password: &str) -> Result<String> {
    let salt: [u8; 16] = random_bytes()?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))?;
    Ok(hash.to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|h| {
            Argon2::default()
                .verify_password(password.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// How many failed logins lock an email, and for how long a window.
const MAX_FAILURES: usize = 5;
const FAILURE_WINDOW: Duration = Duration::from_secs(60);

pub enum Login {
    Ok {
        agent: Agent,
        token: String,
    },
    Invalid,
    /// Too many failures: retry after this many seconds.
    Locked(u64),
}

pub struct Auth {
    db: Arc<Db>,
}

impl Auth {
    pub fn new(db: Arc<Db>) -> Auth {
        Auth { db }
    }

    /// Whether any agent exists: a server with none has nobody who can call
    /// it yet, and says how to make the first.
    pub fn has_agents(&self) -> Result<bool> {
        let conn = self.db.conn()?;
        let any: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM agents)", [], |r| r.get(0))?;
        Ok(any)
    }

    /// Creates an agent, or updates the one with the same email, and issues
    /// a token for it.
    pub fn create_agent(&self, new: &NewAgent<'_>) -> Result<(Agent, String)> {
        if let Some(d) = new.dialect
            && Dialect::parse(d).is_none()
        {
            let names: Vec<&str> = Dialect::ALL.iter().map(|d| d.name()).collect();
            bail!(
                "unknown dialect {d:?}; expected one of {}",
                names.join(", ")
            );
        }
        let (first, last) = split_name(new.name);
        if first.is_empty() {
            bail!("--name must not be empty");
        }
        let password = new.password.map(hash_password).transpose()?;
        let scopes = serde_json::to_string(&new.scopes)?;
        let conn = self.db.conn()?;
        let existing: Option<i64> = match new.email {
            Some(email) => conn
                .query_row(
                    "SELECT id FROM agents WHERE email = ?1",
                    params![email],
                    |r| r.get(0),
                )
                .optional()?,
            None => None,
        };
        let id = match existing {
            Some(id) => {
                conn.execute(
                    "UPDATE agents SET first_name = ?1, last_name = ?2, \
                     password_hash = coalesce(?3, password_hash), dialect = ?4, scopes = ?5 \
                     WHERE id = ?6",
                    params![first, last, password, new.dialect, scopes, id],
                )?;
                id
            }
            None => conn.query_row(
                "INSERT INTO agents (first_name, last_name, email, password_hash, dialect, scopes, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![first, last, new.email, password, new.dialect, scopes, now_rfc3339()],
                |r| r.get(0),
            )?,
        };
        drop(conn);
        let agent = Agent {
            id: id as u64,
            first_name: first,
            last_name: last,
            email: new.email.map(str::to_owned),
            scopes: new.scopes.clone(),
            dialect: new.dialect.map(str::to_owned),
        };
        let token = self.issue(&agent)?;
        Ok((agent, token))
    }

    fn issue(&self, agent: &Agent) -> Result<String> {
        let token = new_token()?;
        let conn = self.db.conn()?;
        conn.execute(
            "INSERT INTO tokens (hash, agent_id, dialect, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                digest(&token),
                agent.id as i64,
                agent.dialect,
                serde_json::to_string(&agent.scopes)?,
                now_rfc3339()
            ],
        )?;
        Ok(token)
    }

    /// The agent behind a bearer token, if it is valid.
    pub fn verify(&self, token: &str) -> Result<Option<Agent>> {
        let conn = self.db.conn()?;
        let row = conn
            .prepare_cached(
                "SELECT a.id, a.first_name, a.last_name, a.email, t.scopes, t.dialect \
                 FROM tokens t JOIN agents a ON a.id = t.agent_id WHERE t.hash = ?1",
            )?
            .query_row(params![digest(token)], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })
            .optional()?;
        let Some((id, first_name, last_name, email, scopes, dialect)) = row else {
            return Ok(None);
        };
        Ok(Some(Agent {
            id: id as u64,
            first_name,
            last_name,
            email,
            scopes: serde_json::from_str(&scopes)?,
            dialect,
        }))
    }

    /// Email and password login. Five failures for one email within 60 s
    /// lock it until the window ends, whatever the password; a success resets.
    /// Failures are kept in the database, so every replica sees them.
    ///
    /// Each attempt is counted as a failure before its password is checked,
    /// in the same transaction as the check of the count, so guesses sent in
    /// parallel are counted too (only five are ever checked); a success then
    /// clears the count. An unknown email costs a password hash like a known
    /// one, so the answer's time does not tell which emails exist.
    pub fn login(&self, email: &str, password: &str) -> Result<Login> {
        let key = email.trim().to_lowercase();
        if let Some(wait) = self.count_attempt(&key)? {
            return Ok(Login::Locked(wait));
        }
        let conn = self.db.conn()?;
        let row = conn
            .query_row(
                "SELECT id, first_name, last_name, email, password_hash, dialect, scopes \
                 FROM agents WHERE email = ?1",
                params![key],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                },
            )
            .optional()?;
        drop(conn);
        let agent = match row {
            Some((id, first_name, last_name, email, Some(hash), dialect, scopes))
                if verify_password(password, &hash) =>
            {
                Agent {
                    id: id as u64,
                    first_name,
                    last_name,
                    email,
                    scopes: serde_json::from_str(&scopes)?,
                    dialect: Some(dialect.unwrap_or_else(|| "bluerocktel".to_owned())),
                }
            }
            Some((.., Some(_), _, _)) => return Ok(Login::Invalid),
            // No such agent, or one without a password: spend what a check
            // of a real password spends.
            _ => {
                verify_password(password, decoy_hash());
                return Ok(Login::Invalid);
            }
        };
        self.db
            .conn()?
            .prepare_cached("DELETE FROM login_failures WHERE email = ?1")?
            .execute(params![key])?;
        let token = self.issue(&agent)?;
        Ok(Login::Ok { agent, token })
    }

    /// Counts one attempt for `key` as a failure, unless it already failed
    /// too often: then the seconds until it may try again. One write
    /// transaction checks and counts, so parallel attempts queue here.
    fn count_attempt(&self, key: &str) -> Result<Option<u64>> {
        let now = now_ms();
        let since = now - FAILURE_WINDOW.as_millis() as i64;
        let mut conn = self.db.conn()?;
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.prepare_cached("DELETE FROM login_failures WHERE email = ?1 AND at_ms <= ?2")?
            .execute(params![key, since])?;
        let (failures, oldest): (i64, Option<i64>) = tx
            .prepare_cached("SELECT count(*), min(at_ms) FROM login_failures WHERE email = ?1")?
            .query_row(params![key], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if failures as usize >= MAX_FAILURES {
            tx.commit()?;
            // The lock ends when the oldest failure leaves the window.
            let left_ms = oldest.map_or(0, |t| t - since).max(0) as u64;
            return Ok(Some(left_ms.div_ceil(1000).max(1)));
        }
        tx.prepare_cached("INSERT INTO login_failures (email, at_ms) VALUES (?1, ?2)")?
            .execute(params![key, now])?;
        tx.commit()?;
        Ok(None)
    }
}

/// The hash an unknown email's password is checked against: made once, of a
/// random password, with the same parameters as real ones.
fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| {
        let password = random_bytes::<16>().map(|b| hex(&b)).unwrap_or_default();
        hash_password(&password).unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_names() {
        assert_eq!(split_name("Agent Smith"), ("Agent".into(), "Smith".into()));
        assert_eq!(
            split_name("Jean Pierre Martin"),
            ("Jean Pierre".into(), "Martin".into())
        );
        assert_eq!(split_name("Cher"), ("Cher".into(), String::new()));
    }

    #[test]
    fn checks_scopes() {
        assert_eq!(
            parse_scopes("contacts:read, contacts:write").unwrap(),
            ["contacts:read", "contacts:write"]
        );
        assert!(parse_scopes("contacts:everything").is_err());
        assert!(parse_scopes("").unwrap().is_empty());
    }

    #[test]
    fn passwords_verify() {
        let h = hash_password("s3cret").unwrap();
        assert!(verify_password("s3cret", &h));
        assert!(!verify_password("wrong", &h));
        assert_ne!(h, "s3cret");
    }
}
