//! Agents, tokens and failed logins in their tables. The email column is
//! `COLLATE NOCASE`, so lookups and uniqueness ignore ASCII case; the
//! lockout counts in an IMMEDIATE transaction, which takes the write lock
//! first and so queues parallel attempts, from any process.

use anyhow::Result;
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use super::db::Db;
use crate::auth::{Accounts, Agent, AgentRecord, Attempt, StoredAgent};
use crate::clock::now_rfc3339;

fn scopes(json: &str) -> rusqlite::Result<Vec<String>> {
    serde_json::from_str(json).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e))
    })
}

impl Accounts for Db {
    fn has_agents(&self) -> Result<bool> {
        let conn = self.conn()?;
        let any: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM agents)", [], |r| r.get(0))?;
        Ok(any)
    }

    fn upsert_agent(&self, agent: &AgentRecord<'_>) -> Result<u64> {
        let scopes = serde_json::to_string(agent.scopes)?;
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let existing: Option<i64> = match agent.email {
            Some(email) => tx
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
                tx.execute(
                    "UPDATE agents SET first_name = ?1, last_name = ?2, \
                     password_hash = coalesce(?3, password_hash), dialect = ?4, scopes = ?5 \
                     WHERE id = ?6",
                    params![
                        agent.first_name,
                        agent.last_name,
                        agent.password_hash,
                        agent.dialect,
                        scopes,
                        id
                    ],
                )?;
                id
            }
            None => tx.query_row(
                "INSERT INTO agents (first_name, last_name, email, password_hash, dialect, scopes, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                params![
                    agent.first_name,
                    agent.last_name,
                    agent.email,
                    agent.password_hash,
                    agent.dialect,
                    scopes,
                    now_rfc3339()
                ],
                |r| r.get(0),
            )?,
        };
        tx.commit()?;
        Ok(id as u64)
    }

    fn agent_by_email(&self, email: &str) -> Result<Option<StoredAgent>> {
        let conn = self.conn()?;
        let row = conn
            .prepare_cached(
                "SELECT id, first_name, last_name, email, password_hash, dialect, scopes \
                 FROM agents WHERE email = ?1",
            )?
            .query_row(params![email], |r| {
                Ok(StoredAgent {
                    agent: Agent {
                        id: r.get::<_, i64>(0)? as u64,
                        first_name: r.get(1)?,
                        last_name: r.get(2)?,
                        email: r.get(3)?,
                        dialect: r.get(5)?,
                        scopes: scopes(&r.get::<_, String>(6)?)?,
                    },
                    password_hash: r.get(4)?,
                })
            })
            .optional()?;
        Ok(row)
    }

    fn add_token(
        &self,
        digest: &str,
        agent_id: u64,
        dialect: Option<&str>,
        scopes: &[String],
    ) -> Result<()> {
        self.conn()?.execute(
            "INSERT INTO tokens (hash, agent_id, dialect, scopes, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                digest,
                agent_id as i64,
                dialect,
                serde_json::to_string(scopes)?,
                now_rfc3339()
            ],
        )?;
        Ok(())
    }

    fn token_agent(&self, digest: &str) -> Result<Option<Agent>> {
        let conn = self.conn()?;
        let agent = conn
            .prepare_cached(
                "SELECT a.id, a.first_name, a.last_name, a.email, t.scopes, t.dialect \
                 FROM tokens t JOIN agents a ON a.id = t.agent_id WHERE t.hash = ?1",
            )?
            .query_row(params![digest], |r| {
                Ok(Agent {
                    id: r.get::<_, i64>(0)? as u64,
                    first_name: r.get(1)?,
                    last_name: r.get(2)?,
                    email: r.get(3)?,
                    scopes: scopes(&r.get::<_, String>(4)?)?,
                    dialect: r.get(5)?,
                })
            })
            .optional()?;
        Ok(agent)
    }

    fn count_attempt(&self, email: &str, since_ms: i64, now_ms: i64, max: u32) -> Result<Attempt> {
        let mut conn = self.conn()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached("DELETE FROM login_failures WHERE email = ?1 AND at_ms <= ?2")?
            .execute(params![email, since_ms])?;
        let (failures, oldest): (i64, Option<i64>) = tx
            .prepare_cached("SELECT count(*), min(at_ms) FROM login_failures WHERE email = ?1")?
            .query_row(params![email], |r| Ok((r.get(0)?, r.get(1)?)))?;
        if failures >= i64::from(max) {
            tx.commit()?;
            return Ok(Attempt::Locked {
                oldest_ms: oldest.unwrap_or(now_ms),
            });
        }
        tx.prepare_cached("INSERT INTO login_failures (email, at_ms) VALUES (?1, ?2)")?
            .execute(params![email, now_ms])?;
        tx.commit()?;
        Ok(Attempt::Counted)
    }

    fn clear_failures(&self, email: &str) -> Result<()> {
        self.conn()?
            .prepare_cached("DELETE FROM login_failures WHERE email = ?1")?
            .execute(params![email])?;
        Ok(())
    }
}
