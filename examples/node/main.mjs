// The contacts component in a Node host: configure, create, look up a phone
// written another way, search, update, and the errors a caller can get.
//
//   npx jco transpile contacts_guest_pure.wasm -o generated --name contacts --instantiation sync
//   node main.mjs generated
//
// The Python example (examples/python/main.py) prints the same lines.

import { Contacts, GuestError, patch } from './host.mjs';
import { MemoryDirectory } from './directory.mjs';
import { MemoryStore } from './store.mjs';

const SETTINGS = { defaultRegion: 'FR', customFields: [] };

const agent = (dialect, scopes = []) => ({
  caller: { agentId: 7n, firstName: 'Ada', lastName: 'Agent', scopes },
  dialect,
});

function describe(view) {
  const c = view.contact;
  const phones = c.phones.map((p) => p.e164 ?? p.number).join(' ');
  const at = view.owner ? ` of ${view.owner.name} (${view.owner.account})` : '';
  return `#${c.id} ${c.firstName} ${c.lastName} <${c.email}> ${phones}${at}`;
}

async function main(dir) {
  const store = new MemoryStore();
  const directory = new MemoryDirectory();
  directory.addOwner('customer', 1, 'ACME', 'CL000001');
  const contacts = await Contacts.load(dir, { store, directory, settings: SETTINGS });

  // Misuse is refused, not run on defaults.
  try {
    contacts.fresh({ settings: { ...SETTINGS, defaultRegion: 'XX' } });
  } catch (e) {
    console.log(`misuse: ${e.message}`);
  }
  try {
    contacts.fresh({ configure: false }).get(agent('bluerocktel'), 1n);
  } catch (e) {
    console.log(`misuse: before configure: ${e.payload.tag}: ${e.payload.val}`);
  }

  const brt = agent('bluerocktel');
  const owner = { kind: 'customer', id: 1n };
  let view = contacts.call('create', brt, owner, patch({
    firstName: 'Jeanne', lastName: 'Dupont', email: 'Jeanne.Dupont@Example.com',
    mobilePhone: '06 12 34 56 78',
  }));
  console.log(`created: ${describe(view)}`);
  const id = view.contact.id;

  const found = contacts.call('lookupPhone', brt, '+33 (0)6.12.34.56.78');
  console.log(`lookup: +33 (0)6.12.34.56.78 -> #${found.view.contact.id} ${found.phone.e164} (${found.how})`);
  // Caller id in brief: the same match, a few flat fields, no directory call.
  const caller = contacts.call('identifyCaller', brt, '0612345678');
  console.log(`caller id: 0612345678 -> #${caller.id} ${caller.firstName} ${caller.lastName} ${caller.e164} (${caller.how})`);

  const hits = contacts.call('search', agent('helperiq'), 'dupon', 10);
  console.log(`search: dupon -> ${hits.map(describe).join(', ')}`);

  view = contacts.call('update', brt, id, patch({ firstName: 'Jeanne-Marie', landlinePhone: '01 45 67 89 01' }));
  console.log(`updated: ${describe(view)}`);

  // A store read that fails traps the call; the host drops that instance.
  const { get } = store;
  store.get = () => {
    throw new Error('storage unavailable');
  };
  try {
    contacts.call('get', brt, id);
  } catch (e) {
    store.get = get;
    const again = contacts.call('get', brt, id);
    console.log(`trap: ${e.message}; instances discarded: ${contacts.discarded}; then: ${describe(again)}`);
  }

  for (const [what, who, fields] of [
    ['bad email', owner, { lastName: 'Martin', email: 'martin@@example' }],
    ['unknown owner', { kind: 'customer', id: 99n }, { lastName: 'Martin', email: 'martin@example.com' }],
  ]) {
    try {
      contacts.call('create', brt, who, patch(fields));
    } catch (e) {
      if (!(e instanceof GuestError)) throw e;
      const list = e.val.map((f) => `${f.field}: ${f.message}`).join('; ');
      console.log(`invalid (${what}): ${e.tag}: ${list}`);
    }
  }

  console.log(`store: ${store.docs.get('contacts')?.size ?? 0} contact(s), ${store.events.length} event(s)`);
}

if (!process.argv[2]) {
  console.error('usage: node main.mjs <folder of the transpiled component>');
  process.exit(2);
}
await main(process.argv[2]);
