//! Scopes and who may do what (spec §4): the same rules in every dialect.

use crate::model::{Caller, Error, Note, Result};

/// The HelperIQ scope names; every dialect's routes map onto them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    ReadAll,
    Read,
    Write,
    Delete,
    Block,
    NotesRead,
    NotesWrite,
    NotesDelete,
}

impl Scope {
    pub const ALL: [Scope; 8] = [
        Scope::ReadAll,
        Scope::Read,
        Scope::Write,
        Scope::Delete,
        Scope::Block,
        Scope::NotesRead,
        Scope::NotesWrite,
        Scope::NotesDelete,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scope::ReadAll => "contacts:read_all",
            Scope::Read => "contacts:read",
            Scope::Write => "contacts:write",
            Scope::Delete => "contacts:delete",
            Scope::Block => "contacts:block",
            Scope::NotesRead => "contact_notes:read",
            Scope::NotesWrite => "contact_notes:write",
            Scope::NotesDelete => "contact_notes:delete",
        }
    }

    pub fn parse(name: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.name() == name.trim())
    }
}

/// Whether the caller holds a scope. A caller with no scopes listed holds all.
pub fn holds(caller: &Caller, scope: Scope) -> bool {
    caller.scopes.is_empty() || caller.scopes.iter().any(|s| s == scope.name())
}

/// Fails with `forbidden` unless the caller holds the scope. Runs before any
/// input validation, so a caller without rights learns nothing about the data.
pub fn require(caller: &Caller, scope: Scope) -> Result<()> {
    if holds(caller, scope) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "You do not have permission to do this (requires {}).",
            scope.name()
        )))
    }
}

/// An operation a caller's scopes may refuse, and the scope it needs. The
/// operations check it first ([`authorize`]); a host that parses input of its
/// own asks the same question before it answers a validation error, so the
/// rule is written once, here. Deleting a note is not listed: its author may
/// always delete it, so the note is read first ([`may_delete_note`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Create,
    Get,
    Update,
    Delete,
    ListByOwner,
    LookupPhone,
    Accounts,
    Coworkers,
    ListContacts,
    Search,
    QuickUpsert,
    SetBlocked,
    Conversations,
    ListNotes,
    AddNote,
    /// The RelateCRM list (`query` without `take`).
    Query,
    /// The RelateCRM search (`query` with `take`).
    QuerySearch,
    Associate,
}

impl Operation {
    pub const ALL: [Operation; 18] = [
        Operation::Create,
        Operation::Get,
        Operation::Update,
        Operation::Delete,
        Operation::ListByOwner,
        Operation::LookupPhone,
        Operation::Accounts,
        Operation::Coworkers,
        Operation::ListContacts,
        Operation::Search,
        Operation::QuickUpsert,
        Operation::SetBlocked,
        Operation::Conversations,
        Operation::ListNotes,
        Operation::AddNote,
        Operation::Query,
        Operation::QuerySearch,
        Operation::Associate,
    ];

    /// The scope this operation needs (spec §4).
    pub fn scope(self) -> Scope {
        match self {
            Operation::ListByOwner | Operation::ListContacts | Operation::Query => Scope::ReadAll,
            Operation::Get
            | Operation::LookupPhone
            | Operation::Accounts
            | Operation::Coworkers
            | Operation::Search
            | Operation::Conversations
            | Operation::QuerySearch => Scope::Read,
            Operation::Create
            | Operation::Update
            | Operation::QuickUpsert
            | Operation::Associate => Scope::Write,
            Operation::Delete => Scope::Delete,
            Operation::SetBlocked => Scope::Block,
            Operation::ListNotes => Scope::NotesRead,
            Operation::AddNote => Scope::NotesWrite,
        }
    }
}

/// Fails with `forbidden` unless the caller may run the operation: the first
/// check of each operation, before any input is looked at.
pub fn authorize(caller: &Caller, operation: Operation) -> Result<()> {
    require(caller, operation.scope())
}

/// The author may always delete their own note; anyone else needs
/// `contact_notes:delete`.
pub fn may_delete_note(caller: &Caller, note: &Note) -> Result<()> {
    if note.author_id == caller.agent_id || holds(caller, Scope::NotesDelete) {
        Ok(())
    } else {
        Err(Error::Forbidden(
            "You can only delete your own note".to_owned(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(scopes: &[&str]) -> Caller {
        Caller {
            agent_id: 7,
            first_name: "Ada".into(),
            last_name: "L".into(),
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn note(author: u64) -> Note {
        Note {
            id: 1,
            contact_id: 1,
            content: "x".into(),
            author_id: author,
            author_first_name: String::new(),
            author_last_name: String::new(),
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    #[test]
    fn no_scopes_means_all() {
        assert!(Scope::ALL.iter().all(|s| holds(&caller(&[]), *s)));
    }

    #[test]
    fn listed_scopes_only() {
        let c = caller(&["contacts:read"]);
        assert!(require(&c, Scope::Read).is_ok());
        assert!(matches!(
            require(&c, Scope::Write),
            Err(Error::Forbidden(_))
        ));
    }

    #[test]
    fn note_deletion_by_author_or_scope() {
        let reader = caller(&["contact_notes:read"]);
        assert!(may_delete_note(&reader, &note(7)).is_ok());
        assert!(may_delete_note(&reader, &note(8)).is_err());
        let admin = caller(&["contact_notes:delete"]);
        assert!(may_delete_note(&admin, &note(8)).is_ok());
    }

    #[test]
    fn each_operation_needs_its_scope_alone() {
        for op in Operation::ALL {
            let needed = op.scope().name();
            assert!(authorize(&caller(&[needed]), op).is_ok(), "{op:?}");
            let others: Vec<&str> = Scope::ALL
                .iter()
                .map(|s| s.name())
                .filter(|s| *s != needed)
                .collect();
            assert!(
                matches!(authorize(&caller(&others), op), Err(Error::Forbidden(_))),
                "{op:?}"
            );
        }
    }

    #[test]
    fn scope_names_round_trip() {
        for s in Scope::ALL {
            assert_eq!(Scope::parse(s.name()), Some(s));
        }
        assert_eq!(Scope::parse("contacts:everything"), None);
    }
}
