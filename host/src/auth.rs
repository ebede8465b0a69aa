//! Agents, bearer tokens and password logins.
//!
//! Tokens are random and stored as SHA-256 digests; passwords as Argon2id
//! hashes. A token carries the scopes and dialect it was created with.
//! [`Auth`] holds the rules (hashing, the lockout); [`Accounts`] is where a
//! backend (`crate::backends`) keeps agents, tokens and failed logins.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, bail};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use contacts_guest::permissions::Scope;
use sha2::{Digest, Sha256};

use crate::bindings::types::Dialect;
use crate::clock::now_ms;

/// The scope of the platform's own records (spec §7): customers, prospects,
/// companies, deals, activities, conversations, portal accounts. A token that
/// may only read contacts must not create customers or portal accounts.
pub const ADMIN: &str = "admin";

/// Every scope a token may hold (spec §4): the component's contact scopes,
/// named where the component checks them ([`Scope::name`]), then [`ADMIN`].
pub fn scopes() -> impl Iterator<Item = &'static str> {
    Scope::ALL.into_iter().map(Scope::name).chain([ADMIN])
}

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
            scopes().map(str::to_owned).collect()
        } else {
            self.scopes.clone()
        }
    }
}

/// An agent as stored, with what a login checks.
#[derive(Debug, Clone)]
pub struct StoredAgent {
    /// The agent's own scopes and dialect (a token carries its own).
    pub agent: Agent,
    /// Argon2id PHC string; `None` for an agent without a password.
    pub password_hash: Option<String>,
}

/// An agent to create or update.
#[derive(Debug, Clone)]
pub struct AgentRecord<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: Option<&'a str>,
    /// `None` keeps an existing agent's password.
    pub password_hash: Option<&'a str>,
    pub dialect: Option<&'a str>,
    pub scopes: &'a [String],
}

/// What a login attempt found when it was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attempt {
    /// Counted as a failure (until a success clears it): check the password.
    Counted,
    /// Too many failures already: not counted; the oldest failure still in
    /// the window was at this time (Unix milliseconds).
    Locked { oldest_ms: i64 },
}

/// Where agents, their tokens and failed logins are kept, shared by every
/// replica on one database.
///
/// Emails compare ASCII case-insensitively and are unique among agents.
/// Tokens are stored only as their digests.
pub trait Accounts: Send + Sync + 'static {
    /// Whether any agent exists.
    fn has_agents(&self) -> Result<bool>;

    /// Creates an agent, or updates the one with the same email (names,
    /// dialect, scopes, and the password hash when one is given), in one
    /// atomic step; returns its id. Without an email, always a new agent.
    fn upsert_agent(&self, agent: &AgentRecord<'_>) -> Result<u64>;

    /// The agent with this email, if any.
    fn agent_by_email(&self, email: &str) -> Result<Option<StoredAgent>>;

    /// Stores a token (by its digest) for an agent, with the scopes and
    /// dialect it grants.
    fn add_token(
        &self,
        digest: &str,
        agent_id: u64,
        dialect: Option<&str>,
        scopes: &[String],
    ) -> Result<()>;

    /// The agent behind a token digest, with the token's scopes and dialect.
    fn token_agent(&self, digest: &str) -> Result<Option<Agent>>;

    /// The lockout's counter, in one atomic step even across replicas (so
    /// parallel guesses queue and are all counted): forgets the failures of
    /// `email` at or before `since_ms`; then, if `max` or more remain,
    /// answers [`Attempt::Locked`] without counting; else records a failure
    /// at `now_ms` and answers [`Attempt::Counted`].
    fn count_attempt(&self, email: &str, since_ms: i64, now_ms: i64, max: u32) -> Result<Attempt>;

    /// Forgets every failure of `email` (after a successful login).
    fn clear_failures(&self, email: &str) -> Result<()>;
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
        if !scopes().any(|known| known == s) {
            let known: Vec<&str> = scopes().collect();
            bail!("unknown scope {s:?}; known scopes: {}", known.join(", "));
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
    accounts: Arc<dyn Accounts>,
}

impl Auth {
    pub fn new(accounts: Arc<dyn Accounts>) -> Auth {
        Auth { accounts }
    }

    /// Whether any agent exists: a server with none has nobody who can call
    /// it yet, and says how to make the first.
    pub fn has_agents(&self) -> Result<bool> {
        self.accounts.has_agents()
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
        let id = self.accounts.upsert_agent(&AgentRecord {
            first_name: &first,
            last_name: &last,
            email: new.email,
            password_hash: password.as_deref(),
            dialect: new.dialect,
            scopes: &new.scopes,
        })?;
        let agent = Agent {
            id,
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
        self.accounts.add_token(
            &digest(&token),
            agent.id,
            agent.dialect.as_deref(),
            &agent.scopes,
        )?;
        Ok(token)
    }

    /// The agent behind a bearer token, if it is valid.
    pub fn verify(&self, token: &str) -> Result<Option<Agent>> {
        self.accounts.token_agent(&digest(token))
    }

    /// Email and password login. Five failures for one email within 60 s
    /// lock it until the window ends, whatever the password; a success resets.
    /// Failures are kept in the database, so every replica sees them.
    ///
    /// Each attempt is counted as a failure before its password is checked,
    /// in the same atomic step as the check of the count, so guesses sent in
    /// parallel are counted too (only five are ever checked); a success then
    /// clears the count. An unknown email costs a password hash like a known
    /// one, so the answer's time does not tell which emails exist.
    pub fn login(&self, email: &str, password: &str) -> Result<Login> {
        let key = email.trim().to_lowercase();
        let now = now_ms();
        let since = now - FAILURE_WINDOW.as_millis() as i64;
        if let Attempt::Locked { oldest_ms } =
            self.accounts
                .count_attempt(&key, since, now, MAX_FAILURES as u32)?
        {
            // The lock ends when the oldest failure leaves the window.
            let left_ms = (oldest_ms - since).max(0) as u64;
            return Ok(Login::Locked(left_ms.div_ceil(1000).max(1)));
        }
        let agent = match self.accounts.agent_by_email(&key)? {
            Some(StoredAgent {
                agent,
                password_hash: Some(hash),
            }) if verify_password(password, &hash) => Agent {
                dialect: Some(agent.dialect.unwrap_or_else(|| "bluerocktel".to_owned())),
                ..agent
            },
            Some(StoredAgent {
                password_hash: Some(_),
                ..
            }) => return Ok(Login::Invalid),
            // No such agent, or one without a password: spend what a check
            // of a real password spends.
            _ => {
                verify_password(password, decoy_hash());
                return Ok(Login::Invalid);
            }
        };
        self.accounts.clear_failures(&key)?;
        let token = self.issue(&agent)?;
        Ok(Login::Ok { agent, token })
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
