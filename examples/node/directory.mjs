// An in-memory `contacts:core/directory` for jco: the platform's own records
// that the component reads (owners, portal accounts, companies, deals,
// activities, conversations). A real platform answers from its database.
//
// What the component asks of it, per dialect (docs/embedding.md):
// - `owners`: every ref that exists. A BlueRockTEL create needs its owner to be
//   found here, or it is refused with `contactable_id`; views show the owner.
// - `existing`: which company, deal or activity ids exist (RelateCRM
//   associations; unknown ids are skipped).
// - `clientAccountOf` and `syncClientPermissions`: the customer-portal account
//   of a contact, written after a change of its permissions (BlueRockTEL).
// - `conversations`: a contact's conversations (HelperIQ).

const ownerKey = (kind, id) => `${kind}:${id}`;

export class MemoryDirectory {
  constructor() {
    this.ownersByKey = new Map();
    this.clients = new Map();
    this.records = { company: new Set(), deal: new Set(), activity: new Set() };
    this.conversationsOf = new Map();
  }

  addOwner(kind, id, name, account) {
    this.ownersByKey.set(ownerKey(kind, id), { kind, id: BigInt(id), name, account });
  }

  addRecord(kind, id) {
    this.records[kind].add(BigInt(id));
  }

  owners(refs) {
    const out = [];
    for (const { kind, id } of refs) {
      const owner = this.ownersByKey.get(ownerKey(kind, id));
      if (owner) out.push(owner);
    }
    return out;
  }

  clientAccountOf(contact) {
    return this.clients.get(contact);
  }

  syncClientPermissions(contact, permissions) {
    const account = this.clients.get(contact);
    if (account) account.permissions = [...permissions];
  }

  existing(kind, ids) {
    return BigUint64Array.from([...ids].filter((id) => this.records[kind].has(id)));
  }

  conversations(contact) {
    return this.conversationsOf.get(contact) ?? [];
  }
}
