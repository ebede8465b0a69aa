//! The platform directory (spec §7) on PostgreSQL: owners, companies, deals,
//! activities, conversations and portal accounts, in the backend's own
//! tables; the same records and answers as the SQLite directory.

use std::sync::Arc;

use anyhow::Result;

use super::Pg;
use crate::bindings::directory::{ClientAccount, Conversation, Owner, RecordKind};
use crate::bindings::types::{OwnerKind, OwnerRef};
use crate::capabilities::directory::Directory;
use crate::capabilities::directory::{DirectoryAdmin, kind_name, new_uuid};
use crate::clock::now_rfc3339;

pub struct PgDirectory {
    pg: Arc<Pg>,
}

fn table(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Company => "companies",
        RecordKind::Deal => "deals",
        RecordKind::Activity => "activities",
    }
}

fn conversation(r: &postgres::Row) -> Conversation {
    Conversation {
        id: r.get::<_, i64>(0) as u64,
        uuid: r.get(1),
        subject: r.get(2),
        last_message: r.get(3),
        created_at: r.get(4),
        last_message_at: r.get(5),
    }
}

impl PgDirectory {
    pub fn new(pg: Arc<Pg>) -> PgDirectory {
        PgDirectory { pg }
    }
}

impl DirectoryAdmin for PgDirectory {
    /// Creates a customer or prospect; without an account number one is
    /// derived from the id (`CL000012`, `PR000012`).
    fn create_owner(&self, kind: OwnerKind, name: &str, account: Option<&str>) -> Result<Owner> {
        let prefix = match kind {
            OwnerKind::Customer => "CL",
            OwnerKind::Prospect => "PR",
        };
        // One statement: the id is known before the row is written.
        let row = self.pg.conn()?.get().query_one(
            "WITH next AS (SELECT nextval(pg_get_serial_sequence('owners', 'id')) AS id) \
             INSERT INTO owners (id, kind, name, account) \
             SELECT id, $1, $2, coalesce($3, $4 || lpad(id::text, 6, '0')) FROM next \
             RETURNING id, account",
            &[&kind_name(kind), &name, &account, &prefix],
        )?;
        Ok(Owner {
            kind,
            id: row.get::<_, i64>(0) as u64,
            name: name.to_owned(),
            account: row.get(1),
        })
    }

    /// Creates a company, deal or activity and returns its id.
    fn create_record(&self, kind: RecordKind, name: &str, domain: Option<&str>) -> Result<u64> {
        let mut conn = self.pg.conn()?;
        let conn = conn.get();
        let row = match kind {
            RecordKind::Company => conn.query_one(
                "INSERT INTO companies (name, domain) VALUES ($1, $2) RETURNING id",
                &[&name, &domain],
            )?,
            RecordKind::Deal => conn.query_one(
                "INSERT INTO deals (name) VALUES ($1) RETURNING id",
                &[&name],
            )?,
            RecordKind::Activity => conn.query_one(
                "INSERT INTO activities (title) VALUES ($1) RETURNING id",
                &[&name],
            )?,
        };
        Ok(row.get::<_, i64>(0) as u64)
    }

    fn create_conversation(
        &self,
        contact: u64,
        subject: &str,
        last_message: &str,
    ) -> Result<Conversation> {
        let now = now_rfc3339();
        let uuid = new_uuid()?;
        let row = self.pg.conn()?.get().query_one(
            "INSERT INTO conversations \
             (uuid, contact_id, subject, last_message, created_at, last_message_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             RETURNING id, uuid, subject, last_message, created_at, last_message_at",
            &[&uuid, &(contact as i64), &subject, &last_message, &now],
        )?;
        Ok(conversation(&row))
    }

    /// Creates the portal account of a contact (one per contact).
    fn create_client(&self, contact: u64) -> Result<Option<ClientAccount>> {
        let row = self.pg.conn()?.get().query_opt(
            "INSERT INTO clients (contact_id) VALUES ($1) \
             ON CONFLICT (contact_id) DO NOTHING RETURNING id",
            &[&(contact as i64)],
        )?;
        Ok(row.map(|r| ClientAccount {
            id: r.get::<_, i64>(0) as u64,
            contact_id: contact,
            permissions: Vec::new(),
        }))
    }

    fn client(&self, id: u64) -> Result<Option<ClientAccount>> {
        let row = self.pg.conn()?.get().query_opt(
            "SELECT id, contact_id, permissions FROM clients WHERE id = $1",
            &[&(id as i64)],
        )?;
        row.map(|r| client_row(&r)).transpose()
    }
}

fn client_row(r: &postgres::Row) -> Result<ClientAccount> {
    Ok(ClientAccount {
        id: r.get::<_, i64>(0) as u64,
        contact_id: r.get::<_, i64>(1) as u64,
        permissions: serde_json::from_str(r.get(2))?,
    })
}

impl Directory for PgDirectory {
    fn owners(&self, refs: &[OwnerRef]) -> Result<Vec<Owner>> {
        let mut conn = self.pg.conn()?;
        let conn = conn.get();
        let mut out = Vec::with_capacity(refs.len());
        for r in refs {
            let row = conn.query_opt(
                "SELECT name, account FROM owners WHERE id = $1 AND kind = $2",
                &[&(r.id as i64), &kind_name(r.kind)],
            )?;
            if let Some(row) = row {
                out.push(Owner {
                    kind: r.kind,
                    id: r.id,
                    name: row.get(0),
                    account: row.get(1),
                });
            }
        }
        Ok(out)
    }

    fn client_account_of(&self, contact: u64) -> Result<Option<ClientAccount>> {
        let row = self.pg.conn()?.get().query_opt(
            "SELECT id, contact_id, permissions FROM clients WHERE contact_id = $1",
            &[&(contact as i64)],
        )?;
        row.map(|r| client_row(&r)).transpose()
    }

    fn sync_client_permissions(&self, contact: u64, permissions: &[String]) -> Result<()> {
        self.pg.conn()?.get().execute(
            "UPDATE clients SET permissions = $1 WHERE contact_id = $2",
            &[&serde_json::to_string(permissions)?, &(contact as i64)],
        )?;
        Ok(())
    }

    fn existing(&self, kind: RecordKind, ids: &[u64]) -> Result<Vec<u64>> {
        let wanted: Vec<i64> = ids.iter().map(|&i| i as i64).collect();
        let sql = format!(
            "SELECT u.id FROM unnest($1::bigint[]) WITH ORDINALITY AS u (id, n) \
             WHERE EXISTS (SELECT 1 FROM {} t WHERE t.id = u.id) ORDER BY u.n",
            table(kind)
        );
        let rows = self.pg.conn()?.get().query(&sql, &[&wanted])?;
        Ok(rows.iter().map(|r| r.get::<_, i64>(0) as u64).collect())
    }

    fn conversations(&self, contact: u64) -> Result<Vec<Conversation>> {
        let rows = self.pg.conn()?.get().query(
            "SELECT id, uuid, subject, last_message, created_at, last_message_at \
             FROM conversations WHERE contact_id = $1 ORDER BY created_at DESC, id DESC",
            &[&(contact as i64)],
        )?;
        Ok(rows.iter().map(conversation).collect())
    }
}
