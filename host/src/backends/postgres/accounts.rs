//! Agents, tokens and failed logins on PostgreSQL. Emails compare without
//! ASCII case (`lower` under the "C" collation, as SQLite's NOCASE does),
//! and are unique that way. Creating an agent and counting a failed login
//! each hold an advisory lock (all agents; that email) for their
//! transaction, so parallel attempts from any replica queue and all count.

use anyhow::Result;

use super::Pg;
use crate::auth::{Accounts, Agent, AgentRecord, Attempt, StoredAgent};
use crate::clock::now_rfc3339;

/// The first key of the accounts' advisory locks.
const ACCOUNT_LOCKS: i32 = 0x6374_6163; // "ctac"
/// Second key of the lock that agent upserts take.
const AGENTS_LOCK: i32 = 0;

/// A login email as PostgreSQL's text can hold it. Its text holds no U+0000
/// (SQLite's does), yet a login may send one: no stored agent has such an
/// email, and its failures are counted under the email with each U+0000 as
/// U+FFFD (the replacement character), never a database error.
fn login_key(email: &str) -> std::borrow::Cow<'_, str> {
    if email.contains('\0') {
        email.replace('\0', "\u{FFFD}").into()
    } else {
        email.into()
    }
}

fn scopes(json: &str) -> Result<Vec<String>> {
    Ok(serde_json::from_str(json)?)
}

impl Accounts for Pg {
    fn has_agents(&self) -> Result<bool> {
        let row = self
            .conn()?
            .get()
            .query_one("SELECT EXISTS (SELECT 1 FROM agents)", &[])?;
        Ok(row.get(0))
    }

    fn upsert_agent(&self, agent: &AgentRecord<'_>) -> Result<u64> {
        let scopes = serde_json::to_string(agent.scopes)?;
        let mut conn = self.conn()?;
        let mut tx = conn.get().write()?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, $2)",
            &[&ACCOUNT_LOCKS, &AGENTS_LOCK],
        )?;
        let existing: Option<i64> = match agent.email {
            Some(email) => tx
                .query_opt(
                    "SELECT id FROM agents WHERE lower(email COLLATE \"C\") = lower($1 COLLATE \"C\")",
                    &[&email],
                )?
                .map(|r| r.get(0)),
            None => None,
        };
        let id = match existing {
            Some(id) => {
                tx.execute(
                    "UPDATE agents SET first_name = $1, last_name = $2, \
                     password_hash = coalesce($3, password_hash), dialect = $4, scopes = $5 \
                     WHERE id = $6",
                    &[
                        &agent.first_name,
                        &agent.last_name,
                        &agent.password_hash,
                        &agent.dialect,
                        &scopes,
                        &id,
                    ],
                )?;
                id
            }
            None => tx
                .query_one(
                    "INSERT INTO agents \
                     (first_name, last_name, email, password_hash, dialect, scopes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                    &[
                        &agent.first_name,
                        &agent.last_name,
                        &agent.email,
                        &agent.password_hash,
                        &agent.dialect,
                        &scopes,
                        &now_rfc3339(),
                    ],
                )?
                .get(0),
        };
        tx.commit()?;
        Ok(id as u64)
    }

    fn agent_by_email(&self, email: &str) -> Result<Option<StoredAgent>> {
        if email.contains('\0') {
            return Ok(None); // no agent can have it (login_key)
        }
        let row = self.conn()?.get().query_opt(
            "SELECT id, first_name, last_name, email, password_hash, dialect, scopes \
             FROM agents WHERE lower(email COLLATE \"C\") = lower($1 COLLATE \"C\")",
            &[&email],
        )?;
        row.map(|r| {
            Ok(StoredAgent {
                agent: Agent {
                    id: r.get::<_, i64>(0) as u64,
                    first_name: r.get(1),
                    last_name: r.get(2),
                    email: r.get(3),
                    dialect: r.get(5),
                    scopes: scopes(r.get(6))?,
                },
                password_hash: r.get(4),
            })
        })
        .transpose()
    }

    fn add_token(
        &self,
        digest: &str,
        agent_id: u64,
        dialect: Option<&str>,
        scopes: &[String],
    ) -> Result<()> {
        self.conn()?.get().execute(
            "INSERT INTO tokens (hash, agent_id, dialect, scopes, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &digest,
                &(agent_id as i64),
                &dialect,
                &serde_json::to_string(scopes)?,
                &now_rfc3339(),
            ],
        )?;
        Ok(())
    }

    fn token_agent(&self, digest: &str) -> Result<Option<Agent>> {
        let row = self.conn()?.get().query_opt(
            "SELECT a.id, a.first_name, a.last_name, a.email, t.scopes, t.dialect \
             FROM tokens t JOIN agents a ON a.id = t.agent_id WHERE t.hash = $1",
            &[&digest],
        )?;
        row.map(|r| {
            Ok(Agent {
                id: r.get::<_, i64>(0) as u64,
                first_name: r.get(1),
                last_name: r.get(2),
                email: r.get(3),
                scopes: scopes(r.get(4))?,
                dialect: r.get(5),
            })
        })
        .transpose()
    }

    fn count_attempt(&self, email: &str, since_ms: i64, now_ms: i64, max: u32) -> Result<Attempt> {
        let email = &*login_key(email);
        let mut conn = self.conn()?;
        let mut tx = conn.get().write()?;
        tx.execute(
            "SELECT pg_advisory_xact_lock($1, hashtext($2))",
            &[&ACCOUNT_LOCKS, &email],
        )?;
        tx.execute(
            "DELETE FROM login_failures WHERE email = $1 AND at_ms <= $2",
            &[&email, &since_ms],
        )?;
        let row = tx.query_one(
            "SELECT count(*), min(at_ms) FROM login_failures WHERE email = $1",
            &[&email],
        )?;
        let (failures, oldest): (i64, Option<i64>) = (row.get(0), row.get(1));
        if failures >= i64::from(max) {
            tx.commit()?;
            return Ok(Attempt::Locked {
                oldest_ms: oldest.unwrap_or(now_ms),
            });
        }
        tx.execute(
            "INSERT INTO login_failures (email, at_ms) VALUES ($1, $2)",
            &[&email, &now_ms],
        )?;
        tx.commit()?;
        Ok(Attempt::Counted)
    }

    fn clear_failures(&self, email: &str) -> Result<()> {
        let email = &*login_key(email);
        self.conn()?
            .get()
            .execute("DELETE FROM login_failures WHERE email = $1", &[&email])?;
        Ok(())
    }
}
