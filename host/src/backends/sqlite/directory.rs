//! The reference host's directory, kept in its own SQLite tables, with the
//! minimal creation API of spec §7 so that contacts can be exercised end to end.

use std::sync::Arc;

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use super::db::Db;
use crate::bindings::directory::{ClientAccount, Conversation, Owner, RecordKind};
use crate::bindings::types::{OwnerKind, OwnerRef};
use crate::capabilities::directory::{Directory, DirectoryAdmin, kind_name, new_uuid};
use crate::clock::now_rfc3339;

pub struct SqliteDirectory {
    db: Arc<Db>,
}

fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Company => "companies",
        RecordKind::Deal => "deals",
        RecordKind::Activity => "activities",
    }
}

impl SqliteDirectory {
    pub fn new(db: Arc<Db>) -> SqliteDirectory {
        SqliteDirectory { db }
    }
}

impl DirectoryAdmin for SqliteDirectory {
    fn create_owner(&self, kind: OwnerKind, name: &str, account: Option<&str>) -> Result<Owner> {
        let mut conn = self.db.conn()?;
        let tx = conn.transaction()?;
        let id: i64 = tx.query_row(
            "INSERT INTO owners (kind, name, account) VALUES (?1, ?2, '') RETURNING id",
            params![kind_name(kind), name],
            |r| r.get(0),
        )?;
        let account = match account {
            Some(a) => a.to_owned(),
            None => match kind {
                OwnerKind::Customer => format!("CL{id:06}"),
                OwnerKind::Prospect => format!("PR{id:06}"),
            },
        };
        tx.execute(
            "UPDATE owners SET account = ?1 WHERE id = ?2",
            params![account, id],
        )?;
        tx.commit()?;
        Ok(Owner {
            kind,
            id: id as u64,
            name: name.to_owned(),
            account,
        })
    }

    fn create_record(&self, kind: RecordKind, name: &str, domain: Option<&str>) -> Result<u64> {
        let conn = self.db.conn()?;
        let id: i64 = match kind {
            RecordKind::Company => conn.query_row(
                "INSERT INTO companies (name, domain) VALUES (?1, ?2) RETURNING id",
                params![name, domain],
                |r| r.get(0),
            )?,
            RecordKind::Deal => conn.query_row(
                "INSERT INTO deals (name) VALUES (?1) RETURNING id",
                params![name],
                |r| r.get(0),
            )?,
            RecordKind::Activity => conn.query_row(
                "INSERT INTO activities (title) VALUES (?1) RETURNING id",
                params![name],
                |r| r.get(0),
            )?,
        };
        Ok(id as u64)
    }

    fn create_conversation(
        &self,
        contact: u64,
        subject: &str,
        last_message: &str,
    ) -> Result<Conversation> {
        let conn = self.db.conn()?;
        let now = now_rfc3339();
        let uuid = new_uuid()?;
        let id: i64 = conn.query_row(
            "INSERT INTO conversations (uuid, contact_id, subject, last_message, created_at, last_message_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5) RETURNING id",
            params![uuid, contact as i64, subject, last_message, now],
            |r| r.get(0),
        )?;
        Ok(Conversation {
            id: id as u64,
            uuid,
            subject: subject.to_owned(),
            last_message: last_message.to_owned(),
            created_at: now.clone(),
            last_message_at: now,
        })
    }

    fn create_client(&self, contact: u64) -> Result<Option<ClientAccount>> {
        let conn = self.db.conn()?;
        let id: Option<i64> = conn
            .query_row(
                "INSERT INTO clients (contact_id) VALUES (?1) ON CONFLICT (contact_id) DO NOTHING RETURNING id",
                params![contact as i64],
                |r| r.get(0),
            )
            .optional()?;
        Ok(id.map(|id| ClientAccount {
            id: id as u64,
            contact_id: contact,
            permissions: Vec::new(),
        }))
    }

    fn client(&self, id: u64) -> Result<Option<ClientAccount>> {
        let conn = self.db.conn()?;
        let row = conn
            .query_row(
                "SELECT id, contact_id, permissions FROM clients WHERE id = ?1",
                params![id as i64],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                    ))
                },
            )
            .optional()?;
        row.map(|(id, contact, perms)| {
            Ok(ClientAccount {
                id: id as u64,
                contact_id: contact as u64,
                permissions: serde_json::from_str(&perms)?,
            })
        })
        .transpose()
    }
}

impl Directory for SqliteDirectory {
    fn owners(&self, refs: &[OwnerRef]) -> Result<Vec<Owner>> {
        let conn = self.db.conn()?;
        let mut stmt =
            conn.prepare_cached("SELECT name, account FROM owners WHERE id = ?1 AND kind = ?2")?;
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            let row = stmt
                .query_row(params![r.id as i64, kind_name(r.kind)], |row| {
                    Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
                })
                .optional()?;
            if let Some((name, account)) = row {
                out.push(Owner {
                    kind: r.kind,
                    id: r.id,
                    name,
                    account,
                });
            }
        }
        Ok(out)
    }

    fn client_account_of(&self, contact: u64) -> Result<Option<ClientAccount>> {
        let conn = self.db.conn()?;
        let id: Option<i64> = conn
            .prepare_cached("SELECT id FROM clients WHERE contact_id = ?1")?
            .query_row(params![contact as i64], |r| r.get(0))
            .optional()?;
        drop(conn);
        match id {
            Some(id) => self.client(id as u64),
            None => Ok(None),
        }
    }

    fn sync_client_permissions(&self, contact: u64, permissions: &[String]) -> Result<()> {
        let conn = self.db.conn()?;
        conn.execute(
            "UPDATE clients SET permissions = ?1 WHERE contact_id = ?2",
            params![serde_json::to_string(permissions)?, contact as i64],
        )?;
        Ok(())
    }

    fn existing(&self, kind: RecordKind, ids: &[u64]) -> Result<Vec<u64>> {
        let conn = self.db.conn()?;
        let sql = format!("SELECT 1 FROM {} WHERE id = ?1", table(kind));
        let mut stmt = conn.prepare_cached(&sql)?;
        let mut out = Vec::new();
        for id in ids {
            if stmt.exists(params![*id as i64])? {
                out.push(*id);
            }
        }
        Ok(out)
    }

    fn conversations(&self, contact: u64) -> Result<Vec<Conversation>> {
        let conn = self.db.conn()?;
        let mut stmt = conn.prepare_cached(
            "SELECT id, uuid, subject, last_message, created_at, last_message_at FROM conversations \
             WHERE contact_id = ?1 ORDER BY created_at DESC, id DESC",
        )?;
        let rows = stmt
            .query_map(params![contact as i64], |r| {
                Ok(Conversation {
                    id: r.get::<_, i64>(0)? as u64,
                    uuid: r.get(1)?,
                    subject: r.get(2)?,
                    last_message: r.get(3)?,
                    created_at: r.get(4)?,
                    last_message_at: r.get(5)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}
