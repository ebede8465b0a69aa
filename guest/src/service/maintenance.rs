//! Store maintenance: recomputing the index entries of stored documents, for
//! a store written under other index definitions ([`index::VERSION`]).

use super::helpdesk::decode_note;
use super::{Engine, Tx, decode_contact};
use crate::index;
use crate::model::{Error, ReindexCursor, Result};
use crate::ports::{Directory, Document, Store};

/// Every collection whose documents carry index entries, in reindex order.
const COLLECTIONS: [&str; 2] = [index::CONTACTS, index::NOTES];
/// Documents per step, whatever the caller asks.
const MAX_STEP: u32 = 1_000;

impl<S: Store + ?Sized, D: Directory + ?Sized> Engine<'_, S, D> {
    /// Recomputes the entries of up to `limit` documents from `cursor` and
    /// commits them; returns where to go on, none when all is done.
    pub fn reindex(
        &self,
        cursor: Option<ReindexCursor>,
        limit: u32,
    ) -> Result<Option<ReindexCursor>> {
        let (at, after) = match &cursor {
            None => (0, None),
            Some(c) => {
                let at = COLLECTIONS
                    .iter()
                    .position(|name| *name == c.collection)
                    .ok_or_else(|| {
                        Error::BadRequest(format!("no collection {:?} to reindex", c.collection))
                    })?;
                (at, Some(c.after))
            }
        };
        let collection = COLLECTIONS[at];
        let ids = self.store.ids(collection, after, limit.clamp(1, MAX_STEP));
        let Some(&last) = ids.last() else {
            return Ok(COLLECTIONS.get(at + 1).map(|next| ReindexCursor {
                collection: (*next).to_owned(),
                after: 0,
            }));
        };
        let docs = self.store.get_many(collection, &ids);
        let mut batch = Tx::default();
        for doc in &docs {
            rewrite(&mut batch, collection, doc)?;
        }
        match batch.commit(self.store) {
            Ok(()) => {}
            // A document changed meanwhile (a stale version): one at a time,
            // and one that changed again was written with current entries.
            Err(Error::Conflict(_)) => {
                for doc in &docs {
                    let mut one = Tx::default();
                    rewrite(&mut one, collection, doc)?;
                    match one.commit(self.store) {
                        Ok(()) | Err(Error::Conflict(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
        Ok(Some(ReindexCursor {
            collection: collection.to_owned(),
            after: last,
        }))
    }
}

/// The same document, with entries computed by this version.
fn rewrite(tx: &mut Tx, collection: &str, doc: &Document) -> Result<()> {
    match collection {
        index::CONTACTS => tx.put_contact(&decode_contact(doc)?, Some(doc.version)),
        _ => tx.put_note(&decode_note(&doc.body)?, Some(doc.version)),
    }
    Ok(())
}
