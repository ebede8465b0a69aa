// Times a phone lookup through jco: N contacts created through the component
// in this example's in-memory store, then LOOKUPS lookups in the forms a phone
// system sends (+33…, 0033…, 06…, the last 9 digits), through each of the two
// lookup exports. Prints one JSON line.
// `cargo bench -p contacts-host --bench embedders` runs it beside the Rust
// host and the Python example; see docs/benchmarks.md.
//
//   node bench.mjs <folder of the transpiled component> [contacts] [lookups]

import { Contacts, patch } from './host.mjs';
import { MemoryDirectory } from './directory.mjs';
import { MemoryStore } from './store.mjs';

const [dir, n = '1000', lookups = '4000'] = process.argv.slice(2);
const contacts = await Contacts.load(dir, {
  store: new MemoryStore(),
  directory: new MemoryDirectory(),
  settings: { defaultRegion: 'FR', customFields: [] },
});
const cx = { caller: { agentId: 1n, firstName: 'Bench', lastName: 'Agent', scopes: [] }, dialect: 'helperiq' };

const national = (i) => String(600000000 + i);
for (let i = 0; i < Number(n); i++) {
  contacts.call('create', cx, undefined, patch({
    firstName: `Ann${i}`, lastName: `Lee${i}`, email: `ann${i}@example${i % 97}.fr`, mobilePhone: `0${national(i)}`,
  }));
}
const forms = (i) => [`+33${national(i)}`, `0033${national(i)}`, `0${national(i)}`, national(i)];
const queries = [];
for (let k = 0; queries.length < Number(lookups); k++) queries.push(...forms((k * 7919) % Number(n)));

// Both lookups, `lookup-phone` (the contact's record and views) and
// `identify-caller` (its id and display fields), alternated query by query so
// that the machine's pauses fall on both alike.
const exports = { 'lookup-phone': 'lookupPhone', 'identify-caller': 'identifyCaller' };
for (const q of queries.slice(0, 400)) for (const fn of Object.values(exports)) contacts.call(fn, cx, q); // warm-up
const times = Object.fromEntries(Object.keys(exports).map((k) => [k, []]));
for (const q of queries) {
  for (const [name, fn] of Object.entries(exports)) {
    const t0 = process.hrtime.bigint();
    const found = contacts.call(fn, cx, q);
    times[name].push(Number(process.hrtime.bigint() - t0) / 1000);
    if (!found) throw new Error(`${name}: no match for ${q}`);
  }
}
const figures = (t) => {
  t.sort((a, b) => a - b);
  const at = (p) => t[Math.min(t.length - 1, Math.floor(p * t.length))];
  return { lookups: t.length, mean: t.reduce((a, b) => a + b, 0) / t.length, p50: at(0.5), p99: at(0.99) };
};
console.log(JSON.stringify(Object.fromEntries(Object.entries(times).map(([k, t]) => [k, figures(t)]))));
