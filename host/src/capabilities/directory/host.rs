//! The component's `directory` import served from a [`Directory`]: the
//! wasmtime `Host` implementation, on a view that reaches only the
//! directory, registered with [`add_to_linker`].

use anyhow::Result;
use wasmtime::component::{HasData, Linker};

use super::Directory;
use crate::bindings::{directory, types};

/// What the `directory` import may reach of an instance's state.
pub struct DirectoryView<'a> {
    pub directory: &'a dyn Directory,
}

/// The [`HasData`] marker of [`DirectoryView`].
pub struct DirectoryImport;

impl HasData for DirectoryImport {
    type Data<'a> = DirectoryView<'a>;
}

/// Serves the `directory` import of instances whose state `view` projects.
pub fn add_to_linker<T: 'static>(
    linker: &mut Linker<T>,
    view: fn(&mut T) -> DirectoryView<'_>,
) -> wasmtime::Result<()> {
    directory::add_to_linker::<T, DirectoryImport>(linker, view)
}

impl directory::Host for DirectoryView<'_> {
    fn owners(&mut self, refs: Vec<types::OwnerRef>) -> Result<Vec<directory::Owner>> {
        self.directory.owners(&refs)
    }

    fn client_account_of(&mut self, contact: u64) -> Result<Option<directory::ClientAccount>> {
        self.directory.client_account_of(contact)
    }

    fn sync_client_permissions(&mut self, contact: u64, permissions: Vec<String>) -> Result<()> {
        self.directory
            .sync_client_permissions(contact, &permissions)
    }

    fn existing(&mut self, kind: directory::RecordKind, ids: Vec<u64>) -> Result<Vec<u64>> {
        self.directory.existing(kind, &ids)
    }

    fn conversations(&mut self, contact: u64) -> Result<Vec<directory::Conversation>> {
        self.directory.conversations(contact)
    }
}
