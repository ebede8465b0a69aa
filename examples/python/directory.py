"""An in-memory `contacts:core/directory` for wasmtime-py: the platform's own
records that the component reads. A real platform answers from its database.

What the component asks of it, per dialect (docs/embedding.md):
- `owners`: every ref that exists. A BlueRockTEL create needs its owner to be
  found here, or it is refused with `contactable_id`; views show the owner.
- `existing`: which company, deal or activity ids exist (RelateCRM
  associations; unknown ids are skipped).
- `client_account_of` and `sync_client_permissions`: the customer-portal
  account of a contact, written after a change of its permissions (BlueRockTEL).
- `conversations`: a contact's conversations (HelperIQ).

Enums (`owner-kind`, `record-kind`) arrive as their WIT names, as strings.
"""

from store import field, record


class MemoryDirectory:
    def __init__(self):
        self.owners_by_ref = {}
        self.clients = {}  # contact id -> client-account record
        self.records = {"company": set(), "deal": set(), "activity": set()}
        self.conversations_of = {}

    def add_owner(self, kind, id, name, account):
        self.owners_by_ref[(kind, id)] = record(kind=kind, id=id, name=name, account=account)

    def add_record(self, kind, id):
        self.records[kind].add(id)

    def owners(self, refs):
        found = (self.owners_by_ref.get((field(r, "kind"), field(r, "id"))) for r in refs)
        return [o for o in found if o is not None]

    def client_account_of(self, contact):
        return self.clients.get(contact)

    def sync_client_permissions(self, contact, permissions):
        account = self.clients.get(contact)
        if account is not None:
            setattr(account, "permissions", list(permissions))

    def existing(self, kind, ids):
        return [id for id in ids if id in self.records[kind]]

    def conversations(self, contact):
        return self.conversations_of.get(contact, [])
