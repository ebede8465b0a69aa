// Example event reactor, in JavaScript: an audit trail of the outbox's
// events, kept in the extension's own key-value space (grant "kv").
//
// The trail is a ring of SLOTS entries, so it never outgrows the space:
// event N goes to key `event:<N mod SLOTS>`, and `last-seq` holds the last
// sequence recorded. Delivery is at least once: an event seen again is
// written again to the same slot, with the same content.
import * as kv from 'contacts:extension/kv@0.1.0';
import { log } from 'contacts:extension/log@0.1.0';

const SLOTS = 1000n;

function slotKey(seq) {
  return `event:${String(seq % SLOTS).padStart(4, '0')}`;
}

export const hooks = {
  // Not in this extension's manifest: never called.
  validate(_before, _after) {},

  enrich(_contact) {
    return { customFields: [] };
  },

  onEvent(event) {
    const entry = JSON.stringify({
      seq: event.seq.toString(),
      kind: event.kind,
      contact: event.contactId.toString(),
      at: event.createdAt,
    });
    // An error (the space is full) throws: the host offers the event again.
    kv.set(slotKey(event.seq), entry);
    kv.set('last-seq', event.seq.toString());
    log('debug', `recorded ${event.kind} of contact ${event.contactId}`);
  },
};
